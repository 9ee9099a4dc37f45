#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages, built from a copy of the tree's tracked
# files in OUT/src (dpkg-buildpackage writes its results next to the
# source, so they land in OUT), then linted. Fails on any lintian error
# and on any version that disagrees with debian/changelog.
#
# usage: deb.sh OUT
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: deb.sh OUT}

scripts/deps.sh deb

ver=$(dpkg-parsechangelog -S Version)
lib_ver=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' userspace/Makefile)
dkms_ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
if [ "$ver" != "$lib_ver" ] || [ "$ver" != "$dkms_ver" ]; then
	echo "deb: versions disagree: debian/changelog $ver, userspace/Makefile $lib_ver, dkms.conf $dkms_ver" >&2
	exit 1
fi

# Only what git tracks, plus the working tree's edits to it: never build
# outputs or a stale .ko.
rm -rf "$out" && mkdir -p "$out/src"
git ls-files -z --cached --others --exclude-standard | \
	while IFS= read -r -d '' f; do
		if [ -e "$f" ]; then cp --parents -a "$f" "$out/src"; fi
	done

start=$(date +%s)
(cd "$out/src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed: $out/build.log" >&2
	exit 1
}
echo "deb: built in $(($(date +%s) - start)) s:"
ls -1 "$out"/*.deb | sed 's|.*/|  |'

# Errors fail the build; warnings are shown. Tags lintian cannot judge for
# a package that never went through the archive are listed in
# debian/source/lintian-overrides or the package's own overrides.
changes=$(ls "$out"/*.changes)
lintian --fail-on error --display-info "$changes" | tee "$out/lintian.log"
echo "deb: lintian: $(grep -c '^E:' "$out/lintian.log" || true) errors," \
	"$(grep -c '^W:' "$out/lintian.log" || true) warnings ($out/lintian.log)"
