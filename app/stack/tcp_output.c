/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments out. Call graph:
 *   tusk_tcp_output() -> send_lost() | send_new() -> xmit_data()
 *                     -> tusk_tcp_output_ack() -> xmit_ctl()
 *   xmit_*() -> build() -> tusk_ipv4_output()
 * A data segment is a header mbuf from the stack's pool chained to
 * mbufs attached to the send queue's bytes (tusk_tcp_sndq_clone): payload
 * is never copied.
 */
#include <errno.h>
#include <netinet/in.h>

#include "cksum.h"
#include "ipv4.h"
#include "stack_priv.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_output.h"
#include "tcp_seq.h"
#include "tcp_wire.h"

static uint32_t
tsval(const struct tusk_tcp_conn *c, uint64_t now)
{
	return tusk_tcp_ts_now(now) + c->ts_offset;
}

/* The window field: RFC 7323 2.2, never scaled on a SYN; RFC 9293
 * 3.8.6.2.2, never move the right edge left once offered. */
static uint16_t
window_field(struct tusk_tcp_conn *c, bool syn)
{
	uint32_t w = tusk_tcp_recv_window(c), edge;

	if (syn) {
		w = RTE_MIN(w, TUSK_TCP_MAX_WIN);
		if (SEQ_GT(c->rcv_nxt + w, c->rcv_adv))
			c->rcv_adv = c->rcv_nxt + w;
		return (uint16_t)w;
	}
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt) && c->rcv_adv - c->rcv_nxt > w)
		w = c->rcv_adv - c->rcv_nxt;
	w >>= c->rcv_wscale;
	if (w > TUSK_TCP_MAX_WIN)
		w = TUSK_TCP_MAX_WIN;
	edge = c->rcv_nxt + (w << c->rcv_wscale);
	if (SEQ_GT(edge, c->rcv_adv))
		c->rcv_adv = edge;
	return (uint16_t)w;
}

/* Options of a non-SYN segment: timestamps, then D-SACK and SACK. */
static void
data_opts(struct tusk_tcp_conn *c, struct tusk_tcp_opts *o, uint64_t now)
{
	unsigned int max = TUSK_TCP_MAX_SACK, n = 0;

	o->present = 0;
	if (c->flags & TUSK_TCP_CF_TS) {
		o->present |= TUSK_TCP_OPTF_TS;
		o->tsval = tsval(c, now);
		o->tsecr = c->ts_recent;
		max = TUSK_TCP_MAX_SACK_TS;
	}
	if (!(c->flags & TUSK_TCP_CF_SACK))
		return;
	if (c->dsack_start != c->dsack_end) {
		/* RFC 2883 4: the D-SACK block goes first. */
		o->sack[n++] = (struct tusk_tcp_sack_block){ c->dsack_start,
							     c->dsack_end };
	}
	n += tusk_tcp_ofo_sack(&c->ofo, &o->sack[n], max - n);
	o->nsack = (uint8_t)n;
	if (n > 0)
		o->present |= TUSK_TCP_OPTF_SACK;
}

/* Write the TCP header into header mbuf h and hand the segment (h plus
 * its chained payload) to IPv4. The header goes in as 32-bit words summed
 * on the way (tusk_cksum_put32() in cksum.h says why). */
static int
build(struct tusk_stack *st, struct rte_mbuf *h, const struct tusk_tcp_tuple *t,
      uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
      const struct tusk_tcp_opts *o, uint64_t now)
{
	unsigned int hlen = TUSK_TCP_HDR_LEN +
			    tusk_tcp_options_len(o, TUSK_TCP_OPT_MAX);
	uint64_t sum = 0;
	uint8_t *th;

	th = (uint8_t *)rte_pktmbuf_prepend(h, (uint16_t)hlen);
	if (th == NULL) {
		tusk_stack_drop(st, TUSK_DROP_NO_MBUF, h);
		return -ENOBUFS;
	}
	tusk_cksum_put32(th, rte_cpu_to_be_32((uint32_t)t->lport << 16 |
					      t->rport), &sum);
	tusk_cksum_put32(th + 4, rte_cpu_to_be_32(seq), &sum);
	tusk_cksum_put32(th + 8, rte_cpu_to_be_32(ack), &sum);
	tusk_cksum_put32(th + 12, rte_cpu_to_be_32((hlen / 4) << 28 |
					       (uint32_t)flags << 16 | wnd),
			 &sum);
	tusk_cksum_put32(th + 16, 0, &sum); /* checksum, urgent pointer */
	tusk_tcp_options_write(th + TUSK_TCP_HDR_LEN, TUSK_TCP_OPT_MAX, o,
			       &sum);
	h->l4_len = (uint8_t)hlen;
	st->stats.tcp_tx++;
	return tusk_ipv4_output_summed(st, h, &t->laddr, &t->raddr,
				       IPPROTO_TCP,
				       rte_pktmbuf_data_len(h) == hlen ?
				       tusk_cksum_acc_fold(sum) :
				       TUSK_IPV4_SUM_UNKNOWN, now);
}

