/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table at scale: 100,000 connections on one stack (one
 * lcore), unique ephemeral ports per destination (RFC 6056), the table
 * limit, 100,000 timers in the heap, and a clean teardown.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_100k),
	};

	if (tusk_testenv_init("tcp_conn", 512) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
