# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/render.sh: the report's two tables from the arrays of
# stats.sh. TABLE gets the results (one row per line of targets.tsv) and
# PASSES/MISSES count the verdicts; COUNTERS gets vsock's counters per figure.

# counters not worth a column in the report (socket life cycle)
BORING="sock_created sock_released sock_destroyed established inserted non_tcp mptcp
msg_redirected msg_passed bytes_redirected bytes_passed events events_lost"

fmt() { # fmt METRIC VALUE
	[ -z "$2" ] && { echo "—"; return; }
	case $1 in
	p50_us | p99_us) printf '%.1f µs' "$2" ;;
	gbps) printf '%.2f Gbit/s' "$2" ;;
	cpu_s_per_gb) printf '%.3f s/GB' "$2" ;;
	conn_per_s) printf '%.0f /s' "$2" ;;
	esac
}

# fast-path share of the vsock runs of FIG
fastpath() {
	local r=${CTR["$1|vsock|bytes_redirected"]:-0} p=${CTR["$1|vsock|bytes_passed"]:-0}
	if [ $((r + p)) -eq 0 ]; then echo "—"; else awk -v r="$r" -v p="$p" 'BEGIN { x = 100 * r / (r + p)
		if (r > 0 && x < 0.1) print "<0.1%"; else if (p > 0 && x > 99.9) print ">99.9%"; else printf "%.1f%%\n", x }'; fi
}

PASSES=0 MISSES=0
TABLE="| figure | loopback TCP | vsock | AF_UNIX | vsock/TCP | target | result | bytes redirected |
|---|---|---|---|---|---|---|---|"
# row LABEL FIG METRIC OP TARGET BASE: one table row; OP is <= or >=; BASE tcp or unix
row() {
	local label=$1 fig=$2 m=$3 op=$4 tgt=$5 base=$6
	local t=${MED["$fig|$m|tcp"]:-} v=${MED["$fig|$m|vsock"]:-} u=${MED["$fig|$m|unix"]:-}
	local b pr ratio verdict vcell unacc=${UNACC["$fig|vsock"]:-0} n=${N["$fig|$m|vsock"]:-0}
	[ "$base" = unix ] && b=$u || b=$t
	vcell=$(fmt "$m" "$v")
	if [ -z "$v" ] && [ "$unacc" -gt 0 ]; then
		vcell="not accelerated"
		ratio="—"
		verdict="**MISS** (not accelerated)"
	elif [ -z "$v" ] || [ -z "$b" ]; then
		ratio="—"
		verdict="no data"
	else
		# two decimals, three where two would look like the target itself
		pr=${PR["$fig|$m|$base"]:-}
		[ -n "$pr" ] || pr=$(awk -v a="$v" -v b="$b" 'BEGIN { print a / b }')
		ratio=$(awk -v r="$pr" -v t="$tgt" 'BEGIN { f = "%.2f×"
			if (t != "—" && sprintf("%.2f", r) == sprintf("%.2f", t) && r != t) f = "%.3f×"
			printf f, r }')
		if [ "$tgt" = "—" ]; then
			verdict="—"
		elif awk -v r="$pr" -v t="$tgt" -v op="$op" \
			'BEGIN { exit !(op == "<=" ? r <= t + 1e-9 : r >= t - 1e-9) }'; then
			verdict="PASS"
		else
			verdict="**MISS**"
		fi
		[ "$unacc" -gt 0 ] && vcell="$vcell ($n reps; $unacc not accelerated)"
	fi
	case $verdict in PASS) PASSES=$((PASSES + 1)) ;; *MISS*) MISSES=$((MISSES + 1)) ;; esac
	[ "$base" = unix ] && ratio="$ratio of AF_UNIX"
	[ "$tgt" = "—" ] || { [ "$op" = "<=" ] && tgt="≤ $tgt×" || tgt="≥ $tgt×"; }
	TABLE+=$'\n'"| $label | $(fmt "$m" "$t") | $vcell | $(fmt "$m" "$u") | $ratio | $tgt | $verdict | $(fastpath "$fig") |"
}

# table_rows TARGETS WITH_SOCKPERF: a row for every target, in the file's order
table_rows() {
	local fig m op tgt base label
	while IFS=$'\t' read -r fig m op tgt base label; do
		case $fig in '' | '#'*) continue ;; esac
		[ "$fig" != sockperf ] || [ -n "$2" ] || continue
		row "$label" "$fig" "$m" "$op" "$tgt" "$base"
	done <"$1"
}

# counters_table DATA: counters of the vsock runs, summed over repetitions
counters_table() {
	local fig k key c other
	COUNTERS="| figure | bytes redirected | bytes passed | other counters (non-zero) |
|---|---|---|---|"
	for fig in $(awk -F'\t' '$2 == "vsock" { print $1 }' "$1" | sort -u -V); do
		other=""
		for k in $(for key in "${!CTR[@]}"; do [[ $key == "$fig|vsock|"* ]] && echo "$key"; done | sort); do
			c=${k##*|}
			case " $(echo $BORING) " in *" $c "*) continue ;; esac
			[ "${CTR[$k]}" != 0 ] && other+="$c ${CTR[$k]}, "
		done
		other=${other%, }
		COUNTERS+=$'\n'"| $fig | ${CTR["$fig|vsock|bytes_redirected"]:-0} | ${CTR["$fig|vsock|bytes_passed"]:-0} | ${other:-—} |"
	done
}