/* A header mbuf: data starts at the end of the headroom, so prepending
 * TCP, IPv4 and Ethernet headers fits. */
static struct rte_mbuf *
hdr_mbuf(struct tusk_stack *st)
{
	struct rte_mbuf *h = tusk_stack_alloc(st);

	if (h != NULL)
		h->data_off = RTE_PKTMBUF_HEADROOM;
	return h;
}

static void
ack_sent(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	c->last_ack_sent = c->rcv_nxt;
	c->segs_unacked = 0;
	c->dsack_start = c->dsack_end = 0;
	c->flags &= ~TUSK_TCP_CF_ACK_NOW;
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_DELACK, TUSK_TCP_NEVER);
}

static int
xmit_ctl(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint32_t seq,
	 uint8_t flags, uint64_t now)
{
	struct tusk_stack *st = tcp->st;
	struct tusk_tcp_opts o;
	struct rte_mbuf *h = hdr_mbuf(st);

	if (h == NULL)
		return -ENOBUFS;
	data_opts(c, &o, now);
	if (flags & TUSK_TCP_F_ACK)
		ack_sent(tcp, c);
	return build(st, h, &c->t, seq, c->rcv_nxt, flags,
		     window_field(c, false), &o, now);
}

int
tusk_tcp_output_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		    uint64_t now)
{
	if (c->state == TUSK_TCP_CLOSED || c->state == TUSK_TCP_SYN_SENT)
		return 0;
	return xmit_ctl(tcp, c, c->snd_nxt, TUSK_TCP_F_ACK, now);
}

int
tusk_tcp_output_rst(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		    uint64_t now)
{
	if (c->state == TUSK_TCP_SYN_SENT || c->state == TUSK_TCP_CLOSED)
		return 0;
	return xmit_ctl(tcp, c, c->snd_nxt, TUSK_TCP_F_RST | TUSK_TCP_F_ACK,
			now);
}

int
tusk_tcp_output_probe(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		      bool keepalive, uint64_t now)
{
	/* <SEQ=SND.UNA-1><CTL=ACK>: an old sequence number makes any TCP
	 * answer with an ACK carrying its current window (RFC 1122
	 * 4.2.3.6; Linux probes zero windows the same way). */
	return xmit_ctl(tcp, c, c->snd_una - 1, TUSK_TCP_F_ACK, now);
}

int
tusk_tcp_output_syn(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		    uint64_t now)
{
	struct tusk_stack *st = tcp->st;
	bool synack = c->state == TUSK_TCP_SYN_RECEIVED;
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS,
				   .mss = c->rcv_mss };
	struct rte_mbuf *h = hdr_mbuf(st);

	if (h == NULL)
		return -ENOBUFS;
	if (c->syn_retries == 0)
		c->syn_ts = now + 1; /* 0 means "not sent" */
	if (synack)
		c->last_ack_sent = c->rcv_nxt; /* RFC 7323 4.3 Last.ACK.sent */
	/* RFC 7323 2.2 / RFC 2018: offer on SYN; on SYN-ACK only what the
	 * peer offered. */
	if (synack ? (c->flags & TUSK_TCP_CF_WS) :
	    !(c->flags & TUSK_TCP_CF_NO_WS)) {
		o.present |= TUSK_TCP_OPTF_WS;
		o.wscale = c->rcv_wscale;
	}
	if (synack ? (c->flags & TUSK_TCP_CF_SACK) :
	    !(c->flags & TUSK_TCP_CF_NO_SACK))
		o.present |= TUSK_TCP_OPTF_SACK_OK;
	if (synack ? (c->flags & TUSK_TCP_CF_TS) :
	    !(c->flags & TUSK_TCP_CF_NO_TS)) {
		o.present |= TUSK_TCP_OPTF_TS;
		o.tsval = tsval(c, now);
		o.tsecr = synack ? c->ts_recent : 0;
	}
	return build(st, h, &c->t, c->iss, synack ? c->rcv_nxt : 0,
		     TUSK_TCP_F_SYN | (synack ? TUSK_TCP_F_ACK : 0),
		     window_field(c, true), &o, now);
}

