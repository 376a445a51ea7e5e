# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/run.sh: the proxy rows (issue 12). One backend (a
# vsbench server on 127.0.0.1:$PX_SPORT, CPU $SCPU), one client (CPU $CCPU),
# and between them one of three relays, all on CPU $RCPU, the client's
# (a service proxy sits with its clients: vsockd's listens in the client's
# network namespace):
#   copy     bench/copyrelay: one thread, epoll, read()/write() through 64 KiB
#   haproxy  HAProxy from Debian, mode tcp, splice both ways, nbthread 1
#   vsock    vsockd's proxy mode: the client connects to the service address
#            $PX_VIP:$PX_VPORT from the attached cgroup, vsockd relays in the
#            kernel (sk_skb verdict; its work runs in kworkers)
# A relay that cannot run is left out, and the fact "proxy_<mode>" says why
# (render.sh prints it in the rows); "yes" when it ran. px_*_start set
# PX_WHY to that (not in a $(...) subshell: the relays are our children).

PX_VIP=10.96.0.10
PX_MODES=(copy haproxy vsock)
PX_SPORT= PX_VPORT= COPY_PID= COPY_PORT= HP_PID= HP_PORT= PX_SVC= PX_WHY= PX_ROUTE=
declare -A PX_OK

# in_cgroup CG CMD... &: CMD in cgroup CG (our throwaway one: cleanup kills
# whatever is left there); run in the background, so that the exec replaces
# the background shell and $! is CMD's pid
in_cgroup() {
	local cg=$1
	shift
	echo "$BASHPID" >"$cg/cgroup.procs" && exec "$@"
}

