/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C (Castagnoli, RFC 3720 B.4): the per-block check of file data,
 * and the crc32c digest of a fetched file, folded from its blocks'
 * CRCs on the fetching lcore (http_fetch_verify.c).
 *
 * Computed with ISA-L's crc32_iscsi() (carry-less multiplication, ~60
 * GB/s here: crc32c.c), so a block check costs a small fraction of the
 * copy that brought the bytes.
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

/* The CRC32C of A then B from crc_a (of A) and crc_b (of B, len_b
 * bytes), without the bytes: how a file's crc32c is folded from its
 * blocks' CRCs in order. */
uint32_t tusk_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

#endif /* TUSK_CRC32C_H */
