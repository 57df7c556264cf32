/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive side: in-order payload straight to the service (no copy,
 * no queue), out-of-order segments to the reassembly queue, the peer's
 * FIN, when to ACK, and how big a window to offer. Call graph:
 *   tusk_tcp_recv_input() -> trim() -> deliver() -> ops->recv()
 *                                   -> tusk_tcp_ofo_insert() / _pop()
 *                         -> fin(), ack_policy(), autotune()
 */
#include <errno.h>

#include "ipv4.h"
#include "stack_priv.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_mbuf.h"
#include "tcp_output.h"
#include "tcp_seq.h"
#include "tcp_wire.h"

/* Out-of-order bytes may exceed the window by this many segments: the
 * peer may have sent against a larger window before we shrank it. */
#define OFO_SLACK_SEGS 4

/*
 * Received data lives in the rx pool's mbufs until it is consumed, out of
 * order data until its hole is repaired (an RTT or more). A pool run dry
 * cannot take even the retransmission that repairs the hole: the rx ring
 * starves and the connection deadlocks (seen Linux -> tuskd at 150 ms
 * with 0.1% loss and a 356 MB window over 64 MB of mbufs). So
 *   - the window never offers more than RX_POOL_WIN_NUM/DEN of the pool,
 *     counted in payload per mbuf (a 1500-byte frame in a 16 KiB mbuf
 *     holds 1448 bytes, not 16384), and
 *   - with several connections sharing the pool, once less than 1/
 *     RX_POOL_LOW_DIV of it is free, new out-of-order data is dropped and
 *     the queue's far end reneged (Linux tcp_prune_ofo_queue) until
 *     1/RX_POOL_OK_DIV is free again; in-order data is always taken.
 */
#define RX_POOL_WIN_NUM 3
#define RX_POOL_WIN_DEN 4
#define RX_POOL_LOW_DIV 8
#define RX_POOL_OK_DIV 4
/* Ethernet + IPv4 + TCP with timestamps: what precedes the payload. */
#define RX_FRAME_HDRS (14 + 20 + 32)

uint32_t
tusk_tcp_recv_window(const struct tusk_tcp_conn *c)
{
	uint32_t w = c->rcv_space > c->rcv_held ? c->rcv_space - c->rcv_held
						: 0;

	/* RFC 9293 3.8.6.2.2 receiver SWS avoidance: hold small openings
	 * back until a full segment or half the buffer is free. */
	if (w < c->rcv_mss && w < c->rcv_space / 2)
		return 0;
	return w;
}

/* Hand one in-order packet to the service. Returns false if the
 * connection went away inside the callback. */
static bool
deliver(struct tusk_tcp_conn *c, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), used;

	c->s.bytes_received += len;
	if (c->flags & TUSK_TCP_CF_CLOSED || c->ops->recv == NULL) {
		rte_pktmbuf_free(m);
		return true;
	}
	used = c->ops->recv(c, c->arg, m, now);
	if (c->state == TUSK_TCP_CLOSED)
		return false;
	if (used < len)
		c->rcv_held += len - used;
	return true;
}

/* Deliver what the reassembly queue now has in order. */
static bool
drain_ofo(struct tusk_tcp_conn *c, uint64_t now)
{
	struct rte_mbuf *m;
	uint32_t end;

	while ((m = tusk_tcp_ofo_pop(&c->ofo, c->rcv_nxt, &end)) != NULL) {
		c->rcv_nxt = end;
		while (m != NULL) {
			struct rte_mbuf *next = *tusk_tcp_mbuf_link(m);

			if (!deliver(c, m, now)) {
				tusk_tcp_mbuf_free_list(next);
				return false;
			}
			m = next;
		}
	}
	return true;
}

static void
note_dsack(struct tusk_tcp_conn *c, uint32_t s, uint32_t e)
{
	if (!(c->flags & TUSK_TCP_CF_SACK) || s == e)
		return;
	c->dsack_start = s;
	c->dsack_end = e;
}

/* Cut the parts outside [RCV.NXT, right edge) (RFC 9293 3.10.7.4:
 * "trimmed to the window"). Returns false if nothing new is left. */
