/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP wire format (RFC 9293 section 3.1). Byte order is in the types:
 * rte_be* fields are network order, everything else host order.
 */
#ifndef TUSK_TCP_WIRE_H
#define TUSK_TCP_WIRE_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

struct tusk_tcp_hdr {
	rte_be16_t sport;
	rte_be16_t dport;
	rte_be32_t seq;
	rte_be32_t ack;
	uint8_t off;    /* data offset in 32-bit words, high nibble */
	uint8_t flags;  /* TUSK_TCP_F_* (CWR/ECE included, unused) */
	rte_be16_t wnd;
	rte_be16_t cksum;
	rte_be16_t urp;
} __rte_packed;

#define TUSK_TCP_F_FIN 0x01
#define TUSK_TCP_F_SYN 0x02
#define TUSK_TCP_F_RST 0x04
#define TUSK_TCP_F_PSH 0x08
#define TUSK_TCP_F_ACK 0x10
#define TUSK_TCP_F_URG 0x20

/* Header without options, and the most options a header can carry
 * (data offset is 4 bits of 32-bit words: 60 bytes). */
#define TUSK_TCP_HDR_LEN 20
#define TUSK_TCP_OPT_MAX 40

/* IPv4 (20) plus TCP (20) headers: MSS = MTU - this (RFC 9293 3.7.1). */
#define TUSK_TCP_IPV4_OVERHEAD 40

/* Largest window field before scaling (RFC 7323 section 2). */
#define TUSK_TCP_MAX_WIN 65535u
/* Largest shift (RFC 7323 section 2.3): 2^30 bytes of window. */
#define TUSK_TCP_MAX_WSCALE 14

static inline unsigned int
tusk_tcp_hdr_len(const struct tusk_tcp_hdr *th)
{
	return (unsigned int)(th->off >> 4) * 4;
}

#endif /* TUSK_TCP_WIRE_H */
