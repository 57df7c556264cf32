/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 client: its data streams (iperf_client_api.c
 * iperf_create_streams, iperf_tcp.c iperf_tcp_connect, iperf_udp.c
 * iperf_udp_connect). One at a time, each after the last is in, so the
 * server numbers them as we do (1, 3, 4, ...) and takes the first
 * `parallel` as the client's senders with --bidir.
 *
 *   iperf3_client_streams() -> next_stream()
 *     TCP: connect -> connected(): the cookie -> next_stream()
 *     UDP: bind a local port, hello ("9876") -> udp_recv(): the reply
 *          ("6789") -> next_stream(); unanswered: again each second
 *   then the streams count (recv, udp_recv) and send (iperf3_stream.c,
 *   iperf3_udp.c) as the server's do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_random.h>

#include "iperf3_client.h"

/* The legacy reply 3.12 clients accept too (iperf.h
 * LEGACY_UDP_CONNECT_REPLY 987654321, host order: little-endian). */
static const uint8_t legacy_reply[IPERF3_UDP_HELLO_SIZE] = {
	0xb1, 0x68, 0xde, 0x3a
};
/* The hello, as a little-endian iperf3 writes UDP_CONNECT_MSG. */
static const uint8_t hello_msg[IPERF3_UDP_HELLO_SIZE] = {
	'9', '8', '7', '6'
};

static void next_stream(struct tusk_iperf3 *s, uint64_t now);

static void
stream_fail(struct tusk_iperf3 *s, const struct iperf3_stream *sp,
	    const char *what, int err, uint64_t now)
{
	char why[96];

	snprintf(why, sizeof(why), "stream %u: %s: %s", sp->info.id, what,
		 strerror(-err));
	iperf3_test_abort(s, why, now);
}

static void
on_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_addr la, ra;
	uint16_t rp;

	tusk_tcp_conn_tuple(c, &la, &k->sp->local_port, &ra, &rp);
	iperf3_conn_send(k->s, k, k->s->t.cookie, IPERF3_COOKIE_SIZE, now);
	next_stream(k->s, now);
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	uint64_t now)
{
	struct iperf3_conn *k = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	RTE_SET_USED(c);
	iperf3_conn_data(k, len, now);
	rte_pktmbuf_free(m);
	return len;
}

/* The server closes its streams at TEST_END; ours close at the end. */
static void
on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	RTE_SET_USED(c);
	RTE_SET_USED(arg);
	RTE_SET_USED(now);
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_iperf3 *s = k->s;
	struct iperf3_stream *sp = k->sp;

	RTE_SET_USED(c);
	k->c = NULL;
	iperf3_conn_free(k);
	if (s->t.phase == PH_STREAMS || s->t.phase == PH_RUNNING)
		stream_fail(s, sp, "connection lost", err, now);
}

static const struct tusk_tcp_ops stream_ops = {
	.connected = on_connected,
	.recv = on_recv,
	.writable = iperf3_conn_writable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

static void
tcp_open(struct tusk_iperf3 *s, struct iperf3_stream *sp, uint64_t now)
{
	struct tusk_tcp_conn_opts opts = {
		.cc = s->t.p.cc[0] != '\0' ? s->t.p.cc : NULL,
		/* -w: iperf3 sets SO_RCVBUF (and SO_SNDBUF) to it; ours is
		 * the receive window's cap. The send side keeps tuskd's
		 * queue bound (pattern.h), which follows cwnd. */
		.rcv_max = (uint32_t)s->t.p.window,
		/* -M: TCP_MAXSEG on iperf3's sockets */
		.mss_max = (uint16_t)s->t.p.mss,
	};
	struct iperf3_conn *k = iperf3_conn_alloc(s, NULL, CONN_STREAM);
	int ret;

	if (k == NULL) {
		stream_fail(s, sp, "connect", -ENOSPC, now);
		return;
	}
	k->sp = sp;
	sp->conn = k;
	ret = tusk_tcp_connect(s->env.st, &s->t.peer, s->cl->port,
			       &stream_ops, k, &opts, now, &k->c);
	sp->c = k->c;
	if (ret < 0) {
		sp->conn = NULL;
		iperf3_conn_free(k);
		stream_fail(s, sp, "connect", ret, now);
	}
}

static void udp_recv(void *arg, struct rte_mbuf *m,
		     const struct tusk_udp_meta *meta, uint64_t now);

/* A free local port for a UDP stream: from a random start in the dynamic
 * range, the first that binds. */
static int
udp_bind(struct tusk_iperf3 *s, struct iperf3_stream *sp)
{
	const uint32_t span = IPERF3_CLIENT_UDP_PORT_HI -
			      IPERF3_CLIENT_UDP_PORT_LO + 1;
	uint32_t start = (uint32_t)rte_rand_max(span);
	int ret = -EADDRINUSE;

	for (uint32_t i = 0; i < span && ret == -EADDRINUSE; i++) {
		uint16_t port = (uint16_t)(IPERF3_CLIENT_UDP_PORT_LO +
					   (start + i) % span);

		ret = tusk_udp_bind(s->env.st, port, udp_recv, s);
		if (ret == 0)
			sp->local_port = port;
	}
	return ret;
}

static void
hello(struct tusk_iperf3 *s, struct iperf3_stream *sp, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->env.data_pool);

	sp->hello_at = now;
	if (m == NULL)
		return; /* tried again in a second */
	memcpy(rte_pktmbuf_append(m, IPERF3_UDP_HELLO_SIZE), hello_msg,
	       IPERF3_UDP_HELLO_SIZE);
	tusk_udp_send(s->env.st, m, sp->local_port, &s->t.peer, s->cl->port,
		      now);
}

