# SPDX-License-Identifier: GPL-2.0
# W1 connections/s against concurrency, one line per way of ending a
# connection; the blocking forms as points at concurrency 1.
# gnuplot -e "datafile='...'; outfile='...'" throughput.gp
set terminal pngcairo size 900,560 font ",11" noenhanced
set output outfile
set title "dcxbench W1 churn: connect, 1 KiB each way, disconnect (QEMU TCG guest, medians)"
set xlabel "connections in flight (one thread, one io_uring)"
set ylabel "connections/s"
set logscale x 2
set xrange [0.7:1500]
set xtics (1, 4, 16, 64, 256, 1024)
set logscale y
set yrange [*:*]
set grid
set key bottom right
plot datafile using 1:2 with linespoints lw 2 pt 7 title "fresh socket", \
     datafile using 1:3 with linespoints lw 2 pt 5 title "emulated reuse", \
     datafile using 1:4 with linespoints lw 2 pt 9 title "kernel DCX_CMD_DISCONNECT", \
     datafile using 1:5 with points pt 6 ps 2 title "fresh, blocking", \
     datafile using 1:6 with points pt 4 ps 2 title "emulated, blocking", \
     datafile using 1:7 with points pt 8 ps 2 title "kernel ioctl, blocking"
