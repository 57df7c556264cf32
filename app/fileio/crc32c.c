/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C with the hardware instruction (see crc32c.h).
 *
 * The SSE4.2 crc32 instruction has a latency of 3 cycles and a
 * throughput of 1: one dependent stream runs at a third of what the unit
 * can do (~7 GB/s here, rte_hash_crc() ~5 GB/s with its per-call
 * dispatch). So buffers are cut into chunks of three lanes of L bytes
 * hashed together (~20 GB/s), and the lanes are joined with
 *   crc(A || B) = crc(A) * x^(8 |B|) mod P  xor  crc(B)
 * on the raw register (linearity of CRCs; zlib's crc32_combine() rests
 * on the same identity). The multiplication by the constant x^(8L) is
 * four table look-ups; tables exist for two lane sizes, built once.
 *
 * Registers here are raw (no initial or final inversion): the standard
 * value is ~reg(~crc), which also chains from a previous result.
 * Without SSE4.2 (not a target of this build: -march=corei7 has it),
 * DPDK's rte_hash_crc() computes the same register in software.
 */
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "crc32c.h"

#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

/* CRC32C polynomial, bit-reflected (RFC 3720 B.4: 0x1EDC6F41). */
#define CRC32C_POLY_REFLECTED 0x82F63B78u

/* Lane sizes: 2 KiB lanes for the bulk (6 KiB per join), 256-byte lanes
 * for what is left, so a 16 KiB mbuf, a 8960-byte jumbo segment and a
 * 1448-byte one are all hashed three lanes at a time but for <768
 * bytes. Each needs 4 KiB of tables. */
#define LANE_BIG 2048u
#define LANE_SMALL 256u

struct shift_table {
	uint32_t t[4][256];
};

static struct shift_table shift_big, shift_small;

/* a * b modulo P, both bit-reflected polynomials (bit 31 is x^0). */
static uint32_t
mult_mod_p(uint32_t a, uint32_t b)
{
	uint32_t p = 0;

	for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
		if (a & m)
			p ^= b;
		b = (b & 1) ? (b >> 1) ^ CRC32C_POLY_REFLECTED : b >> 1;
	}
	return p;
}

/* x^(8 * bytes) mod P, by squaring and multiplying. */
static uint32_t
x_pow_bytes(uint32_t bytes)
{
	uint32_t r = 1u << 31, sq = 1u << 30; /* x^0, x^1 */

	for (uint64_t n = 8ull * bytes; n != 0; n >>= 1) {
		if (n & 1)
			r = mult_mod_p(r, sq);
		sq = mult_mod_p(sq, sq);
	}
	return r;
}

static void
shift_table_init(struct shift_table *st, uint32_t lane)
{
	uint32_t k = x_pow_bytes(lane);

	for (uint32_t j = 0; j < 4; j++)
		for (uint32_t b = 0; b < 256; b++)
			st->t[j][b] = mult_mod_p(k, b << (8 * j));
}

RTE_INIT(crc32c_tables_init)
{
	shift_table_init(&shift_big, LANE_BIG);
	shift_table_init(&shift_small, LANE_SMALL);
}

/* reg * x^(8 * lane) mod P through the lane's table. */
static inline uint32_t
shift(const struct shift_table *st, uint32_t reg)
{
	return st->t[0][reg & 0xff] ^ st->t[1][(reg >> 8) & 0xff] ^
	       st->t[2][(reg >> 16) & 0xff] ^ st->t[3][reg >> 24];
}

#ifdef __SSE4_2__
static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* One chunk of three lanes of `lane` bytes. */
static inline uint32_t
three_lanes(uint32_t reg, const uint8_t *p, uint32_t lane,
	    const struct shift_table *st)
{
	uint64_t a = reg, b = 0, c = 0;

	for (uint32_t i = 0; i < lane; i += 8) {
		a = _mm_crc32_u64(a, load64(p + i));
		b = _mm_crc32_u64(b, load64(p + lane + i));
		c = _mm_crc32_u64(c, load64(p + 2 * lane + i));
	}
	return shift(st, shift(st, (uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)c;
}

static uint32_t
crc_reg(uint32_t reg, const uint8_t *p, size_t len)
{
	uint64_t r;

	for (; len >= 3 * LANE_BIG; p += 3 * LANE_BIG, len -= 3 * LANE_BIG)
		reg = three_lanes(reg, p, LANE_BIG, &shift_big);
	for (; len >= 3 * LANE_SMALL; p += 3 * LANE_SMALL, len -= 3 * LANE_SMALL)
		reg = three_lanes(reg, p, LANE_SMALL, &shift_small);
	r = reg;
	for (; len >= 8; p += 8, len -= 8)
		r = _mm_crc32_u64(r, load64(p));
	reg = (uint32_t)r;
	for (; len > 0; p++, len--)
		reg = _mm_crc32_u8(reg, *p);
	return reg;
}
#else
static uint32_t
crc_reg(uint32_t reg, const uint8_t *p, size_t len)
{
	/* rte_hash_crc() takes a 32-bit length */
	while (len > 0) {
		uint32_t part = len > (1u << 30) ? (1u << 30) : (uint32_t)len;

		reg = rte_hash_crc(p, part, reg);
		p += part;
		len -= part;
	}
	return reg;
}
#endif

uint32_t
tusk_crc32c(const void *buf, size_t len, uint32_t crc)
{
	return ~crc_reg(~crc, buf, len);
}

uint32_t
tusk_crc32c_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		 uint32_t crc)
{
	uint32_t reg = ~crc;

	while (m != NULL && off >= rte_pktmbuf_data_len(m)) {
		off -= rte_pktmbuf_data_len(m);
		m = m->next;
	}
	while (m != NULL && len > 0) {
		uint32_t seglen = rte_pktmbuf_data_len(m) - off;

		if (seglen > len)
			seglen = len;
		reg = crc_reg(reg, rte_pktmbuf_mtod_offset(m, const uint8_t *,
							   off), seglen);
		len -= seglen;
		off = 0;
		m = m->next;
	}
	return ~reg;
}
