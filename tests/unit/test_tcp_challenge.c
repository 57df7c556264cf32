/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 5961 section 7 challenge-ACK throttling (tcp_challenge.h), with
 * crafted segments into a stack whose interface captures what it sends:
 *  - the per-connection limit: one challenge ACK per 500 ms per
 *    connection, whatever asks for it (RST, SYN, old ACK), others free;
 *  - the stack's per-second budget: drawn anew each second within
 *    [500, 1499], different from second to second and from key to key;
 *  - the counters in struct tusk_stack_stats agree with what went out;
 *  - duplicate ACKs for out-of-window segments without data: one per
 *    500 ms per connection (TUSK_TCP_OOW_ACK_GAP_NS), data always ACKed;
 *    the same for ACKs of data never sent.
 *
 *   peer 10.0.0.1:20000.. (this file)  <-->  stack 10.0.0.2:80
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tcp_api.h"
#include "tcp_challenge.h"
#include "tcp_hash.h"
#include "tcp_segs.h"
#include "tcp_sink.h"
#include "tcp_wire.h"

#define MS 1000000ULL
#define S (1000 * MS)
#define US 1000ULL
#define LPORT 80
#define PPORT0 20000
#define PISS 1000000u
/* Connections for the budget test: each may send two challenge ACKs a
 * second (500 ms apart), 2,000 asks > the largest budget, 1,499; and
 * below the harness's table of 1,024. */
#define NCONNS 1000
#define F_SYN TUSK_TCP_F_SYN
#define F_ACK TUSK_TCP_F_ACK
#define F_RST TUSK_TCP_F_RST

static struct tusk_harness h;
static struct tusk_test_sink sink;

static int
setup(void **state)
{
	return tusk_test_sink_setup(&h, "tcp_challenge", LPORT, 4, &sink);
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

static const struct tusk_stack_stats *
stats(void)
{
	return tusk_stack_stats(h.st);
}

/* A RST inside the window but not at RCV.NXT (RFC 5961 3.2): asks for a
 * challenge ACK. Returns the frames the stack sent for it. */
static unsigned int
blind_rst(uint16_t pport, uint64_t now)
{
	unsigned int before = h.n_sent;

	tusk_test_seg_send(&h, pport, LPORT, F_RST, PISS + 100, 0, 0, NULL, 0,
			   now);
	return h.n_sent - before;
}

static void
test_budget_bounds(void **state)
{
	struct tusk_tcp_key k1 = tusk_tcp_key_derive(42, 1);
	struct tusk_tcp_key k2 = tusk_tcp_key_derive(43, 1);
	uint32_t lo = UINT32_MAX, hi = 0, same = 0;
	static uint8_t seen[2000];
	unsigned int distinct = 0;
	uint64_t sum = 0, p;
	const uint64_t n = 20000;

	memset(seen, 0, sizeof(seen));
	for (p = 1; p <= n; p++) {
		uint32_t b = tusk_tcp_challenge_budget(&k1, p);

		assert_in_range(b, 500, 1499);
		lo = b < lo ? b : lo;
		hi = b > hi ? b : hi;
		sum += b;
		if (!seen[b]++)
			distinct++;
		same += b == tusk_tcp_challenge_budget(&k2, p);
	}
	/* Spread over the whole range, mean at the configured limit. */
	assert_true(lo <= 505);
	assert_true(hi >= 1494);
	assert_in_range(sum / n, 990, 1010);
	assert_true(distinct >= 990);
	/* Another key (another stack seed), another sequence: equal by
	 * chance about 1 time in 1000. */
	assert_true(same < 60);
}

static void
test_per_connection_limit(void **state)
{
	uint32_t iss = tusk_test_establish(&h, PPORT0, LPORT, PISS, NULL);
	const uint64_t t0 = 10 * MS;
	struct tusk_test_seg s;

	tusk_test_establish(&h, PPORT0 + 1, LPORT, PISS, NULL);
	tusk_harness_clear(&h);
	/* The first ask is answered. */
	assert_int_equal(blind_rst(PPORT0, t0), 1);
	tusk_test_seg_last(&h, &s);
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.seq, iss + 1);
	assert_int_equal(s.ack, PISS + 1);
	/* Within 500 ms nothing asks again with success: RST, SYN (RFC 5961
	 * 4.2) and an ACK far below SND.UNA (5.2) alike. */
	assert_int_equal(blind_rst(PPORT0, t0 + 1 * MS), 0);
	tusk_test_seg_send(&h, PPORT0, LPORT, F_SYN, PISS + 7, 0, 1000, NULL, 0,
			   t0 + 250 * MS);
	/* a SYN outside the window too: RFC 5961 4.2 says whatever its
	 * sequence number, so the limit holds for blind SYNs */
	tusk_test_seg_send(&h, PPORT0, LPORT, F_SYN, PISS + 500000000u, 0, 1000,
			   NULL, 0, t0 + 300 * MS);
	tusk_test_seg_send(&h, PPORT0, LPORT, F_ACK, PISS + 1,
			   iss - 10000000u, 65535, NULL, 0,
			   t0 + 500 * MS - 1);
	assert_int_equal(h.n_sent, 1);
	assert_int_equal(stats()->tcp_challenge_acks, 1);
	assert_int_equal(stats()->tcp_challenge_conn_limited, 4);
	assert_int_equal(stats()->tcp_challenge_global_limited, 0);
	/* Another connection has its own limit. */
	assert_int_equal(blind_rst(PPORT0 + 1, t0 + 2 * MS), 1);
	/* 500 ms after the first, the first connection may again. */
	assert_int_equal(blind_rst(PPORT0, t0 + 500 * MS), 1);
	assert_int_equal(blind_rst(PPORT0, t0 + 999 * MS), 0);
	assert_int_equal(blind_rst(PPORT0, t0 + 1000 * MS), 1);
	assert_int_equal(stats()->tcp_challenge_acks, 4);
	assert_int_equal(stats()->tcp_challenge_conn_limited, 5);
	/* None of it reset anything. */
	assert_int_equal(tusk_tcp_conn_count(h.st), 2);
}

