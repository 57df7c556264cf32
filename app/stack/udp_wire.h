/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP wire format (RFC 768). Byte order is in the types: rte_be* fields
 * are network order.
 */
#ifndef TUSK_UDP_WIRE_H
#define TUSK_UDP_WIRE_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

struct tusk_udp_hdr {
	rte_be16_t sport;
	rte_be16_t dport;
	rte_be16_t len;   /* header and data, bytes (>= 8) */
	rte_be16_t cksum; /* 0: the sender computed none (RFC 768) */
} __rte_packed;

#define TUSK_UDP_HDR_LEN 8
/* IPv4 (20) plus UDP (8) headers: the largest datagram payload that fits
 * an MTU without fragments is MTU - this. */
#define TUSK_UDP_IPV4_OVERHEAD 28
/* Offset of the checksum field in the header. */
#define TUSK_UDP_CKSUM_OFF 6

_Static_assert(sizeof(struct tusk_udp_hdr) == TUSK_UDP_HDR_LEN,
	       "RFC 768 header");

#endif /* TUSK_UDP_WIRE_H */
