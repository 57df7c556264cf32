/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ACK field of an incoming segment, and the loss-detection timers.
 * Call graph:
 *   tusk_tcp_ack_input() -> sack_blocks() -> tusk_tcp_sb_sack()
 *                        -> tusk_tcp_sb_ack()       each delivered record:
 *                             delivered() -> tusk_tcp_rate_on_seg_delivered
 *                                            tusk_tcp_rack_update()
 *                        -> window_update(), rtt sample (RFC 6298)
 *                        -> detect_losses() -> tusk_tcp_rack_detect()
 *                        -> congestion() -> tusk_tcp_cc_*()
 * Loss recovery is RACK-TLP (RFC 8985) over the SACK scoreboard, with
 * RFC 5681 three-duplicate-ACK fast retransmit when the peer has no SACK.
 */
#include <errno.h>

#include "stack_priv.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_output.h"
#include "tcp_seq.h"
#include "tcp_wire.h"

struct ack_ctx {
	struct tusk_tcp_conn *c;
	struct tusk_tcp_rate_sample rs;
	uint64_t now;
	uint64_t rtt_xmit;   /* newest never-resent delivered record's send */
	bool have_rtt;
	uint32_t delivered;  /* records newly delivered */
};

static void
delivered(void *arg, struct tusk_tcp_seg *s, bool was_sacked)
{
	struct ack_ctx *x = arg;
	struct tusk_tcp_conn *c = x->c;
	uint32_t len = s->end - s->start;

	if (was_sacked)
		return; /* counted when it was SACKed */
	x->delivered++;
	c->s.bytes_delivered += len;
	tusk_tcp_rate_on_seg_delivered(&c->rate, &x->rs, &s->rs, len, x->now);
	tusk_tcp_rack_update(&c->rack, s, &c->rtt, x->now);
	/* Karn (RFC 6298 section 3): only never-resent segments time RTT. */
	if (!(s->flags & TUSK_TCP_SEG_RETRANS) &&
	    (!x->have_rtt || s->xmit_ts > x->rtt_xmit)) {
		x->rtt_xmit = s->xmit_ts;
		x->have_rtt = true;
	}
}

static void
lost(void *arg, uint32_t id)
{
	struct ack_ctx *x = arg;
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(&x->c->sb, id);

	tusk_tcp_rate_on_seg_lost(&x->c->rate, &x->rs, s->end - s->start);
}

/* RFC 2883 4.1: a first block below the cumulative ACK, or inside the
 * second block, reports a duplicate. */
static bool
is_dsack(const struct tusk_tcp_opts *o, uint32_t ack)
{
	if (o->nsack == 0)
		return false;
	if (SEQ_LEQ(o->sack[0].end, ack))
		return true;
	return o->nsack > 1 && SEQ_GEQ(o->sack[0].start, o->sack[1].start) &&
	       SEQ_LEQ(o->sack[0].end, o->sack[1].end);
}

/* Mark [s, e) minus what the previous ACK's blocks covered (they were
 * marked then): walk the cached blocks in sequence order. */
static void
sack_new_parts(struct tusk_tcp_conn *c, uint32_t s, uint32_t e,
	       const struct tusk_tcp_sack_block *cache, unsigned int n,
	       struct ack_ctx *x)
{
	uint32_t cur = s;

	for (unsigned int i = 0; i < n && SEQ_LT(cur, e); i++) {
		if (SEQ_LEQ(cache[i].end, cur))
			continue;
		if (SEQ_GEQ(cache[i].start, e))
			break;
		if (SEQ_LT(cur, cache[i].start))
			tusk_tcp_sb_sack(&c->sb, cur, cache[i].start, delivered,
					 x);
		cur = tusk_seq_max(cur, cache[i].end);
	}
	if (SEQ_LT(cur, e))
		tusk_tcp_sb_sack(&c->sb, cur, e, delivered, x);
}

/* The previous blocks, sorted by start (at most 4: insertion sort). */
static unsigned int
sorted_cache(const struct tusk_tcp_conn *c, struct tusk_tcp_sack_block *out)
{
	unsigned int n = c->sack_cache_n;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int j = i;

		out[i] = c->sack_cache[i];
		while (j > 0 && SEQ_LT(out[j].start, out[j - 1].start)) {
			struct tusk_tcp_sack_block t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
			j--;
		}
	}
	return n;
}

