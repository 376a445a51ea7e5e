#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Bad input to vsockctl, as root, against the real kernel: each case gets a
# precise message on stderr, exit status 1, and leaves no partial state.
# Prints "ok - name" / "not ok - name: why" lines (tests/run.sh counts them).
set -u
O=${O:-build}
V="$(cd "$(dirname "$O/vsockctl")" && pwd)/vsockctl"
ROOT=/sys/fs/bpf/vsock-test-cli-$$
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG=$CG2/vsock-test-cli-$$
V1MNT=""

cleanup() {
	"$V" --pin-root "$ROOT" unload --force >/dev/null 2>&1
	rm -rf "$ROOT" 2>/dev/null
	rmdir "$CG" "$CG-gone" 2>/dev/null
	[ -n "$V1MNT" ] && umount "$V1MNT" 2>/dev/null && rmdir "$V1MNT"
}
trap cleanup EXIT INT TERM

. "$(dirname "$0")/clilib.sh"

no_pins() { [ ! -e "$ROOT" ]; }

mkdir -p "$CG"
P=(--pin-root "$ROOT")

expect_fail "attach: path that does not exist" "/nonexistent-$$: No such file or directory" \
	"$V" "${P[@]}" attach /nonexistent-$$
expect_fail "attach: a regular file" "not a directory" "$V" "${P[@]}" attach /etc/hostname
expect_fail "attach: a directory that is not a cgroup" "is not a cgroup" "$V" "${P[@]}" attach /tmp
no_pins && ok "bad paths leave no pins" || nok "bad paths leave no pins" "$ROOT exists"
expect_fail "upgrade: nothing loaded" "vsock is not loaded" "$V" "${P[@]}" upgrade

# a cgroup v1 directory: use a mounted one, or mount a named v1 hierarchy
v1=$(awk '$3 == "cgroup" { print $2; exit }' /proc/mounts)
if [ -z "$v1" ]; then
	V1MNT=$(mktemp -d /tmp/vsock-v1.XXXXXX)
	mount -t cgroup -o none,name=vsocktest cgroup "$V1MNT" 2>/dev/null && v1=$V1MNT
fi
if [ -n "$v1" ]; then
	expect_fail "attach: a cgroup v1 directory" "cgroup v1 directory: vsock needs cgroup v2" \
		"$V" "${P[@]}" attach "$v1"
else
	nok "attach: a cgroup v1 directory" "no cgroup v1 hierarchy could be mounted"
fi

expect_fail "unknown command" "unknown command 'frobnicate'" "$V" "${P[@]}" frobnicate
expect_fail "unknown option" "unknown option '--frobnicate'" "$V" --frobnicate status
expect_fail "attach: missing argument" "missing CGROUP" "$V" "${P[@]}" attach
expect_fail "attach: bad max_queued" "max_queued '12x'" "$V" "${P[@]}" attach "$CG" max_queued 12x
expect_fail "attach: --allow-cgroup without --secure" "attach: --allow-cgroup needs --secure" \
	"$V" "${P[@]}" attach "$CG" --allow-cgroup "$CG"
expect_fail "attach: --allow-cgroup without a value" "'--allow-cgroup' needs a value" \
	"$V" "${P[@]}" attach "$CG" --secure --allow-cgroup
expect_fail "attach: --allow-cgroup not a cgroup" "attach: --allow-cgroup /tmp is not a cgroup" \
	"$V" "${P[@]}" attach "$CG" --secure --allow-cgroup /tmp
expect_fail "attach: unknown option" "unknown option '--fast'" "$V" "${P[@]}" attach "$CG" --fast
expect_fail "detach: not loaded" "not loaded" "$V" "${P[@]}" detach "$CG"
expect_fail "tune: not loaded" "not loaded" "$V" "${P[@]}" tune
expect_fail "disable: not loaded" "not loaded" "$V" "${P[@]}" disable
expect_fail "enable: two cgroups" "enable: unexpected argument 'b'" "$V" "${P[@]}" enable a b
expect_fail "proxy list: not loaded" "not loaded" "$V" "${P[@]}" proxy list
expect_fail "proxy add: not loaded" "not loaded" "$V" "${P[@]}" proxy add 10.96.0.10:1 --backend 127.0.0.1:1
expect_fail "tune: unknown setting" "unknown setting 'speed'" "$V" "${P[@]}" tune speed 11
expect_fail "tune: missing value" "'busy_poll' needs a value" "$V" "${P[@]}" tune busy_poll
expect_fail "tune: busy_poll out of range" "busy_poll '256': expected a count from 1 to 255" \
	"$V" "${P[@]}" tune busy_poll 256
