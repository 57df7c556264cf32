/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded random segments against a listener and live connections: random
 * flags, sequence and acknowledgement numbers near and far from the
 * windows, random (often malformed) options, random payload, time moving
 * on between them, the service sending and closing at random. The stack
 * must not crash, must answer with well-formed segments, and must give
 * every mbuf back once the connections are gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>

#include "harness.h"
#include "stack_priv.h" /* white box: the TCP timer heap */
#include "tcp.h"
#include "tcp_api.h"
#include "tcp_wire.h"

#define MS 1000000ULL
#define ROUNDS 30000
#define PEER_PORTS 8

static struct tusk_harness h;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static struct tusk_tcp_conn *live[PEER_PORTS * 2];
static unsigned int nlive;
static unsigned int n_accepted;
static uint64_t n_bytes;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
forget(struct tusk_tcp_conn *c)
{
	for (unsigned int i = 0; i < nlive; i++)
		if (live[i] == c)
			live[i] = live[--nlive];
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	n_bytes += len;
	rte_pktmbuf_free(m);
	if (rnd() % 64 == 0) {
		/* Services may abort or close from inside a callback. */
		forget(c);
		if (rnd() % 2)
			tusk_tcp_abort(c, now);
		else
			tusk_tcp_close(c, now);
		return len;
	}
	return rnd() % 4 == 0 ? len / 2 : len; /* sometimes hold some */
}

static int
on_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	n_accepted++;
	if (nlive < sizeof(live) / sizeof(live[0]))
		live[nlive++] = c;
	return 0;
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	forget(c);
}

static void
on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	if (rnd() % 4 == 0) {
		forget(c);
		tusk_tcp_abort(c, now);
	}
}

static const struct tusk_tcp_ops ops = {
	.accepted = on_accepted,
	.recv = on_recv,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* The peer's view: what it last heard from us per port (to aim near the
 * windows), learned from the captured frames. */
static uint32_t our_seq[PEER_PORTS], peer_seq[PEER_PORTS];

static void
learn(void)
{
	for (unsigned int i = 0; i < h.n_sent; i++) {
		uint8_t buf[128];
		const uint8_t *p = rte_pktmbuf_read(h.sent[i], 0, 54, buf);
		const struct tusk_tcp_hdr *th;
		uint16_t dport;

		if (p == NULL || p[23] != IPPROTO_TCP)
			continue;
		th = (const struct tusk_tcp_hdr *)(p + 34);
		/* Well-formed: header length sane, source port ours. */
		assert_true(tusk_tcp_hdr_len(th) >= 20);
		assert_true(tusk_tcp_hdr_len(th) <= 60);
		dport = rte_be_to_cpu_16(th->dport);
		if (dport >= 40000 && dport < 40000 + PEER_PORTS) {
			our_seq[dport - 40000] = rte_be_to_cpu_32(th->seq);
			peer_seq[dport - 40000] = rte_be_to_cpu_32(th->ack);
		}
	}
	tusk_harness_clear(&h);
}

static uint32_t
near(uint32_t base)
{
	switch (rnd() % 4) {
	case 0: return base;
	case 1: return base + rnd() % 70000;
	case 2: return base - rnd() % 70000;
	default: return rnd();
	}
}

