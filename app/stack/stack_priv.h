/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack's internals, shared by the files of app/stack/ only.
 * Services and mains use stack.h and tcp_api.h.
 */
#ifndef TUSK_STACK_PRIV_H
#define TUSK_STACK_PRIV_H

#include <rte_log.h>

#include "arp.h"
#include "stack.h"
#include "udp.h"

extern int tusk_stack_logtype;
#define STACK_LOG(level, ...)                                                 \
	rte_log(RTE_LOG_##level, tusk_stack_logtype, "stack: " __VA_ARGS__)

struct tusk_tcp;

/* A bound UDP port (udp.h); port 0: free slot. */
struct tusk_udp_binding {
	uint16_t port;
	tusk_udp_recv_fn fn;
	void *arg;
};

/* Frames waiting to go out on one interface. */
struct tusk_txq {
	uint16_t n;
	struct rte_mbuf *pkts[TUSK_TX_BURST];
};

struct tusk_stack {
	struct tusk_stack_conf conf;
	unsigned int n_ifaces;
	struct tusk_iface_conf ifaces[TUSK_STACK_MAX_IFACES];
	/* the per-frame state on lines of its own, whatever the size of
	 * what comes before (a shift of the conf measured 20% at 80 Gbit/s) */
	struct tusk_txq txq[TUSK_STACK_MAX_IFACES] __rte_cache_aligned;
	struct tusk_arp arp;
	struct tusk_tcp *tcp __rte_cache_aligned;
	uint16_t ip_id; /* next IPv4 identification (RFC 6864: any value) */
	struct tusk_udp_binding udp[TUSK_UDP_BINDS_MAX];
	/* ICMP error rate limit (icmp.c): tokens left, when last refilled */
	uint32_t icmp_err_tokens;
	uint64_t icmp_err_at;
	struct tusk_stack_stats stats __rte_cache_aligned;
};

static inline void
tusk_stack_drop(struct tusk_stack *st, enum tusk_drop reason,
		struct rte_mbuf *m)
{
	st->stats.drops[reason]++;
	rte_pktmbuf_free(m);
}

/* Queue a complete Ethernet frame for transmission on `iface`; flushed when
 * the burst fills and at the end of every input/poll call. */
void tusk_stack_xmit(struct tusk_stack *st, uint16_t iface,
		     struct rte_mbuf *m);

/* Allocate a frame for a reply/control packet from the stack's pool;
 * counts NO_MBUF and returns NULL when the pool is empty. */
struct rte_mbuf *tusk_stack_alloc(struct tusk_stack *st);

#endif /* TUSK_STACK_PRIV_H */
