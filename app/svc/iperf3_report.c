/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3: tuskd's results (iperf_api.c send_results), and with
 * --get-server-output a report of tuskd's side in iperf3 -J's shape
 * (start, intervals, end), which the client prints or embeds as
 * server_output_json.
 *
 *   iperf3_json_results() -> stream_results()  (the "streams" the client
 *                                                matches by id)
 *                         -> server_output() -> output_start()
 *                                            -> iperf3_report_intervals()
 *                                            -> output_end()
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "iperf3_priv.h"

static json_t *
addr_json(const struct tusk_addr *a)
{
	char buf[TUSK_ADDR_STRLEN];

	return json_string(tusk_addr_format(a, buf, sizeof(buf)));
}

double
iperf3_report_bps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes * 8 / seconds : 0;
}

/* CPU use of tuskd's process over the test, percent of one CPU as
 * iperf3's cpu_util: a polling lcore shows as busy all the time. */
void
iperf3_report_cpu(const struct iperf3_test *t, double out[3])
{
	double wall = (double)(t->t_end - t->t_start) / NS_PER_SEC;
	double u = t->cpu_user - t->cpu_user0, s = t->cpu_sys - t->cpu_sys0;

	out[0] = out[1] = out[2] = 0;
	if (wall <= 0)
		return;
	out[0] = 100 * (u + s) / wall;
	out[1] = 100 * u / wall;
	out[2] = 100 * s / wall;
}

static json_t *
stream_results(const struct tusk_iperf3 *s, uint64_t now)
{
	const struct iperf3_test *t = &s->t;
	json_t *a = json_array();

	for (uint32_t i = 0; i < t->n_streams; i++) {
		struct tusk_iperf3_stream_info in;
		bool tcp_sender = !t->p.udp && t->streams[i].info.sender;

		iperf3_stream_info(t, &t->streams[i], &in, now);
		json_array_append_new(a, json_pack(
			"{s:I, s:I, s:I, s:f, s:I, s:I, s:f, s:f}",
			"id", (json_int_t)in.id,
			"bytes", (json_int_t)in.bytes,
			"retransmits", tcp_sender ?
				(json_int_t)in.retransmits : (json_int_t)-1,
			"jitter", in.jitter_ms / 1000,
			"errors", (json_int_t)in.lost,
			"packets", (json_int_t)in.packets,
			"start_time", 0.0,
			"end_time", in.seconds));
	}
	return a;
}

static json_t *
output_start(const struct tusk_iperf3 *s)
{
	const struct iperf3_test *t = &s->t;
	json_t *conn = json_array();
	struct tusk_addr our = { 0 };
	uint16_t lp = s->port, rp = 0;

	if (t->ctrl != NULL && t->ctrl->c != NULL) {
		struct tusk_addr peer;

		tusk_tcp_conn_tuple(t->ctrl->c, &our, &lp, &peer, &rp);
	}
	for (uint32_t i = 0; i < t->n_streams; i++)
		json_array_append_new(conn, json_pack(
			"{s:I, s:o, s:I, s:o, s:I}",
			"socket", (json_int_t)t->streams[i].info.id,
			"local_host", addr_json(&our), "local_port",
			(json_int_t)s->port, "remote_host",
			addr_json(&t->streams[i].peer), "remote_port",
			(json_int_t)t->streams[i].info.peer_port));
	return json_pack(
		"{s:o, s:s, s:s, s:{s:o, s:I}, s:s#, s:I, s:o}",
		"connected", conn, "version", "tuskd (iperf3 3.12 protocol)",
		"system_info", "tuskd",
		"accepted_connection", "host", addr_json(&t->peer), "port",
		(json_int_t)rp,
		"cookie", (const char *)t->cookie, IPERF3_COOKIE_SIZE - 1,
		"tcp_mss_default", (json_int_t)t->mss_used,
		"test_start", iperf3_report_test_start(t));
}

/* start.test_start: the test's parameters, as the server's and the
 * client's reports both give them. */
