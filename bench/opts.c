// SPDX-License-Identifier: GPL-2.0
/* bench/ bottom layer: see opts.h. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

/* LONG_ONLY + k: what getopt_long() returns for entry k, if it has no letter. */
#define LONG_ONLY	256

static bool takes_arg(const struct bench_opt *e)
{
	return e->kind == BENCH_OPT_INT || e->kind == BENCH_OPT_LONG ||
	       e->kind == BENCH_OPT_DOUBLE ||
	       (e->kind == BENCH_OPT_CALL && e->has_arg);
}

static bool in_range(const struct bench_opt *e)
{
	long v;

	if (e->max <= e->min)
		return true;
	if (e->kind == BENCH_OPT_INT)
		v = *e->i;
	else if (e->kind == BENCH_OPT_LONG)
		v = *e->l;
	else
		return true;
	return v >= e->min && v <= e->max;
}

/* Entry @ch of what getopt_long() returned, or NULL (--help, unknown). */
static const struct bench_opt *entry_of(const struct bench_opt *table, int n, int ch)
{
	int k;

	if (ch >= LONG_ONLY && ch < LONG_ONLY + n)
		return &table[ch - LONG_ONLY];
	for (k = 0; k < n; k++)
		if (table[k].letter && table[k].letter == ch)
			return &table[k];
	return NULL;
}

static bool apply(const struct bench_opt *table, const struct bench_opt *e,
		  const char *arg);

/* A preset's options, word by word: "--name" and, if it takes one, its value. */
static void apply_preset(const struct bench_opt *table, const char *preset)
{
	char words[256], *name, *value, *save;
	const struct bench_opt *e;

	if (strlen(preset) >= sizeof(words))
		abort();
	strcpy(words, preset);
	for (name = strtok_r(words, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		if (strncmp(name, "--", 2))
			abort();
		for (e = table; e->name && strcmp(e->name, name + 2); e++)
			;
		value = e->name && takes_arg(e) ? strtok_r(NULL, " ", &save) : NULL;
		if (!e->name || (takes_arg(e) && !value) || !apply(table, e, value))
			abort();
	}
}

/* Entry @e with its argument @arg (NULL if it takes none): false if refused. */
static bool apply(const struct bench_opt *table, const struct bench_opt *e,
		  const char *arg)
{
	switch (e->kind) {
	case BENCH_OPT_INT:
		*e->i = atoi(arg);
		break;
	case BENCH_OPT_LONG:
		*e->l = atol(arg);
		break;
	case BENCH_OPT_DOUBLE:
		*e->d = atof(arg);
		break;
	case BENCH_OPT_SET:
		*e->b = true;
		break;
	case BENCH_OPT_CLEAR:
		*e->b = false;
		break;
	case BENCH_OPT_CALL:
		return e->fn(e->ctx, e->has_arg ? arg : NULL);
	case BENCH_OPT_PRESET:
		apply_preset(table, e->preset);
		break;
	}
	return true;
}

void bench_opts_parse(int argc, char **argv, const struct bench_opt *table,
		      void (*usage)(const char *argv0))
{
	struct option longopts[BENCH_OPTS_MAX + 2] = { };
	char letters[2 * BENCH_OPTS_MAX + 2] = "";
	const struct bench_opt *e;
	size_t nl = 0;
	int n, ch;

	for (n = 0; table[n].name; n++) {
		if (n == BENCH_OPTS_MAX)
			abort();	/* a table too long is the program's bug */
		e = &table[n];
		longopts[n] = (struct option){
			e->name, takes_arg(e) ? required_argument : no_argument,
			NULL, e->letter ? e->letter : LONG_ONLY + n,
		};
		if (e->letter) {
			letters[nl++] = e->letter;
			if (takes_arg(e))
				letters[nl++] = ':';
		}
	}
	longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	letters[nl] = 'h';

	while ((ch = getopt_long(argc, argv, letters, longopts, NULL)) != -1) {
		e = entry_of(table, n, ch);
		if (!e || !apply(table, e, optarg))
			usage(argv[0]);
	}
	if (optind != argc)
		usage(argv[0]);
	for (e = table; e->name; e++)
		if (!in_range(e))
			usage(argv[0]);
}
