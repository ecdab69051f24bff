#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian userspace of a peer-suite boot (issue 16): Debian 12's own
# stress-ng, perf and hackbench for the guest arch, with every library they
# load, unpacked once into ~/.cache/lazymm/rootfs/DEB_ARCH-KEY/.
#
# Usage: scripts/rootfs.sh --arch ARCH [--packages FILE] [--refresh] [--no-deps]
#   --arch ARCH   the guest: x86_64, arm64, powerpc (Debian amd64, arm64,
#                 ppc64el)
#   --packages FILE  another package list (default qemu/peer/packages;
#                 scripts/selftests.sh builds against qemu/peer/sysroot)
#   --refresh     build it again (Debian's security updates since the last);
#                 a tree unpacked without the -security suites (a broken
#                 mirror index) is built again by itself after a day
#   --no-deps     do not check for (or install) mmdebstrap
# Prints the directory.  KEY hashes the package list with the apt sources,
# so a changed list builds a new tree.  LAZYMM_APT_SOURCES=FILE: unpack
# from these sources (deb822 stanzas in a .sources file, or one-line
# "deb ..." lines), not the host's.
#
# Why mmdebstrap's "extract" variant: apt resolves the dependencies for
# the guest's architecture and mmdebstrap only unpacks the packages; no
# maintainer script runs, so nothing of the guest's architecture executes
# on the host (no qemu-user, no binfmt_misc), and the tree needs no chroot
# to finish.  The host's apt sources are used, so a local mirror the
# machine is set up with applies here too (a proxy only through
# http_proxy: mmdebstrap does not read the host's apt.conf).  Documentation, man pages
# and locales are left out: the initramfs is unpacked in the guest's RAM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,20p' "$0"
}

ROOTFS_FORMAT=2

# What the guest never reads, and the device nodes a non-root tar cannot
# make (the initramfs writer makes /dev/console itself).
EXCLUDES=(./dev ./usr/share/doc ./usr/share/man ./usr/share/info
	./usr/share/locale ./usr/share/lintian ./var/cache/apt ./var/lib/apt/lists)

# apt_sources: LAZYMM_APT_SOURCES, or the host's Debian sources, as
# mmdebstrap takes them (a file), or Debian 12's own when the host has none.
apt_sources() {
	local f
	if [ -n "${LAZYMM_APT_SOURCES:-}" ]; then
		echo "$LAZYMM_APT_SOURCES"
		return
	fi
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		if [ -s "$f" ] && grep -q '^[^#]*deb' "$f"; then
			echo "$f"
			return
		fi
	done
	echo "deb http://deb.debian.org/debian bookworm main"
	echo "deb http://deb.debian.org/debian-security bookworm-security main"
}

# sources_text: what apt_sources names, as text (for the cache key).
sources_text() {
	local s
	s=$(apt_sources)
	if [ -f "$s" ]; then
		cat "$s"
	else
		echo "$s"
	fi
}

