#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make demo`: two processes talk TCP through vsock's fast path.
# Everything lives in throwaway places (a cgroup, a pin root and a network
# namespace of its own) and is removed by a trap, whatever happens.
set -u

O=${O:-build}
VSOCKCTL=${VSOCKCTL:-$O/vsockctl}
BPFTOOL=${BPFTOOL:-$(command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)}
DEMO_MIB=${DEMO_MIB:-100}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (BPF programs, cgroups, network namespaces)"
[ -x "$VSOCKCTL" ] || die "no $VSOCKCTL (run make)"
command -v python3 >/dev/null || die "needs python3"
command -v unshare >/dev/null || die "needs unshare (util-linux)"
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG2" ] || die "no cgroup2 mount"

CG=$CG2/vsock-demo-$$
PIN=/sys/fs/bpf/vsock-demo-$$
CTL=("$VSOCKCTL" --pin-root "$PIN")
APP_PID=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP PIPE
	step "cleanup: stop the demo processes, detach, unload, remove the cgroup"
	if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
		kill "$APP_PID" 2>/dev/null
		wait "$APP_PID" 2>/dev/null
	fi
	# anything the demo started that is still in its cgroup, one pid at a time
	if [ -f "$CG/cgroup.procs" ]; then
		while read -r pid; do
			kill -KILL "$pid" 2>/dev/null
		done <"$CG/cgroup.procs"
	fi
	rm -f "/tmp/vsock-demo-$$.py"
	[ -d "$PIN" ] && "${CTL[@]}" detach "$CG" 2>/dev/null
	[ -d "$PIN" ] && "${CTL[@]}" unload --force
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -d "$CG" ] || break
		rmdir "$CG" 2>/dev/null || sleep 0.2
	done
	[ -d "$PIN" ] && echo "demo: $PIN is left behind" >&2 && rc=1
	[ -d "$CG" ] && echo "demo: $CG is left behind" >&2 && rc=1
	[ $rc -eq 0 ] && echo "clean: no pin root, no cgroup, no programs left"
	exit $rc
}
trap cleanup EXIT
# a signal (also a closed pipe, as in `make demo | head`) still cleans up
trap 'exit 130' INT TERM HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE

step "make a throwaway cgroup: $CG"
mkdir "$CG" || exit 1

step "load the BPF programs into a private pin root and attach them to the cgroup"
"${CTL[@]}" attach "$CG" || exit 1

step "vsockctl status: what is loaded and attached"
"${CTL[@]}" status

step "start an echo server and a client in the cgroup, in a new network namespace (nonblocking sockets, select)"
cat >"/tmp/vsock-demo-$$.py" <<'PY'
import hashlib, os, select, socket, subprocess, sys, time

MIB = int(os.environ.get("DEMO_MIB", "100"))
CHUNK = 256 * 1024

def lo_up():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

def serve(lsock):
    # accept one client and echo every byte back, never blocking
    while True:
        r, _, _ = select.select([lsock], [], [], 10)
        if not r:
            sys.exit("server: no client")
        try:
            conn, _ = lsock.accept()
            break
        except BlockingIOError:
            continue
    conn.setblocking(False)
    pending = bytearray()
    eof = False
    while not eof or pending:
        r, w, _ = select.select([] if eof or len(pending) > 8 * CHUNK else [conn],
                                [conn] if pending else [], [], 10)
        if not r and not w:
            sys.exit("server: stalled")
        if r:
            try:
                data = conn.recv(CHUNK)
            except BlockingIOError:
                data = None
            if data == b"":
                eof = True
            elif data:
                pending += data
        if w and pending:
            try:
                n = conn.send(pending)
                del pending[:n]
            except BlockingIOError:
                pass
    conn.close()

def exchange(c, out):
    """Send out, read back as many bytes; both with select."""
    got = bytearray()
    sent = 0
    while len(got) < len(out):
        r, w, _ = select.select([c], [c] if sent < len(out) else [], [], 10)
        if not r and not w:
            sys.exit("client: stalled")
        if w:
            try:
                sent += c.send(out[sent:sent + CHUNK])
            except BlockingIOError:
                pass
        if r:
            try:
                data = c.recv(CHUNK)
            except BlockingIOError:
                continue
            if not data:
                sys.exit("client: early EOF")
            got += data
    return bytes(got)

def client(port, show):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setblocking(False)          # nonblocking before connect: the fast path needs it
    c.connect_ex(("127.0.0.1", port))
    select.select([], [c], [], 5)
    if c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
        sys.exit("client: connect failed")

    t0 = time.monotonic()
    for i in range(5):
        msg = b"GET /item/%d HTTP/1.1\r\n\r\n" % i
        reply = exchange(c, msg)
        assert reply == msg, "echo differs"
    print("client: 5 request/responses OK in %.2f ms" % ((time.monotonic() - t0) * 1e3))

    block = os.urandom(1024 * 1024)
    total = MIB * 1024 * 1024
    h_out, h_in = hashlib.sha256(), hashlib.sha256()
    t0 = time.monotonic()
    for _ in range(MIB):
        h_out.update(block)
        h_in.update(exchange(c, block))
    dt = time.monotonic() - t0
    same = h_out.digest() == h_in.digest()
    print("client: %d MiB echoed in %.2f s (%.0f MiB/s each way), sha256 %s" %
          (MIB, dt, MIB / dt, "matches" if same else "DIFFERS"))
    if not same:
        sys.exit(1)
    # show the tables while the connection is still open
    subprocess.run(["bash", "-c", show])
    c.close()

lo_up()
lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", 0))
lsock.setblocking(False)          # an event loop's listener
lsock.listen(16)
port = lsock.getsockname()[1]
pid = os.fork()
if pid == 0:
    try:
        serve(lsock)
    finally:
        os._exit(0)
lsock.close()
try:
    client(port, os.environ["DEMO_SHOW"])
finally:
    _, st = os.waitpid(pid, 0)
sys.exit(0 if st == 0 else 1)
PY

SHOW="
printf '\n\033[1m==> vsockctl sockets: the socket table, both ends on the fast path\033[0m\n'
${CTL[*]} sockets
printf '\n\033[1m==> vsockctl stats: global counters\033[0m\n'
${CTL[*]} stats
printf '\n\033[1m==> bpftool map dump pinned $PIN/vs_socktbl: the same table, straight from the kernel (first lines)\033[0m\n'
$BPFTOOL map dump pinned $PIN/vs_socktbl | head -40
"
# join the cgroup first, then the new netns (sockets belong to the cgroup
# they are created in; the netns keeps loopback traffic to this demo)
DEMO_MIB=$DEMO_MIB DEMO_SHOW=$SHOW bash -c '
	echo $$ >"$1/cgroup.procs" || exit 1
	exec unshare -n python3 "$2"' demo "$CG" "/tmp/vsock-demo-$$.py" &
APP_PID=$!
wait "$APP_PID"
app_rc=$?
APP_PID=
rm -f "/tmp/vsock-demo-$$.py"
[ $app_rc -eq 0 ] || { echo "demo: the echo client failed ($app_rc)" >&2; exit 1; }

step "detach the cgroup (new connections there take the normal path again)"
"${CTL[@]}" detach "$CG" || exit 1

step "unload: remove every program, map and link pinned under $PIN"
"${CTL[@]}" unload || exit 1
