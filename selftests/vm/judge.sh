#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh's third part: judge a test VM's run from its results port (TAP,
# init's verdicts and the DCX-VM-DONE marker) and its console (no kernel
# splat, splats.txt). Also re-judges a kept console.log and results.log.
#
# usage: judge.sh --tap OUTFILE --console LOG --results LOG
#                 [--qemu-exit N] [--boot-hung N] [--timeout SEC]
#
# --qemu-exit, --boot-hung and --timeout say how the VM ended, as boot.sh's
# status file does: QEMU's exit status (default 0), how many boots hung if
# the last one did (default 0), the VM's time limit (for the message only,
# default 900).
#
# OUTFILE gets one normalized TAP line per result: "ok - DESC",
# "not ok - DESC" or "ok - DESC # SKIP reason"; a program that skips itself
# as a whole (kselftest's "1..0 # SKIP reason" and exit 4, KSFT_SKIP) is
# "ok - PROG # SKIP reason". Exit status 0 only if nothing failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	sed -n '/^# usage:/,/^#$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

tap='' console='' results='' rc=0 hung=0 vm_timeout=900
while [ $# -gt 0 ]; do
	case $1 in
	--tap)		tap=${2:?}; shift 2 ;;
	--console)	console=${2:?}; shift 2 ;;
	--results)	results=${2:?}; shift 2 ;;
	--qemu-exit)	rc=${2:?}; shift 2 ;;
	--boot-hung)	hung=${2:?}; shift 2 ;;
	--timeout)	vm_timeout=${2:?}; shift 2 ;;
	-h|--help)	usage ;;
	*)		echo "judge.sh: unknown argument $1" >&2; usage ;;
	esac
done
if [ -z "$tap" ] || [ -z "$console" ] || [ -z "$results" ]; then
	usage
fi
for f in "$console" "$results"; do
	[ -f "$f" ] || { echo "run.sh: $f: no such file" >&2; exit 2; }
done

# The strings init.c looks for in the kernel log (splats.txt).
splats=$here/splats.txt
# The results, normalized as the host tests' are (scripts/tap.awk).
out=()
lines=$(awk -v vm=1 -f "$here/../../scripts/tap.awk" "$results")
[ -z "$lines" ] || mapfile -t out <<<"$lines"

if grep -Eq $'^DCX-VM-DONE\r?$' "$results"; then
	out+=("ok - vm: run completed")
elif [ "$hung" != 0 ]; then
	out+=("not ok - vm: run completed (boot hung $hung times)")
elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	out+=("not ok - vm: run completed (VM timed out after ${vm_timeout}s)")
elif grep -q 'Kernel panic' "$console"; then
	out+=("not ok - vm: run completed (kernel panic)")
else
	out+=("not ok - vm: run completed (no DCX-VM-DONE; qemu exit $rc)")
fi
if grep -Fq -f "$splats" "$console"; then
	out+=("not ok - vm: console clean")
	echo "run.sh: kernel splats on the console:"
	grep -F -f "$splats" "$console" | head -n 50 || true
else
	out+=("ok - vm: console clean")
fi

printf '%s\n' "${out[@]}" >"$tap"
if grep -q '^not ok' "$tap"; then
	echo "run.sh: ---- last 200 lines of $console ----"
	tail -n 200 "$console"
	echo "run.sh: ---- failures ----"
	grep '^not ok' "$tap"
	exit 1
fi
echo "run.sh: all $(wc -l <"$tap") results passed or skipped: $tap"
