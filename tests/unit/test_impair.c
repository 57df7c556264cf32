/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The impairment stage in virtual time: delay, jitter, bottleneck rate,
 * buffer limit, random and burst loss, duplication and reordering do what
 * an operator setting up a long fat path expects, frame by frame.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "impair.h"
#include "testenv.h"

#define MS (1000ull * 1000)
#define US 1000ull

static struct rte_mempool *pool;
static unsigned int seq;

static int
setup(void **state)
{
	if (tusk_testenv_init("impair", 256) < 0)
		return -1;
	pool = tusk_testenv_pool("impair_src", 8192, 2048);
	return pool == NULL ? -1 : 0;
}

static struct tusk_impair *
make(const struct tusk_impair_conf *c)
{
	char name[32];
	struct tusk_impair *im;

	snprintf(name, sizeof(name), "t%u", seq++);
	im = tusk_impair_create(name, c, 1600, 42, 0);
	assert_non_null(im);
	return im;
}

/* Offer n frames of `len` bytes at `now`; frame i carries i in its first
 * bytes so that order can be checked. */
static void
offer(struct tusk_impair *im, unsigned int n, uint16_t len, uint64_t now,
      uint32_t first)
{
	struct rte_mbuf *m[32];
	unsigned int i, k;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < 32 && i + k < n; k++) {
			uint32_t id = first + i + k;

			m[k] = rte_pktmbuf_alloc(pool);
			assert_non_null(m[k]);
			memcpy(rte_pktmbuf_append(m[k], len), &id, sizeof(id));
		}
		tusk_impair_enqueue(im, m, (uint16_t)k, now);
	}
}

/* Dequeue everything due at `now`; ids into `ids` (may be NULL). */
static unsigned int
take(struct tusk_impair *im, uint64_t now, uint32_t *ids, unsigned int max)
{
	struct rte_mbuf *m[32];
	unsigned int total = 0;
	uint16_t n, i;

	while ((n = tusk_impair_dequeue(im, m, 32, now)) > 0) {
		for (i = 0; i < n; i++) {
			const void *d = rte_pktmbuf_mtod(m[i], const void *);

			if (ids != NULL && total < max)
				memcpy(&ids[total], d, 4);
			total++;
			rte_pktmbuf_free(m[i]);
		}
	}
	return total;
}

static void
test_delay(void **state)
{
	struct tusk_impair_conf c = { .delay_ns = 50 * MS };
	struct tusk_impair *im = make(&c);
	uint32_t ids[10];
	unsigned int i;

	offer(im, 10, 100, 1000, 0);
	assert_int_equal(tusk_impair_next(im), 1000 + 50 * MS);
	assert_int_equal(take(im, 1000 + 50 * MS - 1, NULL, 0), 0);
	assert_int_equal(take(im, 1000 + 50 * MS, ids, 10), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(ids[i], i); /* in order */
	assert_int_equal(tusk_impair_next(im), UINT64_MAX);
	tusk_impair_free(im);
}

/* 1 Mbit/s: a 101-byte frame takes (101 + 24) * 8 = 1000 bits = 1 ms. */
static void
test_rate(void **state)
{
	struct tusk_impair_conf c = { .rate_bps = 1000000, .delay_ns = 5 * MS };
	struct tusk_impair *im = make(&c);

	offer(im, 5, 101, 0, 0);
	assert_int_equal(take(im, 6 * MS - 1, NULL, 0), 0);
	assert_int_equal(take(im, 6 * MS, NULL, 0), 1);
	assert_int_equal(take(im, 8 * MS, NULL, 0), 2);
	assert_int_equal(take(im, 10 * MS, NULL, 0), 2);
	/* an idle link does not bank credit: the next frame waits 1 ms */
	offer(im, 1, 101, 100 * MS, 5);
	assert_int_equal(tusk_impair_next(im), 106 * MS);
	tusk_impair_free(im);
}

static void
test_limit(void **state)
{
	struct tusk_impair_conf c = { .delay_ns = 1 * MS, .limit = 4 };
	struct tusk_impair *im = make(&c);
	struct tusk_impair_stats st;

	offer(im, 10, 100, 0, 0);
	tusk_impair_stats(im, &st);
	assert_int_equal(st.in, 10);
	assert_int_equal(st.held, 4);
	assert_int_equal(st.overflow, 6);
	assert_int_equal(take(im, 1 * MS, NULL, 0), 4);
	tusk_impair_free(im);
}

static void
test_loss_rate(void **state)
{
	struct tusk_impair_conf c = { .loss_ppm = 100000 }; /* 10% */
	struct tusk_impair *im = make(&c);
	struct tusk_impair_stats st;
	unsigned int out = 0, round;

	for (round = 0; round < 100; round++) {
		offer(im, 1000, 64, round, round * 1000);
		out += take(im, round, NULL, 0);
	}
	tusk_impair_stats(im, &st);
	assert_int_equal(st.in, 100000);
	assert_int_equal(st.lost + out, 100000);
	/* 10% of 1e5 frames: sigma ~95, allow 5 sigma */
	assert_in_range(st.lost, 9525, 10475);
	tusk_impair_free(im);
}

static void
test_duplicate_and_total_loss(void **state)
{
	struct tusk_impair_conf dup = { .dup_ppm = TUSK_IMPAIR_PPM };
	struct tusk_impair_conf all = { .loss_ppm = TUSK_IMPAIR_PPM };
	struct tusk_impair *im = make(&dup);
	uint32_t ids[8];

	offer(im, 4, 64, 0, 0);
	assert_int_equal(take(im, 0, ids, 8), 8);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 0); /* the copy follows its original */
	tusk_impair_free(im);
	im = make(&all);
	offer(im, 100, 64, 0, 0);
	assert_int_equal(take(im, UINT64_MAX, NULL, 0), 0);
	tusk_impair_free(im);
}

