/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C with the hardware instruction (see crc32c.h).
 *
 * rte_hash_crc() computes the raw CRC32C register (no initial or final
 * inversion): the standard value is ~rte_hash_crc(buf, len, ~crc), which
 * also chains, since the register after a part is ~(its standard CRC).
 * rte_hash_crc.h keeps its algorithm choice per translation unit and
 * picks CRC32_SSE42_x64 in a constructor on x86; this file is that unit.
 */
#include <rte_hash_crc.h>

#include "crc32c.h"

/* rte_hash_crc() takes a 32-bit length: cut larger buffers. */
#define CRC32C_MAX_PART (1u << 30)

uint32_t
tusk_crc32c(const void *buf, size_t len, uint32_t crc)
{
	const uint8_t *p = buf;
	uint32_t reg = ~crc;

	while (len > 0) {
		uint32_t part = len > CRC32C_MAX_PART ? CRC32C_MAX_PART :
							(uint32_t)len;

		reg = rte_hash_crc(p, part, reg);
		p += part;
		len -= part;
	}
	return ~reg;
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
		reg = rte_hash_crc(rte_pktmbuf_mtod_offset(m, const void *, off),
				   seglen, reg);
		len -= seglen;
		off = 0;
		m = m->next;
	}
	return ~reg;
}
