/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival, RFC 9293 section 3.10.7. Call graph:
 *   tusk_tcp_input() -> parse() -> listen_input()   (no connection)
 *                                -> syn_sent_input()
 *                                -> sync_input() -> check_seq(), check_rst(),
 *                                   check_syn(), check_ack() ->
 *                                   tusk_tcp_ack_input() (tcp_ack.c),
 *                                   tusk_tcp_recv_input() (tcp_recv.c)
 *                  -> tusk_tcp_output()
 */
#include <errno.h>
#include <netinet/in.h>

#include "cksum.h"
#include "ipv4.h"
#include "stack_priv.h"
#include "tcp.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_mbuf.h"
#include "tcp_output.h"
#include "tcp_seq.h"
#include "tcp_syncookie.h"
#include "tcp_wire.h"

/* RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
#define TCP_DEFAULT_MSS 536
/* RFC 7323 5.5: ts_recent older than 24 days is invalid for PAWS. */
#define PAWS_IDLE_NS (24ULL * 86400 * 1000000000ULL)
/* Length of the timestamp option as laid out (NOP NOP TS): the MSS we
 * send shrinks by it (RFC 7323 section 3: the option is in every
 * segment). */
#define TS_OPT_SPACE 12

static bool
cksum_ok(const struct rte_mbuf *m, const struct tusk_addr *src,
	 const struct tusk_addr *dst, uint32_t len)
{
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	uint32_t sum;

	if (flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (flags == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	/* RFC 9293 3.1: pseudo-header of source, destination, protocol and
	 * TCP length, then the segment; summed as stored (network order). */
	struct {
		rte_be32_t src, dst;
		uint8_t zero, proto;
		rte_be16_t len;
	} __rte_packed ph = { src->v4, dst->v4, 0, IPPROTO_TCP,
			      rte_cpu_to_be_16((uint16_t)len) };

	sum = rte_raw_cksum(&ph, sizeof(ph));
	sum += tusk_cksum_mbuf(m, 0, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Validate and parse; strips the header. Returns the drop reason or
 * TUSK_DROP_MAX when the segment is good. */
static enum tusk_drop
parse(struct rte_mbuf *m, const struct tusk_addr *src,
      const struct tusk_addr *dst, struct tusk_tcp_seg_in *seg)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const struct tusk_tcp_hdr *th;
	unsigned int hlen;

	if (len < TUSK_TCP_HDR_LEN || m->data_len < TUSK_TCP_HDR_LEN)
		return TUSK_DROP_TCP_TRUNCATED;
	th = rte_pktmbuf_mtod(m, const struct tusk_tcp_hdr *);
	hlen = tusk_tcp_hdr_len(th);
	if (hlen < TUSK_TCP_HDR_LEN || hlen > len || hlen > m->data_len)
		return TUSK_DROP_TCP_BAD_OFFSET;
	if (!cksum_ok(m, src, dst, len))
		return TUSK_DROP_TCP_BAD_CSUM;
	seg->t.laddr = *dst;
	seg->t.raddr = *src;
	seg->t.lport = rte_be_to_cpu_16(th->dport);
	seg->t.rport = rte_be_to_cpu_16(th->sport);
	seg->seq = rte_be_to_cpu_32(th->seq);
	seg->ack = rte_be_to_cpu_32(th->ack);
	seg->flags = th->flags & 0x3f;
	seg->wnd = rte_be_to_cpu_16(th->wnd);
	tusk_tcp_options_parse((const uint8_t *)(th + 1),
			       hlen - TUSK_TCP_HDR_LEN,
			       (seg->flags & TUSK_TCP_F_SYN) != 0, &seg->opt);
	rte_pktmbuf_adj(m, (uint16_t)hlen);
	seg->len = len - hlen;
	/* A first segment that held only headers (a chained frame, as the
	 * simulator and some PMDs deliver) goes now, not with the data. */
	if (m->data_len == 0 && m->next != NULL)
		m = tusk_tcp_mbuf_trim_front(m, 0);
	seg->m = m;
	return TUSK_DROP_MAX;
}

/* ---- options on the SYN exchange --------------------------------------- */

static uint16_t
route_mss(struct tusk_tcp *tcp, const struct tusk_addr *dst)
{
	struct tusk_addr src, nh;
	uint16_t iface;

	if (tusk_ipv4_route(tcp->st, dst, &iface, &src, &nh) != 0)
		return TCP_DEFAULT_MSS;
	return (uint16_t)(tusk_stack_iface(tcp->st, iface)->mtu -
			  TUSK_TCP_IPV4_OVERHEAD);
}

/* Apply the peer's SYN options; we offer everything we have (RFC 7323,
 * RFC 2018), so what both sides want is what the peer sent. */
static void
negotiate(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	  const struct tusk_tcp_opts *o, uint64_t now)
{
	uint16_t peer = (o->present & TUSK_TCP_OPTF_MSS) && o->mss > 0 ?
			o->mss : TCP_DEFAULT_MSS;

	/* A peer offering a tiny MSS (1 byte) would have every byte we
	 * send cost a segment and an mbuf: a GET at MSS 1 spends the lcore
	 * on 1-byte packets (CVE-2019-11479 did this to Linux, which now
	 * floors it, net.ipv4.tcp_min_snd_mss). We floor it at what every
	 * IPv4 host must accept, as our SYN cookies already do. */
	if (peer < TUSK_TCP_MSS_MIN) {
		peer = TUSK_TCP_MSS_MIN;
		tcp->st->stats.tcp_mss_raised++;
	}
	c->rcv_mss = tusk_tcp_conn_mss_cap(c, route_mss(tcp, &c->t.raddr));
	c->mss = RTE_MIN(peer, c->rcv_mss);
	c->flags &= ~(TUSK_TCP_CF_WS | TUSK_TCP_CF_SACK | TUSK_TCP_CF_TS);
	c->snd_wscale = c->rcv_wscale = 0;
	if ((o->present & TUSK_TCP_OPTF_WS) && !(c->flags & TUSK_TCP_CF_NO_WS)) {
		c->flags |= TUSK_TCP_CF_WS;
		c->snd_wscale = o->wscale;
		c->rcv_wscale = tusk_tcp_conn_wscale_for(c->rcv_max);
	}
	if ((o->present & TUSK_TCP_OPTF_SACK_OK) &&
	    !(c->flags & TUSK_TCP_CF_NO_SACK))
		c->flags |= TUSK_TCP_CF_SACK;
	if ((o->present & TUSK_TCP_OPTF_TS) && !(c->flags & TUSK_TCP_CF_NO_TS)) {
		c->flags |= TUSK_TCP_CF_TS;
		c->ts_recent = o->tsval;
		c->ts_recent_age = now;
	}
}

/* The payload per segment once options are fixed. */
static void
fix_mss(struct tusk_tcp_conn *c)
{
	if ((c->flags & TUSK_TCP_CF_TS) && c->mss > TCP_DEFAULT_MSS)
		c->mss = (uint16_t)(c->mss - TS_OPT_SPACE);
}

/* Become ESTABLISHED: start the machinery, tell the service. Returns
 * false if the connection was refused and is gone. */
static bool
establish(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	  const struct tusk_tcp_cc_ops *cc, uint64_t now)
{
	fix_mss(c);
	/* The SYN exchange gives the first RTT sample unless the SYN was
	 * resent (Karn; RFC 6298 section 3). */
	if (c->syn_retries == 0 && c->syn_ts != 0)
		tusk_tcp_rtt_sample(&c->rtt, now - (c->syn_ts - 1), now);
	tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_ESTABLISHED, now);
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX, TUSK_TCP_NEVER);
	if (tusk_tcp_conn_setup(tcp, c, cc != NULL ? cc : c->cc.ops,
				now) != 0) {
		tusk_tcp_output_rst(tcp, c, now);
		tusk_tcp_conn_drop(tcp, c, -EINVAL, now);
		return false;
	}
	tusk_tcp_timers_any_packet(tcp, c, now);
	if (c->flags & TUSK_TCP_CF_PASSIVE) {
		const struct tusk_tcp_listener *l = &tcp->listeners[c->listener];
		void *arg = l->arg;

		c->flags |= TUSK_TCP_CF_ACCEPTED;
		if (l->ops->accepted != NULL &&
		    l->ops->accepted(c, l->arg, &arg, now) != 0) {
			c->flags |= TUSK_TCP_CF_CLOSED;
			tusk_tcp_output_rst(tcp, c, now);
			tusk_tcp_conn_drop(tcp, c, -ECONNREFUSED, now);
			return false;
		}
		c->arg = arg;
	} else if (c->ops->connected != NULL) {
		c->ops->connected(c, c->arg, now);
	}
	return c->state != TUSK_TCP_CLOSED;
}

/* ---- LISTEN (RFC 9293 3.10.7.2) ---------------------------------------- */

static void
cookie_reply(struct tusk_tcp *tcp, struct tusk_tcp_listener *l,
	     const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	const struct tusk_tcp_opts *in = &seg->opt;
	struct tusk_tcp_cookie_opts co = {
		.mss = (in->present & TUSK_TCP_OPTF_MSS) ? in->mss :
			TCP_DEFAULT_MSS,
		.ts_ok = (in->present & TUSK_TCP_OPTF_TS) != 0,
		.ws_ok = (in->present & TUSK_TCP_OPTF_WS) != 0,
		.wscale = in->wscale,
		.sack_ok = (in->present & TUSK_TCP_OPTF_SACK_OK) != 0,
	};
	uint32_t ts = 0, cookie;

	co.mss = RTE_MIN(co.mss, route_mss(tcp, &seg->t.raddr));
	if (co.ts_ok) {
		/* Low bits of TSval carry WS and SACK; keep TSval at or below
		 * our clock so later segments stay monotonic (RFC 7323 5.4). */
		ts = tusk_tcp_ts_now(now) + tusk_tcp_conn_ts_offset(tcp, &seg->t);
		ts = ((ts & ~TUSK_TCP_COOKIE_TS_MASK) -
		      (TUSK_TCP_COOKIE_TS_MASK + 1)) |
		     tusk_tcp_syncookie_ts_bits(&co);
	}
	cookie = tusk_tcp_syncookie_make(&tcp->cookie_key, &seg->t,
					 seg->seq, &co, now);
	l->cookie_last = now;
	tcp->st->stats.tcp_syncookies_sent++;
	tusk_tcp_output_cookie_synack(tcp, seg, cookie, co.mss, ts, now);
}

/* Did the listener send a cookie that may still be good? (A cookie
 * lives TUSK_TCP_COOKIE_MAX_AGE periods at most; tcp_syncookie.h.) */
static bool
cookie_recent(const struct tusk_tcp_listener *l, uint64_t now)
{
	return l->cookie_last != 0 &&
	       now - l->cookie_last <
	       TUSK_TCP_COOKIE_MAX_AGE * TUSK_TCP_COOKIE_PERIOD_NS;
}

/* An ACK to a listener may complete a cookie handshake. */
static struct tusk_tcp_conn *
cookie_accept(struct tusk_tcp *tcp, struct tusk_tcp_listener *l,
	      const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	bool has_ts = (seg->opt.present & TUSK_TCP_OPTF_TS) != 0;
	struct tusk_tcp_cookie_opts co;
	struct tusk_tcp_conn *c;

	if (!cookie_recent(l, now))
		return NULL;
	if (tusk_tcp_syncookie_check(&tcp->cookie_key, &seg->t, seg->seq - 1,
				     seg->ack - 1, has_ts, seg->opt.tsecr,
				     &co, now) != 0) {
		tcp->st->stats.tcp_syncookies_failed++;
		return NULL;
	}
	c = tusk_tcp_conn_alloc(tcp, &seg->t, now);
	if (c == NULL)
		return NULL;
	tcp->st->stats.tcp_syncookies_ok++;
	tusk_tcp_conn_opts(c, &l->opts);
	c->ops = l->ops;
	c->arg = l->arg;
	c->listener = (uint8_t)(l - tcp->listeners);
	c->flags |= TUSK_TCP_CF_PASSIVE | TUSK_TCP_CF_ACCEPTED;
	c->iss = seg->ack - 1;
	c->snd_una = c->iss;    /* the ACK acknowledges the SYN below */
	c->snd_nxt = seg->ack;
	c->irs = seg->seq - 1;
	c->rcv_nxt = seg->seq;
	/* What the cookie SYN-ACK offered (unscaled, RFC 7323 2.2). */
	c->rcv_adv = seg->seq + RTE_MIN(TUSK_TCP_RCV_SPACE_INIT,
					TUSK_TCP_MAX_WIN);
	c->rcv_mss = route_mss(tcp, &seg->t.raddr);
	/* the cookie's SYN-ACK offered the route's MSS; what we send is
	 * capped all the same */
	c->mss = tusk_tcp_conn_mss_cap(c, RTE_MIN(co.mss, c->rcv_mss));
	if (co.ts_ok) {
		c->flags |= TUSK_TCP_CF_TS;
		c->ts_recent = seg->opt.tsval;
		c->ts_recent_age = now;
	}
	if (co.ws_ok) {
		c->flags |= TUSK_TCP_CF_WS;
		c->snd_wscale = co.wscale;
		c->rcv_wscale = tusk_tcp_conn_wscale_for(
			TUSK_TCP_RCV_MAX_DEFAULT);
	}
	if (co.sack_ok)
		c->flags |= TUSK_TCP_CF_SACK;
	/* ACCEPTED already: a cookie holds no SYN queue slot. */
	c->state = TUSK_TCP_SYN_RECEIVED;
	return c;
}

static void
listen_syn(struct tusk_tcp *tcp, struct tusk_tcp_listener *l,
	   const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	struct tusk_tcp_conn *c = NULL;

	if (l->syn_queued < l->backlog)
		c = tusk_tcp_conn_alloc(tcp, &seg->t, now);
	if (c == NULL) {
		/* RFC 4987 3.6: queue (or table) full: answer statelessly. */
		cookie_reply(tcp, l, seg, now);
		return;
	}
	l->syn_queued++;
	tusk_tcp_conn_opts(c, &l->opts);
	c->ops = l->ops;
	c->arg = l->arg;
	c->listener = (uint8_t)(l - tcp->listeners);
	c->flags |= TUSK_TCP_CF_PASSIVE;
	c->irs = seg->seq;
	c->rcv_nxt = c->rcv_adv = seg->seq + 1;
	c->iss = tusk_tcp_conn_isn(tcp, &seg->t, now);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	negotiate(tcp, c, &seg->opt, now);
	c->state = TUSK_TCP_SYN_RECEIVED;
	tusk_tcp_output_syn(tcp, c, now);
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX,
			   now + tusk_tcp_rtt_rto(&c->rtt));
}

