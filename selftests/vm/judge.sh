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
out=()
prog='' planned=0 seen=0 finished=0 running='' skipped=''
# kselftest's whole-program skip: "1..0 # SKIP reason", then exit 4.
skip_re='^1\.\.0 +# +SKIP *(.*)$'

missing_check() {
	if [ -n "$prog" ] && [ "$seen" -lt "$planned" ]; then
		out+=("not ok - $prog: missing results ($seen of $planned)")
	fi
}

while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	if [[ $line =~ ^#\ vm:\ running\ ([^ ]+) ]]; then
		missing_check
		prog=$(basename "${BASH_REMATCH[1]}") planned=0 seen=0 running=''
		skipped=''
		continue
	fi
	if [[ $line =~ $skip_re ]]; then
		skipped=${BASH_REMATCH[1]:-no reason given}
		continue
	fi
	if [[ $line =~ ^#\ +RUN\ +([^ ]+) ]]; then
		running=${BASH_REMATCH[1]}
		continue
	fi
	if [[ $line =~ ^1\.\.([0-9]+) ]]; then
		planned=$((planned + BASH_REMATCH[1]))
		continue
	fi
	[ "$line" = DCX-VM-DONE ] && finished=1
	[[ $line =~ ^(not )?ok\ ([0-9]*)\ *-?\ *(.*)$ ]] || continue
	status=${BASH_REMATCH[1]:+not }ok num=${BASH_REMATCH[2]}
	desc=${BASH_REMATCH[3]}
	directive='' reason=''
	# A TAP directive: the first " # " followed by SKIP or XFAIL.
	if [[ " $desc" == *" # "* ]]; then
		rest=" $desc"
		rest=${rest#* \# }
		word=${rest%% *}
		case ${word^^} in
		SKIP|XFAIL)
			directive=${word^^}
			desc=" $desc"
			desc=${desc%% \# *}
			desc=${desc# }
			reason=${rest#"$word"}
			reason=${reason# }
			;;
		esac
	fi
	# 6.1's harness prints a skipped test as "ok N # SKIP why", no name.
	[ -n "$desc" ] || desc=${running:-test $num}
	if [[ $desc == "vm: "* ]]; then
		missing_check
		# Exit 4 is KSFT_SKIP: the program skipped itself, not a failure.
		if [ -n "$prog" ] && [ "$desc" = "vm: $prog exited 4" ]; then
			out+=("ok - $prog # SKIP ${skipped:-exit 4 (KSFT_SKIP)}")
			prog=''
			continue
		fi
		prog=''		# init's verdict on a program closes it
	else
		seen=$((seen + 1))
		desc="${prog:-unknown}: $desc"
	fi
	case $directive in
	SKIP)	out+=("ok - $desc # SKIP $reason") ;;
	XFAIL)	out+=("ok - $desc (XFAIL: $reason)") ;;
	*)	out+=("$status - $desc") ;;
	esac
done <"$results"
missing_check

if [ "$finished" = 1 ]; then
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
