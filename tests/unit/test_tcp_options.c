/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options codec: well-formed, malformed, truncated, unknown kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cksum.h"
#include "tcp_options.h"

struct parse_case {
	const char *name;
	uint8_t bytes[40];
	unsigned int len;
	int syn;
	int rc;
	uint8_t present;
	uint16_t mss;
	uint8_t wscale;
	uint8_t nsack;
};

static const struct parse_case cases[] = {
	{ "linux syn", { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
	  1, 3, 3, 7 }, 20, 1, 0, TUSK_TCP_OPTF_MSS | TUSK_TCP_OPTF_SACK_OK |
	  TUSK_TCP_OPTF_TS | TUSK_TCP_OPTF_WS, 1460, 7, 0 },
	{ "mss on non-syn ignored", { 2, 4, 0x05, 0xb4 }, 4, 0, 0, 0, 0, 0, 0 },
	{ "ws over 14 clamped", { 3, 3, 20 }, 3, 1, 0, TUSK_TCP_OPTF_WS, 0,
	  14, 0 },
	{ "eol stops", { 0, 2, 4, 0x05, 0xb4 }, 5, 1, 0, 0, 0, 0, 0 },
	{ "nops only", { 1, 1, 1, 1 }, 4, 1, 0, 0, 0, 0, 0 },
	{ "zero length", { 2, 0, 0x05, 0xb4 }, 4, 1, -22, 0, 0, 0, 0 },
	{ "length one", { 1, 8, 1 }, 3, 0, -22, 0, 0, 0, 0 },
	{ "kind without length", { 1, 1, 8 }, 3, 0, -22, 0, 0, 0, 0 },
	{ "length past end", { 8, 10, 0, 0, 0, 1 }, 6, 0, -22, 0, 0, 0, 0 },
	{ "good then truncated keeps the good", { 2, 4, 0x23, 0x28, 3, 3 },
	  6, 1, -22, TUSK_TCP_OPTF_MSS, 9000, 0, 0 },
	{ "unknown kind skipped", { 30, 6, 1, 2, 3, 4, 2, 4, 0x05, 0xb4 }, 10,
	  1, 0, TUSK_TCP_OPTF_MSS, 1460, 0, 0 },
	{ "mss with wrong length ignored", { 2, 5, 0x05, 0xb4, 0, 1, 1, 1 }, 8,
	  1, 0, 0, 0, 0, 0 },
	{ "sack one block", { 1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20 }, 12, 0,
	  0, TUSK_TCP_OPTF_SACK, 0, 0, 1 },
	{ "sack four blocks", { 5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0,
	  0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8 }, 34, 0, 0,
	  TUSK_TCP_OPTF_SACK, 0, 0, 4 },
	{ "sack bad length ignored", { 5, 7, 0, 0, 0, 1, 0 }, 7, 0, 0, 0, 0, 0,
	  0 },
	{ "sack on syn ignored", { 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 }, 10, 1, 0,
	  0, 0, 0, 0 },
};

static void
test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		struct tusk_tcp_opts o;
		int rc;

		rc = tusk_tcp_options_parse(c->bytes, c->len, c->syn, &o);
		print_message("case %s\n", c->name);
		assert_int_equal(rc, c->rc);
		assert_int_equal(o.present, c->present);
		if (c->present & TUSK_TCP_OPTF_MSS)
			assert_int_equal(o.mss, c->mss);
		if (c->present & TUSK_TCP_OPTF_WS)
			assert_int_equal(o.wscale, c->wscale);
		if (c->present & TUSK_TCP_OPTF_SACK)
			assert_int_equal(o.nsack, c->nsack);
	}
}

static void
test_sack_values(void **state)
{
	const uint8_t b[] = { 5, 18, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10,
			      0, 0, 1, 0, 0, 0, 2, 0 };
	struct tusk_tcp_opts o;

	assert_int_equal(tusk_tcp_options_parse(b, sizeof(b), false, &o), 0);
	assert_int_equal(o.nsack, 2);
	assert_int_equal(o.sack[0].start, 0xfffffff0u);
	assert_int_equal(o.sack[0].end, 0x10);
	assert_int_equal(o.sack[1].start, 0x100);
	assert_int_equal(o.sack[1].end, 0x200);
}

