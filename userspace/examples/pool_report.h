/* SPDX-License-Identifier: MIT */
/*
 * What iocp_server and iocp_client count for each socket of their pool
 * (and how they tell a reset), and the part of their reports that sums it
 * over the pool. Each example includes it from its own directory, after
 * the Windows headers, so the one-line builds in their headers still work.
 */
#ifndef POOL_REPORT_H
#define POOL_REPORT_H

#include <stdio.h>

/*
 * Whether a connection ended by a reset (counted in resets) rather than
 * by an error: the FIN-or-reset verdict the tests' peer (testlib's
 * tst_end_of()) and the benchmark's echo server (bench/server.c) give from
 * errno, here from what Windows reports: an example uses the Windows API
 * alone, and builds with MinGW as it is.
 */
static BOOL is_reset(DWORD err)
{
	return err == WSAECONNRESET || err == ERROR_NETNAME_DELETED ||
	       err == WSAECONNABORTED || err == ERROR_CONNECTION_ABORTED ||
	       err == WSAENETRESET;
}

/* One socket's counters (and those of the sockets it replaced). */
struct sock_counts {
	long uses, fins, resets, errors, reuse_failures, replaced;
	unsigned long long bytes;
};

/* A pool's: the sums, the sockets used, the fewest and most uses of one. */
struct pool_counts {
	struct sock_counts sum;
	long used, uses_min, uses_max;
};

#define POOL_COUNTS_INIT	{ .uses_min = -1 }

static void pool_add(struct pool_counts *t, const struct sock_counts *c)
{
	t->used += c->uses > 0;
	if (t->uses_min < 0 || c->uses < t->uses_min)
		t->uses_min = c->uses;
	if (c->uses > t->uses_max)
		t->uses_max = c->uses;
	t->sum.uses += c->uses;
	t->sum.fins += c->fins;
	t->sum.resets += c->resets;
	t->sum.errors += c->errors;
	t->sum.reuse_failures += c->reuse_failures;
	t->sum.replaced += c->replaced;
	t->sum.bytes += c->bytes;
}

/* The report's title, and its first line: @done connections of @want. */
static void pool_print_title(const char *who, long done, long want)
{
	printf("==== %s report ====\n", who);
	printf("connections           %ld of %ld\n", done, want);
}

/* ... its lines on the pool's use, of @pool sockets. */
static void pool_print_use(const struct pool_counts *t, int pool)
{
	printf("sockets used          %ld of a pool of %d, %ld replaced\n",
	       t->used, pool, t->sum.replaced);
	printf("uses per socket       %ld to %ld\n", t->uses_min, t->uses_max);
}

/* ... and on how the connections ended. */
static void pool_print_ends(const struct pool_counts *t)
{
	printf("ended by FIN          %ld\n", t->sum.fins);
	printf("ended by reset        %ld\n", t->sum.resets);
	printf("reuse failures        %ld\n", t->sum.reuse_failures);
	printf("errors                %ld\n", t->sum.errors);
}

/* ... and its last, the verdict, flushed: @bad, the exit status. */
static int pool_print_verdict(const char *who, int bad)
{
	printf("%s: %s\n", who, bad ? "FAILED" : "ok");
	fflush(stdout);
	return bad;
}

#endif /* POOL_REPORT_H */
