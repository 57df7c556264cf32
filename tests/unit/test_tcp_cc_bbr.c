/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model-based controller (tcp_cc_bbr.c) against a fluid model of one
 * bottleneck: each round trip the sender delivers min(cwnd, pacing rate x
 * RTT, bandwidth x RTT) and sees delivery-rate samples of at most the
 * bottleneck bandwidth. State shows in what a user relies on: the pacing
 * rate relative to the bandwidth (2.885 in STARTUP, 0.35 in DRAIN, 1.25 /
 * 0.75 / 1 in PROBE_BW) and the window.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_cc.h"

#define MSS 1000u
#define MS 1000000ull
#define BW 100000000ull     /* 100 MB/s */
#define RTT (100 * MS)      /* BDP = 10 MB = 10,000 segments */
#define BDP (BW / 10)
#define ACKS_PER_ROUND 100

static struct tusk_tcp_cc cc;
static uint64_t now;
static uint64_t queue; /* bytes standing in the bottleneck */

static void
start(void)
{
	now = 0;
	queue = 0;
	tusk_tcp_cc_init(&cc, &tusk_tcp_cc_bbr, MSS, now);
	cc.srtt_ns = RTT;
	cc.min_rtt_ns = RTT;
}

static uint64_t
min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* One round trip over the bottleneck `bw` with base RTT `rtt`, losing
 * `loss_ppm` of the data. The queue carries over between rounds: the
 * round lasts the base RTT plus the queueing delay, and the sender keeps
 * min(cwnd, pacing rate x round length) in flight. */
static void
round_trip(uint64_t bw, uint64_t rtt, uint32_t loss_ppm)
{
	uint64_t seen_rtt = rtt + queue * 1000000000ull / bw;
	uint64_t flight = min3(cc.cwnd, cc.pacing_rate * seen_rtt /
			       1000000000ull, UINT64_MAX);
	uint64_t bdp = bw * rtt / 1000000000ull;
	uint64_t rate = min3(flight * 1000000000ull / seen_rtt, bw,
			     UINT64_MAX);
	struct tusk_tcp_rate_sample rs;
	unsigned int i;

	for (i = 0; i < ACKS_PER_ROUND; i++) {
		uint64_t per_ack = flight / ACKS_PER_ROUND;
		/* ACKs come no faster than the bottleneck delivers */
		uint64_t gap = per_ack * 1000000000ull / bw;

		memset(&rs, 0, sizeof(rs));
		rs.newly_lost = (uint32_t)(per_ack * loss_ppm / 1000000);
		rs.acked_sacked = (uint32_t)(per_ack - rs.newly_lost);
		rs.prior_in_flight = (uint32_t)flight;
		rs.delivery_rate = rate;
		rs.rtt_ns = seen_rtt;
		rs.round_start = i == 0;
		rs.interval_ns = seen_rtt;
		now += gap > seen_rtt / ACKS_PER_ROUND ? gap
						       : seen_rtt / ACKS_PER_ROUND;
		cc.in_flight = (uint32_t)flight;
		tusk_tcp_cc_on_ack(&cc, &rs, now);
	}
	queue = flight > bdp ? flight - bdp : 0;
}

static double
gain(void)
{
	return (double)cc.pacing_rate / BW;
}

/* STARTUP paces at 2/ln2 of the estimate and ends 3 rounds after the
 * delivery rate stops growing; DRAIN paces below the bandwidth; then the
 * PROBE_BW cycle paces at 1.25 / 0.75 / 1 x (0.99 margin). */
static void
test_startup_drain_probe_bw(void **state)
{
	unsigned int i, rounds = 0;
	bool seen_up = false, seen_down = false, seen_cruise = false;

	start();
	while (gain() < 2.5 && rounds < 40) {
		round_trip(BW, RTT, 0);
		rounds++;
	}
	/* 1e5 -> 1e8 B/s doubling per round: ~10 rounds to fill the pipe */
	assert_in_range(rounds, 8, 14);
	assert_true(fabs(gain() - 2.885 * 0.99) < 0.05);
	for (i = 0; i < 3; i++)
		round_trip(BW, RTT, 0); /* 3 rounds without 25% growth */
	round_trip(BW, RTT, 0);
	for (i = 0; i < 16 * 8; i++) {
		round_trip(BW, RTT, 0);
		seen_up |= fabs(gain() - 1.25 * 0.99) < 0.01;
		seen_down |= fabs(gain() - 0.75 * 0.99) < 0.01;
		seen_cruise |= fabs(gain() - 0.99) < 0.01;
		assert_true(gain() < 1.3);
	}
	assert_true(seen_up && seen_down && seen_cruise);
}

/* The window is 2 x BDP plus 3 send quanta in PROBE_BW, plus what ACKs
 * deliver at once beyond the bandwidth: here ACKs are evenly spaced at
 * the bottleneck rate, so that is about one ACK's bytes. */
static void
test_cwnd_two_bdp(void **state)
{
	unsigned int i;
	uint64_t want, one_ack;

	start();
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	want = 2 * BDP + 3ull * cc.send_quantum;
	one_ack = 2 * BDP / ACKS_PER_ROUND;
	assert_true(cc.cwnd <= want + 2 * one_ack);
	assert_true(cc.cwnd >= want - want / 50);
}

/* ACKs that arrive in bursts (a receiver or a poll loop acknowledging a
 * batch at once, then nothing) deliver more than bw x time during the
 * burst: the window grows by that excess, so the sender still has data
 * in flight while the next burst is on its way. */
