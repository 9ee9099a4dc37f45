#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: coverage.sh [--has-data] RESULTS_LOG OBJDIR OUTDIR
#
# Line and branch coverage of the module from a debug-kernel VM run with
# dcx.gcov=1. RESULTS_LOG is that run's results.log, where the VM's init
# sent each .gcda file as "# gcov-begin PATH SIZE", "# gcov BASE64"...,
# "# gcov-end PATH"; OBJDIR is the directory of the module's objects and
# their .gcno files (build/debug-module/module). The .gcda files are
# written next to them, gcov -b -c writes its annotated sources into OUTDIR,
# and one line is printed per file and one for them all:
#
#   coverage: module/ lines 93.1% (512/550), branches 80.2% (401/500)
#
# Branches count as covered when taken at least once (lcov's measure).
# Without the data, one "coverage: not collected: WHY" line instead.
# Exit status 0 if coverage was reported, 1 if not; with --has-data, print
# nothing and only say by the exit status whether the data is there.
set -euo pipefail

has_data=0
if [ "${1:-}" = --has-data ]; then
	has_data=1
	shift
fi
[ $# -eq 3 ] || { sed -n 's/^# usage: /usage: /p' "${BASH_SOURCE[0]}" >&2; exit 2; }
log=$1 objdir=$2 outdir=$3

nodata() {
	[ "$has_data" = 1 ] || echo "coverage: not collected: $*"
	exit 1
}

[ -f "$log" ] || nodata "no $log (make check-debug did not run the VM)"
[ -d "$objdir" ] && compgen -G "$objdir/*.gcno" >/dev/null ||
	nodata "no .gcno files in $objdir (module not built with GCOV_PROFILE)"
# A module rebuilt since the run has new .gcno stamps that its counts no
# longer match.
for n in "$objdir"/*.gcno; do
	[ "$n" -ot "$log" ] || nodata "$n is newer than $log (module rebuilt since the run)"
done
if ! grep -q '^# gcov-begin ' "$log"; then
	why=$(grep -m1 -E '^# gcov-(none|error) ' "$log" | sed 's/^# gcov-[a-z]* //') || true
	[ -n "$why" ] || why="no gcov data in $log (no dcx.gcov=1, or the VM did not get that far)"
	nodata "$why"
fi
[ "$has_data" = 0 ] || exit 0
command -v gcov >/dev/null || nodata "no gcov (Debian package gcc)"

objdir=$(cd "$objdir" && pwd)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
# The tree the module was compiled in: its sources' paths are under it, so
# with the prefix removed, module/main.c names build/debug-module/module/main.c,
# the copy of module/main.c that was compiled.
srcroot=$(dirname "$objdir")

# --- decode ----------------------------------------------------------------
# Each file by its basename into OBJDIR, and only next to its .gcno: the
# paths come from the VM, and a .gcda gcov cannot pair with is of no use.
rm -f "$objdir"/*.gcda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name='' size=0 decoded=0
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	case $line in
	"# gcov-begin "*)
		read -r _ _ name size <<<"$line"
		: >"$tmp/b64"
		;;
	"# gcov "*)
		if [ -n "$name" ]; then
			echo "${line#\# gcov }" >>"$tmp/b64"
		fi
		;;
	"# gcov-end "*)
		[ -n "$name" ] || continue
		base=$(basename "$name")
		if [[ $base != *.gcda ]] || [ ! -f "$objdir/${base%.gcda}.gcno" ]; then
			echo "coverage: $name: no matching .gcno in $objdir, ignored"
		elif ! base64 -d "$tmp/b64" >"$tmp/gcda" 2>/dev/null ||
		     [ "$(stat -c %s "$tmp/gcda")" != "$size" ]; then
			echo "coverage: $name: damaged in transit, ignored"
		else
			mv "$tmp/gcda" "$objdir/$base"
			decoded=$((decoded + 1))
		fi
		name=''
		;;
	esac
done <"$log"
[ "$decoded" -gt 0 ] || nodata "no usable .gcda file in $log"

# --- gcov ------------------------------------------------------------------
# -r with -s: annotate only the module's own sources, not the kernel
# headers whose inline functions the objects also contain.
rm -f "$outdir"/*.gcov
if ! (cd "$outdir" && gcov -b -c -r -s "$srcroot" -o "$objdir" \
	"$objdir"/*.gcda >gcov.log 2>&1); then
	if grep -q 'stamp mismatch' "$outdir/gcov.log"; then
		nodata "the counts are from another build of the module (gcov: stamp mismatch)"
	fi
	nodata "gcov failed: see $outdir/gcov.log"
fi
compgen -G "$outdir/*.gcov" >/dev/null || nodata "gcov wrote nothing: see $outdir/gcov.log"

# --- summary -------------------------------------------------------------
# From the annotated sources, for exact counts: a line's count is "-" (no
# code), "#####" or "=====" (never run) or a number, maybe with a "*" (some
# of its blocks never ran); with -c, a branch is "taken N" or "never
# executed". The modpost-generated .mod.c is not ours: left out.
pct() {
	if [ "$2" -eq 0 ]; then
		echo "-"
	else
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'
	fi
}
total_l=0 total_lt=0 total_b=0 total_bt=0 files=()
for g in "$outdir"/*.gcov; do
	src=$(sed -n '1s/^ *-: *0:Source://p' "$g")
	case $src in
	*.mod.c|"") continue ;;
	esac
	read -r l lt b bt < <(awk '
		/^ *branch +[0-9]+ / {
			b++
			if ($3 == "taken" && $4 + 0 > 0)
				bt++
			next
		}
		/^ *[^ :]+: *[0-9]+:/ {
			split($0, f, ":")
			c = f[1]
			gsub(/[ *]/, "", c)
			if (f[2] + 0 == 0 || c == "-")
				next
			l++
			if (c ~ /^[0-9]+$/ && c + 0 > 0)
				lt++
		}
		END { print l + 0, lt + 0, b + 0, bt + 0 }' "$g")
	[ "$l" -gt 0 ] || continue
	files+=("coverage:   $src lines $(pct "$lt" "$l") ($lt/$l), branches $(pct "$bt" "$b") ($bt/$b)")
	total_l=$((total_l + l)) total_lt=$((total_lt + lt))
	total_b=$((total_b + b)) total_bt=$((total_bt + bt))
done
[ "$total_l" -gt 0 ] || nodata "no module source in gcov's output: see $outdir/gcov.log"
printf '%s\n' "${files[@]}" | sort
echo "coverage: details in $outdir/*.gcov"
echo "coverage: module/ lines $(pct "$total_lt" "$total_l") ($total_lt/$total_l)," \
     "branches $(pct "$total_bt" "$total_b") ($total_bt/$total_b)"