void
tusk_tcp_output_reset_reply(struct tusk_tcp *tcp,
			    const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	struct tusk_tcp_opts o = { .present = 0 };
	struct rte_mbuf *h;

	if (seg->flags & TUSK_TCP_F_RST)
		return; /* never answer a reset */
	h = hdr_mbuf(tcp->st);
	if (h == NULL)
		return;
	/* RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST> if ACK was on, else
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
	if (seg->flags & TUSK_TCP_F_ACK)
		build(tcp->st, h, &seg->t, seg->ack, 0, TUSK_TCP_F_RST, 0, &o,
		      now);
	else
		build(tcp->st, h, &seg->t, 0, tusk_tcp_seg_end(seg),
		      TUSK_TCP_F_RST | TUSK_TCP_F_ACK, 0, &o, now);
}

void
tusk_tcp_output_cookie_synack(struct tusk_tcp *tcp,
			      const struct tusk_tcp_seg_in *seg,
			      uint32_t cookie, uint16_t mss, uint32_t ts,
			      uint64_t now)
{
	const struct tusk_tcp_opts *in = &seg->opt;
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS, .mss = mss };
	struct rte_mbuf *h = hdr_mbuf(tcp->st);

	if (h == NULL)
		return;
	if (in->present & TUSK_TCP_OPTF_TS) {
		/* Without timestamps there is nowhere to keep WS and SACK. */
		o.present |= TUSK_TCP_OPTF_TS;
		o.tsval = ts;
		o.tsecr = in->tsval;
		if (in->present & TUSK_TCP_OPTF_WS) {
			o.present |= TUSK_TCP_OPTF_WS;
			o.wscale = tusk_tcp_conn_wscale_for(
				TUSK_TCP_RCV_MAX_DEFAULT);
		}
		if (in->present & TUSK_TCP_OPTF_SACK_OK)
			o.present |= TUSK_TCP_OPTF_SACK_OK;
	}
	build(tcp->st, h, &seg->t, cookie, seg->seq + 1,
	      TUSK_TCP_F_SYN | TUSK_TCP_F_ACK,
	      (uint16_t)RTE_MIN(TUSK_TCP_RCV_SPACE_INIT, TUSK_TCP_MAX_WIN), &o,
	      now);
}

/* ---- data -------------------------------------------------------------- */

/* A data segment for [seq, seq + len) (+ FIN) from the send queue. */
static int
xmit_data(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint32_t seq,
	  uint32_t len, bool fin, uint16_t tso, uint64_t now)
{
	struct tusk_stack *st = tcp->st;
	uint8_t flags = TUSK_TCP_F_ACK;
	struct rte_mbuf *h = hdr_mbuf(st), *p, *tail;
	struct tusk_tcp_opts o;

	if (h == NULL)
		return -ENOBUFS;
	if (len > 0) {
		p = tusk_tcp_sndq_clone(&c->sq, seq, len, st->conf.pool, &tail);
		if (p == NULL) {
			tusk_stack_drop(st, TUSK_DROP_NO_MBUF, h);
			return -ENOBUFS;
		}
		h->next = p;
		h->nb_segs = (uint16_t)(1 + p->nb_segs);
		h->pkt_len = len;
		flags |= TUSK_TCP_F_PSH;
		if (tso != 0 && len > tso) {
			/* The port cuts it into tso-byte segments. */
			h->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
			h->tso_segsz = tso;
		}
	}
	if (fin)
		flags |= TUSK_TCP_F_FIN;
	data_opts(c, &o, now);
	ack_sent(tcp, c);
	c->s.segs_sent++;
	c->s.bytes_sent += len;
	return build(st, h, &c->t, seq, c->rcv_nxt, flags,
		     window_field(c, false), &o, now);
}

