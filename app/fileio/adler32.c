/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ADLER-32 (see adler32.h).
 *
 * RFC 1950: with the bytes d_1 .. d_n, A = 1 + sum d_i and
 * B = sum over i of (1 + d_1 + ... + d_i) = n + sum (n - i + 1) d_i, both
 * modulo 65521, the value B << 16 | A. For A (m bytes) then B (n bytes):
 *   A_ab = A_a + A_b - 1
 *   B_ab = B_a + B_b + n (A_a - 1)
 * since each of B's n running sums also counts A's bytes (A_a - 1), and
 * B_b already counts its own leading 1s.
 */
#include <isa-l/igzip_lib.h>

#include "adler32.h"
#include "mbuf_sum.h"

/* The largest prime below 2^16 (RFC 1950 8.2). */
#define ADLER_BASE 65521u

static uint32_t
adler_step(uint32_t adler, const uint8_t *p, size_t n)
{
	/* ISA-L's prototype takes a non-const buffer; it only reads */
	return isal_adler32(adler, (const unsigned char *)(uintptr_t)p, n);
}

uint32_t
tusk_adler32(const void *buf, size_t len, uint32_t adler)
{
	return adler_step(adler, buf, len);
}

uint32_t
tusk_adler32_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		  uint32_t adler)
{
	return tusk_mbuf_sum(m, off, len, adler, adler_step);
}

uint32_t
tusk_adler32_combine(uint32_t adler_a, uint32_t adler_b, uint64_t len_b)
{
	uint64_t a_a = adler_a & 0xffff, b_a = adler_a >> 16;
	uint64_t a_b = adler_b & 0xffff, b_b = adler_b >> 16;
	uint64_t n = len_b % ADLER_BASE;
	/* A_a - 1 may be -1 (A_a = 0 mod 65521): add the base first */
	uint64_t a = (a_a + a_b + ADLER_BASE - 1) % ADLER_BASE;
	uint64_t b = (b_a + b_b + n * ((a_a + ADLER_BASE - 1) % ADLER_BASE)) %
		     ADLER_BASE;

	return (uint32_t)(b << 16 | a);
}
