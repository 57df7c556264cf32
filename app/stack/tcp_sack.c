/* SPDX-License-Identifier: BSD-3-Clause */
/* The sender's scoreboard (see tcp_sack.h; RFC 6675, RFC 2018). */
#include <errno.h>

#include <rte_malloc.h>

#include "tcp_sack.h"
#include "tcp_seq.h"

/* First ring: 1024 records (a 9 MB flight of jumbo segments); doubles on
 * demand up to what cwnd needs (2 BDP of 1460-byte segments at 10 Gbit/s
 * and 200 ms is 340 Ki records). */
#define SB_RING_MIN 1024

void
tusk_tcp_sb_init(struct tusk_tcp_sb *sb, int socket_id)
{
	*sb = (struct tusk_tcp_sb){ .thead = TUSK_TCP_SEG_NIL,
				    .ttail = TUSK_TCP_SEG_NIL,
				    .socket_id = socket_id };
}

void
tusk_tcp_sb_free(struct tusk_tcp_sb *sb)
{
	rte_free(sb->ring);
	tusk_tcp_sb_init(sb, sb->socket_id);
}

static int
grow(struct tusk_tcp_sb *sb)
{
	uint32_t size = sb->ring == NULL ? SB_RING_MIN : (sb->mask + 1) * 2;
	struct tusk_tcp_seg *r;

	r = rte_malloc_socket("tcp_sb", (size_t)size * sizeof(*r), 0,
			      sb->socket_id);
	if (r == NULL)
		return -ENOMEM;
	for (uint32_t id = sb->head; id != sb->tail; id++)
		r[id & (size - 1)] = sb->ring[id & sb->mask];
	rte_free(sb->ring);
	sb->ring = r;
	sb->mask = size - 1;
	return 0;
}

static void
tlist_remove(struct tusk_tcp_sb *sb, uint32_t id)
{
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

	if (s->tprev != TUSK_TCP_SEG_NIL)
		tusk_tcp_sb_at(sb, s->tprev)->tnext = s->tnext;
	else if (sb->thead == id)
		sb->thead = s->tnext;
	else
		return; /* not on the list */
	if (s->tnext != TUSK_TCP_SEG_NIL)
		tusk_tcp_sb_at(sb, s->tnext)->tprev = s->tprev;
	else
		sb->ttail = s->tprev;
	s->tprev = s->tnext = TUSK_TCP_SEG_NIL;
}

static void
tlist_append(struct tusk_tcp_sb *sb, uint32_t id)
{
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

	s->tprev = sb->ttail;
	s->tnext = TUSK_TCP_SEG_NIL;
	if (sb->ttail != TUSK_TCP_SEG_NIL)
		tusk_tcp_sb_at(sb, sb->ttail)->tnext = id;
	else
		sb->thead = id;
	sb->ttail = id;
}

struct tusk_tcp_seg *
tusk_tcp_sb_push(struct tusk_tcp_sb *sb, uint32_t start, uint32_t end,
		 uint8_t flags, uint64_t now)
{
	struct tusk_tcp_seg *s;
	uint32_t id = sb->tail;

	if ((sb->ring == NULL || sb->tail - sb->head == sb->mask + 1) &&
	    grow(sb) != 0)
		return NULL;
	s = tusk_tcp_sb_at(sb, id);
	*s = (struct tusk_tcp_seg){ .start = start, .end = end,
				    .flags = flags, .xmit_ts = now,
				    .xmits = 1,
				    .tprev = TUSK_TCP_SEG_NIL,
				    .tnext = TUSK_TCP_SEG_NIL };
	sb->tail++;
	sb->out += end - start;
	tlist_append(sb, id);
	return s;
}

