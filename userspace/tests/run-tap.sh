#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run kselftest-harness binaries and print normalized TAP, one line per test
# (scripts/tap.awk, as for the VM's results):
#   ok - PROG: DESC
#   not ok - PROG: DESC
#   ok - PROG: DESC # SKIP reason
# A binary that dies before reporting every test it announced, or exits
# non-zero without a failed test, adds a "not ok" line of its own.
#
#   run-tap.sh [-o TAPFILE] [-a "LIB.so MAPFILE"] [-i TAPFILE] [-r RUNNER]
#              [-t SECONDS] TEST...
#
# -a adds two checks of the shared library: its soname, and that it exports
# exactly the symbols of the version script. -i adds the result lines of an
# already normalized TAP file (a missing one is a "not ok"). -r runs each
# test through RUNNER (split into words: e.g. "env VAR=x wine64"), -t kills
# a test that takes longer than SECONDS. Exit status 1 if anything failed.

out=
abi=
incl=
runner=
tmo=
while getopts o:a:i:r:t: opt; do
	case $opt in
	o) out=$OPTARG ;;
	a) abi=$OPTARG ;;
	i) incl=$OPTARG ;;
	r) runner=$OPTARG ;;
	t) tmo=$OPTARG ;;
	*) echo "usage: $0 [-o tap] [-a 'lib map'] [-i tap] [-r runner]" \
		"[-t seconds] test..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# The normaliser judge.sh uses for the VM's results too.
tapawk=$(dirname "$0")/../../scripts/tap.awk

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
: > "$tmp/tap"

if [ -n "$abi" ]; then
	lib=${abi%% *}
	map=${abi#* }
	soname=$(readelf -d "$lib" 2>/dev/null |
		 sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	if [ "$soname" = "$(basename "$lib")" ]; then
		echo "ok - abi: $lib has soname $soname" >> "$tmp/tap"
	else
		echo "not ok - abi: $lib has soname '$soname'" >> "$tmp/tap"
	fi
	nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
		sort > "$tmp/exported"
	sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);.*/\1/p' "$map" |
		sort > "$tmp/mapped"
	if [ -s "$tmp/exported" ] && cmp -s "$tmp/exported" "$tmp/mapped"; then
		echo "ok - abi: $lib exports exactly the symbols of $map" >> "$tmp/tap"
	else
		echo "not ok - abi: $lib exports differ from $map" >> "$tmp/tap"
		diff "$tmp/exported" "$tmp/mapped" >&2
	fi
fi

if [ -n "$incl" ]; then
	if [ -f "$incl" ]; then
		grep -E '^(not )?ok ' "$incl" >> "$tmp/tap"
	else
		echo "not ok - $incl: no results" >> "$tmp/tap"
	fi
fi

for t in "$@"; do
	prog=$(basename "$t")
	# shellcheck disable=SC2086 # the runner is split into words
	${tmo:+timeout -k 5 "$tmo"} $runner "$t" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	awk -v prog="$prog" -v rc="$rc" -v tmo="$tmo" -f "$tapawk" \
		"$tmp/out" > "$tmp/one"
	cat "$tmp/one" >> "$tmp/tap"
	if grep -q '^not ok' "$tmp/one"; then
		echo "# --- $prog output ---" >&2
		sed 's/^/# /' "$tmp/out" "$tmp/err" >&2
	fi
done

cat "$tmp/tap"
[ -n "$out" ] && cp "$tmp/tap" "$out"
pass=$(grep -c '^ok' "$tmp/tap")
fail=$(grep -c '^not ok' "$tmp/tap")
echo "# userspace: $pass passed, $fail failed" >&2
[ "$fail" -eq 0 ]
