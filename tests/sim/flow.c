/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bulk-transfer services for the simulator: a sender on host A that
 * streams a deterministic pattern, and a receiver on host B that checks
 * every byte against the pattern at its stream offset.
 *
 * The pattern: the 8-byte little-endian word at stream offset x (x a
 * multiple of 8) is (x ^ key) * golden ratio. It encodes the position, so
 * a byte lost, duplicated, reordered or corrupted in the stream shows.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

/* Payload chunk per mbuf: near the 64 KB data-room limit, so the sender
 * makes few mbufs; TCP cuts segments from it without copying. */
#define SIM_CHUNK 64000
/* Chunks offered per call: enough to fill the largest send buffer (a
 * smaller budget would stop with room left, and no writable() would
 * follow); send() returning 0 ends the loop first. */
#define SIM_PUSH_BUDGET(w) ((w)->conf.snd_budget / SIM_CHUNK + 2)

#define GOLDEN 0x9e3779b97f4a7c15ull

static inline uint64_t
pattern_word(uint64_t key, uint64_t x)
{
	return (x ^ key) * GOLDEN;
}

uint8_t
sim_pattern_byte(uint64_t key, uint64_t off)
{
	uint64_t w = pattern_word(key, off & ~7ull);

	return (uint8_t)(w >> (8 * (off & 7)));
}

void
sim_pattern_fill(uint8_t *p, uint64_t key, uint64_t off, uint32_t len)
{
	uint32_t i = 0;

	for (; i < len && ((off + i) & 7) != 0; i++)
		p[i] = sim_pattern_byte(key, off + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word(key, off + i);

		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = sim_pattern_byte(key, off + i);
}

/* Count the bytes of a word that differ (only on a mismatch: slow). */
static uint64_t
bytes_differ(const uint8_t *p, uint64_t key, uint64_t off, uint32_t n)
{
	uint64_t bad = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		bad += p[i] != sim_pattern_byte(key, off + i);
	return bad;
}

uint64_t
sim_pattern_check(const uint8_t *p, uint64_t key, uint64_t off, uint32_t len)
{
	uint64_t bad = 0;
	uint32_t i = 0;

	for (; i < len && ((off + i) & 7) != 0; i++)
		bad += p[i] != sim_pattern_byte(key, off + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w != pattern_word(key, off + i))
			bad += bytes_differ(p + i, key, off + i, 8);
	}
	for (; i < len; i++)
		bad += p[i] != sim_pattern_byte(key, off + i);
	return bad;
}

/* The next chunk of the stream, or NULL (pool empty or all generated). */
static struct rte_mbuf *
gen_chunk(struct sim_flow *f)
{
	uint64_t left = f->w->conf.bytes != 0 ?
		f->w->conf.bytes - f->gen_off : SIM_CHUNK;
	uint32_t len = left < SIM_CHUNK ? (uint32_t)left : SIM_CHUNK;
	struct rte_mbuf *m;
	uint8_t *p;

	if (len == 0)
		return NULL;
	m = rte_pktmbuf_alloc(f->w->data_pool);
	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (!f->w->conf.no_verify)
		sim_pattern_fill(p, f->key, f->gen_off, len);
	f->gen_off += len;
	return m;
}

/* Offer the stream to TCP until it takes no more. */
static void
push(struct sim_flow *f, uint64_t now)
{
	uint64_t budget = SIM_PUSH_BUDGET(f->w);

	while (budget-- > 0 && f->tx_conn != NULL) {
		int64_t took;

		if (f->pending == NULL)
			f->pending = gen_chunk(f);
		if (f->pending == NULL)
			break;
		took = tusk_tcp_send(f->tx_conn, &f->pending, now);
		if (took <= 0)
			return; /* full: writable() calls back */
		f->sent_off += (uint64_t)took;
	}
	if (f->tx_conn != NULL && f->pending == NULL && !f->shut &&
	    f->w->conf.bytes != 0 && f->sent_off == f->w->conf.bytes) {
		f->shut = true;
		tusk_tcp_shutdown(f->tx_conn, now);
	}
}

static void
sender_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	push(arg, now);
}

static void
sender_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	push(arg, now);
}

static uint32_t
sender_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	    uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	rte_pktmbuf_free(m); /* the receiver sends nothing back */
	return len;
}

static void
sender_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	tusk_tcp_close(c, now);
}

static void
sender_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct sim_flow *f = arg;

	tusk_tcp_conn_stats(c, &f->final);
	f->err = err;
	f->tx_conn = NULL;
}

const struct tusk_tcp_ops sim_sender_ops = {
	.connected = sender_connected,
	.recv = sender_recv,
	.writable = sender_writable,
	.peer_closed = sender_peer_closed,
	.closed = sender_closed,
};

static int
receiver_accepted(struct tusk_tcp_conn *c, void *listen_arg, void **conn_arg,
		  uint64_t now)
{
	struct sim_flow *f = listen_arg;

	if (f->rx_conn != NULL)
		return -EBUSY; /* one connection per flow */
	f->rx_conn = c;
	*conn_arg = f;
	return 0;
}

static uint32_t
receiver_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	      uint64_t now)
{
	struct sim_flow *f = arg;
	uint32_t total = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *s;

	for (s = m; s != NULL; s = s->next) {
		uint32_t len = rte_pktmbuf_data_len(s);

		if (!f->w->conf.no_verify)
			f->bad_bytes += sim_pattern_check(
				rte_pktmbuf_mtod(s, const uint8_t *), f->key,
				f->rx_off, len);
		f->rx_off += len;
	}
	rte_pktmbuf_free(m);
	if (f->w->conf.bytes != 0 && f->done_ns == 0 &&
	    f->rx_off >= f->w->conf.bytes)
		f->done_ns = now;
	return total;
}

static void
receiver_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct sim_flow *f = arg;

	f->peer_closed = true;
	tusk_tcp_close(c, now);
}

static void
receiver_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct sim_flow *f = arg;

	f->rx_conn = NULL;
	if (err != 0 && f->err == 0)
		f->err = err;
}

const struct tusk_tcp_ops sim_receiver_ops = {
	.accepted = receiver_accepted,
	.recv = receiver_recv,
	.peer_closed = receiver_peer_closed,
	.closed = receiver_closed,
};

int
sim_flow_start(struct sim_flow *f, uint64_t now)
{
	/* The send buffer is the budget's share: more than the receive
	 * window, so a flow is window- or cwnd-limited, never
	 * application-limited (which would freeze BBR's model). */
	struct tusk_tcp_conn_opts opts = {
		.cc = f->cc,
		.rcv_max = f->w->conf.rcv_max,
		.snd_buf = (uint32_t)(f->w->conf.snd_budget / f->w->conf.flows),
		.nodelay = true,
	};
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(SIM_IP_B));

	return tusk_tcp_connect(f->w->a, &dst,
				(uint16_t)(SIM_PORT_BASE + f->idx),
				&sim_sender_ops, f, &opts, now, &f->tx_conn);
}

bool
sim_flows_done(const struct sim_world *w)
{
	unsigned int i;

	if (w->conf.bytes == 0)
		return false;
	for (i = 0; i < w->conf.flows; i++)
		if (w->flows[i].done_ns == 0)
			return false;
	return true;
}
