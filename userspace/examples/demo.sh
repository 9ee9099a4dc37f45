#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run recycle_client (or $CLIENT, e.g. iocp_client) against echo_server
# over loopback:
#   demo.sh [CONNECTIONS [POOL]]
# With no module loaded the library uses its emulated backend. Succeeds if
# every connection completed and the server saw a FIN - never a reset - on
# each one.
set -eu

n=${1:-1000}
pool=${2:-4}
client=${CLIENT:-recycle_client}
dir=$(cd "$(dirname "$0")/../build/examples" && pwd)
log=$(mktemp)
trap 'rm -f "$log"; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; true' EXIT

"$dir/echo_server" -p 0 -n "$n" > "$log" &
srv=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^listening on .* port \([0-9]*\)$/\1/p' "$log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "demo: server did not start" >&2; exit 1; }

echo "$client, backend: ${DCX_BACKEND:-auto}; $n connections on $pool sockets, port $port"
"$dir/$client" 127.0.0.1 "$port" "$n" "$pool"
status=0
wait "$srv" || status=$?
srv=
tail -n 1 "$log"
exit "$status"