json_t *
iperf3_report_test_start(const struct iperf3_test *t)
{
	return json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"protocol", t->p.udp ? "UDP" : "TCP",
		"num_streams", (json_int_t)t->p.parallel,
		"blksize", (json_int_t)t->p.len,
		"omit", (json_int_t)t->p.omit,
		"duration", (json_int_t)t->p.duration,
		"bytes", (json_int_t)0, "blocks", (json_int_t)0,
		"reverse", (json_int_t)t->p.reverse,
		"tos", (json_int_t)0,
		"target_bitrate", (json_int_t)t->p.bandwidth,
		"bidir", (json_int_t)t->p.bidir, "fqrate", (json_int_t)0);
}

/* One stream's interval i. */
static json_t *
interval_stream(const struct iperf3_test *t, uint32_t si, uint32_t i)
{
	const struct iperf3_stream *sp = &t->streams[si];
	const struct iperf3_sample *x =
		&t->samples[si * IPERF3_INTERVALS_MAX + i];
	double from = i > 0 ? t->sample_end[i - 1] : 0, to = t->sample_end[i];
	json_t *o = json_pack("{s:I, s:f, s:f, s:f, s:I, s:f, s:b, s:b}",
			      "socket", (json_int_t)sp->info.id,
			      "start", from, "end", to, "seconds", to - from,
			      "bytes", (json_int_t)x->bytes,
			      "bits_per_second", iperf3_report_bps(x->bytes, to - from),
			      "omitted", i < t->p.omit,
			      "sender", sp->info.sender);

	if (!t->p.udp && sp->info.sender) {
		json_object_set_new(o, "retransmits",
				    json_integer(x->retransmits));
		json_object_set_new(o, "snd_cwnd", json_integer(x->snd_cwnd));
		json_object_set_new(o, "snd_wnd", json_integer(x->snd_wnd));
		json_object_set_new(o, "rtt", json_integer(x->rtt_us));
		json_object_set_new(o, "rttvar", json_integer(x->rttvar_us));
		json_object_set_new(o, "pmtu", json_integer(x->pmtu));
	}
	return o;
}

json_t *
iperf3_report_intervals(const struct iperf3_test *t)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < t->n_samples; i++) {
		double from = i > 0 ? t->sample_end[i - 1] : 0;
		double to = t->sample_end[i];
		json_t *streams = json_array();
		uint64_t bytes = 0;

		for (uint32_t si = 0; si < t->n_streams; si++) {
			json_array_append_new(streams,
					      interval_stream(t, si, i));
			bytes += t->samples[si * IPERF3_INTERVALS_MAX +
					    i].bytes;
		}
		json_array_append_new(a, json_pack(
			"{s:o, s:{s:f, s:f, s:f, s:I, s:f, s:b}}",
			"streams", streams, "sum", "start", from,
			"end", to, "seconds", to - from,
			"bytes", (json_int_t)bytes,
			"bits_per_second", iperf3_report_bps(bytes, to - from),
			"omitted", i < t->p.omit));
	}
	return a;
}

/* Our side of stream sp at the end of the test. */
json_t *
iperf3_report_side(const struct iperf3_test *t, const struct iperf3_stream *sp,
	 const struct tusk_iperf3_stream_info *in)
{
	json_t *o = json_pack("{s:I, s:f, s:f, s:f, s:I, s:f, s:b}",
			      "socket", (json_int_t)in->id, "start", 0.0,
			      "end", in->seconds, "seconds", in->seconds,
			      "bytes", (json_int_t)in->bytes,
			      "bits_per_second", iperf3_report_bps(in->bytes, in->seconds),
			      "sender", in->sender);

	if (t->p.udp) {
		json_object_set_new(o, "jitter_ms", json_real(in->jitter_ms));
		json_object_set_new(o, "lost_packets", json_integer(
					    (json_int_t)in->lost));
		json_object_set_new(o, "packets", json_integer(
					    (json_int_t)in->packets));
		json_object_set_new(o, "lost_percent", json_real(
			in->packets ? 100.0 * in->lost / in->packets : 0));
		json_object_set_new(o, "out_of_order", json_integer(
					    (json_int_t)in->out_of_order));
	} else if (in->sender) {
		json_object_set_new(o, "retransmits", json_integer(
					    (json_int_t)in->retransmits));
		if (sp == NULL) /* the peer's: only what its results say */
			return o;
		json_object_set_new(o, "max_snd_cwnd",
				    json_integer(sp->max_cwnd));
		json_object_set_new(o, "max_snd_wnd",
				    json_integer(sp->max_snd_wnd));
		json_object_set_new(o, "max_rtt", json_integer(
					    (json_int_t)sp->max_rtt));
		json_object_set_new(o, "min_rtt", json_integer(
			sp->n_rtt ? (json_int_t)sp->min_rtt : 0));
		json_object_set_new(o, "mean_rtt", json_integer(
			sp->n_rtt ? (json_int_t)(sp->sum_rtt / sp->n_rtt) : 0));
	}
	return o;
}