static bool
trim(struct tusk_tcp_conn *c, struct tusk_tcp_seg_in *seg)
{
	uint32_t edge = tusk_seq_max(c->rcv_adv,
				     c->rcv_nxt + tusk_tcp_recv_window(c));

	if (seg->len > 0 && SEQ_LT(seg->seq, c->rcv_nxt)) {
		uint32_t dup = c->rcv_nxt - seg->seq;

		if (dup >= seg->len) {
			note_dsack(c, seg->seq, seg->seq + seg->len);
			rte_pktmbuf_free(seg->m);
			seg->m = NULL;
			seg->seq += seg->len;
			seg->len = 0;
		} else {
			note_dsack(c, seg->seq, c->rcv_nxt);
			seg->m = tusk_tcp_mbuf_trim_front(seg->m, dup);
			seg->seq = c->rcv_nxt;
			seg->len -= dup;
		}
		c->flags |= TUSK_TCP_CF_ACK_NOW;
	}
	if (seg->len > 0 && SEQ_GT(seg->seq + seg->len, edge)) {
		if (SEQ_LEQ(edge, seg->seq)) {
			rte_pktmbuf_free(seg->m);
			seg->m = NULL;
			seg->len = 0;
		} else {
			seg->len = edge - seg->seq;
			tusk_tcp_mbuf_trim_back(seg->m, seg->len);
		}
		seg->flags &= (uint8_t)~TUSK_TCP_F_FIN;
		c->flags |= TUSK_TCP_CF_ACK_NOW;
	}
	return seg->len > 0 || (seg->flags & TUSK_TCP_F_FIN);
}

/* Learn the rx pool of the connection's route and what RX_POOL_WIN_NUM/
 * DEN of it holds in payload (UINT32_MAX: no pool, no bound). */
static void
pool_learn(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	struct tusk_addr src, nh;
	struct rte_mempool *mp;
	uint32_t room, per;
	uint16_t iface;
	uint64_t cap;

	c->rcv_pool_cap = UINT32_MAX;
	if (tusk_ipv4_route(tcp->st, &c->t.raddr, &iface, &src, &nh) != 0)
		return;
	mp = tusk_stack_iface(tcp->st, iface)->rx_pool;
	if (mp == NULL || mp->size == 0)
		return;
	c->rcv_pool = mp;
	room = rte_pktmbuf_data_room_size(mp);
	room = room > RTE_PKTMBUF_HEADROOM + RX_FRAME_HDRS
		       ? room - RTE_PKTMBUF_HEADROOM - RX_FRAME_HDRS : 1;
	/* a frame never carries more than one segment's payload */
	per = RTE_MIN(room, (uint32_t)c->rcv_mss);
	cap = (uint64_t)(mp->size / RX_POOL_WIN_DEN * RX_POOL_WIN_NUM) * per;
	c->rcv_pool_cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	if (c->rcv_space > c->rcv_pool_cap)
		c->rcv_space = c->rcv_pool_cap;
}

/* The rx pool is nearly empty: drop m (out of order) and renege on the
 * far end of the queue until enough is free. Returns true if it did. */
static bool
pool_low(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mempool *mp = c->rcv_pool;

	if (mp == NULL || rte_mempool_avail_count(mp) >= mp->size /
							   RX_POOL_LOW_DIV)
		return false;
	rte_pktmbuf_free(m);
	tcp->st->stats.drops[TUSK_DROP_TCP_RX_POOL_LOW]++;
	while (rte_mempool_avail_count(mp) < mp->size / RX_POOL_OK_DIV &&
	       tusk_tcp_ofo_drop_last(&c->ofo) > 0)
		tcp->st->stats.drops[TUSK_DROP_TCP_OFO_PRUNED]++;
	return true;
}

/*
 * Out-of-order packets count against the limit at a full segment each,
 * however few bytes they carry: each holds an rx mbuf (16 KiB with the
 * af_packet profile). Counted in bytes alone, one connection sending
 * 1-byte segments at every other sequence number of its 128 KiB window
 * held 3,583 of the lab's 4,096 mbufs, which also carry every header we
 * send, and a legitimate 1 MiB GET took 11 to 69 s (test_hostile_net).
 * Linux charges an skb's truesize, not its length, for the same reason.
 */
static bool
ofo_pkts_full(const struct tusk_tcp_conn *c, uint32_t limit)
{
	return (uint64_t)(c->ofo.pkts + 1) * c->rcv_mss > limit;
}

