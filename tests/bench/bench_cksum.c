/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet-checksum throughput: DPDK 22.11's __rte_raw_cksum against
 * tusk_cksum_raw (and each of its variants) over the payload sizes the
 * stack sums: a header, a 1460 and an 8960-byte segment, a 64 KiB TSO
 * burst. The buffer stays in L1/L2, as a just-received or just-built
 * frame does. Printed, not asserted (test_cksum checks the values).
 *
 *   tusk-bench-cksum [SECONDS_PER_FIGURE]   (default 0.3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "cksum.h"
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
	free(buf);
	return 0;
}