/* An out-of-window segment of `plen` bytes at `seq`; returns the frames
 * the stack sent for it. */
static unsigned int
oow_seg(uint32_t iss, uint32_t seq, uint32_t plen, uint64_t now)
{
	unsigned int before = h.n_sent;

	tusk_test_seg_send(&h, PPORT0, LPORT, F_ACK, seq, iss + 1, 65535,
			   NULL, plen, now);
	return h.n_sent - before;
}

static void
test_oow_ack_limit(void **state)
{
	uint32_t iss = tusk_test_establish(&h, PPORT0, LPORT, PISS, NULL);
	const uint32_t far = PISS + 500000000u; /* far beyond the window */
	const uint64_t t0 = 10 * MS;
	struct tusk_test_seg s;

	tusk_harness_clear(&h);
	/* The first bare ACK out of the window is answered (RFC 9293
	 * 3.10.7.4) with our RCV.NXT... */
	assert_int_equal(oow_seg(iss, far, 0, t0), 1);
	tusk_test_seg_last(&h, &s);
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.ack, PISS + 1);
	/* ...the next ones within 500 ms are not: no ACK loop, no ACK per
	 * forged segment. */
	for (unsigned int i = 1; i <= 100; i++)
		assert_int_equal(oow_seg(iss, far + i, 0, t0 + i * MS), 0);
	assert_int_equal(oow_seg(iss, far, 0, t0 + 500 * MS - 1), 0);
	assert_int_equal(stats()->tcp_oow_ack_limited, 101);
	/* Old data (a retransmission we already have) is always ACKed: the
	 * sender needs it to recover. */
	assert_int_equal(oow_seg(iss, PISS + 1 - 200, 100, t0 + 200 * MS), 1);
	assert_int_equal(oow_seg(iss, PISS + 1 - 200, 100, t0 + 201 * MS), 1);
	/* Its own clock: a challenge ACK is not held back by it. */
	assert_int_equal(blind_rst(PPORT0, t0 + 300 * MS), 1);
	assert_int_equal(stats()->tcp_challenge_acks, 1);
	/* 500 ms on, one more bare ACK is answered, then none again. */
	assert_int_equal(oow_seg(iss, far, 0, t0 + 500 * MS), 1);
	assert_int_equal(oow_seg(iss, far, 0, t0 + 600 * MS), 0);
	assert_int_equal(stats()->tcp_oow_ack_limited, 102);
	/* In the window but acknowledging data never sent (RFC 9293
	 * 3.10.7.4, RFC 5961 5.2): the same limit. */
	tusk_harness_clear(&h);
	for (unsigned int i = 0; i < 5; i++)
		tusk_test_seg_send(&h, PPORT0, LPORT, F_ACK, PISS + 1,
				   iss + 1 + 100000, 65535, NULL, 0,
				   t0 + 1000 * MS + i * MS);
	assert_int_equal(h.n_sent, 1);
	assert_int_equal(stats()->tcp_oow_ack_limited, 106);
	assert_int_equal(tusk_tcp_conn_count(h.st), 1);
}

/* Every connection asks twice in second `sec`, 500 ms apart (as the
 * next second's first asks are from these second ones); returns
 * how many challenge ACKs went out. */
static unsigned int
one_second(uint64_t sec)
{
	unsigned int sent = 0;

	for (unsigned int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < NCONNS; i++) {
			sent += blind_rst((uint16_t)(PPORT0 + i),
					  sec * S + pass * 500 * MS + i * US);
			if (h.n_sent > HARNESS_MAX_SENT - 8)
				tusk_harness_clear(&h);
		}
	}
	tusk_harness_clear(&h);
	return sent;
}

static void
test_global_budget(void **state)
{
	unsigned int sent[8], distinct = 0;
	uint64_t acks0, glob0;

	for (unsigned int i = 0; i < NCONNS; i++) {
		tusk_test_establish(&h, (uint16_t)(PPORT0 + i), LPORT, PISS,
				    NULL);
		tusk_harness_clear(&h);
	}
	assert_int_equal(sink.accepted, NCONNS);
	for (unsigned int k = 0; k < RTE_DIM(sent); k++) {
		acks0 = stats()->tcp_challenge_acks;
		glob0 = stats()->tcp_challenge_global_limited;
		sent[k] = one_second(3 + k);
		/* Within the budget's bounds; all other asks counted as
		 * held back by the budget, none by a connection's limit. */
		assert_in_range(sent[k], 500, 1499);
		assert_int_equal(stats()->tcp_challenge_acks - acks0, sent[k]);
		assert_int_equal(stats()->tcp_challenge_global_limited - glob0,
				 2 * NCONNS - sent[k]);
		assert_int_equal(stats()->tcp_challenge_conn_limited, 0);
	}
	/* Not one fixed number: the budget changes from second to second. */
	for (unsigned int k = 0; k < RTE_DIM(sent); k++) {
		unsigned int j = 0;

		while (j < k && sent[j] != sent[k])
			j++;
		distinct += j == k;
	}
	assert_true(distinct >= 4);
	assert_int_equal(tusk_tcp_conn_count(h.st), NCONNS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_bounds),
		cmocka_unit_test_setup_teardown(test_per_connection_limit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_oow_ack_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_global_budget, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
