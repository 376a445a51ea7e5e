# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the shell tests that run vsockctl (not executable: tests/run.sh
# runs only executable scripts). Result lines as tests/run.sh counts them;
# CASE_PREFIX (optional) starts every case name; fails counts the failures.
fails=0

ok() { echo "ok - ${CASE_PREFIX:-}$1"; }
nok() { echo "not ok - ${CASE_PREFIX:-}$1: $2"; fails=$((fails + 1)); }

# expect_fail NAME PATTERN CMD...: exit 1, one stderr line (a short one: a
# long argument is not echoed whole) matching PATTERN
expect_fail() {
	local name=$1 pat=$2 out rc lines
	shift 2
	out=$("$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ $rc -ne 1 ]; then nok "$name" "exit $rc, expected 1 ($out)"
	elif [ "$lines" -ne 1 ]; then nok "$name" "expected one stderr line, got: $out"
	elif [ ${#out} -gt 300 ]; then nok "$name" "a ${#out}-byte line: $out"
	elif ! printf '%s' "$out" | grep -qE -- "$pat"; then nok "$name" "message '$out' does not match '$pat'"
	else ok "$name"; fi
}
