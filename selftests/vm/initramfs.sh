#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh's first part: the test VM's initramfs, with init.c built as PID 1,
# the module as /disconnectex.ko, the programs and files, and /plan, the
# command lines init runs in order.
#
# usage: initramfs.sh --module KO --out CPIO [--files "HOST:GUEST ..."]...
#                     [--exec "PROG ARGS"]... [PROG...]
#
# Each positional PROG (a static binary) goes to /bin and is run without
# arguments; --exec "PROG ARGS" runs PROG (a positional, or a file given with
# --files; a bare name means /bin/NAME) with ARGS, in command-line order.
# Exit status 2 on a missing or bad file, with nothing written.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/opts.sh"

module='' out='' files=()
plan=()		# "bin NAME" for a positional, "exec LINE" for --exec
while [ $# -gt 0 ]; do
	case $1 in
	--module)	module=${2:?}; shift 2 ;;
	--out)		out=${2:?}; shift 2 ;;
	--files)	read -ra f <<<"${2?}"; files+=("${f[@]}"); shift 2 ;;
	--exec)		plan+=("exec ${2:?}"); shift 2 ;;
	-h|--help)	usage ;;
	-*)		echo "initramfs.sh: unknown option $1" >&2; usage ;;
	*)		plan+=("bin $1"); shift ;;
	esac
done
vm_require module out
vm_files "$module"

work=$(mktemp -d "$(dirname "$out")/.initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp}
# splats.txt holds one fixed string per line: init.c takes them as the
# initialiser splats.h, judge.sh as grep -F patterns. An empty line would
# match everything, a quote or backslash would break the C.
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
		vm_files "$prog"
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
mv "$work/initramfs.cpio" "$out"
