#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install (as root) or name (otherwise) the Debian packages a target needs.
#
# Usage: scripts/deps.sh [--check] [--list]
#                        [--host-tests | --series-tools | --lava | --lava-run
#                         | --peer]
#                        [--no-tree] [--bench] [ARCH...]
#   ARCH            build and boot kernels for these: x86_64, arm64, powerpc
#                   (default: all of them)
#   --host-tests    only what make check runs (tests/host_test.py: no kernel)
#   --series-tools  only what make check-series adds: sparse, checkpatch's
#                   SPDX check, the sparc64 and arm cross compilers, git send-email
#   --lava          what make lava needs to write LAVA jobs and check them
#                   against LAVA's job schema (lava-common, small)
#   --lava-run      what make lava-check adds to run them: lava-dispatcher
#                   (lava-run): about 140 packages, 210 MB, systemd among them
#   --peer          what the peer suites' Debian userspace is unpacked with
#                   (mmdebstrap; scripts/rootfs.sh)
#   --no-tree       leave out linux-source-6.1 (KDIR= is a tree of your own)
#   --bench         add what make bench adds: gnuplot for its pictures
#   --check         only report what is missing; never install
#   --list          print the packages, one a line; check and install nothing
# Exit: 0 all present (or installed), 1 something missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# What each target installs, on top of the base machine.  tests/host_test.py
# runs every test with only the base machine's programs and those of
# HOST_TEST_PACKAGES on its PATH, so a tool missing here fails there.
#
# The base machine, which nothing installs: a fresh Debian 12 (its
# Priority: required packages) with these and what they depend on.
BASE_PACKAGES="gcc make python3"
# make check: git and quilt apply the fixture series, xz-utils packs the
# fixture tarballs, libc6-dev lets the host gcc compile qemu/stress.c and
# qemu/bench.c.
HOST_TEST_PACKAGES="git quilt patch xz-utils libc6-dev python3-yaml lava-common"
# The default tree: Debian's tarball, extracted into the cache.
TREE_PACKAGES="linux-source-6.1 xz-utils"
# Applying the series and building a kernel, on any arch (kunit/arch/*.conf
# adds the cross compiler, QEMU and the static libc of each).
BUILD_PACKAGES="quilt patch git ccache make gcc bc bison flex libelf-dev libssl-dev cpio python3"
# make bench: gnuplot draws a picture per workload (bench-report.py plot).
BENCH_PACKAGES="gnuplot-nox"
# make lava: LAVA's job schema; make lava-check: LAVA's dispatcher.
LAVA_PACKAGES="python3-yaml lava-common"
LAVA_RUN_PACKAGES="lava-dispatcher python3-jinja2"
# The peer suites' Debian userspace (scripts/rootfs.sh): mmdebstrap only
# unpacks the guest's packages, so nothing else of the guest's arch is
# needed; uidmap lets it run as a user who is not root (unshare mode).
# rsync: kselftest's install target (scripts/selftests.sh) copies with it.
PEER_PACKAGES="mmdebstrap uidmap rsync"
# make check-series: sparse, python3-ply and python3-git for checkpatch's SPDX
# check (scripts/spdxcheck.py imports both), the
# build-only arches, and git send-email to prove the mails are sendable.
SERIES_TOOLS="sparse python3-ply python3-git gcc-sparc64-linux-gnu gcc-arm-linux-gnueabi git-email libmailtools-perl"

usage() {
	sed -n 's/^# \{0,1\}//; 3,23p' "$0"
}

# missing_packages PKG...: print those dpkg does not have installed.
missing_packages() {
	local p
	for p in "$@"; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
			echo "$p"
	done
}

# install_packages PKG...: apt-get install them (as root), or die naming the
# line to run.
install_packages() {
	if [ $check = 1 ] || [ "$(id -u)" != 0 ]; then
		die "missing packages: $*; install them with: sudo apt-get install -y $*"
	fi
	note "installing $*"
	# A new machine may never have fetched the package lists.
	if ! DEBIAN_FRONTEND=noninteractive run apt-get install -y --no-install-recommends "$@"; then
		run apt-get update || true
		DEBIAN_FRONTEND=noninteractive run apt-get install -y --no-install-recommends "$@" ||
			die "apt-get could not install $*; see its message above"
	fi
}

main() {
	local archs=() what=kernel tree=1 list=0 bench=0 pkgs missing a
	check=0
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage; exit 0 ;;
		--check) check=1 ;;
		--list) list=1 ;;
		--host-tests) what=host-tests ;;
		--series-tools) what=series-tools ;;
		--lava) what=lava ;;
		--lava-run) what=lava-run ;;
		--peer) what=peer ;;
		--no-tree) tree=0 ;;
		--bench) bench=1 ;;
		-*) die "unknown option $1; see $0 --help" ;;
		*) archs+=("$1") ;;
		esac
		shift
	done
	case $what in
	host-tests) pkgs=$HOST_TEST_PACKAGES ;;
	series-tools) pkgs=$SERIES_TOOLS ;;
	lava) pkgs=$LAVA_PACKAGES ;;
	lava-run) pkgs="$LAVA_PACKAGES $LAVA_RUN_PACKAGES" ;;
	peer) pkgs=$PEER_PACKAGES ;;
	kernel)
		pkgs=$BUILD_PACKAGES
		[ $tree = 0 ] || pkgs="$pkgs $TREE_PACKAGES"
		[ $bench = 0 ] || pkgs="$pkgs $BENCH_PACKAGES"
		[ ${#archs[@]} -gt 0 ] || mapfile -t archs < <(known_archs)
		for a in "${archs[@]}"; do
			load_arch "$a"
			pkgs="$pkgs $PACKAGES"
		done ;;
	esac
	# shellcheck disable=SC2086 # word splitting of the package lists is wanted
	pkgs=$(printf '%s\n' $pkgs | sort -u)
	if [ $list = 1 ]; then
		echo "$pkgs"
		return 0
	fi
	# shellcheck disable=SC2086
	missing=$(missing_packages $pkgs | tr '\n' ' ')
	missing=${missing% }
	[ -z "$missing" ] || install_packages $missing
}

main "$@"
