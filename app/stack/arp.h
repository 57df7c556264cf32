/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for IPv4 over Ethernet: answers requests for our addresses,
 * resolves next hops with a small cache, holds a few frames per unresolved
 * neighbour, and announces our addresses at start (RFC 5227 section 3).
 */
#ifndef TUSK_ARP_H
#define TUSK_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;

/* A DTN talks to a handful of neighbours (its gateway, a few peers on the
 * same segment); 256 entries leave room for a busy lab subnet. Power of two
 * for the hash. */
#define TUSK_ARP_TABLE_SIZE 256
/* Frames held per unresolved neighbour. RFC 1122 2.3.2.2 asks for at least
 * one; a connection's SYN plus a few retransmissions fit in 4. */
#define TUSK_ARP_PENDING_MAX 4
/* Requests sent before giving up on a neighbour (like Linux's mcast_solicit 3). */
#define TUSK_ARP_MAX_REQUESTS 3
/* Interval between requests for the same neighbour (RFC 1122 2.3.2.1: at
 * most one per second). */
#define TUSK_ARP_RETRY_NS (1000ull * 1000 * 1000)
/* Default lifetime of a resolved entry; refreshed whenever the neighbour
 * speaks ARP to us. */
#define TUSK_ARP_DEFAULT_TIMEOUT_NS (300ull * 1000 * 1000 * 1000)

enum tusk_arp_state {
	TUSK_ARP_FREE = 0,
	TUSK_ARP_INCOMPLETE, /* request sent, frames may be waiting */
	TUSK_ARP_REACHABLE,
};

struct tusk_arp_entry {
	rte_be32_t ip;
	uint8_t state;        /* enum tusk_arp_state */
	uint8_t requests;     /* requests sent while INCOMPLETE */
	uint8_t n_pending;
	uint16_t iface;
	struct rte_ether_addr mac;
	uint64_t updated;     /* when resolved/refreshed, or first asked */
	uint64_t next_retry;  /* INCOMPLETE: when to ask again */
	struct rte_mbuf *pending[TUSK_ARP_PENDING_MAX];
};

struct tusk_arp {
	uint64_t timeout_ns;
	unsigned int n_incomplete; /* entries with a retry timer */
	struct tusk_arp_entry table[TUSK_ARP_TABLE_SIZE];
};

void tusk_arp_init(struct tusk_arp *arp, uint64_t timeout_ns);
/* Free frames still waiting for resolution. */
void tusk_arp_fini(struct tusk_arp *arp);

/* Handle an ARP frame; m->data points past the Ethernet header. */
void tusk_arp_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
		    uint64_t now);

/*
 * Send an IPv4 packet (m->data at the IP header) to `next_hop` on `iface`:
 * prepends the Ethernet header and queues it when the neighbour is known;
 * otherwise holds it and sends an ARP request. Takes ownership of m.
 */
void tusk_arp_output(struct tusk_stack *st, uint16_t iface,
		     rte_be32_t next_hop, struct rte_mbuf *m, uint64_t now);

/* Announce our address on `iface` (gratuitous ARP request). */
void tusk_arp_announce(struct tusk_stack *st, uint16_t iface);

/* Retries and expiry due at `now`. */
void tusk_arp_poll(struct tusk_stack *st, uint64_t now);

/* Earliest retry time, UINT64_MAX if none pending. Expiry is lazy and needs
 * no timer. */
uint64_t tusk_arp_next_event(const struct tusk_arp *arp);

#endif /* TUSK_ARP_H */
