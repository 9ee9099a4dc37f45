#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make package-check: the project installed the ways README's "Installing on
# your machine" gives, on this machine, then removed again. Root only (it
# installs packages and writes under /lib/modules/KVER, /usr/src and
# /usr/local); it never loads the module here: the DKMS-built module is
# booted in the VM.
#
#   1. make install-module and make install into a DESTDIR: paths, the
#      pkg-config file for the PREFIX given, make uninstall leaves nothing
#   2. make install into the live system: a program links and starts with
#      no LD_LIBRARY_PATH (ldconfig ran); make uninstall
#   3. DKMS from the tree: dkms add/build/install for KVER (never the
#      running kernel), the module under updates/dkms, modinfo -k finds it;
#      dkms remove
#   4. make deb: the three packages, lintian clean of errors
#   5. the packages installed: DKMS built the module for KVER, a program
#      built with pkg-config --cflags --libs disconnectex (shared and
#      static) runs; the DKMS-built module boots in the VM and a selftest
#      passes with it; the packages purged, nothing left
#
# usage: package-check.sh OUT KVER KIMAGE
# One normalized TAP line per check on stdout and in OUT/package.tap.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: package-check.sh OUT KVER KIMAGE}
kver=${2:?usage: package-check.sh OUT KVER KIMAGE}
kimage=${3:?usage: package-check.sh OUT KVER KIMAGE}
root=$(pwd)

[ "$(id -u)" -eq 0 ] || { echo "package-check: must run as root (it installs packages)" >&2; exit 1; }
[ "$(uname -r)" != "$kver" ] || echo "package-check: note: the running kernel is $kver: nothing is loaded here all the same" >&2
scripts/deps.sh deb || exit 1

name=disconnectex
ver=$(dpkg-parsechangelog -S Version)
pkgs=(disconnectex-dkms libdisconnectex1 libdisconnectex-dev)
tap=$out/package.tap
work=$(mktemp -d /tmp/dcx-package.XXXXXX)
mkdir -p "$out"
: >"$tap.tmp"
failed=0

ok() { echo "ok - package: $*" | tee -a "$tap.tmp"; }
not_ok() { echo "not ok - package: $*" | tee -a "$tap.tmp"; failed=1; }
# check DESC CMD...: one TAP line; the command's output goes to the log
# and, when it fails, to stdout as well.
check() {
	local desc=$1; shift
	if "$@" >"$work/last.log" 2>&1; then
		cat "$work/last.log" >>"$out/package.log"
		ok "$desc"
	else
		cat "$work/last.log" | tee -a "$out/package.log" | tail -n 20 | sed 's/^/# /'
		not_ok "$desc"
	fi
}

# Whatever an earlier, interrupted run left behind.
cleanup() {
	dpkg -s disconnectex-dkms >/dev/null 2>&1 && apt-get purge -y -qq "${pkgs[@]}" >/dev/null 2>&1
	dkms status -m "$name" 2>/dev/null | grep -q . && dkms remove "$name/$ver" --all >/dev/null 2>&1
	rm -rf "/usr/src/$name-$ver"
	make -s --no-print-directory uninstall >/dev/null 2>&1
	true
}
cleanup
: >"$out/package.log"

# A program as a user of the packages writes it: the Windows surface
# through a completion port, whatever backend this machine has.
cat >"$work/prog.c" <<'EOF'
#include <winsock2.h>
#include <windows.h>
#include <disconnectex.h>
#include <stdio.h>

int main(void)
{
	WSADATA wsa;
	OVERLAPPED ov = { 0 }, *got = NULL;
	ULONG_PTR key = 0;
	DWORD bytes = 0;
	HANDLE port;

	if (WSAStartup(MAKEWORD(2, 2), &wsa)) {
		fprintf(stderr, "WSAStartup failed\n");
		return 1;
	}
	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	if (!port || !PostQueuedCompletionStatus(port, 7, 42, &ov) ||
	    !GetQueuedCompletionStatus(port, &bytes, &key, &got, 1000) ||
	    bytes != 7 || key != 42 || got != &ov) {
		fprintf(stderr, "port: error %lu\n", (unsigned long)GetLastError());
		return 1;
	}
	CloseHandle(port);
	WSACleanup();
	printf("prog: a packet through a port, backend %s\n", dcx_backend_name());
	return 0;
}
EOF