/* Process the SACK blocks; returns true if there was a D-SACK. */
static bool
sack_blocks(struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg,
	    struct ack_ctx *x)
{
	const struct tusk_tcp_opts *o = &seg->opt;
	struct tusk_tcp_sack_block cache[TUSK_TCP_MAX_SACK];
	unsigned int ncache, n = 0;
	bool dsack;

	if (!(c->flags & TUSK_TCP_CF_SACK) || !(o->present & TUSK_TCP_OPTF_SACK))
		return false;
	dsack = is_dsack(o, seg->ack);
	ncache = sorted_cache(c, cache);
	for (unsigned int i = dsack ? 1 : 0; i < o->nsack; i++) {
		uint32_t s = o->sack[i].start, e = o->sack[i].end;

		/* RFC 2018 section 3: ignore blocks outside what we sent. */
		if (SEQ_GEQ(s, e) || SEQ_LEQ(e, seg->ack) ||
		    SEQ_GT(e, c->snd_nxt))
			continue;
		if (SEQ_LT(s, seg->ack))
			s = seg->ack;
		sack_new_parts(c, s, e, cache, ncache, x);
		c->sack_cache[n++] = (struct tusk_tcp_sack_block){ s, e };
	}
	c->sack_cache_n = (uint8_t)n;
	return dsack;
}

/* RFC 9293 3.10.7.4: SND.WND from the newest segment only. */
static void
window_update(struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg)
{
	if (SEQ_LT(c->snd_wl1, seg->seq) ||
	    (c->snd_wl1 == seg->seq && SEQ_LEQ(c->snd_wl2, seg->ack))) {
		c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
	}
}

static void
sync_cc(struct tusk_tcp_conn *c)
{
	c->cc.in_flight = tusk_tcp_sb_pipe(&c->sb);
	c->cc.srtt_ns = c->rtt.srtt;
	c->cc.min_rtt_ns = c->rtt.min_rtt;
	c->cc.mss = c->mss;
}

/* Loss found: start a recovery episode unless one is running (RFC 6675
 * 5, RFC 6582 "recover"). */
static void
congestion(struct tusk_tcp_conn *c, uint64_t now)
{
	if (c->flags & (TUSK_TCP_CF_RECOVERY | TUSK_TCP_CF_RTO_RECOVERY))
		return;
	c->flags |= TUSK_TCP_CF_RECOVERY;
	c->recovery_point = c->snd_nxt;
	c->undo_retrans = 0;
	c->s.recoveries++;
	/* RFC 6937 3: RecoverFS = FlightSize at the start of recovery. */
	c->recover_fs = c->snd_nxt - c->snd_una;
	c->prr_delivered = 0;
	c->prr_out = 0;
	c->prr_quota = 0;
	sync_cc(c);
	tusk_tcp_cc_on_congestion_event(&c->cc, now);
}

/* RFC 6937 3 (PRR-SSRB): how much may be sent on this ACK during
 * recovery, so the flight shrinks to ssthresh in step with deliveries
 * instead of in one burst (which refills the queue that overflowed).
 * Window-based controllers only: model-based ones (ssthresh unset, as
 * BBR) pace and bound the flight themselves. */
static void
prr(struct tusk_tcp_conn *c, uint32_t delivered)
{
	uint32_t pipe = tusk_tcp_sb_pipe(&c->sb), ss = c->cc.ssthresh;
	int64_t sndcnt;

	if (!(c->flags & TUSK_TCP_CF_RECOVERY) || ss == UINT32_MAX ||
	    c->recover_fs == 0)
		return;
	c->prr_delivered += delivered;
	if (pipe > ss) {
		sndcnt = (int64_t)((c->prr_delivered * ss + c->recover_fs - 1) /
				   c->recover_fs) - (int64_t)c->prr_out;
	} else {
		int64_t limit = (int64_t)c->prr_delivered - (int64_t)c->prr_out;

		if (limit < (int64_t)delivered)
			limit = delivered;
		limit += c->mss;
		sndcnt = RTE_MIN((int64_t)(ss - pipe), limit);
	}
	c->prr_quota = sndcnt > 0 ? sndcnt : 0;
}

