/* SPDX-License-Identifier: BSD-3-Clause */
/* CUBIC's window curve against the RFC 9438 formulas, and HyStart++
 * (RFC 9406) slow-start exit. */
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

static struct tusk_tcp_cc cc;
static uint64_t now;

/* One round trip: the whole window is ACKed, one MSS at a time, spread
 * over `rtt`; every ACK carries an RTT sample of `rtt`. */
static void
round_trip(uint64_t rtt)
{
	uint32_t segs = cc.cwnd / MSS, i;
	struct tusk_tcp_rate_sample rs;

	for (i = 0; i < segs; i++) {
		memset(&rs, 0, sizeof(rs));
		rs.acked_sacked = MSS;
		rs.prior_in_flight = cc.cwnd;
		rs.rtt_ns = rtt;
		rs.round_start = i == 0;
		now += rtt / segs;
		cc.in_flight = cc.cwnd - MSS;
		tusk_tcp_cc_on_ack(&cc, &rs, now);
	}
}

/* A CUBIC flow in congestion avoidance after a loss at W_max segments. */
static void
after_loss(uint32_t w_max, uint64_t rtt)
{
	tusk_tcp_cc_init(&cc, &tusk_tcp_cc_cubic, MSS, 0);
	now = 1000 * MS;
	cc.srtt_ns = rtt;
	cc.min_rtt_ns = rtt;
	cc.cwnd = w_max * MSS;
	cc.in_flight = cc.cwnd;
	tusk_tcp_cc_on_congestion_event(&cc, now);
	tusk_tcp_cc_on_recovery_exit(&cc, now);
}

/* RFC 9438 eq. (1) and (2) in segments. */
static double
w_cubic(double w_max, double cwnd_epoch, double t)
{
	double k = cbrt((w_max - cwnd_epoch) / 0.4);

	return 0.4 * pow(t - k, 3) + w_max;
}

/* Multiplicative decrease, section 4.6: cwnd = ssthresh = 0.7 W_max. */
static void
test_decrease(void **state)
{
	after_loss(100, 100 * MS);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	assert_int_equal(cc.cwnd, 70 * MSS);
}

/* The window follows W_cubic(t) (concave up to W_max at t = K, then
 * convex) within 3% on a path where the cubic region applies. */
static void
test_curve(void **state)
{
	/* K = cbrt((1000 - 700) / 0.4) = 9.09 s */
	static const double at_s[] = { 1.0, 3.0, 6.0, 9.09, 10.0, 11.0, 12.0 };
	const uint64_t rtt = 100 * MS;
	uint64_t epoch;
	size_t i;

	after_loss(1000, rtt);
	epoch = now;
	for (i = 0; i < sizeof(at_s) / sizeof(at_s[0]); i++) {
		double want, got;

		while ((double)(now - epoch) / 1e9 < at_s[i])
			round_trip(rtt);
		/* cwnd reaches W_cubic(t + RTT) over the RTT: compare with
		 * the curve at the time reached. */
		want = w_cubic(1000, 700, (double)(now - epoch) / 1e9);
		got = (double)cc.cwnd / MSS;
		assert_true(fabs(got - want) <= 0.03 * want);
	}
	/* past K the curve is convex: the window probes beyond W_max */
	assert_true(cc.cwnd > 1010 * MSS);
}

/* On a short path Reno grows faster than the cubic curve near its
 * plateau: section 4.3's Reno-friendly region sets the window:
 * alpha = 3(1-beta)/(1+beta) = 0.53 segments per RTT until W_est reaches
 * the window before the loss, 1 per RTT after. */
static void
test_reno_friendly(void **state)
{
	const uint64_t rtt = 1 * MS;
	unsigned int i;
	double got;

	after_loss(100, rtt);
	for (i = 0; i < 100; i++)
		round_trip(rtt);
	got = (double)cc.cwnd / MSS;
	/* 70 + 0.53 x 57 rounds = 100, then + 1 x 43 rounds = 143 */
	assert_true(got > 135 && got < 150);
	assert_true(got > w_cubic(100, 70, 0.1));
}

/* Fast convergence, section 4.7: a loss below the previous W_max sets
 * W_max = cwnd (1 + beta) / 2, so the plateau is lower. */