# --- 1. into a DESTDIR ------------------------------------------------------
d=$work/destdir
check "make install-module DESTDIR= puts the module under lib/modules/$kver/updates" \
	make -s --no-print-directory install-module DESTDIR="$d" MODULES_LOAD=1
check "the installed module is built for $kver" \
	sh -c "modinfo -F vermagic '$d/lib/modules/$kver/updates/disconnectex.ko' | grep -q '^$kver '"
check "MODULES_LOAD=1 writes etc/modules-load.d/disconnectex.conf" \
	grep -qx disconnectex "$d/etc/modules-load.d/disconnectex.conf"
check "make install PREFIX=/opt/dcx DESTDIR= installs library, headers, man pages" \
	make -s --no-print-directory install PREFIX=/opt/dcx DESTDIR="$d"
check "the installed disconnectex.pc says PREFIX=/opt/dcx, with \${prefix}-relative paths" \
	sh -c "grep -qx 'prefix=/opt/dcx' '$d/opt/dcx/lib/pkgconfig/disconnectex.pc' &&
	       grep -qx 'libdir=\${exec_prefix}/lib' '$d/opt/dcx/lib/pkgconfig/disconnectex.pc' &&
	       grep -qx 'includedir=\${prefix}/include/disconnectex' '$d/opt/dcx/lib/pkgconfig/disconnectex.pc'"
check "pkg-config with the DESTDIR as sysroot finds its headers and library" \
	sh -c "PKG_CONFIG_SYSROOT_DIR='$d' PKG_CONFIG_PATH='$d/opt/dcx/lib/pkgconfig' \
		pkg-config --cflags --libs disconnectex | grep -q -- '-I$d/opt/dcx/include/disconnectex .*-L$d/opt/dcx/lib'"
check "man -l renders the installed DisconnectEx(3) and disconnectex(4)" \
	sh -c "for p in '$d/opt/dcx/share/man/man3/DisconnectEx.3' '$d/opt/dcx/share/man/man4/disconnectex.4'; do
		test -f \"\$p\" && MANWIDTH=80 man -l \"\$p\" | grep -q NAME || exit 1; done"
check "make uninstall and uninstall-module with the same DESTDIR leave no file" \
	sh -c "make -s --no-print-directory uninstall PREFIX=/opt/dcx DESTDIR='$d' &&
	       test -z \"\$(find '$d' -type f)\""

# --- 2. into the live system -------------------------------------------------
check "make install (PREFIX=/usr/local) into the live system" \
	make -s --no-print-directory install
check "a program built with pkg-config against /usr/local starts without LD_LIBRARY_PATH" \
	sh -c "gcc -O2 -Wall -Wextra -Werror -o '$work/prog-local' '$work/prog.c' \
		\$(PKG_CONFIG_PATH=/usr/local/lib/pkgconfig pkg-config --cflags --libs disconnectex) &&
	       env -u LD_LIBRARY_PATH '$work/prog-local' &&
	       ldd '$work/prog-local' | grep -q '/usr/local/lib/libdisconnectex.so.1'"
check "make uninstall removes it from /usr/local" \
	sh -c "make -s --no-print-directory uninstall &&
	       test ! -e /usr/local/lib/libdisconnectex.so.1 && test ! -e /usr/local/include/disconnectex &&
	       ! ldconfig -p | grep -q /usr/local/lib/libdisconnectex"

# --- 3. DKMS from the tree ----------------------------------------------------
ko=/lib/modules/$kver/updates/dkms/disconnectex.ko
check "dkms add: the module's sources and dkms.conf in /usr/src/$name-$ver" \
	sh -c "make -s --no-print-directory module-src DEST=/usr/src/$name-$ver && dkms add '$name/$ver'"
check "dkms build -k $kver (the Debian 6.1 kernel, not the running $(uname -r))" \
	dkms build "$name/$ver" -k "$kver"