/* Reordered frames overtake the delayed ones, in their own order, but
 * still cross the path: due TUSK_IMPAIR_REORDER_GAP_NS before the rest,
 * never at once (an RTT sample near zero would be a lie about the path). */
static void
test_reorder(void **state)
{
	const uint64_t early_at = 10 * MS - TUSK_IMPAIR_REORDER_GAP_NS;
	struct tusk_impair_conf c = { .delay_ns = 10 * MS,
				      .reorder_ppm = 500000 };
	struct tusk_impair *im = make(&c);
	struct tusk_impair_stats st;
	uint32_t ids[200];
	unsigned int early, late, i;

	offer(im, 200, 64, 0, 0);
	tusk_impair_stats(im, &st);
	assert_int_equal(take(im, early_at - 1, NULL, 0), 0);
	assert_int_equal(tusk_impair_next(im), early_at);
	early = take(im, early_at, ids, 200);
	assert_int_equal(early, st.reordered);
	assert_in_range(early, 50, 150);
	for (i = 1; i < early; i++)
		assert_true(ids[i] > ids[i - 1]);
	late = take(im, 10 * MS, NULL, 0);
	assert_int_equal(early + late, 200);
	tusk_impair_free(im);
}

/* Frames far apart each get a delay uniform in [delay - jitter, delay +
 * jitter]: bounds, both ends reached, mean at the delay. */
static void
test_jitter_bounds(void **state)
{
	struct tusk_impair_conf c = { .delay_ns = 10 * MS,
				      .jitter_ns = 4 * MS };
	struct tusk_impair *im = make(&c);
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0, now;
	unsigned int i, n = 2000;

	for (i = 0; i < n; i++) {
		uint64_t d;

		now = (uint64_t)i * 100 * MS;
		offer(im, 1, 64, now, i);
		d = tusk_impair_next(im) - now;
		assert_in_range(d, 6 * MS, 14 * MS);
		lo = RTE_MIN(lo, d);
		hi = RTE_MAX(hi, d);
		sum += d;
		assert_int_equal(take(im, now + d, NULL, 0), 1);
	}
	/* 2000 uniform draws over 8 ms: the extremes fall within 0.1 ms of
	 * the ends (miss chance (1 - 0.1/8)^2000 ~ 1e-11); the mean's
	 * standard error is 2.31 ms / sqrt(2000) = 0.05 ms, 5 sigma. */
	assert_true(lo < 6 * MS + 100 * US);
	assert_true(hi > 14 * MS - 100 * US);
	assert_in_range(sum / n, 10 * MS - 250 * US, 10 * MS + 250 * US);
	tusk_impair_free(im);
}

/* A dense stream keeps its order under jitter, and every frame still
 * leaves within [delay - jitter, delay + jitter] of when it came. */
static void
test_jitter_keeps_order(void **state)
{
	const uint64_t gap = 10 * US, d = 10 * MS, j = 5 * MS;
	struct tusk_impair_conf c = { .delay_ns = d, .jitter_ns = j,
				      .limit = 8192 };
	struct tusk_impair *im = make(&c);
	static uint32_t ids[8192];
	uint32_t next = 0, offered = 0, n_frames = 5000;
	uint64_t now;

	for (now = 0; next < n_frames; now += gap) {
		unsigned int k, i;

		if (offered < n_frames)
			offer(im, 1, 64, now, offered++);
		k = take(im, now, ids, RTE_DIM(ids));
		assert_true(k <= RTE_DIM(ids));
		for (i = 0; i < k; i++) {
			uint64_t sent = (uint64_t)ids[i] * gap;

			assert_int_equal(ids[i], next++);
			assert_true(now >= sent + d - j);
			assert_true(now <= sent + d + j + gap);
		}
	}
	tusk_impair_free(im);
}

