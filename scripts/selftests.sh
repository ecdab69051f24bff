#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Cross-build the kernel's own selftests that the peer suites run (the
# collections qemu/peer/selftests names) from the tree under test, with the
# tree's tools/testing/selftests Makefiles and their "install" target, for
# the guest's architecture.
#
# Usage: scripts/selftests.sh --arch ARCH [--kdir DIR] [--no-deps]
#   --arch ARCH   x86_64, arm64, powerpc
#   --kdir DIR    the Linux 6.1.y tree (default: Debian's, in the cache;
#                 the series touches no selftest and no uapi header, so the
#                 programs are the same with or without it)
#   --no-deps     do not check for (or install) Debian packages
# Prints the install directory, ~/.cache/lazymm/selftests/ARCH-KEY/install
# (KEY: the selftests' sources and headers, the sysroot, the compiler);
# kept there, so a second run is instant.  Concurrent runs wait for each
# other (flock).  The tree itself is not written to: the uapi
# headers go to an O= directory beside the install (make headers), and
# kselftest builds into it.
# Why a sysroot: the vm programs link libcap and libnuma, which Debian's
# cross compilers do not carry; scripts/rootfs.sh unpacks the guest's own
# (qemu/peer/sysroot) and gcc --sysroot links against it, so the programs
# find the same libraries in the guest's userspace.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,21p' "$0"
}

LIST=$LAZYMM_TOP/qemu/peer/selftests

# list_files: the programs of the list (after its SYSCTL=VALUE and
# kmsg=TEXT words), relative to the install directory.
list_files() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIST" |
		awk '{ for (i = 3; i <= NF && $i ~ /=/; i++); print $i }' | sort -u
}

# collections: the selftest directories the list's programs live in.
collections() {
	list_files | cut -d/ -f1 | sort -u
}

# sources_key KDIR SYSROOT: a hash of what the programs are made of: the
# collections' sources and what they include (kselftest's headers, the uapi
# headers make headers installs, tools/include, mm/gup_test.h), the
# sysroot's packages, the compiler, and this script (its recipe).  Not the
# list's timeouts or the runner: the initramfs takes those from qemu/peer.
sources_key() {
	local kdir=$1 sysroot=$2 srcarch=$ARCH_NAME
	[ "$srcarch" != x86_64 ] || srcarch=x86
	{
		echo "$sysroot"
		# Contents only: the checkout's path is not an input (a second
		# worktree would build everything again).
		sha256sum 2>&1 <"$sysroot/var/lib/dpkg/status"
		sha256sum <"$0"
		"${CROSS_COMPILE}gcc" --version | head -n 1
		kernel_version "$kdir"
		cd "$kdir"
		# shellcheck disable=SC2046 # directory names
		find $(collections | sed 's|^|tools/testing/selftests/|') \
			tools/testing/selftests/Makefile tools/testing/selftests/lib.mk \
			tools/testing/selftests/kselftest* tools/testing/selftests/run_kselftest.sh \
			tools/include include/uapi "arch/$srcarch/include/uapi" mm/gup_test.h \
			-type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum
	} | sha256sum | cut -c1-12
}

# machine: the MACHINE the vm Makefile would read off "uname -m" in the guest
# (it defaults to the host's, which is wrong for a cross build).
machine() {
	case $1 in
	x86_64) echo x86_64 ;;
	arm64) echo arm64 ;;
	powerpc) echo ppc64 ;;
	esac
}

# build KDIR SYSROOT DIR: headers, then kselftest's install, into DIR.
build() {
	local kdir=$1 sysroot=$2 dir=$3 tmp cc
	tmp=$dir.partial
	rm -rf "$tmp"
	mkdir -p "$tmp/obj"
	# shellcheck disable=SC2064 # tmp is local: expand it now
	trap "rm -rf '$tmp'" EXIT
	note "building the selftests $(collections | xargs) for $ARCH_NAME (log $tmp.log)"
	run make -s -C "$kdir" O="$tmp/obj" ARCH="$ARCH_NAME" headers >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; die "make headers failed in $kdir; see $tmp.log"; }
	cc="${CROSS_COMPILE}gcc --sysroot=$sysroot"
	# kselftest's "all" succeeds when any collection builds: the list's
	# files are checked one by one below instead.  EXTRA_CFLAGS (vm's):
	# 6.1's mrelease_test uses __NR_process_mrelease without including
	# <sys/syscall.h>, so it calls syscall -1 and always skips.
	make -C "$kdir/tools/testing/selftests" O="$tmp/obj" ARCH="$ARCH_NAME" \
		CROSS_COMPILE="$CROSS_COMPILE" CC="$cc" MACHINE="$(machine "$ARCH_NAME")" \
		EXTRA_CFLAGS="-include sys/syscall.h" \
		TARGETS="$(collections | xargs)" INSTALL_PATH="$tmp/install" \
		-j"$(nproc)" install >>"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; die "the selftests did not build; see $tmp.log"; }
	local f missing=
	for f in $(list_files); do
		[ -e "$tmp/install/$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] || die "the selftests build left out$missing (named in qemu/peer/selftests); see $tmp.log"
	rm -rf "$dir"
	mkdir -p "$dir"
	mv -T "$tmp/install" "$dir/install"
	mv "$tmp.log" "$dir/build.log"
	rm -rf "$tmp"
	trap - EXIT
}

main() {
	local arch= kdir= deps=1 sysroot key dir
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage; exit 0 ;;
		--arch) arch=$(optarg "$@"); shift ;;
		--kdir) kdir=$(optarg "$@"); shift ;;
		--no-deps) deps=0 ;;
		*) die "unknown option $1; see $0 --help" ;;
		esac
		shift
	done
	load_arch "$arch"
	ARCH_NAME=$arch
	[ -f "$LIST" ] || die "qemu/peer/selftests is missing; the checkout is incomplete"
	[ -z "$kdir" ] || kdir=$(resolve_kdir "$kdir")
	if [ $deps = 1 ]; then
		"$LAZYMM_TOP/scripts/deps.sh" ${kdir:+--no-tree} "$arch" >&2
		"$LAZYMM_TOP/scripts/deps.sh" --peer >&2
	fi
	command -v rsync >/dev/null ||
		die "rsync is missing (kselftest's install uses it); install it with: scripts/deps.sh --peer"
	[ -n "$kdir" ] || kdir=$("$LAZYMM_TOP/scripts/get-tree.sh")
	kdir=$(resolve_kdir "$kdir")
	sysroot=$("$LAZYMM_TOP/scripts/rootfs.sh" --arch "$arch" --no-deps \
		--packages "$LAZYMM_TOP/qemu/peer/sysroot")
	key=$(sources_key "$kdir" "$sysroot")
	dir=$LAZYMM_CACHE/selftests/$arch-$key
	mkdir -p "$LAZYMM_CACHE/selftests"
	# One build at a time (a lock on the cache directory itself, so no
	# lock file is left): a second run waits, then finds it done.
	exec 9<"$LAZYMM_CACHE/selftests"
	flock 9
	[ -d "$dir/install" ] || build "$kdir" "$sysroot" "$dir"
	echo "$dir/install"
}

main "$@"
