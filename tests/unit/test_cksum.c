/* SPDX-License-Identifier: BSD-3-Clause */
/* Checksums over mbuf chains equal the checksum of the same bytes flat,
 * for every way of cutting them into segments (odd and even lengths). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cksum.h"
#include "harness.h"

static struct tusk_harness h;

static int
setup(void **state)
{
	return tusk_harness_init(&h, "cksum");
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

static struct rte_mbuf *
chain_of(const uint8_t *buf, const size_t *cuts, size_t n_cuts, size_t len)
{
	struct rte_mbuf *head = NULL;
	size_t from = 0;

	for (size_t i = 0; i <= n_cuts; i++) {
		size_t to = i < n_cuts ? cuts[i] : len;
		struct rte_mbuf *seg = tusk_harness_mbuf(&h, buf + from, to - from);

		assert_non_null(seg);
		if (head == NULL)
			head = seg;
		else
			assert_int_equal(rte_pktmbuf_chain(head, seg), 0);
		from = to;
	}
	return head;
}

static void
test_chain_equals_flat(void **state)
{
	static const struct {
		size_t len, off, n_cuts, cuts[3];
	} cases[] = {
		{100, 0, 0, {0}},
		{100, 0, 1, {51}},
		{100, 0, 2, {1, 2}},
		{1001, 3, 2, {333, 334}},
		{9000, 34, 3, {1, 4097, 8191}},
		{25000, 0, 3, {7, 9001, 18000}},
	};
	static uint8_t buf[25000];
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rte_mbuf *m = chain_of(buf, cases[i].cuts, cases[i].n_cuts,
					      cases[i].len);
		uint16_t flat = rte_raw_cksum(buf + cases[i].off,
					      cases[i].len - cases[i].off);

		assert_int_equal(tusk_cksum_mbuf(m, (uint32_t)cases[i].off,
						 (uint32_t)(cases[i].len - cases[i].off)),
				 flat);
		rte_pktmbuf_free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_equals_flat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
