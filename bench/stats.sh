# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by bench/render.sh: the statistics of a raw file's figure lines
# (FIGURE MODE REP METRIC VALUE, no "#" lines), into global arrays:
#   MED[fig|metric|mode]  median over the repetitions kept
#   N[fig|metric|mode]    how many repetitions that is
#   CTR[fig|mode|counter] a counter's deltas, summed over repetitions
#   UNACC[fig|mode]       runs discarded because nothing was redirected
#   PR[fig|metric|base]   paired ratio vsock/base (below); base tcp or unix,
#                         copy or haproxy for the proxy rows
declare -A MED N CTR UNACC PR

# stats_base DATA: the baseline belongs to both not-accelerated figures, as
# their "tcp" column (measured once per repetition, in the same loop)
stats_base() {
	awk -F'\t' -v OFS='\t' '$1 ~ /^noacc_base\./ { s = $1; sub(/^noacc_base/, "", s)
		$1 = "noacc_cli" s; print; $1 = "noacc_srv" s; print }' "$1"
}

# stats_load DATA: fill the arrays above
stats_load() {
	local data=$1 f m mo v n c b r
	while IFS=$'\t' read -r f m mo v n; do
		MED["$f|$m|$mo"]=$v
		N["$f|$m|$mo"]=$n
	done < <(grep -v -P '\t(ctr\.[a-z_]+|unaccelerated|failed)\t' "$data" |
		sort -t$'\t' -k1,1 -k4,4 -k2,2 -k5,5g |
		awk -F'\t' -v OFS='\t' '
			function flush() { if (cnt) print pf, pm, pmo, (cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2), cnt }
			{ k = $1 SUBSEP $4 SUBSEP $2
			  if (k != prev) { flush(); cnt = 0; prev = k; pf = $1; pm = $4; pmo = $2 }
			  v[++cnt] = $5 }
			END { flush() }')
	while IFS=$'\t' read -r f mo c v; do
		case $c in
		ctr.*) CTR["$f|$mo|${c#ctr.}"]=$v ;;
		unaccelerated) UNACC["$f|$mo"]=$v ;;
		esac
	done < <(awk -F'\t' -v OFS='\t' '$4 ~ /^(ctr\.|unaccelerated$|failed$)/ { s[$1 OFS $2 OFS $4] += $5 }
		END { for (k in s) printf "%s\t%.0f\n", k, s[k] }' "$data")

	# paired: the median over repetitions of vsock/base measured in the same
	# repetition (adjacent in time): the machine's slow phases, which move
	# every mode of a repetition together, cancel out of each ratio
	while IFS=$'\t' read -r f m b r; do
		PR["$f|$m|$b"]=$r
	done < <(grep -v -P '\t(ctr\.[a-z_]+|unaccelerated|failed)\t' "$data" |
		awk -F'\t' -v OFS='\t' '{ v[$1 OFS $4 OFS $3 OFS $2] = $5; k[$1 OFS $4] = 1; reps[$3] = 1 }
		END {
			for (fm in k) {
				nb = split("tcp unix copy haproxy", bl, " ")
				for (i = 1; i <= nb; i++) {
					n = 0
					for (r in reps) {
						x = v[fm OFS r OFS "vsock"]; y = v[fm OFS r OFS bl[i]]
						if (x != "" && y != "" && y > 0) q[++n] = x / y
					}
					if (!n) continue
					for (a = 2; a <= n; a++) { t = q[a]; for (c = a - 1; c >= 1 && q[c] > t; c--) q[c + 1] = q[c]; q[c + 1] = t }
					print fm, bl[i], (n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2)
				}
			}
		}')
}
