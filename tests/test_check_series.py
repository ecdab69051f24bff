# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of make check-series: the fixture series on a fixture
import, with a fake make (LAZYMM_KBUILD_MAKE) and a fake checkpatch.pl in the
fixture tarball.  Words planted in the sources make the fake build warn
(WARN_ME), fail (BREAK_ME), warn under W=1 (W1_ME) or under sparse
(SPARSE_ME); LONG_LINE_HERE in a patch makes checkpatch warn."""
import os
import re

import host_test
from host_test import sh, write

FAKE_MAKE = r'''#!/usr/bin/env bash
# make -C SRC O=DIR -j2 VAR=... [target...]
src= out= flags= targets=() armv3=0
while [ $# -gt 0 ]; do
	case $1 in
	-C) src=$2; shift ;;
	O=*) out=${1#O=} ;;
	W=1) flags=w1 ;;
	C=2) flags=sparse ;;
	ARCH=*) arch=${1#ARCH=} ;;
	CC=*armv3-gcc.sh) armv3=1 ;;
	-j*|*=*) ;;
	*) targets+=("$1") ;;
	esac
	shift
done
echo "make ${targets[*]:-all} $flags $out" >>"$FAKE_MAKE_LOG"
# As kbuild, which includes every target's .cmd file: one cut short by a
# killed build stops every later make.
if [ -d "$out" ]; then
	cut=$(find "$out" -type f -name '.*.cmd' -size +0 | while read -r c; do
		[ -z "$(tail -c1 "$c")" ] || echo "$c"; done | head -n 1)
	[ -z "$cut" ] || {
		echo "${cut#"$out"/}:1: *** unterminated call to function 'wildcard': missing ')'.  Stop."
		exit 2
	}
fi
# Kbuild's prepare step warns from <stdin> in the base and the series alike.
echo "<stdin>:1517:2: warning: #warning syscall clone3 not implemented [-Wcpp]"
mkdir -p "$out"
word=WARN_ME
[ "$flags" != w1 ] || word=W1_ME
[ "$flags" != sparse ] || word=SPARSE_ME
compile() {	# compile FILE.c, if it is newer than its object (as make does)
	[ ! "$out/${1%.c}.o" -nt "$src/$1" ] || [ -n "$flags" ] || return 0
	if grep -q BREAK_ME "$src/$1"; then echo "$src/$1:2:1: error: broken"; exit 2; fi
	# A test of a feature some configs lack: it compiles only with it.
	if grep -q NEEDS_CONFIG_GATED_TEST "$src/$1" && ! grep -q '^CONFIG_GATED_TEST=y' "$out/.config"; then
		echo "$src/$1:1:5: error: 'struct task_struct' has no member named 'gated'"; exit 2
	fi
	if grep -q "$word" "$src/$1"; then echo "$src/$1:3:7: warning: planted $word [-Wplanted]"; fi
	if grep -q HDR_ME "$src/$1"; then	# a header's warning, as gcc or sparse names its unit
		if [ "$flags" = sparse ]; then
			echo "$src/$1: note: in included file:"
		else
			echo "In file included from $src/include/linux/sched/mm.h:1,"
			echo "                 from $src/$1:1:"
		fi
		echo "$src/include/linux/sched/mm.h:5:3: warning: planted header warning [-Wplanted]"
	fi
	mkdir -p "$(dirname "$out/$1")"
	touch "$out/${1%.c}.o"
	f=${1%.c}.o
	echo "cmd_$f := gcc -c -o $f $1" >"$out/$(dirname "$f")/.$(basename "$f").cmd"
}
case ${targets[0]:-all} in
olddefconfig)
	grep -q 'config MMU_LAZY_TLB_SHOOTDOWN' "$src/mm/Kconfig" ||
		sed -i '/MMU_LAZY_TLB_SHOOTDOWN/d' "$out/.config" ;;
# As 6.1 with gcc 12: no ARCH_RPC unless scripts/armv3-gcc.sh compiles.
rpc_defconfig)
	[ $armv3 = 1 ] && echo CONFIG_ARCH_RPC=y >"$out/.config" ||
		echo CONFIG_ARCH_EBSA110=y >"$out/.config" ;;
*_defconfig) echo CONFIG_SMP=y >"$out/.config" ;;
all) (cd "$src" && find . -name '*.c' | sed 's@^\./@@' | grep -v '^arch/') |
	while read -r f; do compile "$f" || exit 2; done ;;
*.o)
	for t in "${targets[@]}"; do
		[ -f "$src/${t%.o}.c" ] || { echo "make[1]: *** No rule to make target '$t'.  Stop."; exit 2; }
		compile "${t%.o}.c"
	done ;;
esac
'''

FAKE_CHECKPATCH = r'''#!/usr/bin/perl
# checkpatch.pl --strict --show-types --no-summary --terse PATCH
my $p = $ARGV[-1];
open(my $f, '<', $p) or die;
while (<$f>) {
	print "$p:$.: WARNING:LONG_LINE: line length of 101 exceeds 100 columns\n"
		if /^\+.*LONG_LINE_HERE/;
}
'''

COVER = '''From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: lazymm <lazymm@localhost>
Subject: [PATCH 00/03] fixture

The fixture series.

lazymm (3):
'''


@host_test.needs('xz')
class CheckSeriesTest(host_test.Fixture):

    def setUp(self):
        super().setUp()
        src = os.path.join(self.tmp, 'tarball-src', 'linux-source-6.1')
        host_test.make_fixture_tree(src)
        write(os.path.join(src, 'scripts/checkpatch.pl'), FAKE_CHECKPATCH)
        write(os.path.join(src, 'scripts/config'), '#!/bin/sh\n')
        os.chmod(os.path.join(src, 'scripts/config'), 0o755)
        # A warning the base has already: not the series' fault.
        with open(os.path.join(src, 'kernel/fork.c'), 'a') as f:
            f.write('int old_WARN_ME;\nint old_HDR_ME;\n')
        # A sparc32-only file: no sparc64 config compiles it, base or not.
        write(os.path.join(src, 'arch/sparc/kernel/leon_smp.c'),
              'int leon_line;\nint BREAK_ME_on_sparc64;\n')
        self.tarball = os.path.join(self.tmp, 'linux-source-6.1.tar.xz')
        sh(['tar', '-C', os.path.dirname(src), '-cJf', self.tarball,
            'linux-source-6.1'])
        fake = os.path.join(self.tmp, 'fake-make')
        write(fake, FAKE_MAKE)
        os.chmod(fake, 0o755)
        self.log = os.path.join(self.tmp, 'make.log')
        # LAZYMM_MAKE=1 as make check-series sets it: it names the
        # messages' style, never the make that builds.
        self.env.update(LAZYMM_TARBALL=self.tarball, LAZYMM_KBUILD_MAKE=fake,
                        LAZYMM_MAKE='1', FAKE_MAKE_LOG=self.log)
        # The fixture series, re-made on the tarball's tree (fork.c differs).
        self.remake_series()

    def remake_series(self, edits=None):
        """The fixture series on the tarball's tree; EDITS {index: (file,
        old, new[, message])} changes what patch INDEX does as well (a
        list of such tuples for several; old None makes a new file)."""
        src = os.path.join(self.tmp, 'cs-src')
        sh(['rm', '-rf', src])
        sh(['tar', '-C', self.tmp, '-xJf', self.tarball])
        os.rename(os.path.join(self.tmp, 'linux-source-6.1'), src)
        sh(['git', 'init', '-q'], cwd=src)
        sh(['git', 'add', '-A'], cwd=src)
        sh(['git', 'commit', '-qm', 'base'], cwd=src)
        steps = [
            ('lazy tlb: add helpers', 'include/linux/sched/mm.h',
             '/* mm 5 */', '/* mm 5: lazy helpers */'),
            ('sched/core: use the helpers', 'kernel/sched/core.c',
             'int core_line_10;', 'int core_line_10_lazy;'),
            ('fork: count lazy users', 'kernel/fork.c',
             'int fork_line_30;', 'int fork_line_30_lazy;'),
        ]
        for i, (subject, rel, old, new) in enumerate(steps):
            body = 'Why: a fixture.'
            more = (edits or {}).get(i, [])
            for rel2, old2, new2, *msg in [(rel, old, new)] + (
                    more if isinstance(more, list) else [more]):
                if old2 is None:
                    write(os.path.join(src, rel2), new2)
                else:
                    host_test.replace_line(os.path.join(src, rel2), old2, new2)
                if msg:
                    body = msg[0]
            sh(['git', 'add', '-A'], cwd=src)
            # Fixed dates: the same change makes the same patch file.
            sh(['git', 'commit', '-qm', f'{subject}\n\n{body}'], cwd=src,
               env={'GIT_AUTHOR_DATE': f'2026-01-0{i + 1}T00:00:00Z',
                    'GIT_COMMITTER_DATE': f'2026-01-0{i + 1}T00:00:00Z'})
        pdir = os.path.join(self.top, 'patches')
        for name in os.listdir(pdir):
            os.unlink(os.path.join(pdir, name))
        sh(['git', 'format-patch', '-q', '-N', '--zero-commit',
            '--no-signature', '-o', pdir, 'HEAD~3'], cwd=src)
        self.patches = sorted(n for n in os.listdir(pdir) if n.endswith('.patch'))
        write(os.path.join(pdir, 'series'), ''.join(n + '\n' for n in self.patches))
        write(os.path.join(pdir, '0000-cover-letter.patch'), COVER)
        self.script('cover-letter.sh', check=True)

    def check(self, *args, env=None):
        if os.path.exists(self.log):
            os.unlink(self.log)
        return self.script('check-series.sh', '--no-deps', '--arch', 'x86_64', *args, env=env)

    def makes(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    def cell_log(self, name):
        with open(os.path.join(self.tmp, 'cache', 'series', 'check', 'logs', name)) as f:
            return f.read()

    def table(self, r):
        """{(patch number, column): cell} from the printed table."""
        lines = r.stdout.splitlines()
        cols = lines[0].split()[1:]
        cells = {}
        for line in lines[1:]:
            m = re.match(r'^(\d{4})-\S*\s+(.*)$', line)
            if m:
                for col, cell in zip(cols, m.group(2).split()):
                    cells[(m.group(1), col)] = cell
        return cols, cells

    def test_all_green_table(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cols, cells = self.table(r)
        self.assertEqual(cols, ['checkpatch', 'x86_64', 'x86_64/sd', 'W=1',
                                'sparse', 'sparc64', 'arm'])
        for p in ('0001', '0002', '0003'):
            self.assertEqual(cells[(p, 'checkpatch')], 'ok')
            self.assertEqual(cells[(p, 'x86_64')], 'ok')
            # The fixture's Kconfig has no shootdown option.
            self.assertEqual(cells[(p, 'x86_64/sd')], '-')
            self.assertEqual(cells[(p, 'sparc64')], 'ok' if p != '0001' else '-')
        # Patch 1 touches only a header: no .c file for W=1 or sparse.
        self.assertEqual(cells[('0001', 'W=1')], '-')
        self.assertEqual(cells[('0002', 'W=1')], 'ok')
        # arm builds rpc_defconfig through the ARMv3 wrapper, and SMP
        # vexpress: both configs compile patch 2's generic .c file.
        log = self.cell_log('0002-arm.log')
        self.assertIn('compiled: arm-rpc:', log)
        self.assertIn('arm-smp:', log)
        self.assertIn('about ', r.stderr)

    def test_resumes_only_what_changed(self):
        self.check()
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(' 0 to run', r.stderr)
        self.assertEqual(self.makes(), [])
        # A new message for patch 3: its checkpatch and its prefix's builds
        # run again; patches 1 and 2 are proved.
        self.remake_series({2: ('kernel/fork.c', 'int fork_line_3;',
                                'int fork_line_3;', 'Why: reworded.')})
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        ran = [l for l in r.stderr.splitlines() if l.startswith('lazymm: [')]
        self.assertTrue(ran)
        for line in ran:
            self.assertIn(self.patches[2], line)

    def test_proofs_travel_with_the_clone(self):
        """A new machine (no cache) resumes from proofs/check-series."""
        self.check()
        ledger = os.path.join(self.top, 'proofs', 'check-series')
        with open(ledger) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines, sorted(lines))
        self.assertEqual(len({l.split()[0] for l in lines}), len(lines))
        # A new machine: no cache at all, so the base is imported again,
        # on another day (its commit's date, so its hash, differs).
        sh(['rm', '-rf', os.path.join(self.tmp, 'cache')])
        r = self.check(env={'GIT_AUTHOR_DATE': '2031-01-02T03:04:05 +0000',
                            'GIT_COMMITTER_DATE': '2031-01-02T03:04:05 +0000'})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(' 0 to run', r.stderr)
        self.assertEqual(self.makes(), [], r.stderr)
        with open(ledger) as f:
            self.assertEqual(f.read().splitlines(), lines)
        # A ledger edited by hand: a blank line, no newline at its end.
        with open(ledger, 'w') as f:
            f.write('\n' + '\n'.join(lines))
        sh(['rm', '-rf', os.path.join(self.tmp, 'cache', 'series', 'check')])
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(' 0 to run', r.stderr)
        # A line vouches only for its own input: a changed patch 3 runs
        # again, and its new proofs join the old ones.
        self.remake_series({2: ('kernel/fork.c', 'int fork_line_3;',
                                'int fork_line_3;', 'Why: reworded.')})
        sh(['rm', '-rf', os.path.join(self.tmp, 'cache', 'series', 'check')])
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(' 0 to run', r.stderr)
        with open(ledger) as f:
            self.assertTrue(set(lines) < set(f.read().splitlines()))

    def test_prune_drops_only_old_content(self):
        """--prune drops the proofs of a patch since changed (and of every
        prefix holding it), keeps every line naming today's content, from
        whatever arch or config, and checks nothing."""
        self.check()
        ledger = os.path.join(self.top, 'proofs', 'check-series')
        with open(ledger) as f:
            old = f.read().splitlines()
        self.remake_series({2: ('kernel/fork.c', 'int fork_line_3;',
                                'int fork_line_3;', 'Why: reworded.')})
        self.check()
        with open(ledger) as f:
            both = f.read().splitlines()
        # A proof of today's prefix 3 from another config (another arch's
        # run): it names live content, so it stays.
        other = next(l for l in set(both) - set(old)
                     if l.startswith('x86_64-')).split()[0]
        live_prefix = other.split('-')[1]
        foreign = f'arm64-{live_prefix}-0123456789ab ok'
        with open(ledger, 'a') as f:
            f.write(foreign + '\n')
        r = self.check('--prune')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.makes(), [])
        self.assertIn('pruned ', r.stderr)
        with open(ledger) as f:
            pruned = f.read().splitlines()
        self.assertIn(foreign, pruned)
        # What only the old patch 3 had proved is gone; the rest stays.
        gone = set(old) - set(pruned)
        self.assertTrue(gone)
        self.assertTrue(set(pruned) - {foreign} < set(both))
        self.assertEqual(set(both) - set(pruned), gone)
        # Nothing the series needs was pruned: a run still has 0 to run.
        sh(['rm', '-rf', os.path.join(self.tmp, 'cache', 'series', 'check')])
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(' 0 to run', r.stderr)

    def test_a_killed_build_is_built_again(self):
        """A build killed outright (a session's end) left an object's .cmd
        file cut short: the next build removes what the killed one wrote
        (newer than its marker) instead of failing on it for ever."""
        self.check()
        build = os.path.join(self.tmp, 'cache', 'series', 'build', 'x86_64-refcount')
        mark = os.path.join(build, '.lazymm-building')
        self.assertFalse(os.path.exists(mark), 'a build that ended leaves no marker')
        cmds = sorted(os.path.join(d, n) for d, _, ns in os.walk(build) for n in ns
                      if n.endswith('.o.cmd'))
        cut = os.path.join(build, 'kernel', '.fork.o.cmd')
        old = next(c for c in cmds if c != cut)
        with open(old) as f:
            old_text = f.read()
        # Everything there before the killed build started; then it wrote
        # kernel/fork.o and was killed inside that object's .cmd file.
        for d, _, ns in os.walk(build):
            for n in ns:
                os.utime(os.path.join(d, n), (0, 0))
        write(mark, '')
        os.utime(mark, (1, 1))
        os.utime(os.path.join(build, 'kernel', 'fork.o'))
        with open(cut, 'w') as f:
            f.write("cmd_kernel/fork.o := gcc $(wildcard include/config/")
        sh(['rm', '-rf', os.path.join(self.tmp, 'cache', 'series', 'check'),
            os.path.join(self.top, 'proofs')])
        r = self.check('--only', 'x86_64')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('did not end (killed?); building again the 1 targets it wrote', r.stderr)
        self.assertFalse(os.path.exists(mark))
        # Older than the marker: the killed build did not write it.
        with open(old) as f:
            self.assertEqual(f.read(), old_text)

    def test_new_warning_fails_old_one_does_not(self):
        # Patch 3 touches fork.c, which warns in the base already: fine.
        # Patch 2 adds a warning to core.c: that fails.
        self.remake_series({1: ('kernel/sched/core.c', 'int core_line_20;',
                                'int core_line_20_WARN_ME;')})
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        _, cells = self.table(r)
        self.assertEqual(cells[('0002', 'x86_64')], 'FAIL')
        self.assertEqual(cells[('0003', 'x86_64')], 'ok')
        self.assertIn('kernel/sched/core.c: warning: planted WARN_ME', r.stdout)

    def test_header_warning_counts_against_its_unit(self):
        # fork.c (patch 3) gets a header's warning in the base too: fine.
        # core.c (patch 2) gets it only with the series: that fails, in
        # the full build and in sparse, though the header is not a unit.
        self.remake_series({1: ('kernel/sched/core.c', 'int core_line_20;',
                                'int core_line_20_HDR_ME;')})
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        _, cells = self.table(r)
        self.assertEqual(cells[('0002', 'x86_64')], 'FAIL')
        self.assertEqual(cells[('0002', 'sparse')], 'FAIL')
        self.assertEqual(cells[('0003', 'x86_64')], 'ok')
        self.assertEqual(cells[('0003', 'sparse')], 'ok')
        self.assertIn('include/linux/sched/mm.h: warning: planted header', r.stdout)

    def test_extra_arch_skips_what_its_config_cannot_build(self):
        # Patch 3 touches a sparc32 file that sparc64 cannot compile in the
        # base either: not a failure of the series.
        self.remake_series({2: ('arch/sparc/kernel/leon_smp.c', 'int leon_line;',
                                'int leon_line_lazy;')})
        r = self.check()
        _, cells = self.table(r)
        # Its other file, fork.c, is checked; leon_smp.c is not a failure.
        self.assertEqual(cells[('0003', 'sparc64')], 'ok', r.stdout + r.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_extra_arch_skips_a_new_file_its_config_leaves_out(self):
        # Patch 3 adds a KUnit test under an option only the main
        # configs set (as lazy_mmu_mode_test.c needs ARCH_HAS_LAZY_MMU_MODE,
        # which arm lacks).  Kbuild would compile it when named, and it
        # cannot compile there; the base has no such file to compare with.
        with open(os.path.join(self.top, 'kunit', 'lazymm.kunitconfig'), 'a') as f:
            f.write('CONFIG_GATED_TEST=y\n')
        self.remake_series({2: [
            ('kernel/gated_test.c', None, 'int gated NEEDS_CONFIG_GATED_TEST;\n'),
            ('kernel/Makefile', None, 'obj-y += fork.o\n'
             'obj-$(CONFIG_GATED_TEST) \t+= \\\n\tgated_test.o\n')]})
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        _, cells = self.table(r)
        self.assertEqual(cells[('0003', 'x86_64')], 'ok')
        for col in ('sparc64', 'arm'):
            self.assertEqual(cells[('0003', col)], 'ok', col)
        log = self.cell_log('0003-arm.log')
        self.assertIn('arm-rpc:fork.c', log)
        self.assertNotIn('gated_test', log)

    def test_build_break_and_w1_and_sparse(self):
        self.remake_series({1: ('kernel/sched/core.c', 'int core_line_20;',
                                'int core_line_20_W1_ME_SPARSE_ME;'),
                            2: ('kernel/fork.c', 'int fork_line_3;',
                                'int fork_line_3 BREAK_ME;')})
        r = self.check()
        self.assertEqual(r.returncode, 1)
        _, cells = self.table(r)
        self.assertEqual(cells[('0002', 'x86_64')], 'ok')
        self.assertEqual(cells[('0002', 'W=1')], 'FAIL')
        self.assertEqual(cells[('0002', 'sparse')], 'FAIL')
        self.assertEqual(cells[('0003', 'x86_64')], 'FAIL')
        # A failure is not recorded as proved: it is checked again.
        r = self.check('--only', 'x86_64')
        self.assertIn(' 1 to run', r.stderr)

    def test_checkpatch_exception_needs_a_reason(self):
        self.remake_series({0: ('include/linux/sched/mm.h', '/* mm 7 */',
                                '/* mm 7 LONG_LINE_HERE */')})
        r = self.check('--only', 'checkpatch')
        self.assertEqual(r.returncode, 1)
        self.assertIn('0001 checkpatch: FAIL', r.stdout)
        self.remake_series({0: ('include/linux/sched/mm.h', '/* mm 7 */',
                                '/* mm 7 LONG_LINE_HERE */',
                                'checkpatch finds a LONG_LINE here: it is a '
                                'table, which reads better unwrapped.')})
        r = self.check('--only', 'checkpatch')
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('0001 checkpatch: ok* ', r.stdout)

    def test_budget_stops_and_resumes(self):
        r = self.check('--budget', '0')
        self.assertEqual(r.returncode, 3, r.stderr)
        _, cells = self.table(r)
        self.assertEqual(cells[('0001', 'x86_64')], '...')
        self.assertIn('run again to resume', r.stderr)
        self.assertEqual(self.check().returncode, 0)

    def test_from_to_limits_the_patches(self):
        r = self.check('--from', '2', '--to', '0002')
        _, cells = self.table(r)
        self.assertEqual(cells[('0002', 'x86_64')], 'ok')
        self.assertEqual(cells[('0001', 'x86_64')], '...')
        self.assertEqual(cells[('0003', 'checkpatch')], '...')
        self.assertFailsWith(self.check('--from', '3', '--to', '1'), 'is after --to')
        self.assertFailsWith(self.check('--from', '0042'), '--from 0042 is not a patch')

    def test_stale_cover_letter_fails(self):
        write(os.path.join(self.top, 'patches', '0000-cover-letter.patch'), COVER)
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn('cover letter: FAIL', r.stdout)

    def test_bad_inputs(self):
        self.assertFailsWith(self.script('check-series.sh', '--no-deps', '--arch', 'vax'),
                             'unknown ARCH=vax')
        self.assertFailsWith(self.check('--budget', 'soon'), 'not a number')
        self.assertFailsWith(self.check('--only', 'nothing'), 'names no column')
        self.assertEqual(self.makes(), [])


class Armv3GccTest(host_test.Fixture):
    """scripts/armv3-gcc.sh, on a fake compiler that prints what it got."""

    def gcc(self, *args):
        fake = os.path.join(self.tmp, 'fake-gcc')
        write(fake, '#!/bin/sh\necho "$@"\n')
        os.chmod(fake, 0o755)
        return sh([os.path.join(self.top, 'scripts', 'armv3-gcc.sh')] + list(args),
                  env=dict(self.env, ARMV3_GCC=fake)).stdout

    def test_version_probe_answers_gcc_8_5(self):
        out = self.gcc('-E', '-P', '-x', 'c', '-')
        self.assertIn('-D__GNUC__=8 ', out)
        self.assertIn('-D__GNUC_MINOR__=5 ', out)

    def test_armv3_compiles_as_armv4(self):
        out = self.gcc('-D__LINUX_ARM_ARCH__=3', '-march=armv3m', '-c', 'x.c')
        self.assertEqual(out.split(), ['-D__LINUX_ARM_ARCH__=3', '-march=armv4', '-c', 'x.c'])
        # Anything else, including the preprocessor, passes through.
        self.assertEqual(self.gcc('-E', 'x.c').split(), ['-E', 'x.c'])
