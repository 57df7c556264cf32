/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table at scale: 100,000 connections on one stack (one
 * lcore), unique ephemeral ports per destination (RFC 6056), the table
 * limit, 100,000 timers in the heap, and a clean teardown. Stacks that
 * share ports (one per lcore) split the ephemeral ports and hand each
 * other the segments for theirs (stack_conf tcp_shares).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "harness.h"
#include "stack.h"
#include "tcp_api.h"
#include "testenv.h"

#define NCONN 100000u
#define TABLE 100352u     /* a little room above NCONN */
#define PORTS_PER_DST 16384u
#define MS 1000000ULL

static uint64_t tx_frames;

static uint16_t
sink_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	tx_frames += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static uint32_t
no_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m, uint64_t now)
{
	rte_pktmbuf_free(m);
	return 0;
}

static const struct tusk_tcp_ops ops = { .recv = no_recv };

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_100k(void **state)
{
	static struct tusk_tcp_conn *conns[NCONN];
	struct rte_mempool *pool = tusk_testenv_pool("conn", 4095, 256);
	struct tusk_stack_conf sc = { .pool = pool, .seed = 7,
				      .max_conns = TABLE };
	struct tusk_iface_conf ifc = { .prefix_len = 8, .mtu = 1500,
				       .tx = sink_tx };
	struct tusk_stack *st;
	struct tusk_tcp_conn *extra;
	struct tusk_addr dst;
	double t0;

	assert_non_null(pool);
	st = tusk_stack_create(&sc);
	assert_non_null(st);
	ifc.mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 9}};
	ifc.addr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 9)));
	assert_true(tusk_stack_add_iface(st, &ifc, 0) >= 0);
	t0 = secs();
	for (uint32_t i = 0; i < NCONN; i++) {
		/* 16384 ephemeral ports per destination: spread over peers. */
		dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 1, 0,
					1 + i / PORTS_PER_DST)));
		assert_int_equal(tusk_tcp_connect(st, &dst, 5201, &ops, NULL,
						  NULL, 0, &conns[i]), 0);
	}
	print_message("%u connects in %.3f s\n", NCONN, secs() - t0);
	assert_int_equal(tusk_tcp_conn_count(st), NCONN);
	/* Every connection to one destination got its own port. */
	dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 1, 0, 1)));
	static uint8_t seen[65536];
	for (uint32_t i = 0; i < PORTS_PER_DST; i++) {
		struct tusk_addr la, ra;
		uint16_t lp, rp;

		tusk_tcp_conn_tuple(conns[i], &la, &lp, &ra, &rp);
		assert_true(tusk_addr_eq(&ra, &dst));
		assert_true(lp >= 49152);
		assert_int_equal(seen[lp], 0);
		seen[lp] = 1;
	}
	/* The 16385th to the same destination and port: no port left. */
	assert_int_equal(tusk_tcp_connect(st, &dst, 5201, &ops, NULL, NULL, 0,
					  &extra), -EADDRNOTAVAIL);
	/* Fill the table, then one more: refused, nothing broken. */
	for (uint32_t i = NCONN; i < TABLE; i++) {
		dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 1, 1, 1)));
		assert_int_equal(tusk_tcp_connect(st, &dst, 5202 + i % 8, &ops,
						  NULL, NULL, 0, &extra), 0);
	}
	dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 1, 2, 1)));
	assert_int_equal(tusk_tcp_connect(st, &dst, 1, &ops, NULL, NULL, 0,
					  &extra), -ENOMEM);
	/* All SYN timers expire together: one poll runs them (in budgeted
	 * slices) and every connection resends its SYN. */
	assert_int_equal(tusk_stack_next_event(st), 1000 * MS);
	t0 = secs();
	tx_frames = 0;
	for (int i = 0; i < 100 && tusk_stack_next_event(st) <= 1000 * MS;
	     i++)
		tusk_stack_poll(st, 1000 * MS);
	print_message("%u SYN retransmissions in %.3f s\n", TABLE,
		      secs() - t0);
	assert_true(tusk_stack_next_event(st) > 1000 * MS);
	assert_int_equal(tusk_tcp_conn_count(st), TABLE);
	for (uint32_t i = 0; i < NCONN; i++)
		tusk_tcp_abort(conns[i], 1001 * MS);
	assert_int_equal(tusk_tcp_conn_count(st), TABLE - NCONN);
	tusk_stack_free(st);
}

/* What the steer callback got. */
static struct {
	unsigned int calls;
	uint16_t share;
	struct rte_mbuf *m;
} steered;

