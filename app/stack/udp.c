/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (RFC 768, RFC 1122 section 4.1).
 *   tusk_ipv4_input() -> tusk_udp_input() -> check() -> binding's fn()
 *                                         -> tusk_icmp_port_unreach()
 *   tusk_udp_send() -> tusk_ipv4_route() -> put_cksum() -> tusk_ipv4_output()
 */
#include <errno.h>

#include <rte_ip.h>

#include "cksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack_priv.h"
#include "udp.h"
#include "udp_wire.h"

static struct tusk_udp_binding *
find(struct tusk_stack *st, uint16_t port)
{
	for (unsigned int i = 0; i < TUSK_UDP_BINDS_MAX; i++)
		if (st->udp[i].port == port)
			return &st->udp[i];
	return NULL;
}

int
tusk_udp_bind(struct tusk_stack *st, uint16_t port, tusk_udp_recv_fn fn,
	      void *arg)
{
	struct tusk_udp_binding *b;

	if (port == 0 || fn == NULL)
		return -EINVAL;
	if (find(st, port) != NULL)
		return -EADDRINUSE;
	b = find(st, 0);
	if (b == NULL)
		return -ENOSPC;
	b->port = port;
	b->fn = fn;
	b->arg = arg;
	return 0;
}

int
tusk_udp_unbind(struct tusk_stack *st, uint16_t port)
{
	struct tusk_udp_binding *b = port != 0 ? find(st, port) : NULL;

	if (b == NULL)
		return -ENOENT;
	b->port = 0;
	b->fn = NULL;
	b->arg = NULL;
	return 0;
}

/* The pseudo-header (RFC 768: source, destination, zero, protocol, UDP
 * length) as summed 32-bit words, folded to 16 bits, not complemented. */
static uint16_t
phdr_sum(rte_be32_t src, rte_be32_t dst, uint32_t ulen)
{
	uint64_t acc = (uint64_t)src + dst +
		       rte_cpu_to_be_32((uint32_t)IPPROTO_UDP << 16 | ulen);

	return __rte_raw_cksum_reduce(tusk_cksum_acc_fold(acc));
}

/* Hardware said, or sum it: the datagram with its pseudo-header sums to
 * all ones. A zero checksum field means none was sent (RFC 768). */
