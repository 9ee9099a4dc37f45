#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the manual pages, printing TAP: each page renders without a warning
# (man-db and groff), a .so link resolves, a page has the sections of
# docs/STYLE.md, every exported function has a page, and every EXAMPLE compiles
# with the project's warnings (compiled only, never run: a program may need
# the module).
#
# Usage: scripts/man-check.sh [TAP-FILE]   (from the repository root; TAP on
# standard output when no file is given). Exit status 1 if a test failed.
# Needs man-db, groff-base, gcc (or $CC), liburing-dev and make.
set -euo pipefail

if [ $# -gt 1 ]; then
	echo "usage: $0 [TAP-FILE]" >&2
	exit 2
fi
out=${1:-/dev/stdout}
case $out in
/*) ;;
*) out=$PWD/$out ;;
esac
cd "$(dirname "$0")/.."

for tool in man groff "${CC:-gcc}"; do
	tool=${tool%% *}
	command -v "$tool" >/dev/null || { echo "man-check: $tool missing" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pages=(userspace/man/*.3 module/disconnectex.4)
sections=(NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS NOTES "SEE ALSO")
n=0
failed=0
tap=()

# result OK|FAIL "description" [diagnostic file]
result() {
	n=$((n + 1))
	if [ "$1" = OK ]; then
		tap+=("ok $n - $2")
	else
		failed=$((failed + 1))
		tap+=("not ok $n - $2")
		if [ -n "${3:-}" ] && [ -s "$3" ]; then
			while IFS= read -r line; do
				tap+=("#   $line")
			done < <(head -n 20 "$3")
		fi
	fi
}

# The target of a page that is only a .so link, or nothing.
so_target() {
	sed -n -e '/^\.\\"/d' -e '/^[[:space:]]*$/d' -e 's/^\.so[[:space:]]\+//p' -e q "$1"
}

# The roff text of section $2 of page $1, up to the next .SH.
section_text() {
	awk -v want="$2" '
		/^\.SH/ {
			name = $0
			sub(/^\.SH[ \t]+/, "", name)
			gsub(/"/, "", name)
			on = (name == want)
			next
		}
		on' "$1"
}

# The code blocks (.EX/.EE, .nf/.fi) of roff text on stdin, roff escapes
# undone. Request lines inside a block are dropped (a C line that starts
# with a dot is written \&. in roff).
extract_code() {
	awk '
		/^\.(EX|nf)([ \t]|$)/ { on = 1; next }
		/^\.(EE|fi)([ \t]|$)/ { on = 0; next }
		on && !/^[.\x27]/' |
	sed -e 's/\\e/\x01/g' \
	    -e 's/\\-/-/g' \
	    -e "s/\\\\(aq/'/g" \
	    -e 's/\\(dq/"/g' \
	    -e 's/\\(ti/~/g' \
	    -e 's/\\(ha/^/g' \
	    -e 's/\\(rs/\x01/g' \
	    -e 's/\\(em/--/g' \
	    -e 's/\\(en/-/g' \
	    -e 's/\\&//g' \
	    -e 's/\\ / /g' \
	    -e 's/\\f[BIRP]//g' \
	    -e 's/\x01/\\/g'
}

# a. Every page renders without a warning; a link resolves.
for page in "${pages[@]}"; do
	name=${page##*/}
	target=$(so_target "$page")
	if [ -n "$target" ]; then
		# .so man3/X.3 is installed next to X.3: look beside the page.
		if [ -f "$(dirname "$page")/${target##*/}" ] &&
		   [ -z "$(so_target "$(dirname "$page")/${target##*/}")" ]; then
			result OK "man: $name links to ${target##*/}"
		else
			echo "$target: no such page (or a link to a link)" >"$tmp/diag"
			result FAIL "man: $name links to ${target##*/}" "$tmp/diag"
		fi
		continue
	fi
	{
		LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null || echo "man: exit status $?"
		LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1 || echo "groff: exit status $?"
	} >"$tmp/diag"
	if [ -s "$tmp/diag" ]; then
		result FAIL "man: $name renders without warnings" "$tmp/diag"
	else
		result OK "man: $name renders without warnings"
	fi
done

# b. Every page that is not a link has the required sections.
for page in "${pages[@]}"; do
	name=${page##*/}
	[ -z "$(so_target "$page")" ] || continue
	: >"$tmp/diag"
	for s in "${sections[@]}"; do
		grep -Eq "^\.SH[[:space:]]+\"?$s\"?[[:space:]]*$" "$page" ||
			echo "section $s missing" >>"$tmp/diag"
	done
	if [ -s "$tmp/diag" ]; then
		result FAIL "man: $name has the required sections" "$tmp/diag"
	else
		result OK "man: $name has the required sections"
	fi
done

# c. Every exported and every static inline function has a page.
{
	sed -e 's|/\*.*\*/||g' userspace/libdisconnectex.map |
		awk '/global:/ { on = 1; next } /local:/ { on = 0 }
		     on && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;/ { gsub(/[ \t;]/, ""); print }'
	sed -n 's/^static inline [^(]*[^A-Za-z0-9_(]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' \
		userspace/include/disconnectex.h
} | sort -u >"$tmp/symbols"
if [ ! -s "$tmp/symbols" ]; then
	echo "no symbols found in the map or the header" >"$tmp/diag"
	result FAIL "man: symbols to document found" "$tmp/diag"
fi
while read -r sym; do
	if [ -f "userspace/man/$sym.3" ]; then
		result OK "man: $sym has a page"
	else
		echo "userspace/man/$sym.3 missing" >"$tmp/diag"
		result FAIL "man: $sym has a page" "$tmp/diag"
	fi
done <"$tmp/symbols"

# d. Every EXAMPLE compiles and links without a warning.
lib=userspace/libdisconnectex.a
for page in "${pages[@]}"; do
	name=${page##*/}
	[ -z "$(so_target "$page")" ] || continue
	grep -Eq '^\.SH[[:space:]]+"?EXAMPLES?"?[[:space:]]*$' "$page" || continue
	if [ ! -f "$lib" ]; then
		make -s -C userspace lib >"$tmp/make.log" 2>&1 || {
			result FAIL "man: $name EXAMPLE compiles (make -C userspace lib failed)" "$tmp/make.log"
			continue
		}
	fi
	src=$tmp/${name//./_}.c
	{
		section_text "$page" EXAMPLE
		section_text "$page" EXAMPLES
	} | extract_code >"$src"
	if [ ! -s "$src" ]; then
		echo "no .EX/.EE or .nf/.fi block in the EXAMPLE section" >"$tmp/diag"
		result FAIL "man: $name EXAMPLE compiles" "$tmp/diag"
		continue
	fi
	# shellcheck disable=SC2086 # CFLAGS-like word splitting of $CC is wanted
	if ${CC:-gcc} -O2 -Wall -Wextra -Werror -Iuserspace/include -Iuapi \
		-o "$tmp/example" "$src" "$lib" -luring -lpthread >"$tmp/diag" 2>&1; then
		result OK "man: $name EXAMPLE compiles"
	else
		result FAIL "man: $name EXAMPLE compiles" "$tmp/diag"
	fi
done

{
	echo "1..$n"
	printf '%s\n' "${tap[@]}"
	echo "# $((n - failed)) passed, $failed failed"
} >"$out"
[ "$failed" -eq 0 ]
