#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the release of the newest Debian 6.1 image in /boot (from
# linux-image-amd64), e.g. 6.1.0-57-amd64: the default KVER of the top-level
# Makefile and of bench/Makefile, which boot /boot/vmlinuz-KVER. Never the
# running kernel. Prints nothing, and fails, if there is none (make deps).
set -euo pipefail

shopt -s nullglob
images=(/boot/vmlinuz-6.1.0-*-amd64)
[ ${#images[@]} -gt 0 ] || exit 1
printf '%s\n' "${images[@]#/boot/vmlinuz-}" | sort -V | tail -n 1
