/* SPDX-License-Identifier: BSD-3-Clause */
/* Out-of-order reassembly (see tcp_ofo.h). */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "tcp_mbuf.h"
#include "tcp_ofo.h"
#include "tcp_seq.h"

/* First array size; doubles up to TUSK_TCP_OFO_MAX_EXT. */
#define OFO_EXT_MIN 16

static inline struct tusk_tcp_ofo_ext *
at(const struct tusk_tcp_ofo *o, uint32_t i)
{
	return &o->ext[o->off + i];
}

void
tusk_tcp_ofo_init(struct tusk_tcp_ofo *o, int socket_id)
{
	*o = (struct tusk_tcp_ofo){ .socket_id = socket_id };
}

void
tusk_tcp_ofo_free(struct tusk_tcp_ofo *o)
{
	for (uint32_t i = 0; i < o->n; i++)
		tusk_tcp_mbuf_free_list(at(o, i)->head);
	rte_free(o->ext);
	tusk_tcp_ofo_init(o, o->socket_id);
}

/* First extent whose end is at or after seq (it may touch seq). */
static uint32_t
lower_bound(const struct tusk_tcp_ofo *o, uint32_t seq)
{
	uint32_t lo = 0, hi = o->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (SEQ_LT(at(o, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Move the n extents to the middle of an array of cap (new or same). */
static void
recenter(struct tusk_tcp_ofo *o, struct tusk_tcp_ofo_ext *to, uint32_t cap)
{
	uint32_t off = (cap - o->n) / 2;

	/* the first array: nothing to move, and ext is NULL (memmove from
	 * NULL is undefined even for 0 bytes, C11 7.24.1p2) */
	if (o->n > 0)
		memmove(&to[off], at(o, 0), o->n * sizeof(*to));
	o->ext = to;
	o->cap = cap;
	o->off = off;
}

/* Open a slot at index i; returns it, or NULL at the cap. */
static struct tusk_tcp_ofo_ext *
open_slot(struct tusk_tcp_ofo *o, uint32_t i)
{
	const size_t sz = sizeof(*o->ext);

	if (o->off > 0 && (i < o->n / 2 || o->off + o->n == o->cap)) {
		memmove(&o->ext[o->off - 1], at(o, 0), i * sz);
		o->off--;
		return at(o, i);
	}
	if (o->off + o->n < o->cap) {
		memmove(at(o, i + 1), at(o, i), (o->n - i) * sz);
		return at(o, i);
	}
	/* Full: grow (doubling) and put the extents in the middle. */
	if (o->n >= TUSK_TCP_OFO_MAX_EXT)
		return NULL;
	uint32_t cap = o->cap == 0 ? OFO_EXT_MIN : o->cap * 2;
	struct tusk_tcp_ofo_ext *e = rte_malloc_socket("tcp_ofo", cap * sz, 0,
						       o->socket_id);
	if (e == NULL)
		return NULL;
	struct tusk_tcp_ofo_ext *old = o->ext;
	recenter(o, e, cap);
	rte_free(old);
	return open_slot(o, i);
}

/* Close the slot at index i, moving the short side. */
static void
close_slot(struct tusk_tcp_ofo *o, uint32_t i)
{
	const size_t sz = sizeof(*o->ext);

	if (i < o->n / 2) {
		memmove(&o->ext[o->off + 1], at(o, 0), i * sz);
		o->off++;
	} else {
		memmove(at(o, i), at(o, i + 1), (o->n - i - 1) * sz);
	}
	o->n--;
}

static void
note_recent(struct tusk_tcp_ofo *o, uint32_t seq)
{
	unsigned int n = o->nrecent < TUSK_TCP_MAX_SACK ? o->nrecent + 1u
							: TUSK_TCP_MAX_SACK;

	memmove(&o->recent[1], &o->recent[0], (n - 1) * sizeof(o->recent[0]));
	o->recent[0] = seq;
	o->nrecent = (uint8_t)n;
}

static void
link_after(struct tusk_tcp_ofo_ext *x, struct rte_mbuf *m)
{
	*tusk_tcp_mbuf_link(m) = NULL;
	*tusk_tcp_mbuf_link(x->tail) = m;
	x->tail = m;
}

/* Merge extent i+1 into i when they touch. */
static void
merge_next(struct tusk_tcp_ofo *o, uint32_t i)
{
	struct tusk_tcp_ofo_ext *a, *b;

	if (i + 1 >= o->n)
		return;
	a = at(o, i);
	b = at(o, i + 1);
	if (a->end != b->start)
		return;
	*tusk_tcp_mbuf_link(a->tail) = b->head;
	a->tail = b->tail;
	a->end = b->end;
	a->pkts += b->pkts;
	close_slot(o, i + 1);
}

/* Append to extent i, which ends at or inside [s, e). */
static int
append(struct tusk_tcp_ofo *o, uint32_t i, uint32_t s, uint32_t e,
       struct rte_mbuf *m, uint32_t *ds, uint32_t *de)
{
	struct tusk_tcp_ofo_ext *x = at(o, i), *y = NULL;

	if (i + 1 < o->n)
		y = at(o, i + 1);
	if (SEQ_LEQ(e, x->end)) {
		*ds = s;
		*de = e;
		rte_pktmbuf_free(m);
		return TUSK_TCP_OFO_DUP;
	}
	if (SEQ_LT(s, x->end)) {
		*ds = s;
		*de = x->end;
		m = tusk_tcp_mbuf_trim_front(m, x->end - s);
		s = x->end;
	}
	if (y != NULL && SEQ_GT(e, y->start)) {
		if (*ds == *de) {
			*ds = y->start;
			*de = tusk_seq_min(e, y->end);
		}
		tusk_tcp_mbuf_trim_back(m, y->start - s);
		e = y->start;
	}
	link_after(x, m);
	x->end = e;
	x->pkts++;
	o->pkts++;
	o->bytes += e - s;
	merge_next(o, i);
	return TUSK_TCP_OFO_NEW;
}

/* A new extent before extent i (or at the end). */
static int
insert_before(struct tusk_tcp_ofo *o, uint32_t i, uint32_t s, uint32_t e,
	      struct rte_mbuf *m, uint32_t *ds, uint32_t *de)
{
	struct tusk_tcp_ofo_ext *x = i < o->n ? at(o, i) : NULL;

	if (x != NULL && SEQ_GT(e, x->start)) {
		*ds = x->start;
		*de = tusk_seq_min(e, x->end);
		tusk_tcp_mbuf_trim_back(m, x->start - s);
		e = x->start;
	}
	*tusk_tcp_mbuf_link(m) = NULL;
	if (x != NULL && e == x->start) {
		*tusk_tcp_mbuf_link(m) = x->head;
		x->head = m;
		x->start = s;
		x->pkts++;
		o->pkts++;
		o->bytes += e - s;
		return TUSK_TCP_OFO_NEW;
	}
	x = open_slot(o, i);
	if (x == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	*x = (struct tusk_tcp_ofo_ext){ .start = s, .end = e, .head = m,
					.tail = m, .pkts = 1 };
	o->n++;
	o->pkts++;
	o->bytes += e - s;
	return TUSK_TCP_OFO_NEW;
}

int
tusk_tcp_ofo_insert(struct tusk_tcp_ofo *o, uint32_t seq, struct rte_mbuf *m,
		    uint32_t limit, uint32_t *dup_start, uint32_t *dup_end)
{
	uint32_t e = seq + m->pkt_len, i;
	int rc;

	*dup_start = *dup_end = seq;
	if (o->bytes + m->pkt_len > limit) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	i = lower_bound(o, seq);
	if (i < o->n && SEQ_LEQ(at(o, i)->start, seq))
		rc = append(o, i, seq, e, m, dup_start, dup_end);
	else
		rc = insert_before(o, i, seq, e, m, dup_start, dup_end);
	if (rc == TUSK_TCP_OFO_NEW)
		note_recent(o, seq);
	return rc;
}

struct rte_mbuf *
tusk_tcp_ofo_pop(struct tusk_tcp_ofo *o, uint32_t rcv_nxt, uint32_t *end)
{
	struct tusk_tcp_ofo_ext x;
	struct rte_mbuf *m;

	if (o->n == 0 || SEQ_GT(at(o, 0)->start, rcv_nxt))
		return NULL;
	x = *at(o, 0);
	o->off++;
	o->n--;
	o->bytes -= x.end - x.start;
	o->pkts -= x.pkts;
	*end = x.end;
	/* Drop what in-order data already covered. */
	m = x.head;
	while (m != NULL && SEQ_LEQ(x.start + m->pkt_len, rcv_nxt)) {
		struct rte_mbuf *next = *tusk_tcp_mbuf_link(m);

		x.start += m->pkt_len;
		rte_pktmbuf_free(m);
		m = next;
	}
	if (m != NULL && SEQ_LT(x.start, rcv_nxt)) {
		struct rte_mbuf *next = *tusk_tcp_mbuf_link(m);

		m = tusk_tcp_mbuf_trim_front(m, rcv_nxt - x.start);
		*tusk_tcp_mbuf_link(m) = next;
	}
	return m;
}

uint32_t
tusk_tcp_ofo_drop_last(struct tusk_tcp_ofo *o)
{
	struct tusk_tcp_ofo_ext *x;
	uint32_t len;

	if (o->n == 0)
		return 0;
	x = at(o, o->n - 1);
	len = x->end - x->start;
	tusk_tcp_mbuf_free_list(x->head);
	o->bytes -= len;
	o->pkts -= x->pkts;
	o->n--;
	return len;
}

static bool
has_block(const struct tusk_tcp_sack_block *b, unsigned int n, uint32_t s)
{
	for (unsigned int i = 0; i < n; i++)
		if (b[i].start == s)
			return true;
	return false;
}

unsigned int
tusk_tcp_ofo_sack(const struct tusk_tcp_ofo *o, struct tusk_tcp_sack_block *b,
		  unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int r = 0; r < o->nrecent && n < max; r++) {
		uint32_t i = lower_bound(o, o->recent[r] + 1);

		if (i >= o->n || SEQ_GT(at(o, i)->start, o->recent[r]) ||
		    has_block(b, n, at(o, i)->start))
			continue;
		b[n++] = (struct tusk_tcp_sack_block){ at(o, i)->start,
						       at(o, i)->end };
	}
	for (uint32_t i = 0; i < o->n && n < max; i++) {
		if (!has_block(b, n, at(o, i)->start))
			b[n++] = (struct tusk_tcp_sack_block){ at(o, i)->start,
							       at(o, i)->end };
	}
	return n;
}
