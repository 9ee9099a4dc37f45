# SPDX-License-Identifier: GPL-2.0
# portbench P1: requests/s and the server's CPU per request, one bar per
# server variant (medians).
# gnuplot -e "datafile='...'; outfile='...'" port.gp
set terminal pngcairo size 1000,480 font ",10" noenhanced
set output outfile
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set grid ytics
set key off
set xtics rotate by -25
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set multiplot layout 1,2 title "portbench P1: 64-connection echo, completion port vs liburing (QEMU TCG guest, medians)"
set title "requests/s (higher is better)"
plot datafile using 2:xtic(1) lc rgb "#4477aa"
set title "server CPU per request, us (lower is better)"
plot datafile using 3:xtic(1) lc rgb "#cc6677"
unset multiplot
