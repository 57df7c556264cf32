/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port layer: devargs merging, offload negotiation (table-driven over
 * synthetic capabilities), and a real bring-up of net_null vdevs (no NIC,
 * no hugepages): started, MTU, queues, counters and xstats as JSON, clean
 * close so the same device can be opened again, and refusals with reasons.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ethdev.h>

#include "stack.h"
#include "port.h"
#include "profile.h"
#include "testenv.h"

/* ------------------------------------------------------ devargs merge */

static void
test_devargs_merge(void **state)
{
	static const struct {
		const char *base, *over, *want;
	} cases[] = {
		{ "a=1,b=2", "b=3", "a=1,b=3" },
		{ "", "x=1", "x=1" },
		{ "a=1", "", "a=1" },
		{ "", "", "" },
		/* the af_packet case: profile frame size, device's iface */
		{ "framesz=16384,blocksz=16384,qpairs=1",
		  "iface=veth0,qpairs=2",
		  "framesz=16384,blocksz=16384,iface=veth0,qpairs=2" },
		/* a key that is a prefix of another is a different key */
		{ "ab=1,a=1", "a=2", "ab=1,a=2" },
		/* flags without a value are keys too */
		{ "flag,x=1", "flag", "x=1,flag" },
	};
	char out[128];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tusk_port_devargs_merge(cases[i].base,
							 cases[i].over, out,
							 sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(tusk_port_devargs_merge("a=1,b=2", "c=3", out, 8),
			 -ENOSPC);
}

/* --------------------------------------------------------- offloads */

struct offload_case {
	const char *what;
	uint32_t prof;       /* TUSK_PROFILE_OFF_* asked for */
	uint64_t rx_capa, tx_capa;
	uint64_t rss_capa;
	uint16_t queues;
	uint32_t want_hw;    /* TUSK_PROFILE_OFF_* in hardware */
	uint32_t want_iface; /* TUSK_IFACE_OFFLOAD_* */
	uint64_t want_tx;    /* RTE_ETH_TX_OFFLOAD_* enabled */
};

static const struct offload_case offload_cases[] = {
	{ "af_packet: nothing offered, all software",
	  TUSK_PROFILE_OFF_IPV4_CKSUM | TUSK_PROFILE_OFF_TCP_CKSUM,
	  0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 0, 1, 0, 0, 0 },
	{ "full NIC: checksums and TSO in hardware",
	  TUSK_PROFILE_OFF_IPV4_CKSUM | TUSK_PROFILE_OFF_TCP_CKSUM |
	  TUSK_PROFILE_OFF_TSO,
	  RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM,
	  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_TCP_TSO, 0, 1,
	  TUSK_PROFILE_OFF_IPV4_CKSUM | TUSK_PROFILE_OFF_TCP_CKSUM |
	  TUSK_PROFILE_OFF_TSO,
	  TUSK_IFACE_OFFLOAD_IPV4_CKSUM | TUSK_IFACE_OFFLOAD_TCP_CKSUM |
	  TUSK_IFACE_OFFLOAD_TSO | TUSK_IFACE_OFFLOAD_RX_CKSUM,
	  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_TCP_TSO },
	{ "offered but not asked for: stays off",
	  0, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, 0,
	  1, 0, 0, 0 },
	{ "TSO without a hardware TCP checksum is unusable",
	  TUSK_PROFILE_OFF_TSO | TUSK_PROFILE_OFF_TCP_CKSUM, 0,
	  RTE_ETH_TX_OFFLOAD_TCP_TSO, 0, 1, 0, 0, 0 },
	{ "virtio-like: tx TCP checksum but no IPv4 checksum",
	  TUSK_PROFILE_OFF_IPV4_CKSUM | TUSK_PROFILE_OFF_TCP_CKSUM,
	  RTE_ETH_RX_OFFLOAD_TCP_CKSUM, RTE_ETH_TX_OFFLOAD_TCP_CKSUM, 0, 1,
	  TUSK_PROFILE_OFF_TCP_CKSUM, TUSK_IFACE_OFFLOAD_TCP_CKSUM,
	  RTE_ETH_TX_OFFLOAD_TCP_CKSUM },
	{ "UDP checksum in hardware",
	  TUSK_PROFILE_OFF_UDP_CKSUM, RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
	  RTE_ETH_TX_OFFLOAD_UDP_CKSUM, 0, 1, TUSK_PROFILE_OFF_UDP_CKSUM,
	  TUSK_IFACE_OFFLOAD_UDP_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM },
	{ "RSS with one queue is not needed",
	  TUSK_PROFILE_OFF_RSS, 0, 0, RTE_ETH_RSS_IP, 1, 0, 0, 0 },
	{ "RSS with two queues when the port hashes IP",
	  TUSK_PROFILE_OFF_RSS, 0, 0, RTE_ETH_RSS_IPV4, 2,
	  TUSK_PROFILE_OFF_RSS, 0, 0 },
	{ "RSS asked, port cannot hash: software",
	  TUSK_PROFILE_OFF_RSS, 0, 0, 0, 2, 0, 0, 0 },
};

static void
test_offload_negotiation(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(offload_cases) / sizeof(offload_cases[0]);
	     i++) {
		const struct offload_case *c = &offload_cases[i];
		struct rte_eth_dev_info info;
		struct tusk_profile prof;
		struct tusk_port_offload o;

		memset(&info, 0, sizeof(info));
		memset(&prof, 0, sizeof(prof));
		info.rx_offload_capa = c->rx_capa;
		info.tx_offload_capa = c->tx_capa;
		info.flow_type_rss_offloads = c->rss_capa;
		prof.offloads = c->prof;
		prof.rss_hash = TUSK_PROFILE_RSS_IP | TUSK_PROFILE_RSS_TCP;
		tusk_port_offload_negotiate(&prof, &info, c->queues, &o);
		print_message("%s\n", c->what);
		assert_int_equal(o.hw, c->want_hw);
		assert_int_equal(o.iface, c->want_iface);
		assert_int_equal(o.tx, c->want_tx);
		/* nothing is enabled that the port does not offer */
		assert_int_equal(o.rx & ~info.rx_offload_capa, 0);
		assert_int_equal(o.tx & ~info.tx_offload_capa, 0);
		assert_int_equal(o.rss_hf & ~info.flow_type_rss_offloads, 0);
		assert_int_equal(o.rss_hf != 0,
				 (c->want_hw & TUSK_PROFILE_OFF_RSS) != 0);
	}
}