# wait_listen PORT PID: 0 once something listens on 127.0.0.1:PORT and PID lives
wait_listen() {
	for _ in $(seq 50); do
		kill -0 "$2" 2>/dev/null || return 1
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

px_copy_start() {
	in_cgroup "$CG_OFF" "$COPYRELAY" -c "$RCPU" 127.0.0.1:0 "127.0.0.1:$PX_SPORT" \
		>"$TMP/copyrelay.out" 2>"$TMP/copyrelay.err" &
	COPY_PID=$!
	for _ in $(seq 50); do
		COPY_PORT=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/copyrelay.out")
		[ -n "$COPY_PORT" ] && { PX_WHY=yes; return; }
		kill -0 "$COPY_PID" 2>/dev/null || break
		sleep 0.1
	done
	PX_WHY="copyrelay did not start: $(tr '\n' ' ' <"$TMP/copyrelay.err")"
}

# splice-request and splice-response, not splice-auto: on loopback the
# auto heuristic never spliced (strace -c: recvfrom/sendto only)
px_haproxy_start() {
	[ -n "$HAPROXY" ] || { PX_WHY="HAProxy is not installed (apt-get install haproxy)"; return; }
	HP_PORT=$(free_port)
	cat >"$TMP/haproxy.cfg" <<-EOF
		global
			nbthread 1
			maxconn 1000
		defaults
			mode tcp
			timeout connect 5s
			timeout client 60s
			timeout server 60s
			option splice-request
			option splice-response
		listen vsock-bench
			bind 127.0.0.1:$HP_PORT
			server backend 127.0.0.1:$PX_SPORT
	EOF
	# -db: in the foreground, no daemon, no pid file; nothing outlives $HP_PID
	in_cgroup "$CG_OFF" taskset -c "$RCPU" "$HAPROXY" -db -q -f "$TMP/haproxy.cfg" \
		>"$TMP/haproxy.log" 2>&1 &
	HP_PID=$!
	wait_listen "$HP_PORT" "$HP_PID" && { PX_WHY=yes; return; }
	PX_WHY="HAProxy did not start: $(tail -2 "$TMP/haproxy.log" | tr '\n' ' ')"
}

# vsockd runs (vsockd_start); its service proxy is issue 12's, and until
# that is merged vsockctl has no "proxy" command: the rows say so
px_vsock_start() {
	local out
	"$VSOCKCTL" help proxy >/dev/null 2>&1 || { PX_WHY="vsockctl has no 'proxy' command yet"; return; }
	[ -n "$VSOCKD_PID" ] || { PX_WHY="vsockd is not running"; return; }
	PX_VPORT=$(free_port)
	if ! out=$("${CTL[@]}" proxy add "$PX_VIP:$PX_VPORT" --backend "127.0.0.1:$PX_SPORT" \
		--mode proxy 2>&1); then
		PX_WHY="vsockctl proxy add failed: $(printf '%s' "$out" | tr '\n' ' ')"
		return
	fi
	PX_SVC=$PX_VIP:$PX_VPORT
	# a connect() the service hook does not rewrite must fail here, not
	# send SYNs to $PX_VIP out of the machine (the hook runs before routing)
	ip route add unreachable "$PX_VIP/32" 2>/dev/null && PX_ROUTE=1
	# the userspace half of this relay on the relay CPU too, as the others
	taskset -a -pc "$RCPU" "$VSOCKD_PID" >/dev/null 2>&1
	PX_WHY=yes
}

# proxy_start: every relay that can run; facts proxy_copy, proxy_haproxy, proxy_vsock
proxy_start() {
	local mode
	PX_SPORT=$(free_port)
	for mode in "${PX_MODES[@]}"; do
		PX_WHY="did not start"
		"px_${mode}_start"
		[ "$PX_WHY" = yes ] && PX_OK[$mode]=1 || note "bench: proxy rows: $mode: $PX_WHY"
		fact "proxy_$mode" "$PX_WHY"
	done
}

# stop_pid PID: end a relay we started, by its pid, and reap it
stop_pid() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# proxy_stop: the service rule goes, the relays end; also from cleanup
proxy_stop() {
	[ -n "$PX_SVC" ] && "${CTL[@]}" proxy del "$PX_SVC" >/dev/null 2>&1
	PX_SVC=
	[ -n "$PX_ROUTE" ] && ip route del unreachable "$PX_VIP/32" 2>/dev/null
	PX_ROUTE=
	stop_pid "$COPY_PID"
	stop_pid "$HP_PID"
	COPY_PID= HP_PID=
}

# proxy_run FIG MODE REP VSBENCH-ARGS...: one run through MODE's relay
proxy_run() {
	local fig=$1 mode=$2 rep=$3
	shift 3
	[ -n "${PX_OK[$mode]:-}" ] || return 0
	case $mode in
	copy) one "$fig" copy "$rep" "$CG_OFF" "$CG_OFF" -D "127.0.0.1:$COPY_PORT" "$@" ;;
	haproxy) one "$fig" haproxy "$rep" "$CG_OFF" "$CG_OFF" -D "127.0.0.1:$HP_PORT" "$@" ;;
	# the client in the attached cgroup: its connect() is the service's
	vsock) one "$fig" vsock "$rep" "$CG_OFF" "$CG_ON" -D "$PX_VIP:$PX_VPORT" "$@" ;;
	esac
}

# proxy_rows: the proxy section of run.sh, with vsockd running
proxy_rows() {
	local rep order mode size t0=$SECONDS
	proxy_start
	for rep in $(seq "$REPS"); do
		order=$(rotated "$rep" "${PX_MODES[@]}")
		for size in $PX_ST_SIZES; do
			progress "$rep" "proxy: streaming $size B writes"
			for mode in $order; do
				proxy_run "proxy.stream.$size" "$mode" "$rep" -s "$SCPU" -c "$CCPU" \
					-L "$PX_SPORT" -m "$size" -t "$DUR" stream
			done
		done
		progress "$rep" "proxy: latency 64 B"
		for mode in $order; do
			proxy_run proxy.rr.64 "$mode" "$rep" -s "$SCPU" -c "$CCPU" \
				-L "$PX_SPORT" -m 64 -n "$RR_N" -w "$RR_W" rr
		done
	done
	proxy_stop
	fact proxy_s $((SECONDS - t0))
	printf '\r%-60s\r' '' >&2
}
