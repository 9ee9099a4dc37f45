/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ bottom layer: the command line of a benchmark program as a table.
 * Each entry names a long option (and its short letter, if any), where its
 * value goes and, for a count, the range it must lie in; one function walks
 * the table with getopt_long(), so every program parses and checks its
 * options the same way. No benchmark knowledge here.
 */
#ifndef BENCH_OPTS_H
#define BENCH_OPTS_H

#include <stdbool.h>

enum bench_opt_kind {
	BENCH_OPT_INT,		/* atoi() into *i */
	BENCH_OPT_LONG,		/* atol() into *l */
	BENCH_OPT_DOUBLE,	/* atof() into *d */
	BENCH_OPT_SET,		/* no argument: *b = true */
	BENCH_OPT_CLEAR,	/* no argument: *b = false */
	BENCH_OPT_CALL,		/* fn(ctx, argument or NULL); false: usage */
	BENCH_OPT_PRESET,	/* no argument: the options in *preset, as if given here */
};

struct bench_opt {
	const char *name;	/* the long option, without "--" */
	char letter;		/* its short option, or 0 */
	enum bench_opt_kind kind;
	bool has_arg;		/* BENCH_OPT_CALL only: takes an argument */
	union {
		int *i;
		long *l;
		double *d;
		bool *b;
		void *ctx;
		const char *preset;	/* "--name value ...", of this table */
	};
	bool (*fn)(void *ctx, const char *arg);
	/*
	 * BENCH_OPT_INT and _LONG: when max > min, the value after the whole
	 * command line is read must lie in [min, max], else usage. An option
	 * given twice counts as given once, last.
	 */
	long min, max;
};

/* The entries of a table; BENCH_OPT_END closes it. */
#define BENCH_OPT_INT(nm, ch, p, lo, hi)				\
	{ .name = (nm), .letter = (ch), .kind = BENCH_OPT_INT, .i = (p),	\
	  .min = (lo), .max = (hi) }
#define BENCH_OPT_LONG(nm, ch, p)					\
	{ .name = (nm), .letter = (ch), .kind = BENCH_OPT_LONG, .l = (p) }
#define BENCH_OPT_DOUBLE(nm, ch, p)					\
	{ .name = (nm), .letter = (ch), .kind = BENCH_OPT_DOUBLE, .d = (p) }
#define BENCH_OPT_SET(nm, p)						\
	{ .name = (nm), .kind = BENCH_OPT_SET, .b = (p) }
#define BENCH_OPT_CLEAR(nm, p)						\
	{ .name = (nm), .kind = BENCH_OPT_CLEAR, .b = (p) }
#define BENCH_OPT_CALL(nm, ch, arg, f, c)				\
	{ .name = (nm), .letter = (ch), .kind = BENCH_OPT_CALL,		\
	  .has_arg = (arg), .fn = (f), .ctx = (c) }
#define BENCH_OPT_PRESET(nm, ch, opts)					\
	{ .name = (nm), .letter = (ch), .kind = BENCH_OPT_PRESET, .preset = (opts) }
#define BENCH_OPT_END	{ .name = NULL }

/*
 * Read @argv by @table (at most BENCH_OPTS_MAX entries), and --help or -h
 * besides. An unknown option, a missing argument (getopt_long() says
 * which), --help, a count out of its range, a CALL entry that returns false
 * or an argument that is not an option: @usage(argv[0]), which must not
 * return. A preset names its options in full ("--time 0.4"), with one space
 * between words; one that does not fit the table is the program's bug
 * (abort()).
 */
#define BENCH_OPTS_MAX	32
void bench_opts_parse(int argc, char **argv, const struct bench_opt *table,
		      void (*usage)(const char *argv0));

#endif /* BENCH_OPTS_H */
