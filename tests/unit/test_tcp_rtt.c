/* SPDX-License-Identifier: BSD-3-Clause */
/* RTO arithmetic (RFC 6298) and the min-RTT filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp_rtt.h"

#define MS TUSK_NS_PER_MS

static void
test_initial(void **state)
{
	struct tusk_tcp_rtt r;

	tusk_tcp_rtt_init(&r);
	assert_int_equal(tusk_tcp_rtt_rto(&r), 1000 * MS); /* RFC 6298 2.1 */
}

/* Samples and the SRTT/RTTVAR/RTO RFC 6298 2.2-2.4 give for them. */
struct rtt_step {
	uint64_t sample, srtt, rttvar, rto;
};

static const struct rtt_step steps[] = {
	/* First: SRTT = R, RTTVAR = R/2, RTO = R + 4 R/2 = 3R. */
	{ 100 * MS, 100 * MS, 50 * MS, 300 * MS },
	/* RTTVAR = 3/4 50 + 1/4 |100-100| = 37.5; SRTT = 100;
	 * RTO = 100 + 150 = 250. */
	{ 100 * MS, 100 * MS, 37500000, 250 * MS },
	/* R = 200: RTTVAR = 3/4 37.5 + 1/4 100 = 53.125;
	 * SRTT = 7/8 100 + 1/8 200 = 112.5; RTO = 112.5 + 212.5 = 325. */
	{ 200 * MS, 112500000, 53125000, 325 * MS },
};

static void
test_rfc6298_steps(void **state)
{
	struct tusk_tcp_rtt r;

	tusk_tcp_rtt_init(&r);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		tusk_tcp_rtt_sample(&r, steps[i].sample, i * 1000 * MS);
		assert_int_equal(r.srtt, steps[i].srtt);
		assert_int_equal(r.rttvar, steps[i].rttvar);
		assert_int_equal(tusk_tcp_rtt_rto(&r), steps[i].rto);
	}
}

static void
test_min_and_max(void **state)
{
	struct tusk_tcp_rtt r;

	tusk_tcp_rtt_init(&r);
	/* A 1 ms path: 3 ms computed, clamped up to the 200 ms floor. */
	tusk_tcp_rtt_sample(&r, 1 * MS, 0);
	assert_int_equal(tusk_tcp_rtt_rto(&r), TUSK_TCP_RTO_MIN);
	/* A 30 s path: clamped to 60 s. */
	tusk_tcp_rtt_init(&r);
	tusk_tcp_rtt_sample(&r, 30000 * MS, 0);
	assert_int_equal(tusk_tcp_rtt_rto(&r), TUSK_TCP_RTO_MAX);
}

static void
test_backoff(void **state)
{
	struct tusk_tcp_rtt r;
	unsigned int n = 0;

	tusk_tcp_rtt_init(&r);
	tusk_tcp_rtt_sample(&r, 100 * MS, 0); /* RTO 300 ms */
	/* RFC 6298 5.5: each expiry doubles, up to the maximum. */
	assert_true(tusk_tcp_rtt_backoff(&r));
	assert_int_equal(tusk_tcp_rtt_rto(&r), 600 * MS);
	assert_true(tusk_tcp_rtt_backoff(&r));
	assert_int_equal(tusk_tcp_rtt_rto(&r), 1200 * MS);
	while (tusk_tcp_rtt_backoff(&r))
		n++;
	assert_int_equal(n + 2, TUSK_TCP_RTO_MAX_BACKOFF);
	assert_int_equal(tusk_tcp_rtt_rto(&r), TUSK_TCP_RTO_MAX);
	/* A new sample (RFC 6298 5.7 / Karn) ends the backoff. */
	tusk_tcp_rtt_sample(&r, 100 * MS, 0);
	assert_int_equal(r.backoff, 0);
	assert_true(tusk_tcp_rtt_rto(&r) < 600 * MS);
}

static void
test_min_rtt_window(void **state)
{
	struct tusk_tcp_rtt r;

	tusk_tcp_rtt_init(&r);
	tusk_tcp_rtt_sample(&r, 150 * MS, 0);
	tusk_tcp_rtt_sample(&r, 300 * MS, 1000 * MS); /* queueing */
	assert_int_equal(r.min_rtt, 150 * MS);
	tusk_tcp_rtt_sample(&r, 140 * MS, 2000 * MS);
	assert_int_equal(r.min_rtt, 140 * MS);
	/* After the window the old minimum expires (path changed). */
	tusk_tcp_rtt_sample(&r, 200 * MS, 2000 * MS + TUSK_TCP_MIN_RTT_WIN + 1);
	assert_int_equal(r.min_rtt, 200 * MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial),
		cmocka_unit_test(test_rfc6298_steps),
		cmocka_unit_test(test_min_and_max),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_min_rtt_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
