/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output per rx burst (output_or_defer() in tcp_input.c): in-order data
 * arriving in one burst is acknowledged once, at the end of the burst;
 * out-of-order data in a burst still gets its duplicate ACK at once
 * (RFC 5681 4.2), and the ACK that closes the hole follows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tcp_api.h"
#include "tcp_conn.h"
#include "tcp_segs.h"
#include "tcp_sink.h"
#include "tcp_wire.h"

#define PPORT 40000
#define LPORT 80
#define PISS 1000000u /* the peer's ISN */
#define SEG 500u      /* payload per segment (the default MSS is 536) */
#define NOW 3000000u

static struct tusk_harness h;

/* The application: tests/lib/tcp_sink.h. */
static struct tusk_test_sink sink;

static int
setup(void **state)
{
	memset(&sink, 0, sizeof(sink));
	if (tusk_harness_init(&h, "tcp_burst") != 0)
		return -1;
	tusk_harness_learn_peer(&h, 0);
	if (tusk_test_sink_listen(&h, LPORT, 4, NULL, &sink) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

/* Data segments k[0..n) (segment k holds bytes [k * SEG, (k + 1) * SEG)
 * of the stream) given to the stack as one rx burst. */
static void
burst(uint32_t iss, const unsigned int *k, unsigned int n)
{
	struct rte_mbuf *pkts[16];
	uint8_t frame[2100];

	assert_true(n <= RTE_DIM(pkts));
	for (unsigned int i = 0; i < n; i++) {
		size_t len = tusk_test_seg_frame(frame, PPORT, LPORT,
						 TUSK_TCP_F_ACK,
						 PISS + 1 + k[i] * SEG,
						 iss + 1, 65535, NULL, SEG);

		pkts[i] = tusk_harness_mbuf(&h, frame, len);
		assert_non_null(pkts[i]);
	}
	tusk_stack_input(h.st, 0, pkts, (uint16_t)n, NOW);
}

/* Segments first .. first + n - 1, one burst each. */
static void
one_by_one(uint32_t iss, unsigned int first, unsigned int n)
{
	for (unsigned int k = first; k < first + n; k++)
		burst(iss, &k, 1);
}

/* A connection past its quick-ACK start (TUSK_TCP_QUICKACKS segments, each
 * ACKed): 16 segments received. */
static uint32_t
established_past_quickack(void)
{
	uint32_t iss = tusk_test_establish(&h, PPORT, LPORT, PISS, NULL);

	tusk_harness_clear(&h);
	one_by_one(iss, 0, TUSK_TCP_QUICKACKS);
	assert_int_equal(h.n_sent, TUSK_TCP_QUICKACKS);
	tusk_harness_clear(&h);
	return iss;
}

/* Eight in-order segments: one by one they get an ACK every second
 * segment; in one burst, a single ACK for all of them. */
static void
test_in_order_burst(void **state)
{
	static const unsigned int next[] = { 24, 25, 26, 27, 28, 29, 30, 31 };
	uint32_t iss = established_past_quickack();
	struct tusk_test_seg s;

	one_by_one(iss, 16, 8);
	assert_int_equal(h.n_sent, 4);
	tusk_harness_clear(&h);
	burst(iss, next, RTE_DIM(next));
	assert_int_equal(h.n_sent, 1);
	tusk_test_seg_last(&h, &s);
	assert_int_equal(s.flags, TUSK_TCP_F_ACK);
	assert_int_equal(s.ack, PISS + 1 + 32 * SEG);
	assert_int_equal(s.len, 0);
	assert_int_equal(sink.received, 32 * SEG);
}

/* A hole inside a burst: every segment beyond it is answered at once
 * with a duplicate ACK; the segment that fills it is ACKed at once too
 * (quick-ACK mode after reordering), for all the data. */
static void
test_hole_in_burst(void **state)
{
	static const unsigned int with_hole[] = { 16, 18, 19, 20 };
	static const unsigned int fill[] = { 17 };
	uint32_t iss = established_past_quickack();
	struct tusk_test_seg s;

	burst(iss, with_hole, RTE_DIM(with_hole));
	assert_int_equal(h.n_sent, 3);
	for (unsigned int i = 0; i < h.n_sent; i++) {
		tusk_test_seg_sent(&h, i, &s);
		assert_int_equal(s.ack, PISS + 1 + 17 * SEG);
		assert_int_equal(s.len, 0);
	}
	tusk_harness_clear(&h);
	burst(iss, fill, RTE_DIM(fill));
	assert_int_equal(h.n_sent, 1);
	tusk_test_seg_last(&h, &s);
	assert_int_equal(s.ack, PISS + 1 + 21 * SEG);
	assert_int_equal(sink.received, 21 * SEG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_burst, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hole_in_burst, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
