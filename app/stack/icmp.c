/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo, and port unreachable for UDP. The request's mbuf becomes the reply in place: same identifier,
 * sequence and data (RFC 792), type 0, fresh checksum, sent back through
 * tusk_ipv4_output() so routing and ARP apply as for any packet.
 */
#include <string.h>

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

/* RFC 792 destination unreachable, code 3: port unreachable. */
#define ICMP_DEST_UNREACH 3
#define ICMP_PORT_UNREACH 3
#define NS_PER_SEC 1000000000ull

/* Take a token from the error bucket (TUSK_ICMP_ERR_*), refilled for the
 * time since the last refill; false when there is none. */
static bool
err_allowed(struct tusk_stack *st, uint64_t now)
{
	uint64_t add = now > st->icmp_err_at ?
		(now - st->icmp_err_at) * TUSK_ICMP_ERR_PER_SEC / NS_PER_SEC :
		0;

	if (add > 0) {
		if (st->icmp_err_tokens + add >= TUSK_ICMP_ERR_BURST) {
			st->icmp_err_tokens = TUSK_ICMP_ERR_BURST;
			st->icmp_err_at = now;
		} else {
			st->icmp_err_tokens += (uint32_t)add;
			st->icmp_err_at += add * NS_PER_SEC /
					   TUSK_ICMP_ERR_PER_SEC;
		}
	}
	if (st->icmp_err_tokens == 0)
		return false;
	st->icmp_err_tokens--;
	return true;
}

void
tusk_icmp_port_unreach(struct tusk_stack *st, uint16_t iface,
		       const struct rte_mbuf *orig, const struct tusk_addr *to,
		       uint64_t now)
{
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(orig),
				 TUSK_ICMP_ERR_QUOTE_MAX);
	struct tusk_addr our = st->ifaces[iface].addr;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *m;
	const void *q;
	uint8_t *p;

	if (!err_allowed(st, now)) {
		st->stats.icmp_unreach_limited++;
		return;
	}
	m = tusk_stack_alloc(st);
	if (m == NULL)
		return;
	p = (uint8_t *)rte_pktmbuf_append(m, sizeof(*ic) + quote);
	if (p == NULL) {
		tusk_stack_drop(st, TUSK_DROP_NO_MBUF, m);
		return;
	}
	ic = (struct rte_icmp_hdr *)p;
	memset(ic, 0, sizeof(*ic)); /* the identifier/sequence are unused */
	ic->icmp_type = ICMP_DEST_UNREACH;
	ic->icmp_code = ICMP_PORT_UNREACH;
	/* read copies a chained datagram into place itself */
	q = rte_pktmbuf_read(orig, 0, quote, p + sizeof(*ic));
	if (q != p + sizeof(*ic))
		memcpy(p + sizeof(*ic), q, quote);
	ic->icmp_cksum = (uint16_t)~msg_cksum(m);
	if (tusk_ipv4_output(st, m, &our, to, IPPROTO_ICMP, now) == 0)
		st->stats.icmp_unreach_tx++;
}
