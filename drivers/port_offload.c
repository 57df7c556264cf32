/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offload negotiation: enable what the profile asks for AND the port
 * reports in rx/tx_offload_capa; everything else the stack does in
 * software. The result is kept three ways: ethdev offload bits for
 * rte_eth_dev_configure(), the profile's names for the operator (hw/sw), and
 * TUSK_IFACE_OFFLOAD_* for the stack.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "port.h"
#include "port_priv.h"
#include "app/stack/stack.h" /* TUSK_IFACE_OFFLOAD_* only */

/* What each profile offload name means to ethdev. */
struct offload_map {
	uint32_t flag;  /* TUSK_PROFILE_OFF_* */
	uint64_t rx;    /* RTE_ETH_RX_OFFLOAD_* it needs */
	uint64_t tx;    /* RTE_ETH_TX_OFFLOAD_* it needs */
};

static const struct offload_map offload_table[] = {
	{ TUSK_PROFILE_OFF_IPV4_CKSUM, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
	  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
	{ TUSK_PROFILE_OFF_TCP_CKSUM, RTE_ETH_RX_OFFLOAD_TCP_CKSUM,
	  RTE_ETH_TX_OFFLOAD_TCP_CKSUM },
	{ TUSK_PROFILE_OFF_UDP_CKSUM, RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
	  RTE_ETH_TX_OFFLOAD_UDP_CKSUM },
	{ TUSK_PROFILE_OFF_TSO, 0, RTE_ETH_TX_OFFLOAD_TCP_TSO },
	{ TUSK_PROFILE_OFF_SCATTER, RTE_ETH_RX_OFFLOAD_SCATTER, 0 },
	{ TUSK_PROFILE_OFF_MULTI_SEG, 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
};

/* The name of one TUSK_PROFILE_OFF_* bit, from the profile schema so that
 * the control socket prints what the profile file says. */
static const char *
offload_name(unsigned int bit)
{
	const struct tusk_cfgschema_key *keys, *k;
	size_t n;
	unsigned int i;

	keys = tusk_profile_schema(&n);
	k = tusk_cfgschema_key(keys, n, "offloads");
	if (k == NULL || k->choices == NULL)
		return "?";
	for (i = 0; k->choices[i] != NULL; i++)
		if (i == bit)
			return k->choices[i];
	return "?";
}

json_t *
tusk_port_offload_json(uint32_t flags)
{
	json_t *a = json_array();
	unsigned int bit;

	if (a == NULL)
		return NULL;
	for (bit = 0; bit < 32; bit++)
		if (flags & (1u << bit))
			json_array_append_new(a,
					      json_string(offload_name(bit)));
	return a;
}

static uint64_t
rss_hash_functions(uint32_t rss_hash)
{
	uint64_t hf = 0;

	if (rss_hash & TUSK_PROFILE_RSS_IP)
		hf |= RTE_ETH_RSS_IP;
	if (rss_hash & TUSK_PROFILE_RSS_TCP)
		hf |= RTE_ETH_RSS_TCP;
	if (rss_hash & TUSK_PROFILE_RSS_UDP)
		hf |= RTE_ETH_RSS_UDP;
	return hf;
}

/* RSS spreads flows over queues: only worth asking for with more than one
 * queue, and only the hash functions the port implements. */
static void
negotiate_rss(const struct tusk_profile *prof,
	      const struct rte_eth_dev_info *info, uint16_t nb_queues,
	      struct tusk_port_offload *out)
{
	if (!(prof->offloads & TUSK_PROFILE_OFF_RSS) || nb_queues <= 1)
		return;
	out->wanted |= TUSK_PROFILE_OFF_RSS;
	out->rss_hf = rss_hash_functions(prof->rss_hash) &
		      info->flow_type_rss_offloads;
	if (out->rss_hf == 0)
		return;
	out->hw |= TUSK_PROFILE_OFF_RSS;
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
		out->rx |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
}

/* What the stack may leave to the port. TSO needs the TCP checksum in
 * hardware too (the NIC fills it per segment). */
static uint32_t
iface_flags(const struct tusk_port_offload *o)
{
	uint32_t f = 0;

	if (o->tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		f |= TUSK_IFACE_OFFLOAD_IPV4_CKSUM;
	if (o->tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		f |= TUSK_IFACE_OFFLOAD_TCP_CKSUM;
	if (o->tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		f |= TUSK_IFACE_OFFLOAD_UDP_CKSUM;
	if ((o->tx & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    (f & TUSK_IFACE_OFFLOAD_TCP_CKSUM))
		f |= TUSK_IFACE_OFFLOAD_TSO;
	if ((o->rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) &&
	    (o->rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM))
		f |= TUSK_IFACE_OFFLOAD_RX_CKSUM;
	return f;
}

void
tusk_port_offload_negotiate(const struct tusk_profile *prof,
			    const struct rte_eth_dev_info *info,
			    uint16_t nb_queues, struct tusk_port_offload *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < RTE_DIM(offload_table); i++) {
		const struct offload_map *m = &offload_table[i];
		uint64_t rx = m->rx & info->rx_offload_capa;
		uint64_t tx = m->tx & info->tx_offload_capa;

		if (!(prof->offloads & m->flag))
			continue;
		out->wanted |= m->flag;
		out->rx |= rx;
		out->tx |= tx;
		/* hw only when every direction it covers is offered */
		if (rx == m->rx && tx == m->tx)
			out->hw |= m->flag;
	}
	/* TSO without a hardware TCP checksum is unusable: keep it off. */
	if (!(out->tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
	    (out->tx & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
		out->tx &= ~RTE_ETH_TX_OFFLOAD_TCP_TSO;
		out->hw &= ~TUSK_PROFILE_OFF_TSO;
	}
	negotiate_rss(prof, info, nb_queues, out);
	out->iface = iface_flags(out);
}

/* One log line per offload: an operator reading the start-up log sees
 * what the hardware does and what costs CPU. */
void
port_offload_log(const struct tusk_port *p)
{
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		uint32_t f = 1u << bit;

		if (!(p->off.wanted & f))
			continue;
		PORT_LOG(INFO, "%s: offload %s: %s\n", p->name,
			 offload_name(bit),
			 (p->off.hw & f) ? "hardware" : "software fallback");
	}
	PORT_LOG(DEBUG, "%s: rx offloads 0x%" PRIx64 " tx offloads 0x%" PRIx64
		 " rss_hf 0x%" PRIx64 "\n", p->name, p->off.rx, p->off.tx,
		 p->off.rss_hf);
}