# without_security SOURCES...: the same sources less the -security suites,
# as mmdebstrap takes them (a file written into $tmp, or lines).
without_security() {
	local f=$1
	case $f in
	*.sources)
		# deb822: drop the -security words of each Suites: line, and a
		# stanza left with none.
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		{
			n = split($0, l, "\n"); out = ""; keep = 1
			for (i = 1; i <= n; i++) {
				if (l[i] ~ /^Suites:/) {
					gsub(/[ \t]+[^ \t]*-security/, "", l[i])
					if (l[i] ~ /^Suites:[ \t]*$/) keep = 0
				}
				out = out l[i] (i < n ? "\n" : "")
			}
			if (keep) print out
		}' "$f" >"$tmp/release-only.sources"
		echo "$tmp/release-only.sources" ;;
	/*)
		grep -v -- '-security' "$f" >"$tmp/release-only.list" || true
		echo "$tmp/release-only.list" ;;
	*) printf '%s\n' "$@" | grep -v -- '-security' || true ;;
	esac
}

# unpack DEB_ARCH PKGS SOURCES...: mmdebstrap into $tmp/rootfs.tar; its
# messages (on stderr) are kept in $tmp/mmdebstrap.log too.
unpack() {
	local deb_arch=$1 pkgs=$2 rc=0
	shift 2
	run mmdebstrap --quiet --variant=extract --architectures="$deb_arch" \
		--include="$pkgs" bookworm "$tmp/rootfs.tar" "$@" >"$tmp/mmdebstrap.log" 2>&1 || rc=$?
	cat "$tmp/mmdebstrap.log" >&2
	return $rc
}

# build_tree DEB_ARCH DIR: unpack the packages and their dependencies into
# DIR, which appears only once complete.
build_tree() {
	local deb_arch=$1 dir=$2 tmp sources=() pkgs degraded=0 release
	pkgs=$(sed '/^#/d' "$packages" | xargs | tr ' ' ,)
	[ -n "$pkgs" ] || die "$packages names no package; list one a line"
	mapfile -t sources < <(apt_sources)
	# What a SIGKILLed run left (the trap below covers the rest).
	rm -rf "$dir".partial.*
	tmp=$(mktemp -d "$dir.partial.XXXXXX")
	# An interrupted run leaves only the partial directory, removed here.
	trap 'rm -rf "$tmp"' EXIT
	note "unpacking Debian's $pkgs for $deb_arch with mmdebstrap (about a minute)"
	if ! unpack "$deb_arch" "$pkgs" "${sources[@]}"; then
		# A mirror whose security index does not match its Release file
		# (seen for over a day here: bookworm-security's ppc64el
		# Packages.xz, "File has unexpected size ... Mirror sync in
		# progress?") fails mmdebstrap's apt-get update, which --quiet
		# reports only as failed.  The guest needs Debian's packages, not
		# their security updates: try once more without those suites.
		grep -q '^E: apt-get update' "$tmp/mmdebstrap.log" ||
			die "mmdebstrap could not unpack $pkgs for $deb_arch; see its message above (network, the apt sources ${sources[0]}, or as non-root: uidmap and /etc/subuid)"
		note "apt could not read the $deb_arch indexes (above; a mirror in sync?); unpacking again without the -security suites"
		# Not mapfile < <(...): it would hide a failure, and an empty list
		# sends mmdebstrap to its own default mirrors.
		release=$(without_security "${sources[@]}") && [ -n "$release" ] ||
			die "could not write the apt sources without the -security suites into $tmp (disk space?)"
		mapfile -t sources <<<"$release"
		unpack "$deb_arch" "$pkgs" "${sources[@]}" ||
			die "mmdebstrap could not unpack $pkgs for $deb_arch, even without the -security suites; see its message above (network? the apt sources ${sources[0]})"
		degraded=1
	fi
	mkdir "$tmp/root"
	# -p: the packages' modes, not the umask's (/tmp 1777, setuid bits);
	# tar applies the umask by default to a user who is not root.
	tar -C "$tmp/root" -xpf "$tmp/rootfs.tar" --no-same-owner \
		"${EXCLUDES[@]/#/--exclude=}" ||
		die "could not unpack mmdebstrap's tarball into $tmp; see tar's message above (disk space?)"
	echo "$deb_arch" >"$tmp/root/.lazymm-arch"
	[ $degraded = 0 ] || touch "$tmp/root/.lazymm-no-security"
	rm -f "$tmp/rootfs.tar"
	rm -rf "$dir"
	mv -T "$tmp/root" "$dir"
	rm -rf "$tmp"
	trap - EXIT
}

# A tree unpacked without the -security suites is tried again after this
# long: a mirror's broken index is fixed by its next sync.
RETRY_HOURS=24

# retry_tree DEB_ARCH DIR: unpack DIR, a tree without the security updates,
# again.  If that fails, DIR stays as it was (build_tree replaces it only
# once complete), with its mark renewed: tried again a day later, not at
# every boot.  In the background and waited for, so that build_tree's errors
# still stop it (errexit does not hold in a subshell under || or if).
retry_tree() {
	local rc=0
	note "the $1 userspace in $2 was unpacked without Debian's security updates over ${RETRY_HOURS} h ago; unpacking it again"
	build_tree "$1" "$2" </dev/null &
	wait $! || rc=$?
	if [ $rc != 0 ]; then
		touch "$2/.lazymm-no-security"
		note "could not unpack it again (above); using the one unpacked without them"
	fi
}

main() {
	local arch= refresh=0 deps=1 key dir
	packages=$LAZYMM_TOP/qemu/peer/packages
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage; exit 0 ;;
		--arch) arch=$(optarg "$@"); shift ;;
		--refresh) refresh=1 ;;
		--packages) packages=$(optarg "$@"); shift ;;
		--no-deps) deps=0 ;;
		*) die "unknown option $1; see $0 --help" ;;
		esac
		shift
	done
	load_arch "$arch"
	[ -f "$packages" ] || die "--packages $packages: no such file; give a package list, one a line"
	if [ -n "${LAZYMM_APT_SOURCES:-}" ]; then
		[ -f "$LAZYMM_APT_SOURCES" ] && grep -qE '^[[:space:]]*(deb[[:space:]]|Types:)' "$LAZYMM_APT_SOURCES" ||
			die "LAZYMM_APT_SOURCES=$LAZYMM_APT_SOURCES is not an apt sources file (deb822 stanzas in a .sources file, or 'deb ...' lines); fix it, or unset it for the host's sources"
		# mmdebstrap and without_security tell a file by its absolute path.
		LAZYMM_APT_SOURCES=$(cd "$(dirname "$LAZYMM_APT_SOURCES")" && pwd)/$(basename "$LAZYMM_APT_SOURCES")
	fi
	[ $deps = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" --peer >&2
	command -v mmdebstrap >/dev/null ||
		die "mmdebstrap is missing; install it with: scripts/deps.sh --peer"
	key=$({
		# How a tree is made: bump it when build_tree changes.
		echo "format $ROOTFS_FORMAT ${EXCLUDES[*]}"
		cat "$packages"
		sources_text
	} | sha256sum | cut -c1-12)
	dir=$LAZYMM_CACHE/rootfs/$DEB_ARCH-$key
	mkdir -p "$(dirname "$dir")"
	# One unpack at a time (a lock on the cache directory itself, so no
	# lock file is left): a second run waits, then finds it done
	# (build_tree clears what a killed run left, not a live one's).
	exec 9<"$(dirname "$dir")"
	flock 9
	if [ $refresh = 1 ] || [ ! -d "$dir" ]; then
		build_tree "$DEB_ARCH" "$dir"
	elif [ -n "$(find "$dir/.lazymm-no-security" -mmin +$((RETRY_HOURS * 60)) 2>/dev/null)" ]; then
		retry_tree "$DEB_ARCH" "$dir"
	fi
	[ ! -f "$dir/.lazymm-no-security" ] ||
		note "the $DEB_ARCH userspace in $dir was unpacked without Debian's security updates (the mirror's index was broken); scripts/rootfs.sh --arch $arch$([ "$packages" = "$LAZYMM_TOP/qemu/peer/packages" ] || printf ' --packages %q' "$packages") --refresh tries again (by itself after ${RETRY_HOURS} h)"
	echo "$dir"
}

main "$@"