uint32_t
tusk_tcp_sb_find(const struct tusk_tcp_sb *sb, uint32_t seq)
{
	uint32_t lo = sb->head, hi = sb->tail;

	if (lo == hi || SEQ_LT(seq, tusk_tcp_sb_at(sb, lo)->start) ||
	    SEQ_GEQ(seq, tusk_tcp_sb_at(sb, hi - 1)->end))
		return TUSK_TCP_SEG_NIL;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (SEQ_LEQ(tusk_tcp_sb_at(sb, mid)->start, seq))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void
tusk_tcp_sb_sent(struct tusk_tcp_sb *sb, uint32_t id, uint64_t now)
{
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

	if (s->flags & TUSK_TCP_SEG_LOST) {
		s->flags &= (uint8_t)~TUSK_TCP_SEG_LOST;
		sb->lost -= s->end - s->start;
	}
	tlist_remove(sb, id);
	tlist_append(sb, id);
	s->xmit_ts = now;
	s->xmits++;
	s->flags |= TUSK_TCP_SEG_RETRANS;
}

void
tusk_tcp_sb_mark_lost(struct tusk_tcp_sb *sb, uint32_t id)
{
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

	if (s->flags & (TUSK_TCP_SEG_LOST | TUSK_TCP_SEG_SACKED))
		return;
	s->flags |= TUSK_TCP_SEG_LOST;
	sb->lost += s->end - s->start;
	tlist_remove(sb, id);
	if ((int32_t)(id - sb->lost_hint) < 0)
		sb->lost_hint = id;
}

static void
unflag(struct tusk_tcp_sb *sb, struct tusk_tcp_seg *s, uint32_t id)
{
	uint32_t len = s->end - s->start;

	if (s->flags & TUSK_TCP_SEG_SACKED) {
		sb->sacked -= len;
		sb->nsacked--;
	} else if (s->flags & TUSK_TCP_SEG_LOST) {
		sb->lost -= len;
	} else {
		tlist_remove(sb, id);
	}
}

uint32_t
tusk_tcp_sb_ack(struct tusk_tcp_sb *sb, uint32_t ack,
		tusk_tcp_sb_visit_fn fn, void *ctx)
{
	uint32_t n = 0;

	while (sb->head != sb->tail) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, sb->head);
		bool was_sacked = (s->flags & TUSK_TCP_SEG_SACKED) != 0;

		if (SEQ_LEQ(ack, s->start))
			break;
		if (SEQ_LT(ack, s->end)) {
			/* Partial ACK of a record: trim it, count the bytes. */
			uint32_t cut = ack - s->start;
			if (s->flags & TUSK_TCP_SEG_SACKED)
				sb->sacked -= cut;
			else if (s->flags & TUSK_TCP_SEG_LOST)
				sb->lost -= cut;
			sb->out -= cut;
			s->start = ack;
			break;
		}
		unflag(sb, s, sb->head);
		sb->out -= s->end - s->start;
		if (fn != NULL)
			fn(ctx, s, was_sacked);
		sb->head++;
		n++;
	}
	if ((int32_t)(sb->lost_hint - sb->head) < 0)
		sb->lost_hint = sb->head;
	if (sb->head == sb->tail)
		sb->high_sacked = ack;
	return n;
}

uint32_t
tusk_tcp_sb_sack(struct tusk_tcp_sb *sb, uint32_t start, uint32_t end,
		 tusk_tcp_sb_visit_fn fn, void *ctx)
{
	uint32_t id = tusk_tcp_sb_find(sb, start), n = 0;

	if (id == TUSK_TCP_SEG_NIL)
		return 0;
	if (tusk_tcp_sb_at(sb, id)->start != start && SEQ_GT(start,
	    tusk_tcp_sb_at(sb, id)->start))
		id++; /* only records wholly inside the block count */
	for (; id != sb->tail; id++) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

		if (SEQ_GT(s->end, end))
			break;
		if (s->flags & TUSK_TCP_SEG_SACKED)
			continue;
		unflag(sb, s, id);
		s->flags &= (uint8_t)~TUSK_TCP_SEG_LOST;
		s->flags |= TUSK_TCP_SEG_SACKED;
		sb->sacked += s->end - s->start;
		sb->nsacked++;
		if (SEQ_GT(s->end, sb->high_sacked))
			sb->high_sacked = s->end;
		if (fn != NULL)
			fn(ctx, s, false);
		n++;
	}
	return n;
}

static void
tlist_prepend(struct tusk_tcp_sb *sb, uint32_t id)
{
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

	s->tnext = sb->thead;
	s->tprev = TUSK_TCP_SEG_NIL;
	if (sb->thead != TUSK_TCP_SEG_NIL)
		tusk_tcp_sb_at(sb, sb->thead)->tprev = id;
	else
		sb->ttail = id;
	sb->thead = id;
}

uint32_t
tusk_tcp_sb_unmark_lost(struct tusk_tcp_sb *sb)
{
	uint32_t n = 0;

	/* Not resent since their first sending, so older than anything in
	 * flight: they go to the front of the time order, and going
	 * through them backwards keeps their own order. */
	for (uint32_t id = sb->tail; id != sb->head; id--) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id - 1);

		if (!(s->flags & TUSK_TCP_SEG_LOST) ||
		    (s->flags & TUSK_TCP_SEG_RETRANS))
			continue;
		s->flags &= (uint8_t)~TUSK_TCP_SEG_LOST;
		sb->lost -= s->end - s->start;
		tlist_prepend(sb, id - 1);
		n++;
	}
	return n;
}

void
tusk_tcp_sb_clear_sacks(struct tusk_tcp_sb *sb)
{
	for (uint32_t id = sb->head; id != sb->tail; id++) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

		if (!(s->flags & TUSK_TCP_SEG_SACKED))
			continue;
		s->flags &= (uint8_t)~TUSK_TCP_SEG_SACKED;
		sb->sacked -= s->end - s->start;
		sb->nsacked--;
		tlist_append(sb, id);
	}
	sb->high_sacked = sb->head != sb->tail ?
			  tusk_tcp_sb_at(sb, sb->head)->start : sb->high_sacked;
}

uint32_t
tusk_tcp_sb_next_lost(struct tusk_tcp_sb *sb)
{
	if (sb->lost == 0) {
		sb->lost_hint = sb->tail;
		return TUSK_TCP_SEG_NIL;
	}
	if ((int32_t)(sb->lost_hint - sb->head) < 0)
		sb->lost_hint = sb->head;
	for (; sb->lost_hint != sb->tail; sb->lost_hint++) {
		if (tusk_tcp_sb_at(sb, sb->lost_hint)->flags & TUSK_TCP_SEG_LOST)
			return sb->lost_hint;
	}
	return TUSK_TCP_SEG_NIL;
}
