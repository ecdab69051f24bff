#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the BusyBox initramfs of a torture or bench boot: Debian's
# busybox-static for the guest arch, the stress and bench programs
# cross-compiled static, qemu/init, and the modules they load (rcutorture,
# test_vmalloc) from a build dir.
#
# Usage: scripts/initramfs.sh --arch ARCH --kdir DIR --out FILE [--modules DIR]
#                             [--rootfs DIR]
#   --arch ARCH     x86_64, arm64, powerpc
#   --kdir DIR      the kernel tree: its usr/gen_init_cpio.c writes the
#                   archive, so no root is needed for /dev/console
#   --out FILE      the gzip'd cpio archive to write
#   --modules DIR   a kernel build dir; torture.ko, rcutorture.ko and
#                   test_vmalloc.ko go in /lib/modules when it has them
#   --rootfs DIR    a Debian userspace (scripts/rootfs.sh) laid under it all:
#                   the peer suites' dynamic programs and their libraries
#   --peer DIR      with --rootfs: the peer suites' runners and lists
#                   (qemu/peer) in /peer, kselftest's install DIR
#                   (scripts/selftests.sh) in /peer/kselftest, and their
#                   unprivileged user "peer"
# busybox-static is fetched once per arch with apt-get download into
# ~/.cache/lazymm/busybox (the foreign ones with their own package lists).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,22p' "$0"
}

# rootfs_list DIR [AT]: gen_init_cpio lines for every directory, file and
# symlink below DIR (put at AT, default /), owned by root as in the packages.  gen_init_cpio's
# list is split on white space and expands ${VAR} in names: a name with
# either cannot be listed (Debian's programs and libraries have none; such
# a file is named and left out).
rootfs_list() {
	local dir=$1 at=${2:-} type path mode target
	find "$dir" -mindepth 1 \( -type d -o -type f -o -type l \) \
		-printf '%y\t%P\t%m\t%l\n' | LC_ALL=C sort -t "$(printf '\t')" -k2,2 |
	while IFS=$'\t' read -r type path mode target; do
		case "$path$target" in
		*[[:space:]]* | *'$'*) note "--rootfs: left out /$path (white space or \$ in its name)"; continue ;;
		esac
		case $type in
		d) echo "dir $at/$path $mode 0 0" ;;
		f) echo "file $at/$path $dir/$path $mode 0 0" ;;
		l) echo "slink $at/$path $target 0777 0 0" ;;
		esac
	done
}

# fetch_busybox DEB_ARCH: print the path of a busybox-static binary for it,
# taken once from Debian's package for that arch (scripts/fetch-deb.sh).
fetch_busybox() {
	local dir=$LAZYMM_CACHE/busybox/$1 deb
	if [ ! -x "$dir/busybox" ]; then
		deb=$("$LAZYMM_TOP/scripts/fetch-deb.sh" "$1" busybox-static)
		mkdir -p "$dir"
		install -m 0755 "$deb/bin/busybox" "$dir/busybox.new"
		mv "$dir/busybox.new" "$dir/busybox"
	fi
	echo "$dir/busybox"
}

# pack_userspace LIST: print the path of LIST (the Debian userspace, the
# peer runners, kselftest) packed as a gzip'd cpio archive.  That part is
# the same for every kernel of an arch and is 50 MB packed (about 10 s):
# it is packed once into ~/.cache/lazymm/initramfs, named for its list and
# its files' sizes and times, and the newest archive of an arch is the
# only one kept.
# The name takes each file's inode and change time too: a copy that keeps
# size and mtime (cp -p, rsync -a) still changes it.  Times to the
# nanosecond: a rewrite in the same second as the last pack must count.  The caller holds
# the cache dir's lock until it has read the archive.
pack_userspace() {
	local list=$1 key dir=$LAZYMM_CACHE/initramfs f
	key=$({
		cat "$list"
		stat -c '%n %s %.9Y %i %.9Z' "$cpio"
		awk '$1 == "file" { print $3 }' "$list" | xargs -r -d '\n' stat -c '%n %s %.9Y %i %.9Z'
	} | sha256sum | cut -c1-16)
	f=$dir/userspace-$DEB_ARCH-$key.cpio.gz
	if [ ! -f "$f" ]; then
		rm -f "$dir/userspace-$DEB_ARCH-"*.new.*	# a killed run's
		"$cpio" "$list" | gzip -6 >"$f.new.$$" || {
			rm -f "$f.new.$$"
			die "gen_init_cpio could not write the userspace from $list; see its message above"
		}
		rm -f "$dir/userspace-$DEB_ARCH-"*.cpio.gz
		mv "$f.new.$$" "$f"
	fi
	echo "$f"
}

# gen_init_cpio KDIR: print the path of the kernel's archive writer, built
# from KDIR's source with the host compiler when it is missing or older.
gen_init_cpio() {
	local src=$1/usr/gen_init_cpio.c bin=$LAZYMM_CACHE/bin/gen_init_cpio
	[ -f "$src" ] || die "KDIR=$1 has no usr/gen_init_cpio.c; point KDIR at a Linux 6.1.y tree"
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		mkdir -p "$(dirname "$bin")"
		run gcc -O2 -o "$bin.new" "$src" >&2
		mv "$bin.new" "$bin"
	fi
	echo "$bin"
}