/* Pacing: the next segment may leave once pace_ts <= now + one quantum,
 * so segments leave in bursts of about send_quantum bytes at the rate. */
static uint64_t
quantum_ns(const struct tusk_tcp_conn *c)
{
	if (c->cc.pacing_rate == 0)
		return 0;
	return (uint64_t)c->cc.send_quantum * TUSK_NS_PER_S /
	       c->cc.pacing_rate;
}

static bool
pacing_blocks(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	uint64_t q = quantum_ns(c);

	if (c->cc.pacing_rate == 0 || c->pace_ts <= now + q)
		return false;
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_PACE, c->pace_ts - q);
	return true;
}

/* A sender the pacer held (pace_held) that comes late (its poller was off
 * the core) sends the slots it missed, up to TUSK_TCP_PACE_CREDIT_NS of
 * them; one held by cwnd, the window or the application, or restarting
 * from idle, starts at now, with no burst. */
static void
paced(struct tusk_tcp_conn *c, uint32_t len, uint64_t now)
{
	uint64_t credit = c->pace_held ? TUSK_TCP_PACE_CREDIT_NS : 0;

	if (c->cc.pacing_rate == 0)
		return;
	if (c->pace_ts + credit < now)
		c->pace_ts = now - credit;
	c->pace_ts += (uint64_t)len * TUSK_NS_PER_S / c->cc.pacing_rate;
}

static void
sync_cc(struct tusk_tcp_conn *c)
{
	c->cc.in_flight = tusk_tcp_sb_pipe(&c->sb);
	c->cc.srtt_ns = c->rtt.srtt;
	c->cc.min_rtt_ns = c->rtt.min_rtt;
}

/* RFC 6675 NextSeg rule 1: the oldest segment marked lost. */
static int
send_lost(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint32_t id,
	  uint64_t now)
{
	int rc = tusk_tcp_output_retransmit(tcp, c, id, now);

	if (rc == 0 && (c->flags & TUSK_TCP_CF_RECOVERY))
		c->undo_retrans++;
	return rc;
}

int
tusk_tcp_output_retransmit(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			   uint32_t id, uint64_t now)
{
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(&c->sb, id);
	bool fin = (s->flags & TUSK_TCP_SEG_FIN) != 0;
	uint32_t len = s->end - s->start - (fin ? 1 : 0);
	uint32_t pipe = tusk_tcp_sb_pipe(&c->sb);
	int rc;

	rc = xmit_data(tcp, c, s->start, len, fin, 0, now);
	if (rc == -ENOBUFS)
		return rc;
	tusk_tcp_sb_sent(&c->sb, id, now);
	tusk_tcp_rate_on_send(&c->rate, &s->rs, len + (fin ? 1 : 0), pipe,
			      true, now);
	c->s.segs_retrans++;
	c->s.bytes_retrans += len;
	paced(c, len, now);
	return 0;
}

/* How much new data may go in one segment now; 0 = none. */
static uint32_t
new_len(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, bool *fin)
{
	uint32_t unsent = SEQ_GT(c->sq.end, c->snd_nxt) ?
			  c->sq.end - c->snd_nxt : 0;
	uint32_t wnd_end = c->snd_una + c->snd_wnd, avail, len;
	bool fin_pending = (c->flags & TUSK_TCP_CF_SHUT_WR) &&
			   !(c->flags & TUSK_TCP_CF_FIN_SENT);

	avail = SEQ_GT(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
	len = RTE_MIN(unsent, (uint32_t)c->mss);
	len = RTE_MIN(len, avail);
	*fin = fin_pending && len == unsent;
	if (len == 0 && !*fin)
		return 0;
	if (len < unsent && len < c->mss) {
		/* RFC 9293 3.8.6.2.1 sender SWS avoidance: a partial segment
		 * only when it is half the largest window the peer offered. */
		if (len < c->max_snd_wnd / 2)
			return 0;
	}
	if (len < c->mss && len == unsent && !*fin &&
	    !(c->flags & TUSK_TCP_CF_NODELAY) && c->snd_nxt != c->snd_una)
		return 0; /* Nagle (RFC 1122 4.2.3.4) */
	return len;
}

/* Forget the newest n records again (their frame could not be built). */
static void
unpush(struct tusk_tcp_sb *sb, uint32_t n, uint32_t bytes)
{
	while (n-- > 0) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, sb->tail - 1);

		sb->ttail = s->tprev;
		if (s->tprev != TUSK_TCP_SEG_NIL)
			tusk_tcp_sb_at(sb, s->tprev)->tnext = TUSK_TCP_SEG_NIL;
		else
			sb->thead = TUSK_TCP_SEG_NIL;
		sb->tail--;
	}
	sb->out -= bytes;
}

