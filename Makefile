# SPDX-License-Identifier: GPL-2.0
# lazymm: apply the series to Linux 6.1.y and test it under QEMU.
# `make help` lists the targets; every script under scripts/ has --help.

ARCH   ?= x86_64
SCHEME ?= refcount
MMU    ?=
KDIR   ?=
O      ?=
OUT    ?=

# Our variables must not leak into the kernel's own make, which kunit.py
# runs below us: MAKEFLAGS would carry O= and ARCH= into it.
# LAZYMM_MAKE=1: the scripts' messages name our variables (DURATION=abc),
# not their options (--duration abc).
# LAZYMM_MAKE_CMD: the make command, for the results dirs' record.
# AS_IS=1: test KDIR as it is; BRANCH=: the branch make apply puts the series
# on (default lazymm, "." the current one).
SCRIPT = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL LAZYMM_MAKE=1 \
	LAZYMM_MAKE_CMD='make $@ $(MAKEOVERRIDES)' \
	$(if $(AS_IS),LAZYMM_AS_IS=$(AS_IS)) $(if $(BRANCH),LAZYMM_BRANCH=$(BRANCH)) scripts
# Values are quoted, so an empty one (ARCH=) reaches the script's check.
KUNIT_OPTS = --arch "$(ARCH)" --scheme "$(SCHEME)" $(if $(MMU),--mmu "$(MMU)") \
	$(if $(KDIR),--kdir "$(KDIR)") $(if $(O),--build-dir "$(O)")

# make torture: seconds of workload, and the two variants (set to 1).
DURATION   ?= 600
RCUTORTURE ?=
KASAN      ?=
BASE       ?=
yes = $(filter 1 y yes,$(1))
# onoff VAR: shell that refuses a value of VAR other than 1/y/yes or
# 0/n/no/empty, so KASAN=on is not silently off.
onoff = case "$($(1))" in ''|0|n|no|1|y|yes) ;; *) echo "lazymm: $(1)=$($(1)) is not 1 or 0; use $(1)=1 to turn it on, or leave it out" >&2; exit 1 ;; esac

GOOD   ?=
BAD    ?=
TEST   ?=
BUILD_FAIL ?= skip
BUDGET ?=

# make bench: vCPUs, boots per kernel, seconds per workload, which parts.
CPUS    ?= 4
REPEATS ?= 5
BENCH_SECONDS ?= 10
WHAT    ?= tlb,mmu

# make peer: which suites; DURATION= is then seconds per stressor (10).
SUITE   ?= selftests,stress-ng,perf
PEER_SECONDS = $(if $(filter command line environment,$(origin DURATION)),$(DURATION),10)

.PHONY: help kunit test check deps tree apply unapply export clean bisect \
	check-series cover-letter torture bench lava lava-check peer

help:
	@echo 'Usage: make <target> [ARCH=x86_64|arm64|powerpc] [MMU=radix|hash]'
	@echo '                     [SCHEME=refcount|shootdown] [KDIR=dir] [O=dir]'
	@echo
	@echo '  kunit    install what is missing, get the tree, apply the series,'
	@echo '           build and run the KUnit suites under QEMU (4 vCPUs)'
	@echo '  test     everything CI checks; ends with "N passed, N failed"'
	@echo '  check    only the host-side tests of the scripts (seconds)'
	@echo '  deps     install the Debian packages (or print the apt-get line)'
	@echo '  tree     extract Debian linux-source-6.1 into ~/.cache/lazymm (or KDIR);'
	@echo '           DEBVER=6.1.170-3: another version Debian offers, downloaded'
	@echo '  apply    apply the series to KDIR (quilt, or git am on a branch "lazymm";'
	@echo '           BRANCH=. the current one); AS_IS=1: test KDIR as it is.  On an'
	@echo '           older or newer 6.1.y it carries the series by three-way merge'
	@echo '  unapply  remove it from KDIR again'
	@echo '  export   write the series as edited in a git KDIR back into patches/'
	@echo '  clean    remove results/ (build dirs live in ~/.cache/lazymm)'
	@echo '  torture  boot the KUnit kernel with a BusyBox initramfs, run the stress'
	@echo '           program with CPU hotplug for DURATION=600 s (RCUTORTURE=1:'
	@echo '           rcutorture instead; KASAN=1: x86_64 KASAN kernel), judge the console'
	@echo '  peer     [SUITE=selftests,stress-ng,perf DURATION=10]: boot the KUnit kernel'
	@echo '           with a Debian userspace; the tree'"'"'s selftests, stress-ng'
	@echo '           (DURATION s a stressor), perf bench and hackbench; counts per case;'
	@echo '           BASE=1: the same on Debian'"'"'s 6.1 without the series'
	@echo '  bisect   GOOD=<patch|base> BAD=<patch|end> TEST=kunit:SUITE|torture:SECONDS'
	@echo '           [ARCH= MMU= SCHEME= KDIR=<git tree> BUILD_FAIL=skip|bad]:'
	@echo '           git bisect run over the series; names the first bad patch'
	@echo '  check-series [ARCH=..] [BUDGET=min] [FROM=patch] [TO=patch]: every prefix builds (x86_64,'
	@echo '           arm64, powerpc; sparc64, arm), no new warning, checkpatch'
	@echo '           --strict, W=1, sparse; a patch x check table; resumable;'
	@echo '           PRUNE=1 drops proofs/check-series lines for old patch content'
	@echo '  cover-letter  update the shortlog/diffstat of 0000-cover-letter.patch'
	@echo '  bench    [ARCH=.. CPUS=4 REPEATS=5 BENCH_SECONDS=10 WHAT=tlb,mmu[,peer]]: boot'
	@echo '           refcount vs shootdown kernels (and lazy_mmu batching on vs off),'
	@echo '           same workloads, REPEATS boots each; a table of ratios and counts'
	@echo '  lava     [ARCH= MMU= SCHEME= TEST=kunit|torture DURATION=60 RCUTORTURE=1'
	@echo '           OUT=dir LAVA_ARTIFACTS_URL=url]: LAVA job definitions for the matrix'
	@echo '           (kunit/matrix), with the artefacts they boot and SHA256SUMS'
	@echo '  lava-check  the same, then each job through lava-run (installs'
	@echo '           lava-dispatcher) next to make kunit/torture on the same'
	@echo '           artefacts: a table of both verdicts, case by case'

