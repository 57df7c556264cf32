/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 for a host (RFC 791, RFC 1122 section 3.2.1). We never forward.
 *   tusk_ipv4_input() -> check_header() -> tusk_icmp_input() | tusk_tcp_input()
 *                                       | tusk_udp_input()
 *   tusk_ipv4_output() -> tusk_ipv4_route() -> l4_cksum() -> tusk_arp_output()
 */
#include <errno.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "cksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack_priv.h"
#include "tcp.h"
#include "tcp_conn.h"
#include "udp.h"

static inline rte_be32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - len));
}

/* Sources a host must not accept (RFC 1122 3.2.1.3): 0.0.0.0/8 except
 * nothing we use, 127/8 from the wire, multicast and limited broadcast. */
static bool
martian_src(rte_be32_t src)
{
	uint32_t a = rte_be_to_cpu_32(src);

	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) == 0xe ||
	       a == 0xffffffffu;
}

/* Validate; returns a drop reason or TUSK_DROP_MAX when acceptable. */
static enum tusk_drop
check_header(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint32_t hlen, tlen;

	if (rte_pktmbuf_data_len(m) < sizeof(*ip))
		return TUSK_DROP_IP_TRUNCATED;
	if ((ip->version_ihl >> 4) != 4)
		return TUSK_DROP_IP_BAD_VERSION;
	hlen = rte_ipv4_hdr_len(ip);
	if (hlen < sizeof(*ip) || hlen > rte_pktmbuf_data_len(m))
		return TUSK_DROP_IP_BAD_HLEN;
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (tlen < hlen || tlen > rte_pktmbuf_pkt_len(m))
		return TUSK_DROP_IP_BAD_LEN;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
	    RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return TUSK_DROP_IP_BAD_CSUM;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    rte_raw_cksum(ip, hlen) != 0xffff)
		return TUSK_DROP_IP_BAD_CSUM;
	/* MF set or a non-zero offset: we do not reassemble (a DTN's paths
	 * run with DF and PMTU discovery; fragments are an attack surface). */
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return TUSK_DROP_IP_FRAGMENT;
	if (ip->time_to_live == 0)
		return TUSK_DROP_IP_TTL_EXPIRED;
	if (martian_src(ip->src_addr))
		return TUSK_DROP_IP_BAD_SRC;
	return TUSK_DROP_MAX;
}

/* A TCP segment to another stack's ephemeral port (stack_conf tcp_shares)
 * goes to that stack, as the frame received; true if it went. */
static bool
steered(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
	const struct rte_ipv4_hdr *ip)
{
	uint32_t hlen = rte_ipv4_hdr_len(ip);
	const rte_be16_t *ports;
	int share;

	if (rte_pktmbuf_data_len(m) < hlen + 2 * sizeof(*ports))
		return false; /* tcp_input counts it truncated */
	ports = rte_pktmbuf_mtod_offset(m, const rte_be16_t *, hlen);
	share = tusk_tcp_port_share(st->tcp, rte_be_to_cpu_16(ports[1]));
	if (share < 0 || share == st->tcp->port_share)
		return false;
	rte_pktmbuf_prepend(m, m->l2_len); /* eth_input's adj, undone */
	m->port = st->ifaces[iface].port_id;
	st->stats.tcp_steered++;
	st->conf.steer(st->conf.steer_arg, (uint16_t)share, m);
	return true;
}

