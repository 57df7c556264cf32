/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP: answers, learning, resolution with held frames, retries, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "harness.h"
#include "ipv4.h"
#include "stack_priv.h"

#define SEC (1000ull * 1000 * 1000)

static struct tusk_harness h;

static int
setup(void **state)
{
	return tusk_harness_init(&h, "arp");
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

/* Build an ARP frame; returns its length (padded to the 60-byte minimum). */
static size_t
arp_frame(uint8_t *buf, uint16_t op, uint32_t sip, uint32_t tip,
	  uint16_t hrd, uint8_t hlen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eth + 1);

	memset(buf, 0, 60);
	memset(&eth->dst_addr, 0xff, 6);
	eth->src_addr = h.peer_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(hrd);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = hlen;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = h.peer_mac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return 60;
}

static const struct rte_arp_hdr *
sent_arp(unsigned int i)
{
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod(h.sent[i], const struct rte_ether_hdr *);

	assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_ARP);
	return (const struct rte_arp_hdr *)(eth + 1);
}

static void
test_gratuitous_at_start(void **state)
{
	/* tusk_harness_init attached the iface; the announcement was sent. */
	const struct tusk_stack_stats *s = tusk_stack_stats(h.st);

	assert_int_equal(s->arp_tx_gratuitous, 1);
}

static void
test_request_answered(void **state)
{
	uint8_t buf[64];
	const struct rte_arp_hdr *ah;
	const struct rte_ether_hdr *eth;

	tusk_harness_input(&h, buf, arp_frame(buf, RTE_ARP_OP_REQUEST,
			   HARNESS_PEER_IP, HARNESS_OUR_IP, RTE_ARP_HRD_ETHER, 6), 1);
	assert_int_equal(h.n_sent, 1);
	eth = rte_pktmbuf_mtod(h.sent[0], const struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h.peer_mac));
	ah = sent_arp(0);
	assert_int_equal(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &h.our_mac));
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_sip), HARNESS_OUR_IP);
	assert_int_equal(rte_be_to_cpu_32(ah->arp_data.arp_tip), HARNESS_PEER_IP);
	assert_int_equal(rte_pktmbuf_pkt_len(h.sent[0]), 42);
	/* The requester was learned: the ARP table shows it resolved. */
	struct tusk_arp_entry_info info[4];
	assert_int_equal(tusk_stack_arp_dump(h.st, info, 4, 2), 1);
	assert_true(info[0].resolved);
	assert_true(rte_is_same_ether_addr(&info[0].mac, &h.peer_mac));
}

static void
test_malformed_dropped(void **state)
{
	static const struct {
		const char *what;
		uint16_t op, hrd;
		uint8_t hlen;
		uint32_t tip;
		size_t len;
		enum tusk_drop why;
	} cases[] = {
		{"bad hardware type", 1, 6, 6, HARNESS_OUR_IP, 60, TUSK_DROP_ARP_MALFORMED},
		{"bad hw length", 1, 1, 8, HARNESS_OUR_IP, 60, TUSK_DROP_ARP_MALFORMED},
		{"truncated", 1, 1, 6, HARNESS_OUR_IP, 14 + 20, TUSK_DROP_ARP_MALFORMED},
		{"bad opcode", 9, 1, 6, HARNESS_OUR_IP, 60, TUSK_DROP_ARP_BAD_OP},
		{"not for us", 1, 1, 6, RTE_IPV4(10, 0, 0, 77), 60, TUSK_DROP_ARP_NOT_FOR_US},
	};
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before = tusk_stack_stats(h.st)->drops[cases[i].why];

		arp_frame(buf, cases[i].op, HARNESS_PEER_IP, cases[i].tip,
			  cases[i].hrd, cases[i].hlen);
		tusk_harness_input(&h, buf, cases[i].len, 1);
		assert_int_equal(h.n_sent, 0);
		if (tusk_stack_stats(h.st)->drops[cases[i].why] != before + 1)
			fail_msg("case '%s' not counted", cases[i].what);
	}
}

