/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator's integrity oracle: the payload pattern must reveal a
 * corrupted byte, a stream shifted by any offset, another flow's bytes,
 * and it must check pieces that start and end anywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

#define LEN 9000
#define KEY 0x1234567890abcdefull

static uint8_t buf[LEN];

/* Pieces cut at every alignment verify against the offsets they hold. */
static void
test_fill_check_any_alignment(void **state)
{
	static const uint64_t offs[] = { 0, 1, 7, 8, 9, 4095, 1ull << 32 };
	static const uint32_t lens[] = { 1, 7, 8, 9, 1448, 8948, LEN };
	size_t i, j;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			sim_pattern_fill(buf, KEY, offs[i], lens[j]);
			assert_int_equal(sim_pattern_check(buf, KEY, offs[i],
							   lens[j]), 0);
			assert_int_equal(buf[lens[j] / 2],
					 sim_pattern_byte(KEY, offs[i] +
							  lens[j] / 2));
		}
	}
}

/* One flipped bit anywhere is one bad byte. */
static void
test_corruption_detected(void **state)
{
	static const uint32_t at[] = { 0, 3, 8, 4500, LEN - 1 };
	size_t i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		sim_pattern_fill(buf, KEY, 100, LEN);
		buf[at[i]] ^= 0x10;
		assert_int_equal(sim_pattern_check(buf, KEY, 100, LEN), 1);
	}
}

/* Data checked at the wrong stream offset (lost, duplicated or
 * misplaced bytes) fails, whatever the shift; so do another flow's. */
static void
test_shift_and_key_detected(void **state)
{
	static const int64_t shift[] = { 1, -1, 8, -8, 64000, 1448 };
	size_t i;

	sim_pattern_fill(buf, KEY, 1 << 20, LEN);
	for (i = 0; i < sizeof(shift) / sizeof(shift[0]); i++)
		assert_true(sim_pattern_check(buf, KEY,
					      (uint64_t)((1 << 20) + shift[i]),
					      LEN) > LEN / 2);
	assert_true(sim_pattern_check(buf, KEY + 1, 1 << 20, LEN) > LEN / 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_check_any_alignment),
		cmocka_unit_test(test_corruption_detected),
		cmocka_unit_test(test_shift_and_key_detected),
	};

	return cmocka_run_group_tests_name("sim_pattern", tests, NULL, NULL);
}
