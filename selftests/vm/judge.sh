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
. "$here/opts.sh"

tap='' console='' results='' qemu_exit=0 boot_hung=0 timeout=900
vm_options "tap console results qemu-exit boot-hung timeout" "$@"
vm_require tap console results
vm_files "$console" "$results"

# The strings init.c looks for in the kernel log (splats.txt).
splats=$here/splats.txt
# The results, normalized as the host tests' are (scripts/tap.awk).
out=()
lines=$(awk -v vm=1 -f "$here/../../scripts/tap.awk" "$results")
[ -z "$lines" ] || mapfile -t out <<<"$lines"

if grep -Eq $'^DCX-VM-DONE\r?$' "$results"; then
	out+=("ok - vm: run completed")
elif [ "$boot_hung" != 0 ]; then
	out+=("not ok - vm: run completed (boot hung $boot_hung times)")
elif [ "$qemu_exit" = 124 ] || [ "$qemu_exit" = 137 ]; then
	out+=("not ok - vm: run completed (VM timed out after ${timeout}s)")
elif grep -q 'Kernel panic' "$console"; then
	out+=("not ok - vm: run completed (kernel panic)")
else
	out+=("not ok - vm: run completed (no DCX-VM-DONE; qemu exit $qemu_exit)")
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
