/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tusk-sim's report: one JSON object (jansson) per run.
 *
 * link_utilisation is goodput (payload bytes the receivers verified in
 * the window) over the link rate: the figure the table asks for.
 * wire_utilisation counts every byte serialized on the bottleneck
 * (headers, Ethernet overhead, retransmissions) over the same window.
 */
#include <jansson.h>

#include "report.h"

#define NSEC_PER_SEC 1e9

static const char *const drop_names[] = {
#define DROP_NAME(sym, name) name,
	TUSK_DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};

static double
window_s(const struct sim_world *w)
{
	double from = w->conf.measure_from_ns / NSEC_PER_SEC;
	double to = w->now / NSEC_PER_SEC;

	return to > from ? to - from : 0;
}

static bool
flow_intact(const struct sim_world *w, const struct sim_flow *f)
{
	if (f->bad_bytes != 0 || f->rx_off > f->gen_off)
		return false;
	if (f->err != 0 && f->err != -ECONNRESET)
		return false;
	if (w->conf.bytes != 0)
		return f->rx_off == w->conf.bytes && f->err == 0;
	return f->rx_off > 0;
}

static json_t *
params_json(const struct sim_conf *c)
{
	return json_pack("{s:I, s:f, s:f, s:i, s:f, s:[f,f,f,f], s:f, s:f,"
			 " s:f, s:f, s:s, s:s?, s:i, s:f, s:f, s:I, s:I, s:b,"
			 " s:I}",
			 "rate_bps", (json_int_t)c->rate_bps,
			 "rtt_ms", c->rtt_ns / 1e6,
			 "queue_bdp", c->queue_bdp,
			 "mss", (int)c->mss,
			 "loss", c->loss,
			 "burst_loss", c->ge_p, c->ge_r, c->ge_loss_bad,
			 c->ge_loss_good,
			 "reorder", c->reorder,
			 "jitter_ms", c->jitter_ns / 1e6,
			 "dup", c->dup,
			 "corrupt", c->corrupt,
			 "cc", c->cc,
			 "cc2", c->cc2,
			 "flows", (int)c->flows,
			 "duration_s", c->duration_ns / NSEC_PER_SEC,
			 "measure_from_s", c->measure_from_ns / NSEC_PER_SEC,
			 "bytes", (json_int_t)c->bytes,
			 "seed", (json_int_t)c->seed,
			 "sw_cksum", c->sw_cksum,
			 "rcv_max", (json_int_t)c->rcv_max);
}

static json_t *
flow_json(const struct sim_world *w, const struct sim_flow *f, double total)
{
	const struct tusk_tcp_conn_stats *s = &f->final;
	double win = window_s(w);
	double gp = win > 0 ? (double)(f->rx_off - f->rx_at_measure) * 8 /
		win : 0;
	json_t *o = json_pack(
		"{s:s, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:f, s:f, s:f, s:b}",
		"cc", f->cc,
		"bytes_received", (json_int_t)f->rx_off,
		"goodput_bps", gp,
		"share", total > 0 ? gp / total : 0,
		"retransmits", (json_int_t)s->segs_retrans,
		"bytes_retrans", (json_int_t)s->bytes_retrans,
		"segs_sent", (json_int_t)s->segs_sent,
		"rto_count", (json_int_t)s->rto_count,
		"sack_recoveries", (json_int_t)s->sack_recoveries,
		"spurious_undos", (json_int_t)s->spurious_undos,
		"cwnd", (json_int_t)s->cwnd,
		"srtt_ms", s->srtt_ns / 1e6,
		"min_rtt_ms", s->min_rtt_ns / 1e6,
		"pacing_rate_bps", (double)s->pacing_rate * 8,
		"intact", flow_intact(w, f));

	json_object_set_new(o, "completion_s", f->done_ns != 0 ?
			    json_real(f->done_ns / NSEC_PER_SEC) : json_null());
	json_object_set_new(o, "bad_bytes", json_integer((json_int_t)f->bad_bytes));
	json_object_set_new(o, "error", json_integer(f->err));
	return o;
}

static json_t *
link_json(const struct sim_world *w)
{
	const struct tusk_sim_link_stats *s = &w->ab.stats;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "frames", (json_int_t)s->frames_in,
			 "wire_bytes", (json_int_t)s->wire_bytes,
			 "drop_queue", (json_int_t)s->drop_queue,
			 "drop_loss", (json_int_t)s->drop_loss,
			 "drop_burst", (json_int_t)s->drop_burst,
			 "reordered", (json_int_t)s->reordered,
			 "duplicated", (json_int_t)s->duplicated,
			 "corrupted", (json_int_t)s->corrupted,
			 "copy_fail", (json_int_t)w->copy_fail);
}

