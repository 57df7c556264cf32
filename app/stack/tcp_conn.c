/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table: a preallocated array of blocks, a free list and a
 * chained hash of 4-tuples (buckets: the next power of two at or above the
 * table size, so chains stay ~1 long). Plus listeners, ephemeral ports
 * (RFC 6056 algorithm 3) and ISNs (RFC 6528).
 */
#include <errno.h>
#include <string.h>

#include <rte_jhash.h>
#include <rte_malloc.h>

#include "ipv4.h"
#include "stack_priv.h"
#include "tcp_conn.h"
#include "tcp_mbuf.h"
#include "tcp_seq.h"
#include "tcp_wire.h"

int
tusk_tcp_conn_table_init(struct tusk_tcp *tcp, uint32_t max_conns)
{
	uint32_t nb = rte_align32pow2(max_conns);

	tcp->conns = rte_zmalloc_socket("tcp_conns",
					(size_t)max_conns * sizeof(*tcp->conns),
					RTE_CACHE_LINE_SIZE, tcp->socket_id);
	tcp->buckets = rte_malloc_socket("tcp_buckets", nb * sizeof(uint32_t),
					 0, tcp->socket_id);
	if (tcp->conns == NULL || tcp->buckets == NULL)
		return -ENOMEM;
	memset(tcp->buckets, 0xff, nb * sizeof(uint32_t));
	tcp->bucket_mask = nb - 1;
	tcp->max_conns = max_conns;
	for (uint32_t i = 0; i < max_conns; i++) {
		tcp->conns[i].idx = i;
		tcp->conns[i].hnext = i + 1 < max_conns ? i + 1 : TUSK_TCP_NIL;
		tcp->conns[i].heap_pos = TUSK_TCP_NIL;
	}
	tcp->free_head = 0;
	return 0;
}

void
tusk_tcp_conn_table_free(struct tusk_tcp *tcp)
{
	for (uint32_t i = 0; tcp->conns != NULL && i < tcp->max_conns; i++) {
		struct tusk_tcp_conn *c = &tcp->conns[i];

		if (c->state != TUSK_TCP_CLOSED) {
			tusk_tcp_sndq_free(&c->sq);
			tusk_tcp_sb_free(&c->sb);
			tusk_tcp_ofo_free(&c->ofo);
		}
	}
	rte_free(tcp->conns);
	rte_free(tcp->buckets);
	tcp->conns = NULL;
	tcp->buckets = NULL;
}

static uint32_t
bucket(const struct tusk_tcp *tcp, const struct tusk_tcp_tuple *t)
{
	uint32_t ports = ((uint32_t)t->lport << 16) | t->rport;

	return rte_jhash_3words(tusk_addr_hash(&t->laddr),
				tusk_addr_hash(&t->raddr), ports,
				(uint32_t)tcp->port_key.k0) & tcp->bucket_mask;
}

static bool
tuple_eq(const struct tusk_tcp_tuple *a, const struct tusk_tcp_tuple *b)
{
	return a->lport == b->lport && a->rport == b->rport &&
	       tusk_addr_eq(&a->raddr, &b->raddr) &&
	       tusk_addr_eq(&a->laddr, &b->laddr);
}

struct tusk_tcp_conn *
tusk_tcp_conn_lookup(const struct tusk_tcp *tcp,
		     const struct tusk_tcp_tuple *t)
{
	uint32_t i = tcp->buckets[bucket(tcp, t)];

	while (i != TUSK_TCP_NIL) {
		struct tusk_tcp_conn *c = &tcp->conns[i];

		if (tuple_eq(&c->t, t))
			return c;
		i = c->hnext;
	}
	return NULL;
}

struct tusk_tcp_conn *
tusk_tcp_conn_alloc(struct tusk_tcp *tcp, const struct tusk_tcp_tuple *t,
		    uint64_t now)
{
	uint32_t i = tcp->free_head, b;
	struct tusk_tcp_conn *c;

	if (i == TUSK_TCP_NIL)
		return NULL;
	c = &tcp->conns[i];
	tcp->free_head = c->hnext;
	memset(c, 0, sizeof(*c));
	c->idx = i;
	c->tcp = tcp;
	c->heap_pos = TUSK_TCP_NIL;
	c->t = *t;
	c->state = TUSK_TCP_CLOSED;
	for (int k = 0; k < TUSK_TCP_T_MAX; k++)
		c->timer[k] = TUSK_TCP_NEVER;
	c->deadline = TUSK_TCP_NEVER;
	c->rcv_max = TUSK_TCP_RCV_MAX_DEFAULT;
	c->snd_buf = TUSK_TCP_SND_BUF_DEFAULT;
	c->rcv_space = TUSK_TCP_RCV_SPACE_INIT;
	c->last_rx = now;
	c->ts_offset = tusk_tcp_conn_ts_offset(tcp, t);
	tusk_tcp_rtt_init(&c->rtt);
	tusk_tcp_sb_init(&c->sb, tcp->socket_id);
	tusk_tcp_ofo_init(&c->ofo, tcp->socket_id);
	tusk_tcp_sndq_init(&c->sq, 0, tcp->socket_id);
	b = bucket(tcp, t);
	c->hnext = tcp->buckets[b];
	tcp->buckets[b] = i;
	c->flags = TUSK_TCP_CF_IN_TABLE;
	tcp->n_conns++;
	return c;
}