/* Returns the connection a cookie ACK created (to go on with), or NULL
 * when the segment was dealt with here. */
static struct tusk_tcp_conn *
listen_input(struct tusk_tcp *tcp, struct tusk_tcp_seg_in *seg, uint64_t now)
{
	struct tusk_tcp_listener *l = tusk_tcp_listener_find(tcp, seg->t.lport);
	struct tusk_tcp_conn *c;

	if (l == NULL) {
		tusk_tcp_output_reset_reply(tcp, seg, now);
		tcp->st->stats.drops[TUSK_DROP_TCP_NO_LISTENER]++;
		return NULL;
	}
	if (seg->flags & TUSK_TCP_F_RST)
		return NULL;
	if (seg->flags & TUSK_TCP_F_ACK) {
		if (!(seg->flags & TUSK_TCP_F_SYN)) {
			c = cookie_accept(tcp, l, seg, now);
			if (c != NULL)
				return c;
		}
		tusk_tcp_output_reset_reply(tcp, seg, now);
		return NULL;
	}
	if (seg->flags & TUSK_TCP_F_SYN)
		listen_syn(tcp, l, seg, now);
	return NULL;
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) -------------------------------------- */

static void
syn_sent_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	       struct tusk_tcp_seg_in *seg, uint64_t now)
{
	bool ack_ok = false;

	if (seg->flags & TUSK_TCP_F_ACK) {
		if (SEQ_LEQ(seg->ack, c->iss) || SEQ_GT(seg->ack, c->snd_nxt)) {
			tusk_tcp_output_reset_reply(tcp, seg, now);
			return;
		}
		ack_ok = true;
	}
	if (seg->flags & TUSK_TCP_F_RST) {
		/* RFC 5961 3.2: only a RST acknowledging our SYN counts. */
		if (ack_ok)
			tusk_tcp_conn_drop(tcp, c, -ECONNREFUSED, now);
		return;
	}
	if (!(seg->flags & TUSK_TCP_F_SYN))
		return;
	c->irs = seg->seq;
	c->rcv_nxt = c->rcv_adv = seg->seq + 1;
	negotiate(tcp, c, &seg->opt, now);
	c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	c->max_snd_wnd = c->snd_wnd;
	if (ack_ok) {
		c->snd_una = seg->ack;
		if (!establish(tcp, c, NULL, now))
			return;
		c->flags |= TUSK_TCP_CF_ACK_NOW;
		return;
	}
	/* Simultaneous open: SYN-RECEIVED, resend our SYN with an ACK. */
	c->state = TUSK_TCP_SYN_RECEIVED;
	tusk_tcp_output_syn(tcp, c, now);
}