static void
recovery_check(struct tusk_tcp_conn *c, uint64_t now)
{
	if ((c->flags & TUSK_TCP_CF_RECOVERY) &&
	    SEQ_GEQ(c->snd_una, c->recovery_point)) {
		c->flags &= ~TUSK_TCP_CF_RECOVERY;
		sync_cc(c);
		tusk_tcp_cc_on_recovery_exit(&c->cc, now);
		tusk_tcp_rack_recovery_done(&c->rack);
	}
	if ((c->flags & TUSK_TCP_CF_RTO_RECOVERY) &&
	    SEQ_GEQ(c->snd_una, c->recovery_point))
		c->flags &= ~TUSK_TCP_CF_RTO_RECOVERY;
}

/* RFC 2883 / RFC 3708: every retransmission of the episode came back as
 * a duplicate: the loss was spurious, undo the reduction. */
static void
dsack_seen(struct tusk_tcp_conn *c, uint64_t now)
{
	c->s.dsacks++;
	tusk_tcp_rack_dsack(&c->rack, c->snd_una, c->snd_nxt);
	if (!(c->flags & TUSK_TCP_CF_RECOVERY) || c->undo_retrans == 0)
		return;
	if (--c->undo_retrans == 0) {
		c->s.undos++;
		c->flags &= ~TUSK_TCP_CF_RECOVERY;
		c->cc.in_recovery = false;
		tusk_tcp_cc_on_spurious(&c->cc, now);
	}
}

/* RFC 8985 7.4: the probe's ACK. A resent probe acknowledged without a
 * D-SACK repaired a real loss: the congestion controller hears of it. */
static void
tlp_ack(struct tusk_tcp_conn *c, uint32_t ack, bool dsack, uint64_t now)
{
	if (!c->rack.tlp_on || SEQ_LT(ack, c->rack.tlp_end_seq))
		return;
	c->rack.tlp_on = false;
	if (c->rack.tlp_is_retrans && !dsack &&
	    !(c->flags & TUSK_TCP_CF_RECOVERY)) {
		sync_cc(c);
		tusk_tcp_cc_on_congestion_event(&c->cc, now);
		tusk_tcp_cc_on_recovery_exit(&c->cc, now);
	}
}

/* RFC 3522 detection, RFC 4015 response: the first new ACK after a
 * timeout echoes a TSval from before it: the originals arrived. Undo the
 * reduction and take back the "lost" marks not yet acted on. */
static void
eifel(struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg,
      uint64_t now)
{
	if (!c->rto_undo_ok)
		return;
	c->rto_undo_ok = false;
	if (!(seg->opt.present & TUSK_TCP_OPTF_TS) ||
	    (int32_t)(seg->opt.tsecr - c->rto_tsval) >= 0)
		return;
	tusk_tcp_sb_unmark_lost(&c->sb);
	c->flags &= ~TUSK_TCP_CF_RTO_RECOVERY;
	c->rtt.backoff = 0;
	c->s.undos++;
	tusk_tcp_cc_on_spurious(&c->cc, now);
}

/* Without SACK: RFC 5681 3.2 fast retransmit on the third duplicate ACK,
 * RFC 6582 partial ACKs resend the next hole. */
static void
nosack_losses(struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg,
	      bool advanced, struct ack_ctx *x)
{
	if (tusk_tcp_sb_count(&c->sb) == 0)
		return;
	if (advanced) {
		struct tusk_tcp_seg *h = tusk_tcp_sb_at(&c->sb, c->sb.head);

		c->dupacks = 0;
		/* RFC 6582 3.2 step 5: a partial ACK: the next hole goes
		 * now, unless it was resent in this episode already. */
		if ((c->flags & TUSK_TCP_CF_RECOVERY) &&
		    !(h->flags & (TUSK_TCP_SEG_RETRANS | TUSK_TCP_SEG_LOST))) {
			tusk_tcp_sb_mark_lost(&c->sb, c->sb.head);
			lost(x, c->sb.head);
		}
		return;
	}
	if (seg->len == 0 && !(seg->flags & (TUSK_TCP_F_SYN | TUSK_TCP_F_FIN))
	    && ++c->dupacks == TUSK_TCP_DUPTHRESH) {
		tusk_tcp_sb_mark_lost(&c->sb, c->sb.head);
		lost(x, c->sb.head);
	}
}