static void
unhash(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	uint32_t *p = &tcp->buckets[bucket(tcp, &c->t)];

	while (*p != TUSK_TCP_NIL && *p != c->idx)
		p = &tcp->conns[*p].hnext;
	if (*p == c->idx)
		*p = c->hnext;
}

void
tusk_tcp_conn_free(struct tusk_tcp *tcp, struct tusk_tcp_conn *c)
{
	if (!(c->flags & TUSK_TCP_CF_IN_TABLE))
		return;
	if (c->state == TUSK_TCP_SYN_RECEIVED && !(c->flags &
	    TUSK_TCP_CF_ACCEPTED) && tcp->listeners[c->listener].syn_queued)
		tcp->listeners[c->listener].syn_queued--;
	tusk_tcp_timer_clear_all(tcp, c);
	unhash(tcp, c);
	tusk_tcp_sndq_free(&c->sq);
	tusk_tcp_sb_free(&c->sb);
	tusk_tcp_ofo_free(&c->ofo);
	c->state = TUSK_TCP_CLOSED;
	c->flags = 0;
	c->hnext = tcp->free_head;
	tcp->free_head = c->idx;
	tcp->n_conns--;
}

int
tusk_tcp_conn_ephemeral(struct tusk_tcp *tcp, struct tusk_tcp_tuple *t)
{
	const uint32_t all = TUSK_TCP_EPHEMERAL_HI - TUSK_TCP_EPHEMERAL_LO + 1;
	const uint32_t k = tcp->port_shares;
	/* ours: LO + share, LO + share + k, ... */
	const uint32_t n = (all - tcp->port_share + k - 1) / k;
	struct tusk_tcp_tuple key = *t;
	uint32_t offset;

	/* RFC 6056 3.3.3: offset = F(addresses, remote port, secret), plus a
	 * counter that moves on with every attempt. */
	key.lport = 0;
	offset = (uint32_t)tusk_tcp_tuple_siphash(&tcp->port_key, &key, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t port = TUSK_TCP_EPHEMERAL_LO + tcp->port_share +
				(offset + tcp->port_offset + i) % n * k;

		tcp->port_offset++;
		t->lport = (uint16_t)port;
		if (tusk_tcp_conn_lookup(tcp, t) == NULL &&
		    tusk_tcp_listener_find(tcp, t->lport) == NULL)
			return 0;
	}
	return -EADDRNOTAVAIL;
}

uint32_t
tusk_tcp_conn_isn(const struct tusk_tcp *tcp, const struct tusk_tcp_tuple *t,
		  uint64_t now)
{
	/* RFC 6528 section 3: ISN = M + F(localip, localport, remoteip,
	 * remoteport, secretkey), M ticking every 4 microseconds. */
	return (uint32_t)(now / 4000) +
	       (uint32_t)tusk_tcp_tuple_siphash(&tcp->isn_key, t, 0);
}

uint32_t
tusk_tcp_conn_ts_offset(const struct tusk_tcp *tcp,
			const struct tusk_tcp_tuple *t)
{
	return (uint32_t)tusk_tcp_tuple_siphash(&tcp->isn_key, t, 1);
}

uint8_t
tusk_tcp_conn_wscale_for(uint32_t rcv_max)
{
	uint8_t s = 0;

	while (s < TUSK_TCP_MAX_WSCALE && ((uint64_t)TUSK_TCP_MAX_WIN << s) <
	       rcv_max)
		s++;
	return s;
}