/* ---- synchronized states (RFC 9293 3.10.7.4) --------------------------- */

void
tusk_tcp_input_challenge_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			     uint64_t now)
{
	struct tusk_stack_stats *s = &tcp->st->stats;

	/* RFC 5961 7: per connection, then a randomised per-second budget
	 * (tcp_challenge.h says why both). */
	switch (tusk_tcp_challenge_check(&tcp->challenge, &c->challenge_next,
					 now)) {
	case TUSK_TCP_CHALLENGE_SEND:
		s->tcp_challenge_acks++;
		tusk_tcp_output_ack(tcp, c, now);
		break;
	case TUSK_TCP_CHALLENGE_CONN_LIMITED:
		s->tcp_challenge_conn_limited++;
		break;
	case TUSK_TCP_CHALLENGE_GLOBAL_LIMITED:
		s->tcp_challenge_global_limited++;
		break;
	}
}

/* RFC 7323 5.3 R1: reject old duplicates by their timestamp. */
static bool
paws_reject(const struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg,
	    uint64_t now)
{
	if (!(c->flags & TUSK_TCP_CF_TS) ||
	    !(seg->opt.present & TUSK_TCP_OPTF_TS) ||
	    (seg->flags & TUSK_TCP_F_RST))
		return false;
	if ((int32_t)(seg->opt.tsval - c->ts_recent) >= 0)
		return false;
	/* RFC 7323 5.5: a ts_recent idle for 24 days is no reference. */
	return now - c->ts_recent_age < PAWS_IDLE_NS;
}