static void
test_write_roundtrip(void **state)
{
	struct tusk_tcp_opts in = {
		.present = TUSK_TCP_OPTF_MSS | TUSK_TCP_OPTF_WS |
			   TUSK_TCP_OPTF_SACK_OK | TUSK_TCP_OPTF_TS,
		.mss = 8960, .wscale = 13, .tsval = 0xdeadbeef, .tsecr = 7,
	}, out;
	uint8_t buf[40];
	uint64_t sum = 0;
	unsigned int n = tusk_tcp_options_write(buf, sizeof(buf), &in, &sum);

	assert_int_equal(n % 4, 0);
	assert_int_equal(n, 20); /* the layout Linux uses on a SYN */
	assert_int_equal(tusk_tcp_options_parse(buf, n, true, &out), 0);
	assert_int_equal(out.present, in.present);
	assert_int_equal(out.mss, 8960);
	assert_int_equal(out.wscale, 13);
	assert_int_equal(out.tsval, 0xdeadbeef);
	assert_int_equal(out.tsecr, 7);
}

static void
test_write_sack_fits(void **state)
{
	struct tusk_tcp_opts in = { .present = TUSK_TCP_OPTF_TS |
				    TUSK_TCP_OPTF_SACK, .nsack = 4 }, out;
	uint8_t buf[40];
	uint64_t sum = 0;
	unsigned int n;

	for (unsigned int i = 0; i < 4; i++)
		in.sack[i] = (struct tusk_tcp_sack_block){ i * 100, i * 100 + 50 };
	n = tusk_tcp_options_write(buf, sizeof(buf), &in, &sum);
	/* Timestamps (12) leave room for 3 blocks (28), not 4. */
	assert_true(n <= 40);
	assert_int_equal(tusk_tcp_options_parse(buf, n, false, &out), 0);
	assert_int_equal(out.nsack, TUSK_TCP_MAX_SACK_TS);
	assert_int_equal(out.sack[2].start, 200);
	/* Without timestamps all four fit. */
	in.present = TUSK_TCP_OPTF_SACK;
	n = tusk_tcp_options_write(buf, sizeof(buf), &in, &sum);
	assert_int_equal(tusk_tcp_options_parse(buf, n, false, &out), 0);
	assert_int_equal(out.nsack, 4);
	/* A tiny room writes nothing rather than a broken option. */
	assert_int_equal(tusk_tcp_options_write(buf, 8, &in, &sum), 0);
}

/* Every combination of options, SACK blocks and room: the length given
 * beforehand is what is written, the layout parses back, and the sum
 * accumulated while writing is the sum of the bytes (the TCP checksum of
 * every segment sent depends on it). */
static void
test_write_sum(void **state)
{
	unsigned int combos = 0;

	(void)state;
	for (unsigned int present = 0; present < 32; present++) {
		for (unsigned int nsack = 0; nsack <= TUSK_TCP_MAX_SACK; nsack++) {
			for (unsigned int room = 0; room <= 40; room += 4) {
				struct tusk_tcp_opts in = {
					.present = (uint8_t)present,
					.nsack = (uint8_t)nsack, .mss = 0x1234,
					.wscale = 7, .tsval = 0x89abcdefu,
					.tsecr = 0xfedcba98u,
				}, out;
				uint8_t buf[48];
				uint64_t sum = 0;
				unsigned int n, len;

				for (unsigned int i = 0; i < nsack; i++)
					in.sack[i] = (struct tusk_tcp_sack_block){
						0xa0000000u + i * 0x01010101u,
						0xb0000001u + i * 0x02020202u };
				len = tusk_tcp_options_len(&in, room);
				memset(buf, 0xee, sizeof(buf));
				n = tusk_tcp_options_write(buf, room, &in, &sum);
				assert_int_equal(n, len);
				assert_true(n <= room);
				assert_int_equal(n % 4, 0);
				assert_int_equal(buf[n], 0xee); /* nothing beyond */
				assert_int_equal(
					__rte_raw_cksum_reduce(tusk_cksum_acc_fold(sum)),
					__rte_raw_cksum_reduce(tusk_cksum_raw_generic(buf, n)));
				assert_int_equal(tusk_tcp_options_parse(buf, n,
						 true, &out), 0);
				if (in.present & TUSK_TCP_OPTF_TS &&
				    out.present & TUSK_TCP_OPTF_TS) {
					assert_int_equal(out.tsval, in.tsval);
					assert_int_equal(out.tsecr, in.tsecr);
				}
				combos++;
			}
		}
	}
	assert_int_equal(combos, 32 * 5 * 11);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_sack_values),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_write_sack_fits),
		cmocka_unit_test(test_write_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
