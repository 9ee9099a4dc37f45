#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the directory of Debian's linux-source-6.1, extracting the tarball
# into a cache outside the clone the first time (~20 s). Nothing of it is
# ever committed.
set -euo pipefail

cache=${DCX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/disconnectex}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "kernel-src: $tarball missing (make deps)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
dir=$cache/src/linux-source-${ver%%-*}-${ver#*-}

if [ ! -f "$dir/.dcx-extracted" ]; then
	echo "kernel-src: extracting $tarball into $dir" >&2
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
	touch "$dir.tmp/.dcx-extracted"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
