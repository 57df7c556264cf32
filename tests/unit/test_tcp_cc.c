/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control registry, shared helpers and NewReno (RFC 5681,
 * RFC 3465, RFC 6582). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_cc.h"

#define MSS 1460u
#define MS 1000000ull

static struct tusk_tcp_cc cc;

static void
test_registry(void **state)
{
	static const char *const names[] = { "newreno", "cubic", "bbr" };
	size_t i;

	for (i = 0; i < 3; i++) {
		const struct tusk_tcp_cc_ops *ops = tusk_tcp_cc_find(names[i]);

		assert_non_null(ops);
		assert_string_equal(ops->name, names[i]);
		assert_non_null(ops->init);
		assert_non_null(ops->on_ack);
		assert_non_null(ops->on_congestion_event);
		assert_non_null(ops->on_recovery_exit);
		assert_non_null(ops->on_rto);
	}
	assert_null(tusk_tcp_cc_find("reno2"));
	assert_null(tusk_tcp_cc_find(""));
	assert_null(tusk_tcp_cc_find(NULL));
	assert_string_equal(tusk_tcp_cc_default()->name, "bbr");
}

static void
test_init(void **state)
{
	assert_int_equal(tusk_tcp_cc_init(&cc, NULL, 0, 0), -EINVAL);
	assert_int_equal(tusk_tcp_cc_init(&cc, NULL, MSS, 0), 0);
	assert_ptr_equal(cc.ops, tusk_tcp_cc_default());
	assert_int_equal(tusk_tcp_cc_init(&cc, &tusk_tcp_cc_newreno, 8960, 0),
			 0);
	assert_int_equal(cc.cwnd, TUSK_TCP_CC_INIT_SEGS * 8960);
	assert_int_equal(cc.ssthresh, UINT32_MAX);
	assert_true(cc.pacing_rate > 0); /* every sender is paced */
	assert_true(cc.send_quantum >= 2 * 8960);
}

/* Linux's default pacing: 2 x cwnd / srtt in slow start, 1.2 x after. */
static void
test_pace_default(void **state)
{
	tusk_tcp_cc_init(&cc, &tusk_tcp_cc_newreno, MSS, 0);
	cc.srtt_ns = 100 * MS;
	cc.cwnd = 100 * MSS;
	tusk_tcp_cc_pace_default(&cc);
	assert_int_equal(cc.pacing_rate, 2ull * 100 * MSS * 10);
	cc.ssthresh = 100 * MSS;
	tusk_tcp_cc_pace_default(&cc);
	assert_int_equal(cc.pacing_rate, 12ull * 100 * MSS);
}

/* Quantum: ~1 ms at the rate, at least 2 segments, at most 64 KB. */
static void
test_quantum(void **state)
{
	static const struct {
		uint32_t mss;
		uint64_t rate;
		uint32_t quantum;
	} cases[] = {
		{ 1460, 1000000, 2 * 1460 },          /* 1 kB per ms */
		{ 1460, 10000000, 6 * 1460 },         /* 10 kB per ms */
		{ 1460, 1250000000, 44 * 1460 },      /* 10G: 64 KB cap */
		{ 8960, 1250000000, 7 * 8960 },
		{ 65000, 1250000000, 2 * 65000 },     /* 2 segments floor */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cc.mss = cases[i].mss;
		assert_int_equal(tusk_tcp_cc_quantum(&cc, cases[i].rate),
				 cases[i].quantum);
	}
}

static void
ack(uint32_t acked, uint32_t prior_in_flight)
{
	struct tusk_tcp_rate_sample rs;

	memset(&rs, 0, sizeof(rs));
	rs.acked_sacked = acked;
	rs.prior_in_flight = prior_in_flight;
	cc.in_flight = prior_in_flight - acked;
	tusk_tcp_cc_on_ack(&cc, &rs, 0);
}

static void
newreno(void)
{
	tusk_tcp_cc_init(&cc, &tusk_tcp_cc_newreno, MSS, 0);
	cc.srtt_ns = 100 * MS;
}

