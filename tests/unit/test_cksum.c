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

/* Every variant of the flat sum against DPDK's word-at-a-time one, for
 * every length up to 600 at every alignment, the RFC 1071 example, and
 * all-ones buffers up to a 64 KiB segment (the carries). */
static void
check_raw(uint32_t (*fn)(const void *, size_t), const char *name)
{
	static const uint8_t rfc1071[8] = {0x00, 0x01, 0xf2, 0x03,
					   0xf4, 0xf5, 0xf6, 0xf7};
	static uint8_t buf[65536 + 64];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 600; len++)
			if (__rte_raw_cksum_reduce(fn(buf + off, len)) !=
			    rte_raw_cksum(buf + off, len))
				fail_msg("%s: length %zu at offset %zu", name,
					 len, off);
	/* RFC 1071 section 3: the sum of those eight bytes is ddf2 */
	assert_int_equal(rte_be_to_cpu_16(__rte_raw_cksum_reduce(
				 fn(rfc1071, sizeof(rfc1071)))), 0xddf2);
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 1; len <= 65536; len = len * 3 + 1)
		assert_int_equal(__rte_raw_cksum_reduce(fn(buf + 1, len)),
				 rte_raw_cksum(buf + 1, len));
	assert_int_equal(__rte_raw_cksum_reduce(fn(buf, 65535)),
			 rte_raw_cksum(buf, 65535));
}

static void
test_raw_variants(void **state)
{
	check_raw(tusk_cksum_raw, "chosen");
	check_raw(tusk_cksum_raw_generic, "generic");
#if defined(__x86_64__)
	check_raw(tusk_cksum_raw_sse2, "sse2");
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		check_raw(tusk_cksum_raw_avx2, "avx2");
	else
		print_message("no AVX2 on this CPU: that variant not run\n");
	if (__builtin_cpu_supports("avx512f"))
		check_raw(tusk_cksum_raw_avx512, "avx512");
	else
		print_message("no AVX-512 on this CPU: that variant not run\n");
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_equals_flat, setup, teardown),
		cmocka_unit_test(test_raw_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