json_t *
iperf3_report_sum(uint64_t bytes, double seconds, bool sender)
{
	return json_pack("{s:f, s:f, s:f, s:I, s:f, s:b}", "start", 0.0,
			 "end", seconds, "seconds", seconds,
			 "bytes", (json_int_t)bytes,
			 "bits_per_second", iperf3_report_bps(bytes, seconds),
			 "sender", sender);
}

static json_t *
output_end(const struct iperf3_test *t, uint64_t now)
{
	json_t *streams = json_array();
	uint64_t sent = 0, rcvd = 0;
	double secs = 0, cpu[3];

	for (uint32_t i = 0; i < t->n_streams; i++) {
		struct tusk_iperf3_stream_info in;

		iperf3_stream_info(t, &t->streams[i], &in, now);
		*(in.sender ? &sent : &rcvd) += in.bytes;
		secs = in.seconds;
		json_array_append_new(streams, json_pack(
			"{s:o}", t->p.udp ? "udp" :
			in.sender ? "sender" : "receiver",
			iperf3_report_side(t, &t->streams[i], &in)));
	}
	iperf3_report_cpu(t, cpu);
	return json_pack("{s:o, s:o, s:o, s:{s:f, s:f, s:f}, s:s, s:s}",
			 "streams", streams,
			 "sum_sent", iperf3_report_sum(sent, secs, true),
			 "sum_received", iperf3_report_sum(rcvd, secs, false),
			 "cpu_utilization_percent", "host_total", cpu[0],
			 "host_user", cpu[1], "host_system", cpu[2],
			 "sender_tcp_congestion", t->cc_used,
			 "receiver_tcp_congestion", t->cc_used);
}

static json_t *
server_output(const struct tusk_iperf3 *s, uint64_t now)
{
	return json_pack("{s:o, s:o, s:o}", "start", output_start(s),
			 "intervals", iperf3_report_intervals(&s->t),
			 "end", output_end(&s->t, now));
}

char *
iperf3_json_results(const struct tusk_iperf3 *s, size_t *len, uint64_t now)
{
	const struct iperf3_test *t = &s->t;
	bool sends = t->client ? !t->p.reverse || t->p.bidir :
				 t->p.reverse || t->p.bidir;
	double cpu[3];
	json_t *j;
	char *out;

	iperf3_report_cpu(t, cpu);
	/* -1: this side only received (send_results()) */
	j = json_pack("{s:f, s:f, s:f, s:i, s:o}", "cpu_util_total", cpu[0],
		      "cpu_util_user", cpu[1], "cpu_util_system", cpu[2],
		      "sender_has_retransmits", sends && !t->p.udp ? 1 : -1,
		      "streams", stream_results(s, now));
	if (j == NULL)
		return NULL;
	if (!t->p.udp)
		json_object_set_new(j, "congestion_used",
				    json_string(t->cc_used));
	if (t->p.server_output && !t->client)
		json_object_set_new(j, "server_output_json",
				    server_output(s, now));
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (out != NULL)
		*len = strlen(out);
	return out;
}
