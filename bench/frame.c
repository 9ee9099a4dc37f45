// SPDX-License-Identifier: GPL-2.0
/* dcxbench's measurement of one run: see frame.h. */
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "frame.h"
#include "util.h"

void dcxb_result_init(struct dcxb_result *r)
{
	memset(r, 0, sizeof(*r));
	r->rate = r->user_us = r->sys_us = r->p50_us = r->p99_us = NAN;
	r->slab_b = r->obj_b = r->kiocb_b = r->dcxop_b = NAN;
	r->cli_us = r->srv_cpu_us = r->kthr_us = r->irq_us = r->ctxt = NAN;
	r->speed = r->busy_us = NAN;
	r->idle_us = r->held_us = r->held_timers = NAN;
}

static void sys_read(struct dcxb_sys *s)
{
	struct rusage ru;

	s->t = bench_now();
	s->spins = guest_spins();
	if (guest_cpu_read(&s->cpu)) {
		/* Never seen in the VM; the figures of this run are void. */
		bench_log("# dcxbench: /proc/stat unreadable: CPU figures void");
		memset(&s->cpu, 0, sizeof(s->cpu));
	}
	tune_probes_read(s->probe);
	getrusage(RUSAGE_SELF, &ru);
	s->self_us = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
		     ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

static void frame_rest(struct dcxb_server *srv, struct dcxb_frame *f)
{
	if (dcxb_server_cmd(srv, DCXB_SRV_STATS, &f->srv))
		memset(&f->srv, 0, sizeof(f->srv));
	f->kthreads = guest_kthreads(&f->kthr_ticks);
	f->dcx_graceful = guest_dcx_stat("graceful");
	f->dcx_completed = guest_dcx_stat("completed");
	f->dcx_rejected = guest_dcx_stat("rejected");
}

/*
 * The clock and /proc/stat are read last at a start and first at an end, so
 * that the other reads (a round trip to the server, a walk of /proc) fall
 * outside what they measure.
 */
void dcxb_frame_start(struct dcxb_server *srv, struct dcxb_frame *f)
{
	frame_rest(srv, f);
	sys_read(&f->sys);
}

void dcxb_frame_end(struct dcxb_server *srv, struct dcxb_frame *f)
{
	sys_read(&f->sys);
	frame_rest(srv, f);
}

void dcxb_figures(struct dcxb_result *r, const struct dcxb_frame *a,
		  const struct dcxb_frame *b, long conns, double secs)
{
	const struct guest_cpu *ca = &a->sys.cpu, *cb = &b->sys.cpu;
	double tick = guest_tick_us() / conns;
	int i;

	r->conns = conns;
	r->secs = secs;
	if (!conns || secs <= 0)
		return;
	r->rate = conns / secs;
	r->user_us = (cb->user - ca->user) * tick;
	r->sys_us = (cb->sys - ca->sys) * tick;
	r->irq_us = (cb->irq - ca->irq) * tick;
	r->kthr_us = (b->kthr_ticks - a->kthr_ticks) * tick;
	r->cli_us = (b->sys.self_us - a->sys.self_us) / conns;
	r->srv_cpu_us = (double)(b->srv.cpu_us - a->srv.cpu_us) / conns;
	r->ctxt = (double)(cb->ctxt - ca->ctxt) / conns;
	for (i = 0; i < tune_nprobes; i++)
		r->probe[i] = (double)(b->sys.probe[i] - a->sys.probe[i]) / conns;
}
