/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792): we answer echo requests (RFC 1122 3.2.2.6) and send
 * port unreachable for UDP datagrams nobody listens for (RFC 1122
 * 4.1.3.1), rate-limited as RFC 1812 4.3.2.8 and RFC 1122 3.2.2 ask.
 */
#ifndef TUSK_ICMP_H
#define TUSK_ICMP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;

/* m->data points at the ICMP header; takes ownership of m. */
void tusk_icmp_input(struct tusk_stack *st, uint16_t iface,
		     struct rte_mbuf *m, const struct tusk_addr *src,
		     uint64_t now);

/*
 * ICMP errors we send, all of them together: a token bucket of
 * TUSK_ICMP_ERR_BURST refilled at TUSK_ICMP_ERR_PER_SEC. RFC 1812
 * 4.3.2.8 asks for a limit so that a scan or a stream of datagrams to a
 * closed port cannot turn us into a packet source; Linux allows 1000/s
 * host-wide with a burst of 50, per-destination far fewer. 100/s is
 * plenty for a traceroute or an iperf3 client that sends a few
 * datagrams past the end of a test, and little next to a DTN's traffic.
 */
#define TUSK_ICMP_ERR_PER_SEC 100u
#define TUSK_ICMP_ERR_BURST 10u
/* An error quotes as much of the offending datagram as keeps it within
 * 576 bytes (RFC 1812 4.3.2.3; RFC 792 asks for the IP header and 8
 * bytes at least): 576 less the IPv4 (20) and ICMP (8) headers. */
#define TUSK_ICMP_ERR_QUOTE_MAX 548u

/*
 * Send destination unreachable, code 3 (port), to `to` about the datagram
 * in `orig` (data at its IP header; not consumed), from our address on
 * `iface`, unless the rate limit says no (counted as
 * icmp_unreach_limited).
 */
void tusk_icmp_port_unreach(struct tusk_stack *st, uint16_t iface,
			    const struct rte_mbuf *orig,
			    const struct tusk_addr *to, uint64_t now);

#endif /* TUSK_ICMP_H */