void
tusk_tcp_input_oow_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		       const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	if (seg->len == 0 && !(seg->flags & TUSK_TCP_F_FIN) &&
	    !tusk_tcp_challenge_oow_ok(&c->oow_ack_next, now)) {
		tcp->st->stats.tcp_oow_ack_limited++;
		return;
	}
	c->flags |= TUSK_TCP_CF_ACK_NOW;
}

/* RFC 9293 3.10.7.4 first check: is any of the segment in the window? */
static bool
seq_acceptable(const struct tusk_tcp_conn *c,
	       const struct tusk_tcp_seg_in *seg)
{
	uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ?
		       c->rcv_adv - c->rcv_nxt : 0;
	uint32_t len = seg->len + ((seg->flags & TUSK_TCP_F_FIN) ? 1 : 0);

	if (len == 0 && wnd == 0)
		return seg->seq == c->rcv_nxt;
	if (len == 0)
		return tusk_seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return tusk_seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       tusk_seq_in(seg->seq + len - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

/* RFC 9293 3.10.7.4 second check, with RFC 5961 3.2. Returns true when
 * the segment is consumed here. */
static bool
check_rst(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	  const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	if (!(seg->flags & TUSK_TCP_F_RST))
		return false;
	if (c->state == TUSK_TCP_TIME_WAIT)
		return true; /* RFC 1337: no TIME-WAIT assassination */
	if (seg->seq != c->rcv_nxt) {
		/* In the window but not exact: maybe blind, challenge. */
		tusk_tcp_input_challenge_ack(tcp, c, now);
		return true;
	}
	if (c->state == TUSK_TCP_SYN_RECEIVED &&
	    (c->flags & TUSK_TCP_CF_PASSIVE)) {
		tusk_tcp_conn_free(tcp, c); /* back to LISTEN */
		return true;
	}
	tusk_tcp_conn_drop(tcp, c, c->state == TUSK_TCP_SYN_RECEIVED ?
			   -ECONNREFUSED : -ECONNRESET, now);
	return true;
}

/* Fourth check: SYN in a synchronized state (RFC 5961 4.2). */
static bool
check_syn(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	  const struct tusk_tcp_seg_in *seg, uint64_t now)
{
	if (!(seg->flags & TUSK_TCP_F_SYN))
		return false;
	tusk_tcp_input_challenge_ack(tcp, c, now);
	return true;
}

static bool
fin_acked(const struct tusk_tcp_conn *c)
{
	return (c->flags & TUSK_TCP_CF_FIN_SENT) && c->snd_una == c->snd_nxt;
}

/* Fifth check, the ACK field. Returns true when the segment is done. */
static bool
check_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	  struct tusk_tcp_seg_in *seg, uint64_t now)
{
	if (!(seg->flags & TUSK_TCP_F_ACK))
		return true;
	if (c->state == TUSK_TCP_SYN_RECEIVED) {
		if (SEQ_LEQ(seg->ack, c->snd_una) ||
		    SEQ_GT(seg->ack, c->snd_nxt)) {
			tusk_tcp_output_reset_reply(tcp, seg, now);
			return true;
		}
		c->snd_una = seg->ack;
		c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		if (!establish(tcp, c, tcp->listeners[c->listener].cc, now))
			return true;
	}
	if (tusk_tcp_ack_input(tcp, c, seg, now) != 0)
		return true;
	switch (c->state) {
	case TUSK_TCP_FIN_WAIT_1:
		if (fin_acked(c))
			tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_FIN_WAIT_2, now);
		break;
	case TUSK_TCP_CLOSING:
		if (fin_acked(c))
			tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_TIME_WAIT, now);
		break;
	case TUSK_TCP_LAST_ACK:
		if (fin_acked(c)) {
			tusk_tcp_conn_drop(tcp, c, 0, now);
			return true;
		}
		break;
	default:
		break;
	}
	return false;
}