/*
 * New data: `n` segments of `len` bytes (n > 1 only with TSO, len = MSS)
 * in one frame. The scoreboard keeps one record per segment, so SACK and
 * RACK work per segment whatever the frame was.
 */
static int
send_new(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint32_t len,
	 uint32_t n, bool fin, uint64_t now)
{
	uint32_t pipe = tusk_tcp_sb_pipe(&c->sb), seq = c->snd_nxt;
	uint32_t total = len * n, end = seq + total + (fin ? 1 : 0);
	uint32_t first = c->sb.tail;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = seq + i * len, e = s + len;
		bool last = i + 1 == n;

		if (last && fin)
			e++;
		if (tusk_tcp_sb_push(&c->sb, s, e, last && fin ?
				     TUSK_TCP_SEG_FIN : 0, now) == NULL) {
			unpush(&c->sb, i, i * len);
			return -ENOMEM;
		}
	}
	rc = xmit_data(tcp, c, seq, total, fin, n > 1 ? (uint16_t)len : 0,
		       now);
	if (rc == -ENOBUFS) {
		unpush(&c->sb, n, end - seq);
		return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct tusk_tcp_seg *s = tusk_tcp_sb_at(&c->sb, first + i);

		tusk_tcp_rate_on_send(&c->rate, &s->rs, s->end - s->start,
				      pipe + i * len, false, now);
	}
	tusk_tcp_cc_on_sent(&c->cc, total, now);
	if (fin)
		c->flags |= TUSK_TCP_CF_FIN_SENT;
	c->snd_nxt = end;
	paced(c, total, now);
	return 0;
}

/* With TSO: how many full segments may go in one frame now (>= 1). */
static uint32_t
tso_segs(const struct tusk_tcp_conn *c, uint32_t len, uint32_t pipe)
{
	uint32_t unsent = c->sq.end - c->snd_nxt;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	uint32_t bytes = RTE_MIN(c->tso_max, unsent);

	if (c->tso_max == 0 || len != c->mss)
		return 1;
	bytes = RTE_MIN(bytes, wnd_end - c->snd_nxt);
	uint32_t quantum = RTE_MAX(c->cc.send_quantum, (uint32_t)c->mss);

	bytes = RTE_MIN(bytes, quantum);
	if (c->flags & TUSK_TCP_CF_RECOVERY)
		bytes = c->mss; /* one at a time while repairing */
	else if (c->cc.cwnd > pipe)
		bytes = RTE_MIN(bytes, c->cc.cwnd - pipe);
	return RTE_MAX(bytes / c->mss, 1u);
}

int
tusk_tcp_output_new_segment(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			    uint64_t now)
{
	bool fin = false;
	uint32_t len = new_len(tcp, c, &fin);

	if (len == 0 && !fin)
		return -EAGAIN;
	return send_new(tcp, c, len, 1, fin, now);
}

