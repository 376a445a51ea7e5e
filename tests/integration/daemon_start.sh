#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# vsockd as an operator meets it before it runs: the systemd unit passes
# systemd-analyze, a bad config is refused at start with FILE:LINE (and
# leaves nothing behind), and vsockctl says clearly when vsockd is absent.
# Prints "ok - name" / "not ok - name: why" lines (tests/run.sh counts them).
set -u
O=${O:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
D="$(cd "$O" && pwd)/vsockd"
V="$(cd "$O" && pwd)/vsockctl"
T=$(mktemp -d /tmp/vsock-test-start.XXXXXX)
ROOT=/sys/fs/bpf/vsock-test-start-$$
fails=0

cleanup() {
	[ -e "$ROOT" ] && "$V" --pin-root "$ROOT" unload --force >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1: $2"; fails=$((fails + 1)); }
skip() { echo "skip - $1: $2"; }

# --- the unit --------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	# ExecStart must name an executable: the one just built
	sed "s|/usr/local/sbin/vsockd|$D|" "$SRC/daemon/vsockd.service" > "$T/vsockd.service"
	out=$(systemd-analyze verify --man=no "$T/vsockd.service" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "unit: systemd-analyze verify"
	else nok "unit: systemd-analyze verify" "rc $rc: $out"; fi
	# the sandbox is real: systemd rates the exposure "OK" (< 4.0) or better
	lvl=$(systemd-analyze security --offline=yes "$T/vsockd.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for vsockd.service: \([0-9.]*\).*/\1/p')
	if [ -n "$lvl" ] && awk -v l="$lvl" 'BEGIN { exit !(l < 4.0) }'; then
		ok "unit: exposure level $lvl"
	else
		nok "unit: exposure level" "'$lvl' (want < 4.0)"
	fi
	grep -q '^Type=notify$' "$SRC/daemon/vsockd.service" &&
		grep -q '^SystemCallFilter=@system-service bpf pidfd_getfd$' "$SRC/daemon/vsockd.service" &&
		grep -q '^ReadWritePaths=/sys/fs/bpf$' "$SRC/daemon/vsockd.service" &&
		grep -q '^ProtectSystem=strict$' "$SRC/daemon/vsockd.service" &&
		ok "unit: Type=notify, syscall filter, read-only system" ||
		nok "unit: Type=notify, syscall filter, read-only system" "a setting is missing"
else
	skip "unit: systemd-analyze verify" "systemd-analyze not installed (package systemd)"
fi

# --- config refused at start -----------------------------------------
# expect_start_fails NAME PATTERN CONFIG-TEXT
expect_start_fails() {
	local name=$1 pat=$2 out rc
	printf '%b' "$3" > "$T/bad.conf"
	out=$(timeout 10 "$D" --config "$T/bad.conf" 2>&1); rc=$?
	if [ $rc -ne 1 ]; then nok "$name" "exit $rc, expected 1 ($out)"
	elif ! printf '%s' "$out" | grep -qF -- "$pat"; then nok "$name" "'$out' lacks '$pat'"
	elif [ -e "$ROOT" ]; then nok "$name" "$ROOT was created"
	else ok "$name"; fi
}
base="[vsockd]\npin_root = $ROOT\ncontrol_socket = $T/s.sock\n"
expect_start_fails "config: unknown key at start" "$T/bad.conf:6: unknown key 'colour' in [vsockd]" \
	"$base\n\ncolour = blue\n"
expect_start_fails "config: bad value at start" "$T/bad.conf:4: max_processes: 'lots' is not a number" \
	"$base""max_processes = lots\n"
expect_start_fails "config: relative cgroup at start" "$T/bad.conf:5: attach: 'app' is not an absolute path" \
	"$base[cgroups]\nattach = app\n"
out=$(timeout 10 "$D" --config "$T/none.conf" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$out" = "vsockd: $T/none.conf: No such file or directory" ] &&
	ok "config: missing --config file is one line, exit 1" ||
	nok "config: missing --config file is one line, exit 1" "rc $rc: $out"
printf '%b' "$base" > "$T/good.conf"
out=$("$D" --check-config --config "$T/good.conf" 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = "$T/good.conf: ok" ] && [ ! -e "$ROOT" ] &&
	ok "config: --check-config" || nok "config: --check-config" "rc $rc: $out"
out=$("$D" --frobnicate 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "unknown option '--frobnicate'" &&
	ok "vsockd: unknown option, exit 1" || nok "vsockd: unknown option, exit 1" "rc $rc: $out"
# a nonexistent cgroup in the config: refused before READY, nothing attached
printf '%b' "$base[cgroups]\nattach = /sys/fs/cgroup/vsock-test-none-$$\n" > "$T/cg.conf"
out=$(timeout 20 "$D" --config "$T/cg.conf" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "attach /sys/fs/cgroup/vsock-test-none-$$: " &&
	[ ! -e "$ROOT" ] &&
	ok "config: missing cgroup refused at start" ||
	nok "config: missing cgroup refused at start" "rc $rc: $out"

# --- vsockctl without vsockd ------------------------------------------
export VSOCK_CONTROL_SOCKET=$T/absent.sock
out=$("$V" handles 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$out" = "vsockctl: 'handles' needs vsockd: vsockd is not running (nothing listens on $T/absent.sock)" ] &&
	ok "vsockctl handles: clear error without vsockd" ||
	nok "vsockctl handles: clear error without vsockd" "rc $rc: $out"
out=$("$V" -j handles 1 2>/dev/null); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | python3 -c 'import json,sys; assert "needs vsockd" in json.load(sys.stdin)["error"]' &&
	ok "vsockctl -j handles: JSON error without vsockd" ||
	nok "vsockctl -j handles: JSON error without vsockd" "rc $rc: $out"
: > "$T/absent.sock"	# a stale file, not a socket anyone listens on
out=$("$V" -j --pin-root "$ROOT" status 2>/dev/null); rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["daemon"]; assert d["running"] is False' &&
	ok "vsockctl status: vsockd not running" || nok "vsockctl status: vsockd not running" "rc $rc: $out"

[ $fails -eq 0 ]
