# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/run.sh: one measured run of each kind (vsbench, sockperf),
# vsock's counter deltas around it, and vsockd for the rows that need it.
# Every run appends its figures to $RAW as
#   FIGURE <TAB> MODE <TAB> REPETITION <TAB> METRIC <TAB> VALUE
# METRIC is a vsbench figure (p50_us, gbps, ...), ctr.COUNTER (a non-zero
# counter delta), "failed" or "unaccelerated" (the run is not a figure).

# vsock's global counters as "name value" lines (the Prometheus form has
# one line per counter, apart from the coverage gauges)
stats() {
	"${CTL[@]}" stats --prometheus |
		awk '/^vsock_[a-z_]+_total [0-9]+$/ { n = $1; sub(/^vsock_/, "", n); sub(/_total$/, "", n); print n, $2 }'
}

# record FIG MODE REP "k=v ...": append the figures among vsbench's output to $RAW
record() {
	local fig=$1 mode=$2 rep=$3 out=$4 kv
	for kv in $out; do
		case ${kv%%=*} in
		p50_us | p99_us | gbps | cpu_s_per_gb | sys_cpu_s_per_gb | conn_per_s | \
			cpu_us_per_fanout | sys_cpu_us_per_fanout)
			printf '%s\t%s\t%s\t%s\t%s\n' "$fig" "$mode" "$rep" "${kv%%=*}" "${kv#*=}" >>"$RAW" ;;
		esac
	done
}

# counters FIG MODE REP BEFORE AFTER: append every non-zero counter delta;
# prints the bytes_redirected delta
counters() {
	local fig=$1 mode=$2 rep=$3
	awk -v fig="$fig" -v mode="$mode" -v rep="$rep" '
		FNR == NR { b[$1] = $2; next }
		$2 ~ /^[0-9]+$/ { d = $2 - b[$1]; if ($1 == "bytes_redirected") red = d
			if (d) printf "%s\t%s\t%s\tctr.%s\t%.0f\n", fig, mode, rep, $1, d >> raw }
		END { printf "%.0f\n", red }' raw="$RAW" "$4" "$5"
}

# vsockd with its joiner, as deployed, on our pins and cgroup; its
# control socket and log in $TMP. SIGTERM keeps the attachment.
vsockd_start() {
	printf '[vsockd]\npin_root = %s\ncontrol_socket = %s\n[cgroups]\nattach = %s\n' \
		"$PIN" "$TMP/vsockd.sock" "$CG_ON" >"$TMP/vsockd.conf"
	"$VSOCKD" -c "$TMP/vsockd.conf" >"$TMP/vsockd.log" 2>&1 &
	VSOCKD_PID=$!
	for _ in $(seq 100); do
		grep -q 'ready in' "$TMP/vsockd.log" 2>/dev/null && return 0
		kill -0 "$VSOCKD_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "vsockd did not start: $(tail -2 "$TMP/vsockd.log" | tr '\n' ' ')"
}

vsockd_stop() {
	[ -n "$VSOCKD_PID" ] || return 0
	kill "$VSOCKD_PID" 2>/dev/null
	wait "$VSOCKD_PID" 2>/dev/null
	VSOCKD_PID=
}

# measured FIG MODE REP ACCEL CMD...: one run of CMD (a bench program that
# prints key=value figures) with vsock's counter deltas around it. ACCEL=1:
# the run must have used the fast path; if nothing was redirected its
# result is discarded, never reported as a vsock figure.
measured() {
	local fig=$1 mode=$2 rep=$3 accel=$4 out red
	shift 4
	stats >"$TMP/before" || die "vsockctl stats failed"
	if ! out=$("$@" 2>"$TMP/err"); then
		note "bench: FAILED $fig $mode rep $rep: $(tr '\n' ' ' <"$TMP/err")"
		FAILED=$((FAILED + 1))
		printf '%s\t%s\t%s\tfailed\t1\n' "$fig" "$mode" "$rep" >>"$RAW"
		return
	fi
	stats >"$TMP/after" || die "vsockctl stats failed"
	red=$(counters "$fig" "$mode" "$rep" "$TMP/before" "$TMP/after")
	if [ "$accel" = 1 ] && [ "$red" -eq 0 ]; then
		note "bench: $fig $mode rep $rep: nothing redirected, result discarded"
		printf '%s\t%s\t%s\tunaccelerated\t1\n' "$fig" "$mode" "$rep" >>"$RAW"
		return
	fi
	record "$fig" "$mode" "$rep" "$out"
}

