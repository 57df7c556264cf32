/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 client: the server's results in, and the test as iperf3 -J
 * prints it on the client (iperf_api.c iperf_print_results with
 * json_output): each stream's sender and receiver side, one ours and one
 * the server's (matched by id), their sums, CPU, congestion; with
 * get_server_output the server's own document as server_output_json.
 *
 *   iperf3_client_report() -> start() -> connected()
 *                          -> iperf3_report_intervals()  (ours)
 *                          -> end() -> tcp_stream() | udp_stream()
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iperf3_client.h"

int
iperf3_client_peer_results(struct tusk_iperf3 *s, char *err, size_t errlen)
{
	json_error_t je;
	/* a 3.12 server writes unused counters as 2^64 - 1: doubles */
	json_t *j = json_loadb((const char *)s->t.in, s->t.in_len,
			       JSON_DECODE_INT_AS_REAL, &je);

	if (j == NULL || !json_is_object(j) ||
	    !json_is_array(json_object_get(j, "streams"))) {
		snprintf(err, errlen, "the server's results: not iperf3's "
			 "results object%s%s", j == NULL ? ": " : "",
			 j == NULL ? je.text : "");
		json_decref(j);
		return -1;
	}
	json_decref(s->cl->peer);
	s->cl->peer = j;
	return 0;
}

static double
num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* The server's side of stream `id`, as our stream info; false when its
 * results do not name it. */
static bool
peer_info(const struct iperf3_client *cl, const struct tusk_iperf3_stream_info *ours,
	  struct tusk_iperf3_stream_info *out)
{
	json_t *a = json_object_get(cl->peer, "streams"), *x;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->id = ours->id;
	out->sender = !ours->sender;
	json_array_foreach(a, i, x) {
		double rt = num(x, "retransmits");

		if ((uint32_t)num(x, "id") != ours->id)
			continue;
		out->bytes = (uint64_t)num(x, "bytes");
		out->seconds = num(x, "end_time") - num(x, "start_time");
		out->retransmits = rt >= 0 ? (uint64_t)rt : 0;
		out->jitter_ms = num(x, "jitter") * 1000;
		out->lost = (uint64_t)num(x, "errors");
		out->packets = (uint64_t)num(x, "packets");
		return true;
	}
	return false;
}

static json_t *
connected(const struct iperf3_test *t)
{
	char host[TUSK_ADDR_STRLEN];
	json_t *a = json_array();

	tusk_addr_format(&t->peer, host, sizeof(host));
	for (uint32_t i = 0; i < t->n_streams; i++)
		json_array_append_new(a, json_pack(
			"{s:I, s:I, s:s, s:I}",
			"socket", (json_int_t)t->streams[i].info.id,
			"local_port", (json_int_t)t->streams[i].local_port,
			"remote_host", host,
			"remote_port", (json_int_t)t->streams[i].info.peer_port));
	return a;
}

static json_t *
start(const struct tusk_iperf3 *s)
{
	const struct iperf3_test *t = &s->t;
	const struct iperf3_client *cl = s->cl;
	char host[TUSK_ADDR_STRLEN];
	uint64_t ms = cl->req.wall_start_ms;
	time_t secs = (time_t)(ms / 1000);
	char when[64] = "";
	struct tm tm;

	/* iperf3's format (iperf_api.c iperf_on_connect), from the wall
	 * clock the request brought */
	if (gmtime_r(&secs, &tm) != NULL)
		strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	tusk_addr_format(&t->peer, host, sizeof(host));
	return json_pack(
		"{s:o, s:s, s:s, s:{s:s, s:I, s:I}, s:{s:s, s:I}, s:s#, s:I, "
		"s:I, s:o}",
		"connected", connected(t),
		"version", "tuskd (iperf3 3.12 protocol)", "system_info", "tuskd",
		"timestamp", "time", when, "timesecs", (json_int_t)(ms / 1000),
		"timemillisecs", (json_int_t)ms,
		"connecting_to", "host", host, "port", (json_int_t)cl->port,
		"cookie", (const char *)t->cookie, IPERF3_COOKIE_SIZE - 1,
		"tcp_mss_default", (json_int_t)t->mss_used,
		"sock_bufsize", (json_int_t)t->p.window,
		"test_start", iperf3_report_test_start(t));
}

