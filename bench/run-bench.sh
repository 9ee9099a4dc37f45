#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run dcxbench, portbench and/or serverbench in one boot of the test VM,
# then pick their results out of the results port's log (the VM shares no
# filesystem with the host). dcxbench: results.csv, throughput.png;
# portbench: port.csv, idle.csv, syscalls.csv, port.png; serverbench (W3):
# w3.csv, w3-medians.csv, w3.png; all: targets.csv and table.txt, in OUTDIR.
# serverbench's servers (iocp_server, epoll_server) are taken from the
# directory of its binary. --repeatable boots one vCPU whose clock counts
# instructions (QEMU -icount shift=0,sleep=off: host load no longer changes
# what the guest measures) and passes --repeatable to dcxbench (README.md,
# "Repeatable mode").
#
# --module-b KO gives dcxbench a second build of the module to compare
# (dcxbench --module-b: the A/B row).
#
# usage: run-bench.sh OUTDIR KIMAGE MODULE VM_TIMEOUT [--repeatable] [--module-b KO] [--dcxbench BINARY "ARGS"] [--portbench BINARY "ARGS"] [--serverbench BINARY "ARGS"]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n 's/^# usage: //p' "$0" >&2; exit 2; }
[ $# -ge 4 ] || usage
out=$1 kimage=$2 module=$3 vm_timeout=$4
shift 4
dcx_bin='' dcx_args='' port_bin='' port_args='' srv_bin='' srv_args=''
repeatable=0 module_b=''
while [ $# -gt 0 ]; do
	if [ "$1" = --repeatable ]; then
		repeatable=1
		shift
		continue
	fi
	if [ "$1" = --module-b ] && [ $# -ge 2 ]; then
		module_b=$2
		shift 2
		continue
	fi
	[ $# -ge 3 ] || usage
	case $1 in
	--dcxbench)	dcx_bin=$2 dcx_args=$3 ;;
	--portbench)	port_bin=$2 port_args=$3 ;;
	--serverbench)	srv_bin=$2 srv_args=$3 ;;
	*)		usage ;;
	esac
	shift 3
done
[ -n "$dcx_bin$port_bin$srv_bin" ] || usage
# The repeatable mode: one vCPU, guest time in instructions (one guest ns
# per instruction; an idle guest's clock jumps to its next timer).
vm_opts=()
if [ "$repeatable" = 1 ]; then
	vm_opts=(--smp 1 --icount shift=0,sleep=off)
	[ -z "$dcx_bin" ] || dcx_args="$dcx_args --repeatable"
fi
srv_progs=()
if [ -n "$srv_bin" ]; then
	srv_dir=$(dirname "$srv_bin")
	srv_progs=("$srv_dir/iocp_server" "$srv_dir/epoll_server")
fi

for f in "$kimage" "$module" $module_b $dcx_bin $port_bin $srv_bin "${srv_progs[@]}"; do
	if [ ! -f "$f" ]; then
		echo "run-bench: $f: no such file (make module? KIMAGE=? MODULE=?)" >&2
		exit 2
	fi
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{results,targets,profile,port,idle,syscalls,w3,w3-medians}.csv \
	"$out"/{table.txt,throughput.dat,throughput.png,port.dat,port.png,w3.dat,w3.png}

files=() execs=()
if [ -n "$module_b" ]; then
	[ -n "$dcx_bin" ] || usage
	files+=(--files "$(realpath "$module_b"):/disconnectex-b.ko")
	dcx_args="$dcx_args --module-b /disconnectex-b.ko"
fi
if [ -n "$dcx_bin" ]; then
	files+=(--files "$dcx_bin:/bin/dcxbench")
	execs+=(--exec "dcxbench $dcx_args")
fi
if [ -n "$port_bin" ]; then
	files+=(--files "$port_bin:/bin/portbench")
	execs+=(--exec "portbench $port_args")
fi
if [ -n "$srv_bin" ]; then
	files+=(--files "$srv_bin:/bin/serverbench ${srv_progs[0]}:/bin/iocp_server ${srv_progs[1]}:/bin/epoll_server")
	execs+=(--exec "serverbench $srv_args")
fi