# one FIG MODE REP SERVER_CG CLIENT_CG VSBENCH-ARGS...: one measured run
one() {
	local fig=$1 mode=$2 rep=$3 scg=$4 ccg=$5 accel=0
	shift 5
	# (the proxy rows' vsock relay is not the fast path: nothing to redirect)
	[ "$mode" = vsock ] && [ "${fig#noacc_}" = "$fig" ] && [ "${fig#proxy.}" = "$fig" ] && accel=1
	measured "$fig" "$mode" "$rep" "$accel" "$VSBENCH" -S "$scg" -C "$ccg" "$@"
}

# mode_run FIG MODE REP VSBENCH-ARGS...: the three modes' cgroups and families
mode_run() {
	local fig=$1 mode=$2 rep=$3
	shift 3
	case $mode in
	tcp) one "$fig" tcp "$rep" "$CG_OFF" "$CG_OFF" -f inet "$@" ;;
	vsock) one "$fig" vsock "$rep" "$CG_ON" "$CG_ON" -f inet "$@" ;;
	unix) one "$fig" unix "$rep" "$CG_OFF" "$CG_OFF" -f unix "$@" ;;
	esac
}

# rotated REP [MODE...]: the modes (default: MODES), starting one further
# each repetition
rotated() {
	local i k=$1
	shift
	local m=("$@")
	[ $# -gt 0 ] || m=("${MODES[@]}")
	k=$(((k - 1) % ${#m[@]}))
	for i in "${!m[@]}"; do printf '%s ' "${m[$(((i + k) % ${#m[@]}))]}"; done
}

# a port below the ephemeral range that no socket uses, in any state (churn
# leaves thousands of TIME_WAIT sockets behind, and sockperf binds without
# SO_REUSEADDR)
free_port() {
	local p lo
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	[ "${lo:-0}" -gt 11024 ] || lo=32768
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (lo - 11000)))
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
	echo 23456
}

# sockperf_run MODE REP: sockperf 3.7 ping-pong, 64 B, TCP, non-blocking
sockperf_run() {
	local mode=$1 rep=$2 cg port out p50 p99 red
	[ "$mode" = vsock ] && cg=$CG_ON || cg=$CG_OFF
	port=$(free_port)
	stats >"$TMP/before"
	(echo "$BASHPID" >"$cg/cgroup.procs" &&
		exec taskset -c "$SCPU" "$SOCKPERF" server --tcp --nonblocked -i 127.0.0.1 -p "$port") \
		>"$TMP/sp-server.log" 2>&1 &
	SP_PID=$!
	for _ in $(seq 50); do
		ss -Htln "sport = :$port" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	if ! kill -0 "$SP_PID" 2>/dev/null; then
		wait "$SP_PID" 2>/dev/null
		SP_PID=
		note "bench: FAILED sockperf $mode rep $rep: server: $(tail -2 "$TMP/sp-server.log" | tr '\n' ' ')"
		FAILED=$((FAILED + 1))
		return
	fi
	# sockperf 3.7 gives up when its non-blocking connect() says EINPROGRESS
	# (on loopback it usually completes at once): try again, twice at most
	for _ in 1 2 3; do
		out=$( (echo "$BASHPID" >"$cg/cgroup.procs" &&
			exec timeout $((SP_T + 20)) taskset -c "$CCPU" "$SOCKPERF" ping-pong --tcp --nonblocked \
				-i 127.0.0.1 -p "$port" -m 64 -t "$SP_T" --full-rtt) 2>&1)
		case $out in *"connect socket"*"in progress"*) continue ;; esac
		break
	done
	kill "$SP_PID" 2>/dev/null
	wait "$SP_PID" 2>/dev/null
	SP_PID=
	stats >"$TMP/after"
	p50=$(printf '%s\n' "$out" | awk '/percentile 50.000 =/ { print $NF }')
	p99=$(printf '%s\n' "$out" | awk '/percentile 99.000 =/ { print $NF }')
	if [ -z "$p50" ] || [ -z "$p99" ]; then
		note "bench: FAILED sockperf $mode rep $rep: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"
		FAILED=$((FAILED + 1))
		return
	fi
	red=$(counters sockperf "$mode" "$rep" "$TMP/before" "$TMP/after")
	if [ "$mode" = vsock ] && [ "$red" -eq 0 ]; then
		note "bench: sockperf vsock rep $rep: nothing redirected, result discarded"
		printf 'sockperf\tvsock\t%s\tunaccelerated\t1\n' "$rep" >>"$RAW"
		return
	fi
	record sockperf "$mode" "$rep" "p50_us=$p50 p99_us=$p99"
}

progress() { printf '\r  rep %d/%d: %-40s' "$1" "$REPS" "$2" >&2; }