static void
detect_losses(struct tusk_tcp_conn *c, struct ack_ctx *x, uint64_t now)
{
	uint64_t reo;

	reo = tusk_tcp_rack_detect(&c->rack, &c->sb, &c->rtt,
				   (c->flags & (TUSK_TCP_CF_RECOVERY |
						TUSK_TCP_CF_RTO_RECOVERY)) != 0,
				   lost, x, now);
	c->reo_ts = reo;
}

/* Bytes the service may queue now. */
static uint32_t
send_space(const struct tusk_tcp_conn *c)
{
	uint32_t used = tusk_tcp_sndq_bytes(&c->sq);

	return used < c->snd_buf ? c->snd_buf - used : 0;
}

/* After the scoreboard changed: RTT, losses, congestion control. */
static void
after_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, struct ack_ctx *x,
	  bool progress, uint64_t now)
{
	if (x->have_rtt)
		tusk_tcp_rtt_sample(&c->rtt, now - x->rtt_xmit, now);
	/* RACK needs SACK to tell delivered from missing (RFC 8985 2);
	 * without it, RFC 5681/6582 above decide. */
	if (progress && tusk_tcp_sb_count(&c->sb) > 0 &&
	    (c->flags & TUSK_TCP_CF_SACK))
		detect_losses(c, x, now);
	else if (tusk_tcp_sb_count(&c->sb) == 0)
		c->reo_ts = 0;
	tusk_tcp_rate_sample_end(&c->rate, &x->rs, c->rtt.min_rtt);
	if (x->rs.newly_lost > 0 || c->sb.lost > 0)
		congestion(c, now);
	prr(c, x->rs.acked_sacked);
	sync_cc(c);
	if (x->rs.acked_sacked > 0 || x->rs.newly_lost > 0)
		tusk_tcp_cc_on_ack(&c->cc, &x->rs, now);
	recovery_check(c, now);
	if (progress)
		tusk_tcp_timers_rearm_rtx(tcp, c, now);
}

int
tusk_tcp_ack_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		   struct tusk_tcp_seg_in *seg, uint64_t now)
{
	struct ack_ctx x = { .c = c, .now = now };
	uint32_t ack = seg->ack, lo = c->snd_una - c->max_snd_wnd;
	bool dsack, advanced = SEQ_GT(ack, c->snd_una);

	if (SEQ_GT(ack, c->snd_nxt)) {
		/* RFC 9293 3.10.7.4: ACK of unsent data: ACK and drop,
		 * under the out-of-window limit (RFC 5961 5.2, 7). */
		tusk_tcp_input_oow_ack(tcp, c, seg, now);
		return -1;
	}
	if (SEQ_LT(ack, lo)) {
		/* RFC 5961 5.2: far too old to be real: challenge. */
		tusk_tcp_input_challenge_ack(tcp, c, now);
		return -1;
	}
	/* Header prediction's receiver case: nothing of ours outstanding,
	 * nothing new acknowledged or SACKed, the same window: the segment
	 * is for the receive side alone (every data segment a pure
	 * receiver gets), and the machinery below would find nothing. */
	if (ack == c->snd_una && c->snd_una == c->snd_nxt &&
	    !(seg->opt.present & TUSK_TCP_OPTF_SACK) &&
	    ((uint32_t)seg->wnd << c->snd_wscale) == c->snd_wnd &&
	    tusk_tcp_sb_count(&c->sb) == 0) {
		window_update(c, seg);
		return 0;
	}
	tusk_tcp_rate_sample_begin(&x.rs, tusk_tcp_sb_pipe(&c->sb));
	dsack = sack_blocks(c, seg, &x);
	if (advanced) {
		eifel(c, seg, now);
		/* the FIN's sequence number is not a byte of the stream */
		c->s.bytes_acked += ack - c->snd_una -
			((c->flags & TUSK_TCP_CF_FIN_SENT) && ack == c->snd_nxt);
		tusk_tcp_sb_ack(&c->sb, ack, delivered, &x);
		tusk_tcp_sndq_ack(&c->sq, ack);
		c->snd_una = ack;
		c->persist_backoff = 0;
	}
	if (!(c->flags & TUSK_TCP_CF_SACK))
		nosack_losses(c, seg, advanced, &x);
	if (dsack)
		dsack_seen(c, now);
	tlp_ack(c, ack, dsack, now);
	window_update(c, seg);
	after_ack(tcp, c, &x, advanced || x.delivered > 0 || c->sb.lost > 0,
		  now);
	if ((c->flags & TUSK_TCP_CF_WANT_WRITE) && send_space(c) > 0 &&
	    !(c->flags & TUSK_TCP_CF_CLOSED) && c->ops->writable != NULL) {
		c->flags &= ~TUSK_TCP_CF_WANT_WRITE;
		c->ops->writable(c, c->arg, now);
	}
	return c->state == TUSK_TCP_CLOSED ? -1 : 0;
}

