#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# arm-linux-gnueabi-gcc for a build-only check of RiscPC (rpc_defconfig).
# RiscPC is ARMv3; gcc dropped -march=armv3m in 9.1, so 6.1's Kconfig hides
# ARCH_RPC from any newer gcc (Debian 12 has 12).  The series changes
# arch/arm/mach-rpc/ecard.c, so check-series compiles it anyway: this answers
# Kconfig's version probe (scripts/cc-version.sh) as gcc 8.5 and compiles
# ARMv3 code as ARMv4, its superset.  The objects are for errors and
# warnings, compared with the base built the same way; never for running.
#
# Usage: make ARCH=arm CROSS_COMPILE=arm-linux-gnueabi- CC=scripts/armv3-gcc.sh
#   ARMV3_GCC  the compiler underneath (default arm-linux-gnueabi-gcc, from
#              gcc-arm-linux-gnueabi: scripts/deps.sh --series-tools)
# --help alone prints this; any other arguments are gcc's.
set -euo pipefail

usage() {
	sed -n 's/^# \{0,1\}//; 3,14p' "$0"
}

# Answered here, without the compiler: make check runs every script's --help
# and does not install the cross compilers.
if [ "$*" = --help ]; then
	usage
	exit 0
fi

gcc=${ARMV3_GCC:-arm-linux-gnueabi-gcc}

# scripts/cc-version.sh pipes its probe in as exactly these arguments.
if [ "$*" = "-E -P -x c -" ]; then
	exec "$gcc" "$@" -U__GNUC__ -D__GNUC__=8 -U__GNUC_MINOR__ -D__GNUC_MINOR__=5 \
		-U__GNUC_PATCHLEVEL__ -D__GNUC_PATCHLEVEL__=0
fi

args=()
for a in "$@"; do
	[ "$a" != -march=armv3m ] || a=-march=armv4
	args+=("$a")
done
exec "$gcc" "${args[@]}"
