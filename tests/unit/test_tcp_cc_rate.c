/* SPDX-License-Identifier: BSD-3-Clause */
/* Delivery-rate sampler on synthetic send/ACK sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_rate.h"

#define MSS 1000u
#define MS 1000000ull
#define NSEGS 256

static struct tusk_tcp_rate r;
static struct tusk_tcp_rate_seg segs[NSEGS];
static uint32_t in_flight;

static int
setup(void **state)
{
	tusk_tcp_rate_init(&r);
	memset(segs, 0, sizeof(segs));
	in_flight = 0;
	return 0;
}

static void
send_seg(unsigned int i, uint64_t now, bool retrans)
{
	tusk_tcp_rate_on_send(&r, &segs[i], MSS, in_flight, retrans, now);
	in_flight += MSS;
}

/* ACK segments [first, last] at `now`; returns the sample's validity. */
static bool
ack_range(struct tusk_tcp_rate_sample *rs, unsigned int first,
	  unsigned int last, uint64_t now, uint64_t min_rtt)
{
	unsigned int i;

	tusk_tcp_rate_sample_begin(rs, in_flight);
	for (i = first; i <= last; i++) {
		if (!segs[i].done)
			in_flight -= MSS;
		tusk_tcp_rate_on_seg_delivered(&r, rs, &segs[i], MSS, now);
	}
	return tusk_tcp_rate_sample_end(&r, rs, min_rtt);
}

/* A paced sender: one segment per ms, each ACKed 100 ms after its send.
 * Once ACKs flow (segments sent after the first ACK), the sample rate is
 * the pacing rate and the RTT 100 ms; the first flight's samples include
 * the idle RTT before the first ACK, so they are lower (draft 3.2). */
static void
test_paced_flight_rate(void **state)
{
	struct tusk_tcp_rate_sample rs;
	unsigned int t;

	for (t = 0; t < NSEGS + 100; t++) {
		if (t >= 100 && t - 100 < NSEGS) {
			unsigned int i = t - 100;
			bool ok = ack_range(&rs, i, i, t * MS, 0);

			assert_int_equal(rs.rtt_ns, 100 * MS);
			assert_int_equal(rs.acked_sacked, MSS);
			if (i >= 100) {
				assert_true(ok);
				/* MSS bytes per ms = 1e6 bytes/s */
				assert_int_equal(rs.delivery_rate, 1000000);
			} else if (i > 0) {
				assert_true(rs.delivery_rate < 1000000);
			}
		}
		if (t < NSEGS)
			send_seg(t, t * MS, false);
	}
	assert_int_equal(r.delivered, NSEGS * MSS);
}

/* The ACK rate limits: segments sent in a burst, ACKs spread 2 ms apart
 * (the bottleneck). The interval is the ACK interval. */
static void
test_ack_rate_limits(void **state)
{
	struct tusk_tcp_rate_sample rs;
	unsigned int i;

	for (i = 0; i < 10; i++)
		send_seg(i, 0, false);
	for (i = 0; i < 10; i++)
		ack_range(&rs, i, i, 50 * MS + i * 2 * MS, 0);
	/* Last sample: seg 9 (P.delivered 0, P.delivered_time 0) ACKed at
	 * 68 ms: 10 segments over 68 ms. */
	assert_int_equal(rs.delivered, 10 * MSS);
	assert_int_equal(rs.interval_ns, 68 * MS);
	assert_int_equal(rs.delivery_rate, 10ull * MSS * 1000000000ull /
			 (68 * MS));
}

/* A segment SACKed and later cumulatively ACKed counts once. */
static void
test_sack_then_cumack_counts_once(void **state)
{
	struct tusk_tcp_rate_sample rs;
	unsigned int i;

	for (i = 0; i < 4; i++)
		send_seg(i, i * MS, false);
	ack_range(&rs, 2, 3, 100 * MS, 0); /* SACK of 2..3 */
	assert_int_equal(rs.acked_sacked, 2 * MSS);
	ack_range(&rs, 0, 3, 110 * MS, 0); /* cum ACK of 0..3 */
	assert_int_equal(rs.acked_sacked, 2 * MSS);
	assert_int_equal(r.delivered, 4 * MSS);
}

/* Karn: an ACK for a retransmission gives no RTT sample. */
static void
test_retrans_no_rtt(void **state)
{
	struct tusk_tcp_rate_sample rs;

	send_seg(0, 0, false);
	in_flight -= MSS; /* marked lost */
	send_seg(0, 300 * MS, true);
	ack_range(&rs, 0, 0, 400 * MS, 0);
	assert_true(rs.is_retrans);
	assert_int_equal(rs.rtt_ns, 0);
	assert_int_equal(rs.acked_sacked, MSS);
}