static void
ofo_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
	  struct tusk_tcp_seg_in *seg)
{
	uint32_t ds, de, limit = c->rcv_space + OFO_SLACK_SEGS * c->rcv_mss;
	int rc;

	if (pool_low(tcp, c, seg->m)) {
		seg->m = NULL;
		c->flags |= TUSK_TCP_CF_ACK_NOW;
		return;
	}
	if (ofo_pkts_full(c, limit)) {
		rte_pktmbuf_free(seg->m);
		seg->m = NULL;
		tcp->st->stats.drops[TUSK_DROP_TCP_OFO_FULL]++;
		c->flags |= TUSK_TCP_CF_ACK_NOW;
		return;
	}
	rc = tusk_tcp_ofo_insert(&c->ofo, seg->seq, seg->m, limit, &ds, &de);
	seg->m = NULL;
	if (rc < 0)
		tcp->st->stats.drops[TUSK_DROP_TCP_OFO_FULL]++;
	note_dsack(c, ds, de);
	/* RFC 5681 4.2: out-of-order data is ACKed at once (with SACK). */
	c->flags |= TUSK_TCP_CF_ACK_NOW;
	c->quickacks = TUSK_TCP_QUICKACKS;
	c->rcvq_holes = true;
}

/* Receiver RTT for autotuning: from the timestamp echo when there is one
 * (Linux tcp_rcv_rtt_measure_ts), else the time to receive a window. */
static void
rcv_rtt(struct tusk_tcp_conn *c, const struct tusk_tcp_seg_in *seg,
	uint64_t now)
{
	uint64_t sample = 0;

	if ((c->flags & TUSK_TCP_CF_TS) && (seg->opt.present &
	    TUSK_TCP_OPTF_TS) && seg->opt.tsecr != 0) {
		uint32_t ms = tusk_tcp_ts_now(now) + c->ts_offset -
			      seg->opt.tsecr;
		if (ms < 60000) /* over a minute: not an echo of ours */
			sample = (ms == 0 ? 1 : ms) * TUSK_NS_PER_MS;
	} else if (SEQ_GEQ(c->rcv_nxt, c->rcv_rtt_seq)) {
		if (c->rcv_rtt_ts != 0)
			sample = now - c->rcv_rtt_ts;
		c->rcv_rtt_seq = c->rcv_nxt + tusk_tcp_recv_window(c);
		c->rcv_rtt_ts = now;
	}
	if (sample == 0)
		return;
	c->rcv_rtt = c->rcv_rtt == 0 ? sample :
		     c->rcv_rtt - (c->rcv_rtt >> 3) + (sample >> 3);
}

/* Dynamic right-sizing (Linux tcp_rcv_space_adjust): once per receiver
 * RTT, make the buffer twice what arrived in the last RTT, more while the
 * rate is still growing (slow start doubles it every RTT). */
static void
autotune(struct tusk_tcp_conn *c, uint64_t now)
{
	uint64_t rtt = c->rcv_rtt != 0 ? c->rcv_rtt : c->rtt.srtt;
	uint64_t got, win;

	if (rtt == 0 || now - c->rcvq_start < rtt)
		return;
	got = c->rcv_nxt - c->rcvq_seq;
	/* With holes, the left edge waits about 1.5 RTT for each repair
	 * (RACK needs an RTT to call a loss, the resend half of one to
	 * arrive): the window must hold that much more than one RTT's
	 * data, or the sender stalls on it and the rate, and with it this
	 * estimate, shrinks. */
	win = (c->rcvq_holes ? 4 : 2) * got + 16ULL * c->rcv_mss;
	if (got > c->rcvq_prev && c->rcvq_prev > 0)
		win += 2 * win * (got - c->rcvq_prev) / c->rcvq_prev;
	if (win > c->rcv_max)
		win = c->rcv_max;
	if (c->rcv_pool_cap != 0 && win > c->rcv_pool_cap)
		win = c->rcv_pool_cap;
	if (win > c->rcv_space)
		c->rcv_space = (uint32_t)win;
	c->rcvq_prev = (uint32_t)got;
	c->rcvq_holes = c->ofo.n > 0;
	c->rcvq_seq = c->rcv_nxt;
	c->rcvq_start = now;
}

