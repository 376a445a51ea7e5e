#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make bench`, second step (alone: `make bench-render`): from the raw file
# of bench/run.sh, the statistics (medians, paired ratios, targets met or
# missed, targets.tsv), the results table on stdout, docs/performance.md
# (BENCH_DOC) and its plot (BENCH_PNG). Needs no root: it reads the raw file
# and writes only those two. Exits 1 when a run in the file failed, after
# writing the page that says so.
set -u

O=${O:-build}
RAW=${BENCH_RAW:-$O/bench/raw.tsv}
DOC=${BENCH_DOC:-docs/performance.md}
PNG=${BENCH_PNG:-docs/performance.png}
GNUPLOT=${GNUPLOT:-$(command -v gnuplot 2>/dev/null)}
HERE=$(dirname "$0")

die() { echo "bench: $*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

. "$HERE/stats.sh"
. "$HERE/table.sh"
. "$HERE/fanout_table.sh"
. "$HERE/report.sh"

hsize() {
	case $1 in
	1048576) echo "1 MiB" ;; 65536) echo "64 KiB" ;; 16384) echo "16 KiB" ;;
	4096) echo "4 KiB" ;; 1024) echo "1 KiB" ;; *) echo "$1 B" ;;
	esac
}

# plot_png: throughput and latency by size (plot.gp); fails without gnuplot
plot_png() {
	local size term
	for size in ${F[st_sizes]}; do
		printf '"%s" %s %s %s %s\n' "$(hsize "$size")" "$size" "${MED["stream.$size|gbps|tcp"]:-NaN}" \
			"${MED["stream.$size|gbps|vsock"]:-NaN}" "${MED["stream.$size|gbps|unix"]:-NaN}"
	done >"$TMP/tput.dat"
	for size in ${F[rr_sizes]}; do
		printf '"%s" %s %s %s %s %s %s %s\n' "$(hsize "$size")" "$size" \
			"${MED["rr.diff.$size|p50_us|tcp"]:-NaN}" "${MED["rr.diff.$size|p50_us|vsock"]:-NaN}" \
			"${MED["rr.diff.$size|p50_us|unix"]:-NaN}" "${MED["rr.same.$size|p50_us|tcp"]:-NaN}" \
			"${MED["rr.same.$size|p50_us|vsock"]:-NaN}" "${MED["rr.same.$size|p50_us|unix"]:-NaN}"
	done >"$TMP/lat.dat"
	[ -n "$GNUPLOT" ] || { note "bench: no gnuplot, no plot"; return 1; }
	if "$GNUPLOT" -e 'set terminal' 2>&1 | grep -qw pngcairo; then
		term="pngcairo size 1200,480 font 'sans,10'"
	else
		term="png size 1200,480"
	fi
	"$GNUPLOT" -e "terminal=\"$term\"; output='$PNG'; tput='$TMP/tput.dat'; lat='$TMP/lat.dat'" \
		-e "reps=${F[reps]}; kernel='${F[kernel]}'; scpu=${F[server_cpu]}; ccpu=${F[client_cpu]}" \
		"$HERE/plot.gp" 2>"$TMP/gp.err" && return 0
	note "bench: gnuplot failed: $(head -3 "$TMP/gp.err")"
	return 1
}

[ -r "$RAW" ] || die "no $RAW (make bench measures it)"
# the run's facts, "#KEY<TAB>VALUE" (run.sh)
declare -A F
while IFS=$'\t' read -r k v; do
	F[${k#\#}]=$v
done < <(grep '^#' "$RAW")
[ "${F[bench_raw]:-}" = 1 ] || die "$RAW: not a raw file of bench/run.sh"
[ -n "${F[end]:-}" ] || die "$RAW: incomplete, its run did not finish"

TMP=$(mktemp -d /tmp/vsock-render.XXXXXX) || die "mktemp"
trap 'rm -rf "$TMP"' EXIT
grep -v '^#' "$RAW" >"$TMP/measured"
stats_base "$TMP/measured" | cat "$TMP/measured" - >"$TMP/data"
stats_load "$TMP/data"
fanout_load "$TMP/data"
table_rows "$HERE/targets.tsv" "${F[sockperf]}"
counters_table "$TMP/data"

SUMMARY="$PASSES targets met, $MISSES missed"
[ "$NAVAIL" -gt 0 ] && SUMMARY+=", $NAVAIL not measured (a relay not available)"
SUMMARY+="; ${F[failed_runs]} failed runs; ${F[elapsed_s]}s"
printf '\n%s\n\n' "$TABLE"
if [ -n "${F[proxy_copy]:-}" ]; then
	printf 'Proxy rows (relay on CPU %s):\n\n%s\n' "${F[relay_cpu]}" "$PTABLE"
	notes=$(proxy_notes) && [ -n "$notes" ] && printf '%s\n' "$notes"
	echo
fi
[ -n "${F[fo_sizes]:-}" ] && printf 'Fan-out rows (sender on CPU %s, receiver on CPU %s):\n\n%s\n\n' \
	"${F[client_cpu]}" "${F[server_cpu]}" "$FTABLE"
printf '%s\n\n' "$SUMMARY"
PLOTTED=
plot_png && PLOTTED=1
report_doc "$DOC" "$RAW" "$SUMMARY" || die "cannot write $DOC"
[ -n "$PLOTTED" ] || sed -i '/^!\[throughput and latency by size\]/d' "$DOC"

echo "bench: wrote $DOC${PLOTTED:+ and $PNG} from $RAW" >&2
[ "${F[failed_runs]}" -eq 0 ] || exit 1
exit 0
