/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ADLER-32 (RFC 1950 8.2, the grid's default checksum: FTS, gfal2,
 * dCache, XRootD) of buffers and mbuf chains, and the ADLER-32 of two
 * pieces joined, so that a fetch computes it per block on the lcore as
 * the bytes arrive (ISA-L's isal_adler32(): ~18 GB/s over 8960-byte
 * buffers here, on bytes still in cache from the rx copy) and folds the
 * blocks in file order when they are all on disk (http_fetch_verify.c).
 *
 * Values are the standard ones: 1 for no bytes; pass 1 to start and the
 * previous result to continue.
 */
#ifndef TUSK_ADLER32_H
#define TUSK_ADLER32_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* ADLER-32 of no bytes. */
#define TUSK_ADLER32_INIT 1u

/* ADLER-32 of `len` bytes at `buf`, continuing from `adler`. */
uint32_t tusk_adler32(const void *buf, size_t len, uint32_t adler);

/* ADLER-32 of `len` bytes of the chain `m` from byte `off` of the
 * packet, continuing from `adler`; bytes past the packet's end are not
 * counted. */
uint32_t tusk_adler32_mbuf(const struct rte_mbuf *m, uint32_t off,
			   uint32_t len, uint32_t adler);

/* ADLER-32 of A then B from adler_a (of A) and adler_b (of B, len_b
 * bytes), without the bytes. */
uint32_t tusk_adler32_combine(uint32_t adler_a, uint32_t adler_b,
			      uint64_t len_b);

#endif /* TUSK_ADLER32_H */