# The per-program limit inside the VM must not cut the run short.
start=$SECONDS
rc=0
"$here/../selftests/vm/run.sh" --kernel "$kimage" --module "$module" \
	--tap "$out/vm.tap" --timeout "$vm_timeout" --mem 3072 "${vm_opts[@]}" \
	--append "slab_nomerge dcx.timeout=$((vm_timeout - 60))" \
	"${files[@]}" "${execs[@]}" || rc=$?
wall=$((SECONDS - start))

log=$out/results.log
tr -d '\r' <"$log" >"$out/.results.log"
sed -n 's/^DCXBENCH-CSV: //p' "$out/.results.log" >"$out/results.csv"
sed -n 's/^PORTBENCH-CSV: //p' "$out/.results.log" >"$out/port.csv"
sed -n 's/^PORTBENCH-IDLE: //p' "$out/.results.log" >"$out/idle.csv"
sed -n 's/^PORTBENCH-SYSCALLS: //p' "$out/.results.log" >"$out/syscalls.csv"
sed -n 's/^SERVERBENCH-CSV: //p' "$out/.results.log" >"$out/w3.csv"
sed -n 's/^SERVERBENCH-MEDIAN: //p' "$out/.results.log" >"$out/w3-medians.csv"
# One header for the programs' targets.
sed -n 's/^\(DCX\|PORT\|SERVER\)BENCH-TARGET: //p' "$out/.results.log" |
	awk '$0 != "target,value,goal,verdict" || !seen++' >"$out/targets.csv"
sed -n "s/^DCXBENCH-PROFILE: //p" "$out/.results.log" >"$out/profile.csv"
{
	sed -n '/^DCXBENCH-TABLE-BEGIN$/,/^DCXBENCH-TABLE-END$/{//!p}' "$out/.results.log"
	if grep -q '^DCXBENCH-TABLE-BEGIN$' "$out/.results.log" &&
	   grep -q '^PORTBENCH-TABLE-BEGIN$' "$out/.results.log"; then
		echo
	fi
	sed -n '/^PORTBENCH-TABLE-BEGIN$/,/^PORTBENCH-TABLE-END$/{//!p}' "$out/.results.log"
	if grep -q '^SERVERBENCH-TABLE-BEGIN$' "$out/.results.log"; then
		echo
		sed -n '/^SERVERBENCH-TABLE-BEGIN$/,/^SERVERBENCH-TABLE-END$/{//!p}' \
			"$out/.results.log" | grep -v '^SERVERBENCH-'
	fi
} >"$out/table.txt"
rm -f "$out/.results.log"
for f in results port idle syscalls profile w3 w3-medians; do
	[ -s "$out/$f.csv" ] || rm -f "$out/$f.csv"
done

if [ ! -s "$out/table.txt" ]; then
	echo "run-bench: no results in $log (VM ran ${wall} s)" >&2
	exit 1
fi

# $out/NAME.png from $out/NAME.dat by $here/NAME.gp, if it holds data.
plot() {
	if [ "$(wc -l <"$out/$1.dat")" -gt 1 ]; then
		gnuplot -e "datafile='$out/$1.dat'; outfile='$out/$1.png'" \
			"$here/$1.gp" || rc=1
	fi
}

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
	plot throughput
fi

# portbench: P1 medians, one bar per server variant.
if [ -f "$out/port.csv" ]; then
	{
		echo "# variant req_per_s server_us_per_req"
		awk -F, '$1 == "median" { print $4, $10, $11 }' "$out/port.csv"
	} >"$out/port.dat"
	plot port
fi

# serverbench: medians, one bar per server and concurrency.
if [ -f "$out/w3-medians.csv" ]; then
	{
		echo "# server/conc conns_per_s server_us_per_conn"
		awk -F, 'NR > 1 { print $1 "/" $2, $4, $5 }' "$out/w3-medians.csv"
	} >"$out/w3.dat"
	plot w3
fi

echo
echo "==== medians ($out/table.txt) ===="
cat "$out/table.txt"
echo
echo "==== targets ($out/targets.csv) ===="
column -s, -t <"$out/targets.csv" 2>/dev/null || cat "$out/targets.csv"
echo
for f in results.csv port.csv idle.csv syscalls.csv w3.csv w3-medians.csv \
	 throughput.png port.png w3.png; do
	[ -f "$out/$f" ] && echo "  $out/$f"
done
echo "wall time: ${wall} s (VM boot to shutdown), run.sh exit status $rc"
exit "$rc"
