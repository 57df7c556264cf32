/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up and tear-down (see port.h for the call graph).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "port.h"
#include "port_priv.h"

RTE_LOG_REGISTER_DEFAULT(tusk_port_logtype, INFO);

/* Per-lcore mempool cache: DPDK's largest, so that a burst of allocations
 * or frees rarely touches the shared ring. Only used when the pool is big
 * enough (DPDK wants cache <= size / 1.5). */
#define PORT_POOL_CACHE RTE_MEMPOOL_CACHE_MAX_SIZE
/* Polling interval while waiting for link: short against the usual
 * 1-9 s of a real NIC's autonegotiation, long enough not to spin. */
#define PORT_LINK_POLL_MS 10
/* Bytes a frame adds to the IP MTU: Ethernet header and CRC (PMDs that
 * keep the CRC need the room in the mbuf). */
#define PORT_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)

/* "name,k=v,..." -> name and args; args points into the input. */
static void
device_split(const char *device, char *name, size_t len, const char **args)
{
	const char *comma = strchr(device, ',');
	size_t n = comma ? (size_t)(comma - device) : strlen(device);

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
	*args = comma ? comma + 1 : "";
}

/* Is `key` (up to '=' or end) set in the list `over`? */
static bool
devargs_has_key(const char *over, const char *kv)
{
	size_t klen = strcspn(kv, "=,");
	const char *p = over;

	while (*p != '\0') {
		size_t plen = strcspn(p, "=,");

		if (plen == klen && strncmp(p, kv, klen) == 0)
			return true;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return false;
}

static int
devargs_append(char *out, size_t len, size_t *used, const char *kv,
	       size_t kvlen)
{
	int n;

	if (kvlen == 0)
		return 0;
	n = snprintf(out + *used, len - *used, "%s%.*s", *used ? "," : "",
		     (int)kvlen, kv);
	if (n < 0 || (size_t)n >= len - *used)
		return -ENOSPC;
	*used += (size_t)n;
	return 0;
}

int
tusk_port_devargs_merge(const char *base, const char *over, char *out,
			size_t len)
{
	size_t used = 0;
	const char *p;
	int ret;

	if (len == 0)
		return -ENOSPC;
	out[0] = '\0';
	for (p = base; *p != '\0';) {
		size_t kvlen = strcspn(p, ",");

		if (!devargs_has_key(over, p)) {
			ret = devargs_append(out, len, &used, p, kvlen);
			if (ret < 0)
				return ret;
		}
		p += kvlen;
		if (*p == ',')
			p++;
	}
	for (p = over; *p != '\0';) {
		size_t kvlen = strcspn(p, ",");

		ret = devargs_append(out, len, &used, p, kvlen);
		if (ret < 0)
			return ret;
		p += kvlen;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The device string we probe: the profile's default args, overridden by
 * the device's own, overridden by the config's devargs. */
static int
vdev_string(const struct tusk_port_conf *conf, const char *name,
	    const char *args, char *out, size_t len)
{
	char a[TUSK_PORT_DEVICE_MAX], b[TUSK_PORT_DEVICE_MAX];
	int ret;

	ret = tusk_port_devargs_merge(conf->prof->devargs, args, a, sizeof(a));
	if (ret == 0)
		ret = tusk_port_devargs_merge(a, conf->devargs ? conf->devargs :
					      "", b, sizeof(b));
	if (ret == 0 && snprintf(out, len, "%s%s%s", name, b[0] ? "," : "",
				 b) >= (int)len)
		ret = -ENOSPC;
	return ret;
}

/* Find the port EAL probed (PCI, or a --vdev on the EAL command line), or
 * hot-plug the device. */
static int
port_attach(struct tusk_port *p, const struct tusk_port_conf *conf)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	const char *args;
	int ret;

	device_split(conf->device, name, sizeof(name), &args);
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) == 0) {
		snprintf(p->device, sizeof(p->device), "%s", conf->device);
		PORT_LOG(INFO, "%s: using %s probed by EAL (profile devargs "
			 "not applied)\n", p->name, name);
		return 0;
	}
	ret = vdev_string(conf, name, args, p->device, sizeof(p->device));
	if (ret < 0) {
		PORT_LOG(ERR, "%s: device arguments too long\n", p->name);
		return ret;
	}
	ret = rte_dev_probe(p->device);
	if (ret < 0) {
		PORT_LOG(ERR, "%s: cannot probe %s: %s\n", p->name, p->device,
			 strerror(-ret));
		return ret;
	}
	p->probed = true;
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		PORT_LOG(ERR, "%s: %s probed but has no ethdev\n", p->name,
			 name);
		return -ENODEV;
	}
	return 0;
}

