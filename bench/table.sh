# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/render.sh: the report's two tables from the arrays of
# stats.sh. TABLE gets the results (one row per line of targets.tsv),
# PTABLE the proxy rows (figures proxy.*, bench/proxy.sh) and PASSES/MISSES/
# NAVAIL count the verdicts; COUNTERS gets vsock's counters per figure.

# counters not worth a column in the report (socket life cycle)
BORING="sock_created sock_released sock_destroyed established inserted non_tcp mptcp
msg_redirected msg_passed bytes_redirected bytes_passed events events_lost"

fmt() { # fmt METRIC VALUE
	[ -z "$2" ] && { echo "—"; return; }
	case $1 in
	p50_us | p99_us) printf '%.1f µs' "$2" ;;
	gbps) printf '%.2f Gbit/s' "$2" ;;
	cpu_s_per_gb | sys_cpu_s_per_gb) printf '%.3f s/GB' "$2" ;;
	conn_per_s) printf '%.0f /s' "$2" ;;
	esac
}

# fast-path share of the vsock runs of FIG
fastpath() {
	local r=${CTR["$1|vsock|bytes_redirected"]:-0} p=${CTR["$1|vsock|bytes_passed"]:-0}
	if [ $((r + p)) -eq 0 ]; then echo "—"; else awk -v r="$r" -v p="$p" 'BEGIN { x = 100 * r / (r + p)
		if (r > 0 && x < 0.1) print "<0.1%"; else if (p > 0 && x > 99.9) print ">99.9%"; else printf "%.1f%%\n", x }'; fi
}

PASSES=0 MISSES=0 NAVAIL=0
TABLE="| figure | loopback TCP | vsock | AF_UNIX | vsock/TCP | target | result | bytes redirected |
|---|---|---|---|---|---|---|---|"
# row LABEL FIG METRIC OP TARGET BASE: one table row; OP is <= or >=; BASE tcp or unix
row() {
	local label=$1 fig=$2 m=$3 op=$4 tgt=$5 base=$6
	local t=${MED["$fig|$m|tcp"]:-} v=${MED["$fig|$m|vsock"]:-} u=${MED["$fig|$m|unix"]:-}
	local b vcell unacc=${UNACC["$fig|vsock"]:-0} n=${N["$fig|$m|vsock"]:-0}
	[ "$base" = unix ] && b=$u || b=$t
	vcell=$(fmt "$m" "$v")
	if [ -z "$v" ] && [ "$unacc" -gt 0 ]; then
		vcell="not accelerated"
		RATIO="—"
		VERDICT="**MISS** (not accelerated)"
	else
		judge "$fig" "$m" "$op" "$tgt" "$base" "$v" "$b"
		[ -n "$v" ] && [ "$unacc" -gt 0 ] && vcell="$vcell ($n reps; $unacc not accelerated)"
	fi
	count "$VERDICT"
	[ "$base" = unix ] && RATIO="$RATIO of AF_UNIX"
	TABLE+=$'\n'"| $label | $(fmt "$m" "$t") | $vcell | $(fmt "$m" "$u") | $RATIO | $(target "$op" "$tgt") | $VERDICT | $(fastpath "$fig") |"
}

# judge FIG METRIC OP TARGET BASE V B: RATIO (the paired ratio of vsock's V
# to the base's B, as the cell shows it) and VERDICT
judge() {
	local fig=$1 m=$2 op=$3 tgt=$4 base=$5 v=$6 b=$7 pr
	if [ -z "$v" ] || [ -z "$b" ]; then
		RATIO="—"
		VERDICT="no data"
		return
	fi
	# two decimals, three where two would look like the target itself
	pr=${PR["$fig|$m|$base"]:-}
	[ -n "$pr" ] || pr=$(awk -v a="$v" -v b="$b" 'BEGIN { print a / b }')
	RATIO=$(awk -v r="$pr" -v t="$tgt" 'BEGIN { f = "%.2f×"
		if (t != "—" && sprintf("%.2f", r) == sprintf("%.2f", t) && r != t) f = "%.3f×"
		printf f, r }')
	if [ "$tgt" = "—" ]; then
		VERDICT="—"
	elif awk -v r="$pr" -v t="$tgt" -v op="$op" \
		'BEGIN { exit !(op == "<=" ? r <= t + 1e-9 : r >= t - 1e-9) }'; then
		VERDICT="PASS"
	else
		VERDICT="**MISS**"
	fi
}