static void
test_fast_convergence(void **state)
{
	uint64_t epoch;

	after_loss(1000, 100 * MS);
	/* second loss at 700 < W_max 1000: W_max = 700 x 0.85 = 595 */
	cc.in_flight = cc.cwnd;
	tusk_tcp_cc_on_congestion_event(&cc, now);
	tusk_tcp_cc_on_recovery_exit(&cc, now);
	assert_int_equal(cc.cwnd, 490 * MSS);
	epoch = now;
	while (now - epoch < 3000 * MS)
		round_trip(100 * MS);
	assert_true(fabs((double)cc.cwnd / MSS -
			 w_cubic(595, 490, (double)(now - epoch) / 1e9)) <
		    0.03 * 595);
}

/* RTO: one segment, ssthresh from beta (section 4.8); spurious undo
 * restores the window (section 4.9). */
static void
test_rto_and_undo(void **state)
{
	after_loss(100, 100 * MS);
	cc.cwnd = 80 * MSS;
	tusk_tcp_cc_on_rto(&cc, now);
	assert_int_equal(cc.cwnd, MSS);
	assert_int_equal(cc.ssthresh, 56 * MSS);
	tusk_tcp_cc_on_spurious(&cc, now);
	assert_int_equal(cc.cwnd, 80 * MSS);
	assert_int_equal(cc.ssthresh, 70 * MSS);
}

static void
slow_start(void)
{
	tusk_tcp_cc_init(&cc, &tusk_tcp_cc_cubic, MSS, 0);
	now = 0;
	cc.srtt_ns = 100 * MS;
	cc.min_rtt_ns = 100 * MS;
}

/* HyStart++: flat RTT doubles the window per round; an RTT rise of at
 * least clamp(last round's min / 8, 4 ms, 16 ms) over the last round's
 * minimum moves to CSS (growth / 4 per round);
 * after 5 CSS rounds slow start ends with ssthresh = cwnd. */
static void
test_hystart_exit(void **state)
{
	static const struct {
		uint64_t rtt_ms;
		double growth;     /* this round's cwnd ratio */
		bool ss_done;      /* ssthresh set after the round */
	} rounds[] = {
		{ 100, 2.0, false }, { 100, 2.0, false }, { 100, 2.0, false },
		{ 112, 2.0, false }, /* +12 ms < 100/8 ms: still slow start */
		/* +15 ms >= 112/8 ms: CSS after the round's first 8 samples */
		{ 127, 1.29, false },
		{ 127, 1.25, false }, { 127, 1.25, false },
		{ 127, 1.25, false }, { 127, 1.25, false },
		{ 127, 1.0, true },  /* 5 CSS rounds done: avoidance */
	};
	size_t i;
	double before = 0;

	slow_start();
	for (i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
		double ratio;

		before = cc.cwnd;
		round_trip(rounds[i].rtt_ms * MS);
		ratio = cc.cwnd / before;
		assert_true(fabs(ratio - rounds[i].growth) < 0.06);
		assert_int_equal(cc.ssthresh != UINT32_MAX, rounds[i].ss_done);
	}
	/* ssthresh is the window when the last CSS round ended */
	assert_int_equal(cc.ssthresh, (uint32_t)before);
}

/* A delay rise that goes away in CSS (the baseline drops) resumes slow
 * start (RFC 9406 section 4.2). */
static void
test_hystart_spurious_css(void **state)
{
	double before;

	slow_start();
	round_trip(100 * MS);
	round_trip(100 * MS);
	round_trip(120 * MS); /* enters CSS */
	before = cc.cwnd;
	round_trip(120 * MS);
	assert_true(fabs(cc.cwnd / before - 1.25) < 0.06);
	round_trip(100 * MS); /* below the CSS baseline: back to SS */
	before = cc.cwnd;
	round_trip(100 * MS);
	assert_true(fabs(cc.cwnd / before - 2.0) < 0.06);
	assert_int_equal(cc.ssthresh, UINT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decrease),
		cmocka_unit_test(test_curve),
		cmocka_unit_test(test_reno_friendly),
		cmocka_unit_test(test_fast_convergence),
		cmocka_unit_test(test_rto_and_undo),
		cmocka_unit_test(test_hystart_exit),
		cmocka_unit_test(test_hystart_spurious_css),
	};

	return cmocka_run_group_tests_name("tcp_cc_cubic", tests, NULL, NULL);
}