expect_fail "tune: small_run not a number" "small_run '-1'" "$V" "${P[@]}" tune small_run -1
no_pins && ok "tune errors leave no pins" || nok "tune errors leave no pins" "$ROOT exists"
json=$("$V" "${P[@]}" -j detach "$CG" 2>/dev/null)
printf '%s' "$json" | python3 -c 'import json,sys; assert "not loaded" in json.load(sys.stdin)["error"]' \
	&& ok "-j: error as JSON on stdout" || nok "-j: error as JSON on stdout" "got '$json'"

# not root: refused before anything is created
expect_fail "attach: not root" "root" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$V" "${P[@]}" attach "$CG"
no_pins && ok "not root leaves no pins" || nok "not root leaves no pins" "$ROOT exists"

# attach twice: one set of links
"$V" "${P[@]}" attach "$CG" >/dev/null && "$V" "${P[@]}" attach "$CG" >/dev/null
n=$(bpftool cgroup show "$CG" 2>/dev/null | grep -c vsock_)
[ "$n" = 9 ] && ok "attach twice attaches once" || nok "attach twice attaches once" "$n programs attached"
expect_fail "detach: a cgroup that is not attached" "not attached" "$V" "${P[@]}" detach "$CG2"

# the kill switch: a cgroup that is not attached, or none at all, is refused
# and changes nothing; the switch is in vs_ctl and vs_cgcfg
ctl_dump() { bpftool -j map dump pinned "$ROOT/$1" | python3 -c "
import json, sys; print([e['formatted']['value']['flags'] for e in json.load(sys.stdin)])"; }
before="$(ctl_dump vs_ctl) $(ctl_dump vs_cgcfg)"
expect_fail "disable: a cgroup that is not attached" "is not attached" "$V" "${P[@]}" disable "$CG2"
expect_fail "disable: no such cgroup" "no such cgroup" "$V" "${P[@]}" disable "$CG-none"
expect_fail "disable: not a cgroup" "is not a cgroup" "$V" "${P[@]}" disable /tmp
after="$(ctl_dump vs_ctl) $(ctl_dump vs_cgcfg)"
[ "$before" = "$after" ] && ok "disable: refused input changes nothing" ||
	nok "disable: refused input changes nothing" "before $before after $after"
"$V" "${P[@]}" disable >/dev/null && "$V" "${P[@]}" disable "$CG" >/dev/null
got="$(ctl_dump vs_ctl) $(ctl_dump vs_cgcfg)"
[ "$got" = "[1] [3]" ] && ok "disable: visible in bpftool map dump" ||
	nok "disable: visible in bpftool map dump" "got '$got'"
got=$("$V" "${P[@]}" -j status | python3 -c '
import json, sys; d = json.load(sys.stdin); print(d["fast_path"], d["disabled"], d["attached"][0]["disabled"])')
[ "$got" = "disabled (vsockctl enable turns it back on) True True" ] && ok "status: shows the switches" ||
	nok "status: shows the switches" "got '$got'"
"$V" "${P[@]}" enable >/dev/null && "$V" "${P[@]}" enable "$CG" >/dev/null
got="$(ctl_dump vs_ctl) $(ctl_dump vs_cgcfg)"
[ "$got" = "[0] [1]" ] && ok "enable: both switches back" || nok "enable: both switches back" "got '$got'"

# tune: defaults at load, a change reaches vs_meta, bad input changes nothing
tune() { "$V" "${P[@]}" -j tune "$@" 2>&1 | python3 -c '
import json, sys; d = json.load(sys.stdin); print(d["max_queued"], d["small_run"], d["busy_poll"])'; }
got=$(tune)
[ "$got" = "4194304 64 16" ] && ok "tune: defaults after load" || nok "tune: defaults after load" "got '$got'"
got=$(tune small_run off busy_poll 3 max_queued 8M)
[ "$got" = "8388608 0 3" ] && ok "tune: set all three" || nok "tune: set all three" "got '$got'"
expect_fail "tune: one bad setting changes nothing" "busy_poll 'x'" \
	"$V" "${P[@]}" tune small_run 5 busy_poll x
got=$(tune)
[ "$got" = "8388608 0 3" ] && ok "tune: unchanged after a refused command" ||
	nok "tune: unchanged after a refused command" "got '$got'"
got=$(bpftool -j map dump pinned "$ROOT/vs_meta" | python3 -c '
import json, sys; v = json.load(sys.stdin)[0]["formatted"]["value"]; print(v["small_run"], v["spin_msgs"])')
[ "$got" = "0 3" ] && ok "tune: visible in bpftool map dump" || nok "tune: visible in bpftool map dump" "got '$got'"

# proxy: each bad rule is one clear line, exit 1, and the maps stay as they were
"$V" "${P[@]}" proxy add 10.96.0.10:6379 --backend 127.0.0.1:7001 --backend 127.0.0.1:7002 >/dev/null
before=$("$V" "${P[@]}" -j proxy list)
pe() { expect_fail "proxy: $1" "$2" "$V" "${P[@]}" proxy "${@:3}"; }
pe "bad address" "bad IPv4 address '10.96.0.300'" add 10.96.0.300:1 --backend 127.0.0.1:1
pe "port 0" "port 0 is not allowed" add 10.96.0.11:0 --backend 127.0.0.1:1
pe "port too big" "bad port '70000'" add 10.96.0.11:1 --backend 127.0.0.1:70000
pe "IPv6 without brackets" "needs brackets" add fd00::10:80 --backend 127.0.0.1:1
pe "duplicate backend" "backend 127.0.0.1:1 given twice" add 10.96.0.11:1 --backend 127.0.0.1:1 --backend 127.0.0.1:1
pe "too many backends" "too many backends \\(at most 16\\)" add 10.96.0.11:1 $(for i in $(seq 1 17); do echo --backend 127.0.0.1:$i; done)
pe "missing --backend" "missing --backend" add 10.96.0.11:1
pe "unknown mode" "unknown mode 'fast'" add 10.96.0.11:1 --backend 127.0.0.1:1 --mode fast
pe "service exists" "service 10.96.0.10:6379 exists already" add 10.96.0.10:6379 --backend 127.0.0.1:9
pe "del of no service" "no service 10.96.0.12:1" del 10.96.0.12:1
pe "unknown verb" "unknown verb 'show'" show
after=$("$V" "${P[@]}" -j proxy list)
[ "$before" = "$after" ] && ok "proxy: refused rules change nothing" ||
	nok "proxy: refused rules change nothing" "before $before after $after"
"$V" "${P[@]}" proxy add 10.96.0.10:6379 --backend 127.0.0.1:7003 --replace >/dev/null
got=$("$V" "${P[@]}" -j proxy list | python3 -c '
import json, sys; d = json.load(sys.stdin); print(len(d), d[0]["service"], [b["address"] for b in d[0]["backends"]])')
[ "$got" = "1 10.96.0.10:6379 ['127.0.0.1:7003']" ] && ok "proxy add --replace swaps the backends" ||
	nok "proxy add --replace swaps the backends" "got '$got'"
n=$(bpftool map dump pinned "$ROOT/vs_backends" | grep -c '"svc_id"')
[ "$n" = 1 ] && ok "proxy: the replaced backends are gone" || nok "proxy: the replaced backends are gone" "$n backends"
"$V" "${P[@]}" proxy del 10.96.0.10:6379 >/dev/null
got=$("$V" "${P[@]}" -j proxy list)
[ "$got" = "[]" ] && ok "proxy del" || nok "proxy del" "got '$got'"

# policy: each bad rule is one clear line, exit 1, and the rules stay as they were
"$V" "${P[@]}" policy add deny port 5432 >/dev/null
before=$("$V" "${P[@]}" -j policy list)
po() { expect_fail "policy: $1" "$2" "$V" "${P[@]}" policy "${@:3}"; }
po "unknown action" "unknown action 'permit' \(allow, deny\)" add permit port 1
po "bad port" "port: bad port '0' \(1 to 65535\)" add deny port 0
po "reversed range" "range '20-10' ends before it starts" add deny port 20-10
po "bad cidr" "bad IPv4 address '10.0.0.300'" add deny cidr 10.0.0.300/8
po "host bits" "host bits are set" add deny cidr 10.0.0.1/8
po "bad v6 prefix" "bad prefix length '129' \(0 to 128\)" add deny cidr fd00::/129
po "bad uid" "uid: bad uid 'root'" add deny uid root
po "bad priority" "bad priority '70000' \(0 to 65535\)" add deny --priority 70000
po "keyword twice" "'port' given twice" add deny port 1 port 2
po "unknown keyword" "unknown keyword 'host'" add deny host 1
po "cgroup not a cgroup" "/tmp is not a cgroup" add deny cgroup /tmp
po "cgroup missing" "/nonexistent-$$: No such file or directory" add deny cgroup /nonexistent-$$
po "del of no rule" "no policy rule 999" del 999
po "del bad id" "bad rule id 'x'" del x
po "unknown verb" "unknown verb 'show'" show
after=$("$V" "${P[@]}" -j policy list)
[ "$before" = "$after" ] && ok "policy: refused rules change nothing" ||
	nok "policy: refused rules change nothing" "before $before after $after"
got=$(printf '%s' "$after" | python3 -c '
import json, sys; d = json.load(sys.stdin); print(len(d), d[0]["action"], d[0]["match"], d[0]["priority"], d[0]["origin"])')
[ "$got" = "1 deny port 5432 100 vsockctl" ] && ok "policy list -j" || nok "policy list -j" "got '$got'"
for i in $(seq 2 64); do "$V" "${P[@]}" policy add deny port $i >/dev/null || break; done
po "at most 64 rules" "too many policy rules \(at most 64\)" add deny port 65
"$V" "${P[@]}" -j policy list | python3 -c '
import json, sys, subprocess
for r in json.load(sys.stdin): subprocess.run(sys.argv[1:] + ["policy", "del", str(r["id"])], stdout=subprocess.DEVNULL)' "$V" "${P[@]}"
got=$("$V" "${P[@]}" -j policy list)
[ "$got" = "[]" ] && ok "policy del" || nok "policy del" "got '$got'"

# a cgroup removed while attached can still be detached by its path
mkdir "$CG-gone" && "$V" "${P[@]}" attach "$CG-gone" >/dev/null && rmdir "$CG-gone"
if "$V" "${P[@]}" detach "$CG-gone" >/dev/null 2>&1 &&
   ! "$V" "${P[@]}" status | grep -q -- "-gone"; then
	ok "detach a cgroup removed while attached"
else
	nok "detach a cgroup removed while attached" "$("$V" "${P[@]}" status 2>&1 | grep -- -gone)"
fi
expect_fail "upgrade: unknown argument" "upgrade: unknown argument '--now'" \
	"$V" "${P[@]}" upgrade --now
got=$("$V" "${P[@]}" -j upgrade)
case $got in
*'"replaced":0'*'"changed":[]'*) ok "upgrade: the same build is up to date" ;;
*) nok "upgrade: the same build is up to date" "got '$got'" ;;
esac
got=$("$V" "${P[@]}" upgrade --dry-run --force)
case $got in
"would replace "*) ok "upgrade --dry-run --force lists every program" ;;
*) nok "upgrade --dry-run --force lists every program" "got '$got'" ;;
esac
"$V" "${P[@]}" unload --force >/dev/null

# unload refuses while sockets are accelerated, and --wait waits them out
"$V" "${P[@]}" attach "$CG" >/dev/null
( echo $BASHPID > "$CG/cgroup.procs"; exec python3 -c '
import socket, select, time
ls = socket.socket(); ls.setblocking(False); ls.bind(("127.0.0.1", 0)); ls.listen(1)
c = socket.socket(); c.setblocking(False)
try: c.connect(ls.getsockname())
except BlockingIOError: pass
select.select([ls], [], [], 2); s, _ = ls.accept(); s.setblocking(False)
select.select([], [c], [], 2); c.send(b"x" * 1000)
time.sleep(2)' ) &
holder=$!
# the pair joins once python ran that far (seconds on a loaded machine)
for _ in $(seq 100); do
	"$V" "${P[@]}" -j status 2>/dev/null | grep -q '"sockhash_sockets":2' && break
	sleep 0.1
done
expect_fail "unload: refused while sockets are accelerated" "2 sockets are still accelerated" \
	"$V" "${P[@]}" unload
if "$V" "${P[@]}" unload --wait 10 >/dev/null 2>&1 && no_pins; then
	ok "unload --wait: succeeds once they close"
else
	nok "unload --wait: succeeds once they close" "pins remain"
fi
wait $holder

# stale pins of another ABI version are refused, and unload --force removes them
mkdir -p "$ROOT"
bpftool map create "$ROOT/vs_meta" type array key 4 value 24 entries 1 name vs_meta &&
bpftool map update pinned "$ROOT/vs_meta" key 0 0 0 0 value 0xe7 0x03 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
expect_fail "attach: pins of another ABI version" "ABI version 999.*unload --force" \
	"$V" "${P[@]}" attach "$CG"
"$V" "${P[@]}" unload --force >/dev/null 2>&1
no_pins && ok "unload --force removes stale pins" || nok "unload --force removes stale pins" "$ROOT exists"

# no bpffs: in a private mount namespace without /sys/fs/bpf, attach mounts it
out=$(unshare -m --propagation private sh -c "
	umount /sys/fs/bpf 2>/dev/null
	'$V' --pin-root '$ROOT' attach '$CG' >/dev/null || exit 1
	stat -f -c %T /sys/fs/bpf
	'$V' --pin-root '$ROOT' unload --force >/dev/null" 2>&1)
[ "$out" = bpf_fs ] && ok "attach mounts bpffs when absent" || nok "attach mounts bpffs when absent" "$out"

exit $((fails > 0))
