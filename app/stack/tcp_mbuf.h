/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mbuf helpers for TCP payload: trimming chains at either end (DPDK's
 * rte_pktmbuf_adj/trim only touch one segment) and a link between whole
 * packets (a registered dynamic field) for queues of received segments.
 */
#ifndef TUSK_TCP_MBUF_H
#define TUSK_TCP_MBUF_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

/* Offset of the packet link field; set by tusk_tcp_mbuf_setup(). */
extern int tusk_tcp_mbuf_link_off;

/* Register the packet link (once per process). Returns 0 or -errno. */
int tusk_tcp_mbuf_setup(void);

static inline struct rte_mbuf **
tusk_tcp_mbuf_link(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tusk_tcp_mbuf_link_off, struct rte_mbuf **);
}

/* Drop the first n bytes (n < pkt_len), and empty leading segments;
 * returns the new head. */
static inline struct rte_mbuf *
tusk_tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n)
{
	while (n >= m->data_len && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		n -= m->data_len;
		next->pkt_len = m->pkt_len - m->data_len;
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (n > 0) {
		m->data_off = (uint16_t)(m->data_off + n);
		m->data_len = (uint16_t)(m->data_len - n);
		m->pkt_len -= n;
	}
	return m;
}

/* Keep only the first len bytes (0 < len <= pkt_len). */
static inline void
tusk_tcp_mbuf_trim_back(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m;
	uint32_t seen = 0;
	uint16_t nseg = 1;

	if (len >= m->pkt_len)
		return;
	while (seen + s->data_len < len) {
		seen += s->data_len;
		s = s->next;
		nseg++;
	}
	s->data_len = (uint16_t)(len - seen);
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->pkt_len = len;
	m->nb_segs = nseg;
}

/* Free a list of packets joined by the link field. */
static inline void
tusk_tcp_mbuf_free_list(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = *tusk_tcp_mbuf_link(m);

		rte_pktmbuf_free(m);
		m = next;
	}
}

#endif /* TUSK_TCP_MBUF_H */
