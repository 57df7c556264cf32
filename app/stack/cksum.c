/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The raw Internet-checksum sum (RFC 1071) of a flat buffer, fast.
 *
 * A one's-complement sum of 16-bit words equals the sum of 32-bit words
 * folded to 16 bits (RFC 1071 §2(C): any word size, then fold), so the
 * loops add 32-bit words into 64-bit lanes that cannot overflow for any
 * buffer under 16 GiB, 16, eight or four words at a time, and fold once at
 * the end. DPDK 22.11's __rte_raw_cksum adds one 16-bit word per step:
 * 3-5 GB/s here, against ~25 GB/s for the SSE2 loop, ~40 for AVX2 and
 * 60-75 for AVX-512 over a 9000-byte frame (tests/bench/run-stack.sh
 * prints them) - at tens of Gbit/s that is the difference between the
 * checksum taking most of a core and a small part of it. Masking and
 * shifting instead of unpacking measured slower here.
 *
 * x86-64: SSE2 always, AVX-512 or AVX2 chosen once at load time when the
 * CPU has it (GNU ifunc). Elsewhere a portable four-lane loop that compilers
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

/* 128 bytes a step in four 512-bit accumulators: about 1.5x the AVX2 loop
 * on the Xeons here (tests/bench/run-stack.sh). */
__attribute__((target("avx512f"))) uint32_t
tusk_cksum_raw_avx512(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	__m512i z, a0, a1, a2, a3;
	size_t i = 0;

	if (len < 128) /* a header: no wide registers to set up and reduce */
		return len >= 64 ? tusk_cksum_raw_avx2(buf, len) :
				   tusk_cksum_raw_sse2(buf, len);
	z = _mm512_setzero_si512();
	a0 = a1 = a2 = a3 = z;
	for (; i + 128 <= len; i += 128) {
		__m512i x = _mm512_loadu_si512((const void *)(p + i));
		__m512i y = _mm512_loadu_si512((const void *)(p + i + 64));

		a0 = _mm512_add_epi64(a0, _mm512_unpacklo_epi32(x, z));
		a1 = _mm512_add_epi64(a1, _mm512_unpackhi_epi32(x, z));
		a2 = _mm512_add_epi64(a2, _mm512_unpacklo_epi32(y, z));
		a3 = _mm512_add_epi64(a3, _mm512_unpackhi_epi32(y, z));
	}
	a0 = _mm512_add_epi64(_mm512_add_epi64(a0, a1),
			      _mm512_add_epi64(a2, a3));
	/* up to 127 bytes left (all of a header): the narrower loops take
	 * them without another call in between */
	return fold64((uint64_t)(len - i >= 64 ?
				 tusk_cksum_raw_avx2(p + i, len - i) :
				 tusk_cksum_raw_sse2(p + i, len - i)) +
		      (uint64_t)_mm512_reduce_add_epi64(a0));
}

typedef uint32_t (*cksum_raw_fn)(const void *, size_t);

/* Runs once, when the dynamic linker binds tusk_cksum_raw: during
 * relocation, before any constructor, so before the sanitizer runtimes
 * map their shadow memory. Instrumented, it faulted at its first load
 * (-Db_sanitize=address,undefined, tests/run's second build). */
__attribute__((no_sanitize("address", "undefined")))
static cksum_raw_fn
cksum_raw_resolve(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return tusk_cksum_raw_avx512;
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