count() {
	case $1 in PASS) PASSES=$((PASSES + 1)) ;; *MISS*) MISSES=$((MISSES + 1)) ;; esac
}

target() { # target OP TARGET: the cell
	if [ "$2" = "—" ]; then echo "—"; elif [ "$1" = "<=" ]; then echo "≤ $2×"; else echo "≥ $2×"; fi
}

# the proxy rows' relays (bench/proxy.sh), as the table names them
declare -A RELAY=([copy]="copy relay" [haproxy]="HAProxy" [vsock]="vsock relay")
PTABLE="| figure | copy relay (epoll) | HAProxy (splice) | vsock relay (kernel) | vsock/base | target | result |
|---|---|---|---|---|---|---|"
# proxy_row LABEL FIG METRIC OP TARGET BASE: one row of PTABLE; BASE copy
# or haproxy; a relay that did not run (fact proxy_MODE) is "not available"
proxy_row() {
	local label=$1 fig=$2 m=$3 op=$4 tgt=$5 base=$6 mo cells=""
	for mo in copy haproxy vsock; do
		if [ -n "${MED["$fig|$m|$mo"]:-}" ]; then
			cells+="$(fmt "$m" "${MED["$fig|$m|$mo"]}") | "
		elif [ "${F["proxy_$mo"]:-}" != yes ]; then
			cells+="not available | "
		else
			cells+="— | "
		fi
	done
	if [ "${F[proxy_vsock]:-}" != yes ] || [ "${F["proxy_$base"]:-}" != yes ]; then
		RATIO="—"
		VERDICT="not measured"
		NAVAIL=$((NAVAIL + 1))
	else
		judge "$fig" "$m" "$op" "$tgt" "$base" "${MED["$fig|$m|vsock"]:-}" "${MED["$fig|$m|$base"]:-}"
		count "$VERDICT"
		[ "$RATIO" = "—" ] || RATIO="$RATIO of ${RELAY[$base]}"
	fi
	PTABLE+=$'\n'"| $label | $cells$RATIO | $(target "$op" "$tgt") | $VERDICT |"
}

# proxy_notes: why a relay of the proxy rows did not run, one line each
# after an empty one; nothing when all ran
proxy_notes() {
	local mo first=1
	for mo in copy haproxy vsock; do
		[ "${F["proxy_$mo"]:-yes}" = yes ] && continue
		[ -n "$first" ] && echo && first=
		printf -- '- %s not available: %s\n' "${RELAY[$mo]}" "${F["proxy_$mo"]}"
	done
}

# table_rows TARGETS WITH_SOCKPERF: a row for every target, in the file's order
table_rows() {
	local fig m op tgt base label
	while IFS=$'\t' read -r fig m op tgt base label; do
		case $fig in '' | '#'*) continue ;; esac
		[ "$fig" != sockperf ] || [ -n "$2" ] || continue
		case $fig in
		proxy.*)	# a raw file from before the proxy rows has none
			[ -n "${F[proxy_copy]:-}" ] && proxy_row "$label" "$fig" "$m" "$op" "$tgt" "$base" ;;
		fanout.*)	# bench/fanout_table.sh; none before the fan-out rows
			[ -n "${F[fo_sizes]:-}" ] && fanout_row "$label" "$fig" "$m" "$op" "$tgt" ;;
		*) row "$label" "$fig" "$m" "$op" "$tgt" "$base" ;;
		esac
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
