/* SPDX-License-Identifier: MIT */
/*
 * The command line iocp_server and iocp_client share: -6 (IPv6), -q
 * (quiet), -a ADDR, and options "-X N" whose N is a number in a range,
 * given by each example as a table. Each example includes it from its own
 * directory, so the one-line builds in their headers still work.
 */
#ifndef EXAMPLE_ARGS_H
#define EXAMPLE_ARGS_H

#include <stdlib.h>
#include <string.h>

/* Where -6 (*family = AF_INET6), -q (*quiet = 1) and -a ADDR go. */
struct example_args {
	int *family, *quiet;
	const char **addr;
};

/* "-X N": N from @min to @max, into *@v. */
struct example_number {
	const char *name;
	long min, max;
	long *v;
};

/* @arg as a number from @min to @max, or @usage() (which exits). */
static long example_number(const char *arg, long min, long max,
			   void (*usage)(void))
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || end == arg || v < min || v > max)
		usage();
	return v;
}

/*
 * @argv into where @a and the @n numbers of @nums say; anything else, a
 * missing value or a number out of its range: @usage(), which exits.
 */
static void example_args(int argc, char **argv, const struct example_args *a,
			 const struct example_number *nums, size_t n,
			 void (*usage)(void))
{
	size_t j;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v = argv[i + 1];

		if (!strcmp(arg, "-6")) {
			*a->family = AF_INET6;
			continue;
		}
		if (!strcmp(arg, "-q")) {
			*a->quiet = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(arg, "-a")) {
			*a->addr = v;
			continue;
		}
		for (j = 0; j < n && strcmp(arg, nums[j].name); j++)
			;
		if (j == n)
			usage();
		*nums[j].v = example_number(v, nums[j].min, nums[j].max, usage);
	}
}

#endif /* EXAMPLE_ARGS_H */
