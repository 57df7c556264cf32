/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C (Castagnoli, RFC 3720 B.4): the per-block check of file data.
 *
 * Computed with the SSE4.2 crc32 instruction through DPDK's rte_hash_crc()
 * (its x86 default is CRC32_SSE42_x64, 8 bytes per instruction; the
 * software table is the same polynomial where SSE4.2 is missing), so a
 * block check costs a small fraction of the copy that brought the bytes.
 *
 * Values are the standard CRC32C (initial ~0, final xor ~0): pass 0 to
 * start, and the previous result to continue over more bytes, so
 * tusk_crc32c(b, n, tusk_crc32c(a, m, 0)) is the CRC of a then b.
 */
#ifndef TUSK_CRC32C_H
#define TUSK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* CRC32C of `len` bytes at `buf`, continuing from `crc` (0 to start). */
uint32_t tusk_crc32c(const void *buf, size_t len, uint32_t crc);

/* CRC32C of `len` bytes of the chain `m` from byte `off` of the packet,
 * continuing from `crc`. The range must lie within the packet; bytes past
 * its end are not counted. */
uint32_t tusk_crc32c_mbuf(const struct rte_mbuf *m, uint32_t off,
			  uint32_t len, uint32_t crc);

#endif /* TUSK_CRC32C_H */
