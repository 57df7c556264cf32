/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP, RFC 826. Call graph:
 *   tusk_arp_input() -> valid() -> learn() -> reply() / flush_pending()
 *   tusk_arp_output() -> lookup() -> eth_out() | hold() -> request()
 *   tusk_arp_poll() -> request() / give_up()
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>

#include "arp.h"
#include "stack_priv.h"

static inline unsigned int
slot_of(rte_be32_t ip)
{
	uint32_t h = rte_be_to_cpu_32(ip) * 0x9e3779b1u;

	return h >> (32 - 8); /* log2(TUSK_ARP_TABLE_SIZE) == 8 */
}
_Static_assert(TUSK_ARP_TABLE_SIZE == 256, "slot_of() assumes 256 entries");

void
tusk_arp_init(struct tusk_arp *arp, uint64_t timeout_ns)
{
	memset(arp, 0, sizeof(*arp));
	arp->timeout_ns = timeout_ns ? timeout_ns : TUSK_ARP_DEFAULT_TIMEOUT_NS;
}

static void
free_pending(struct tusk_stack *st, struct tusk_arp_entry *e,
	     enum tusk_drop reason)
{
	for (unsigned int i = 0; i < e->n_pending; i++) {
		if (st != NULL)
			st->stats.drops[reason]++;
		rte_pktmbuf_free(e->pending[i]);
	}
	e->n_pending = 0;
}

void
tusk_arp_fini(struct tusk_arp *arp)
{
	for (unsigned int i = 0; i < TUSK_ARP_TABLE_SIZE; i++)
		free_pending(NULL, &arp->table[i], TUSK_DROP_ARP_UNRESOLVED);
}

static bool
expired(const struct tusk_arp *arp, const struct tusk_arp_entry *e,
	uint64_t now)
{
	return e->state == TUSK_ARP_REACHABLE &&
	       now - e->updated >= arp->timeout_ns;
}

/* Find the entry for ip, linear probing from its slot. */
static struct tusk_arp_entry *
lookup(struct tusk_arp *arp, rte_be32_t ip)
{
	unsigned int s = slot_of(ip);

	for (unsigned int i = 0; i < TUSK_ARP_TABLE_SIZE; i++) {
		struct tusk_arp_entry *e =
			&arp->table[(s + i) % TUSK_ARP_TABLE_SIZE];
		if (e->state == TUSK_ARP_FREE)
			return NULL;
		if (e->ip == ip)
			return e;
	}
	return NULL;
}

static void
set_state(struct tusk_arp *arp, struct tusk_arp_entry *e, uint8_t state)
{
	if (e->state == TUSK_ARP_INCOMPLETE)
		arp->n_incomplete--;
	if (state == TUSK_ARP_INCOMPLETE)
		arp->n_incomplete++;
	e->state = state;
}

/*
 * Take a slot for ip. Entries are never deleted from the middle of a probe
 * chain (that would hide later entries); a stale entry is recycled in place.
 * When the table is full, the oldest resolved entry is evicted.
 */
static struct tusk_arp_entry *
create(struct tusk_stack *st, rte_be32_t ip, uint64_t now)
{
	struct tusk_arp *arp = &st->arp;
	struct tusk_arp_entry *victim = NULL;
	unsigned int s = slot_of(ip);

	for (unsigned int i = 0; i < TUSK_ARP_TABLE_SIZE; i++) {
		struct tusk_arp_entry *e =
			&arp->table[(s + i) % TUSK_ARP_TABLE_SIZE];
		if (e->state == TUSK_ARP_FREE || expired(arp, e, now)) {
			victim = e;
			break;
		}
		if (e->state == TUSK_ARP_REACHABLE &&
		    (victim == NULL || e->updated < victim->updated))
			victim = e;
	}
	if (victim == NULL)
		return NULL; /* every entry is being resolved right now */
	free_pending(st, victim, TUSK_DROP_ARP_UNRESOLVED);
	set_state(arp, victim, TUSK_ARP_FREE);
	memset(victim, 0, sizeof(*victim));
	victim->ip = ip;
	victim->updated = now;
	return victim;
}

