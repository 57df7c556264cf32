/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * All TCP timers (see tcp_timer.h). Call graph of an expiry:
 *   tusk_tcp_poll() -> tusk_tcp_timers_run() -> fire()
 *     -> rtx_fired() -> rto_fired() | tlp_fired() | reo_fired()
 *     -> delack_fired(), persist_fired(), keep_fired(), pace_fired(),
 *        linger_fired()
 */
#include <errno.h>

#include <rte_malloc.h>

#include "stack_priv.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_output.h"
#include "tcp_seq.h"
#include "tcp_timer.h"

/* ---- the heap ---------------------------------------------------------- */

int
tusk_tcp_timers_init(struct tusk_tcp *tcp, uint32_t max_conns, int socket_id)
{
	tcp->heap = rte_malloc_socket("tcp_timers", max_conns * sizeof(uint32_t),
				      0, socket_id);
	tcp->heap_n = 0;
	return tcp->heap == NULL ? -ENOMEM : 0;
}

void
tusk_tcp_timers_free(struct tusk_tcp *tcp)
{
	rte_free(tcp->heap);
	tcp->heap = NULL;
}

static uint64_t
key(const struct tusk_tcp *tcp, uint32_t pos)
{
	return tcp->conns[tcp->heap[pos]].deadline;
}

static void
place(struct tusk_tcp *tcp, uint32_t pos, uint32_t idx)
{
	tcp->heap[pos] = idx;
	tcp->conns[idx].heap_pos = pos;
}

static void
sift_up(struct tusk_tcp *tcp, uint32_t pos)
{
	uint32_t idx = tcp->heap[pos];
	uint64_t k = tcp->conns[idx].deadline;

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (key(tcp, parent) <= k)
			break;
		place(tcp, pos, tcp->heap[parent]);
		pos = parent;
	}
	place(tcp, pos, idx);
}

static void
sift_down(struct tusk_tcp *tcp, uint32_t pos)
{
	uint32_t idx = tcp->heap[pos];
	uint64_t k = tcp->conns[idx].deadline;

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= tcp->heap_n)
			break;
		if (child + 1 < tcp->heap_n &&
		    key(tcp, child + 1) < key(tcp, child))
			child++;
		if (key(tcp, child) >= k)
			break;
		place(tcp, pos, tcp->heap[child]);
		pos = child;
	}
	place(tcp, pos, idx);
}

static void
heap_remove(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	uint32_t pos = c->heap_pos;

	if (pos == TUSK_TCP_NIL)
		return;
	c->heap_pos = TUSK_TCP_NIL;
	tcp->heap_n--;
	if (pos == tcp->heap_n)
		return;
	uint32_t moved = tcp->heap[tcp->heap_n];

	place(tcp, pos, moved);
	sift_up(tcp, pos);
	sift_down(tcp, tcp->conns[moved].heap_pos);
}

static void
update(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	uint64_t d = TUSK_TCP_NEVER, old = c->deadline;

	for (int k = 0; k < TUSK_TCP_T_MAX; k++)
		if (c->timer[k] < d)
			d = c->timer[k];
	if (d == old && (c->heap_pos != TUSK_TCP_NIL || d == TUSK_TCP_NEVER))
		return;
	c->deadline = d;
	if (d == TUSK_TCP_NEVER) {
		heap_remove(tcp, c);
		return;
	}
	if (c->heap_pos == TUSK_TCP_NIL) {
		c->heap_pos = tcp->heap_n++;
		tcp->heap[c->heap_pos] = c->idx;
		sift_up(tcp, c->heap_pos);
	} else if (d < old) {
		sift_up(tcp, c->heap_pos);
	} else {
		sift_down(tcp, c->heap_pos);
	}
}