/* End of the peer's stream: tell the service (it may close or abort). */
static void
peer_closed(struct tusk_tcp_conn *c, uint64_t now)
{
	if (!(c->flags & TUSK_TCP_CF_CLOSED) && c->ops->peer_closed != NULL)
		c->ops->peer_closed(c, c->arg, now);
}

void
tusk_tcp_input_fin(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		   uint64_t now)
{
	c->flags |= TUSK_TCP_CF_FIN_RCVD | TUSK_TCP_CF_ACK_NOW;
	c->flags &= ~TUSK_TCP_CF_FIN_QUEUED;
	switch (c->state) {
	case TUSK_TCP_SYN_RECEIVED:
	case TUSK_TCP_ESTABLISHED:
		tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_CLOSE_WAIT, now);
		peer_closed(c, now);
		break;
	case TUSK_TCP_FIN_WAIT_1:
		tusk_tcp_conn_set_state(tcp, c, fin_acked(c) ?
					TUSK_TCP_TIME_WAIT : TUSK_TCP_CLOSING,
					now);
		peer_closed(c, now);
		break;
	case TUSK_TCP_FIN_WAIT_2:
		tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_TIME_WAIT, now);
		peer_closed(c, now);
		break;
	case TUSK_TCP_TIME_WAIT:
		tusk_tcp_timers_linger(tcp, c, 2 * tcp->msl, now);
		break;
	default:
		break;
	}
}

