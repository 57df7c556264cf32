/* SPDX-License-Identifier: BSD-3-Clause */
/* The send queue (see tcp_sndq.h). */
#include <errno.h>

#include <rte_malloc.h>

#include "tcp_seq.h"
#include "tcp_sndq.h"

/* First ring size: enough for a 64 KB burst of 2 KB mbufs; it doubles on
 * demand (a 256 MiB buffer of 2 KB mbufs needs 128 Ki entries). */
#define SNDQ_RING_MIN 64

/*
 * A segment cut from the queue holds its entry's mbuf by that mbuf's
 * refcnt, counted without atomics: the queue, the segments and whoever
 * frees them (the PMD's tx, the impairment stage) are all on the
 * connection's lcore. rte_pktmbuf_attach() counts atomically on the buffer
 * behind: a locked instruction per segment and per free, and each one
 * waits for every store still pending, among them the cold lines of frames
 * just handed to a zero-copy peer. Each segment's mbuf is attached to the
 * entry's bytes as an external buffer whose shared info (in the segment
 * mbuf's own, unused, data room) calls clone_done() when it is freed.
 */
static void
ent_put(struct rte_mbuf *m)
{
	uint16_t r = rte_mbuf_refcnt_read(m);

	if (r > 1)
		rte_mbuf_refcnt_set(m, (uint16_t)(r - 1));
	else
		rte_pktmbuf_free_seg(m);
}

static void
clone_done(void *addr, void *opaque)
{
	(void)addr;
	ent_put(opaque);
}

void
tusk_tcp_sndq_init(struct tusk_tcp_sndq *q, uint32_t seq, int socket_id)
{
	*q = (struct tusk_tcp_sndq){ .una = seq, .end = seq,
				     .socket_id = socket_id };
}

void
tusk_tcp_sndq_free(struct tusk_tcp_sndq *q)
{
	for (uint32_t i = 0; i < q->n; i++)
		ent_put(q->ring[(q->head + i) & q->mask].m);
	rte_free(q->ring);
	q->ring = NULL;
	q->n = 0;
	q->mask = 0;
	q->una = q->end;
}

static int
grow(struct tusk_tcp_sndq *q)
{
	uint32_t size = q->ring == NULL ? SNDQ_RING_MIN : (q->mask + 1) * 2;
	struct tusk_tcp_sndq_ent *r;

	r = rte_malloc_socket("tcp_sndq", size * sizeof(*r), 0, q->socket_id);
	if (r == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < q->n; i++)
		r[i] = q->ring[(q->head + i) & q->mask];
	rte_free(q->ring);
	q->ring = r;
	q->mask = size - 1;
	q->head = 0;
	return 0;
}

int
tusk_tcp_sndq_append(struct tusk_tcp_sndq *q, struct rte_mbuf *seg)
{
	if ((q->ring == NULL || q->n == q->mask + 1) && grow(q) != 0)
		return -ENOMEM;
	seg->next = NULL;
	seg->nb_segs = 1;
	seg->pkt_len = seg->data_len;
	q->ring[(q->head + q->n) & q->mask] =
		(struct tusk_tcp_sndq_ent){ .m = seg, .seq = q->end };
	q->n++;
	q->end += seg->data_len;
	return 0;
}

void
tusk_tcp_sndq_ack(struct tusk_tcp_sndq *q, uint32_t ack)
{
	if (SEQ_LEQ(ack, q->una))
		return;
	if (SEQ_GT(ack, q->end))
		ack = q->end;
	while (q->n > 0) {
		struct tusk_tcp_sndq_ent *e = &q->ring[q->head];

		if (SEQ_GT(e->seq + e->m->data_len, ack))
			break;
		ent_put(e->m);
		q->head = (q->head + 1) & q->mask;
		q->n--;
	}
	q->una = ack;
}

/* Index (from head) of the entry holding `seq`: binary search. */
static uint32_t
find(const struct tusk_tcp_sndq *q, uint32_t seq)
{
	uint32_t lo = 0, hi = q->n;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (SEQ_LEQ(q->ring[(q->head + mid) & q->mask].seq, seq))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

struct rte_mbuf *
tusk_tcp_sndq_clone(const struct tusk_tcp_sndq *q, uint32_t seq,
		    uint32_t len, struct rte_mempool *pool,
		    struct rte_mbuf **tail)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t i = find(q, seq), left = len;
	uint16_t nseg = 0;

	while (left > 0 && i < q->n) {
		const struct tusk_tcp_sndq_ent *e =
			&q->ring[(q->head + i) & q->mask];
		uint32_t off = seq - e->seq;
		uint32_t take = RTE_MIN(left, (uint32_t)e->m->data_len - off);
		uint16_t refs = rte_mbuf_refcnt_read(e->m);
		struct rte_mbuf_ext_shared_info *sh;
		struct rte_mbuf *mi;

		if (refs == UINT16_MAX || (mi = rte_pktmbuf_alloc(pool)) == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		sh = mi->buf_addr;
		sh->free_cb = clone_done;
		sh->fcb_opaque = e->m;
		rte_mbuf_ext_refcnt_set(sh, 1);
		rte_pktmbuf_attach_extbuf(mi, rte_pktmbuf_mtod_offset(e->m,
					  void *, off),
					  rte_pktmbuf_iova_offset(e->m, off),
					  (uint16_t)take, sh);
		rte_mbuf_refcnt_set(e->m, (uint16_t)(refs + 1));
		mi->data_len = (uint16_t)take;
		mi->pkt_len = take;
		if (head == NULL)
			head = mi;
		else
			last->next = mi;
		last = mi;
		nseg++;
		seq += take;
		left -= take;
		i++;
	}
	if (head != NULL) {
		head->pkt_len = len - left;
		head->nb_segs = nseg;
	}
	*tail = last;
	return head;
}
