/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stack with one interface whose tx function captures frames, for tests
 * that feed crafted frames in and look at what comes out.
 *
 *   peer 10.0.0.1 (02:00:00:00:00:01)  <-->  stack 10.0.0.2/24 (02:00:00:00:00:02)
 */
#ifndef TUSK_HARNESS_H
#define TUSK_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "stack.h"

#define HARNESS_MAX_SENT 1024

#define HARNESS_PEER_IP RTE_IPV4(10, 0, 0, 1)
#define HARNESS_OUR_IP RTE_IPV4(10, 0, 0, 2)
#define HARNESS_GW_IP RTE_IPV4(10, 0, 0, 254)

struct tusk_harness {
	struct rte_mempool *pool;
	struct tusk_stack *st;
	struct rte_ether_addr our_mac, peer_mac;
	unsigned int n_sent;
	struct rte_mbuf *sent[HARNESS_MAX_SENT];
	uint16_t tx_accept; /* frames the fake driver takes per burst */
};

/* Start EAL (once) and build a fresh stack; returns 0 or -1. */
int tusk_harness_init(struct tusk_harness *h, const char *name);
void tusk_harness_fini(struct tusk_harness *h);
/* Free the captured frames. */
void tusk_harness_clear(struct tusk_harness *h);

/* An mbuf holding a copy of `len` bytes. */
struct rte_mbuf *tusk_harness_mbuf(struct tusk_harness *h, const void *bytes,
				   size_t len);
/* Feed one frame of `len` bytes to the stack at time `now`. */
void tusk_harness_input(struct tusk_harness *h, const void *frame, size_t len,
			uint64_t now);

/*
 * Write Ethernet (peer -> us) + IPv4 header (valid checksum, DF, TTL 64) +
 * payload into buf; returns the frame length. Host-order addresses.
 */
size_t tusk_harness_ipv4_frame(uint8_t *buf, uint32_t src, uint32_t dst,
			       uint8_t proto, const void *payload, size_t plen);

/* A bare ACK (no payload, valid checksums) from src:sport to dst:dport,
 * Ethernet to dst_mac, in buf (>= 54 bytes); returns the frame length. */
size_t tusk_harness_tcp_ack_frame(uint8_t *buf,
				  const struct rte_ether_addr *dst_mac,
				  uint32_t src, uint32_t dst, uint16_t sport,
				  uint16_t dport);

/* Teach the stack the peer's MAC (an ARP request from the peer). */
void tusk_harness_learn_peer(struct tusk_harness *h, uint64_t now);

#endif /* TUSK_HARNESS_H */
