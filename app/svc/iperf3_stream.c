/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3: the streams of a test, TCP and UDP alike where they agree.
 *
 *   iperf3_test_begin() -> iperf3_stream_start(): controller, baselines
 *   writable() / iperf3_poll_senders() -> iperf3_stream_fill()
 *       -> tusk_pattern_chain() -> tusk_tcp_send()
 *   poll, every second -> iperf3_stream_sample() (server output)
 *   omit end -> iperf3_stream_omit_end(): counting starts over
 *   TEST_END -> iperf3_stream_stop(): last statistics, close
 */
#include <string.h>

#include "iperf3_priv.h"
#include "udp_wire.h"

static bool
is_tcp(const struct iperf3_stream *sp)
{
	return sp->conn != NULL || sp->c != NULL;
}

/* Fresh statistics while the connection lives; the last ones after. */
static const struct tusk_tcp_conn_stats *
stats(struct iperf3_stream *sp)
{
	if (sp->c != NULL)
		tusk_tcp_conn_stats(sp->c, &sp->tcp);
	return &sp->tcp;
}

struct iperf3_stream *
iperf3_stream_add(struct tusk_iperf3 *s, const struct tusk_addr *peer,
		  uint16_t peer_port)
{
	struct iperf3_test *t = &s->t;
	struct iperf3_stream *sp;
	uint32_t i = t->n_streams;

	if (i >= t->want_streams)
		return NULL;
	sp = &t->streams[t->n_streams++];
	memset(sp, 0, sizeof(*sp));
	/* iperf_add_stream(): 1, then 3, 4, ... (kept for old clients) */
	sp->info.id = i == 0 ? 1 : i + 2;
	/* iperf_run_server(): the client's senders connect first */
	if (t->p.reverse)
		sp->info.sender = true;
	else if (t->p.bidir)
		sp->info.sender = i >= t->p.parallel;
	if (t->client) /* the same stream, seen from the other end */
		sp->info.sender = !sp->info.sender;
	sp->local_port = s->port;
	sp->peer = *peer;
	sp->info.peer_port = peer_port;
	sp->min_rtt = UINT64_MAX;
	return sp;
}

void
iperf3_stream_start(struct tusk_iperf3 *s, struct iperf3_stream *sp,
		    uint64_t now)
{
	struct iperf3_test *t = &s->t;

	if (sp->c == NULL)
		return; /* UDP: iperf3_udp.c */
	if (t->p.cc[0] != '\0' && tusk_tcp_set_cc(sp->c, t->p.cc, now) < 0)
		IPERF3_LOG(WARNING, "cannot switch to %s\n", t->p.cc);
	stats(sp);
	memcpy(t->cc_used, sp->tcp.cc, sizeof(t->cc_used));
	t->mss_used = sp->tcp.mss;
	sp->retrans_omit = sp->tcp.segs_retrans;
	sp->next_poll = now;
	if (sp->info.sender)
		iperf3_stream_fill(s, sp, now);
}

/* Room to queue more (pattern.h's bound). */
static bool
room(struct iperf3_stream *sp, uint64_t now)
{
	return tusk_pattern_queue_room(&sp->q, sp->c, TUSK_TCP_SND_BUF_DEFAULT,
				       &sp->tcp, now);
}

/* With -b, what the stream may have written by now (iperf3's rate is
 * per stream, from the start); UINT64_MAX without. */
static uint64_t
allowed(const struct iperf3_test *t, uint64_t now)
{
	if (t->p.bandwidth == 0)
		return UINT64_MAX;
	return (uint64_t)((double)(now - t->t_start) / NS_PER_SEC *
			  (double)t->p.bandwidth / 8);
}

void
iperf3_stream_fill(struct tusk_iperf3 *s, struct iperf3_stream *sp,
		   uint64_t now)
{
	uint64_t may = allowed(&s->t, now);

	sp->next_poll = now + IPERF3_RETRY_NS;
	while (sp->c != NULL && sp->info.sender) {
		int64_t took;

		if (sp->pending == NULL) {
			/* whole chunks, as iperf3 writes whole blocks: a
			 * trickle of small writes would wait on Nagle and
			 * the peer's delayed ACKs */
			uint64_t chunks = RTE_MIN((may - sp->taken) /
						  TUSK_PATTERN_CHUNK,
						  (uint64_t)TUSK_PATTERN_BATCH);

			if (sp->taken > may || chunks == 0 || !room(sp, now))
				return;
			sp->pending = tusk_pattern_chain(
				&s->pat, (unsigned int)chunks,
				chunks * TUSK_PATTERN_CHUNK);
			if (sp->pending == NULL)
				return;
		}
		took = tusk_tcp_send(sp->c, &sp->pending, now);
		if (took < 0) {
			rte_pktmbuf_free(sp->pending);
			sp->pending = NULL;
			return;
		}
		sp->taken += (uint64_t)took;
		if (sp->pending != NULL)
			return; /* writable() calls again */
	}
}

void
iperf3_poll_senders(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	for (uint32_t i = 0; i < t->n_streams; i++) {
		struct iperf3_stream *sp = &t->streams[i];

		if (sp->info.sender && sp->c != NULL && now >= sp->next_poll)
			iperf3_stream_fill(s, sp, now);
	}
}