/* Sums of one direction: [0] the client's, [1] the server's (--bidir's
 * reverse); sent and received bytes and seconds. */
struct sums {
	uint64_t sent[2], rcvd[2], retrans[2];
	double sent_s[2], rcvd_s[2];
	/* UDP */
	uint64_t packets, lost, ooo;
	double jitter_ms;
};

static json_t *
tcp_stream(const struct iperf3_test *t, const struct iperf3_stream *sp,
	   const struct tusk_iperf3_stream_info *ours,
	   const struct tusk_iperf3_stream_info *peer, struct sums *x)
{
	const struct tusk_iperf3_stream_info *snd = ours->sender ? ours : peer;
	const struct tusk_iperf3_stream_info *rcv = ours->sender ? peer : ours;
	unsigned int dir = t->p.bidir && !ours->sender ? 1 : 0;

	x->sent[dir] += snd->bytes;
	x->rcvd[dir] += rcv->bytes;
	x->retrans[dir] += snd->retransmits;
	x->sent_s[dir] = RTE_MAX(x->sent_s[dir], snd->seconds);
	x->rcvd_s[dir] = RTE_MAX(x->rcvd_s[dir], rcv->seconds);
	return json_pack("{s:o, s:o}",
			 "sender", iperf3_report_side(t, ours->sender ? sp : NULL,
						      snd),
			 "receiver", iperf3_report_side(t, ours->sender ? NULL :
							sp, rcv));
}

/* UDP: one entry a stream, the sender's bytes and packets with the
 * receiver's loss and jitter (as iperf3's client prints it). */
static json_t *
udp_stream(const struct iperf3_test *t, const struct iperf3_stream *sp,
	   const struct tusk_iperf3_stream_info *ours,
	   const struct tusk_iperf3_stream_info *peer, struct sums *x)
{
	const struct tusk_iperf3_stream_info *snd = ours->sender ? ours : peer;
	const struct tusk_iperf3_stream_info *rcv = ours->sender ? peer : ours;
	struct tusk_iperf3_stream_info m = *snd;

	m.jitter_ms = rcv->jitter_ms;
	m.lost = rcv->lost;
	m.out_of_order = rcv->out_of_order;
	m.packets = snd->packets;
	m.sender = ours->sender;
	x->sent[0] += snd->bytes;
	x->rcvd[0] += rcv->bytes;
	x->sent_s[0] = RTE_MAX(x->sent_s[0], snd->seconds);
	x->rcvd_s[0] = RTE_MAX(x->rcvd_s[0], rcv->seconds);
	x->packets += m.packets;
	x->lost += m.lost;
	x->ooo += m.out_of_order;
	x->jitter_ms += m.jitter_ms / t->n_streams;
	RTE_SET_USED(sp);
	return json_pack("{s:o}", "udp", iperf3_report_side(t, NULL, &m));
}

static void
udp_sums(json_t *end, const struct sums *x)
{
	json_t *sum = iperf3_report_sum(x->sent[0], x->sent_s[0], true);
	double pct = x->packets ? 100.0 * (double)x->lost /
		(double)x->packets : 0;

	json_object_set_new(sum, "jitter_ms", json_real(x->jitter_ms));
	json_object_set_new(sum, "lost_packets",
			    json_integer((json_int_t)x->lost));
	json_object_set_new(sum, "packets",
			    json_integer((json_int_t)x->packets));
	json_object_set_new(sum, "lost_percent", json_real(pct));
	json_object_set_new(sum, "out_of_order",
			    json_integer((json_int_t)x->ooo));
	json_object_set_new(end, "sum", json_deep_copy(sum));
	json_object_set_new(end, "sum_sent", sum);
	sum = iperf3_report_sum(x->rcvd[0], x->rcvd_s[0], false);
	json_object_set_new(sum, "jitter_ms", json_real(x->jitter_ms));
	json_object_set_new(sum, "lost_packets",
			    json_integer((json_int_t)x->lost));
	json_object_set_new(sum, "packets",
			    json_integer((json_int_t)x->packets));
	json_object_set_new(sum, "lost_percent", json_real(pct));
	json_object_set_new(end, "sum_received", sum);
}

