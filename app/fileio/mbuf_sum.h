/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A running 32-bit sum (CRC32C's register, ADLER-32) over a byte range
 * of an mbuf chain, segment by segment: the one walk crc32c.c and
 * adler32.c share.
 */
#ifndef TUSK_MBUF_SUM_H
#define TUSK_MBUF_SUM_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* One step of a sum: `acc` continued over `n` bytes at `p`. */
typedef uint32_t (*tusk_sum_step)(uint32_t acc, const uint8_t *p, size_t n);

/* `acc` continued by `step` over `len` bytes of the chain `m` from byte
 * `off` of the packet; bytes past the packet's end are not counted. */
static inline uint32_t
tusk_mbuf_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len,
	      uint32_t acc, tusk_sum_step step)
{
	while (m != NULL && off >= rte_pktmbuf_data_len(m)) {
		off -= rte_pktmbuf_data_len(m);
		m = m->next;
	}
	while (m != NULL && len > 0) {
		uint32_t seglen = rte_pktmbuf_data_len(m) - off;

		if (seglen > len)
			seglen = len;
		acc = step(acc, rte_pktmbuf_mtod_offset(m, const uint8_t *,
							off), seglen);
		len -= seglen;
		off = 0;
		m = m->next;
	}
	return acc;
}

#endif /* TUSK_MBUF_SUM_H */
