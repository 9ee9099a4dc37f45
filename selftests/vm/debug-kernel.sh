#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print (last line of stdout) the path of a debug kernel build tree made from
# Debian's linux-source-6.1 with debug.config on top of tinyconfig, building
# it first if it is not cached. The tree is a complete O= output directory:
# use it as KDIR (make -C KDIR M=...) and boot KDIR/arch/x86/boot/bzImage.
#
# The cache key hashes the fragment, the source version and this script, so
# editing either rebuilds. The build happens in DIR.tmp and is renamed only
# once it passed every check, so an interrupted build is never mistaken for
# a finished one. Progress goes to stderr, the full log to DIR/build.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
fragment=$here/debug.config

src=$("$repo/scripts/kernel-src.sh")
srcver=$(basename "$src")
hash=$(cat "$fragment" - "${BASH_SOURCE[0]}" <<<"$srcver" |
	sha256sum | cut -c1-16)
base=${DCX_CACHE:-$HOME/.cache/disconnectex}/debug-kernel
dir=$base/$hash

say() { echo "debug-kernel: $*" >&2; }

if [ -f "$dir/.dcx-built" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$base"
# Two callers at once (make check-debug in two shells) must not build into
# the same DIR.tmp: the second waits and then finds the cache filled.
exec 9>"$base/.lock"
if ! flock -n 9; then
	say "another build is running; waiting for it"
	flock 9
fi
if [ -f "$dir/.dcx-built" ]; then
	echo "$dir"
	exit 0
fi

tmp=$dir.tmp
log=$tmp/build.log
rm -rf "$tmp"
mkdir -p "$tmp"
: >"$log"
start=$SECONDS
jobs=$(nproc)
say "building $srcver + debug.config in $tmp (-j$jobs, log: $log)"
say "this takes ~12 minutes on 2 cores; a progress line follows every minute"

# A line a minute with the file being compiled, so a long build visibly lives.
progress() {
	while sleep 60; do
		last=$(grep -E '^  [A-Z]' "$log" | tail -n1 | sed 's/^ *//') || true
		t=$((SECONDS - start))
		say "$((t / 60))m$(printf %02d $((t % 60)))s ${last:-...}"
	done
}
progress &
progress_pid=$!
trap 'kill "$progress_pid" 2>/dev/null || true' EXIT

fail() {
	say "FAILED: $*"
	say "last lines of $log:"
	tail -n 40 "$log" >&2
	exit 1
}

# Called from the project's Makefile, we would inherit its MAKEFLAGS (its
# -j/jobserver, any W=1 or V=1 on its command line): build in isolation.
kmake() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		make -C "$src" O="$tmp" "$@" >>"$log" 2>&1
}

kmake tinyconfig || fail "make tinyconfig"
"$src/scripts/kconfig/merge_config.sh" -m -O "$tmp" "$tmp/.config" \
	"$fragment" >>"$log" 2>&1 || fail "merge_config.sh"
kmake olddefconfig || fail "make olddefconfig"

# Kconfig silently drops what it cannot satisfy (an unmet dependency, a
# renamed symbol): insist that every line of the fragment survived.
missing=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$tmp/.config" || missing+=("$line")
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$tmp/.config"; then
			missing+=("$line")
		fi
		;;
	esac
done <"$fragment"
if [ ${#missing[@]} -gt 0 ]; then
	say "these debug.config lines did not survive olddefconfig:"
	for m in "${missing[@]}"; do
		sym=${m#\# }
		sym=${sym%%[= ]*}
		got=$(grep -E "^(# )?${sym}[= ]" "$tmp/.config" || echo "(absent)")
		say "  want: $m   got: $got"
	done
	exit 1
fi

# "all" is vmlinux + bzImage + modules; the modules step (even with no
# in-tree modules) runs modpost and writes the Module.symvers that external
# modules are linked against, and prepares scripts/ and objtool for them.
kmake -j"$jobs" all || fail "make all"
for f in arch/x86/boot/bzImage Module.symvers scripts/mod/modpost \
	 include/generated/autoconf.h; do
	[ -e "$tmp/$f" ] || fail "$f missing after the build"
done

# Prove the tree works as KDIR before calling it done.
probe=$(mktemp -d)
cat >"$probe/dcx_probe.c" <<'EOF'
#include <linux/module.h>
#include <linux/slab.h>
static int __init dcx_probe_init(void) { kfree(kmalloc(8, GFP_KERNEL)); return 0; }
module_init(dcx_probe_init);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := dcx_probe.o' >"$probe/Kbuild"
if ! env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
	make -C "$tmp" M="$probe" modules >>"$log" 2>&1 ||
   [ ! -f "$probe/dcx_probe.ko" ]; then
	rm -rf "$probe"
	fail "an external test module does not build against the tree"
fi
rm -rf "$probe"

touch "$tmp/.dcx-built"
rm -rf "$dir"
mv "$tmp" "$dir"
t=$((SECONDS - start))
say "built in $((t / 60))m$(printf %02d $((t % 60)))s: $dir"
echo "$dir"