static struct rte_mbuf *
build(struct tusk_stack *st, uint16_t iface, uint16_t op,
      const struct rte_ether_addr *dst_mac, const struct rte_ether_addr *tha,
      rte_be32_t tip)
{
	const struct tusk_iface_conf *ifc = &st->ifaces[iface];
	struct rte_mbuf *m = tusk_stack_alloc(st);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *ah;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
			sizeof(*eth) + sizeof(*ah));
	ah = (struct rte_arp_hdr *)(eth + 1);
	eth->dst_addr = *dst_mac;
	eth->src_addr = ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(rte_be32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = ifc->mac;
	ah->arp_data.arp_sip = ifc->addr.v4;
	ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = tip;
	return m;
}

static const struct rte_ether_addr bcast = {
	.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr zero_mac;

static void
request(struct tusk_stack *st, struct tusk_arp_entry *e, uint64_t now)
{
	struct rte_mbuf *m = build(st, e->iface, RTE_ARP_OP_REQUEST, &bcast,
				   &zero_mac, e->ip);

	e->requests++;
	e->next_retry = now + TUSK_ARP_RETRY_NS;
	if (m == NULL)
		return;
	st->stats.arp_tx_requests++;
	tusk_stack_xmit(st, e->iface, m);
}

void
tusk_arp_announce(struct tusk_stack *st, uint16_t iface)
{
	const struct tusk_iface_conf *ifc = &st->ifaces[iface];
	/* RFC 5227 section 3: an ARP request with sender and target both our
	 * address; the target hardware address is ignored (zero). */
	struct rte_mbuf *m = build(st, iface, RTE_ARP_OP_REQUEST, &bcast,
				   &zero_mac, ifc->addr.v4);

	if (m == NULL)
		return;
	st->stats.arp_tx_gratuitous++;
	tusk_stack_xmit(st, iface, m);
}

/* Prepend the Ethernet header and queue the frame. */
static void
eth_out(struct tusk_stack *st, uint16_t iface,
	const struct rte_ether_addr *dst, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)
		rte_pktmbuf_prepend(m, sizeof(*eth));

	if (eth == NULL) {
		tusk_stack_drop(st, TUSK_DROP_NO_MBUF, m);
		return;
	}
	eth->dst_addr = *dst;
	eth->src_addr = st->ifaces[iface].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = sizeof(*eth);
	tusk_stack_xmit(st, iface, m);
}

static void
flush_pending(struct tusk_stack *st, struct tusk_arp_entry *e)
{
	for (unsigned int i = 0; i < e->n_pending; i++)
		eth_out(st, e->iface, &e->mac, e->pending[i]);
	e->n_pending = 0;
}

void
tusk_arp_output(struct tusk_stack *st, uint16_t iface, rte_be32_t next_hop,
		struct rte_mbuf *m, uint64_t now)
{
	struct tusk_arp_entry *e = lookup(&st->arp, next_hop);

	if (e != NULL && e->state == TUSK_ARP_REACHABLE &&
	    !expired(&st->arp, e, now)) {
		eth_out(st, iface, &e->mac, m);
		return;
	}
	if (e == NULL || e->state == TUSK_ARP_REACHABLE) {
		if (e == NULL)
			e = create(st, next_hop, now);
		if (e == NULL) {
			tusk_stack_drop(st, TUSK_DROP_ARP_QUEUE_FULL, m);
			return;
		}
		e->iface = iface;
		e->requests = 0;
		set_state(&st->arp, e, TUSK_ARP_INCOMPLETE);
		request(st, e, now);
	}
	if (e->n_pending == TUSK_ARP_PENDING_MAX) {
		tusk_stack_drop(st, TUSK_DROP_ARP_QUEUE_FULL, m);
		return;
	}
	e->pending[e->n_pending++] = m;
}

/* Record sender's address (RFC 826 "merge" step, and create when the
 * packet is for us so that our reply and later traffic need no request). */
static void
learn(struct tusk_stack *st, uint16_t iface, rte_be32_t ip,
      const struct rte_ether_addr *mac, bool for_us, uint64_t now)
{
	struct tusk_arp_entry *e = lookup(&st->arp, ip);

	if (e == NULL || expired(&st->arp, e, now)) {
		if (!for_us)
			return;
		if (e == NULL && (e = create(st, ip, now)) == NULL)
			return;
	}
	e->mac = *mac;
	e->iface = iface;
	e->updated = now;
	set_state(&st->arp, e, TUSK_ARP_REACHABLE);
	flush_pending(st, e);
}

