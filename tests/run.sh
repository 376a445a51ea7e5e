#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run every test vsock has and print one closing line "N passed, M failed"
# (", K skipped" when some were skipped). Exit 1 when anything failed.
#
#   unit tests      $O/tests/unit/test_*          (cmocka, no privileges)
#   BPF load test   $O/tests/bpf/test_load        (root)
#   kernel tests    $O/tests/integration/test_*   (root: cgroup, netns, BPF)
#                   tests/integration/*.sh        (root: vsockctl as an operator runs it)
#   leftovers       nothing of ours in bpftool prog/cgroup, /sys/fs/bpf,
#                   the cgroup2 tree after the kernel tests
#
# Kernel tests print "ok - NAME", "not ok - NAME: WHY" or "skip - NAME: WHY".
# Without root they are skipped; under CI=true a skip counts as a failure.
# Environment: O (build dir, default build), CI, TL_ONLY (case filter),
# BPFTOOL, TEST_TIMEOUT (seconds per binary, default 600).
set -u

O=${O:-build}
CI=${CI:-}
BPFTOOL=${BPFTOOL:-$(command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
export CMOCKA_MESSAGE_OUTPUT=STDOUT

passed=0
failed=0
skipped=0
failures=()

fail() {	# NAME: WHY
	failed=$((failed + 1))
	failures+=("$1")
}

skip() {	# NAME: WHY
	if [ "$CI" = true ]; then
		echo "not ok - $1 (skipped, and CI=true does not allow skips)"
		fail "$1"
	else
		echo "skip - $1"
		skipped=$((skipped + 1))
	fi
}

# --- unit tests (cmocka) ------------------------------------------------
run_unit() {
	local bin=$1 out rc p f
	echo "== $bin"
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]\+\) test(s)\..*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]\+\) test(s).*/\1/p' | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p))
	if [ "$f" -gt 0 ]; then
		failed=$((failed + f))
		failures+=("$bin: $f cmocka test(s) failed")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$bin exited with status $rc and no cmocka failure summary"
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		fail "$bin ran no cmocka test"
	fi
}

# --- kernel tests ("ok -" lines) ----------------------------------------
run_ktest() {
	local bin=$1 out rc p f s line
	echo "== $bin"
	out=$(timeout --kill-after=10 "$TEST_TIMEOUT" "$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=0 f=0 s=0
	while IFS= read -r line; do
		case $line in
		"ok - "*) p=$((p + 1)) ;;
		"not ok - "*) f=$((f + 1)); failures+=("$(basename "$bin"): ${line#not ok - }") ;;
		"skip - "*)
			s=$((s + 1))
			if [ "$CI" = true ]; then
				failures+=("$(basename "$bin"): ${line#skip - } (skip under CI=true)")
			fi
			;;
		esac
	done <<<"$out"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$CI" = true ]; then
		failed=$((failed + s))
	else
		skipped=$((skipped + s))
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$bin: killed after ${TEST_TIMEOUT}s"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$f" -eq 0 ] && { [ "$s" -eq 0 ] || [ "$CI" != true ]; }; then
		fail "$bin exited with status $rc without a failing case"
	elif [ $((p + f + s)) -eq 0 ]; then
		fail "$bin printed no test case"
	fi
}

# --- leftovers (case q) -------------------------------------------------
vsock_prog_ids() {	# IDs of loaded programs named vsock_*
	"$BPFTOOL" prog list 2>/dev/null | sed -n 's/^\([0-9]\+\): .* name \(vsock_[^ ]*\) .*/\1/p' | sort
}

cgroup2_root() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

list_pins() {
	ls -d /sys/fs/bpf/vsock-test-* 2>/dev/null | sort
}

list_cgroups() {
	local cg2
	cg2=$(cgroup2_root)
	[ -n "$cg2" ] && ls -d "$cg2"/vsock-test-* 2>/dev/null | sort
}

list_cg_attach() {
	"$BPFTOOL" cgroup tree 2>/dev/null | grep 'vsock-test-' | sort
}

# Lines of "after" that were not in "before".
new_lines() {
	comm -13 <(printf '%s\n' "$1" | sed '/^$/d') <(printf '%s\n' "$2" | sed '/^$/d') | tr '\n' ' '
}

leftover() {	# NAME NEW-ITEMS
	if [ -z "${2// /}" ]; then
		echo "ok - $1"
		passed=$((passed + 1))
	else
		echo "not ok - $1: $2"
		fail "$1: $2"
	fi
}

# Compare with the state before the kernel tests: only what this run
# created counts (a real vsock installation may be loaded on the host).
check_leftovers() {
	local new deadline
	# programs go away once their last reference is dropped (RCU): allow 3 s
	deadline=$((SECONDS + 3))
	while :; do
		new=$(new_lines "$before_progs" "$(vsock_prog_ids)")
		[ -z "${new// /}" ] && break
		[ $SECONDS -ge $deadline ] && break
		sleep 0.2
	done
	leftover leftover_programs "${new:+vsock_* program ids }$new"
	leftover leftover_cgroup_attachments "$(new_lines "$before_attach" "$(list_cg_attach)")"
	leftover leftover_pins "$(new_lines "$before_pins" "$(list_pins)")"
	leftover leftover_cgroups "$(new_lines "$before_cgroups" "$(list_cgroups)")"
}

# --- main ---------------------------------------------------------------
units=()
for b in "$O"/tests/unit/test_*; do
	[ -f "$b" ] && [ -x "$b" ] && units+=("$b")
done
ktests=()
[ -x "$O/tests/bpf/test_load" ] && ktests+=("$O/tests/bpf/test_load")
for b in "$O"/tests/integration/test_* "$(dirname "$0")"/integration/*.sh; do
	[ -f "$b" ] && [ -x "$b" ] && ktests+=("$b")
done

if [ ${#units[@]} -eq 0 ]; then
	echo "not ok - unit tests: no $O/tests/unit/test_* (run make tests)"
	fail "no unit test binaries"
fi
for b in "${units[@]}"; do
	run_unit "$b"
done

if [ "$(id -u)" -ne 0 ]; then
	skip "kernel tests: need root (BPF programs, cgroup v2 and network namespaces)"
elif [ ${#ktests[@]} -eq 0 ]; then
	echo "not ok - kernel tests: no $O/tests/bpf/test_load or $O/tests/integration/test_* (run make tests)"
	fail "no kernel test binaries"
else
	before_progs=$(vsock_prog_ids)
	before_pins=$(list_pins)
	before_cgroups=$(list_cgroups)
	before_attach=$(list_cg_attach)
	[ -n "$before_pins$before_cgroups" ] &&
		echo "# note: left by an earlier run (not counted): $(echo $before_pins $before_cgroups)"
	start=$SECONDS
	for b in "${ktests[@]}"; do
		run_ktest "$b"
	done
	echo "# kernel tests took $((SECONDS - start)) s"
	check_leftovers
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "# failures:"
	for f in "${failures[@]}"; do
		echo "#   $f"
	done
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
