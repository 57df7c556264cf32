/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP shared between the lcores' stacks (see tusk_lcore_arp_share in
 * lcore.h). The stacks are share-nothing, each with its own ARP cache,
 * but ARP frames reach one queue only:
 *
 *   lcore A: rx burst -> tusk_lcore_arp_offer() -> copy -> B's inbox ring
 *            -> its own stack, as usual
 *   lcore B: loop -> tusk_lcore_arp_drain() -> inbox -> B's stack
 *
 * A request for our address is not shared: every stack would answer it.
 * Its sender is learnt by the stack that answers; the others learn the
 * peer from the reply to their own request (RFC 826), which is shared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "lcore.h"

/* Frames taken from the inbox per loop iteration. */
#define ARP_DRAIN_BURST 32

int
tusk_lcore_arp_share(struct tusk_lcore *const *lcs, unsigned int n)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int i, j;

	for (i = 0; i < n && n > 1; i++) {
		struct tusk_lcore *lc = lcs[i];

		snprintf(name, sizeof(name), "tusk_arp%u", lc->lcore_id);
		lc->arp_inbox = rte_ring_create(name, TUSK_LCORE_ARP_INBOX,
						(int)rte_lcore_to_socket_id(
							lc->lcore_id),
						RING_F_SC_DEQ);
		lc->peers = calloc(n - 1, sizeof(*lc->peers));
		if (lc->arp_inbox == NULL || lc->peers == NULL)
			return -ENOMEM;
		for (j = 0; j < n; j++)
			if (lcs[j] != lc)
				lc->peers[lc->n_peers++] = lcs[j];
	}
	return 0;
}

/* Should the other lcores see this frame? */
static bool
arp_shareable(const struct tusk_lcore *lc, const struct tusk_lcore_queue *q,
	      const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *ah;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ah))
		return false;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP))
		return false;
	ah = (const struct rte_arp_hdr *)(eth + 1);
	return !(ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
		 ah->arp_data.arp_tip ==
		 tusk_stack_iface(lc->st, q->iface)->addr.v4);
}

void
tusk_lcore_arp_offer(struct tusk_lcore *lc, const struct tusk_lcore_queue *q,
		     struct rte_mbuf *const *pkts, uint16_t n)
{
	uint16_t i;
	unsigned int p;

	for (i = 0; i < n; i++) {
		if (!arp_shareable(lc, q, pkts[i]))
			continue;
		for (p = 0; p < lc->n_peers; p++) {
			struct rte_mbuf *c = rte_pktmbuf_copy(pkts[i],
							      pkts[i]->pool,
							      0, UINT32_MAX);

			if (c == NULL) {
				lc->arp_share_drops++;
				continue;
			}
			c->port = q->port_id;
			if (rte_ring_mp_enqueue(lc->peers[p]->arp_inbox,
						c) != 0) {
				rte_pktmbuf_free(c);
				lc->arp_share_drops++;
				continue;
			}
			lc->arp_shared++;
		}
	}
}

/* This lcore's interface on `port_id`, or -1. */
static int
arp_iface(const struct tusk_lcore *lc, uint16_t port_id)
{
	unsigned int i;

	for (i = 0; i < lc->n_queues; i++)
		if (lc->queues[i].port_id == port_id)
			return lc->queues[i].iface;
	return -1;
}

void
tusk_lcore_arp_drain(struct tusk_lcore *lc, uint64_t now)
{
	void *objs[ARP_DRAIN_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(lc->arp_inbox, objs, RTE_DIM(objs),
				      NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i];
		int iface = arp_iface(lc, m->port);

		if (iface < 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		tusk_stack_input(lc->st, (uint16_t)iface, &m, 1, now);
	}
}

void
tusk_lcore_arp_fini(struct tusk_lcore *lc)
{
	void *m;

	if (lc->arp_inbox != NULL) {
		while (rte_ring_sc_dequeue(lc->arp_inbox, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->arp_inbox);
		lc->arp_inbox = NULL;
	}
	free(lc->peers);
	lc->peers = NULL;
	lc->n_peers = 0;
}