/* Turn the request around in place into our reply. */
static void
reply(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
      struct rte_arp_hdr *ah)
{
	const struct tusk_iface_conf *ifc = &st->ifaces[iface];
	struct rte_ether_hdr *eth;

	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_tha = ah->arp_data.arp_sha;
	ah->arp_data.arp_tip = ah->arp_data.arp_sip;
	ah->arp_data.arp_sha = ifc->mac;
	ah->arp_data.arp_sip = ifc->addr.v4;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	eth->dst_addr = ah->arp_data.arp_tha;
	eth->src_addr = ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	/* Drop any Ethernet padding that followed the request. */
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - sizeof(*eth) -
				    sizeof(*ah));
	st->stats.arp_tx_replies++;
	tusk_stack_xmit(st, iface, m);
}

static int
valid(const struct rte_arp_hdr *ah)
{
	if (ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    ah->arp_plen != sizeof(rte_be32_t))
		return -EINVAL;
	/* A neighbour claiming a broadcast/multicast MAC is bogus. */
	if (!rte_is_unicast_ether_addr(&ah->arp_data.arp_sha))
		return -EINVAL;
	return 0;
}

void
tusk_arp_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
	       uint64_t now)
{
	const struct tusk_iface_conf *ifc = &st->ifaces[iface];
	struct rte_arp_hdr *ah;
	uint16_t op;
	bool for_us;

	if (rte_pktmbuf_data_len(m) < sizeof(*ah) ||
	    valid(ah = rte_pktmbuf_mtod(m, struct rte_arp_hdr *)) != 0) {
		tusk_stack_drop(st, TUSK_DROP_ARP_MALFORMED, m);
		return;
	}
	op = rte_be_to_cpu_16(ah->arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		tusk_stack_drop(st, TUSK_DROP_ARP_BAD_OP, m);
		return;
	}
	for_us = ah->arp_data.arp_tip == ifc->addr.v4;
	/* Our own address used by someone else, or a probe (sender 0.0.0.0,
	 * RFC 5227): nothing to learn. */
	if (ah->arp_data.arp_sip != 0 && ah->arp_data.arp_sip != ifc->addr.v4)
		learn(st, iface, ah->arp_data.arp_sip, &ah->arp_data.arp_sha,
		      for_us, now);
	if (op == RTE_ARP_OP_REPLY)
		st->stats.arp_rx_replies++;
	else
		st->stats.arp_rx_requests++;
	if (!for_us) {
		tusk_stack_drop(st, TUSK_DROP_ARP_NOT_FOR_US, m);
		return;
	}
	if (op == RTE_ARP_OP_REQUEST) {
		reply(st, iface, m, ah);
		return;
	}
	rte_pktmbuf_free(m);
}

void
tusk_arp_poll(struct tusk_stack *st, uint64_t now)
{
	struct tusk_arp *arp = &st->arp;

	if (arp->n_incomplete == 0)
		return;
	for (unsigned int i = 0; i < TUSK_ARP_TABLE_SIZE; i++) {
		struct tusk_arp_entry *e = &arp->table[i];

		if (e->state != TUSK_ARP_INCOMPLETE || now < e->next_retry)
			continue;
		if (e->requests < TUSK_ARP_MAX_REQUESTS) {
			request(st, e, now);
			continue;
		}
		/* Give up: drop what waited, keep the slot as a stale
		 * REACHABLE-less marker so probe chains stay intact. */
		free_pending(st, e, TUSK_DROP_ARP_UNRESOLVED);
		set_state(arp, e, TUSK_ARP_REACHABLE);
		e->updated = now - arp->timeout_ns; /* already expired */
		memset(&e->mac, 0, sizeof(e->mac));
	}
}

uint64_t
tusk_arp_next_event(const struct tusk_arp *arp)
{
	uint64_t next = UINT64_MAX;

	if (arp->n_incomplete == 0)
		return next;
	for (unsigned int i = 0; i < TUSK_ARP_TABLE_SIZE; i++) {
		const struct tusk_arp_entry *e = &arp->table[i];

		if (e->state == TUSK_ARP_INCOMPLETE && e->next_retry < next)
			next = e->next_retry;
	}
	return next;
}
