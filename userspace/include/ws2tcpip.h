/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * ws2tcpip.h - on Windows, inet_pton(), getaddrinfo() and friends. The C
 * library already declares them; this header only exists so that Winsock
 * code that includes it builds unchanged.
 */
#ifndef DCX_WS2TCPIP_H
#define DCX_WS2TCPIP_H

#include <winsock2.h>

#endif /* DCX_WS2TCPIP_H */