void
tusk_tcp_timer_set(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		   enum tusk_tcp_timer_kind k, uint64_t when)
{
	if (c->timer[k] == when)
		return;
	if (c->state == TUSK_TCP_CLOSED && when != TUSK_TCP_NEVER)
		return; /* freed (a service aborted from a callback) */
	c->timer[k] = when;
	update(tcp, c);
}

void
tusk_tcp_timer_clear_all(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	for (int k = 0; k < TUSK_TCP_T_MAX; k++)
		c->timer[k] = TUSK_TCP_NEVER;
	c->deadline = TUSK_TCP_NEVER;
	heap_remove(tcp, c);
}

uint64_t
tusk_tcp_timers_next(const struct tusk_tcp *tcp)
{
	return tcp->heap_n == 0 ? TUSK_TCP_NEVER : key(tcp, 0);
}

/* ---- event hooks ------------------------------------------------------- */

static bool
syn_state(const struct tusk_tcp_conn *c)
{
	return c->state == TUSK_TCP_SYN_SENT ||
	       c->state == TUSK_TCP_SYN_RECEIVED;
}

/* RFC 8985 7.2: a probe only when SACK is on, no recovery is under way
 * and no probe is out already. */
static bool
tlp_allowed(const struct tusk_tcp_conn *c)
{
	return (c->flags & TUSK_TCP_CF_SACK) &&
	       !(c->flags & (TUSK_TCP_CF_RECOVERY | TUSK_TCP_CF_RTO_RECOVERY)) &&
	       !c->rack.tlp_on && c->sb.lost == 0;
}

void
tusk_tcp_timers_rearm_rtx(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			  uint64_t now)
{
	uint64_t rto = tusk_tcp_rtt_rto(&c->rtt), when;

	if (syn_state(c) || c->state == TUSK_TCP_TIME_WAIT)
		return;
	if (tusk_tcp_sb_count(&c->sb) == 0) {
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX, TUSK_TCP_NEVER);
		return;
	}
	if (c->reo_ts != 0) {
		c->rtx_mode = TUSK_TCP_RTX_REO;
		when = c->reo_ts;
	} else if (tlp_allowed(c)) {
		uint64_t pto = tusk_tcp_rack_pto(&c->rtt,
						 tusk_tcp_sb_count(&c->sb));
		c->rtx_mode = TUSK_TCP_RTX_TLP;
		when = now + (pto < rto ? pto : rto);
	} else {
		c->rtx_mode = TUSK_TCP_RTX_RTO;
		when = now + rto;
	}
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX, when);
}

void
tusk_tcp_timers_any_packet(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			   uint64_t now)
{
	c->last_rx = now;
	c->keep_probes = 0;
	if (c->flags & TUSK_TCP_CF_KEEPALIVE)
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_KEEP,
				   now + TUSK_TCP_KEEP_IDLE_NS);
}

void
tusk_tcp_timers_delack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		       uint64_t now)
{
	if (c->timer[TUSK_TCP_T_DELACK] == TUSK_TCP_NEVER)
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_DELACK,
				   now + TUSK_TCP_DELACK_NS);
}

void
tusk_tcp_timers_persist(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			uint64_t now)
{
	uint64_t t = tusk_tcp_rtt_rto(&c->rtt);

	if (c->timer[TUSK_TCP_T_PERSIST] != TUSK_TCP_NEVER)
		return;
	for (unsigned int i = 0; i < c->persist_backoff &&
	     t < TUSK_TCP_PERSIST_MAX_NS; i++)
		t *= 2;
	if (t > TUSK_TCP_PERSIST_MAX_NS)
		t = TUSK_TCP_PERSIST_MAX_NS;
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_PERSIST, now + t);
}

void
tusk_tcp_timers_linger(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		       uint64_t how_long, uint64_t now)
{
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_LINGER, now + how_long);
}

/* ---- expiries ---------------------------------------------------------- */

