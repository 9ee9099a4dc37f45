#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU with an initramfs holding init.c as PID 1, the
# module and the test programs; judge the run from the results port.
#
# usage: run.sh --kernel BZIMAGE --module KO --tap OUTFILE
#               [--timeout SEC] [--boot-timeout SEC] [--boot-tries N]
#               [--mem MB] [--smp N] [--append "CMDLINE"]
#               [--files "HOST:GUEST ..."] [--exec "PROG ARGS"]... [PROG...]
#
# Each positional PROG (a static binary) goes to /bin in the VM and is run
# without arguments; --exec "PROG ARGS" runs PROG (a positional, or a file
# given with --files; a bare name means /bin/NAME) with ARGS. Programs run in
# command-line order. --timeout bounds the whole VM (default 900 s); each
# program is killed after 600 s, or after N s with --append dcx.timeout=N.
# A boot whose init is not up within --boot-timeout (default 180 s) is
# stopped and tried again, up to --boot-tries times (default 3); each hung
# boot's console is kept as console-hung-N.log.
#
# OUTFILE gets one normalized TAP line per result: "ok - DESC",
# "not ok - DESC" or "ok - DESC # SKIP reason"; a program that skips itself
# as a whole (kselftest's "1..0 # SKIP reason" and exit 4, KSFT_SKIP) is
# "ok - PROG # SKIP reason". console.log (ttyS0) and results.log (ttyS1)
# stay next to it. Exit status 0 only if nothing failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	sed -n '/^# usage:/,/^#$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

kernel='' module='' tap='' vm_timeout=900 boot_timeout=180 boot_tries=3
mem=2048 smp=2 append='' files=()
plan=()		# "bin NAME" for a positional, "exec LINE" for --exec
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2:?}; shift 2 ;;
	--module)	module=${2:?}; shift 2 ;;
	--tap)		tap=${2:?}; shift 2 ;;
	--timeout)	vm_timeout=${2:?}; shift 2 ;;
	--boot-timeout)	boot_timeout=${2:?}; shift 2 ;;
	--boot-tries)	boot_tries=${2:?}; shift 2 ;;
	--mem)		mem=${2:?}; shift 2 ;;
	--smp)		smp=${2:?}; shift 2 ;;
	--append)	append=${2?}; shift 2 ;;
	--files)	read -ra f <<<"${2?}"; files+=("${f[@]}"); shift 2 ;;
	--exec)		plan+=("exec ${2:?}"); shift 2 ;;
	-h|--help)	usage ;;
	-*)		echo "run.sh: unknown option $1" >&2; usage ;;
	*)		plan+=("bin $1"); shift ;;
	esac
done
if [ -z "$kernel" ] || [ -z "$module" ] || [ -z "$tap" ]; then
	usage
fi
for f in "$kernel" "$module"; do
	[ -f "$f" ] || { echo "run.sh: $f: no such file" >&2; exit 2; }
done

outdir=$(cd "$(dirname "$tap")" && pwd)
tap=$outdir/$(basename "$tap")
console=$outdir/console.log
results=$outdir/results.log
work=$(mktemp -d "$outdir/.vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- initramfs -------------------------------------------------------------
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp}
# splats.txt holds one fixed string per line: init.c takes them as the
# initialiser splats.h, the judge below as grep -F patterns. An empty line
# would match everything, a quote or backslash would break the C.
if grep -qE '^$|["\\]' "$here/splats.txt"; then
	echo "run.sh: splats.txt: empty line, quote or backslash" >&2
	exit 2
fi
sed 's/.*/"&",/' "$here/splats.txt" >"$work/splats.h"
gcc -static -O2 -Wall -Wextra -Werror -iquote "$work" -o "$root/init" \
	"$here/init.c"