/* Update TS.Recent (RFC 7323 4.3, 5.3 R3). */
static void
ts_update(struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg,
	  uint64_t now)
{
	if ((c->flags & TUSK_TCP_CF_TS) &&
	    (seg->opt.present & TUSK_TCP_OPTF_TS) &&
	    SEQ_LEQ(seg->seq, c->last_ack_sent) &&
	    ((int32_t)(seg->opt.tsval - c->ts_recent) >= 0 ||
	     now - c->ts_recent_age >= PAWS_IDLE_NS)) { /* RFC 7323 5.5 */
		c->ts_recent = seg->opt.tsval;
		c->ts_recent_age = now;
	}
}

static void
sync_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	   struct tusk_tcp_seg_in *seg, uint64_t now)
{
	if (c->state == TUSK_TCP_SYN_RECEIVED &&
	    (seg->flags & TUSK_TCP_F_SYN) && seg->seq == c->irs) {
		if (!(seg->flags & TUSK_TCP_F_ACK)) {
			tusk_tcp_output_syn(tcp, c, now); /* SYN-ACK lost */
			return;
		}
		/* Simultaneous open (RFC 9293 figure 8): their SYN-ACK
		 * repeats a SYN we have; trim it and take the ACK. */
		seg->flags &= (uint8_t)~TUSK_TCP_F_SYN;
		seg->seq++;
	}
	if (paws_reject(c, seg, now)) {
		tcp->st->stats.drops[TUSK_DROP_TCP_PAWS]++;
		tusk_tcp_input_oow_ack(tcp, c, seg, now);
		return;
	}
	if (!seq_acceptable(c, seg)) {
		tcp->st->stats.drops[TUSK_DROP_TCP_BAD_SEGMENT]++;
		if (seg->flags & TUSK_TCP_F_RST)
			return;
		/* RFC 5961 4.2: a SYN "irrespective of the sequence number"
		 * gets a challenge ACK, under its limits: an unlimited ACK
		 * here would let blind SYNs bypass them (Linux does the
		 * same: tcp_validate_incoming, syn_challenge). */
		if (seg->flags & TUSK_TCP_F_SYN) {
			tusk_tcp_input_challenge_ack(tcp, c, now);
			return;
		}
		tusk_tcp_input_oow_ack(tcp, c, seg, now);
		/* A duplicate: report it (RFC 2883 4.1.1). */
		if (seg->len > 0 && SEQ_LT(seg->seq, c->rcv_nxt) &&
		    (c->flags & TUSK_TCP_CF_SACK)) {
			c->dsack_start = seg->seq;
			c->dsack_end = tusk_seq_min(seg->seq + seg->len,
						    c->rcv_nxt);
		}
		return;
	}
	if (check_rst(tcp, c, seg, now) || check_syn(tcp, c, seg, now))
		return;
	ts_update(c, seg, now);
	tusk_tcp_timers_any_packet(tcp, c, now);
	if (check_ack(tcp, c, seg, now))
		return;
	if (seg->len > 0 && (c->flags & TUSK_TCP_CF_CLOSED)) {
		/* RFC 1122 4.2.2.13: data for a closed service: reset. */
		tusk_tcp_output_rst(tcp, c, now);
		tusk_tcp_conn_drop(tcp, c, -ECONNRESET, now);
		return;
	}
	tusk_tcp_recv_input(tcp, c, seg, now);
}