void
iperf3_client_udp_hello(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;
	struct iperf3_stream *sp;

	if (t->n_streams == 0)
		return;
	sp = &t->streams[t->n_streams - 1];
	if (!sp->hello_done && now - sp->hello_at >= IPERF3_CLIENT_HELLO_RETRY_NS)
		hello(s, sp, now);
}

static struct iperf3_stream *
udp_find(struct iperf3_test *t, const struct tusk_udp_meta *meta)
{
	for (uint32_t i = 0; i < t->n_streams; i++) {
		struct iperf3_stream *sp = &t->streams[i];

		if (sp->local_port == meta->dport &&
		    sp->info.peer_port == meta->sport &&
		    tusk_addr_eq(&sp->peer, &meta->src))
			return sp;
	}
	return NULL;
}

static bool
is_reply(const struct rte_mbuf *m)
{
	uint8_t b[IPERF3_UDP_HELLO_SIZE];

	if (rte_pktmbuf_pkt_len(m) != IPERF3_UDP_HELLO_SIZE)
		return false;
	iperf3_take(m, 0, b, sizeof(b));
	return memcmp(b, iperf3_udp_reply, sizeof(b)) == 0 ||
	       memcmp(b, legacy_reply, sizeof(b)) == 0;
}

static void
udp_recv(void *arg, struct rte_mbuf *m, const struct tusk_udp_meta *meta,
	 uint64_t now)
{
	struct tusk_iperf3 *s = arg;
	struct iperf3_test *t = &s->t;
	struct iperf3_stream *sp = t->client ? udp_find(t, meta) : NULL;

	if (sp == NULL) {
		s->counters.udp_stray++;
	} else if (!sp->hello_done && t->phase == PH_STREAMS &&
		   is_reply(m)) {
		sp->hello_done = true;
		next_stream(s, now);
	} else if (t->phase == PH_RUNNING && !sp->info.sender) {
		iperf3_udp_data(t, sp, m, now);
	}
	rte_pktmbuf_free(m);
}

static void
udp_open(struct tusk_iperf3 *s, struct iperf3_stream *sp, uint64_t now)
{
	int ret = udp_bind(s, sp);

	if (ret < 0) {
		stream_fail(s, sp, "no local UDP port", ret, now);
		return;
	}
	hello(s, sp, now);
}

/* The next stream, or nothing when all are in (TEST_START follows). */
static void
next_stream(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_stream *sp;

	if (s->t.phase != PH_STREAMS)
		return;
	sp = iperf3_stream_add(s, &s->t.peer, s->cl->port);
	if (sp == NULL)
		return;
	sp->local_port = 0;
	if (s->t.p.udp)
		udp_open(s, sp, now);
	else
		tcp_open(s, sp, now);
}

void
iperf3_client_streams(struct tusk_iperf3 *s, uint64_t now)
{
	next_stream(s, now);
}

/* Once, at the end (iperf3_client.c finish() or failed()). */
void
iperf3_client_unbind(struct tusk_iperf3 *s)
{
	struct iperf3_test *t = &s->t;

	if (!t->p.udp)
		return;
	for (uint32_t i = 0; i < t->n_streams; i++) {
		if (t->streams[i].local_port != 0)
			tusk_udp_unbind(s->env.st, t->streams[i].local_port);
	}
}
