# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The plot of docs/performance.md: streaming throughput and p50 latency by
# size, three modes. bench/render.sh runs it as
#   gnuplot -e "terminal='...'; output='...'; tput='...'; lat='...';
#               reps=N; kernel='...'; scpu=N; ccpu=N" bench/plot.gp
# tput: "LABEL" SIZE TCP VSOCK UNIX (Gbit/s); lat: "LABEL" SIZE and p50 µs
# of TCP, vsock, AF_UNIX on different CPUs, then the same on one CPU.
set terminal @terminal
set termoption noenhanced
set output output
set multiplot layout 1,2 title sprintf("vsock bench: loopback TCP vs vsock vs AF_UNIX (medians of %d runs, %s)", reps, kernel)
set logscale x 2
set grid
set key top left
set title sprintf("Streaming throughput (server CPU %d, client CPU %d; log scale)", scpu, ccpu)
set xlabel "write size"
set ylabel "Gbit/s"
set logscale y 10
set xrange [32:2097152]
plot tput using 2:3:xtic(1) with linespoints lw 2 pt 7 title "loopback TCP", \
     '' using 2:4 with linespoints lw 2 pt 5 title "vsock", \
     '' using 2:5 with linespoints lw 2 pt 9 title "AF_UNIX"
set title "Request/response latency p50 (lower is better)"
set xlabel "message size"
set ylabel "round trip, µs"
unset logscale y
set yrange [0:*]
set xrange [32:32768]
set key bottom right
plot lat using 2:3:xtic(1) with linespoints lw 2 pt 7 title "TCP, different CPUs", \
     '' using 2:4 with linespoints lw 2 pt 5 title "vsock, different CPUs", \
     '' using 2:5 with linespoints lw 2 pt 9 title "AF_UNIX, different CPUs", \
     '' using 2:6 with linespoints lw 1 dt 2 pt 7 lc 1 title "TCP, same CPU", \
     '' using 2:7 with linespoints lw 1 dt 2 pt 5 lc 2 title "vsock, same CPU", \
     '' using 2:8 with linespoints lw 1 dt 2 pt 9 lc 3 title "AF_UNIX, same CPU"
unset multiplot
