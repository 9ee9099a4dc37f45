#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: summary.sh FILE.tap...
#
# Print every result line of the given normalized TAP files ("ok - DESC",
# "not ok - DESC", "ok - DESC # SKIP reason"), then one final line
# "N passed, N failed, N skipped". A file that does not exist is a stage
# that never got as far as reporting, so it counts as one failure.
# Exit status 1 if anything failed or nothing ran at all, else 0.
set -euo pipefail

passed=0 failed=0 skipped=0
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "not ok - $f: stage produced no results"
		failed=$((failed + 1))
		continue
	fi
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"not ok"*)
			failed=$((failed + 1)) ;;
		ok*"# SKIP"*)
			skipped=$((skipped + 1)) ;;
		ok*)
			passed=$((passed + 1)) ;;
		*)
			continue ;;
		esac
		echo "$line"
	done <"$f"
done
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ] || [ $((passed + failed + skipped)) -eq 0 ]; then
	exit 1
fi