static bool
cksum_ok(const struct rte_mbuf *m, const struct tusk_udp_hdr *uh,
	 const struct tusk_addr *src, const struct tusk_addr *dst,
	 uint32_t ulen)
{
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	uint32_t sum;

	if (uh->cksum == 0 || flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (flags == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	sum = phdr_sum(src->v4, dst->v4, ulen);
	sum += tusk_cksum_mbuf(m, 0, ulen);
	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/* Validate; trims IP payload past the UDP length (RFC 768: the length
 * field is the datagram's; RFC 1122 4.1.3.4 leaves the rest to us, and
 * Linux does the same). Returns a drop reason or TUSK_DROP_MAX. */
static enum tusk_drop
check(struct rte_mbuf *m, const struct tusk_addr *src,
      const struct tusk_addr *dst)
{
	const struct tusk_udp_hdr *uh;
	uint32_t plen = rte_pktmbuf_pkt_len(m), ulen;

	if (rte_pktmbuf_data_len(m) < TUSK_UDP_HDR_LEN)
		return TUSK_DROP_UDP_TRUNCATED;
	uh = rte_pktmbuf_mtod(m, const struct tusk_udp_hdr *);
	ulen = rte_be_to_cpu_16(uh->len);
	if (ulen < TUSK_UDP_HDR_LEN || ulen > plen)
		return TUSK_DROP_UDP_BAD_LEN;
	if (ulen < plen)
		rte_pktmbuf_trim(m, plen - ulen);
	if (!cksum_ok(m, uh, src, dst, ulen))
		return TUSK_DROP_UDP_BAD_CSUM;
	return TUSK_DROP_MAX;
}

void
tusk_udp_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
	       const struct tusk_addr *src, const struct tusk_addr *dst,
	       uint64_t now)
{
	enum tusk_drop why = check(m, src, dst);
	const struct tusk_udp_hdr *uh;
	const struct rte_ipv4_hdr *ip;
	struct tusk_udp_binding *b;
	struct tusk_udp_meta meta;

	if (why != TUSK_DROP_MAX) {
		tusk_stack_drop(st, why, m);
		return;
	}
	uh = rte_pktmbuf_mtod(m, const struct tusk_udp_hdr *);
	meta.src = *src;
	meta.dst = *dst;
	meta.sport = rte_be_to_cpu_16(uh->sport);
	meta.dport = rte_be_to_cpu_16(uh->dport);
	meta.iface = iface;
	/* the IPv4 header is still in front of us (tusk_ipv4_input()) */
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     -(int)m->l3_len);
	meta.ttl = ip->time_to_live;
	meta.tos = ip->type_of_service;
	b = meta.dport != 0 ? find(st, meta.dport) : NULL;
	if (b == NULL) {
		/* RFC 1122 4.1.3.1: SHOULD answer port unreachable; the
		 * error quotes the IP header, still in front of m */
		rte_pktmbuf_prepend(m, m->l3_len);
		tusk_icmp_port_unreach(st, iface, m, src, now);
		tusk_stack_drop(st, TUSK_DROP_UDP_NO_PORT, m);
		return;
	}
	st->stats.udp_rx++;
	if (uh->cksum == 0)
		st->stats.udp_rx_no_cksum++;
	rte_pktmbuf_adj(m, TUSK_UDP_HDR_LEN);
	b->fn(b->arg, m, &meta, now);
}

uint32_t
tusk_udp_max_payload(const struct tusk_stack *st, const struct tusk_addr *dst)
{
	struct tusk_addr src, next_hop;
	uint16_t iface;

	if (tusk_ipv4_route(st, dst, &iface, &src, &next_hop) != 0)
		return 0;
	return st->ifaces[iface].mtu - TUSK_UDP_IPV4_OVERHEAD;
}

/* The checksum: the port's (pseudo-header sum in the field, as DPDK's
 * mbuf API asks) or ours over the whole chain; a computed zero goes out
 * as all ones (RFC 768). */
static void
put_cksum(const struct tusk_iface_conf *ifc, struct rte_mbuf *m,
	  struct tusk_udp_hdr *uh, rte_be32_t src, rte_be32_t dst,
	  uint32_t ulen)
{
	uint16_t ph = phdr_sum(src, dst, ulen), ck;
	uint32_t sum;

	if (ifc->offloads & TUSK_IFACE_OFFLOAD_UDP_CKSUM) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
		uh->cksum = ph;
		return;
	}
	uh->cksum = 0;
	sum = (uint32_t)ph + tusk_cksum_mbuf(m, 0, ulen);
	ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	uh->cksum = ck == 0 ? 0xffff : ck;
}

int
tusk_udp_send(struct tusk_stack *st, struct rte_mbuf *m, uint16_t sport,
	      const struct tusk_addr *dst, uint16_t dport, uint64_t now)
{
	return tusk_udp_send_tos(st, m, sport, dst, dport, 0, now);
}

int
tusk_udp_send_tos(struct tusk_stack *st, struct rte_mbuf *m, uint16_t sport,
		  const struct tusk_addr *dst, uint16_t dport, uint8_t tos,
		  uint64_t now)
{
	struct tusk_addr src, next_hop;
	struct tusk_udp_hdr *uh;
	uint32_t ulen = rte_pktmbuf_pkt_len(m) + TUSK_UDP_HDR_LEN;
	uint16_t iface;

	if (sport == 0 || dport == 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	if (tusk_ipv4_route(st, dst, &iface, &src, &next_hop) != 0) {
		tusk_stack_drop(st, TUSK_DROP_IP_NO_ROUTE, m);
		return -ENETUNREACH;
	}
	if (ulen + sizeof(struct rte_ipv4_hdr) > st->ifaces[iface].mtu) {
		tusk_stack_drop(st, TUSK_DROP_UDP_TOO_BIG, m);
		return -EMSGSIZE;
	}
	uh = (struct tusk_udp_hdr *)rte_pktmbuf_prepend(m, TUSK_UDP_HDR_LEN);
	if (uh == NULL) {
		tusk_stack_drop(st, TUSK_DROP_NO_MBUF, m);
		return -ENOBUFS;
	}
	uh->sport = rte_cpu_to_be_16(sport);
	uh->dport = rte_cpu_to_be_16(dport);
	uh->len = rte_cpu_to_be_16((uint16_t)ulen);
	put_cksum(&st->ifaces[iface], m, uh, src.v4, dst->v4, ulen);
	if (tusk_ipv4_output_tos(st, m, &src, dst, IPPROTO_UDP,
				 TUSK_IPV4_SUM_UNKNOWN, tos, now) != 0)
		return -ENETUNREACH;
	st->stats.udp_tx++;
	return 0;
}
