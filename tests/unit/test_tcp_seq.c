/* SPDX-License-Identifier: BSD-3-Clause */
/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4), across the wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp_seq.h"

struct seq_case {
	uint32_t a, b;
	int cmp; /* -1: a before b, 0: equal, 1: a after b */
};

static const struct seq_case cases[] = {
	{ 0, 1, -1 },
	{ 1, 0, 1 },
	{ 5, 5, 0 },
	{ 0xffffffffu, 0, -1 },          /* wrap: max is just before 0 */
	{ 0, 0xffffffffu, 1 },
	{ 0xfffffff0u, 0x10, -1 },       /* 32 bytes apart across the wrap */
	{ 0x10, 0xfffffff0u, 1 },
	{ 0x7fffffffu, 0, 1 },           /* 2^31 - 1 ahead: still after */
	{ 0, 0x7fffffffu, -1 },
	{ 0x80000001u, 0, -1 },          /* 2^31 + 1 ahead reads as behind */
	{ 1000, 1000 + 65535u, -1 },
	{ 0xffff0000u, 0x0000ffffu, -1 },
};

static void
test_compare(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct seq_case *c = &cases[i];

		assert_int_equal(SEQ_LT(c->a, c->b), c->cmp < 0);
		assert_int_equal(SEQ_LEQ(c->a, c->b), c->cmp <= 0);
		assert_int_equal(SEQ_GT(c->a, c->b), c->cmp > 0);
		assert_int_equal(SEQ_GEQ(c->a, c->b), c->cmp >= 0);
		assert_int_equal(tusk_seq_max(c->a, c->b),
				 c->cmp >= 0 ? c->a : c->b);
		assert_int_equal(tusk_seq_min(c->a, c->b),
				 c->cmp <= 0 ? c->a : c->b);
	}
}

static void
test_in_window(void **state)
{
	/* A window [lo, hi) that straddles the wrap. */
	uint32_t lo = 0xffffff00u, hi = 0x100;

	assert_true(tusk_seq_in(0xffffff00u, lo, hi));
	assert_true(tusk_seq_in(0xffffffffu, lo, hi));
	assert_true(tusk_seq_in(0, lo, hi));
	assert_true(tusk_seq_in(0xff, lo, hi));
	assert_false(tusk_seq_in(0x100, lo, hi));    /* hi is outside */
	assert_false(tusk_seq_in(0xfffffeffu, lo, hi));
	assert_false(tusk_seq_in(5, 5, 5));          /* empty window */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_in_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