static json_t *
sum_sent(const struct sums *x, unsigned int dir)
{
	json_t *o = iperf3_report_sum(x->sent[dir], x->sent_s[dir], true);

	json_object_set_new(o, "retransmits",
			    json_integer((json_int_t)x->retrans[dir]));
	return o;
}

static void
tcp_sums(json_t *end, const struct iperf3_test *t, const struct sums *x)
{
	json_object_set_new(end, "sum_sent", sum_sent(x, 0));
	json_object_set_new(end, "sum_received", iperf3_report_sum(
		x->rcvd[0], x->rcvd_s[0], false));
	if (!t->p.bidir)
		return;
	json_object_set_new(end, "sum_sent_bidir_reverse", sum_sent(x, 1));
	json_object_set_new(end, "sum_received_bidir_reverse",
			    iperf3_report_sum(x->rcvd[1], x->rcvd_s[1],
					      false));
}

/* Congestion controllers: the sender's and the receiver's. */
static void
congestion(json_t *end, const struct tusk_iperf3 *s)
{
	const char *ours = s->t.cc_used;
	const char *theirs = json_string_value(json_object_get(
		s->cl->peer, "congestion_used"));
	bool we_send = !s->t.p.reverse;

	if (s->t.p.udp)
		return;
	theirs = theirs != NULL ? theirs : "";
	json_object_set_new(end, "sender_tcp_congestion",
			    json_string(we_send ? ours : theirs));
	json_object_set_new(end, "receiver_tcp_congestion",
			    json_string(we_send ? theirs : ours));
}

static json_t *
end(const struct tusk_iperf3 *s, uint64_t now)
{
	const struct iperf3_test *t = &s->t;
	json_t *streams = json_array(), *o;
	struct sums x;
	double cpu[3];

	memset(&x, 0, sizeof(x));
	for (uint32_t i = 0; i < t->n_streams; i++) {
		const struct iperf3_stream *sp = &t->streams[i];
		struct tusk_iperf3_stream_info ours, peer;

		iperf3_stream_info(t, sp, &ours, now);
		peer_info(s->cl, &ours, &peer);
		json_array_append_new(streams, t->p.udp ?
			udp_stream(t, sp, &ours, &peer, &x) :
			tcp_stream(t, sp, &ours, &peer, &x));
	}
	iperf3_report_cpu(t, cpu);
	o = json_pack("{s:o, s:{s:f, s:f, s:f, s:f, s:f, s:f}}",
		      "streams", streams, "cpu_utilization_percent",
		      "host_total", cpu[0], "host_user", cpu[1],
		      "host_system", cpu[2],
		      "remote_total", num(s->cl->peer, "cpu_util_total"),
		      "remote_user", num(s->cl->peer, "cpu_util_user"),
		      "remote_system", num(s->cl->peer, "cpu_util_system"));
	if (t->p.udp)
		udp_sums(o, &x);
	else
		tcp_sums(o, t, &x);
	congestion(o, s);
	return o;
}

json_t *
iperf3_client_report(struct tusk_iperf3 *s, const char *why, uint64_t now)
{
	json_t *j = json_pack("{s:o, s:o}", "start", start(s),
			      "intervals", iperf3_report_intervals(&s->t));
	json_t *out;

	if (j == NULL)
		return NULL;
	if (why != NULL) {
		/* as iperf3 -J on an error: what is known, and "error" */
		json_object_set_new(j, "end", json_object());
		json_object_set_new(j, "error", json_string(why));
		return j;
	}
	json_object_set_new(j, "end", end(s, now));
	out = json_object_get(s->cl->peer, "server_output_json");
	if (out != NULL)
		json_object_set(j, "server_output_json", out);
	out = json_object_get(s->cl->peer, "server_output_text");
	if (out != NULL)
		json_object_set(j, "server_output_text", out);
	return j;
}
