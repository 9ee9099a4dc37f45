#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner's own test: a boot whose init never comes up in time must be
# stopped, tried again --boot-tries times, and reported as a failure with
# each hung console kept. A 1 s --boot-timeout makes every boot "hang"
# (the kernel alone takes seconds to reach init under TCG).
#
# usage: boot-hang-test.sh --kernel BZIMAGE --module KO --tap OUTFILE
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel='' module='' tap=''
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2:?}; shift 2 ;;
	--module)	module=${2:?}; shift 2 ;;
	--tap)		tap=${2:?}; shift 2 ;;
	*)		echo "boot-hang-test.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -z "$kernel" ] || [ -z "$module" ] || [ -z "$tap" ]; then
	echo "usage: boot-hang-test.sh --kernel BZIMAGE --module KO --tap OUTFILE" >&2
	exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rc=0
"$here/run.sh" --kernel "$kernel" --module "$module" --tap "$dir/vm.tap" \
	--timeout 120 --boot-timeout 1 --boot-tries 2 >"$dir/out.log" 2>&1 || rc=$?

out=()
check() {
	local desc=$1
	shift
	if "$@"; then
		out+=("ok - harness: $desc")
	else
		out+=("not ok - harness: $desc")
	fi
}
check "a run whose boots all hang exits non-zero" [ "$rc" -ne 0 ]
check "it reports the hung boots" \
	grep -qx 'not ok - vm: run completed (boot hung 2 times)' "$dir/vm.tap"
check "it says each attempt on the terminal" \
	grep -q '^run.sh: boot 2 of 2 hung' "$dir/out.log"
check "it stops at --boot-tries" \
	bash -c '! grep -q "^run.sh: boot 3 of" "$1"' _ "$dir/out.log"
# Kept, not necessarily written to: within 1 s a busy host's QEMU may not
# have printed its first line yet.
check "it keeps each hung console" \
	test -f "$dir/console-hung-1.log" -a -f "$dir/console-hung-2.log"
check "no QEMU outlives it" \
	bash -c '! pgrep -f -- "-initrd $1/" >/dev/null' _ "$dir"

printf '%s\n' "${out[@]}" >"$tap"
printf '%s\n' "${out[@]}"
if grep -q '^not ok' "$tap"; then
	echo "boot-hang-test.sh: run.sh said:"
	cat "$dir/out.log"
	exit 1
fi