/* RFC 9293 3.6.1 / RFC 6191: a new SYN may reopen a connection in
 * TIME-WAIT when it cannot be an old duplicate: its sequence number is
 * beyond the old connection's, or (with timestamps) its TSval newer. */
static bool
time_wait_reuse(const struct tusk_tcp_conn *c,
		const struct tusk_tcp_seg_in *seg)
{
	if (c->state != TUSK_TCP_TIME_WAIT ||
	    (seg->flags & (TUSK_TCP_F_SYN | TUSK_TCP_F_ACK | TUSK_TCP_F_RST)) !=
	    TUSK_TCP_F_SYN)
		return false;
	if ((c->flags & TUSK_TCP_CF_TS) && (seg->opt.present & TUSK_TCP_OPTF_TS))
		return (int32_t)(seg->opt.tsval - c->ts_recent) > 0;
	return SEQ_GT(seg->seq, c->rcv_nxt);
}

/*
 * Output after a segment, or at the end of the rx burst when nothing about
 * it is urgent: one ACK then covers the burst's in-order data (a stretch
 * ACK, as Linux sends for the segments GRO merged from one NAPI poll) and
 * the data the burst's ACKs let out leaves in one batch. At memif rates an
 * ACK every second segment cost each side a frame and a pass through the
 * stack per 2.9 KB. Answered at once: out-of-order data and D-SACK (RFC
 * 5681 4.2: duplicate ACKs immediately), quick-ACK mode, every state but
 * ESTABLISHED, and a burst with more connections than the list holds.
 */