main() {
	local arch= kdir= out= modules= rootfs= peer= busybox cpio work m prog f userspace
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage; exit 0 ;;
		--arch) arch=$(optarg "$@"); shift ;;
		--kdir) kdir=$(optarg "$@"); shift ;;
		--out) out=$(optarg "$@"); shift ;;
		--modules) modules=$(optarg "$@"); shift ;;
		--rootfs) rootfs=$(optarg "$@"); shift ;;
		--peer) peer=$(optarg "$@"); shift ;;
		*) die "unknown option $1; see $0 --help" ;;
		esac
		shift
	done
	[ -n "$arch" ] && [ -n "$kdir" ] && [ -n "$out" ] ||
		die "--arch, --kdir and --out are needed; see $0 --help"
	load_arch "$arch"
	if [ -n "$rootfs" ]; then
		[ -x "$rootfs/usr/bin/stress-ng" ] ||
			die "--rootfs $rootfs is not a peer userspace (no usr/bin/stress-ng); make one with scripts/rootfs.sh --arch $arch"
		[ "$(cat "$rootfs/.lazymm-arch" 2>/dev/null)" = "$DEB_ARCH" ] ||
			die "--rootfs $rootfs is not Debian $DEB_ARCH's; make it with scripts/rootfs.sh --arch $arch"
		case $rootfs in
		*[[:space:]]* | *'$'*) die "--rootfs $rootfs has white space or \$ in its path, which gen_init_cpio cannot read; set LAZYMM_CACHE to a plain path" ;;
		esac
	fi
	if [ -n "$peer" ]; then
		[ -n "$rootfs" ] || die "--peer needs --rootfs: the runners are Debian programs' (make one with scripts/rootfs.sh --arch $arch)"
		[ -f "$peer/kselftest-list.txt" ] ||
			die "--peer $peer is not a kselftest install (no kselftest-list.txt); make one with scripts/selftests.sh --arch $arch"
	fi
	command -v "${CROSS_COMPILE}gcc" >/dev/null ||
		die "no ${CROSS_COMPILE}gcc; run scripts/deps.sh $arch"

	busybox=$(fetch_busybox "$DEB_ARCH")
	cpio=$(gen_init_cpio "$kdir")
	work=$(mktemp -d)
	# shellcheck disable=SC2064 # expand $work now
	trap "rm -rf '$work'" EXIT

	# The stress program is a second or two to compile: always from source.
	for prog in stress bench; do
		run "${CROSS_COMPILE}gcc" -static -O2 -Wall -pthread \
			-o "$work/lazymm-$prog" "$LAZYMM_TOP/qemu/$prog.c" >&2 ||
			die "${CROSS_COMPILE}gcc cannot build a static program; is the static libc there? run scripts/deps.sh $arch"
	done

	# The userspace first, as an archive of its own: the kernel unpacks
	# concatenated archives in order, and what comes later wins where
	# they overlap (it replaces an entry of another type: a merged-/usr
	# tree's /lib symlink would become the directory below).
	userspace=
	if [ -n "$rootfs" ]; then
		{
			rootfs_list "$rootfs"
			# The unprivileged user of the peer suites works in /tmp.
			echo "dir /tmp 1777 0 0"
			if [ -n "$peer" ]; then
				echo "dir /peer 0755 0 0"
				echo "dir /peer/kselftest 0755 0 0"
				rootfs_list "$peer" /peer/kselftest
				for f in "$LAZYMM_TOP"/qemu/peer/*; do
					echo "file /peer/$(basename "$f") $f $(stat -c %a "$f") 0 0"
				done
			fi
		} >"$work/userspace.list"
		# One run at a time packs, reads or removes these archives
		# (the lock goes with this process).
		mkdir -p "$LAZYMM_CACHE/initramfs"
		exec 9<"$LAZYMM_CACHE/initramfs"
		flock 9
		userspace=$(pack_userspace "$work/userspace.list")
	fi
	{
		if [ -n "$peer" ]; then
			# The user stress-ng's exec stressor needs (it refuses root).
			printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
				'peer:x:1000:1000:peer:/tmp:/bin/sh' >"$work/passwd"
			printf '%s\n' 'root:x:0:' 'peer:x:1000:' >"$work/group"
			echo "dir /etc 0755 0 0"
			echo "file /etc/passwd $work/passwd 0644 0 0"
			echo "file /etc/group $work/group 0644 0 0"
		fi
		echo "dir /dev 0755 0 0"
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "dir /bin 0755 0 0"
		echo "dir /proc 0755 0 0"
		echo "dir /sys 0755 0 0"
		echo "dir /lib 0755 0 0"
		echo "dir /lib/modules 0755 0 0"
		echo "file /init $LAZYMM_TOP/qemu/init 0755 0 0"
		echo "file /bin/busybox $busybox 0755 0 0"
		echo "file /bin/lazymm-stress $work/lazymm-stress 0755 0 0"
		echo "file /bin/lazymm-bench $work/lazymm-bench 0755 0 0"
		if [ -n "$modules" ]; then
			for m in kernel/torture.ko kernel/rcu/rcutorture.ko lib/test_vmalloc.ko; do
				[ ! -f "$modules/$m" ] ||
					echo "file /lib/modules/$(basename "$m") $modules/$m 0644 0 0"
			done
		fi
	} >"$work/list"
	{
		# (set -e is off left of ||: a failed cat must still fail.)
		[ -z "$userspace" ] || cat "$userspace" || exit 1
		"$cpio" "$work/list" | gzip -6
	} >"$out.new" || {
		rm -f "$out.new"
		die "gen_init_cpio could not write the initramfs from $work/list; see its message above"
	}
	mv "$out.new" "$out"
	note "initramfs for $arch: $out"
}

main "$@"
