/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "testenv.h"

static struct rte_mempool *pool;

static uint16_t
capture_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct tusk_harness *h = arg;
	uint16_t take = n < h->tx_accept ? n : h->tx_accept;

	for (uint16_t i = 0; i < take; i++) {
		if (h->n_sent == HARNESS_MAX_SENT) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		h->sent[h->n_sent++] = pkts[i];
	}
	return take;
}

int
tusk_harness_init(struct tusk_harness *h, const char *name)
{
	struct tusk_iface_conf ifc;
	struct tusk_stack_conf sc;

	memset(h, 0, sizeof(*h));
	if (tusk_testenv_init(name, 256) != 0)
		return -1;
	if (pool == NULL)
		pool = tusk_testenv_pool("harness", 8191, 10240);
	if (pool == NULL)
		return -1;
	h->pool = pool;
	h->tx_accept = UINT16_MAX;
	memset(&sc, 0, sizeof(sc));
	sc.pool = pool;
	sc.seed = 42;
	sc.max_conns = 1024;
	h->st = tusk_stack_create(&sc);
	if (h->st == NULL)
		return -1;
	memset(&ifc, 0, sizeof(ifc));
	h->our_mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	h->peer_mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	ifc.mac = h->our_mac;
	ifc.addr = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_OUR_IP));
	ifc.prefix_len = 24;
	ifc.gateway = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_GW_IP));
	ifc.mtu = 9000;
	ifc.tx = capture_tx;
	ifc.tx_arg = h;
	ifc.rx_pool = pool; /* frames fed in are copies from it */
	if (tusk_stack_add_iface(h->st, &ifc, 0) != 0)
		return -1;
	tusk_harness_clear(h); /* the gratuitous ARP */
	return 0;
}

void
tusk_harness_clear(struct tusk_harness *h)
{
	rte_pktmbuf_free_bulk(h->sent, h->n_sent);
	h->n_sent = 0;
}

void
tusk_harness_fini(struct tusk_harness *h)
{
	tusk_harness_clear(h);
	tusk_stack_free(h->st);
	h->st = NULL;
}

struct rte_mbuf *
tusk_harness_mbuf(struct tusk_harness *h, const void *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);
	void *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, bytes, len);
	return m;
}

void
tusk_harness_input(struct tusk_harness *h, const void *frame, size_t len,
		   uint64_t now)
{
	struct rte_mbuf *m = tusk_harness_mbuf(h, frame, len);

	if (m != NULL)
		tusk_stack_input(h->st, 0, &m, 1, now);
}

size_t
tusk_harness_ipv4_frame(uint8_t *buf, uint32_t src, uint32_t dst,
			uint8_t proto, const void *payload, size_t plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	eth->dst_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	eth->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + plen));
	ip->packet_id = rte_cpu_to_be_16(1);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (plen)
		memcpy(ip + 1, payload, plen);
	return sizeof(*eth) + sizeof(*ip) + plen;
}

size_t
tusk_harness_tcp_ack_frame(uint8_t *buf, const struct rte_ether_addr *dst_mac,
			   uint32_t src, uint32_t dst, uint16_t sport,
			   uint16_t dport)
{
	struct rte_tcp_hdr th = {
		.src_port = rte_cpu_to_be_16(sport),
		.dst_port = rte_cpu_to_be_16(dport),
		.data_off = 5 << 4,
		.tcp_flags = RTE_TCP_ACK_FLAG,
		.rx_win = rte_cpu_to_be_16(1000),
	};
	size_t len = tusk_harness_ipv4_frame(buf, src, dst, IPPROTO_TCP, &th,
					     sizeof(th));
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

	eth->dst_addr = *dst_mac;
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	return len;
}

void
tusk_harness_learn_peer(struct tusk_harness *h, uint64_t now)
{
	uint8_t buf[64];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eth + 1);

	memset(buf, 0, sizeof(buf));
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = h->peer_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = 6;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	ah->arp_data.arp_sha = h->peer_mac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(HARNESS_PEER_IP);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(HARNESS_OUR_IP);
	tusk_harness_input(h, buf, 60, now);
	tusk_harness_clear(h);
}