static bool
can_send_data(const struct tusk_tcp_conn *c)
{
	switch (c->state) {
	case TUSK_TCP_ESTABLISHED:
	case TUSK_TCP_CLOSE_WAIT:
	case TUSK_TCP_FIN_WAIT_1:
	case TUSK_TCP_CLOSING:
	case TUSK_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* In loss recovery with a window-based controller (see prr() in
 * tcp_ack.c). */
static bool
prr_active(const struct tusk_tcp_conn *c)
{
	return (c->flags & TUSK_TCP_CF_RECOVERY) &&
	       c->cc.ssthresh != UINT32_MAX && c->recover_fs != 0;
}

/* One segment if allowed: 1 sent, 0 nothing to send or not allowed,
 * -1 no mbuf to build it. */
static int
output_one(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	uint32_t pipe = tusk_tcp_sb_pipe(&c->sb);
	uint32_t id = tusk_tcp_sb_next_lost(&c->sb), len = 0, n;
	bool fin = false;

	if (id == TUSK_TCP_SEG_NIL) {
		len = new_len(tcp, c, &fin);
		if (len == 0 && !fin)
			return 0;
	} else {
		const struct tusk_tcp_seg *s = tusk_tcp_sb_at(&c->sb, id);
		len = s->end - s->start;
	}
	if (prr_active(c)) {
		/* RFC 6937: in recovery the PRR quota, not cwnd, decides. */
		if (c->prr_quota <= 0 && pipe > 0)
			return 0;
	} else if (pipe > 0 && pipe + len > c->cc.cwnd) {
		/* RFC 6675 5 / RFC 5681: (re)transmit while pipe + len <=
		 * cwnd; an empty pipe may always send one segment. */
		return 0;
	}
	if (pacing_blocks(tcp, c, now))
		return 0;
	if (prr_active(c)) {
		c->prr_quota -= len;
		c->prr_out += len;
	}
	if (id != TUSK_TCP_SEG_NIL)
		return send_lost(tcp, c, id, now) == 0 ? 1 : -1;
	n = fin ? 1 : tso_segs(c, len, pipe);
	return send_new(tcp, c, len, n, fin, now) == 0 ? 1 : -1;
}

/* Nothing in flight and a window too small to send into (closed, or
 * below what SWS avoidance sends): probe it (RFC 9293 3.8.6.1, and the
 * 3.8.6.2.1 override timeout). */
bool
tusk_tcp_output_window_stuck(const struct tusk_tcp_conn *c)
{
	uint32_t unsent = SEQ_GT(c->sq.end, c->snd_nxt) ?
			  c->sq.end - c->snd_nxt : 0;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	uint32_t avail = SEQ_GT(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;

	return unsent > 0 && tusk_tcp_sb_count(&c->sb) == 0 &&
	       avail < RTE_MIN(unsent, (uint32_t)c->mss);
}

static void
check_persist(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	if (tusk_tcp_output_window_stuck(c)) {
		tusk_tcp_timers_persist(tcp, c, now);
	} else {
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_PERSIST, TUSK_TCP_NEVER);
		c->persist_backoff = 0;
	}
}

void
tusk_tcp_output(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	uint32_t sent = 0;

	if (can_send_data(c)) {
		bool was_idle = tusk_tcp_sb_count(&c->sb) == 0;

		sync_cc(c);
		int rc;

		while ((rc = output_one(tcp, c, now)) > 0)
			sent++;
		/* Out of mbufs: retry soon rather than wait for an ACK that
		 * may never come (nothing may be in flight). */
		if (rc < 0 && c->timer[TUSK_TCP_T_PACE] == TUSK_TCP_NEVER)
			tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_PACE,
					   now + TUSK_TCP_NOBUF_RETRY_NS);
		if (sent > 0 && (was_idle ||
		    c->timer[TUSK_TCP_T_RTX] == TUSK_TCP_NEVER))
			tusk_tcp_timers_rearm_rtx(tcp, c, now);
		/* the pacer holds it iff its timer is armed ahead */
		c->pace_held = c->timer[TUSK_TCP_T_PACE] != TUSK_TCP_NEVER &&
			       c->timer[TUSK_TCP_T_PACE] > now;
		if (SEQ_LEQ(c->sq.end, c->snd_nxt))
			tusk_tcp_rate_check_app_limited(&c->rate, 0,
				tusk_tcp_sb_pipe(&c->sb), c->cc.cwnd, c->mss,
				c->sb.lost);
		check_persist(tcp, c, now);
	}
	if (c->flags & TUSK_TCP_CF_ACK_NOW)
		tusk_tcp_output_ack(tcp, c, now);
}