/* Gilbert-Elliott with loss 1 in the bad state: losses come in runs of
 * mean length 1e6 / exit_ppm, at a long-run rate enter / (enter + exit)
 * (impair_ge.h). 2e6 frames: ~2000 bursts. */
static void
test_burst_loss_runs(void **state)
{
	struct tusk_impair_conf c = { .burst_enter_ppm = 1000,
				      .burst_exit_ppm = 250000,
				      .burst_loss_ppm = TUSK_IMPAIR_PPM };
	struct tusk_impair *im = make(&c);
	struct tusk_impair_stats st;
	uint32_t ids[1000], expect = 0;
	uint64_t lost = 0, bursts = 0;
	unsigned int round, i, k, n = 2000000;

	for (round = 0; round < n / 1000; round++) {
		offer(im, 1000, 64, round, round * 1000);
		k = take(im, round, ids, 1000);
		for (i = 0; i < k; i++) {
			bursts += ids[i] > expect;
			lost += ids[i] - expect;
			expect = ids[i] + 1;
		}
	}
	bursts += expect < n;
	lost += n - expect;
	tusk_impair_stats(im, &st);
	assert_int_equal(st.burst_lost, lost);
	assert_int_equal(st.lost, 0);
	assert_in_range(bursts, 1700, 2300);
	/* run length: geometric, mean 4, sd 3.46; ~2000 runs: se 0.08 */
	assert_true(fabs((double)lost / (double)bursts - 4.0) < 0.4);
	/* 0.001 / 0.251 = 0.398%; bursty, so sd ~240 frames of ~7970 */
	assert_true(fabs((double)lost / n - 0.001 / 0.251) < 0.0006);
	tusk_impair_free(im);
}

/* In the bad state only burst_loss_ppm of the frames are lost. */
static void
test_burst_partial_loss(void **state)
{
	struct tusk_impair_conf c = { .burst_enter_ppm = TUSK_IMPAIR_PPM,
				      .burst_exit_ppm = 1,
				      .burst_loss_ppm = 500000 };
	struct tusk_impair *im = make(&c);
	struct tusk_impair_stats st;
	unsigned int round;

	/* enter at the first frame; leaving has chance 1e-6 per frame */
	for (round = 0; round < 20; round++) {
		offer(im, 1000, 64, round, round * 1000);
		take(im, round, NULL, 0);
	}
	tusk_impair_stats(im, &st);
	/* binomial(20000, 0.5): sd 71, 5 sigma */
	assert_in_range(st.burst_lost, 10000 - 355, 10000 + 355);
	tusk_impair_free(im);
}

/* Dequeue everything due at `now` into held[] without freeing (frames a
 * receiver keeps: TCP's out-of-order queue); returns how many. */
static unsigned int
take_hold(struct tusk_impair *im, uint64_t now, struct rte_mbuf **held,
	  unsigned int at, unsigned int max)
{
	uint16_t n;

	while (at < max && (n = tusk_impair_dequeue(im, held + at,
			(uint16_t)RTE_MIN(32u, max - at), now)) > 0)
		at += n;
	return at;
}

/* A receiver keeps what the stage released (TCP holds out-of-order data
 * up to its window, waiting for one retransmission). With its own copies
 * the stage runs dry and would drop that retransmission too; releasing
 * into the port's pool it keeps taking frames, and only that pool's size
 * counts, as without the stage. */
