#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh's second part: boot a kernel under QEMU with an initramfs from
# initramfs.sh, the console (ttyS0) to one file, the results port (ttyS1) to
# another and, as it grows, to stdout.
#
# usage: boot.sh --kernel BZIMAGE --initrd CPIO --console LOG --results LOG
#                --status FILE [--timeout SEC] [--boot-timeout SEC]
#                [--boot-tries N] [--mem MB] [--smp N] [--append "CMDLINE"]
#                [--icount SPEC]
#
# --timeout bounds the whole VM (default 900 s). A boot whose init is not up
# within --boot-timeout (default 180 s) is stopped and tried again, up to
# --boot-tries times (default 3); each hung boot's console is kept next to
# LOG as console-hung-N.log. FILE gets one line for judge.sh: QEMU's exit
# status (timeout(1)'s 124 or 137 if the VM timed out), then the number of
# boots if the last one hung, else 0. --icount SPEC passes QEMU's -icount
# SPEC (bench/'s repeatable mode: "shift=0,sleep=off", guest time counted in
# instructions so that host load does not change what the guest measures).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/opts.sh"

kernel='' initrd='' console='' results='' status=''
timeout=900 boot_timeout=180 boot_tries=3 mem=2048 smp=2 append='' icount=''
vm_options "kernel initrd console results status timeout boot-timeout
	    boot-tries mem smp append? icount?" "$@"
vm_require kernel initrd console results status
vm_files "$kernel" "$initrd"

outdir=$(cd "$(dirname "$console")" && pwd)
work=$(mktemp -d "$outdir/.boot.XXXXXX")
trap 'rm -rf "$work"' EXIT

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
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-nodefaults -nographic -monitor none -no-reboot \
		-machine q35 -cpu max,la57=off -smp "$smp" -m "$mem" \
		-kernel "$kernel" -initrd "$initrd" \
		-serial "file:$console" -serial "file:$results" \
		${icount:+-icount "$icount"} -append "$cmdline" </dev/null &
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

echo "run.sh: booting $kernel (smp $smp, $mem MB${icount:+, icount $icount}," \
     "VM timeout ${timeout}s)"
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
hung=0
[ ! -e "$work/boot-hung" ] || hung=$attempt
echo "$rc $hung" >"$status"
