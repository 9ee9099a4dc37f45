# SPDX-License-Identifier: GPL-2.0
# serverbench W3: connections/s and the server's CPU per connection, one bar
# per server and concurrency (medians).
# gnuplot -e "datafile='...'; outfile='...'" w3.gp
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
set multiplot layout 1,2 title "W3: IOCP server through libdisconnectex vs native epoll server (QEMU TCG guest, medians)"
set title "connections/s (higher is better)"
plot datafile using 2:xtic(1) lc rgb "#4477aa"
set title "server CPU per connection, us (lower is better)"
plot datafile using 3:xtic(1) lc rgb "#cc6677"
unset multiplot
