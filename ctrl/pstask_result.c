/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_result: tuskd's answers in pScheduler's result shapes (pstask.md):
 *
 * throughput (tool-iperf3 iperf3_parser.py): succeeded, diags, intervals
 *   [{streams, summary}], summary {streams, summary}; a data point has
 *   stream-id, start, end, omitted, throughput-bytes, throughput-bits,
 *   retransmits, tcp-window-size (snd_cwnd), rtt (us), and for UDP sent,
 *   lost, jitter (ms); summary.summary is end.sum_sent (else end.sum) with
 *   receiver-throughput-bits from end.sum_received.
 * latency / rtt (from tuskd's `twamp`): succeeded, diags, packets-sent,
 *   packets-received, packets-lost, packets-duplicated,
 *   packets-reordered, loss, rtt {min, mean, max, stddev} and jitter in
 *   ms, ISO 8601 min/mean/max/stddev as pScheduler's rtt test has them.
 */
#include <stdio.h>
#include <string.h>

#include "pstask_iso.h"
#include "pstask_priv.h"

static json_t *
num(json_t *o, const char *k)
{
	return json_object_get(o, k);
}

static void
copy(json_t *to, const char *tk, json_t *from, const char *fk)
{
	json_t *v = json_object_get(from, fk);

	if (v != NULL)
		json_object_set(to, tk, v);
}

/* One iperf3 figure (an interval's stream or sum, an end side) as a data
 * point. */
static json_t *
point(json_t *x)
{
	json_t *p = json_object();

	copy(p, "stream-id", x, "socket");
	copy(p, "start", x, "start");
	copy(p, "end", x, "end");
	copy(p, "omitted", x, "omitted");
	copy(p, "throughput-bytes", x, "bytes");
	copy(p, "throughput-bits", x, "bits_per_second");
	copy(p, "retransmits", x, "retransmits");
	copy(p, "tcp-window-size", x, "snd_cwnd");
	copy(p, "rtt", x, "rtt");
	if (json_object_get(p, "rtt") == NULL)
		copy(p, "rtt", x, "mean_rtt");
	copy(p, "sent", x, "packets");
	copy(p, "lost", x, "lost_packets");
	copy(p, "jitter", x, "jitter_ms");
	return p;
}

static json_t *
intervals(json_t *doc)
{
	json_t *out = json_array(), *iv, *st;
	size_t i, k;

	json_array_foreach(json_object_get(doc, "intervals"), i, iv) {
		json_t *streams = json_array();

		json_array_foreach(json_object_get(iv, "streams"), k, st)
			json_array_append_new(streams, point(st));
		json_array_append_new(out, json_pack("{s:o, s:o}",
			"streams", streams,
			"summary", point(json_object_get(iv, "sum"))));
	}
	return out;
}

/* The end: per stream the sender's side (or UDP's), and the sums. */
static json_t *
summary(json_t *end, struct pstask_figures *f)
{
	json_t *streams = json_array(), *st, *sum, *s;
	size_t i;
	double rtt = 0;
	int n_rtt = 0;

	json_array_foreach(json_object_get(end, "streams"), i, st) {
		json_t *side = json_object_get(st, "udp");

		side = side ? side : json_object_get(st, "sender");
		json_array_append_new(streams, point(side));
		if (json_is_number(num(side, "mean_rtt"))) {
			rtt += json_number_value(num(side, "mean_rtt"));
			n_rtt++;
		}
	}
	sum = json_object_get(end, "sum_sent");
	sum = sum ? sum : json_object_get(end, "sum");
	s = point(sum);
	copy(s, "receiver-throughput-bits", json_object_get(end,
				"sum_received"), "bits_per_second");
	copy(s, "sent", json_object_get(end, "sum"), "packets");
	copy(s, "lost", json_object_get(end, "sum"), "lost_packets");
	copy(s, "jitter", json_object_get(end, "sum"), "jitter_ms");
	f->throughput = json_number_value(num(s, "throughput-bits"));
	f->rtt_ms = n_rtt ? rtt / n_rtt / 1000 : -1;
	if (n_rtt)
		json_object_set_new(s, "rtt", json_real(rtt / n_rtt));
	f->jitter_ms = json_is_number(num(s, "jitter")) ?
		json_number_value(num(s, "jitter")) : -1;
	f->lost = json_is_number(num(s, "lost")) ?
		(int64_t)json_number_value(num(s, "lost")) : -1;
	return json_pack("{s:o, s:o}", "streams", streams, "summary", s);
}

json_t *
pstask_result_failed(const char *why, struct pstask_figures *f)
{
	f->succeeded = false;
	f->throughput = f->rtt_ms = f->jitter_ms = -1;
	f->lost = -1;
	return json_pack("{s:b, s:s, s:s, s:[], s:{}}", "succeeded", 0,
			 "error", why, "diags", why, "intervals", "summary");
}

json_t *
pstask_result_throughput(json_t *doc, struct pstask_figures *f)
{
	const char *e = json_string_value(json_object_get(doc, "error"));
	json_t *r;

	if (e != NULL)
		return pstask_result_failed(e, f);
	f->succeeded = true;
	r = json_pack("{s:b, s:s, s:o, s:o}", "succeeded", 1,
		      "diags", "tuskd iperf3 client (iperf3 3.12 protocol)",
		      "intervals", intervals(doc),
		      "summary", summary(json_object_get(doc, "end"), f));
	return r;
}

static json_t *
iso_ms(json_t *o, const char *k)
{
	char buf[48];

	if (!json_is_number(json_object_get(o, k)))
		return json_null();
	return json_string(tusk_iso_duration_fmt(
		json_number_value(json_object_get(o, k)) / 1000, buf,
		sizeof(buf)));
}

json_t *
pstask_result_twamp(json_t *tw, enum pstask_type t,
		    struct pstask_figures *f)
{
	json_t *rtt = json_object_get(tw, "rtt_ms");
	json_t *jit = json_object_get(tw, "jitter_ms");
	json_t *r;

	f->succeeded = true;
	f->throughput = -1;
	f->rtt_ms = json_is_number(num(rtt, "mean")) ?
		json_number_value(num(rtt, "mean")) : -1;
	f->jitter_ms = json_is_number(num(jit, "rtt")) ?
		json_number_value(num(jit, "rtt")) : -1;
	f->lost = json_integer_value(num(tw, "lost"));
	r = json_pack("{s:b, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, "
		      "s:O?, s:O?, s:o, s:o, s:o, s:o}",
		      "succeeded", 1, "diags", "tuskd TWAMP session-sender",
		      "packets-sent", num(tw, "sent"),
		      "packets-received", num(tw, "received"),
		      "packets-lost", num(tw, "lost"),
		      "lost", num(tw, "lost"),
		      "packets-duplicated", num(tw, "duplicates"),
		      "packets-reordered", num(tw, "reordered"),
		      "rtt", rtt, "jitter", num(jit, "rtt"),
		      "one-way-forward", num(tw, "forward_ms"),
		      "min", iso_ms(rtt, "min"), "mean", iso_ms(rtt, "mean"),
		      "max", iso_ms(rtt, "max"),
		      "stddev", iso_ms(rtt, "stddev"));
	if (r != NULL && json_is_integer(num(tw, "sent")) &&
	    json_integer_value(num(tw, "sent")) > 0)
		json_object_set_new(r, "loss", json_real(
			(double)json_integer_value(num(tw, "lost")) /
			(double)json_integer_value(num(tw, "sent"))));
	(void)t; /* one shape for both: latency reads one-way-forward */
	return r;
}
