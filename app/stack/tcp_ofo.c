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

void
tusk_tcp_ofo_init(struct tusk_tcp_ofo *o, int socket_id)
{
	*o = (struct tusk_tcp_ofo){ .socket_id = socket_id };
}

void
tusk_tcp_ofo_free(struct tusk_tcp_ofo *o)
{
	for (uint32_t i = 0; i < o->n; i++)
		tusk_tcp_mbuf_free_list(o->ext[i].head);
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

		if (SEQ_LT(o->ext[mid].end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
make_room(struct tusk_tcp_ofo *o)
{
	uint32_t cap = o->cap == 0 ? OFO_EXT_MIN : o->cap * 2;
	struct tusk_tcp_ofo_ext *e;

	if (o->n < o->cap)
		return 0;
	if (o->n >= TUSK_TCP_OFO_MAX_EXT)
		return -ENOBUFS;
	e = rte_realloc_socket(o->ext, cap * sizeof(*e), 0, o->socket_id);
	if (e == NULL)
		return -ENOBUFS;
	o->ext = e;
	o->cap = cap;
	return 0;
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
	struct tusk_tcp_ofo_ext *a = &o->ext[i], *b = &o->ext[i + 1];

	if (i + 1 >= o->n || a->end != b->start)
		return;
	*tusk_tcp_mbuf_link(a->tail) = b->head;
	a->tail = b->tail;
	a->end = b->end;
	memmove(b, b + 1, (o->n - i - 2) * sizeof(*b));
	o->n--;
}

/* Append to extent i, which ends at or inside [s, e). */
static int
append(struct tusk_tcp_ofo *o, uint32_t i, uint32_t s, uint32_t e,
       struct rte_mbuf *m, uint32_t *ds, uint32_t *de)
{
	struct tusk_tcp_ofo_ext *x = &o->ext[i];

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
	if (i + 1 < o->n && SEQ_GT(e, o->ext[i + 1].start)) {
		if (*ds == *de) {
			*ds = o->ext[i + 1].start;
			*de = tusk_seq_min(e, o->ext[i + 1].end);
		}
		tusk_tcp_mbuf_trim_back(m, o->ext[i + 1].start - s);
		e = o->ext[i + 1].start;
	}
	link_after(x, m);
	x->end = e;
	o->bytes += e - s;
	merge_next(o, i);
	return TUSK_TCP_OFO_NEW;
}

/* A new extent before extent i (or at the end). */
static int
insert_before(struct tusk_tcp_ofo *o, uint32_t i, uint32_t s, uint32_t e,
	      struct rte_mbuf *m, uint32_t *ds, uint32_t *de)
{
	struct tusk_tcp_ofo_ext *x;

	if (i < o->n && SEQ_GT(e, o->ext[i].start)) {
		*ds = o->ext[i].start;
		*de = tusk_seq_min(e, o->ext[i].end);
		tusk_tcp_mbuf_trim_back(m, o->ext[i].start - s);
		e = o->ext[i].start;
	}
	*tusk_tcp_mbuf_link(m) = NULL;
	if (i < o->n && e == o->ext[i].start) {
		x = &o->ext[i];
		*tusk_tcp_mbuf_link(m) = x->head;
		x->head = m;
		x->start = s;
		o->bytes += e - s;
		return TUSK_TCP_OFO_NEW;
	}
	if (make_room(o) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memmove(&o->ext[i + 1], &o->ext[i], (o->n - i) * sizeof(o->ext[0]));
	o->ext[i] = (struct tusk_tcp_ofo_ext){ .start = s, .end = e,
					      .head = m, .tail = m };
	o->n++;
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
	if (i < o->n && SEQ_LEQ(o->ext[i].start, seq))
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

	if (o->n == 0 || SEQ_GT(o->ext[0].start, rcv_nxt))
		return NULL;
	x = o->ext[0];
	memmove(&o->ext[0], &o->ext[1], (o->n - 1) * sizeof(x));
	o->n--;
	o->bytes -= x.end - x.start;
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

		if (i >= o->n || SEQ_GT(o->ext[i].start, o->recent[r]) ||
		    has_block(b, n, o->ext[i].start))
			continue;
		b[n++] = (struct tusk_tcp_sack_block){ o->ext[i].start,
						       o->ext[i].end };
	}
	for (uint32_t i = 0; i < o->n && n < max; i++) {
		if (!has_block(b, n, o->ext[i].start))
			b[n++] = (struct tusk_tcp_sack_block){ o->ext[i].start,
							       o->ext[i].end };
	}
	return n;
}
