/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames one lcore hands to another (see tusk_lcore_team in lcore.h). The
 * stacks are share-nothing, but a port's RSS or af_packet's fan-out picks
 * the queue a frame lands on, not the stack that wants it:
 *
 *   lcore A: rx burst -> tusk_lcore_arp_offer()   ARP: a copy to everyone
 *                     -> stack -> tusk_lcore_steer()   TCP to B's port
 *            -> tusk_lcore_inbox_put() -> B's inbox ring (multi-producer)
 *   lcore B: loop -> tusk_lcore_inbox_drain() -> B's stack, as if received
 *
 * A frame keeps m->port, so B feeds it to its own interface on that port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "lcore.h"

/* Frames taken from the inbox per loop iteration. */
#define INBOX_DRAIN_BURST 64

int
tusk_lcore_team(struct tusk_lcore *const *lcs, unsigned int n)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int i, j;

	for (i = 0; i < n && n > 1; i++) {
		struct tusk_lcore *lc = lcs[i];

		snprintf(name, sizeof(name), "tusk_inbox%u", lc->lcore_id);
		lc->inbox = rte_ring_create(name, TUSK_LCORE_INBOX,
					    (int)rte_lcore_to_socket_id(
						    lc->lcore_id),
					    RING_F_SC_DEQ);
		lc->peers = calloc(n - 1, sizeof(*lc->peers));
		lc->team = calloc(n, sizeof(*lc->team));
		if (lc->inbox == NULL || lc->peers == NULL || lc->team == NULL)
			return -ENOMEM;
		for (j = 0; j < n; j++) {
			lc->team[j] = lcs[j];
			if (lcs[j] != lc)
				lc->peers[lc->n_peers++] = lcs[j];
		}
		lc->team_n = n;
	}
	return 0;
}

int
tusk_lcore_inbox_put(struct tusk_lcore *to, struct rte_mbuf *m)
{
	return rte_ring_mp_enqueue(to->inbox, m);
}

void
tusk_lcore_steer(void *arg, uint16_t share, struct rte_mbuf *m)
{
	struct tusk_lcore *lc = arg;

	if (share >= lc->team_n ||
	    tusk_lcore_inbox_put(lc->team[share], m) != 0) {
		/* a full inbox is a full rx ring: TCP sends it again */
		rte_pktmbuf_free(m);
		lc->steer_drops++;
	}
}

/* This lcore's interface on `port_id`, or -1. */
static int
port_iface(const struct tusk_lcore *lc, uint16_t port_id)
{
	unsigned int i;

	for (i = 0; i < lc->n_queues; i++)
		if (lc->queues[i].port_id == port_id)
			return lc->queues[i].iface;
	return -1;
}

void
tusk_lcore_inbox_drain(struct tusk_lcore *lc, uint64_t now)
{
	struct rte_mbuf *pkts[INBOX_DRAIN_BURST];
	unsigned int n, i, run;

	n = rte_ring_sc_dequeue_burst(lc->inbox, (void **)pkts, RTE_DIM(pkts),
				      NULL);
	/* runs of frames from one port go to the stack as one burst */
	for (i = 0; i < n; i += run) {
		int iface = port_iface(lc, pkts[i]->port);

		for (run = 1; i + run < n && pkts[i + run]->port ==
		     pkts[i]->port; run++)
			;
		if (iface < 0)
			rte_pktmbuf_free_bulk(&pkts[i], run);
		else
			tusk_stack_input(lc->st, (uint16_t)iface, &pkts[i],
					 (uint16_t)run, now);
	}
}

void
tusk_lcore_inbox_fini(struct tusk_lcore *lc)
{
	void *m;

	if (lc->inbox != NULL) {
		while (rte_ring_sc_dequeue(lc->inbox, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->inbox);
		lc->inbox = NULL;
	}
	free(lc->peers);
	lc->peers = NULL;
	lc->n_peers = 0;
	free(lc->team);
	lc->team = NULL;
	lc->team_n = 0;
}