static void
one_segment(uint64_t now)
{
	static const uint8_t flag_sets[] = {
		TUSK_TCP_F_SYN, TUSK_TCP_F_ACK, TUSK_TCP_F_ACK | TUSK_TCP_F_PSH,
		TUSK_TCP_F_ACK | TUSK_TCP_F_FIN, TUSK_TCP_F_RST,
		TUSK_TCP_F_RST | TUSK_TCP_F_ACK, TUSK_TCP_F_SYN | TUSK_TCP_F_ACK,
	};
	uint8_t tcp[1600], frame[1700];
	struct tusk_tcp_hdr *th = (struct tusk_tcp_hdr *)tcp;
	unsigned int port = rnd() % PEER_PORTS, olen = (rnd() % 11) * 4;
	unsigned int plen = rnd() % 3 == 0 ? rnd() % 1400 : 0;

	memset(tcp, 0, 20);
	for (unsigned int i = 0; i < olen + plen; i++)
		tcp[20 + i] = (uint8_t)rnd();
	if (olen > 0 && rnd() % 2)
		tcp[20] = (uint8_t)(rnd() % 9); /* a known kind, random length */
	th->sport = rte_cpu_to_be_16((uint16_t)(40000 + port));
	th->dport = rte_cpu_to_be_16(rnd() % 8 == 0 ? 81 : 80);
	th->seq = rte_cpu_to_be_32(near(peer_seq[port]));
	th->ack = rte_cpu_to_be_32(near(our_seq[port] + 1));
	th->off = (uint8_t)(((20 + olen) / 4) << 4);
	th->flags = rnd() % 16 == 0 ? (uint8_t)rnd() :
		    flag_sets[rnd() % sizeof(flag_sets)];
	th->wnd = rte_cpu_to_be_16((uint16_t)rnd());
	/* Checksum left 0: the harness stack checks in software, so say
	 * the NIC verified it (the path a real port takes). */
	size_t n = tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP,
					   HARNESS_OUR_IP, IPPROTO_TCP, tcp,
					   20 + olen + plen);
	struct rte_mbuf *m = tusk_harness_mbuf(&h, frame, n);

	assert_non_null(m);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	tusk_stack_input(h.st, 0, &m, 1, now);
}

static void
app_action(uint64_t now)
{
	struct tusk_tcp_conn *c;
	struct rte_mbuf *m;

	if (nlive == 0)
		return;
	c = live[rnd() % nlive];
	switch (rnd() % 8) {
	case 0:
		m = rte_pktmbuf_alloc(h.pool);
		if (m == NULL)
			return;
		rte_pktmbuf_append(m, (uint16_t)(1 + rnd() % 3000));
		tusk_tcp_send(c, &m, now);
		if (m != NULL)
			rte_pktmbuf_free(m);
		break;
	case 1:
		tusk_tcp_recv_consumed(c, rnd() % 5000, now);
		break;
	case 2:
		tusk_tcp_shutdown(c, now);
		break;
	case 3:
		forget(c);
		tusk_tcp_close(c, now);
		break;
	case 4:
		forget(c);
		tusk_tcp_abort(c, now);
		break;
	default:
		break;
	}
}

static void
test_random_segments(void **state)
{
	unsigned int base;
	uint64_t now = MS;

	if (getenv("TCP_FUZZ_SEED") != NULL) /* more seeds by hand */
		rng = strtoull(getenv("TCP_FUZZ_SEED"), NULL, 0) | 1;
	assert_int_equal(tusk_harness_init(&h, "tcp_fuzz"), 0);
	tusk_harness_learn_peer(&h, 0);
	tusk_tcp_set_msl(h.st, 50 * MS);
	base = rte_mempool_in_use_count(h.pool);
	assert_int_equal(tusk_tcp_listen(h.st, 80, &ops, NULL, 4, NULL), 0);
	for (unsigned int r = 0; r < ROUNDS; r++) {
		one_segment(now);
		if (rnd() % 4 == 0)
			app_action(now);
		now += rnd() % (5 * MS);
		if (rnd() % 8 == 0)
			tusk_harness_learn_peer(&h, now);
		tusk_stack_poll(h.st, now);
		learn();
	}
	/* Let everything time out or finish (a FIN resent with backoff
	 * gives up after ~8 minutes), then take the rest down. */
	for (unsigned int i = 0; i < 1200; i++) {
		now += 1000 * MS;
		tusk_harness_learn_peer(&h, now);
		tusk_stack_poll(h.st, now);
		tusk_harness_clear(&h);
	}
	while (nlive > 0) {
		struct tusk_tcp_conn *c = live[0];

		forget(c);
		tusk_tcp_abort(c, now);
	}
	tusk_tcp_unlisten(h.st, 80);
	print_message("%u connections accepted, %llu bytes delivered, %u "
		      "left after %u segments\n", n_accepted,
		      (unsigned long long)n_bytes, tusk_tcp_conn_count(h.st),
		      ROUNDS);
	/* The random walk reached the synchronized states, with data. */
	assert_true(n_accepted >= 10);
	assert_true(n_bytes > 0);
	/* Nothing left behind: no connection, no timer, no mbuf. */
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
	assert_int_equal(tusk_tcp_next_event(h.st->tcp), UINT64_MAX);
	tusk_harness_clear(&h);
	assert_int_equal(rte_mempool_in_use_count(h.pool), base);
	tusk_harness_fini(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
