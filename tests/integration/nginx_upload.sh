#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Debian's nginx and curl, started here in an attached cgroup and a private
# network namespace: 64 MiB WebDAV PUT uploads to a normal and to a
# `deferred` (TCP_DEFER_ACCEPT) listener, UPLOADS times each, every file
# byte-identical. nginx reads request bodies as much as FIONREAD says is
# there and then waits for the next edge-triggered event: on 7578ec4, where
# FIONREAD on a sockhash member ignored TCP-queued bytes, 5 of 6 large
# uploads hung (issue 9). Also prints the upload times with and without
# vsock (an unattached cgroup) for the same file.
set -u
O=${O:-build}
V="$(cd "$(dirname "$O/vsockctl")" && pwd)/vsockctl"
UPLOADS=${UPLOADS:-20}
ROOT=/sys/fs/bpf/vsock-test-nginx-$$
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG=$CG2/vsock-test-nginx-$$
PLAIN=$CG2/vsock-test-nginx-plain-$$
ORIG=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
DIR=$(mktemp -d /tmp/vsock-test-nginx.XXXXXX)

cleanup() {
	echo $$ > "$CG2$ORIG/cgroup.procs" 2>/dev/null
	"$V" --pin-root "$ROOT" unload --force >/dev/null 2>&1
	rmdir "$CG" "$PLAIN" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1: $2"; }

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ] || ! command -v curl >/dev/null; then
	# make check installs both (Makefile DEB_PACKAGES); a skip fails under CI
	echo "skip - nginx uploads: nginx or curl not installed"
	exit 0
fi

mkdir -p "$CG" "$PLAIN" "$DIR/www" "$DIR/tmp"
if ! "$V" --pin-root "$ROOT" attach "$CG" >/dev/null; then
	nok "nginx uploads" "attach $CG failed"
	exit 1
fi
head -c $((64 << 20)) /dev/urandom > "$DIR/body"
SUM=$(sha256sum < "$DIR/body" | cut -d' ' -f1)

cat > "$DIR/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_max_body_size 0;
	client_body_temp_path $DIR/tmp;
	proxy_temp_path $DIR/tmp;
	fastcgi_temp_path $DIR/tmp;
	uwsgi_temp_path $DIR/tmp;
	scgi_temp_path $DIR/tmp;
	server {
		listen 127.0.0.1:18080;
		listen 127.0.0.1:18081 deferred;
		root $DIR/www;
		location / { dav_methods PUT; create_full_put_path on; }
	}
}
EOF

# One run: nginx and curl in cgroup $1, in a fresh network namespace.
# Prints "PORT SECONDS OK|BAD|FAIL" per upload.
run() {
	local cg=$1 n=$2
	(
		echo $BASHPID > "$cg/cgroup.procs" || exit 1
		exec unshare -n bash -c '
			ip link set lo up
			"$0" -e "$1/error.log" -c "$1/nginx.conf" -p "$1" &
			ngx=$!
			for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.1; done
			for port in 18080 18081; do
				for i in $(seq "$2"); do
					t0=$(date +%s.%N)
					if curl -sS -T "$1/body" --max-time 60 -o /dev/null \
						"http://127.0.0.1:$port/up-$port-$i" 2>>"$1/curl.log"; then
						t1=$(date +%s.%N)
						s=$(sha256sum < "$1/www/up-$port-$i" | cut -d" " -f1)
						[ "$s" = "$3" ] && r=OK || r=BAD
					else
						t1=$(date +%s.%N); r=FAIL
					fi
					echo "$port $(awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.3f\", b - a }") $r"
					rm -f "$1/www/up-$port-$i"
				done
			done
			kill $ngx; wait $ngx 2>/dev/null
		' "$NGINX" "$DIR" "$n" "$SUM"
	)
}

before=$("$V" --pin-root "$ROOT" -j stats 2>/dev/null)
res=$(run "$CG" "$UPLOADS")
after=$("$V" --pin-root "$ROOT" -j stats 2>/dev/null)
plain=$(run "$PLAIN" 3)

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
for port in 18080 18081; do
	kind=normal; [ $port = 18081 ] && kind=deferred
	good=$(printf '%s\n' "$res" | awk -v p=$port '$1 == p && $3 == "OK"' | wc -l)
	bad=$(printf '%s\n' "$res" | awk -v p=$port '$1 == p && $3 != "OK" { print $3 }' | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')
	t=$(printf '%s\n' "$res" | awk -v p=$port '$1 == p && $3 == "OK" { print $2 }' | median)
	tp=$(printf '%s\n' "$plain" | awk -v p=$port '$1 == p && $3 == "OK" { print $2 }' | median)
	echo "# $kind listener: $good of $UPLOADS uploads of 64 MiB byte-identical; median ${t}s with vsock, ${tp}s without"
	if [ "$good" -eq "$UPLOADS" ]; then
		ok "nginx: $UPLOADS uploads of 64 MiB to a $kind listener"
	else
		nok "nginx: $UPLOADS uploads of 64 MiB to a $kind listener" "$good complete and identical; failed: $bad(see $DIR/error.log)"
		tail -5 "$DIR/error.log" "$DIR/curl.log" 2>/dev/null | sed 's/^/# /'
	fi
done

# The uploads must have used the fast path, or this proved nothing.
redir() { printf '%s' "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bytes_redirected"])' 2>/dev/null || echo 0; }
moved=$(( $(redir "$after") - $(redir "$before") ))
if [ "$moved" -gt $((64 << 20)) ]; then
	ok "nginx: uploads used the fast path ($((moved >> 20)) MiB redirected)"
else
	nok "nginx: uploads used the fast path" "only $moved bytes redirected"
fi
