# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/render.sh: the fan-out table (figures fanout.*, measured
# by bench/fanout.sh) into FTABLE, its verdicts counted with the others.
# The ratio is vsock_send_multi()'s figure over the loop of send()'s,
# paired within a repetition like every other ratio of the report.

FTABLE="| fan-out | loop of send() | vsock_send_multi | multi/loop | loop, plain TCP | multi, plain TCP | multi/loop, plain TCP | target | result |
|---|---|---|---|---|---|---|---|---|"

# fanout_load DATA: paired ratios multi/loop into PR[fig|metric|loop] (fast
# path) and PR[fig|metric|loop.tcp] (plain TCP), for judge()
fanout_load() {
	local f m b r
	while IFS=$'\t' read -r f m b r; do
		PR["$f|$m|$b"]=$r
	done < <(awk -F'\t' -v OFS='\t' '$1 ~ /^fanout\./ && $4 !~ /^(ctr\.|unaccelerated$|failed$)/ {
			v[$1 OFS $4 OFS $3 OFS $2] = $5; k[$1 OFS $4] = 1; reps[$3] = 1 }
		END {
			for (fm in k) for (t = 0; t < 2; t++) {
				sfx = t ? ".tcp" : ""; n = 0
				for (r in reps) {
					x = v[fm OFS r OFS "multi" sfx]; y = v[fm OFS r OFS "loop" sfx]
					if (x != "" && y != "" && y > 0) q[++n] = x / y
				}
				if (!n) continue
				for (a = 2; a <= n; a++) { z = q[a]; for (c = a - 1; c >= 1 && q[c] > z; c--) q[c + 1] = q[c]; q[c + 1] = z }
				print fm, "loop" sfx, (n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2)
			}
		}' "$1")
}

fo_fmt() { # fo_fmt METRIC VALUE
	[ -z "$2" ] && { echo "—"; return; }
	case $1 in
	p50_us | p99_us | cpu_us_per_fanout | sys_cpu_us_per_fanout) printf '%.1f µs' "$2" ;;
	esac
}

# fanout_row LABEL FIG METRIC OP TARGET: one row of FTABLE; the verdict is
# on the fast path's pair (multi and loop in the attached cgroup)
fanout_row() {
	local label=$1 fig=$2 m=$3 op=$4 tgt=$5 tcp_ratio
	local l=${MED["$fig|$m|loop"]:-} v=${MED["$fig|$m|multi"]:-}
	local lt=${MED["$fig|$m|loop.tcp"]:-} vt=${MED["$fig|$m|multi.tcp"]:-}
	judge "$fig" "$m" "$op" "$tgt" loop.tcp "$vt" "$lt"
	tcp_ratio=$RATIO
	judge "$fig" "$m" "$op" "$tgt" loop "$v" "$l"
	count "$VERDICT"
	FTABLE+=$'\n'"| $label | $(fo_fmt "$m" "$l") | $(fo_fmt "$m" "$v") | $RATIO | $(fo_fmt "$m" "$lt") | $(fo_fmt "$m" "$vt") | $tcp_ratio | $(target "$op" "$tgt") | $VERDICT |"
}

# fanout_section: the page's fan-out part (none in a raw file without it)
fanout_section() {
	[ -n "${F[fo_sizes]:-}" ] || return 0
	cat <<EOF2
## Fan-out: vsock_send_multi() against a loop of send()

Issue 14's rows: one process sends the same buffer to 1, 16 and 256
loopback TCP sockets (\`bench/fanout.c\`, from CPU ${F[client_cpu]}); a receiver
thread on CPU ${F[server_cpu]} reads every copy. Each fan-out is either one
\`vsock_send_multi()\` call (libvsock, io_uring: docs/libvsock.md) or a loop
of \`send()\`, in the attached cgroup (the sockets are on the fast path) and
in one never attached (plain TCP); ${F[fo_dur_s]} s per run, modes rotated
every repetition, ratios paired within a repetition.

$FTABLE

- **latency**: from just before the send call to the receiver's read of
  the last byte of the last copy; one fan-out at a time.
- **CPU per fan-out**: CPU time of the sending thread across the call (and
  the rare resume of a short send), per fan-out: what the call costs its
  caller. Redirected bytes are queued to the receiver in the sender's
  context, so that work is in it too.
EOF2
}
