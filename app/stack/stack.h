/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tusk's network stack: one instance per lcore, share-nothing.
 *
 * The stack is a library that does no I/O and reads no clock:
 *   - frames come in through tusk_stack_input() as a burst of mbufs;
 *   - frames leave through each interface's tx function pointer, in bursts;
 *   - time is the `now` argument (nanoseconds, any epoch, monotonic).
 * That lets tuskd drive it from DPDK rx/tx bursts and the TSC, lets the
 * simulator drive two instances over a virtual link in virtual time, and lets
 * unit tests and fuzzers feed it crafted frames.
 *
 * Call graph of the receive side:
 *   tusk_stack_input() -> eth demux -> tusk_arp_input()
 *                                   -> tusk_ipv4_input() -> tusk_icmp_input()
 *                                                        -> tusk_tcp_input()
 *                                                        -> tusk_udp_input()
 * and of the send side:
 *   tusk_tcp_*() / tusk_udp_send() / tusk_icmp_*()
 *       -> tusk_ipv4_output() -> tusk_arp_resolve()
 *       -> tusk_stack_xmit() -> iface->tx() in bursts
 */
#ifndef TUSK_STACK_H
#define TUSK_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "addr.h"
#include "stats.h"

/* One port (or port queue) the stack sends on. Enough for a DTN: a data
 * port or two and a management port. */
#define TUSK_STACK_MAX_IFACES 8

/* Frames gathered before the tx function is called: DPDK's usual burst. */
#define TUSK_TX_BURST 32

struct tusk_stack;

/*
 * Transmit a burst. Returns how many frames the driver took; the stack frees
 * the rest and counts them as TX_FULL drops.
 */
typedef uint16_t (*tusk_tx_fn)(void *arg, struct rte_mbuf **pkts, uint16_t n);

/* What the port does for us in hardware (negotiated by drivers/). */
#define TUSK_IFACE_OFFLOAD_IPV4_CKSUM (1u << 0) /* tx IPv4 header checksum */
#define TUSK_IFACE_OFFLOAD_TCP_CKSUM  (1u << 1) /* tx TCP checksum */
#define TUSK_IFACE_OFFLOAD_TSO        (1u << 2) /* tx TCP segmentation */
#define TUSK_IFACE_OFFLOAD_RX_CKSUM   (1u << 3) /* rx checksums verified */
#define TUSK_IFACE_OFFLOAD_UDP_CKSUM  (1u << 4) /* tx UDP checksum */

struct tusk_iface_conf {
	struct rte_ether_addr mac;
	struct tusk_addr addr;      /* our address on this link */
	uint8_t prefix_len;         /* on-link prefix, e.g. 24 */
	struct tusk_addr gateway;   /* family 0: no default route here */
	uint16_t mtu;               /* IP MTU, e.g. 1500 or 9000 */
	uint32_t offloads;          /* TUSK_IFACE_OFFLOAD_* */
	tusk_tx_fn tx;
	void *tx_arg;
	uint16_t port_id;           /* logs, stats, steered frames (m->port) */
	/* The pool the driver fills with received frames. TCP holds received
	 * data in its mbufs (out of order until a hole is repaired), so the
	 * receive window is bounded by it and out-of-order data is shed when
	 * it runs low (tcp_recv.c). NULL: frames come from elsewhere (tests,
	 * the simulator); only rcv_max bounds the window. */
	struct rte_mempool *rx_pool;
};

struct tusk_stack_conf {
	/* Pool for frames the stack makes itself (ARP, ICMP replies, ACKs,
	 * TCP headers). Data mbufs come from whoever sends them. */
	struct rte_mempool *pool;
	int socket_id;      /* NUMA node for the stack's own memory */
	uint64_t seed;      /* seeds ISN/ephemeral-port/cookie secrets */
	uint32_t max_conns; /* TCP connection table size (0: default) */
	uint64_t arp_timeout_ns; /* ARP cache lifetime (0: default, 300 s) */
	/*
	 * Stacks that share ports (one per worker lcore, each on its own
	 * queue) split the ephemeral ports into tcp_shares interleaved
	 * shares: this stack opens connections from local ports p with
	 * (p - 49152) % tcp_shares == tcp_share. A TCP segment to an
	 * ephemeral port of another share (the port's RSS or fan-out put a
	 * reply on the wrong queue) is handed over as received, Ethernet
	 * header included and m->port set, to steer(steer_arg, share, m),
	 * whose job is to feed it to that share's stack. tcp_shares 0 or 1:
	 * no steering (steer unused).
	 */
	uint16_t tcp_shares;
	uint16_t tcp_share;
	void (*steer)(void *arg, uint16_t share, struct rte_mbuf *frame);
	void *steer_arg;
};

/* Create a stack. Returns NULL on allocation failure or bad conf. */
struct tusk_stack *tusk_stack_create(const struct tusk_stack_conf *conf);
void tusk_stack_free(struct tusk_stack *st);

/*
 * Attach an interface. Returns its index (>= 0) or -errno. A gratuitous ARP
 * announcing the address goes out at once (RFC 5227 section 3).
 */
int tusk_stack_add_iface(struct tusk_stack *st,
			 const struct tusk_iface_conf *conf, uint64_t now);

/*
 * Feed a burst of frames received on interface `iface`. The stack takes
 * ownership of every mbuf. Replies are queued and flushed before return.
 */
void tusk_stack_input(struct tusk_stack *st, uint16_t iface,
		      struct rte_mbuf **pkts, uint16_t n, uint64_t now);

/*
 * Run timers (ARP expiry and retries, TCP retransmission, delayed ACK,
 * pacing) due at `now` and flush pending transmissions. Call it every loop
 * iteration; it is cheap when nothing is due.
 */
void tusk_stack_poll(struct tusk_stack *st, uint64_t now);

/* Hand every queued frame to the tx functions now, not at the end of the
 * next input/poll: for a service that timestamps what it sends outside
 * them (TWAMP's sender stamps each packet as it queues it). */
void tusk_stack_flush(struct tusk_stack *st);

/* Earliest time at which tusk_stack_poll() has work; UINT64_MAX if none.
 * The simulator jumps virtual time to it. */
uint64_t tusk_stack_next_event(const struct tusk_stack *st);

const struct tusk_stack_stats *tusk_stack_stats(const struct tusk_stack *st);
unsigned int tusk_stack_iface_count(const struct tusk_stack *st);
const struct tusk_iface_conf *tusk_stack_iface(const struct tusk_stack *st,
					       uint16_t iface);

/* One ARP cache entry as shown on the control socket. */
struct tusk_arp_entry_info {
	struct tusk_addr addr;
	struct rte_ether_addr mac;
	uint16_t iface;
	bool resolved;
	uint64_t age_ns;
};

/* Copy up to `max` ARP entries into `out`; returns the number copied. */
unsigned int tusk_stack_arp_dump(const struct tusk_stack *st,
				 struct tusk_arp_entry_info *out,
				 unsigned int max, uint64_t now);

#endif /* TUSK_STACK_H */