/* A TCP sender's bytes: those the client's TCP acknowledged of what the
 * stream wrote. iperf3 counts what it wrote to its socket, but tuskd's
 * queue is deep (2 windows beyond what is acknowledged, pattern.h):
 * written, a stream would claim tens of MB the client never got. */
static uint64_t
sent(const struct iperf3_stream *sp, const struct tusk_tcp_conn_stats *st)
{
	return RTE_MIN(sp->taken, st->bytes_acked);
}

static void
sync_sent(struct iperf3_stream *sp)
{
	if (sp->info.sender && sp->c != NULL)
		sp->bytes_all = sent(sp, stats(sp));
}

void
iperf3_stream_omit_end(struct iperf3_stream *sp, uint64_t now)
{
	RTE_SET_USED(now);
	sync_sent(sp);
	sp->bytes_omit = sp->bytes_all;
	if (sp->c != NULL)
		sp->retrans_omit = stats(sp)->segs_retrans;
	/* iperf_reset_stats(): jitter starts over, the counts are kept */
	sp->seq_omit = sp->seq_max;
	sp->lost_omit = sp->lost;
	sp->ooo_omit = sp->ooo;
	sp->jitter = 0;
	sp->got_first = false;
}

void
iperf3_stream_stop(struct tusk_iperf3 *s, struct iperf3_stream *sp,
		   bool close, uint64_t now)
{
	if (sp->c != NULL) {
		sync_sent(sp);
		stats(sp);
		sp->info.retransmits = sp->tcp.segs_retrans - sp->retrans_omit;
	}
	rte_pktmbuf_free(sp->pending);
	sp->pending = NULL;
	if (close && sp->conn != NULL) {
		struct tusk_tcp_conn *c = sp->c;
		struct iperf3_conn *k = sp->conn;

		/* as iperf3's close(): FIN after what is queued; data the
		 * client still sends is answered with RST */
		memset(k, 0, sizeof(*k));
		sp->c = NULL;
		sp->conn = NULL;
		tusk_tcp_close(c, now);
	}
	RTE_SET_USED(s);
}

/* Path MTU as iperf3 reports it (tcpi_pmtu): our MTU toward the peer. */
static uint32_t
pmtu(struct tusk_iperf3 *s, const struct iperf3_stream *sp)
{
	uint32_t p = tusk_udp_max_payload(s->env.st, &sp->peer);

	return p != 0 ? p + TUSK_UDP_IPV4_OVERHEAD : 0;
}

void
iperf3_stream_sample(struct tusk_iperf3 *s, struct iperf3_stream *sp,
		     uint32_t slot, bool keep)
{
	struct iperf3_sample x;
	uint64_t rtt_us;

	sync_sent(sp);
	memset(&x, 0, sizeof(x));
	x.bytes = sp->bytes_all - sp->sample_bytes;
	sp->sample_bytes = sp->bytes_all;
	if (sp->c != NULL) {
		const struct tusk_tcp_conn_stats *st = stats(sp);

		x.retransmits = (uint32_t)(st->segs_retrans -
					   sp->sample_retrans);
		sp->sample_retrans = st->segs_retrans;
		x.snd_cwnd = st->cwnd;
		x.snd_wnd = st->snd_wnd;
		rtt_us = st->srtt_ns / NS_PER_US;
		x.rtt_us = (uint32_t)rtt_us;
		x.rttvar_us = (uint32_t)(st->rttvar_ns / NS_PER_US);
		x.pmtu = pmtu(s, sp);
		sp->max_cwnd = RTE_MAX(sp->max_cwnd, st->cwnd);
		sp->max_snd_wnd = RTE_MAX(sp->max_snd_wnd, st->snd_wnd);
		sp->max_rtt = RTE_MAX(sp->max_rtt, rtt_us);
		sp->min_rtt = RTE_MIN(sp->min_rtt, rtt_us);
		sp->sum_rtt += rtt_us;
		sp->n_rtt++;
	}
	if (keep)
		s->t.samples[(sp - s->t.streams) * IPERF3_INTERVALS_MAX +
			     slot] = x;
}

void
iperf3_stream_info(const struct iperf3_test *t,
		   const struct iperf3_stream *sp,
		   struct tusk_iperf3_stream_info *out, uint64_t now)
{
	uint64_t from = RTE_MAX(t->t_start, t->t_omit_end);
	uint64_t to = t->t_end != 0 ? t->t_end : now;
	struct tusk_tcp_conn_stats live;
	const struct tusk_tcp_conn_stats *st = &sp->tcp;

	*out = sp->info;
	out->bytes = sp->bytes_all - sp->bytes_omit;
	out->seconds = t->t_start != 0 && to > from ?
		(double)(to - from) / NS_PER_SEC : 0;
	if (sp->c != NULL) {
		tusk_tcp_conn_stats(sp->c, &live);
		st = &live;
		out->retransmits = st->segs_retrans - sp->retrans_omit;
		if (sp->info.sender)
			out->bytes = sent(sp, st) - sp->bytes_omit;
	}
	if (is_tcp(sp) || st->mss != 0) {
		out->snd_cwnd = st->cwnd;
		out->rtt_us = st->srtt_ns / NS_PER_US;
	}
	out->packets = sp->seq_max;
	out->lost = sp->lost;
	out->out_of_order = sp->ooo;
	out->jitter_ms = sp->jitter * 1000;
}
