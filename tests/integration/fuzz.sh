#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Bounded libFuzzer runs of every parser (tests/fuzz/fuzz_NAME.c): make
# check gives each FUZZ_CHECK_TIME seconds (default 5), `make fuzz` gives
# each FUZZ_TIME. FUZZ_JOBS targets run at once (default: one per CPU; no
# kernel is involved, so no lock). New inputs go to a temporary corpus
# unless FUZZ_KEEP names a directory (make fuzz): then the corpora grow in
# FUZZ_KEEP/corpus/NAME. Crashes are saved as FUZZ_KEEP/NAME-crash-*
# (default: $O/tests/fuzz/NAME-crash-*).
# The seeds in tests/fuzz/corpus/NAME stay as they are. FUZZ_ONLY=NAME
# runs one target.
set -u
O=${O:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN="$(cd "$O" && pwd)/tests/fuzz"
SECS=${FUZZ_CHECK_TIME:-5}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
KEEP=${FUZZ_KEEP:+$(mkdir -p "$FUZZ_KEEP" && cd "$FUZZ_KEEP" && pwd)}
T=$(mktemp -d /tmp/vsock-test-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

names=()
for src in "$SRC"/tests/fuzz/fuzz_*.c; do
	n=${src##*/fuzz_}
	n=${n%.c}
	[ -n "${FUZZ_ONLY:-}" ] && [ "$n" != "$FUZZ_ONLY" ] && continue
	names+=("$n")
done

# One target; prints its "ok -" or "not ok -" line (and the evidence).
run_one() {
	local n=$1 f="$BIN/fuzz_$1" corpus seeds="$SRC/tests/fuzz/corpus/$1" out rc runs
	local args=(-max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1)

	if [ ! -x "$f" ]; then
		echo "not ok - fuzz: $n: $f not built (make tests)"
		return
	fi
	[ -r "$SRC/tests/fuzz/$n.dict" ] && args+=(-dict="$SRC/tests/fuzz/$n.dict")
	[ -r "$SRC/tests/fuzz/$n.options" ] && read -ra opts <"$SRC/tests/fuzz/$n.options" &&
		args+=("${opts[@]}")
	corpus=${KEEP:+$KEEP/corpus/$n}
	corpus=${corpus:-$T/corpus-$n}
	mkdir -p "$corpus" "$T/$n"
	args+=(-artifact_prefix="${KEEP:-$BIN}/$n-")	# crashes outlive the run
	[ -d "$seeds" ] || seeds=
	out=$(cd "$T/$n" && timeout $((SECS + 120)) "$f" "${args[@]}" "$corpus" $seeds 2>&1); rc=$?
	runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' | tail -1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz: $n, $runs inputs in ${SECS} s, 0 crashes"
	else
		printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|==[0-9]+==|crash-|Test unit|#0 |#1 |#2 ' |
			head -20 | sed 's/^/# /'
		echo "not ok - fuzz: $n: libFuzzer exit $rc"
	fi
}

i=0
for n in "${names[@]}"; do
	run_one "$n" >"$T/result-$n" &
	i=$((i + 1))
	[ $i -ge "$JOBS" ] && wait -n && i=$((i - 1))
done
wait
rc=0
for n in "${names[@]}"; do
	cat "$T/result-$n"
	grep -q '^ok - ' "$T/result-$n" || rc=1
done
exit $rc