/* Send an IP packet to an unknown neighbour: held, ARP request out; the
 * reply releases it with the right MAC. */
static struct rte_mbuf *
udp_like(void)
{
	static const uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	return tusk_harness_mbuf(&h, payload, sizeof(payload));
}

static void
test_resolve_holds_then_releases(void **state)
{
	struct tusk_addr src = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_OUR_IP));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));
	uint8_t buf[64];
	const struct rte_ether_hdr *eth;

	assert_int_equal(tusk_ipv4_output(h.st, udp_like(), &src, &dst, 17, 0), 0);
	assert_int_equal(tusk_ipv4_output(h.st, udp_like(), &src, &dst, 17, 0), 0);
	tusk_stack_flush(h.st);
	assert_int_equal(h.n_sent, 1); /* one request, both packets held */
	assert_int_equal(rte_be_to_cpu_16(sent_arp(0)->arp_opcode),
			 RTE_ARP_OP_REQUEST);
	assert_int_equal(tusk_stack_next_event(h.st), SEC);
	tusk_harness_clear(&h);
	arp_frame(buf, RTE_ARP_OP_REPLY, HARNESS_PEER_IP, HARNESS_OUR_IP,
		  RTE_ARP_HRD_ETHER, 6);
	tusk_harness_input(&h, buf, 60, SEC / 2);
	assert_int_equal(h.n_sent, 2);
	for (unsigned int i = 0; i < 2; i++) {
		eth = rte_pktmbuf_mtod(h.sent[i], const struct rte_ether_hdr *);
		assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h.peer_mac));
		assert_int_equal(rte_be_to_cpu_16(eth->ether_type),
				 RTE_ETHER_TYPE_IPV4);
	}
	assert_int_equal(tusk_stack_next_event(h.st) , UINT64_MAX);
}

static void
test_unresolved_gives_up(void **state)
{
	struct tusk_addr src = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_OUR_IP));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 9)));
	uint64_t unresolved =
		tusk_stack_stats(h.st)->drops[TUSK_DROP_ARP_UNRESOLVED];

	assert_int_equal(tusk_ipv4_output(h.st, udp_like(), &src, &dst, 17, 0), 0);
	for (uint64_t t = 1; t <= 4; t++)
		tusk_stack_poll(h.st, t * SEC);
	assert_int_equal(h.n_sent, TUSK_ARP_MAX_REQUESTS);
	assert_int_equal(tusk_stack_stats(h.st)->drops[TUSK_DROP_ARP_UNRESOLVED],
			 unresolved + 1);
	assert_int_equal(tusk_stack_next_event(h.st), UINT64_MAX);
}

static void
test_pending_queue_bounded(void **state)
{
	struct tusk_addr src = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_OUR_IP));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 9)));

	for (int i = 0; i < TUSK_ARP_PENDING_MAX + 3; i++)
		tusk_ipv4_output(h.st, udp_like(), &src, &dst, 17, 0);
	assert_int_equal(tusk_stack_stats(h.st)->drops[TUSK_DROP_ARP_QUEUE_FULL], 3);
}

static void
test_entry_expires(void **state)
{
	struct tusk_addr src = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_OUR_IP));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));

	tusk_harness_learn_peer(&h, 0);
	assert_int_equal(tusk_ipv4_output(h.st, udp_like(), &src, &dst, 17, SEC), 0);
	tusk_stack_flush(h.st);
	assert_int_equal(h.n_sent, 1); /* straight out: resolved */
	tusk_harness_clear(&h);
	/* After the default 300 s lifetime the neighbour is asked again. */
	assert_int_equal(tusk_ipv4_output(h.st, udp_like(), &src, &dst, 17,
					  301 * SEC), 0);
	tusk_stack_flush(h.st);
	assert_int_equal(h.n_sent, 1);
	assert_int_equal(rte_be_to_cpu_16(sent_arp(0)->arp_opcode),
			 RTE_ARP_OP_REQUEST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gratuitous_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_holds_then_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresolved_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_queue_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_expires, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
