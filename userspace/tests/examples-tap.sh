#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The examples as a test: iocp_client against iocp_server over loopback
# (examples/demo.sh), with four server workers so that a DisconnectEx
# packet and the AcceptEx that follows it run on different threads. TAP
# for run-tap.sh: one result.
#   examples-tap.sh [CONNECTIONS]
n=${1:-2000}
echo "TAP version 13"
echo "1..1"
if sh "$(dirname "$0")/../examples/demo.sh" "$n" 8 4; then
	echo "ok 1 iocp_server and iocp_client, $n connections, 8 client sockets, 4 server threads"
else
	echo "not ok 1 iocp_server and iocp_client, $n connections, 8 client sockets, 4 server threads"
fi
