#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run iocp_client against iocp_server over loopback:
#   demo.sh [CONNECTIONS [POOL [THREADS]]]
# POOL is the client's sockets, THREADS the server's workers. With no
# module loaded the library uses its emulated backend. Succeeds if both
# programs do: every connection echoed and ended with a FIN, every socket
# reused on both sides.
set -eu

n=${1:-1000}
pool=${2:-4}
threads=${3:-2}
dir=$(cd "$(dirname "$0")/../build/examples" && pwd)
log=$(mktemp)
trap 'rm -f "$log"; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; true' EXIT

"$dir/iocp_server" -q -p 0 -n "$n" -t "$threads" > "$log" &
srv=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^listening on .* port \([0-9]*\)$/\1/p' "$log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "demo: server did not start" >&2; exit 1; }

echo "demo: backend ${DCX_BACKEND:-auto}; $n connections, $pool client sockets, $threads server threads, port $port"
status=0
"$dir/iocp_client" -q -p "$port" -n "$n" -s "$pool" || status=$?
wait "$srv" || status=$?
srv=
sed -n '/^====/,$p' "$log"
exit "$status"
