/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * windows.h - the subset of the Win32 API that libdisconnectex provides on
 * Linux; nothing else of Windows is declared here.
 */
#ifndef DCX_WINDOWS_H
#define DCX_WINDOWS_H

#include <winsock2.h>

#endif /* DCX_WINDOWS_H */
