/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet-checksum throughput: DPDK 22.11's __rte_raw_cksum against
 * tusk_cksum_raw (and each of its variants) over the payload sizes the
 * stack sums: a header, a 1460 and an 8960-byte segment, a 64 KiB TSO
 * burst. The buffer stays in L1/L2, as a just-received or just-built
 * frame does. Then the two file checksums a fetch computes on the lcore
 * per received segment (app/fileio: CRC32C for the resume record and
 * crc32c, ADLER-32 for adler32, both ISA-L) and what folding one 8 MiB
 * block into the file's value costs. Printed, not asserted (test_cksum
 * and test_digest_algs check the values).
 *
 *   tusk-bench-cksum [SECONDS_PER_FIGURE]   (default 0.3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "adler32.h"
#include "cksum.h"
#include "crc32c.h"
#include "testenv.h"

typedef uint32_t (*raw_fn)(const void *, size_t);

static uint32_t
dpdk_raw(const void *buf, size_t len)
{
	return __rte_raw_cksum(buf, len, 0);
}

/* GB/s of `fn` over `len` bytes at offset 1 (odd, as a TCP payload after
 * an odd-length option block can be) for about `secs`. */
static double
rate(raw_fn fn, const uint8_t *buf, size_t len, double secs)
{
	volatile uint32_t sink = 0;
	uint64_t bytes = 0;
	double t0 = tusk_testenv_now_s(), t;

	do {
		for (int i = 0; i < 256; i++) {
			sink += fn(buf + 1, len);
			/* keep the call in the loop */
			__asm__ volatile("" ::: "memory");
		}
		bytes += 256 * (uint64_t)len;
		t = tusk_testenv_now_s() - t0;
	} while (t < secs);
	(void)sink;
	return (double)bytes / t / 1e9;
}

static uint32_t
crc32c_fn(const void *buf, size_t len)
{
	return tusk_crc32c(buf, len, 0);
}

static uint32_t
adler32_fn(const void *buf, size_t len)
{
	return tusk_adler32(buf, len, TUSK_ADLER32_INIT);
}

/* The fetch's per-segment file sums, and one fold of an 8 MiB block. */
static void
file_sums(const uint8_t *buf, const size_t *lens, size_t n, double secs)
{
	volatile uint32_t sink = 0;
	uint64_t folds = 0;
	double t0, t;

	for (size_t l = 0; l < n; l++)
		printf("len %5zu: crc32c %6.1f GB/s  adler32 %6.1f GB/s\n",
		       lens[l], rate(crc32c_fn, buf, lens[l], secs),
		       rate(adler32_fn, buf, lens[l], secs));
	t0 = tusk_testenv_now_s();
	do {
		for (int i = 0; i < 256; i++) {
			sink = tusk_crc32c_combine(sink, (uint32_t)i, 8u << 20);
			sink = tusk_adler32_combine(sink, (uint32_t)i,
						    8u << 20);
		}
		folds += 256;
		t = tusk_testenv_now_s() - t0;
	} while (t < secs);
	printf("fold of one 8 MiB block (crc32c + adler32): %.2f us\n",
	       t / (double)folds * 1e6);
}

int
main(int argc, char **argv)
{
	static const size_t lens[] = {40, 1460, 8960, 65536};
	static const struct {
		const char *name;
		raw_fn fn;
	} fns[] = {
		{"tusk_cksum_raw", tusk_cksum_raw},
		{"generic", tusk_cksum_raw_generic},
#if defined(__x86_64__)
		{"sse2", tusk_cksum_raw_sse2},
		{"avx2", tusk_cksum_raw_avx2},
		{"avx512", tusk_cksum_raw_avx512},
#endif
	};
	double secs = argc > 1 ? atof(argv[1]) : 0.3;
	uint8_t *buf = malloc(65536 + 64);

	if (buf == NULL || secs <= 0) {
		fprintf(stderr, "usage: tusk-bench-cksum [SECONDS_PER_FIGURE]\n");
		return 2;
	}
	for (size_t i = 0; i < 65536 + 64; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
#if defined(__x86_64__)
	__builtin_cpu_init();
#endif
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		double base = rate(dpdk_raw, buf, lens[l], secs);

		printf("len %5zu: dpdk %6.1f GB/s", lens[l], base);
		for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
			double r;

#if defined(__x86_64__)
			if ((fns[f].fn == tusk_cksum_raw_avx2 &&
			     !__builtin_cpu_supports("avx2")) ||
			    (fns[f].fn == tusk_cksum_raw_avx512 &&
			     !__builtin_cpu_supports("avx512f")))
				continue;
#endif
			r = rate(fns[f].fn, buf, lens[l], secs);
			printf("  %s %6.1f (%.1fx)", fns[f].name, r, r / base);
		}
		printf("\n");
	}
	file_sums(buf, lens, sizeof(lens) / sizeof(lens[0]), secs);
	free(buf);
	return 0;
}