static void
test_release_pool(void **state)
{
	struct tusk_impair_conf c = { .delay_ns = 1 * MS, .limit = 64 };
	static struct rte_mbuf *held[2000], *held2[2000];
	struct rte_mempool *port = tusk_testenv_pool("impair_port", 1500,
						     2048);
	struct tusk_impair *im = make(&c), *starved = make(&c);
	struct tusk_impair_stats st;
	unsigned int n = 0, k = 0, i, round;

	assert_non_null(port);
	tusk_impair_release_to(im, port);
	for (round = 0; round < 40; round++) {
		offer(im, 32, 100, round * MS, round * 32);
		offer(starved, 32, 100, round * MS, round * 32);
		n = take_hold(im, (round + 1) * MS, held, n, RTE_DIM(held));
		k = take_hold(starved, (round + 1) * MS, held2, k,
			      RTE_DIM(held2));
	}
	/* 40 x 32 = 1280 frames held downstream: all came through, as
	 * copies in the port's pool */
	assert_int_equal(n, 1280);
	for (i = 0; i < n; i++)
		assert_ptr_equal(held[i]->pool, port);
	tusk_impair_stats(im, &st);
	assert_int_equal(st.overflow, 0);
	assert_int_equal(st.out, 1280);
	/* without: the stage's own 64 + 256 + 1 copies ran dry */
	tusk_impair_stats(starved, &st);
	assert_true(k <= 64 + 256 + 1);
	assert_int_equal(st.overflow, 1280 - k);
	/* the port's pool (1500) runs dry in its turn: the rest dropped
	 * and counted */
	for (round = 40; round < 50; round++) {
		offer(im, 32, 100, round * MS, round * 32);
		n = take_hold(im, (round + 1) * MS, held, n, RTE_DIM(held));
	}
	assert_int_equal(n, 1500);
	tusk_impair_stats(im, &st);
	assert_int_equal(st.overflow, 1600 - 1500);
	rte_pktmbuf_free_bulk(held, n);
	rte_pktmbuf_free_bulk(held2, k);
	assert_int_equal(tusk_impair_free(im), 0);
	assert_int_equal(tusk_impair_free(starved), 0);
	rte_mempool_free(port);
}

/* A released frame may still be in a NIC's ring or TCP's queue: the
 * stage is not freed under it, and goes once it is back. */
static void
test_free_waits_for_frames(void **state)
{
	struct tusk_impair_conf c = { .delay_ns = 1 * MS };
	struct tusk_impair *im = make(&c);
	struct rte_mbuf *m[4];

	offer(im, 4, 64, 0, 0);
	assert_int_equal(tusk_impair_dequeue(im, m, 1, 1 * MS), 1);
	/* three held frames are freed, one is out */
	assert_int_equal(tusk_impair_free(im), -EBUSY);
	assert_int_equal(tusk_impair_next(im), UINT64_MAX);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(tusk_impair_free(im), 0);
}

static void
test_conf_checks(void **state)
{
	struct tusk_impair_conf off = { 0 }, bad = { .loss_ppm = 2000000 };

	assert_true(tusk_impair_conf_is_off(&off));
	off.limit = 10; /* a limit alone impairs nothing */
	assert_true(tusk_impair_conf_is_off(&off));
	assert_false(tusk_impair_conf_is_off(&bad));
	assert_null(tusk_impair_create("bad", &bad, 1600, 1, 0));
	bad.loss_ppm = 0;
	bad.limit = TUSK_IMPAIR_LIMIT_MAX + 1;
	assert_null(tusk_impair_create("bad", &bad, 1600, 1, 0));
}

/* What an operator gets told for settings the stage cannot honour. */
static void
test_conf_reasons(void **state)
{
	struct tusk_impair_conf c = { .delay_ns = 5 * MS, .jitter_ns = 6 * MS };
	char err[128];

	assert_int_equal(tusk_impair_conf_check(&c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "jitter_ms 6.000 exceeds delay_ms 5.000 "
			    "(a delay cannot go below 0)");
	assert_null(tusk_impair_create("bad", &c, 1600, 1, 0));
	c = (struct tusk_impair_conf){ .burst_enter_ppm = 10 };
	assert_int_equal(tusk_impair_conf_check(&c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "burst_exit_ppm must be above 0"));
	assert_false(tusk_impair_conf_is_off(&c)); /* burst loss impairs */
	c = (struct tusk_impair_conf){ .burst_loss_ppm = TUSK_IMPAIR_PPM + 1 };
	assert_int_equal(tusk_impair_conf_check(&c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "burst_loss_ppm 1000001 exceeds 1000000");
	c = (struct tusk_impair_conf){ .delay_ns = 5 * MS,
				       .jitter_ns = 5 * MS,
				       .burst_enter_ppm = 1,
				       .burst_exit_ppm = 1 };
	assert_int_equal(tusk_impair_conf_check(&c, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_loss_rate),
		cmocka_unit_test(test_duplicate_and_total_loss),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_jitter_keeps_order),
		cmocka_unit_test(test_burst_loss_runs),
		cmocka_unit_test(test_burst_partial_loss),
		cmocka_unit_test(test_release_pool),
		cmocka_unit_test(test_free_waits_for_frames),
		cmocka_unit_test(test_conf_checks),
		cmocka_unit_test(test_conf_reasons),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
