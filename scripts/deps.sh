#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build and the tests need, only if missing,
# so that the second call costs one dpkg-query. "deps.sh deb" installs those
# make deb and make package-check need instead.
set -euo pipefail

if [ "${1:-}" = deb ]; then
pkgs=(
	dpkg-dev debhelper dh-dkms		# dpkg-buildpackage, dh, dh_dkms
	dkms lintian git			# the packages' checks
	linux-headers-amd64 liburing-dev pkg-config gcc make
)
else
pkgs=(
	make gcc libc6-dev pkg-config		# userspace
	liburing-dev				# the library and the tests
	linux-image-amd64 linux-headers-amd64	# the test kernel and its build tree
	linux-source-6.1			# kselftest harness, checkpatch, debug kernel
	qemu-system-x86				# the test VM (TCG)
	cpio xz-utils kmod			# initramfs, source tarball
	sparse					# make style
	flex bison bc libelf-dev libssl-dev	# the debug kernel build
	perl python3				# checkpatch, kernel scripts
	iproute2				# netns/veth/netem tests in the VM
	gnuplot-nox				# make bench plot
	gcc-mingw-w64-x86-64 wine64		# the win_* tests as Windows programs
	man-db groff-base			# the man pages' check
)
fi

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" -eq 0 ] || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Skip recommends: qemu alone would pull in a desktop's worth of them.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
