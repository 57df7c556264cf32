/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP shared between the lcores' stacks. Each stack has its own ARP cache,
 * but ARP frames reach one queue only, so every ARP frame is copied to the
 * other lcores' inboxes (lcore_inbox.c) - except a request for our
 * address: every stack would answer it. Its sender is learnt by the stack
 * that answers; the others learn the peer from the reply to their own
 * request (RFC 826), which is shared.
 */
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "lcore.h"

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
			if (tusk_lcore_inbox_put(lc->peers[p], c) != 0) {
				rte_pktmbuf_free(c);
				lc->arp_share_drops++;
				continue;
			}
			lc->arp_shared++;
		}
	}
}
