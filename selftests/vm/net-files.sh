#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print, as run.sh --files pairs (host:guest), what the fault-injection tests
# need in the VM: ip(8) and tc(8) with their shared libraries, and the stock
# kernel's veth, sch_netem and tls modules (the debug kernel has them built in).
# usage: net-files.sh KVER
set -euo pipefail

kver=${1:?usage: net-files.sh KVER}
files=()
for bin in /sbin/ip /sbin/tc; do
	[ -x "$bin" ] || { echo "net-files: $bin missing (make deps)" >&2; exit 1; }
	files+=("$bin:/bin/$(basename "$bin")")
done
for lib in $(ldd /sbin/ip /sbin/tc | awk '/=>/ { print $3 } /^\t\// { print $1 }' | sort -u); do
	files+=("$(readlink -f "$lib"):$lib")
done
for mod in drivers/net/veth.ko net/sched/sch_netem.ko net/tls/tls.ko; do
	f=/lib/modules/$kver/kernel/$mod
	[ -f "$f" ] && files+=("$f:/lib/modules/extra/$(basename "$mod")")
done
echo "${files[*]}"