void
tusk_ipv4_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
		uint64_t now)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m,
			const struct rte_ipv4_hdr *);
	enum tusk_drop why = check_header(m, ip);
	struct tusk_addr src, dst;
	uint32_t hlen, tlen;

	if (why != TUSK_DROP_MAX) {
		tusk_stack_drop(st, why, m);
		return;
	}
	if (ip->dst_addr != st->ifaces[iface].addr.v4) {
		tusk_stack_drop(st, TUSK_DROP_IP_NOT_FOR_US, m);
		return;
	}
	if (unlikely(st->tcp->port_shares > 1) &&
	    ip->next_proto_id == IPPROTO_TCP && steered(st, iface, m, ip))
		return;
	hlen = rte_ipv4_hdr_len(ip);
	tlen = rte_be_to_cpu_16(ip->total_length);
	src = tusk_addr_v4(ip->src_addr);
	dst = tusk_addr_v4(ip->dst_addr);
	/* Ethernet pads short frames; the IP length is the truth. */
	if (rte_pktmbuf_pkt_len(m) > tlen)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - tlen);
	m->l3_len = hlen;
	st->stats.ip_rx++;
	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		rte_pktmbuf_adj(m, hlen);
		tusk_icmp_input(st, iface, m, &src, now);
		break;
	case IPPROTO_TCP:
		rte_pktmbuf_adj(m, hlen);
		tusk_tcp_input(st, m, &src, &dst, now);
		break;
	case IPPROTO_UDP:
		rte_pktmbuf_adj(m, hlen);
		tusk_udp_input(st, iface, m, &src, &dst, now);
		break;
	default:
		tusk_stack_drop(st, TUSK_DROP_IP_UNKNOWN_PROTO, m);
		break;
	}
}

int
tusk_ipv4_route(const struct tusk_stack *st, const struct tusk_addr *dst,
		uint16_t *iface, struct tusk_addr *src,
		struct tusk_addr *next_hop)
{
	int gw = -1;

	if (dst->family != TUSK_AF_INET)
		return -EAFNOSUPPORT;
	for (unsigned int i = 0; i < st->n_ifaces; i++) {
		const struct tusk_iface_conf *ifc = &st->ifaces[i];
		rte_be32_t mask = prefix_mask(ifc->prefix_len);

		if ((dst->v4 & mask) == (ifc->addr.v4 & mask)) {
			*iface = (uint16_t)i;
			*src = ifc->addr;
			*next_hop = *dst;
			return 0;
		}
		if (gw < 0 && ifc->gateway.family == TUSK_AF_INET)
			gw = (int)i;
	}
	if (gw < 0)
		return -ENETUNREACH;
	*iface = (uint16_t)gw;
	*src = st->ifaces[gw].addr;
	*next_hop = st->ifaces[gw].gateway;
	return 0;
}

/* Complete the TCP checksum: offloaded (pseudo-header sum in the field, as
 * the PMD API requires) or in software over the whole chain, or over all
 * but the first segment when the caller summed that (first_sum). phdr is
 * the pseudo-header's accumulated sum without the length, which TSO wants
 * left out. */
static void
l4_cksum(const struct tusk_iface_conf *ifc, struct rte_mbuf *m,
	 uint64_t phdr, uint32_t first_sum)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	uint32_t l4_len = rte_pktmbuf_pkt_len(m), first_len, sum;
	uint16_t ck;

	if ((ifc->offloads & TUSK_IFACE_OFFLOAD_TCP_CKSUM) ||
	    (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
		if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) {
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
			phdr += rte_cpu_to_be_32(l4_len);
		}
		th->cksum = __rte_raw_cksum_reduce(tusk_cksum_acc_fold(phdr));
		return;
	}
	phdr += rte_cpu_to_be_32(l4_len);
	th->cksum = 0;
	sum = __rte_raw_cksum_reduce(tusk_cksum_acc_fold(phdr));
	if (first_sum == TUSK_IPV4_SUM_UNKNOWN) {
		sum += tusk_cksum_mbuf(m, 0, l4_len);
	} else {
		first_len = rte_pktmbuf_data_len(m);
		sum += __rte_raw_cksum_reduce(first_sum);
		if (m->next != NULL) {
			uint32_t rest = tusk_cksum_mbuf(m->next, 0,
							l4_len - first_len);

			/* after an odd-length first segment the words
			 * straddle */
			sum += (first_len & 1) ? rte_bswap16((uint16_t)rest) :
			       rest;
		}
	}
	ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	th->cksum = ck == 0 ? 0xffff : ck;
}

