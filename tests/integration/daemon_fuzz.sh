#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# A bounded libFuzzer run of vsockd's control-message parser (make check:
# FUZZ_CHECK_TIME seconds, default 20; `make fuzz` runs it longer). New
# inputs go to a temporary corpus; the seeds in tests/fuzz/corpus stay.
set -u
O=${O:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
F="$(cd "$O" && pwd)/tests/fuzz/fuzz_ctlmsg"
SECS=${FUZZ_CHECK_TIME:-20}
T=$(mktemp -d /tmp/vsock-test-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

if [ ! -x "$F" ]; then
	echo "not ok - fuzz: control-message parser: $F not built (make tests)"
	exit 1
fi
out=$(cd "$T" && timeout $((SECS + 60)) "$F" -max_total_time="$SECS" -max_len=70000 \
	-timeout=10 -rss_limit_mb=1024 -dict="$SRC/tests/fuzz/ctlmsg.dict" \
	"$T" "$SRC/tests/fuzz/corpus" 2>&1); rc=$?
runs=$(printf '%s\n' "$out" | sed -n 's/^Done \([0-9]*\) runs.*/\1/p' | tail -1)
if [ $rc -eq 0 ] && [ -n "$runs" ]; then
	echo "ok - fuzz: control-message parser, $runs inputs in ${SECS} s"
else
	printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|==[0-9]+==|crash-|Test unit' | head -20 | sed 's/^/# /'
	echo "not ok - fuzz: control-message parser: libFuzzer exit $rc"
	exit 1
fi
