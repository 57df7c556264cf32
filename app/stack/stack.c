/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack instance: interfaces, the Ethernet demultiplexer, the tx queues
 * and the poll entry point that runs every protocol's timers.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>

#include "arp.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack_priv.h"
#include "tcp.h"

RTE_LOG_REGISTER_DEFAULT(tusk_stack_logtype, INFO);

struct tusk_stack *
tusk_stack_create(const struct tusk_stack_conf *conf)
{
	struct tusk_stack *st;

	if (conf == NULL || conf->pool == NULL ||
	    (conf->tcp_shares > 1 && (conf->steer == NULL ||
				      conf->tcp_share >= conf->tcp_shares)))
		return NULL;
	st = rte_zmalloc_socket("tusk_stack", sizeof(*st), RTE_CACHE_LINE_SIZE,
				conf->socket_id);
	if (st == NULL)
		return NULL;
	st->conf = *conf;
	st->ip_id = (uint16_t)conf->seed;
	st->icmp_err_tokens = TUSK_ICMP_ERR_BURST;
	tusk_arp_init(&st->arp, conf->arp_timeout_ns);
	st->tcp = tusk_tcp_create(st, conf);
	if (st->tcp == NULL) {
		rte_free(st);
		return NULL;
	}
	return st;
}

void
tusk_stack_free(struct tusk_stack *st)
{
	if (st == NULL)
		return;
	tusk_tcp_free(st->tcp);
	tusk_arp_fini(&st->arp);
	for (unsigned int i = 0; i < st->n_ifaces; i++)
		rte_pktmbuf_free_bulk(st->txq[i].pkts, st->txq[i].n);
	rte_free(st);
}

int
tusk_stack_add_iface(struct tusk_stack *st, const struct tusk_iface_conf *conf,
		     uint64_t now)
{
	uint16_t idx;

	if (st->n_ifaces == TUSK_STACK_MAX_IFACES)
		return -ENOSPC;
	if (conf->tx == NULL || conf->addr.family != TUSK_AF_INET ||
	    conf->prefix_len > 32 || conf->mtu < RTE_ETHER_MIN_MTU)
		return -EINVAL;
	idx = (uint16_t)st->n_ifaces++;
	st->ifaces[idx] = *conf;
	tusk_arp_announce(st, idx);
	tusk_stack_flush(st);
	(void)now;
	return idx;
}

struct rte_mbuf *
tusk_stack_alloc(struct tusk_stack *st)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->conf.pool);

	if (m == NULL)
		st->stats.drops[TUSK_DROP_NO_MBUF]++;
	return m;
}

static void
flush_iface(struct tusk_stack *st, uint16_t iface)
{
	struct tusk_txq *q = &st->txq[iface];
	const struct tusk_iface_conf *ifc = &st->ifaces[iface];
	uint16_t sent;

	if (q->n == 0)
		return;
	for (uint16_t i = 0; i < q->n; i++)
		st->stats.tx_bytes += rte_pktmbuf_pkt_len(q->pkts[i]);
	sent = ifc->tx(ifc->tx_arg, q->pkts, q->n);
	st->stats.tx_frames += sent;
	for (uint16_t i = sent; i < q->n; i++) {
		st->stats.tx_bytes -= rte_pktmbuf_pkt_len(q->pkts[i]);
		tusk_stack_drop(st, TUSK_DROP_TX_FULL, q->pkts[i]);
	}
	q->n = 0;
}

void
tusk_stack_xmit(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m)
{
	struct tusk_txq *q = &st->txq[iface];

	q->pkts[q->n++] = m;
	if (q->n == TUSK_TX_BURST)
		flush_iface(st, iface);
}

void
tusk_stack_flush(struct tusk_stack *st)
{
	for (unsigned int i = 0; i < st->n_ifaces; i++)
		flush_iface(st, (uint16_t)i);
}

/* Ethernet demultiplexer; returns nothing, every frame is consumed. */
static void
eth_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
	  uint64_t now)
{
	const struct rte_ether_hdr *eth;
	uint16_t type;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth)) {
		tusk_stack_drop(st, TUSK_DROP_ETH_RUNT, m);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &st->ifaces[iface].mac) &&
	    !rte_is_broadcast_ether_addr(&eth->dst_addr)) {
		tusk_stack_drop(st, TUSK_DROP_ETH_NOT_FOR_US, m);
		return;
	}
	type = rte_be_to_cpu_16(eth->ether_type);
	rte_pktmbuf_adj(m, sizeof(*eth));
	m->l2_len = sizeof(*eth);
	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		tusk_ipv4_input(st, iface, m, now);
		break;
	case RTE_ETHER_TYPE_ARP:
		tusk_arp_input(st, iface, m, now);
		break;
	case RTE_ETHER_TYPE_VLAN:
	case RTE_ETHER_TYPE_QINQ:
		tusk_stack_drop(st, TUSK_DROP_ETH_VLAN, m);
		break;
	default:
		tusk_stack_drop(st, TUSK_DROP_ETH_UNKNOWN_TYPE, m);
		break;
	}
}

void
tusk_stack_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf **pkts,
		 uint16_t n, uint64_t now)
{
	if (iface >= st->n_ifaces) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	/* The headers of the whole burst at once: a frame a peer core just
	 * wrote is a miss, and Ethernet, IPv4 and TCP with options run into
	 * the second line (66 bytes with timestamps). */
	for (uint16_t i = 0; i < n; i++) {
		const char *p = rte_pktmbuf_mtod(pkts[i], const char *);

		rte_prefetch0(p);
		rte_prefetch0(p + RTE_CACHE_LINE_SIZE);
	}
	tusk_tcp_burst_begin(st->tcp);
	for (uint16_t i = 0; i < n; i++) {
		st->stats.rx_frames++;
		st->stats.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		eth_input(st, iface, pkts[i], now);
	}
	tusk_tcp_burst_end(st->tcp, now);
	tusk_stack_flush(st);
}

void
tusk_stack_poll(struct tusk_stack *st, uint64_t now)
{
	tusk_arp_poll(st, now);
	tusk_tcp_poll(st->tcp, now);
	tusk_stack_flush(st);
}

uint64_t
tusk_stack_next_event(const struct tusk_stack *st)
{
	uint64_t a = tusk_arp_next_event(&st->arp);
	uint64_t t = tusk_tcp_next_event(st->tcp);

	return a < t ? a : t;
}

const struct tusk_stack_stats *
tusk_stack_stats(const struct tusk_stack *st)
{
	return &st->stats;
}

unsigned int
tusk_stack_iface_count(const struct tusk_stack *st)
{
	return st->n_ifaces;
}

const struct tusk_iface_conf *
tusk_stack_iface(const struct tusk_stack *st, uint16_t iface)
{
	return iface < st->n_ifaces ? &st->ifaces[iface] : NULL;
}

unsigned int
tusk_stack_arp_dump(const struct tusk_stack *st,
		    struct tusk_arp_entry_info *out, unsigned int max,
		    uint64_t now)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < TUSK_ARP_TABLE_SIZE && n < max; i++) {
		const struct tusk_arp_entry *e = &st->arp.table[i];
		bool resolved = e->state == TUSK_ARP_REACHABLE;

		if (e->state == TUSK_ARP_FREE ||
		    (resolved && now - e->updated >= st->arp.timeout_ns))
			continue;
		out[n].addr = tusk_addr_v4(e->ip);
		out[n].mac = e->mac;
		out[n].iface = e->iface;
		out[n].resolved = resolved;
		out[n].age_ns = now - e->updated;
		n++;
	}
	return n;
}
