#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: ccache-cc.sh COMPILER ARGS...
# The compiler kunit.sh gives kbuild (CC=): COMPILER ARGS through ccache,
# except when the source (kbuild puts it last) pulls a file in with
# .incbin: x86's piggy.S (the compressed vmlinux), the vDSO wrappers,
# initramfs_data.S.  In depend mode ccache hashes the source and the
# headers it includes, never what .incbin reads, so a rebuild whose
# piggy.S kept its two sizes would get the previous kernel back.
set -euo pipefail
case ${1:-} in
'' | -h | --help)
	sed -n 's/^# \{0,1\}//; 3,9p' "$0"
	exit 0 ;;
esac
src=${!#}
case $src in
*.c | *.S)
	if [ -f "$src" ] && grep -qF incbin -- "$src"; then
		exec "$@"
	fi ;;
esac
exec ccache "$@"