static void
test_ack_aggregation(void **state)
{
	struct tusk_tcp_rate_sample rs;
	uint32_t smooth;
	unsigned int i, r;

	start();
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	smooth = cc.cwnd;
	/* now each round's ACKs come as 4 bursts of 25 at the same instant,
	 * a quarter RTT apart: the same bandwidth */
	for (r = 0; r < 12; r++) {
		uint64_t flight = cc.cwnd < 2 * BDP ? cc.cwnd : 2 * BDP;

		for (i = 0; i < ACKS_PER_ROUND; i++) {
			memset(&rs, 0, sizeof(rs));
			rs.acked_sacked = (uint32_t)(BDP / ACKS_PER_ROUND);
			rs.prior_in_flight = (uint32_t)flight;
			rs.delivery_rate = BW;
			rs.rtt_ns = RTT;
			rs.interval_ns = RTT;
			rs.round_start = i == 0;
			if (i % 25 == 0)
				now += RTT / 4;
			cc.in_flight = (uint32_t)flight;
			tusk_tcp_cc_on_ack(&cc, &rs, now);
		}
	}
	/* a burst is a quarter BDP delivered at once */
	assert_true(cc.cwnd >= smooth + BDP / 4 - BDP / 50);
	assert_true(cc.cwnd <= smooth + BDP / 4 + BDP / 20);
}

/* Random loss below 2% per round leaves the window alone: BBR keeps a
 * lossy path full. 5% per round means a queue overflowed: in-flight is
 * capped at 0.7 x the round's in-flight. */
static void
test_loss_response(void **state)
{
	static const struct {
		uint32_t loss_ppm;
		bool cut;
	} cases[] = {
		{ 1000, false }, { 10000, false }, { 19000, false },
		{ 50000, true }, { 200000, true },
	};
	size_t c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned int i;
		uint32_t before, flight;

		start();
		for (i = 0; i < 40; i++)
			round_trip(BW, RTT, 0);
		before = cc.cwnd;
		flight = cc.cwnd < cc.pacing_rate / 10 ? cc.cwnd :
			(uint32_t)(cc.pacing_rate / 10);
		for (i = 0; i < 3; i++)
			round_trip(BW, RTT, cases[c].loss_ppm);
		if (cases[c].cut) {
			assert_true(cc.cwnd <= (uint64_t)before * 70 / 100 + MSS);
			assert_true(cc.cwnd >= (uint64_t)flight * 50 / 100);
		} else {
			assert_true(cc.cwnd >= before - before / 50);
		}
	}
}

/* After a cut the cap holds for a while, then grows back (1, 2, 4 ...
 * segments per round) when loss stays low. */
static void
test_inflight_hi_regrows(void **state)
{
	unsigned int i;
	uint32_t cut;

	start();
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	for (i = 0; i < 2; i++)
		round_trip(BW, RTT, 100000);
	cut = cc.cwnd;
	for (i = 0; i < 10; i++)
		round_trip(BW, RTT, 0);
	assert_true(cc.cwnd <= cut + MSS); /* holding */
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	assert_true(cc.cwnd > cut + 1000 * MSS); /* regrown */
}

/* No lower RTT for 10 s (here the path's RTT grew by 20 ms): PROBE_RTT
 * cuts in-flight to half a BDP (at the new 120 ms RTT) for at least
 * 200 ms and a round, then the window comes back. */
static void
test_probe_rtt(void **state)
{
	unsigned int i;
	uint32_t full;
	bool probed = false;

	start();
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	full = cc.cwnd;
	/* a standing queue: every RTT sample 20 ms above the minimum */
	for (i = 0; i < 150 && !probed; i++) {
		round_trip(BW, RTT + 20 * MS, 0);
		probed = cc.cwnd <= BDP * 6 / 10 + MSS;
	}
	assert_true(probed);
	assert_true(now > 10000 * MS);
	assert_true(cc.cwnd >= BDP * 6 / 10 - MSS);
	for (i = 0; i < 4; i++)
		round_trip(BW, RTT, 0);
	assert_true(cc.cwnd >= full - full / 10);
}

/* A bandwidth drop is followed within the 10-round max-filter window. */
static void
test_bw_drop_followed(void **state)
{
	unsigned int i;

	start();
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	for (i = 0; i < 14; i++)
		round_trip(BW / 2, RTT, 0);
	assert_true((double)cc.pacing_rate / (BW / 2) < 1.3);
}

static void
test_rto_and_undo(void **state)
{
	unsigned int i;
	uint32_t before;

	start();
	for (i = 0; i < 40; i++)
		round_trip(BW, RTT, 0);
	before = cc.cwnd;
	tusk_tcp_cc_on_rto(&cc, now);
	assert_int_equal(cc.cwnd, 4 * MSS);
	tusk_tcp_cc_on_spurious(&cc, now);
	assert_int_equal(cc.cwnd, before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_drain_probe_bw),
		cmocka_unit_test(test_cwnd_two_bdp),
		cmocka_unit_test(test_ack_aggregation),
		cmocka_unit_test(test_loss_response),
		cmocka_unit_test(test_inflight_hi_regrows),
		cmocka_unit_test(test_probe_rtt),
		cmocka_unit_test(test_bw_drop_followed),
		cmocka_unit_test(test_rto_and_undo),
	};

	return cmocka_run_group_tests_name("tcp_cc_bbr", tests, NULL, NULL);
}
