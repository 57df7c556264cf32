/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071) over mbuf chains.
 *
 * DPDK 22.11's rte_raw_cksum_mbuf() byte-swaps a segment's partial sum
 * after truncating it to 16 bits instead of folding it, so any chain with
 * an odd-length segment (scatter rx, or a header mbuf chained to payload at
 * an odd offset) gets a wrong sum. These helpers fold first; the unit tests
 * check them against a flat buffer.
 */
#ifndef TUSK_CKSUM_H
#define TUSK_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

/*
 * Unfolded sum (at most 32 bits; fold with __rte_raw_cksum_reduce) of
 * `len` bytes as 16-bit words in host order: the same value modulo 0xffff
 * as DPDK's __rte_raw_cksum(buf, len, 0), several times faster (cksum.c).
 */
uint32_t tusk_cksum_raw(const void *buf, size_t len);

/* The variants it chooses from, for tests and benchmarks. The x86-64 ones
 * exist only there; the AVX2 and AVX-512 ones must only be called if the
 * CPU has them. */
uint32_t tusk_cksum_raw_generic(const void *buf, size_t len);
#if defined(__x86_64__)
uint32_t tusk_cksum_raw_sse2(const void *buf, size_t len);
uint32_t tusk_cksum_raw_avx2(const void *buf, size_t len);
uint32_t tusk_cksum_raw_avx512(const void *buf, size_t len);
#endif

/*
 * Headers summed as they are written. Summing a header just built from
 * stores of other sizes makes each load wait until those stores, and every
 * older one still pending (cold mbuf lines), reach the cache: a load that
 * spans several stores cannot be forwarded from them. So headers are built
 * a 32-bit word at a time in registers, each stored once and added to a
 * 64-bit accumulator; nothing is read back.
 */

/* Store word w (network order, as it goes on the wire) at p; add it to *acc. */
static inline void
tusk_cksum_put32(void *p, rte_be32_t w, uint64_t *acc)
{
	memcpy(p, &w, sizeof(w));
	*acc += w;
}

/* The accumulator as tusk_cksum_raw() would have returned it: the same
 * value modulo 0xffff, in 32 bits (2^32 - 1 is a multiple of 0xffff). */
static inline uint32_t
tusk_cksum_acc_fold(uint64_t acc)
{
	acc = (acc & UINT32_MAX) + (acc >> 32);
	acc = (acc & UINT32_MAX) + (acc >> 32);
	return (uint32_t)acc;
}

/* Folded (not complemented) sum of `len` bytes from offset `off`.
 * The range must lie within the packet. */
static inline uint16_t
tusk_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0;

	while (m != NULL && off >= rte_pktmbuf_data_len(m)) {
		off -= rte_pktmbuf_data_len(m);
		m = m->next;
	}
	while (m != NULL && done < len) {
		uint32_t seglen = rte_pktmbuf_data_len(m) - off;
		uint32_t part;

		if (seglen > len - done)
			seglen = len - done;
		part = __rte_raw_cksum_reduce(tusk_cksum_raw(
			rte_pktmbuf_mtod_offset(m, const void *, off), seglen));
		/* A segment starting at an odd offset of the message has its
		 * bytes in the other halves of the 16-bit words. */
		if (done & 1)
			part = rte_bswap16((uint16_t)part);
		sum += part;
		done += seglen;
		off = 0;
		m = m->next;
	}
	return __rte_raw_cksum_reduce(sum);
}

/* Full TCP/UDP checksum of the L4 segment at `l4_off` with the IPv4
 * pseudo-header of `ip`, ready for the header field. */
static inline uint16_t
tusk_cksum_ipv4_l4(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		   uint32_t l4_off)
{
	uint32_t l4_len = rte_be_to_cpu_16(ip->total_length) -
			  rte_ipv4_hdr_len(ip);
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);
	uint16_t ck;

	sum += tusk_cksum_mbuf(m, l4_off, l4_len);
	ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	/* RFC 768: a computed zero is sent as all ones (UDP); harmless for
	 * TCP, whose receivers accept either form of zero. */
	return ck == 0 ? 0xffff : ck;
}

#endif /* TUSK_CKSUM_H */
