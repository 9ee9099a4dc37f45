/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket-address checks every test tree shares, the Windows-surface tests'
 * MinGW build included: header-only, on the includer's socket types -
 * include it after <netinet/in.h> or <winsock2.h>/<ws2tcpip.h>.
 */
#ifndef TST_ADDR_H
#define TST_ADDR_H

#include <stdbool.h>
#include <string.h>

/* @a and @b hold the same family, address and port (whatever else differs). */
static inline bool tst_same_addr(const struct sockaddr *a,
				 const struct sockaddr *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr,
			       sizeof(a6->sin6_addr));
	return a4->sin_port == b4->sin_port &&
	       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
}

#endif /* TST_ADDR_H */