/* ---- timer expiries ----------------------------------------------------- */

void
tusk_tcp_ack_rack_timeout(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			  uint64_t now)
{
	struct ack_ctx x = { .c = c, .now = now };

	/* RFC 8985 6.3: the reordering window passed: look again. */
	tusk_tcp_rate_sample_begin(&x.rs, tusk_tcp_sb_pipe(&c->sb));
	detect_losses(c, &x, now);
	if (c->sb.lost > 0)
		congestion(c, now);
	tusk_tcp_output(tcp, c, now);
	tusk_tcp_timers_rearm_rtx(tcp, c, now);
}

void
tusk_tcp_ack_tlp(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	uint32_t before = c->snd_nxt;

	if (tusk_tcp_sb_count(&c->sb) == 0)
		return;
	/* RFC 8985 7.3: new data if the window allows, else the last
	 * segment again; either way one segment, past cwnd and pacing. */
	c->s.tlp_count++;
	tusk_tcp_output_new_segment(tcp, c, now);
	c->rack.tlp_is_retrans = c->snd_nxt == before;
	if (c->rack.tlp_is_retrans)
		tusk_tcp_output_retransmit(tcp, c, c->sb.tail - 1, now);
	c->rack.tlp_on = true;
	c->rack.tlp_end_seq = c->snd_nxt;
	tusk_tcp_timers_rearm_rtx(tcp, c, now);
}

void
tusk_tcp_ack_rto(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	struct tusk_tcp_rate_sample rs;

	/* RFC 8985 6.3 / RFC 6675 5.1: after an RTO everything not SACKed
	 * is presumed lost and resent from SND.UNA, one cwnd at a time. */
	c->s.rto_count++;
	/* RFC 2018 section 8: a receiver may renege on SACKed data; a second
	 * timeout in a row without progress suggests it did, so the SACKed
	 * records are sent again too. */
	if (c->rtt.backoff >= 2) {
		tusk_tcp_sb_clear_sacks(&c->sb);
		c->sack_cache_n = 0;
	}
	tusk_tcp_rate_sample_begin(&rs, tusk_tcp_sb_pipe(&c->sb));
	for (uint32_t id = c->sb.head; id != c->sb.tail; id++) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(&c->sb, id);

		if (s->flags & (TUSK_TCP_SEG_SACKED | TUSK_TCP_SEG_LOST))
			continue;
		tusk_tcp_sb_mark_lost(&c->sb, id);
		tusk_tcp_rate_on_seg_lost(&c->rate, &rs, s->end - s->start);
	}
	c->flags &= ~TUSK_TCP_CF_RECOVERY;
	c->flags |= TUSK_TCP_CF_RTO_RECOVERY;
	/* Eifel (RFC 3522): remember what TSval the resend carries; an ACK
	 * echoing an older one was for the original, so the timeout was
	 * spurious. Only the first timeout in a row can be told apart. */
	c->rto_undo_ok = (c->flags & TUSK_TCP_CF_TS) && c->rtt.backoff == 1;
	c->rto_tsval = tusk_tcp_ts_now(now) + c->ts_offset;
	c->recovery_point = c->snd_nxt;
	c->undo_retrans = 0;
	c->rack.tlp_on = false;
	c->reo_ts = 0;
	sync_cc(c);
	tusk_tcp_cc_on_rto(&c->cc, now);
	tusk_tcp_output(tcp, c, now);
	tusk_tcp_timers_rearm_rtx(tcp, c, now);
}
