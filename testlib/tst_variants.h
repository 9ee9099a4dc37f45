/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture variants every test tree shares, for kselftest_harness.h and for
 * userspace/tests/wintest_harness.h (its Windows build) alike: include it
 * after the harness. Preprocessor only, so it builds with MinGW too.
 */
#ifndef TST_VARIANTS_H
#define TST_VARIANTS_H

/*
 * The fixture @f once over IPv4 and once over IPv6 loopback: the test
 * reads variant->family. Use as a declaration: TST_FAMILY_VARIANTS(f);
 */
#define TST_FAMILY_VARIANTS(f)					\
	FIXTURE_VARIANT(f) {					\
		int family;					\
	};							\
	FIXTURE_VARIANT_ADD(f, ipv4) {				\
		.family = AF_INET,				\
	};							\
	FIXTURE_VARIANT_ADD(f, ipv6) {				\
		.family = AF_INET6,				\
	}

#endif /* TST_VARIANTS_H */
