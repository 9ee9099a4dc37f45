#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the make variables that reach the VM before anything is built or
# booted, so that a typo costs a second rather than a boot and a misleading
# result. Each bad value is named, with what is allowed; the exit status is
# 1 if any was bad.
#
# usage: check-vars.sh NAME=VALUE...
#   RUN_BACKEND      kernel or emulated (make run)
#   RUN_POOL         1 to 64, and at most RUN_CONNECTIONS (iocp_client's pool)
#   RUN_THREADS      1 to 64 (iocp_server's worker threads)
#   RUN_CONNECTIONS  a positive integer
#   KIMAGE           a readable kernel image
#   KDIR             a kernel build tree (a directory with a Makefile)
#   VM_APPEND        words for the guest's command line: DCX_NAME=VALUE for
#                    the variables the tests read (below), dcx.timeout=SEC,
#                    dcx.gcov=0|1; DEBUG_APPEND the same, for check-debug
#   MODULES_LOAD     0 or 1 (make install-module)
set -uo pipefail

bad=0

fail() {
	echo "make: $1" >&2
	bad=1
}

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]] && [ ${#1} -le 9 ]
}

# The DCX_* variables the library and the tests read, and their values.
# $var names the variable the word came from (VM_APPEND or DEBUG_APPEND).
check_dcx_word() {
	local name=${1%%=*} value=${1#*=}

	case $name in
	DCX_BACKEND)
		# Empty is auto, as for the library: "DCX_BACKEND=" clears it.
		case $value in
		kernel|emulated|auto|'') ;;
		*) fail "$var: DCX_BACKEND='$value': allowed are kernel, emulated, auto (empty means auto)" ;;
		esac ;;
	DCX_DEVICE)
		[ -n "$value" ] || fail "$var: DCX_DEVICE is empty: give a device path" ;;
	DCX_FUZZ_SEED|DCX_FUZZ_COUNT|DCX_SOAK_CYCLES|DCX_SOAK_RELOADS|DCX_PORT_STRESS_PACKETS|DCX_ACCEPT_CYCLES)
		is_uint "$value" ||
			fail "$var: $name='$value': a non-negative integer is allowed" ;;
	*)
		fail "$var: '$1': unknown variable $name; allowed are DCX_BACKEND, DCX_DEVICE, DCX_FUZZ_SEED, DCX_FUZZ_COUNT, DCX_SOAK_CYCLES, DCX_SOAK_RELOADS, DCX_PORT_STRESS_PACKETS, DCX_ACCEPT_CYCLES" ;;
	esac
}

check_append() {
	local var=$1 w

	for w in $2; do
		case $w in
		DCX_*=*) check_dcx_word "$w" ;;
		dcx.timeout=*)
			is_uint "${w#dcx.timeout=}" && [ "${w#dcx.timeout=}" -gt 0 ] ||
				fail "$var: '$w': dcx.timeout takes a number of seconds > 0" ;;
		dcx.gcov=0|dcx.gcov=1) ;;
		*)
			fail "$var: '$w': allowed are DCX_NAME=VALUE, dcx.timeout=SEC, dcx.gcov=0|1" ;;
		esac
	done
}

declare -A v=()
for arg in "$@"; do
	case $arg in
	*=*) v[${arg%%=*}]=${arg#*=} ;;
	*) echo "check-vars.sh: bad argument '$arg' (NAME=VALUE)" >&2; exit 2 ;;
	esac
done

for name in "${!v[@]}"; do
	value=${v[$name]}
	case $name in
	RUN_BACKEND)
		case $value in
		kernel|emulated) ;;
		*) fail "RUN_BACKEND='$value': allowed are kernel, emulated" ;;
		esac ;;
	RUN_CONNECTIONS)
		is_uint "$value" && [ "$value" -ge 1 ] ||
			fail "RUN_CONNECTIONS='$value': a positive integer is allowed" ;;
	RUN_POOL)
		if ! is_uint "$value" || [ "$value" -lt 1 ] || [ "$value" -gt 64 ]; then
			fail "RUN_POOL='$value': 1 to 64 is allowed"
		elif is_uint "${v[RUN_CONNECTIONS]:-x}" &&
		     [ "$value" -gt "${v[RUN_CONNECTIONS]}" ]; then
			fail "RUN_POOL='$value': at most RUN_CONNECTIONS (${v[RUN_CONNECTIONS]}) is allowed"
		fi ;;
	RUN_THREADS)
		if ! is_uint "$value" || [ "$value" -lt 1 ] || [ "$value" -gt 64 ]; then
			fail "RUN_THREADS='$value': 1 to 64 is allowed"
		fi ;;
	KIMAGE)
		[ -f "$value" ] && [ -r "$value" ] ||
			fail "KIMAGE='$value': no such kernel image (Debian's is /boot/vmlinuz-6.1.0-*-amd64, from make deps)" ;;
	KDIR)
		[ -f "$value/Makefile" ] ||
			fail "KDIR='$value': not a kernel build tree (no Makefile there; Debian's is /lib/modules/6.1.0-*-amd64/build, from make deps)" ;;
	VM_APPEND|DEBUG_APPEND)
		check_append "$name" "$value" ;;
	MODULES_LOAD)
		case $value in
		0|1) ;;
		*) fail "MODULES_LOAD='$value': allowed are 0, 1 (load the module at boot)" ;;
		esac ;;
	*)
		echo "check-vars.sh: unknown variable $name" >&2; exit 2 ;;
	esac
done
exit $bad
