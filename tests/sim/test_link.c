/* SPDX-License-Identifier: BSD-3-Clause */
/* The simulated link: rate, delay, drop-tail queue, impairments, seeds. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "link.h"

#define MS 1000000ull

static struct tusk_sim_link l;

static void
make(const struct tusk_sim_link_conf *c)
{
	assert_int_equal(tusk_sim_link_init(&l, c), 0);
}

static int
teardown(void **state)
{
	tusk_sim_link_fini(&l);
	return 0;
}

/* Frames offered at once leave one serialization time apart and arrive
 * a propagation delay later: 1000 + 24 bytes at 1 Gbit/s = 8192 ns. */
static void
test_rate_and_delay(void **state)
{
	struct tusk_sim_link_conf c = {
		.rate_bps = 1000000000, .delay_ns = 10 * MS, .overhead = 24,
	};
	uintptr_t i;

	make(&c);
	for (i = 1; i <= 100; i++) {
		assert_int_equal(tusk_sim_link_admit(&l, 1000, 0), 0);
		assert_int_equal(tusk_sim_link_push(&l, (void *)i, 1000, 0), 0);
	}
	for (i = 1; i <= 100; i++) {
		uint64_t want = 10 * MS + i * 8192;

		assert_int_equal(tusk_sim_link_next(&l), want);
		assert_null(tusk_sim_link_pop(&l, want - 1));
		assert_ptr_equal(tusk_sim_link_pop(&l, want), (void *)i);
	}
	assert_int_equal(tusk_sim_link_next(&l), UINT64_MAX);
	assert_int_equal(l.stats.wire_bytes, 102400);
}

/* Drop-tail: the backlog is what waits for the serializer; a frame that
 * does not fit is dropped, and room comes back as time passes. */
static void
test_drop_tail(void **state)
{
	struct tusk_sim_link_conf c = {
		.rate_bps = 8000000000, .queue_bytes = 10000, /* 1 B/ns */
	};
	unsigned int i, admitted = 0;

	make(&c);
	for (i = 0; i < 20; i++) {
		if (tusk_sim_link_admit(&l, 1000, 0) == 0) {
			tusk_sim_link_push(&l, NULL, 1000, 0);
			admitted++;
		}
	}
	assert_int_equal(admitted, 10);
	assert_int_equal(l.stats.drop_queue, 10);
	assert_int_equal(tusk_sim_link_backlog(&l, 0), 10000);
	assert_int_equal(tusk_sim_link_backlog(&l, 4000), 6000);
	assert_int_equal(tusk_sim_link_admit(&l, 1000, 4000), 0);
}

static unsigned int
count_verdict(const struct tusk_sim_link_conf *c, unsigned int n,
	      unsigned int verdict)
{
	unsigned int i, hits = 0;

	make(c);
	for (i = 0; i < n; i++)
		hits += (tusk_sim_link_admit(&l, 1000, 0) & verdict) != 0;
	tusk_sim_link_fini(&l);
	return hits;
}

/* Each probability shows in its verdict's frequency (1M frames: within
 * 5 standard deviations). */
static void
test_probabilities(void **state)
{
	static const struct {
		double loss, dup, corrupt;
		unsigned int verdict;
		double p;
	} cases[] = {
		{ 1e-2, 0, 0, TUSK_SIM_LINK_DROP, 1e-2 },
		{ 1e-3, 0, 0, TUSK_SIM_LINK_DROP, 1e-3 },
		{ 0, 1e-3, 0, TUSK_SIM_LINK_DUP, 1e-3 },
		{ 0, 0, 1e-4, TUSK_SIM_LINK_CORRUPT, 1e-4 },
		{ 0, 0, 0, TUSK_SIM_LINK_DROP, 0 },
	};
	const unsigned int n = 1000000;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tusk_sim_link_conf c = {
			.loss = cases[i].loss, .dup = cases[i].dup,
			.corrupt = cases[i].corrupt, .seed = 7,
		};
		double want = cases[i].p * n;
		double sd = sqrt(want);
		unsigned int got = count_verdict(&c, n, cases[i].verdict);

		assert_true(fabs((double)got - want) <= 5 * sd + 0.5);
	}
	make(&(struct tusk_sim_link_conf){ 0 });
}

