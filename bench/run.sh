#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make bench`, first step: measure loopback TCP, vsock-accelerated TCP and
# AF_UNIX side by side into one raw file. bench/render.sh, the second step,
# turns that file into the table, docs/performance.md and the plot, and needs
# no root, so a report can be redone without measuring again.
#
# The proxy rows (bench/proxy.sh) put a relay between client and server:
# bench/copyrelay, HAProxy, vsockd's proxy mode. The fan-out rows
# (bench/fanout.sh): one buffer to 1, 16 and 256 sockets, vsock_send_multi()
# against a loop of send(). SECTIONS=fanout measures only those.
#
# Two throwaway cgroups (vsock-bench-$$-on, attached; vsock-bench-$$-off, not)
# and a private pin root; every run forks a server and a client (bench/vsbench.c)
# that join their cgroup and pin themselves to a CPU before creating sockets.
# Repetitions are interleaved across modes.
# Writes $O/bench/raw.tsv (BENCH_RAW): "#KEY<TAB>VALUE" lines with the run's
# facts, then one line per figure, mode, repetition and metric (measure.sh).
# Exits 0 once that file is complete, failed runs included: they are in it,
# and the render reports them. A trap removes everything it created, whatever happens.
set -u

O=${O:-build}
QUICK=${QUICK:-}
# SECTIONS: which parts run (all by default); a part left out leaves its
# rows unmeasured in the table. For profiling one part, e.g. SECTIONS=proxy.
SECTIONS_ALL="core vsockd proxy fanout sockperf"
SECTIONS=${SECTIONS:-$SECTIONS_ALL}
section() { [[ " $SECTIONS " == *" $1 "* ]]; }
[ "$QUICK" = 0 ] && QUICK=
VSOCKCTL=${VSOCKCTL:-$O/vsockctl}
VSBENCH=${VSBENCH:-$O/bench/vsbench}
VSOCKD=${VSOCKD:-$O/vsockd}
SOCKPERF=${SOCKPERF:-$(command -v sockperf 2>/dev/null)}
COPYRELAY=${COPYRELAY:-$O/bench/copyrelay}
HAPROXY=${HAPROXY-$(PATH=$PATH:/usr/sbin command -v haproxy 2>/dev/null)}
RAW=${BENCH_RAW:-$O/bench/raw.tsv}
FANOUT=${FANOUT:-$O/bench/fanout}

if [ -n "$QUICK" ]; then
	REPS=3 DUR=0.5 RR_N=5000 RR_W=500 SP_T=2 SP_REPS=1
else
	REPS=5 DUR=2 RR_N=10000 RR_W=1000 SP_T=4 SP_REPS=3
fi
# the table's rows (bench/targets.tsv) name these sizes
RR_SIZES="64 1024 16384"
ST_SIZES="64 4096 16384 65536 1048576"
NA_SIZES="65536 1048576"
PX_ST_SIZES="65536 1048576"
[ -n "$QUICK" ] && FO_DUR=0.3 || FO_DUR=1
MODES=(tcp vsock unix)

