/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 over UDP (iperf_udp.c): streams say hello on the server's port
 * and are told "6789"; datagrams carry the sender's time and a sequence
 * number, from which the receiver counts loss, reordering and jitter.
 *
 *   iperf3_udp_recv(): PH_STREAMS: hello -> a stream, the reply
 *                      PH_RUNNING: udp_data() on a receiver stream
 *   iperf3_udp_poll(): sender streams paced at the client's bandwidth
 */
#include <string.h>

#include "iperf3_priv.h"

static struct iperf3_stream *
find(struct iperf3_test *t, const struct tusk_udp_meta *meta)
{
	for (uint32_t i = 0; i < t->n_streams; i++) {
		struct iperf3_stream *sp = &t->streams[i];

		if (sp->info.peer_port == meta->sport &&
		    tusk_addr_eq(&sp->peer, &meta->src))
			return sp;
	}
	return NULL;
}

static void
reply(struct tusk_iperf3 *s, const struct tusk_udp_meta *meta, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->env.data_pool);

	if (m == NULL)
		return;
	memcpy(rte_pktmbuf_append(m, IPERF3_UDP_HELLO_SIZE), iperf3_udp_reply,
	       IPERF3_UDP_HELLO_SIZE);
	tusk_udp_send(s->env.st, m, s->port, &meta->src, meta->sport, now);
}

/* iperf_udp_accept(): any datagram from the client's address is a hello
 * (iperf3 does not look at it); a repeated one is answered again. */
static void
hello(struct tusk_iperf3 *s, const struct tusk_udp_meta *meta, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	if (!tusk_addr_eq(&meta->src, &t->peer)) {
		s->counters.udp_stray++;
		return;
	}
	if (find(t, meta) == NULL &&
	    iperf3_stream_add(s, &meta->src, meta->sport) == NULL) {
		s->counters.udp_stray++;
		return;
	}
	reply(s, meta, now);
	if (iperf3_all_streams_in(s))
		iperf3_test_begin(s, now);
}

/* iperf_udp_recv(): loss is the gaps in the sequence, a late datagram
 * fills one back in; jitter is RFC 1889's (A.8): the mean deviation of
 * the transit time, J += (|D| - J) / 16, transit measured on two clocks
 * whose offset cancels out. */
void
iperf3_udp_data(struct iperf3_test *t, struct iperf3_stream *sp,
	 const struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t head = t->p.udp64 ? IPERF3_UDP_HEAD_64 : IPERF3_UDP_HEAD_32;
	struct iperf3_udp_head h;
	double sent, transit, d;
	uint64_t seq;

	if (len < head)
		return;
	memcpy(&h, rte_pktmbuf_read(m, 0, head, &h), head);
	seq = t->p.udp64 ? (uint64_t)rte_be_to_cpu_32(h.seq) << 32 |
			   rte_be_to_cpu_32(h.seq_lo) :
		rte_be_to_cpu_32(h.seq);
	sp->bytes_all += len;
	if (seq > sp->seq_max) {
		sp->lost += seq - 1 - sp->seq_max;
		sp->seq_max = seq;
	} else {
		sp->ooo++;
		if (sp->lost > 0)
			sp->lost--;
	}
	sent = rte_be_to_cpu_32(h.sec) + rte_be_to_cpu_32(h.usec) / 1e6;
	transit = (double)now / NS_PER_SEC - sent;
	if (!sp->got_first) {
		sp->prev_transit = transit;
		sp->got_first = true;
	}
	d = transit - sp->prev_transit;
	sp->prev_transit = transit;
	sp->jitter += ((d < 0 ? -d : d) - sp->jitter) / 16.0;
}

void
iperf3_udp_recv(void *arg, struct rte_mbuf *m,
		const struct tusk_udp_meta *meta, uint64_t now)
{
	struct tusk_iperf3 *s = arg;
	struct iperf3_test *t = &s->t;
	struct iperf3_stream *sp;

	if (t->client) {
		s->counters.udp_stray++; /* our client's test, not a server's */
	} else if (t->p.udp && t->phase == PH_STREAMS) {
		hello(s, meta, now);
	} else if (t->p.udp && t->phase == PH_RUNNING &&
		   (sp = find(t, meta)) != NULL) {
		if (!sp->info.sender)
			iperf3_udp_data(t, sp, m, now);
	} else {
		/* a late datagram after the test, or a stranger's */
		s->counters.udp_stray++;
	}
	rte_pktmbuf_free(m);
}

/* One datagram: time, sequence number, zeros (iperf_udp_send()). */
int
iperf3_udp_send_one(struct tusk_iperf3 *s, struct iperf3_stream *sp, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->env.data_pool);
	struct iperf3_udp_head h;
	uint32_t len = s->t.p.len;
	uint8_t *p;

	if (m == NULL || (p = (uint8_t *)rte_pktmbuf_append(
				  m, (uint16_t)len)) == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	sp->seq_max++;
	h.sec = rte_cpu_to_be_32((uint32_t)(now / NS_PER_SEC));
	h.usec = rte_cpu_to_be_32((uint32_t)(now % NS_PER_SEC / NS_PER_US));
	if (s->t.p.udp64) {
		h.seq = rte_cpu_to_be_32((uint32_t)(sp->seq_max >> 32));
		h.seq_lo = rte_cpu_to_be_32((uint32_t)sp->seq_max);
	} else {
		h.seq = rte_cpu_to_be_32((uint32_t)sp->seq_max);
		h.seq_lo = 0;
	}
	memset(p, 0, len);
	memcpy(p, &h, RTE_MIN(len, (uint32_t)sizeof(h)));
	if (tusk_udp_send(s->env.st, m, sp->local_port, &sp->peer,
			  sp->info.peer_port, now) < 0)
		return -1;
	sp->bytes_all += len;
	return 0;
}

void
iperf3_udp_poll(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;
	uint64_t elapsed = now - t->t_start;
	/* datagrams due since the start at the stream's rate (iperf3's
	 * bandwidth is per stream); -b 0: as fast as the burst allows */
	uint64_t due = t->p.bandwidth == 0 ? UINT64_MAX :
		(uint64_t)((double)elapsed / NS_PER_SEC * t->p.bandwidth /
			   8 / t->p.len);

	for (uint32_t i = 0; i < t->n_streams; i++) {
		struct iperf3_stream *sp = &t->streams[i];

		for (unsigned int n = 0; sp->info.sender && n < IPERF3_UDP_BURST &&
		     sp->seq_max < due; n++)
			if (iperf3_udp_send_one(s, sp, now) < 0)
				break;
	}
}
