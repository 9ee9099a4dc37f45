/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench's report of a finished set of rounds: the tables, the CSV, the
 * --profile breakdown, and the issues' targets with their verdicts.
 */
#ifndef DCXBENCH_REPORT_H
#define DCXBENCH_REPORT_H

#include "rounds.h"

void dcxb_report(const struct dcxb_rounds *t);	/* tables and CSV */
void dcxb_targets(const struct dcxb_rounds *t);	/* DCXBENCH-TARGET lines */
/*
 * --scale's table block and targets, after dcxb_targets(); @hold_s: its CPU
 * window (workload.h), @repeatable: read from the spinner; @err: why it
 * stopped.
 */
void dcxb_scale_report(int n, int hold_s, bool repeatable, int err,
		       const struct dcxb_result *r);

#endif /* DCXBENCH_REPORT_H */
