#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bring patches/0000-cover-letter.patch up to date with patches/series: the
# "[PATCH 00/NN]" count, the shortlog and the diffstat below the prose.
#
# Usage: scripts/cover-letter.sh [--check]
#   --check  change nothing; exit 1 if the cover letter is out of date
# The prose (everything above the "lazymm (NN):" shortlog line) is yours: a
# new topic is a paragraph there and a banner in patches/series.  The
# diffstat is that of the series applied to the cached base import
# (scripts/base-git.sh), computed in a scratch index: no tree is checked out.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,11p' "$0"
}

check=0
case ${1:-} in
-h|--help) usage; exit 0 ;;
--check) check=1 ;;
"") ;;
*) die "unknown option $1; see $0 --help" ;;
esac

cover=$LAZYMM_TOP/patches/0000-cover-letter.patch
[ -f "$cover" ] || die "no $cover; write its prose first (see README, 'The series')"
grep -qE '^lazymm \([0-9]+\):$' "$cover" ||
	die "$cover has no 'lazymm (N):' shortlog line to regenerate below; add one after the prose"
repo=$("$LAZYMM_TOP/scripts/base-git.sh")
n=$(series_patches | wc -l)

# series_diffstat: git diff --stat of the whole series on the pristine base.
series_diffstat() {
	local idx p tree
	idx=$(mktemp)
	trap 'rm -f "$idx"' RETURN
	GIT_INDEX_FILE=$idx git -C "$repo" read-tree refs/lazymm/pristine
	for p in $(series_patches); do
		GIT_INDEX_FILE=$idx git -C "$repo" apply --cached "$LAZYMM_TOP/patches/$p" ||
			die "patch $p does not apply to the base import; make check-series says more"
	done
	tree=$(GIT_INDEX_FILE=$idx git -C "$repo" write-tree)
	git -C "$repo" diff --stat=72 --summary refs/lazymm/pristine "$tree"
}

new=$(mktemp)
trap 'rm -f "$new"' EXIT
{
	sed -E '/^lazymm \([0-9]+\):$/,$d' "$cover" |
		sed -E "s/^(Subject: \[PATCH) [0-9]+\/[0-9]+\]/\1 $(printf '%02d' 0)\/$(printf '%02d' "$n")]/"
	echo "lazymm ($n):"
	for p in $(series_patches); do
		echo "  $(patch_subject "$LAZYMM_TOP/patches/$p")"
	done
	echo
	series_diffstat
} >"$new"

if cmp -s "$new" "$cover"; then
	note "the cover letter is up to date ($n patches)"
	exit 0
fi
if [ $check = 1 ]; then
	diff -u "$cover" "$new" | sed 's/^/  /' >&2 || true
	die "patches/0000-cover-letter.patch is out of date with patches/series; run scripts/cover-letter.sh"
fi
cp "$new" "$cover"
note "updated $cover ($n patches)"
