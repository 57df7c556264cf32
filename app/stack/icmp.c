/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo. The request's mbuf becomes the reply in place: same identifier,
 * sequence and data (RFC 792), type 0, fresh checksum, sent back through
 * tusk_ipv4_output() so routing and ARP apply as for any packet.
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "cksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack_priv.h"

/* One's-complement sum over the whole (possibly chained) message. */
static uint16_t
msg_cksum(const struct rte_mbuf *m)
{
	return tusk_cksum_mbuf(m, 0, rte_pktmbuf_pkt_len(m));
}

void
tusk_icmp_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
		const struct tusk_addr *src, uint64_t now)
{
	struct rte_icmp_hdr *ic;
	struct tusk_addr our = st->ifaces[iface].addr;

	if (rte_pktmbuf_data_len(m) < sizeof(*ic)) {
		tusk_stack_drop(st, TUSK_DROP_ICMP_TRUNCATED, m);
		return;
	}
	if (msg_cksum(m) != 0xffff) {
		tusk_stack_drop(st, TUSK_DROP_ICMP_BAD_CSUM, m);
		return;
	}
	ic = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
		tusk_stack_drop(st, TUSK_DROP_ICMP_UNSUPPORTED, m);
		return;
	}
	st->stats.icmp_echo_rx++;
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~msg_cksum(m);
	/* Flags from the receive side must not leak into the reply. */
	m->ol_flags = 0;
	if (tusk_ipv4_output(st, m, &our, src, IPPROTO_ICMP, now) == 0)
		st->stats.icmp_echo_tx++;
}