/* Refuse a profile written for another PMD: its ring sizes and offloads
 * would be guesses. The profile's driver is a list of name prefixes. */
static int
check_driver(const struct tusk_port *p, const struct tusk_profile *prof)
{
	const char *d = prof->driver;

	while (*d != '\0') {
		size_t n = strcspn(d, ", ");

		if (n > 0 && strncmp(p->driver, d, n) == 0)
			return 0;
		d += n;
		d += strspn(d, ", ");
	}
	PORT_LOG(ERR, "%s: profile %s is for %s, the port's PMD is %s\n",
		 p->name, prof->name, prof->driver, p->driver);
	return -EINVAL;
}

/* Largest MTU ethdev lets us configure: max_mtu, and max_rx_pktlen less
 * the PMD's L2 overhead (ethdev's own rule in rte_eth_dev_configure). */
static uint32_t
eth_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t overhead = PORT_FRAME_OVERHEAD;

	if (info->max_mtu != UINT16_MAX &&
	    info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	return RTE_MIN((uint32_t)info->max_mtu,
		       info->max_rx_pktlen - overhead);
}

/*
 * Two MTUs: the stack's (config, else profile) and the one ethdev is
 * configured with, clamped to what ethdev accepts. They differ only for a
 * PMD whose profile knows better than its dev_info: af_packet in DPDK
 * 22.11 reports max_rx_pktlen 1518 yet moves any frame its kernel ring
 * (framesz) and our mbufs hold, which is how jumbo frames work on a veth.
 * A frame must fit one mbuf unless rx scatter is on.
 */
static int
choose_mtu(struct tusk_port *p, const struct tusk_port_conf *conf,
	   const struct rte_eth_dev_info *info)
{
	uint32_t mtu = conf->mtu ? conf->mtu : conf->prof->mtu;
	uint32_t room = conf->prof->mbuf_data_room - RTE_PKTMBUF_HEADROOM;
	uint32_t emax = eth_max_mtu(info);
	uint32_t eth = RTE_MIN(mtu, emax);

	p->eth_mtu = (uint16_t)RTE_MAX(eth, (uint32_t)info->min_mtu);
	if (p->eth_mtu != mtu)
		PORT_LOG(NOTICE, "%s: ethdev takes MTU %u..%u: configured "
			 "at %u; the stack keeps %u (profile %s allows it)\n",
			 p->name, info->min_mtu, emax, p->eth_mtu, mtu,
			 conf->prof->name);
	if (mtu + PORT_FRAME_OVERHEAD > room &&
	    !(p->off.rx & RTE_ETH_RX_OFFLOAD_SCATTER)) {
		PORT_LOG(ERR, "%s: MTU %u needs %u bytes per mbuf, the "
			 "profile's mbuf_data_room leaves %u (no scatter)\n",
			 p->name, mtu, mtu + PORT_FRAME_OVERHEAD, room);
		return -EINVAL;
	}
	p->mtu = (uint16_t)mtu;
	return 0;
}

