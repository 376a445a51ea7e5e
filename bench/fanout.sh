# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/run.sh: the fan-out rows (issue 14). bench/fanout sends
# SIZE bytes to N loopback TCP sockets per fan-out, from CPU $CCPU, and a
# receiver thread on CPU $SCPU reads all N copies. Four modes:
#   multi      one vsock_send_multi() call (libvsock, io_uring), attached
#              cgroup: the sockets are on the fast path
#   loop       a loop of send(), attached cgroup
#   multi.tcp  vsock_send_multi(), a cgroup never attached: plain TCP
#   loop.tcp   a loop of send(), plain TCP
# Figures fanout.SIZE.N: p50_us, p99_us (until the last receiver has the
# bytes), cpu_us_per_fanout (the sending thread), sys_cpu_us_per_fanout
# (the whole machine). A run in the attached cgroup in which nothing was
# redirected is discarded ("unaccelerated"), as in measure.sh's one();
# bench/fanout fails a multi run that did not use io_uring.

FO_SIZES="1024 65536"
FO_NS="1 16 256"
FO_MODES=(multi loop multi.tcp loop.tcp)

# fo_one FIG MODE REP FANOUT-ARGS...: one measured run (measure.sh)
fo_one() {
	local fig=$1 mode=$2 rep=$3 cg=$CG_ON accel=1
	shift 3
	[ "${mode%.tcp}" = "$mode" ] || { cg=$CG_OFF; accel=0; }
	measured "$fig" "$mode" "$rep" "$accel" \
		"$FANOUT" -C "$cg" -s "$CCPU" -r "$SCPU" -M "${mode%.tcp}" "$@"
}

# fanout_rows: the fan-out section of run.sh (no vsockd needed)
fanout_rows() {
	local rep order mode size n t0=$SECONDS
	fact fo_sizes "$FO_SIZES"
	fact fo_ns "$FO_NS"
	fact fo_dur_s "$FO_DUR"
	for rep in $(seq "$REPS"); do
		order=$(rotated "$rep" "${FO_MODES[@]}")
		for size in $FO_SIZES; do
			for n in $FO_NS; do
				progress "$rep" "fan-out: $size B to $n sockets"
				for mode in $order; do
					fo_one "fanout.$size.$n" "$mode" "$rep" -n "$n" -m "$size" -t "$FO_DUR"
				done
			done
		done
	done
	fact fanout_s $((SECONDS - t0))
	printf '\r%-60s\r' '' >&2
}