check "dkms install -k $kver puts it under updates/dkms and runs depmod" \
	sh -c "dkms install '$name/$ver' -k '$kver' && test -f '$ko' &&
	       test \"\$(modinfo -k '$kver' -F filename disconnectex)\" = '$ko'"
check "dkms remove takes it away again" \
	sh -c "dkms remove '$name/$ver' --all && rm -rf '/usr/src/$name-$ver' && test ! -e '$ko' &&
	       ! modinfo -k '$kver' disconnectex >/dev/null 2>&1"

# --- 4. the packages -----------------------------------------------------------
check "make deb builds disconnectex-dkms, libdisconnectex1, libdisconnectex-dev; lintian reports no error" \
	scripts/deb.sh "$out/deb"
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$out/deb/${p}_${ver}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] && debs+=("$f")
done

# --- 5. installed ----------------------------------------------------------------
if [ ${#debs[@]} -eq ${#pkgs[@]} ]; then
	check "apt-get installs the three packages" \
		apt-get install -y -qq --no-install-recommends "${debs[@]}"
	check "the disconnectex-dkms package built and installed the module for $kver" \
		sh -c "dkms status -m '$name' -v '$ver' -k '$kver' | grep -q 'installed' && test -f '$ko' &&
		       test \"\$(modinfo -k '$kver' -F filename disconnectex)\" = '$ko'"
	check "libdisconnectex1 ships libdisconnectex.so.1 and its symbols file" \
		sh -c "dpkg -L libdisconnectex1 | grep -q 'libdisconnectex.so.1\$' &&
		       test -f /var/lib/dpkg/info/libdisconnectex1:amd64.symbols"
	check "an external program: gcc \$(pkg-config --cflags --libs disconnectex), shared, runs" \
		sh -c "gcc -O2 -Wall -Wextra -Werror -o '$work/prog' '$work/prog.c' \
			\$(pkg-config --cflags --libs disconnectex) && '$work/prog' &&
		       ldd '$work/prog' | grep -q 'lib/x86_64-linux-gnu/libdisconnectex.so.1'"
	check "the same program linked statically with pkg-config --static runs" \
		sh -c "gcc -O2 -Wall -Wextra -Werror -static -o '$work/prog-static' '$work/prog.c' \
			\$(pkg-config --static --cflags --libs disconnectex) && '$work/prog-static'"
	check "man finds DisconnectEx(3) and disconnectex(4) from the packages" \
		sh -c "man -w 3 DisconnectEx && man -w 4 disconnectex"
	if [ -f "$ko" ]; then
		cp "$ko" "$work/disconnectex-dkms.ko"
		vmtap=$out/package-vm.tap
		selftests/vm/run.sh --kernel "$kimage" --module "$work/disconnectex-dkms.ko" \
			--tap "$vmtap" --timeout 600 "$root/build/selftests/disconnect_test" \
			>>"$out/package.log" 2>&1
		if [ -s "$vmtap" ] && ! grep -q '^not ok' "$vmtap"; then
			ok "the DKMS-built module boots in the VM: disconnect_test, $(grep -c '^ok' "$vmtap") passed"
		else
			grep '^not ok' "$vmtap" 2>/dev/null | head -n 10 | sed 's/^/# /'
			not_ok "the DKMS-built module in the VM (see $vmtap)"
		fi
	else
		not_ok "the DKMS-built module in the VM: no $ko to boot"
	fi
	check "apt-get purge removes the packages, the module and its DKMS tree" \
		sh -c "apt-get purge -y -qq ${pkgs[*]} && test ! -e '$ko' && test ! -e '/usr/src/$name-$ver' &&
		       ! dkms status -m '$name' | grep -q ."
else
	not_ok "the packages were not all built: ${debs[*]:-none}"
fi

cleanup
rm -rf "$work"
mv "$tap.tmp" "$tap"
echo "package-check: $(grep -c '^ok' "$tap") passed, $(grep -c '^not ok' "$tap") failed ($tap, log $out/package.log)"
exit $failed
