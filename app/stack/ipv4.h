/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4: input validation (RFC 791, RFC 1122 section 3.2.1) and output with
 * routing to an interface and next hop.
 */
#ifndef TUSK_IPV4_H
#define TUSK_IPV4_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;

/* Default TTL for packets we originate (RFC 1700's recommended 64). */
#define TUSK_IPV4_DEFAULT_TTL 64

/*
 * Handle an IPv4 packet; m->data points at the IP header (Ethernet header
 * already removed). Takes ownership of m.
 */
void tusk_ipv4_input(struct tusk_stack *st, uint16_t iface,
		     struct rte_mbuf *m, uint64_t now);

/*
 * Pick the interface and next hop for `dst`. Fills *iface, *src (our
 * address on that interface) and *next_hop. Returns 0 or -ENETUNREACH.
 */
int tusk_ipv4_route(const struct tusk_stack *st, const struct tusk_addr *dst,
		    uint16_t *iface, struct tusk_addr *src,
		    struct tusk_addr *next_hop);

/*
 * Send an IPv4 packet. m->data points at the L4 header and the mbuf has
 * headroom for the IPv4 and Ethernet headers (RTE_PKTMBUF_HEADROOM does).
 * For TCP the checksum field is completed here: the pseudo-header sum with
 * RTE_MBUF_F_TX_TCP_CKSUM when the interface offloads it, the full checksum
 * in software otherwise. For TSO the caller sets RTE_MBUF_F_TX_TCP_SEG,
 * tso_segsz and l4_len. Takes ownership of m. Returns 0, or -errno when the
 * packet was dropped (and counted).
 */
int tusk_ipv4_output(struct tusk_stack *st, struct rte_mbuf *m,
		     const struct tusk_addr *src, const struct tusk_addr *dst,
		     uint8_t proto, uint64_t now);

/* first_sum of tusk_ipv4_output_summed(): not known, read the bytes. */
#define TUSK_IPV4_SUM_UNKNOWN UINT32_MAX

/*
 * tusk_ipv4_output() for a caller that knows first_sum, the unfolded sum
 * (tusk_cksum_raw) of the bytes in m's first segment with the checksum
 * field zero: the L4 header it has just written, summed as it wrote it
 * (tusk_cksum_put32). A software checksum then reads only the later
 * segments. Loading a header straight after storing it waits for the
 * stores to reach the cache line, which another core may hold (a zero-copy
 * peer read the mbuf's last use): 18% of a sender's time at MTU 1500 over
 * memif. The IPv4 header is written the same way.
 */
int tusk_ipv4_output_summed(struct tusk_stack *st, struct rte_mbuf *m,
			    const struct tusk_addr *src,
			    const struct tusk_addr *dst, uint8_t proto,
			    uint32_t first_sum, uint64_t now);
/* The same with a Type of Service byte (RFC 2474: DSCP << 2 | ECN) other
 * than 0, for services that measure per class (TWAMP's dscp=). */
int tusk_ipv4_output_tos(struct tusk_stack *st, struct rte_mbuf *m,
			 const struct tusk_addr *src,
			 const struct tusk_addr *dst, uint8_t proto,
			 uint32_t first_sum, uint8_t tos, uint64_t now);

#endif /* TUSK_IPV4_H */