static void
test_offload_json_names(void **state)
{
	json_t *a = tusk_port_offload_json(TUSK_PROFILE_OFF_IPV4_CKSUM |
					   TUSK_PROFILE_OFF_TSO);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)),
			    "ipv4_cksum");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "tso");
	json_decref(a);
}

/* ------------------------------------------------- net_null bring-up */

static struct tusk_profile null_prof;

static int
setup_eal(void **state)
{
	char err[TUSK_CFG_ERR_MAX];

	if (tusk_testenv_init("port", 256) < 0)
		return -1;
	if (tusk_profile_find(tusk_profile_default_dir(), "null", &null_prof,
			      err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static void
null_conf(struct tusk_port_conf *c, const char *device)
{
	memset(c, 0, sizeof(*c));
	c->name = "test0";
	c->device = device;
	c->prof = &null_prof;
	c->nb_queues = 1;
}

static void
test_null_open_close(void **state)
{
	struct tusk_port_conf c;
	struct tusk_port p;
	struct rte_mbuf *pkts[32];
	json_t *j, *x;
	uint16_t n;

	null_conf(&c, "net_null0");
	c.devargs = "size=64";
	assert_int_equal(tusk_port_open(&p, &c), 0);
	assert_true(p.started);
	assert_true(p.probed);
	assert_string_equal(p.driver, "net_null");
	assert_int_equal(p.mtu, null_prof.mtu);
	assert_int_equal(p.link.link_status, RTE_ETH_LINK_UP);
	/* the config's devargs win over the profile's size=1500 */
	assert_non_null(strstr(p.device, "size=64"));
	assert_null(strstr(p.device, "size=1500"));

	/* frames come from the port's own pool */
	n = rte_eth_rx_burst(p.port_id, 0, pkts, 32);
	assert_true(n > 0);
	assert_ptr_equal(pkts[0]->pool, p.pool);
	assert_int_equal(rte_pktmbuf_pkt_len(pkts[0]), 64);
	assert_int_equal(rte_eth_tx_burst(p.port_id, 0, pkts, n), n);

	j = tusk_port_json(&p);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")),
			    "test0");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "link"), "status")), "up");
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(j, "counters"), "rx_packets")), n);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(j, "counters"), "tx_packets")), n);
	json_decref(j);
	x = tusk_port_xstats_json(&p);
	assert_non_null(x);
	assert_int_equal(json_integer_value(json_object_get(x,
				"rx_good_packets")), n);
	json_decref(x);

	tusk_port_close(&p);
	assert_int_equal(rte_eth_dev_count_avail(), 0);
	/* the name is free again: a restarted tuskd can probe it */
	assert_int_equal(tusk_port_open(&p, &c), 0);
	tusk_port_close(&p);
}

static void
test_null_refusals(void **state)
{
	struct tusk_profile wrong = null_prof;
	struct tusk_profile small = null_prof;
	struct tusk_port_conf c;
	struct tusk_port p;

	/* a profile for another PMD */
	snprintf(wrong.driver, sizeof(wrong.driver), "net_af_packet");
	null_conf(&c, "net_null1");
	c.prof = &wrong;
	assert_int_equal(tusk_port_open(&p, &c), -EINVAL);
	/* an MTU whose frames do not fit the mbufs (no scatter) */
	small.mbuf_data_room = 2048 + RTE_PKTMBUF_HEADROOM;
	null_conf(&c, "net_null1");
	c.prof = &small;
	c.mtu = 9000;
	assert_int_equal(tusk_port_open(&p, &c), -EINVAL);
	/* no queues */
	null_conf(&c, "net_null1");
	c.nb_queues = 0;
	assert_int_equal(tusk_port_open(&p, &c), -EINVAL);
	/* after every refusal the device is free and opens fine */
	null_conf(&c, "net_null1");
	assert_int_equal(tusk_port_open(&p, &c), 0);
	tusk_port_close(&p);
	assert_int_equal(rte_eth_dev_count_avail(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devargs_merge),
		cmocka_unit_test(test_offload_negotiation),
		cmocka_unit_test(test_offload_json_names),
		cmocka_unit_test(test_null_open_close),
		cmocka_unit_test(test_null_refusals),
	};

	return cmocka_run_group_tests(tests, setup_eal, NULL);
}