/* Slow start: cwnd += min(acked, 2 SMSS) per ACK (RFC 3465 L = 2). */
static void
test_newreno_slow_start(void **state)
{
	static const struct {
		uint32_t acked;
		uint32_t grow;
	} cases[] = {
		{ MSS, MSS }, { 2 * MSS, 2 * MSS }, { 5 * MSS, 2 * MSS },
		{ 100, 100 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t before;

		newreno();
		before = cc.cwnd;
		ack(cases[i].acked, cc.cwnd);
		assert_int_equal(cc.cwnd, before + cases[i].grow);
	}
}

/* Congestion avoidance: one SMSS per cwnd of ACKed bytes. */
static void
test_newreno_avoidance(void **state)
{
	unsigned int i;

	newreno();
	cc.cwnd = 20 * MSS;
	cc.ssthresh = 10 * MSS;
	for (i = 0; i < 19; i++)
		ack(MSS, cc.cwnd);
	assert_int_equal(cc.cwnd, 20 * MSS);
	ack(MSS, cc.cwnd);
	assert_int_equal(cc.cwnd, 21 * MSS);
}

/* No growth while the application, not the window, limits the sender. */
static void
test_newreno_app_limited_no_growth(void **state)
{
	newreno();
	cc.cwnd = 20 * MSS;
	ack(MSS, 4 * MSS); /* slow start, in flight far below cwnd/2 */
	assert_int_equal(cc.cwnd, 20 * MSS);
	cc.ssthresh = 10 * MSS;
	ack(20 * MSS, 10 * MSS);
	assert_int_equal(cc.cwnd, 20 * MSS);
}

/* RFC 5681 eq. (4) and RFC 6582 section 3.2 step 3. */
static void
test_newreno_recovery(void **state)
{
	static const struct {
		uint32_t flight;   /* at the congestion event */
		uint32_t ssthresh;
		uint32_t exit_flight;
		uint32_t exit_cwnd;
	} cases[] = {
		{ 40 * MSS, 20 * MSS, 30 * MSS, 20 * MSS },
		{ 40 * MSS, 20 * MSS, 5 * MSS, 6 * MSS },
		{ 3 * MSS, 2 * MSS, 0, MSS },
		{ 41 * MSS, 41 * MSS / 2, 40 * MSS, 41 * MSS / 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		newreno();
		cc.cwnd = 50 * MSS;
		cc.in_flight = cases[i].flight;
		tusk_tcp_cc_on_congestion_event(&cc, 0);
		assert_true(cc.in_recovery);
		assert_int_equal(cc.ssthresh, cases[i].ssthresh);
		assert_int_equal(cc.cwnd, cases[i].ssthresh);
		/* no growth inside recovery */
		ack(MSS, cc.cwnd);
		assert_int_equal(cc.cwnd, cases[i].ssthresh);
		cc.in_flight = cases[i].exit_flight;
		tusk_tcp_cc_on_recovery_exit(&cc, 0);
		assert_false(cc.in_recovery);
		assert_int_equal(cc.cwnd, cases[i].exit_cwnd);
	}
}

static void
test_newreno_rto_and_undo(void **state)
{
	newreno();
	cc.cwnd = 50 * MSS;
	cc.in_flight = 50 * MSS;
	tusk_tcp_cc_on_rto(&cc, 0);
	assert_int_equal(cc.cwnd, MSS); /* loss window */
	assert_int_equal(cc.ssthresh, 25 * MSS);
	tusk_tcp_cc_on_spurious(&cc, 0);
	assert_int_equal(cc.cwnd, 50 * MSS);
	assert_int_equal(cc.ssthresh, UINT32_MAX);
	/* a second undo without a new event changes nothing */
	cc.cwnd = 10 * MSS;
	tusk_tcp_cc_on_spurious(&cc, 0);
	assert_int_equal(cc.cwnd, 10 * MSS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_pace_default),
		cmocka_unit_test(test_quantum),
		cmocka_unit_test(test_newreno_slow_start),
		cmocka_unit_test(test_newreno_avoidance),
		cmocka_unit_test(test_newreno_app_limited_no_growth),
		cmocka_unit_test(test_newreno_recovery),
		cmocka_unit_test(test_newreno_rto_and_undo),
	};

	return cmocka_run_group_tests_name("tcp_cc", tests, NULL, NULL);
}
