// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The BSD-named Winsock calls (socket, bind, connect, send, recv, ...),
 * reporting failures through WSAGetLastError() with Windows' numbers.
 */
#include <winsock2.h>

#include "internal.h"