static void
syn_rto_fired(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	/* RFC 9293 3.8.1 / RFC 6298 5.7: back off; give up after a while. */
	if (++c->syn_retries > TUSK_TCP_SYN_RETRIES ||
	    !tusk_tcp_rtt_backoff(&c->rtt)) {
		tusk_tcp_conn_drop(tcp, c, -ETIMEDOUT, now);
		return;
	}
	tusk_tcp_output_syn(tcp, c, now);
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX,
			   now + tusk_tcp_rtt_rto(&c->rtt));
}

static void
rtx_fired(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	if (syn_state(c)) {
		syn_rto_fired(tcp, c, now);
		return;
	}
	switch (c->rtx_mode) {
	case TUSK_TCP_RTX_REO:
		c->reo_ts = 0;
		tusk_tcp_ack_rack_timeout(tcp, c, now);
		break;
	case TUSK_TCP_RTX_TLP:
		tusk_tcp_ack_tlp(tcp, c, now);
		break;
	default:
		if (!tusk_tcp_rtt_backoff(&c->rtt)) {
			tusk_tcp_output_rst(tcp, c, now);
			tusk_tcp_conn_drop(tcp, c, -ETIMEDOUT, now);
			return;
		}
		tusk_tcp_ack_rto(tcp, c, now);
		break;
	}
}

static void
persist_fired(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	/* RFC 9293 3.8.6.1: probe a zero window; RFC 1122 4.2.2.17: never
	 * give up while the peer answers. */
	if (!tusk_tcp_output_window_stuck(c))
		return;
	tusk_tcp_output_probe(tcp, c, false, now);
	if (c->persist_backoff < 16)
		c->persist_backoff++;
	tusk_tcp_timers_persist(tcp, c, now);
}

static void
keep_fired(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	if (c->state != TUSK_TCP_ESTABLISHED &&
	    c->state != TUSK_TCP_CLOSE_WAIT)
		return;
	if (c->keep_probes >= TUSK_TCP_KEEP_PROBES) {
		tusk_tcp_output_rst(tcp, c, now);
		tusk_tcp_conn_drop(tcp, c, -ETIMEDOUT, now);
		return;
	}
	c->keep_probes++;
	tusk_tcp_output_probe(tcp, c, true, now);
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_KEEP,
			   now + TUSK_TCP_KEEP_INTVL_NS);
}

static void
linger_fired(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	/* TIME-WAIT over (RFC 9293 3.10.8), or FIN-WAIT-2 abandoned. */
	tusk_tcp_conn_drop(tcp, c, c->state == TUSK_TCP_TIME_WAIT ? 0 :
			   -ETIMEDOUT, now);
}

/* Run the expired timers of one connection; it may be freed. */
static void
fire(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, uint64_t now)
{
	for (int k = 0; k < TUSK_TCP_T_MAX; k++) {
		if (c->timer[k] > now)
			continue;
		tusk_tcp_timer_set(tcp, c, k, TUSK_TCP_NEVER);
		switch (k) {
		case TUSK_TCP_T_RTX:
			rtx_fired(tcp, c, now);
			break;
		case TUSK_TCP_T_DELACK:
			tusk_tcp_output_ack(tcp, c, now);
			break;
		case TUSK_TCP_T_PERSIST:
			persist_fired(tcp, c, now);
			break;
		case TUSK_TCP_T_KEEP:
			keep_fired(tcp, c, now);
			break;
		case TUSK_TCP_T_PACE:
			tusk_tcp_output(tcp, c, now);
			break;
		default:
			linger_fired(tcp, c, now);
			break;
		}
		if (c->state == TUSK_TCP_CLOSED)
			return;
	}
}

void
tusk_tcp_timers_run(struct tusk_tcp *tcp, uint64_t now)
{
	for (unsigned int n = 0; n < TUSK_TCP_POLL_BUDGET && tcp->heap_n > 0;
	     n++) {
		struct tusk_tcp_conn *c = &tcp->conns[tcp->heap[0]];

		if (c->deadline > now)
			break;
		fire(tcp, c, now);
	}
}