static void
steer_cb(void *arg, uint16_t share, struct rte_mbuf *m)
{
	steered.calls++;
	steered.share = share;
	rte_pktmbuf_free(steered.m);
	steered.m = m;
}

/* An ACK from 10.1.0.1:5201 to us at dport. */
static size_t
tcp_frame(uint8_t *buf, const struct tusk_iface_conf *ifc, uint16_t dport)
{
	return tusk_harness_tcp_ack_frame(buf, &ifc->mac, RTE_IPV4(10, 1, 0, 1),
					  rte_be_to_cpu_32(ifc->addr.v4), 5201,
					  dport);
}

/* Feed a copy of frame to st. */
static void
feed(struct rte_mempool *pool, struct tusk_stack *st,
			const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	tusk_stack_input(st, 0, &m, 1, 1 * MS);
}

/* Share 2 of 3: connections open from ports 49152 + 2 + 3k only, all
 * 5461 of them to one destination; a segment to another share's port goes
 * to the steer callback as received, one to ours or to a listener's port
 * stays. */
static void
test_ephemeral_shares(void **state)
{
	enum { SHARES = 3, SHARE = 2, OURS = 5461 };
	static struct tusk_tcp_conn *conns[OURS];
	struct rte_mempool *pool = tusk_testenv_pool("share", 1023, 64);
	struct tusk_stack_conf sc = { .pool = pool, .seed = 9,
				      .max_conns = OURS + 8,
				      .tcp_shares = SHARES, .tcp_share = SHARE,
				      .steer = steer_cb };
	struct tusk_iface_conf ifc = { .prefix_len = 8, .mtu = 1500,
				       .tx = sink_tx, .port_id = 3 };
	const struct tusk_stack_stats *stats;
	static uint8_t seen[65536];
	struct tusk_tcp_conn *extra;
	struct tusk_stack *st;
	struct tusk_addr dst;
	uint8_t frame[128];
	struct rte_mbuf *m;
	size_t len;

	assert_non_null(pool);
	/* a split without somewhere to send the rest is refused */
	sc.steer = NULL;
	assert_null(tusk_stack_create(&sc));
	sc.steer = steer_cb;
	st = tusk_stack_create(&sc);
	assert_non_null(st);
	ifc.mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 9}};
	ifc.addr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 9)));
	assert_true(tusk_stack_add_iface(st, &ifc, 0) >= 0);
	dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 1, 0, 1)));
	for (uint32_t i = 0; i < OURS; i++) {
		struct tusk_addr la, ra;
		uint16_t lp, rp;

		assert_int_equal(tusk_tcp_connect(st, &dst, 5201, &ops, NULL,
						  NULL, 0, &conns[i]), 0);
		tusk_tcp_conn_tuple(conns[i], &la, &lp, &ra, &rp);
		assert_true(lp >= 49152);
		assert_int_equal((lp - 49152) % SHARES, SHARE);
		assert_int_equal(seen[lp], 0);
		seen[lp] = 1;
	}
	assert_int_equal(tusk_tcp_connect(st, &dst, 5201, &ops, NULL, NULL, 0,
					  &extra), -EADDRNOTAVAIL);

	/* share 1's port: handed over whole, Ethernet header first */
	len = tcp_frame(frame, &ifc, 49152 + 1 + 3 * 100);
	m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	tusk_stack_input(st, 0, &m, 1, 1 * MS);
	assert_int_equal(steered.calls, 1);
	assert_int_equal(steered.share, 1);
	assert_int_equal(steered.m->port, 3);
	assert_int_equal(rte_pktmbuf_pkt_len(steered.m), len);
	assert_memory_equal(rte_pktmbuf_mtod(steered.m, void *), frame, len);
	stats = tusk_stack_stats(st);
	assert_int_equal(stats->tcp_steered, 1);
	assert_int_equal(stats->tcp_rx, 0);

	/* ours (no such connection: answered here with a reset) and a
	 * listener's port: not steered */
	len = tcp_frame(frame, &ifc, 49152 + 2 + 3 * 100 + 3 * 1);
	feed(pool, st, frame, len);
	len = tcp_frame(frame, &ifc, 80);
	feed(pool, st, frame, len);
	assert_int_equal(steered.calls, 1);
	assert_int_equal(stats->tcp_steered, 1);
	assert_int_equal(stats->tcp_rx, 2);
	rte_pktmbuf_free(steered.m);
	steered.m = NULL;
	for (uint32_t i = 0; i < OURS; i++)
		tusk_tcp_abort(conns[i], 2 * MS);
	tusk_stack_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_100k),
		cmocka_unit_test(test_ephemeral_shares),
	};

	if (tusk_testenv_init("tcp_conn", 512) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
