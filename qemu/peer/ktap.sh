# SPDX-License-Identifier: GPL-2.0
# The KTAP frame the peer runners (selftests.sh, stress-ng.sh, perf.sh)
# print around their cases: one suite, nested as KUnit nests it, so that
# kunit.py's parser counts each case.  Sourced, not run.

# ktap_begin SUITE N: the header of SUITE with N cases; clears its mark.
ktap_begin() {
	ktap_failed=${TMPDIR:-/tmp}/$1.failed
	rm -f "$ktap_failed"
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%s\n' "$1" "$2"
}

# ktap_fail: mark the suite failed (a file: the cases run in a pipeline's
# subshell).
ktap_fail() {
	touch "$ktap_failed"
}

# ktap_end SUITE: the suite's own result line; exit 1 if a case failed.
ktap_end() {
	if [ -e "$ktap_failed" ]; then
		echo "not ok 1 $1"
		exit 1
	fi
	echo "ok 1 $1"
}
