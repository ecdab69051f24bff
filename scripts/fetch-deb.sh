#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch a Debian package of any architecture and unpack it into the cache,
# once, without installing it: the guest's busybox-static, another arch's
# linux-config-6.1, an older linux-source-6.1.
#
# Usage: scripts/fetch-deb.sh DEB_ARCH PACKAGE[=VERSION]
#   DEB_ARCH  Debian architecture: amd64, arm64, ppc64el
#   PACKAGE   the package's name; =VERSION a version other than the newest
# Prints the directory its files were unpacked to
# (~/.cache/lazymm/deb/DEB_ARCH/PACKAGE).  apt runs with a private state
# under ~/.cache/lazymm/apt, so the host's package lists and architectures
# stay as they are; the directory appears only once complete.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,13p' "$0"
}

# fetch DEB_ARCH PACKAGE[=VERSION] DIR: download and unpack it into DIR.
fetch() {
	local deb_arch=$1 pkg=${2%%=*} dir=$3 apt opts deb tmp spec
	spec=$pkg:$deb_arch${2#"$pkg"}
	apt=$LAZYMM_CACHE/apt/$deb_arch
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$(dirname "$dir")"
	opts=(-q -oAPT::Architecture="$deb_arch" -oAPT::Architectures="$deb_arch"
		-oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache"
		-oAPT::Sandbox::User=root)
	note "fetching Debian's $2 for $deb_arch into $dir"
	# One index failing (a mirror mid-sync) need not stop us: the download
	# below says whether the package was found after all.
	run apt-get "${opts[@]}" update >&2 ||
		note "apt-get update for $deb_arch reported errors; trying the download anyway"
	rm -f "$apt/${pkg}"_*.deb
	(cd "$apt" && run apt-get "${opts[@]}" download "$spec" >&2) ||
		die "apt-get download $spec failed: a version Debian does not offer (apt-cache madison $pkg lists them), or the network or /etc/apt/sources.list (see apt's message above)"
	deb=$(ls "$apt/${pkg}"_*.deb)
	tmp=$(mktemp -d "$dir.partial.XXXXXX")
	dpkg-deb -x "$deb" "$tmp"
	rm -rf "$dir"
	mv -T "$tmp" "$dir"
	rm -f "$deb"
}

case ${1:-} in
-h|--help) usage; exit 0 ;;
-*) die "unknown option $1; see $0 --help" ;;
esac
[ $# = 2 ] || die "usage: $0 DEB_ARCH PACKAGE (see --help)"
dir=$LAZYMM_CACHE/deb/$1/$2
[ -d "$dir" ] || fetch "$1" "$2" "$dir"
echo "$dir"