die() { echo "bench: $*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }
# fact KEY VALUE: one "#KEY<TAB>VALUE" line of the raw file, for the report
fact() { printf '#%s\t%s\n' "$1" "$2" >>"$RAW"; }

. "$(dirname "$0")/measure.sh"
. "$(dirname "$0")/proxy.sh"
. "$(dirname "$0")/fanout.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (BPF programs, cgroups)"
[ -x "$VSOCKCTL" ] || die "no $VSOCKCTL (run make)"
[ -x "$VSBENCH" ] || die "no $VSBENCH (run make $VSBENCH)"
[ -x "$VSOCKD" ] || die "no $VSOCKD (run make)"
[ -x "$COPYRELAY" ] || die "no $COPYRELAY (run make $COPYRELAY)"
[ -x "$FANOUT" ] || die "no $FANOUT (run make $FANOUT)"
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG2" ] || die "no cgroup2 mount"

NCPU=$(nproc)
SCPU=0
if [ "$NCPU" -ge 2 ]; then CCPU=1; else CCPU=0; note "bench: one CPU only: 'different CPUs' runs share CPU 0"; fi
RCPU=$CCPU	# the proxy rows' relay, with the client (bench/proxy.sh)

CG_ON=$CG2/vsock-bench-$$-on
CG_OFF=$CG2/vsock-bench-$$-off
PIN=/sys/fs/bpf/vsock-bench-$$
TMP=$(mktemp -d /tmp/vsock-bench-$$.XXXXXX) || die "mktemp"
# private copies: a rebuild of $O during the run must not change the tools
# that loaded (and will unload) our pins
cp "$VSOCKCTL" "$TMP/vsockctl" && cp "$VSBENCH" "$TMP/vsbench" && cp "$VSOCKD" "$TMP/vsockd" &&
	cp "$COPYRELAY" "$TMP/copyrelay" && cp "$FANOUT" "$TMP/fanout" || { rm -rf "$TMP"; die "copy tools"; }
VSOCKCTL=$TMP/vsockctl VSBENCH=$TMP/vsbench VSOCKD=$TMP/vsockd COPYRELAY=$TMP/copyrelay FANOUT=$TMP/fanout
VSOCKD_PID=
CTL=("$VSOCKCTL" --pin-root "$PIN")
SP_PID=
CREATED_PIN=

cleanup() {
	local rc=$? cg pid
	trap - EXIT INT TERM HUP PIPE
	if [ -n "$SP_PID" ] && kill -0 "$SP_PID" 2>/dev/null; then
		kill "$SP_PID" 2>/dev/null
		wait "$SP_PID" 2>/dev/null
	fi
	proxy_stop
	if [ -n "$VSOCKD_PID" ]; then	# started by vsockd_start
		kill "$VSOCKD_PID" 2>/dev/null
		wait "$VSOCKD_PID" 2>/dev/null
	fi
	# whatever is still in our cgroups was started by this script
	for cg in "$CG_ON" "$CG_OFF"; do
		[ -f "$cg/cgroup.procs" ] || continue
		while read -r pid; do
			kill -KILL "$pid" 2>/dev/null
		done <"$cg/cgroup.procs"
	done
	if [ -n "$CREATED_PIN" ] && [ -d "$PIN" ]; then
		"${CTL[@]}" unload --force >/dev/null || rc=1
	fi
	for cg in "$CG_ON" "$CG_OFF"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -d "$cg" ] || break
			rmdir "$cg" 2>/dev/null || sleep 0.2
		done
		[ -d "$cg" ] && note "bench: $cg is left behind" && rc=1
	done
	[ -d "$PIN" ] && note "bench: $PIN is left behind" && rc=1
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE

mkdir "$CG_ON" "$CG_OFF" || exit 1
CREATED_PIN=1
"${CTL[@]}" attach "$CG_ON" >/dev/null || die "attach $CG_ON failed"
mkdir -p "$(dirname "$RAW")" || exit 1
: >"$RAW"

FAILED=0
START=$(date +%s)
# the facts the report prints; the render refuses a file without "#end"
if [ -n "${MAKELEVEL:-}" ]; then
	CMD="make bench${QUICK:+ QUICK=$QUICK}"
	[ "$O" = build ] || CMD+=" O=$O"
else
	CMD="O=$O${QUICK:+ QUICK=$QUICK} bench/run.sh"
fi
[ "$SECTIONS" = "$SECTIONS_ALL" ] || CMD="SECTIONS='$SECTIONS' $CMD"
fact bench_raw 1
fact command "$CMD"
fact commit "$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
fact cpus "$NCPU"
fact model "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
fact kernel "$(uname -r)"
fact load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
fact reps "$REPS"
fact dur_s "$DUR"
fact rr_n "$RR_N"
fact rr_w "$RR_W"
fact sp_reps "$SP_REPS"
fact sp_t "$SP_T"
fact sockperf "${SOCKPERF:+yes}"
fact server_cpu "$SCPU"
fact client_cpu "$CCPU"
fact rr_sizes "$RR_SIZES"
fact st_sizes "$ST_SIZES"
fact relay_cpu "$RCPU"
fact px_st_sizes "$PX_ST_SIZES"
fact haproxy_version "$([ -n "$HAPROXY" ] && "$HAPROXY" -v 2>/dev/null | awk 'NR == 1 { print $3 }')"

echo "bench: ${QUICK:+QUICK, }$REPS repetitions, ${DUR}s per streaming/churn run, $RR_N round trips per latency run" >&2
echo "bench: server on CPU $SCPU, client on CPU $CCPU ('same CPU': both on $SCPU), proxy rows' relay on CPU $RCPU; pin root $PIN" >&2

for rep in $(seq "$REPS"); do
	section core || break
	order=$(rotated "$rep")
	for place in diff same; do
		[ "$place" = diff ] && cc=$CCPU || cc=$SCPU
		for size in $RR_SIZES; do
			progress "$rep" "latency $size B ($place CPU)"
			for mode in $order; do
				mode_run "rr.$place.$size" "$mode" "$rep" -s "$SCPU" -c "$cc" \
					-m "$size" -n "$RR_N" -w "$RR_W" rr
			done
		done
	done
	# busy polling: no wake-up in a round trip (one placement: two
	# spinners on one CPU only measure the scheduler's time slice)
	progress "$rep" "latency 64 B, busy polling"
	for mode in $order; do
		mode_run "rrspin.diff.64" "$mode" "$rep" -s "$SCPU" -c "$CCPU" \
			-m 64 -n "$RR_N" -w "$RR_W" -B rr
	done
	for size in $ST_SIZES; do
		progress "$rep" "streaming $size B writes"
		for mode in $order; do
			mode_run "stream.$size" "$mode" "$rep" -s "$SCPU" -c "$CCPU" -m "$size" -t "$DUR" stream
		done
	done
	progress "$rep" "connection churn"
	for mode in $order; do
		mode_run churn "$mode" "$rep" -s "$SCPU" -c "$CCPU" -t "$DUR" churn
	done
	for size in $NA_SIZES; do
		progress "$rep" "not accelerated, $size B writes"
		args=(-f inet -s "$SCPU" -c "$CCPU" -m "$size" -t "$DUR" stream)
		for k in $(seq 0 2); do
			case $(((k + rep) % 3)) in
			0)	# no vsock anywhere: the baseline of both figures
				one "noacc_base.$size" tcp "$rep" "$CG_OFF" "$CG_OFF" "${args[@]}" ;;
			1)	# client (sender) attached, server not
				one "noacc_cli.$size" vsock "$rep" "$CG_OFF" "$CG_ON" "${args[@]}" ;;
			2)	# server (receiver) attached, client not
				one "noacc_srv.$size" vsock "$rep" "$CG_ON" "$CG_OFF" "${args[@]}" ;;
			esac
		done
	done