void
tusk_tcp_conn_opts(struct tusk_tcp_conn *c, const struct tusk_tcp_conn_opts *o)
{
	if (o == NULL)
		return;
	if (o->rcv_max != 0)
		c->rcv_max = o->rcv_max;
	if (o->snd_buf != 0)
		c->snd_buf = o->snd_buf;
	if (o->nodelay)
		c->flags |= TUSK_TCP_CF_NODELAY;
	if (o->keepalive)
		c->flags |= TUSK_TCP_CF_KEEPALIVE;
	if (o->mss_max != 0)
		c->mss_max = RTE_MAX(o->mss_max, TUSK_TCP_MSS_MIN);
	if (o->no_sack)
		c->flags |= TUSK_TCP_CF_NO_SACK;
	if (o->no_timestamps)
		c->flags |= TUSK_TCP_CF_NO_TS;
	if (o->no_wscale) {
		c->flags |= TUSK_TCP_CF_NO_WS;
		c->rcv_max = RTE_MIN(c->rcv_max, TUSK_TCP_MAX_WIN);
	}
	if (c->rcv_space > c->rcv_max)
		c->rcv_space = c->rcv_max;
}

/* TSO when the interface towards the peer segments for us. */
static uint32_t
tso_max(struct tusk_tcp *tcp, const struct tusk_tcp_conn *c)
{
	struct tusk_addr src, nh;
	uint16_t iface;

	if (c->mss == 0 || tusk_ipv4_route(tcp->st, &c->t.raddr, &iface, &src,
					   &nh) != 0 ||
	    !(tusk_stack_iface(tcp->st, iface)->offloads &
	      TUSK_IFACE_OFFLOAD_TSO))
		return 0;
	return TUSK_TCP_TSO_MAX_BYTES / c->mss * c->mss;
}

int
tusk_tcp_conn_setup(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		    const struct tusk_tcp_cc_ops *cc, uint64_t now)
{
	uint32_t first = c->iss + 1;

	c->tso_max = tso_max(tcp, c);
	tusk_tcp_sndq_init(&c->sq, first, tcp->socket_id);
	c->sb.high_sacked = first;
	tusk_tcp_rack_init(&c->rack, first);
	tusk_tcp_rate_init(&c->rate);
	c->recovery_point = first;
	c->quickacks = TUSK_TCP_QUICKACKS;
	c->rcvq_start = now;
	c->rcvq_seq = c->rcv_nxt;
	c->rcv_rtt_seq = c->rcv_nxt;
	c->rcv_rtt_ts = now;
	c->pace_ts = now;
	if (tusk_tcp_cc_init(&c->cc, cc, c->mss, now) != 0)
		return -EINVAL;
	c->cc.srtt_ns = c->rtt.srtt;
	c->cc.min_rtt_ns = c->rtt.min_rtt;
	return 0;
}

void
tusk_tcp_conn_set_state(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			enum tusk_tcp_state s, uint64_t now)
{
	if (c->state == TUSK_TCP_SYN_RECEIVED && s != TUSK_TCP_SYN_RECEIVED &&
	    !(c->flags & TUSK_TCP_CF_ACCEPTED) &&
	    tcp->listeners[c->listener].syn_queued > 0) {
		tcp->listeners[c->listener].syn_queued--;
		c->flags |= TUSK_TCP_CF_ACCEPTED;
	}
	c->state = (uint8_t)s;
	if (s == TUSK_TCP_TIME_WAIT) {
		/* RFC 9293 3.10.7.4: 2 MSL; nothing more to send. */
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX, TUSK_TCP_NEVER);
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_PACE, TUSK_TCP_NEVER);
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_PERSIST, TUSK_TCP_NEVER);
		tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_KEEP, TUSK_TCP_NEVER);
		tusk_tcp_timers_linger(tcp, c, 2 * tcp->msl, now);
	} else if (s == TUSK_TCP_FIN_WAIT_2 &&
		   (c->flags & TUSK_TCP_CF_CLOSED)) {
		tusk_tcp_timers_linger(tcp, c, TUSK_TCP_FIN_WAIT2_NS, now);
	}
}

void
tusk_tcp_conn_drop(struct tusk_tcp *tcp, struct tusk_tcp_conn *c, int err,
		   uint64_t now)
{
	bool tell = c->ops != NULL && c->ops->closed != NULL &&
		    (c->flags & TUSK_TCP_CF_ACCEPTED) &&
		    !(c->flags & TUSK_TCP_CF_CLOSED);

	/* The service sees the block (and its statistics) one last time;
	 * CLOSED first, so nothing it calls can re-enter here. */
	c->flags |= TUSK_TCP_CF_CLOSED;
	if (tell)
		c->ops->closed(c, c->arg, err, now);
	tusk_tcp_conn_free(tcp, c);
}

struct tusk_tcp_listener *
tusk_tcp_listener_find(struct tusk_tcp *tcp, uint16_t port)
{
	for (unsigned int i = 0; i < TUSK_TCP_MAX_LISTENERS; i++) {
		if (tcp->listeners[i].used && tcp->listeners[i].port == port)
			return &tcp->listeners[i];
	}
	return NULL;
}