static int
create_pool(struct tusk_port *p, const struct tusk_profile *prof)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	/* every ring full each way, a burst in flight per queue, plus the
	 * per-lcore caches that hold mbufs out of everyone's reach */
	uint32_t need = (uint32_t)p->nb_queues *
			(p->rx_desc + p->tx_desc + p->burst) +
			rte_lcore_count() * PORT_POOL_CACHE;
	uint32_t n = RTE_MAX(prof->mbufs, need);
	unsigned int cache = n >= PORT_POOL_CACHE * 3 / 2 ?
			     PORT_POOL_CACHE : 0;

	if (n > prof->mbufs)
		PORT_LOG(NOTICE, "%s: pool raised from %u to %u mbufs (%u "
			 "queues of %u+%u descriptors)\n", p->name,
			 prof->mbufs, n, p->nb_queues, p->rx_desc,
			 p->tx_desc);
	snprintf(name, sizeof(name), "tusk_port%u", p->port_id);
	p->pool = rte_pktmbuf_pool_create(name, n, cache, 0,
					  (uint16_t)prof->mbuf_data_room,
					  p->socket_id);
	if (p->pool == NULL) {
		PORT_LOG(ERR, "%s: pool of %u mbufs of %u bytes on socket "
			 "%d: %s\n", p->name, n, prof->mbuf_data_room,
			 p->socket_id, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static void
fill_eth_conf(const struct tusk_port *p, struct rte_eth_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rxmode.mtu = p->eth_mtu;
	c->rxmode.offloads = p->off.rx;
	c->txmode.offloads = p->off.tx;
	if (p->off.rss_hf != 0) {
		c->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		c->rx_adv_conf.rss_conf.rss_hf = p->off.rss_hf;
	}
}

static int
setup_queues(struct tusk_port *p, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rxconf rxc = info->default_rxconf;
	struct rte_eth_txconf txc = info->default_txconf;
	uint16_t q;
	int ret;

	rxc.offloads = p->off.rx;
	txc.offloads = p->off.tx;
	for (q = 0; q < p->nb_queues; q++) {
		ret = rte_eth_rx_queue_setup(p->port_id, q, p->rx_desc,
					     (unsigned int)p->socket_id, &rxc,
					     p->pool);
		if (ret < 0) {
			PORT_LOG(ERR, "%s: rx queue %u: %s\n", p->name, q,
				 strerror(-ret));
			return ret;
		}
		ret = rte_eth_tx_queue_setup(p->port_id, q, p->tx_desc,
					     (unsigned int)p->socket_id, &txc);
		if (ret < 0) {
			PORT_LOG(ERR, "%s: tx queue %u: %s\n", p->name, q,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Descriptor counts from the profile, clamped to what the port takes. */
static int
choose_descriptors(struct tusk_port *p, const struct tusk_port_conf *conf)
{
	const struct tusk_profile *prof = conf->prof;
	/* the profile schema bounds descriptor counts well below 65536 */
	uint16_t want_rx = conf->rx_desc ? conf->rx_desc :
			   (uint16_t)prof->rx_desc;
	uint16_t want_tx = conf->tx_desc ? conf->tx_desc :
			   (uint16_t)prof->tx_desc;
	uint16_t rx = want_rx, tx = want_tx;
	int ret;

	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rx, &tx);
	if (ret < 0) {
		PORT_LOG(ERR, "%s: descriptor limits: %s\n", p->name,
			 strerror(-ret));
		return ret;
	}
	if (rx != want_rx || tx != want_tx)
		PORT_LOG(NOTICE, "%s: descriptors %u/%u adjusted to %u/%u\n",
			 p->name, want_rx, want_tx, rx, tx);
	p->rx_desc = rx;
	p->tx_desc = tx;
	p->burst = (uint16_t)RTE_MIN(prof->burst,
				     (uint32_t)(rx < tx ? rx : tx));
	return 0;
}

/* MTU on the device (some PMDs, e.g. af_packet, also set the kernel
 * interface's); a PMD without mtu_set keeps rxmode.mtu. */
static int
apply_mtu(struct tusk_port *p)
{
	int ret;

	/* a clamped MTU is not what the operator asked for: do not push it
	 * to the device (af_packet would shrink the kernel interface's) */
	if (p->eth_mtu != p->mtu)
		return 0;
	ret = rte_eth_dev_set_mtu(p->port_id, p->eth_mtu);
	if (ret == -ENOTSUP)
		return 0;
	if (ret < 0)
		PORT_LOG(ERR, "%s: cannot set MTU %u: %s (af_packet needs "
			 "framesz > MTU + headers)\n", p->name, p->eth_mtu,
			 strerror(-ret));
	return ret;
}

static int
port_configure(struct tusk_port *p, const struct tusk_port_conf *conf,
	       const struct rte_eth_dev_info *info)
{
	struct rte_eth_conf ec;
	int ret;

	if (conf->nb_queues > info->max_rx_queues ||
	    conf->nb_queues > info->max_tx_queues) {
		PORT_LOG(ERR, "%s: %u queue pairs needed (one per worker "
			 "lcore), the port has %u rx/%u tx (af_packet: set "
			 "qpairs in devargs)\n", p->name, conf->nb_queues,
			 info->max_rx_queues, info->max_tx_queues);
		return -EINVAL;
	}
	tusk_port_offload_negotiate(conf->prof, info, conf->nb_queues,
				    &p->off);
	port_offload_log(p);
	ret = choose_mtu(p, conf, info);
	if (ret < 0)
		return ret;
	fill_eth_conf(p, &ec);
	ret = rte_eth_dev_configure(p->port_id, p->nb_queues, p->nb_queues,
				    &ec);
	if (ret < 0) {
		PORT_LOG(ERR, "%s: configure: %s\n", p->name, strerror(-ret));
		return ret;
	}
	ret = choose_descriptors(p, conf);
	if (ret == 0)
		ret = create_pool(p, conf->prof);
	if (ret == 0)
		ret = setup_queues(p, info);
	if (ret == 0)
		ret = apply_mtu(p);
	return ret;
}

static void
wait_link(struct tusk_port *p, uint32_t wait_ms)
{
	char buf[RTE_ETH_LINK_MAX_STR_LEN];
	uint32_t waited = 0;

	for (;;) {
		memset(&p->link, 0, sizeof(p->link));
		if (rte_eth_link_get_nowait(p->port_id, &p->link) < 0)
			break;
		if (p->link.link_status == RTE_ETH_LINK_UP ||
		    waited >= wait_ms)
			break;
		rte_delay_us_sleep(PORT_LINK_POLL_MS * 1000);
		waited += PORT_LINK_POLL_MS;
	}
	rte_eth_link_to_str(buf, sizeof(buf), &p->link);
	if (p->link.link_status == RTE_ETH_LINK_UP)
		PORT_LOG(INFO, "%s: %s after %u ms\n", p->name, buf, waited);
	else
		PORT_LOG(WARNING, "%s: %s after %u ms\n", p->name, buf,
			 waited);
}

static int
port_start(struct tusk_port *p, uint32_t link_wait_ms)
{
	int ret;

	/* tuskd answers only for its own MAC (and broadcast) */
	ret = rte_eth_promiscuous_disable(p->port_id);
	if (ret < 0 && ret != -ENOTSUP)
		PORT_LOG(WARNING, "%s: promiscuous off: %s\n", p->name,
			 strerror(-ret));
	ret = rte_eth_dev_start(p->port_id);
	if (ret < 0) {
		PORT_LOG(ERR, "%s: start: %s\n", p->name, strerror(-ret));
		return ret;
	}
	p->started = true;
	ret = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (ret < 0) {
		PORT_LOG(ERR, "%s: MAC address: %s\n", p->name,
			 strerror(-ret));
		return ret;
	}
	wait_link(p, link_wait_ms);
	return 0;
}

static int
port_open(struct tusk_port *p, const struct tusk_port_conf *conf)
{
	struct rte_eth_dev_info info;
	int ret;

	ret = port_attach(p, conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret < 0) {
		PORT_LOG(ERR, "%s: device info: %s\n", p->name,
			 strerror(-ret));
		return ret;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	ret = check_driver(p, conf->prof);
	if (ret < 0)
		return ret;
	p->socket_id = rte_eth_dev_socket_id(p->port_id);
	if (p->socket_id < 0)
		p->socket_id = (int)rte_socket_id();
	ret = port_configure(p, conf, &info);
	if (ret < 0)
		return ret;
	return port_start(p, conf->prof->link_wait_ms);
}

int
tusk_port_open(struct tusk_port *p, const struct tusk_port_conf *conf)
{
	int ret;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", conf->name);
	snprintf(p->profile, sizeof(p->profile), "%s", conf->prof->name);
	p->port_id = RTE_MAX_ETHPORTS;
	p->nb_queues = conf->nb_queues;
	if (conf->nb_queues == 0 || conf->nb_queues > TUSK_PORT_MAX_QUEUES) {
		PORT_LOG(ERR, "%s: %u queues: need 1..%u\n", p->name,
			 conf->nb_queues, TUSK_PORT_MAX_QUEUES);
		return -EINVAL;
	}
	ret = port_open(p, conf);
	if (ret < 0) {
		tusk_port_close(p);
		return ret;
	}
	PORT_LOG(INFO, "%s: port %u %s (%s) MTU %u, %u queue(s) of %u/%u "
		 "descriptors, burst %u, socket %d\n", p->name, p->port_id,
		 p->device, p->driver, p->mtu, p->nb_queues, p->rx_desc,
		 p->tx_desc, p->burst, p->socket_id);
	return 0;
}

void
tusk_port_close(struct tusk_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;
	int ret;

	if (p->port_id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(
						p->port_id))
		goto out;
	if (p->probed && rte_eth_dev_info_get(p->port_id, &info) == 0)
		dev = info.device;
	if (p->started) {
		ret = rte_eth_dev_stop(p->port_id);
		if (ret < 0)
			PORT_LOG(WARNING, "%s: stop: %s\n", p->name,
				 strerror(-ret));
		p->started = false;
	}
	ret = rte_eth_dev_close(p->port_id);
	if (ret < 0)
		PORT_LOG(WARNING, "%s: close: %s\n", p->name, strerror(-ret));
	/* a hot-plugged vdev stays on its bus after close: detach it so that
	 * the name can be probed again */
	if (dev != NULL && rte_dev_remove(dev) < 0)
		PORT_LOG(DEBUG, "%s: detach failed\n", p->name);
out:
	rte_mempool_free(p->pool);
	p->pool = NULL;
	p->port_id = RTE_MAX_ETHPORTS;
}