static void
output_or_defer(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	if (tcp->in_burst && c->state == TUSK_TCP_ESTABLISHED &&
	    c->quickacks == 0 && c->ofo.n == 0 &&
	    c->dsack_start == c->dsack_end) {
		if (c->flags & TUSK_TCP_CF_DEFERRED)
			return;
		if (tcp->n_deferred < TUSK_TCP_DEFER_MAX) {
			c->flags |= TUSK_TCP_CF_DEFERRED;
			tcp->deferred[tcp->n_deferred++] = c->idx;
			return;
		}
	}
	tusk_tcp_output(tcp, c, now);
}

void
tusk_tcp_burst_begin(struct tusk_tcp *tcp)
{
	tcp->in_burst = true;
}

void
tusk_tcp_burst_end(struct tusk_tcp *tcp, uint64_t now)
{
	tcp->in_burst = false;
	for (uint16_t i = 0; i < tcp->n_deferred; i++) {
		struct tusk_tcp_conn *c = tusk_tcp_conn_at(tcp,
							   tcp->deferred[i]);

		/* Freed since (flags cleared), or reused: nothing waits. */
		if (!(c->flags & TUSK_TCP_CF_DEFERRED))
			continue;
		c->flags &= ~TUSK_TCP_CF_DEFERRED;
		tusk_tcp_output(tcp, c, now);
	}
	tcp->n_deferred = 0;
}

void
tusk_tcp_input(struct tusk_stack *st, struct rte_mbuf *m,
	       const struct tusk_addr *src, const struct tusk_addr *dst,
	       uint64_t now)
{
	struct tusk_tcp *tcp = st->tcp;
	struct tusk_tcp_seg_in seg;
	struct tusk_tcp_conn *c;
	enum tusk_drop why = parse(m, src, dst, &seg);

	if (why != TUSK_DROP_MAX) {
		tusk_stack_drop(st, why, m);
		return;
	}
	st->stats.tcp_rx++;
	c = tusk_tcp_conn_lookup(tcp, &seg.t);
	if (c != NULL && time_wait_reuse(c, &seg)) {
		tusk_tcp_conn_drop(tcp, c, 0, now);
		c = NULL;
	}
	if (c == NULL) {
		/* A cookie ACK makes a connection and goes on below. */
		c = listen_input(tcp, &seg, now);
		if (c != NULL)
			sync_input(tcp, c, &seg, now);
	} else if (c->state == TUSK_TCP_SYN_SENT) {
		syn_sent_input(tcp, c, &seg, now);
	} else {
		c->s.segs_received++;
		sync_input(tcp, c, &seg, now);
	}
	if (c != NULL && c->state != TUSK_TCP_CLOSED &&
	    c->state != TUSK_TCP_SYN_SENT && c->state != TUSK_TCP_SYN_RECEIVED)
		output_or_defer(tcp, c, now);
	else if (c != NULL && (c->flags & TUSK_TCP_CF_ACK_NOW) &&
		 c->state == TUSK_TCP_SYN_RECEIVED)
		tusk_tcp_output_ack(tcp, c, now);
	if (seg.m != NULL)
		rte_pktmbuf_free(seg.m);
}
