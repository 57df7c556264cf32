/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies (RFC 4987 3.6): valid ones decode, forged and old fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "tcp_hash.h"
#include "tcp_syncookie.h"

#define S 1000000000ULL

static struct tusk_tcp_tuple
tuple(uint16_t rport)
{
	struct tusk_tcp_tuple t = {
		.laddr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2))),
		.raddr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1))),
		.lport = 80, .rport = rport,
	};
	return t;
}

static void
test_siphash_vector(void **state)
{
	/* The reference vector of the SipHash paper (key 00..0f, message
	 * 00..0e). */
	struct tusk_tcp_key k = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t msg[15];

	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(tusk_tcp_siphash(&k, msg, sizeof(msg)),
			 0xa129ca6149be45e5ULL);
}

static void
test_valid_roundtrip(void **state)
{
	struct tusk_tcp_key k = tusk_tcp_key_derive(42, 1);
	struct tusk_tcp_tuple t = tuple(40000);
	struct tusk_tcp_cookie_opts in = { .mss = 1460, .ts_ok = true,
					   .ws_ok = true, .wscale = 9,
					   .sack_ok = true }, out;
	uint64_t now = 1000 * S;
	uint32_t c = tusk_tcp_syncookie_make(&k, &t, 12345, &in, now);
	uint32_t ts = 0xabcdef00u | tusk_tcp_syncookie_ts_bits(&in);

	assert_int_equal(in.mss, 1460);
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t, 12345, c, true, ts,
						  &out, now + 3 * S), 0);
	assert_int_equal(out.mss, 1460);
	assert_true(out.ts_ok && out.ws_ok && out.sack_ok);
	assert_int_equal(out.wscale, 9);
	/* One period later still good (RFC 4987: bounded lifetime). */
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t, 12345, c, true, ts,
			 &out, now + TUSK_TCP_COOKIE_PERIOD_NS), 0);
}

static void
test_mss_rounding_and_no_ts(void **state)
{
	struct tusk_tcp_key k = tusk_tcp_key_derive(42, 1);
	struct tusk_tcp_tuple t = tuple(40001);
	struct tusk_tcp_cookie_opts in = { .mss = 9000 }, out;
	uint32_t c = tusk_tcp_syncookie_make(&k, &t, 7, &in, 0);

	assert_int_equal(in.mss, 8960);  /* the largest table entry <= 9000 */
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t, 7, c, false, 0, &out,
						  0), 0);
	assert_int_equal(out.mss, 8960);
	assert_false(out.ts_ok || out.ws_ok || out.sack_ok);
	in.mss = 100;                     /* below the table: smallest */
	tusk_tcp_syncookie_make(&k, &t, 7, &in, 0);
	assert_int_equal(in.mss, 536);
}

static void
test_rejections(void **state)
{
	struct tusk_tcp_key k = tusk_tcp_key_derive(42, 1), other =
		tusk_tcp_key_derive(43, 1);
	struct tusk_tcp_tuple t = tuple(40002), t2 = tuple(40003);
	struct tusk_tcp_cookie_opts in = { .mss = 1460, .ts_ok = true,
					   .sack_ok = true }, out;
	uint64_t now = 500 * S;
	uint32_t c = tusk_tcp_syncookie_make(&k, &t, 99, &in, now);
	uint32_t ts = tusk_tcp_syncookie_ts_bits(&in);
	unsigned int accepted = 0;

	/* Expired: two periods on. */
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t, 99, c, true, ts,
			 &out, now + 2 * TUSK_TCP_COOKIE_PERIOD_NS), -EINVAL);
	/* Another connection, another peer ISN, another secret. */
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t2, 99, c, true, ts,
						  &out, now), -EINVAL);
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t, 100, c, true, ts,
						  &out, now), -EINVAL);
	assert_int_equal(tusk_tcp_syncookie_check(&other, &t, 99, c, true, ts,
						  &out, now), -EINVAL);
	/* Options bits are under the MAC: turning SACK off is detected. */
	assert_int_equal(tusk_tcp_syncookie_check(&k, &t, 99, c, true,
			 ts ^ 0x10, &out, now), -EINVAL);
	/* Forged: every single-bit flip of the cookie fails. */
	for (int b = 0; b < 32; b++)
		if (tusk_tcp_syncookie_check(&k, &t, 99, c ^ (1u << b), true,
					     ts, &out, now) == 0)
			accepted++;
	assert_int_equal(accepted, 0);
	/* Blind guessing: 2^24 MAC values; 20000 random tries all fail
	 * (expected successes ~0.001). */
	uint32_t x = 0x12345678u;
	for (int i = 0; i < 20000; i++) {
		x = x * 1664525u + 1013904223u;
		if (tusk_tcp_syncookie_check(&k, &t, 99, x, true, ts, &out,
					     now) == 0 && x != c)
			accepted++;
	}
	assert_int_equal(accepted, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test(test_valid_roundtrip),
		cmocka_unit_test(test_mss_rounding_and_no_ts),
		cmocka_unit_test(test_rejections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
