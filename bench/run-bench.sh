#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run dcxbench in the test VM, then pick its results out of the results
# port's log (the VM shares no filesystem with the host): results.csv,
# targets.csv, table.txt and throughput.png in OUTDIR.
#
# usage: run-bench.sh OUTDIR KIMAGE MODULE VM_TIMEOUT BINARY [DCXBENCH ARGS...]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 5 ] || { sed -n 's/^# usage: //p' "$0" >&2; exit 2; }
out=$1 kimage=$2 module=$3 vm_timeout=$4 bin=$5
shift 5

for f in "$kimage" "$module" "$bin"; do
	if [ ! -f "$f" ]; then
		echo "run-bench: $f: no such file (make module? KIMAGE=? MODULE=?)" >&2
		exit 2
	fi
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{results,targets,profile}.csv "$out"/{table.txt,throughput.dat,throughput.png}

# The per-program limit inside the VM must not cut the run short.
start=$SECONDS
rc=0
"$here/../selftests/vm/run.sh" --kernel "$kimage" --module "$module" \
	--tap "$out/vm.tap" --timeout "$vm_timeout" --mem 3072 \
	--append "slab_nomerge dcx.timeout=$((vm_timeout - 60))" \
	--files "$bin:/bin/dcxbench" --exec "dcxbench $*" || rc=$?
wall=$((SECONDS - start))

log=$out/results.log
tr -d '\r' <"$log" >"$out/.results.log"
sed -n 's/^DCXBENCH-CSV: //p' "$out/.results.log" >"$out/results.csv"
sed -n 's/^DCXBENCH-TARGET: //p' "$out/.results.log" >"$out/targets.csv"
sed -n "s/^DCXBENCH-PROFILE: //p" "$out/.results.log" >"$out/profile.csv"
[ -s "$out/profile.csv" ] || rm -f "$out/profile.csv"
sed -n '/^DCXBENCH-TABLE-BEGIN$/,/^DCXBENCH-TABLE-END$/{//!p}' \
	"$out/.results.log" >"$out/table.txt"
rm -f "$out/.results.log"

if [ ! -s "$out/table.txt" ]; then
	echo "run-bench: no results in $log (VM ran ${wall} s)" >&2
	exit 1
fi

# Medians of the ring variants of W1, one column per way, by concurrency;
# the blocking forms as points at concurrency 1.
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

echo
echo "==== dcxbench: medians ($out/table.txt) ===="
cat "$out/table.txt"
echo
echo "==== targets ($out/targets.csv) ===="
column -s, -t <"$out/targets.csv" 2>/dev/null || cat "$out/targets.csv"
echo
echo "results: $out/results.csv  plot: $out/throughput.png"
echo "wall time: ${wall} s (VM boot to shutdown), run.sh exit status $rc"
exit "$rc"
