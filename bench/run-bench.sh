#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run dcxbench and/or portbench in one boot of the test VM, then pick their
# results out of the results port's log (the VM shares no filesystem with
# the host). dcxbench: results.csv, throughput.png; portbench: port.csv,
# idle.csv, syscalls.csv, port.png; both: targets.csv and table.txt, in OUTDIR.
#
# usage: run-bench.sh OUTDIR KIMAGE MODULE VM_TIMEOUT [--dcxbench BINARY "ARGS"] [--portbench BINARY "ARGS"]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n 's/^# usage: //p' "$0" >&2; exit 2; }
[ $# -ge 4 ] || usage
out=$1 kimage=$2 module=$3 vm_timeout=$4
shift 4
dcx_bin='' dcx_args='' port_bin='' port_args=''
while [ $# -gt 0 ]; do
	[ $# -ge 3 ] || usage
	case $1 in
	--dcxbench)	dcx_bin=$2 dcx_args=$3 ;;
	--portbench)	port_bin=$2 port_args=$3 ;;
	*)		usage ;;
	esac
	shift 3
done
[ -n "$dcx_bin$port_bin" ] || usage

for f in "$kimage" "$module" $dcx_bin $port_bin; do
	if [ ! -f "$f" ]; then
		echo "run-bench: $f: no such file (make module? KIMAGE=? MODULE=?)" >&2
		exit 2
	fi
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{results,targets,profile,port,idle,syscalls}.csv \
	"$out"/{table.txt,throughput.dat,throughput.png,port.dat,port.png}

files=() execs=()
if [ -n "$dcx_bin" ]; then
	files+=(--files "$dcx_bin:/bin/dcxbench")
	execs+=(--exec "dcxbench $dcx_args")
fi
if [ -n "$port_bin" ]; then
	files+=(--files "$port_bin:/bin/portbench")
	execs+=(--exec "portbench $port_args")
fi

# The per-program limit inside the VM must not cut the run short.
start=$SECONDS
rc=0
"$here/../selftests/vm/run.sh" --kernel "$kimage" --module "$module" \
	--tap "$out/vm.tap" --timeout "$vm_timeout" --mem 3072 \
	--append "slab_nomerge dcx.timeout=$((vm_timeout - 60))" \
	"${files[@]}" "${execs[@]}" || rc=$?
wall=$((SECONDS - start))

log=$out/results.log
tr -d '\r' <"$log" >"$out/.results.log"
sed -n 's/^DCXBENCH-CSV: //p' "$out/.results.log" >"$out/results.csv"
sed -n 's/^PORTBENCH-CSV: //p' "$out/.results.log" >"$out/port.csv"
sed -n 's/^PORTBENCH-IDLE: //p' "$out/.results.log" >"$out/idle.csv"
sed -n 's/^PORTBENCH-SYSCALLS: //p' "$out/.results.log" >"$out/syscalls.csv"
# One header for both programs' targets.
sed -n 's/^\(DCX\|PORT\)BENCH-TARGET: //p' "$out/.results.log" |
	awk '$0 != "target,value,goal,verdict" || !seen++' >"$out/targets.csv"
sed -n "s/^DCXBENCH-PROFILE: //p" "$out/.results.log" >"$out/profile.csv"
{
	sed -n '/^DCXBENCH-TABLE-BEGIN$/,/^DCXBENCH-TABLE-END$/{//!p}' "$out/.results.log"
	if grep -q '^DCXBENCH-TABLE-BEGIN$' "$out/.results.log" &&
	   grep -q '^PORTBENCH-TABLE-BEGIN$' "$out/.results.log"; then
		echo
	fi
	sed -n '/^PORTBENCH-TABLE-BEGIN$/,/^PORTBENCH-TABLE-END$/{//!p}' "$out/.results.log"
} >"$out/table.txt"
rm -f "$out/.results.log"
for f in results port idle syscalls profile; do
	[ -s "$out/$f.csv" ] || rm -f "$out/$f.csv"
done

if [ ! -s "$out/table.txt" ]; then
	echo "run-bench: no results in $log (VM ran ${wall} s)" >&2
	exit 1
fi

# dcxbench: medians of the ring variants of W1, one column per way, by
# concurrency; the blocking forms as points at concurrency 1.
if [ -f "$out/results.csv" ]; then
	{
		echo "# conc fresh emulated kernel fresh-blk emulated-blk kernel-blk"
		awk -F, '
		$1 == "median" && $3 == "W1" {
			rate[$6, $4 (($5 == "blocking") ? "-blk" : "")] = $10
			concs[$6] = 1
		}
		END {
			split("fresh emulated kernel fresh-blk emulated-blk kernel-blk", ways, " ")
			for (c in concs) {
				line = c
				for (w = 1; w <= 6; w++)
					line = line " " (((c, ways[w]) in rate) ? rate[c, ways[w]] : "NaN")
				print line
			}
		}' "$out/results.csv" | sort -n
	} >"$out/throughput.dat"
	if [ "$(wc -l <"$out/throughput.dat")" -gt 1 ]; then
		gnuplot -e "datafile='$out/throughput.dat'; outfile='$out/throughput.png'" \
			"$here/throughput.gp" || rc=1
	fi
fi

# portbench: P1 medians, one bar per server variant.
if [ -f "$out/port.csv" ]; then
	{
		echo "# variant req_per_s server_us_per_req"
		awk -F, '$1 == "median" { print $4, $10, $11 }' "$out/port.csv"
	} >"$out/port.dat"
	if [ "$(wc -l <"$out/port.dat")" -gt 1 ]; then
		gnuplot -e "datafile='$out/port.dat'; outfile='$out/port.png'" \
			"$here/port.gp" || rc=1
	fi
fi

echo
echo "==== medians ($out/table.txt) ===="
cat "$out/table.txt"
echo
echo "==== targets ($out/targets.csv) ===="
column -s, -t <"$out/targets.csv" 2>/dev/null || cat "$out/targets.csv"
echo
for f in results.csv port.csv idle.csv syscalls.csv throughput.png port.png; do
	[ -f "$out/$f" ] && echo "  $out/$f"
done
echo "wall time: ${wall} s (VM boot to shutdown), run.sh exit status $rc"
exit "$rc"