done
printf '\r%-60s\r' '' >&2

# ---- vsockd running: sockets join at their first non-blocking use ----
vsockd_start
for rep in $(seq "$REPS"); do
	section vsockd || break
	order=$(rotated "$rep")
	progress "$rep" "vsockd: late switch, streaming 64 KiB"
	for mode in $order; do
		mode_run late.stream.65536 "$mode" "$rep" -s "$SCPU" -c "$CCPU" -M late \
			-m 65536 -t "$DUR" stream
	done
	progress "$rep" "vsockd: late switch, latency 1 KiB"
	for mode in $order; do
		mode_run late.rr.diff.1024 "$mode" "$rep" -s "$SCPU" -c "$CCPU" -M late \
			-m 1024 -n "$RR_N" -w "$RR_W" rr
	done
	progress "$rep" "vsockd: blocking sockets, streaming 64 KiB"
	for mode in $order; do
		mode_run noacc_blk.65536 "$mode" "$rep" -s "$SCPU" -c "$CCPU" -M blocking \
			-m 65536 -t "$DUR" stream
	done
	progress "$rep" "vsockd: connection churn"
	for mode in $order; do
		mode_run noacc_churn "$mode" "$rep" -s "$SCPU" -c "$CCPU" -t "$DUR" churn
	done
done
printf '\r%-60s\r' '' >&2
# ---- a relay between client and server, vsockd's among them ----
section proxy && proxy_rows
vsockd_stop
# ---- one buffer to many sockets: vsock_send_multi() and send() ----
section fanout && fanout_rows

if ! section sockperf; then
	:
elif [ -n "$SOCKPERF" ]; then
	for rep in $(seq "$SP_REPS"); do
		printf '\r  sockperf ping-pong %d/%d%-20s' "$rep" "$SP_REPS" '' >&2
		if [ $((rep % 2)) -eq 1 ]; then m="tcp vsock"; else m="vsock tcp"; fi
		for mode in $m; do sockperf_run "$mode" "$rep"; done
	done
	printf '\r%-60s\r' '' >&2
else
	note "bench: no sockperf, cross-check skipped"
fi
fact load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
fact elapsed_s "$(($(date +%s) - START))"
fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
fact failed_runs "$FAILED"
fact end 1

[ "$FAILED" -eq 0 ] || note "bench: $FAILED failed runs (in the report)"
note "bench: raw figures in $RAW"
exit 0