/* Non-zero drop counters of a stack, by reason. */
static json_t *
drops_json(const struct tusk_stack *st)
{
	const struct tusk_stack_stats *s = tusk_stack_stats(st);
	json_t *o = json_object();
	int i;

	for (i = 0; i < TUSK_DROP_MAX; i++)
		if (s->drops[i] != 0)
			json_object_set_new(o, drop_names[i],
					    json_integer((json_int_t)s->drops[i]));
	return o;
}

static double
total_goodput(const struct sim_world *w)
{
	double win = window_s(w), bytes = 0;
	unsigned int i;

	for (i = 0; i < w->conf.flows; i++)
		bytes += (double)(w->flows[i].rx_off - w->flows[i].rx_at_measure);
	return win > 0 ? bytes * 8 / win : 0;
}

/* Record one bound check; returns 1 if it failed. */
static int
check(json_t *checks, const char *what, double got, double lo, double hi)
{
	bool ok = got >= lo && got <= hi;

	json_array_append_new(checks, json_pack("{s:s, s:f, s:f, s:f, s:b}",
						"what", what, "got", got,
						"min", lo, "max", hi, "ok", ok));
	return ok ? 0 : 1;
}

static int
run_checks(const struct sim_world *w, const struct sim_expect *e,
	   json_t *flows, double util, json_t *checks)
{
	int failed = 0;
	size_t i;

	if (e->util >= 0)
		failed += check(checks, "link_utilisation", util, e->util, 1);
	for (i = 0; i < json_array_size(flows); i++) {
		double share = json_real_value(json_object_get(
			json_array_get(flows, i), "share"));

		if (e->share_min >= 0)
			failed += check(checks, "share", share, e->share_min,
					e->share_max);
		if (i == 0 && e->max_share >= 0)
			failed += check(checks, "first_flow_share", share, 0,
					e->max_share);
	}
	return failed;
}

int
sim_report(const struct sim_world *w, const struct sim_expect *e,
	   double wall_s, FILE *out)
{
	double total = total_goodput(w), win = window_s(w);
	double util = total / (double)w->conf.rate_bps;
	json_t *o = json_object(), *flows = json_array(), *checks = json_array();
	uint64_t retrans = 0;
	bool intact = true;
	unsigned int i;
	int failed;

	for (i = 0; i < w->conf.flows; i++) {
		json_array_append_new(flows, flow_json(w, &w->flows[i], total));
		retrans += w->flows[i].final.segs_retrans;
		intact &= flow_intact(w, &w->flows[i]);
	}
	failed = run_checks(w, e, flows, util, checks) + !intact +
		(w->error != NULL);
	json_object_set_new(o, "scenario", json_string(w->conf.scenario));
	json_object_set_new(o, "params", params_json(&w->conf));
	json_object_set_new(o, "sim_time_s", json_real(w->now / NSEC_PER_SEC));
	json_object_set_new(o, "window_s", json_real(win));
	json_object_set_new(o, "goodput_bps", json_real(total));
	json_object_set_new(o, "link_utilisation", json_real(util));
	json_object_set_new(o, "wire_utilisation", json_real(win > 0 ?
		(double)(sim_wire_sent(w) - w->wire_at_measure) * 8 /
		win / (double)w->conf.rate_bps : 0));
	json_object_set_new(o, "retransmits", json_integer((json_int_t)retrans));
	json_object_set_new(o, "flows", flows);
	json_object_set_new(o, "link", link_json(w));
	json_object_set_new(o, "drops_a", drops_json(w->a));
	json_object_set_new(o, "drops_b", drops_json(w->b));
	json_object_set_new(o, "intact", json_boolean(intact));
	json_object_set_new(o, "wall_s", json_real(wall_s));
	json_object_set_new(o, "sim_s_per_wall_s", json_real(
		wall_s > 0 ? w->now / NSEC_PER_SEC / wall_s : 0));
	json_object_set_new(o, "events", json_integer((json_int_t)w->events));
	json_object_set_new(o, "checks", checks);
	json_object_set_new(o, "error", w->error != NULL ?
			    json_string(w->error) : json_null());
	json_dumpf(o, out, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	fputc('\n', out);
	json_decref(o);
	return failed;
}
