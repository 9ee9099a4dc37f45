#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU with an initramfs holding init.c as PID 1, the
# module and the test programs; judge the run from the results port. The
# three jobs are initramfs.sh, boot.sh and judge.sh; this is their one
# entry point.
#
# usage: run.sh --kernel BZIMAGE --module KO --tap OUTFILE
#               [--timeout SEC] [--boot-timeout SEC] [--boot-tries N]
#               [--mem MB] [--smp N] [--append "CMDLINE"] [--icount SPEC]
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
. "$here/opts.sh"

kernel='' module='' tap='' vm_timeout=900 files=()
boot=()		# boot.sh's own options, passed on as given (its defaults)
plan=()		# initramfs.sh's arguments that make /plan, in order
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2:?}; shift 2 ;;
	--module)	module=${2:?}; shift 2 ;;
	--tap)		tap=${2:?}; shift 2 ;;
	--timeout)	vm_timeout=${2:?}; shift 2 ;;
	--boot-timeout|--boot-tries|--mem|--smp)
			boot+=("$1" "${2:?}"); shift 2 ;;
	--append|--icount)
			boot+=("$1" "${2?}"); shift 2 ;;
	--files)	files+=(--files "${2?}"); shift 2 ;;
	--exec)		plan+=(--exec "${2:?}"); shift 2 ;;
	-h|--help)	usage ;;
	-*)		echo "run.sh: unknown option $1" >&2; usage ;;
	*)		plan+=("$1"); shift ;;
	esac
done
vm_require kernel module tap
vm_files "$kernel" "$module"

outdir=$(cd "$(dirname "$tap")" && pwd)
tap=$outdir/$(basename "$tap")
console=$outdir/console.log
results=$outdir/results.log
work=$(mktemp -d "$outdir/.vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$here/initramfs.sh" --module "$module" --out "$work/initramfs.cpio" \
	"${files[@]}" "${plan[@]}"
"$here/boot.sh" --kernel "$kernel" --initrd "$work/initramfs.cpio" \
	--console "$console" --results "$results" --status "$work/status" \
	--timeout "$vm_timeout" "${boot[@]}"
read -r rc hung <"$work/status"
"$here/judge.sh" --tap "$tap" --console "$console" --results "$results" \
	--qemu-exit "$rc" --boot-hung "$hung" --timeout "$vm_timeout"
