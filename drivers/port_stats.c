/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port as JSON for the control socket: identity, link, offloads and the
 * ethdev counters (rte_eth_stats_get), and the PMD's extended statistics
 * (rte_eth_xstats_*). Called from the control thread while the lcores
 * poll: ethdev stats are read-only snapshots, safe from another thread.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "port.h"
#include "port_priv.h"

static json_t *
link_json(const struct tusk_port *p)
{
	struct rte_eth_link l;

	memset(&l, 0, sizeof(l));
	if (rte_eth_link_get_nowait(p->port_id, &l) < 0)
		l = p->link;
	if (l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
		l.link_speed = 0;
	return json_pack("{s:s, s:I, s:s, s:b}",
			 "status", l.link_status ? "up" : "down",
			 "speed_mbps", (json_int_t)l.link_speed,
			 "duplex", l.link_duplex ? "full" : "half",
			 "autoneg", l.link_autoneg != 0);
}

static json_t *
counters_json(const struct tusk_port *p)
{
	struct rte_eth_stats s;

	if (rte_eth_stats_get(p->port_id, &s) < 0)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "rx_packets", (json_int_t)s.ipackets,
			 "tx_packets", (json_int_t)s.opackets,
			 "rx_bytes", (json_int_t)s.ibytes,
			 "tx_bytes", (json_int_t)s.obytes,
			 "rx_missed", (json_int_t)s.imissed,
			 "rx_errors", (json_int_t)s.ierrors,
			 "tx_errors", (json_int_t)s.oerrors,
			 "rx_nombuf", (json_int_t)s.rx_nombuf);
}

static json_t *
offloads_json(const struct tusk_port *p)
{
	return json_pack("{s:o, s:o}",
			 "hw", tusk_port_offload_json(p->off.hw),
			 "sw", tusk_port_offload_json(p->off.wanted &
						      ~p->off.hw));
}

static json_t *
pool_json(const struct tusk_port *p)
{
	if (p->pool == NULL)
		return json_null();
	return json_pack("{s:I, s:I}",
			 "size", (json_int_t)p->pool->size,
			 "available", (json_int_t)rte_mempool_avail_count(
						p->pool));
}

json_t *
tusk_port_json(const struct tusk_port *p)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:i, "
			 "s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:o}",
			 "name", p->name,
			 "port_id", (int)p->port_id,
			 "device", p->device,
			 "driver", p->driver,
			 "profile", p->profile,
			 "mac", mac,
			 "mtu", (int)p->mtu,
			 "eth_mtu", (int)p->eth_mtu,
			 "socket", p->socket_id,
			 "queues", (int)p->nb_queues,
			 "rx_desc", (int)p->rx_desc,
			 "tx_desc", (int)p->tx_desc,
			 "burst", (int)p->burst,
			 "link", link_json(p),
			 "offloads", offloads_json(p),
			 "counters", counters_json(p),
			 "pool", pool_json(p));
}

json_t *
tusk_port_xstats_json(const struct tusk_port *p)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	json_t *o = NULL;
	int n, i;

	n = rte_eth_xstats_get_names(p->port_id, NULL, 0);
	if (n < 0)
		return NULL;
	names = calloc((size_t)n + 1, sizeof(*names));
	vals = calloc((size_t)n + 1, sizeof(*vals));
	if (names == NULL || vals == NULL)
		goto out;
	if (rte_eth_xstats_get_names(p->port_id, names, (unsigned int)n) != n ||
	    rte_eth_xstats_get(p->port_id, vals, (unsigned int)n) != n)
		goto out;
	o = json_object();
	for (i = 0; o != NULL && i < n; i++) {
		if (vals[i].id >= (uint64_t)n)
			continue;
		json_object_set_new(o, names[vals[i].id].name,
				    json_integer((json_int_t)vals[i].value));
	}
out:
	free(names);
	free(vals);
	return o;
}