/* The same seed gives the same run; another seed another one. */
static void
test_seed_reproducible(void **state)
{
	struct tusk_sim_link_conf c = { .loss = 0.1, .seed = 42 };
	uint64_t a = 0, b = 0, d = 0;
	unsigned int i;

	make(&c);
	for (i = 0; i < 64; i++)
		a = a << 1 | (tusk_sim_link_admit(&l, 1, 0) != 0);
	tusk_sim_link_fini(&l);
	make(&c);
	for (i = 0; i < 64; i++)
		b = b << 1 | (tusk_sim_link_admit(&l, 1, 0) != 0);
	tusk_sim_link_fini(&l);
	c.seed = 43;
	make(&c);
	for (i = 0; i < 64; i++)
		d = d << 1 | (tusk_sim_link_admit(&l, 1, 0) != 0);
	assert_true(a == b);
	assert_true(a != d);
}

/* Gilbert-Elliott with loss 1 in the bad state: losses come in bursts of
 * mean length 1/r, and the long-run rate is p / (p + r). */
static void
test_burst_loss(void **state)
{
	struct tusk_sim_link_conf c = {
		.ge_p = 0.001, .ge_r = 0.25, .ge_loss_bad = 1, .seed = 3,
	};
	unsigned int i, lost = 0, bursts = 0, n = 2000000;
	int prev = 0;

	make(&c);
	for (i = 0; i < n; i++) {
		int drop = tusk_sim_link_admit(&l, 1, 0) != 0;

		lost += drop;
		bursts += drop && !prev;
		prev = drop;
	}
	assert_true(fabs((double)lost / bursts - 4.0) < 0.3);
	assert_true(fabs((double)lost / n - 0.001 / 0.251) < 0.0005);
	assert_int_equal(l.stats.drop_burst, lost);
}

/* Reordering: held-back frames are overtaken by later ones, by at most
 * the jitter; without reordering the order is kept. */
static void
test_reorder_jitter(void **state)
{
	struct tusk_sim_link_conf c = {
		.rate_bps = 1000000000, .delay_ns = MS, .reorder = 0.05,
		.jitter_ns = MS, .seed = 9,
	};
	uintptr_t i, last = 0, out_of_order = 0;
	void *p;

	make(&c);
	for (i = 1; i <= 10000; i++)
		tusk_sim_link_push(&l, (void *)i, 1000, i * 8000);
	while ((p = tusk_sim_link_pop(&l, UINT64_MAX)) != NULL) {
		if ((uintptr_t)p < last)
			out_of_order++;
		else
			last = (uintptr_t)p;
	}
	assert_true(l.stats.reordered > 400 && l.stats.reordered < 600);
	assert_true(out_of_order > 0 && out_of_order <= l.stats.reordered);
}

static void
test_bad_conf(void **state)
{
	struct tusk_sim_link_conf c = { .loss = 1.5 };

	assert_int_equal(tusk_sim_link_init(&l, &c), -EINVAL);
	c.loss = 0;
	c.dup = -0.1;
	assert_int_equal(tusk_sim_link_init(&l, &c), -EINVAL);
	make(&(struct tusk_sim_link_conf){ 0 });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rate_and_delay, teardown),
		cmocka_unit_test_teardown(test_drop_tail, teardown),
		cmocka_unit_test_teardown(test_probabilities, teardown),
		cmocka_unit_test_teardown(test_seed_reproducible, teardown),
		cmocka_unit_test_teardown(test_burst_loss, teardown),
		cmocka_unit_test_teardown(test_reorder_jitter, teardown),
		cmocka_unit_test_teardown(test_bad_conf, teardown),
	};

	return cmocka_run_group_tests_name("sim_link", tests, NULL, NULL);
}