int
tusk_ipv4_output(struct tusk_stack *st, struct rte_mbuf *m,
		 const struct tusk_addr *src, const struct tusk_addr *dst,
		 uint8_t proto, uint64_t now)
{
	return tusk_ipv4_output_summed(st, m, src, dst, proto,
				       TUSK_IPV4_SUM_UNKNOWN, now);
}

int
tusk_ipv4_output_summed(struct tusk_stack *st, struct rte_mbuf *m,
			const struct tusk_addr *src,
			const struct tusk_addr *dst, uint8_t proto,
			uint32_t first_sum, uint64_t now)
{
	return tusk_ipv4_output_tos(st, m, src, dst, proto, first_sum, 0,
				    now);
}

int
tusk_ipv4_output_tos(struct tusk_stack *st, struct rte_mbuf *m,
		     const struct tusk_addr *src, const struct tusk_addr *dst,
		     uint8_t proto, uint32_t first_sum, uint8_t tos,
		     uint64_t now)
{
	const struct tusk_iface_conf *ifc;
	struct tusk_addr our, next_hop;
	uint64_t sum = 0, phdr;
	rte_be32_t saddr;
	uint8_t *ip;
	uint16_t iface, ck;

	if (tusk_ipv4_route(st, dst, &iface, &our, &next_hop) != 0) {
		tusk_stack_drop(st, TUSK_DROP_IP_NO_ROUTE, m);
		return -ENETUNREACH;
	}
	ifc = &st->ifaces[iface];
	saddr = src->family == TUSK_AF_INET ? src->v4 : our.v4;
	/* The pseudo-header: addresses, zero, protocol (and the L4 length,
	 * added in l4_cksum), as 32-bit words. */
	phdr = (uint64_t)saddr + dst->v4 + rte_cpu_to_be_32((uint32_t)proto << 16);
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	if (proto == IPPROTO_TCP)
		l4_cksum(ifc, m, phdr, first_sum);
	ip = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(struct rte_ipv4_hdr));
	if (ip == NULL) {
		tusk_stack_drop(st, TUSK_DROP_NO_MBUF, m);
		return -ENOBUFS;
	}
	/* Written as summed words (cksum.h). DF on everything (PMTU
	 * discovery); RFC 6864 lets the ID of an atomic datagram be
	 * anything, a counter costs nothing. */
	tusk_cksum_put32(ip, rte_cpu_to_be_32((uint32_t)RTE_IPV4_VHL_DEF << 24 |
					      (uint32_t)tos << 16 |
					      rte_pktmbuf_pkt_len(m)), &sum);
	tusk_cksum_put32(ip + 4, rte_cpu_to_be_32((uint32_t)st->ip_id++ << 16 |
						  RTE_IPV4_HDR_DF_FLAG), &sum);
	tusk_cksum_put32(ip + 8, rte_cpu_to_be_32((uint32_t)
						  TUSK_IPV4_DEFAULT_TTL << 24 |
						  (uint32_t)proto << 16), &sum);
	tusk_cksum_put32(ip + 12, saddr, &sum);
	tusk_cksum_put32(ip + 16, dst->v4, &sum);
	/* A TSO frame's IPv4 checksum is the NIC's in any case: it rewrites
	 * the total length of every segment it cuts (DPDK's mbuf API asks
	 * for TX_IP_CKSUM and a zero checksum with TX_TCP_SEG). */
	if ((ifc->offloads & TUSK_IFACE_OFFLOAD_IPV4_CKSUM) != 0 ||
	    (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		ck = (uint16_t)~__rte_raw_cksum_reduce(tusk_cksum_acc_fold(sum));
		memcpy(ip + offsetof(struct rte_ipv4_hdr, hdr_checksum), &ck,
		       sizeof(ck));
	}
	st->stats.ip_tx++;
	tusk_arp_output(st, iface, next_hop.v4, m, now);
	return 0;
}
