/* SPDX-License-Identifier: BSD-3-Clause */
/* RACK-TLP (RFC 8985); see tcp_rack.h. */
#include <stddef.h>

#include "tcp_rack.h"
#include "tcp_seq.h"

void
tusk_tcp_rack_init(struct tusk_tcp_rack *r, uint32_t snd_una)
{
	*r = (struct tusk_tcp_rack){ .fack = snd_una, .end_seq = snd_una,
				     .reo_wnd_mult = 1 };
}

/* RFC 8985 6.2 "RACK_sent_after". */
static bool
sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && SEQ_GT(seq1, seq2));
}

void
tusk_tcp_rack_update(struct tusk_tcp_rack *r, const struct tusk_tcp_seg *s,
		     const struct tusk_tcp_rtt *rtt, uint64_t now)
{
	/* Step 3: delivered below what was already delivered, and never
	 * retransmitted: the network reordered it. */
	if (SEQ_GT(s->end, r->fack))
		r->fack = s->end;
	else if (SEQ_LT(s->end, r->fack) && !(s->flags & TUSK_TCP_SEG_RETRANS))
		r->reordering_seen = true;
	/* Step 2: an ACK faster than min RTT for a retransmitted segment
	 * acknowledges the original: ambiguous, no sample. */
	if ((s->flags & TUSK_TCP_SEG_RETRANS) && rtt->min_rtt != 0 &&
	    now - s->xmit_ts < rtt->min_rtt)
		return;
	if (r->have_xmit &&
	    !sent_after(s->xmit_ts, s->end, r->xmit_ts, r->end_seq))
		return;
	r->have_xmit = true;
	r->rtt = now - s->xmit_ts;
	r->xmit_ts = s->xmit_ts;
	r->end_seq = s->end;
}

void
tusk_tcp_rack_dsack(struct tusk_tcp_rack *r, uint32_t snd_una,
		    uint32_t snd_nxt)
{
	if (r->dsack_round_on && SEQ_GEQ(snd_una, r->dsack_round))
		r->dsack_round_on = false;
	/* One increase per round trip, however many D-SACKs it brings. */
	if (!r->dsack_round_on) {
		if (r->reo_wnd_mult < TUSK_TCP_RACK_REO_MULT_MAX)
			r->reo_wnd_mult++;
		r->dsack_round_on = true;
		r->dsack_round = snd_nxt;
		r->reo_wnd_persist = TUSK_TCP_RACK_REO_PERSIST;
	}
	/* A D-SACK is proof of reordering (or a spurious timeout). */
	r->reordering_seen = true;
}

void
tusk_tcp_rack_recovery_done(struct tusk_tcp_rack *r)
{
	if (r->reo_wnd_persist > 0 && --r->reo_wnd_persist == 0)
		r->reo_wnd_mult = 1;
}

uint64_t
tusk_tcp_rack_reo_wnd(const struct tusk_tcp_rack *r,
		      const struct tusk_tcp_rtt *rtt,
		      const struct tusk_tcp_sb *sb, bool in_recovery)
{
	uint64_t w;

	/* Step 4: with no reordering seen, act like DupThresh: in recovery,
	 * or with DupThresh segments SACKed, the window is zero. */
	if (!r->reordering_seen &&
	    (in_recovery || sb->nsacked >= TUSK_TCP_DUPTHRESH))
		return 0;
	w = (uint64_t)r->reo_wnd_mult * (rtt->min_rtt / 4);
	return w < rtt->srtt ? w : rtt->srtt;
}

uint64_t
tusk_tcp_rack_detect(struct tusk_tcp_rack *r, struct tusk_tcp_sb *sb,
		     const struct tusk_tcp_rtt *rtt, bool in_recovery,
		     tusk_tcp_rack_lost_fn fn, void *ctx, uint64_t now)
{
	uint64_t reo = tusk_tcp_rack_reo_wnd(r, rtt, sb, in_recovery);
	uint32_t id = sb->thead;

	if (!r->have_xmit)
		return 0; /* nothing delivered yet */
	while (id != TUSK_TCP_SEG_NIL) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);
		uint32_t next = s->tnext;
		uint64_t deadline;

		/* Time order: the first segment sent after the newest
		 * delivered one ends the walk. */
		if (sent_after(s->xmit_ts, s->end, r->xmit_ts, r->end_seq))
			break;
		deadline = s->xmit_ts + r->rtt + reo;
		if (deadline > now)
			return deadline;
		tusk_tcp_sb_mark_lost(sb, id);
		if (fn != NULL)
			fn(ctx, id);
		id = next;
	}
	return 0;
}

uint64_t
tusk_tcp_rack_pto(const struct tusk_tcp_rtt *rtt, uint32_t segs_in_flight)
{
	uint64_t pto;

	if (rtt->srtt == 0)
		return TUSK_TCP_RTO_INIT;
	pto = 2 * rtt->srtt;
	if (segs_in_flight <= 1)
		pto += TUSK_TCP_TLP_WCDELACK;
	return pto;
}
