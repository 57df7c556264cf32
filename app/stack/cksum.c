/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The raw Internet-checksum sum (RFC 1071) of a flat buffer, fast.
 *
 * A one's-complement sum of 16-bit words equals the sum of 32-bit words
 * folded to 16 bits (RFC 1071 §2(C): any word size, then fold), so the
 * loops add 32-bit words into 64-bit lanes that cannot overflow for any
 * buffer under 16 GiB, eight or four words at a time, and fold once at
 * the end. DPDK 22.11's __rte_raw_cksum adds one 16-bit word per step:
 * 3-4.6 GB/s here, against 22-27 GB/s for the SSE2 loop and 30-40 GB/s
 * for AVX2 (tests/bench/run-stack.sh prints them) - at 9000-byte frames
 * and tens of Gbit/s that is the difference between the checksum taking
 * most of a core and a small part of it.
 *
 * x86-64: SSE2 always, AVX2 chosen once at load time when the CPU has it
 * (GNU ifunc). Elsewhere a portable four-lane loop that compilers
 * vectorise. Words are added in host order, as DPDK's helpers do; the
 * one's-complement sum commutes with byte swapping (RFC 1071 §2(B)), so
 * callers treat the result exactly like __rte_raw_cksum's.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cksum.h"

/* The 0-31 bytes after the vector loop, 4, 2 and 1 at a time. */
static inline uint64_t
sum_tail(const uint8_t *p, size_t len, uint64_t s)
{
	size_t i = 0;

	for (; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		s += w;
	}
	if (i + 2 <= len) {
		uint16_t w;

		memcpy(&w, p + i, 2);
		s += w;
		i += 2;
	}
	/* an odd last byte is the first byte of a word padded with zero:
	 * the low-order byte in host (little-endian) order */
	if (i < len) {
		uint16_t w = 0;

		memcpy(&w, p + i, 1);
		s += w;
	}
	return s;
}

static inline uint32_t
fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint32_t
tusk_cksum_raw_generic(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t a = 0, b = 0, c = 0, d = 0;
	size_t i = 0;

	for (; i + 16 <= len; i += 16) {
		uint32_t w[4];

		memcpy(w, p + i, sizeof(w));
		a += w[0];
		b += w[1];
		c += w[2];
		d += w[3];
	}
	return fold64(sum_tail(p + i, len - i, a + b + c + d));
}

#if defined(__x86_64__)
#include <immintrin.h>

uint32_t
tusk_cksum_raw_sse2(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	__m128i z = _mm_setzero_si128(), a0 = z, a1 = z, a2 = z, a3 = z;
	uint64_t lane[2];
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(p + i + 16));

		/* 32-bit words widened into 64-bit lanes */
		a0 = _mm_add_epi64(a0, _mm_unpacklo_epi32(x, z));
		a1 = _mm_add_epi64(a1, _mm_unpackhi_epi32(x, z));
		a2 = _mm_add_epi64(a2, _mm_unpacklo_epi32(y, z));
		a3 = _mm_add_epi64(a3, _mm_unpackhi_epi32(y, z));
	}
	a0 = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
	_mm_storeu_si128((__m128i *)lane, a0);
	return fold64(sum_tail(p + i, len - i, lane[0] + lane[1]));
}

__attribute__((target("avx2"))) uint32_t
tusk_cksum_raw_avx2(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	__m256i z = _mm256_setzero_si256(), a0 = z, a1 = z, a2 = z, a3 = z;
	uint64_t lane[4];
	size_t i = 0;

	for (; i + 64 <= len; i += 64) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
		__m256i y = _mm256_loadu_si256((const __m256i *)(p + i + 32));

		a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(x, z));
		a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(x, z));
		a2 = _mm256_add_epi64(a2, _mm256_unpacklo_epi32(y, z));
		a3 = _mm256_add_epi64(a3, _mm256_unpackhi_epi32(y, z));
	}
	a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1),
			      _mm256_add_epi64(a2, a3));
	_mm256_storeu_si256((__m256i *)lane, a0);
	/* up to 63 bytes left: the SSE2 loop takes 32 of them */
	return fold64((uint64_t)tusk_cksum_raw_sse2(p + i, len - i) + lane[0] +
		      lane[1] + lane[2] + lane[3]);
}

typedef uint32_t (*cksum_raw_fn)(const void *, size_t);

/* Runs once, when the dynamic linker binds tusk_cksum_raw. */
static cksum_raw_fn
cksum_raw_resolve(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return tusk_cksum_raw_avx2;
	return tusk_cksum_raw_sse2;
}

uint32_t tusk_cksum_raw(const void *buf, size_t len)
	__attribute__((ifunc("cksum_raw_resolve")));

#else

uint32_t
tusk_cksum_raw(const void *buf, size_t len)
{
	return tusk_cksum_raw_generic(buf, len);
}

#endif