cp "$module" "$root/disconnectex.ko"
for spec in "${files[@]}"; do
	host=${spec%%:*} guest=${spec#*:}
	if [ "$host" = "$spec" ] || [ ! -f "$host" ]; then
		echo "run.sh: --files: bad HOST:GUEST '$spec'" >&2
		exit 2
	fi
	mkdir -p "$root/$(dirname "$guest")"
	cp -p "$host" "$root/$guest"
done
: >"$root/plan"
for entry in "${plan[@]}"; do
	if [ "${entry%% *}" = bin ]; then
		prog=${entry#bin }
		[ -f "$prog" ] || { echo "run.sh: $prog: no such file" >&2; exit 2; }
		cp -p "$prog" "$root/bin/"
		echo "/bin/$(basename "$prog")" >>"$root/plan"
	else
		read -ra words <<<"${entry#exec }"
		case ${words[0]} in /*) ;; *) words[0]=/bin/${words[0]} ;; esac
		echo "${words[*]}" >>"$root/plan"
	fi
done
# Every program must be in the image by now (positional or --files).
while read -r prog _; do
	[ -x "$root$prog" ] || { echo "run.sh: $prog is not in the initramfs" >&2; exit 2; }
done <"$root/plan"
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initramfs.cpio"

# --- boot --------------------------------------------------------------------
# -cpu max without la57: with 5-level paging, KASAN on 6.1 reports a false
# "wild-memory-access" when an interrupt hits identify_cpu() while it has
# cleared the LA57 capability bit (seen booting the debug kernel).
# panic_on_warn and oops=panic turn any splat into a missing DCX-VM-DONE;
# panic=-1 with -no-reboot makes a panic end QEMU at once. The default
# dcx.timeout comes first so that one in --append overrides it.
cmdline="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1"
cmdline+=" loglevel=5 dcx.timeout=600 $append"

# One boot: QEMU in the background, the results port copied to stdout as it
# grows. If init has not said it is up within boot_timeout seconds, the
# kernel hung before our code ran: stop QEMU and leave a mark for a retry.
# (Seen here: the debug kernel's PROVE_RCU self-test of RCU Tasks Trace,
# synchronize_rcu_tasks_trace() in rcu_init_tasks_generic(), never returns
# in about one boot in ten under TCG: the boot CPU idles, the second is not
# started yet, jiffies advance. Nothing of ours is loaded yet, and a reboot
# gets past it.)
boot() {
	: >"$console"
	: >"$results"
	rm -f "$work/boot-hung"
	timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
		-nodefaults -nographic -monitor none -no-reboot \
		-machine q35 -cpu max,la57=off -smp "$smp" -m "$mem" \
		-kernel "$kernel" -initrd "$work/initramfs.cpio" \
		-serial "file:$console" -serial "file:$results" \
		-append "$cmdline" </dev/null &
	qemu=$!
	(
		waited=0
		while kill -0 "$qemu" 2>/dev/null; do
			grep -q '^# vm: disconnectex test VM up' "$results" && exit 0
			if [ "$waited" -ge "$boot_timeout" ]; then
				kill "$qemu" 2>/dev/null && : >"$work/boot-hung"
				exit 0
			fi
			sleep 1
			waited=$((waited + 1))
		done
	) &
	watchdog=$!
	# The base64 payload of init's gcov dump (dcx.gcov=1) is for
	# scripts/coverage.sh, which reads results.log: keep it off the terminal.
	tail -n +1 -f --pid="$qemu" "$results" |
		grep --line-buffered -v '^# gcov ' || true
	rc=0
	wait "$qemu" || rc=$?
	wait "$watchdog" || true
}

echo "run.sh: booting $kernel (smp $smp, $mem MB, VM timeout ${vm_timeout}s)"
echo "run.sh: console: $console"
start=$SECONDS
attempt=1
while :; do
	boot
	[ -e "$work/boot-hung" ] || break
	echo "run.sh: boot $attempt of $boot_tries hung: init not up after" \
	     "${boot_timeout}s; last console lines:"
	tail -n 5 "$console"
	cp "$console" "$outdir/console-hung-$attempt.log"
	[ "$attempt" -lt "$boot_tries" ] || break
	attempt=$((attempt + 1))
done
echo "run.sh: VM ran $((SECONDS - start)) s, exit status $rc"

# --- judge ---------------------------------------------------------------
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
elif [ -e "$work/boot-hung" ]; then
	out+=("not ok - vm: run completed (boot hung $attempt times)")
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
