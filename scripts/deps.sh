#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install (as root) or name (otherwise) the Debian packages lazymm needs.
#
# Usage: scripts/deps.sh [--check] [--series-tools] [ARCH...]
#   ARCH      x86_64, arm64, powerpc (default: all of them)
#   --check   only report what is missing; never install
#   --series-tools  only what make check-series adds: sparse, checkpatch's
#             SPDX check, the sparc64 and arm cross compilers, git send-email
# Exit: 0 all present (or installed), 1 something missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# What every arch needs: the base tree, the patch tools, the kernel build.
COMMON_PACKAGES="linux-source-6.1 xz-utils quilt patch git ccache make gcc
	bc bison flex libelf-dev libssl-dev cpio python3"
# make check-series: sparse, python3-ply and python3-git for checkpatch's SPDX
# check (scripts/spdxcheck.py imports both), the
# build-only arches, and git send-email to prove the mails are sendable.
SERIES_TOOLS="sparse python3-ply python3-git gcc-sparc64-linux-gnu gcc-arm-linux-gnueabi git-email libmailtools-perl"

usage() {
	sed -n 's/^# \{0,1\}//; 3,9p' "$0"
}

# missing_packages PKG...: print those dpkg does not have installed.
missing_packages() {
	local p
	for p in "$@"; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
			echo "$p"
	done
}

main() {
	local check=0 archs=() pkgs=$COMMON_PACKAGES missing
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage; exit 0 ;;
		--check) check=1 ;;
		--series-tools) pkgs=$SERIES_TOOLS; archs=(none) ;;
		-*) die "unknown option $1; see $0 --help" ;;
		*) archs+=("$1") ;;
		esac
		shift
	done
	[ ${#archs[@]} -gt 0 ] || mapfile -t archs < <(known_archs)

	for a in "${archs[@]}"; do
		[ "$a" != none ] || continue
		load_arch "$a"
		pkgs="$pkgs $PACKAGES"
	done
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	missing=$(missing_packages $pkgs | sort -u | tr '\n' ' ')
	missing=${missing% }
	[ -n "$missing" ] || return 0

	if [ $check = 1 ] || [ "$(id -u)" != 0 ]; then
		die "missing packages: $missing; install them with: sudo apt-get install -y $missing"
	fi
	note "installing $missing"
	# A new machine may never have fetched the package lists.
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive run apt-get install -y --no-install-recommends $missing; then
		run apt-get update || true
		DEBIAN_FRONTEND=noninteractive run apt-get install -y --no-install-recommends $missing ||
			die "apt-get could not install $missing; see its message above"
	fi
}

main "$@"