kunit:
	@$(SCRIPT)/kunit.sh $(KUNIT_OPTS)

test:
	@$(SCRIPT)/test.sh $(if $(KDIR),--kdir "$(KDIR)")

check:
	@$(SCRIPT)/test.sh --host-only

deps:
	@$(SCRIPT)/deps.sh $(if $(filter command line,$(origin ARCH)),$(ARCH))

tree:
	@$(SCRIPT)/get-tree.sh $(if $(filter command line,$(origin DEBVER)),--version "$(DEBVER)") \
		$(if $(filter command line,$(origin KDIR)),"$(KDIR)")

apply unapply export:
	@test -n "$(KDIR)" || { echo 'lazymm: make $@ needs KDIR=/path/to/linux-6.1.y' >&2; exit 1; }
	@$(SCRIPT)/$@.sh "$(KDIR)"

bisect:
	@$(SCRIPT)/bisect.sh --good "$(GOOD)" --bad "$(BAD)" --test "$(TEST)" \
		--arch "$(ARCH)" --scheme "$(SCHEME)" $(if $(MMU),--mmu "$(MMU)") \
		$(if $(KDIR),--kdir "$(KDIR)") --build-fail "$(BUILD_FAIL)"

torture:
	@$(call onoff,KASAN); $(call onoff,RCUTORTURE); \
	$(SCRIPT)/torture.sh $(KUNIT_OPTS) --duration "$(DURATION)" \
		$(if $(call yes,$(RCUTORTURE)),--rcutorture) $(if $(call yes,$(KASAN)),--kasan)

peer:
	@$(call onoff,BASE); \
	$(SCRIPT)/torture.sh $(KUNIT_OPTS) --peer "$(SUITE)" --duration "$(PEER_SECONDS)" \
		$(if $(call yes,$(BASE)),--base)

check-series:
	@$(SCRIPT)/check-series.sh $(if $(filter command line,$(origin ARCH)),--arch $(ARCH)) \
		$(if $(BUDGET),--budget $(BUDGET)) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) \
		$(if $(call yes,$(PRUNE)),--prune)

# lava, lava-check: the whole matrix unless ARCH=, MMU=, SCHEME= are given.
LAVA_OPTS = $(foreach v,ARCH MMU SCHEME TEST DURATION,$(if $(filter command \
	line,$(origin $(v))),--$(shell echo $(v) | tr A-Z a-z) "$($(v))")) \
	$(if $(KDIR),--kdir "$(KDIR)") $(if $(OUT),--out "$(OUT)") \
	$(if $(call yes,$(RCUTORTURE)),--rcutorture)

lava:
	@$(call onoff,RCUTORTURE); $(SCRIPT)/lava.sh $(LAVA_OPTS)

lava-check:
	@$(call onoff,RCUTORTURE); $(SCRIPT)/lava-check.sh $(LAVA_OPTS)

cover-letter:
	@$(SCRIPT)/cover-letter.sh

clean:
	rm -rf results

bench:
	@$(SCRIPT)/bench.sh --arch "$(ARCH)" --cpus "$(CPUS)" --repeats "$(REPEATS)" \
		--duration "$(BENCH_SECONDS)" --what "$(WHAT)" $(if $(MMU),--mmu "$(MMU)") \
		$(if $(KDIR),--kdir "$(KDIR)")