/* Intervals shorter than the min RTT are ACK compression: invalid. */
static void
test_short_interval_rejected(void **state)
{
	struct tusk_tcp_rate_sample rs;
	unsigned int i;

	for (i = 0; i < 4; i++)
		send_seg(i, i * MS, false);
	assert_false(ack_range(&rs, 0, 1, 10 * MS, 50 * MS));
	assert_int_equal(rs.delivery_rate, 0);
	assert_true(ack_range(&rs, 2, 3, 10 * MS, 5 * MS));
}

/* App-limited: a flight sent while the sender had nothing more to send
 * yields app-limited samples until it is delivered. */
static void
test_app_limited_marking(void **state)
{
	struct tusk_tcp_rate_sample rs;

	send_seg(0, 0, false);
	send_seg(1, 1 * MS, false);
	tusk_tcp_rate_check_app_limited(&r, 0, in_flight, 10 * MSS, MSS, 0);
	assert_int_equal(r.app_limited, 2 * MSS);
	send_seg(2, 2 * MS, false);
	ack_range(&rs, 0, 0, 100 * MS, 0);
	assert_false(rs.is_app_limited); /* sent before the mark */
	ack_range(&rs, 1, 1, 101 * MS, 0);
	ack_range(&rs, 2, 2, 102 * MS, 0);
	assert_true(rs.is_app_limited);
	/* Everything in the bubble delivered: the mark clears. */
	assert_int_equal(r.app_limited, 0);
}

/* Not app-limited when cwnd is full, data is unsent or lost data waits. */
static void
test_app_limited_conditions(void **state)
{
	static const struct {
		uint64_t unsent;
		uint32_t in_flight, cwnd, lost;
		bool limited;
	} cases[] = {
		{ 0, 5 * MSS, 10 * MSS, 0, true },
		{ MSS - 1, 5 * MSS, 10 * MSS, 0, true },
		{ MSS, 5 * MSS, 10 * MSS, 0, false },
		{ 0, 10 * MSS, 10 * MSS, 0, false },
		{ 0, 5 * MSS, 10 * MSS, MSS, false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tusk_tcp_rate_init(&r);
		tusk_tcp_rate_check_app_limited(&r, cases[i].unsent,
						cases[i].in_flight,
						cases[i].cwnd, MSS,
						cases[i].lost);
		assert_int_equal(r.app_limited != 0, cases[i].limited);
	}
}

/* Rounds: one per flight when each flight is sent after the previous
 * one's first ACK. */
static void
test_round_counting(void **state)
{
	struct tusk_tcp_rate_sample rs;
	unsigned int flight, i, starts = 0;
	uint64_t t = 0;

	for (flight = 0; flight < 5; flight++) {
		unsigned int base = flight * 4;

		for (i = 0; i < 4; i++)
			send_seg(base + i, t, false);
		t += 100 * MS;
		for (i = 0; i < 4; i++) {
			ack_range(&rs, base + i, base + i, t + i, 0);
			starts += rs.round_start;
		}
	}
	assert_int_equal(starts, 5);
	assert_int_equal(r.round_count, 5);
}

/* Loss accounting: rs.lost counts losses since the sampled segment left. */
static void
test_loss_accounting(void **state)
{
	struct tusk_tcp_rate_sample rs;

	send_seg(0, 0, false);
	send_seg(1, 0, false);
	send_seg(2, 1 * MS, false);
	tusk_tcp_rate_sample_begin(&rs, in_flight);
	tusk_tcp_rate_on_seg_lost(&r, &rs, MSS);
	in_flight -= MSS;
	tusk_tcp_rate_on_seg_delivered(&r, &rs, &segs[2], MSS, 100 * MS);
	tusk_tcp_rate_sample_end(&r, &rs, 0);
	assert_int_equal(rs.newly_lost, MSS);
	assert_int_equal(rs.lost, MSS);
	assert_int_equal(rs.tx_in_flight, 3 * MSS);
	assert_int_equal(r.lost, MSS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paced_flight_rate, setup),
		cmocka_unit_test_setup(test_ack_rate_limits, setup),
		cmocka_unit_test_setup(test_sack_then_cumack_counts_once, setup),
		cmocka_unit_test_setup(test_retrans_no_rtt, setup),
		cmocka_unit_test_setup(test_short_interval_rejected, setup),
		cmocka_unit_test_setup(test_app_limited_marking, setup),
		cmocka_unit_test_setup(test_app_limited_conditions, setup),
		cmocka_unit_test_setup(test_round_counting, setup),
		cmocka_unit_test_setup(test_loss_accounting, setup),
	};

	return cmocka_run_group_tests_name("tcp_cc_rate", tests, NULL, NULL);
}