/* RFC 9293 3.8.6.3 / RFC 1122 4.2.3.2: ACK at least every second full
 * segment, else within the delayed-ACK time; every segment in quick-ACK
 * mode (connection start, after reordering: RFC 5681 4.2 wants the
 * sender's slow start and loss recovery fed promptly). */
static void
ack_policy(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint32_t len,
	   uint64_t now)
{
	if (len == 0)
		return;
	if (c->quickacks > 0) {
		c->quickacks--;
		c->flags |= TUSK_TCP_CF_ACK_NOW;
		return;
	}
	if (len > c->rcv_seg_max)
		c->rcv_seg_max = (uint16_t)RTE_MIN(len, (uint32_t)c->rcv_mss);
	if (c->rcv_nxt - c->last_ack_sent >= 2u * c->rcv_seg_max)
		c->flags |= TUSK_TCP_CF_ACK_NOW;
	else
		tusk_tcp_timers_delack(tcp, c, now);
}

static void
fin_arrived(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint32_t fin_seq,
	    uint64_t now)
{
	if (fin_seq == c->rcv_nxt) {
		c->rcv_nxt++;
		tusk_tcp_input_fin(tcp, c, now);
	} else {
		c->flags |= TUSK_TCP_CF_FIN_QUEUED | TUSK_TCP_CF_ACK_NOW;
		c->rcv_fin_seq = fin_seq;
	}
}

static bool
takes_data(const struct tusk_tcp_conn *c)
{
	return c->state == TUSK_TCP_ESTABLISHED ||
	       c->state == TUSK_TCP_FIN_WAIT_1 ||
	       c->state == TUSK_TCP_FIN_WAIT_2;
}

void
tusk_tcp_recv_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		    struct tusk_tcp_seg_in *seg, uint64_t now)
{
	bool had_ofo = c->ofo.n > 0;
	uint32_t len;

	if (!takes_data(c)) {
		/* Our peer's FIN came already: anything more is a repeat. */
		if (seg->len > 0 || (seg->flags & TUSK_TCP_F_FIN))
			c->flags |= TUSK_TCP_CF_ACK_NOW;
		if ((seg->flags & TUSK_TCP_F_FIN) &&
		    c->state == TUSK_TCP_TIME_WAIT)
			tusk_tcp_input_fin(tcp, c, now);
		return;
	}
	if (!trim(c, seg))
		return;
	len = seg->len;
	if (len > 0 && c->rcv_pool_cap == 0)
		pool_learn(tcp, c);
	if (len > 0 && seg->seq != c->rcv_nxt) {
		ofo_input(tcp, c, seg);
		if (seg->flags & TUSK_TCP_F_FIN)
			fin_arrived(tcp, c, seg->seq + len, now);
		return;
	}
	rcv_rtt(c, seg, now);
	if (len > 0) {
		struct rte_mbuf *m = seg->m;

		seg->m = NULL;
		c->rcv_nxt += len;
		if (!deliver(c, m, now) || !drain_ofo(c, now))
			return;
		if (had_ofo)
			c->flags |= TUSK_TCP_CF_ACK_NOW; /* RFC 5681 4.2 */
	}
	if (seg->flags & TUSK_TCP_F_FIN)
		fin_arrived(tcp, c, seg->seq + len, now);
	else if ((c->flags & TUSK_TCP_CF_FIN_QUEUED) &&
		 c->rcv_nxt == c->rcv_fin_seq)
		fin_arrived(tcp, c, c->rcv_fin_seq, now);
	if (c->state == TUSK_TCP_CLOSED)
		return; /* the service aborted in peer_closed() */
	ack_policy(tcp, c, len, now);
	autotune(c, now);
}

void
tusk_tcp_recv_release(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		      uint32_t bytes, uint64_t now)
{
	uint32_t edge;

	c->rcv_held -= RTE_MIN(bytes, c->rcv_held);
	/* RFC 1122 4.2.3.3: tell the peer when the window opened by a
	 * segment or by half the buffer since we last advertised. */
	edge = c->rcv_nxt + tusk_tcp_recv_window(c);
	if (SEQ_GT(edge, c->rcv_adv) &&
	    (edge - c->rcv_adv >= 2u * c->rcv_mss ||
	     edge - c->rcv_adv >= c->rcv_space / 2))
		tusk_tcp_output_ack(tcp, c, now);
}
