/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP echo: the reply mirrors the request; bad messages are counted. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_icmp.h>
#include <rte_ip.h>

#include "harness.h"

static struct tusk_harness h;

static int
setup(void **state)
{
	if (tusk_harness_init(&h, "icmp") != 0)
		return -1;
	tusk_harness_learn_peer(&h, 0);
	return 0;
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

/* ICMP message of `len` bytes: echo header + pattern; checksum valid. */
static void
make_icmp(uint8_t *icmp, size_t len, uint8_t type)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)icmp;

	for (size_t i = 0; i < len; i++)
		icmp[i] = (uint8_t)(i * 7 + 3);
	ic->icmp_type = type;
	ic->icmp_code = 0;
	ic->icmp_ident = rte_cpu_to_be_16(0x1234);
	ic->icmp_seq_nb = rte_cpu_to_be_16(42);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, len);
}

static void
check_reply(const uint8_t *req, size_t len)
{
	struct rte_mbuf *m = h.sent[0];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const uint8_t *rep = (const uint8_t *)(ip + 1);

	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h.peer_mac));
	assert_int_equal(rte_be_to_cpu_32(ip->src_addr), HARNESS_OUR_IP);
	assert_int_equal(rte_be_to_cpu_32(ip->dst_addr), HARNESS_PEER_IP);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 20 + len);
	assert_int_equal(rep[0], RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rte_raw_cksum(rep, len), 0xffff);
	/* identifier, sequence and data are echoed unchanged */
	assert_memory_equal(rep + 4, req + 4, len - 4);
}

static void
test_echo_small_and_jumbo(void **state)
{
	static const size_t sizes[] = {8, 64, 1472, 8008, 8972};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		static uint8_t icmp[9000], frame[9100];
		size_t len;

		make_icmp(icmp, sizes[i], RTE_IP_ICMP_ECHO_REQUEST);
		len = tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP,
					      HARNESS_OUR_IP, IPPROTO_ICMP,
					      icmp, sizes[i]);
		tusk_harness_input(&h, frame, len, 1);
		assert_int_equal(h.n_sent, 1);
		check_reply(icmp, sizes[i]);
		tusk_harness_clear(&h);
	}
	assert_int_equal(tusk_stack_stats(h.st)->icmp_echo_rx, 5);
	assert_int_equal(tusk_stack_stats(h.st)->icmp_echo_tx, 5);
}

/* A request spread over a chain of three mbufs (as scatter rx gives). */
static void
test_echo_chained(void **state)
{
	static uint8_t icmp[3000], frame[3100];
	size_t len;
	struct rte_mbuf *a, *b, *c;

	make_icmp(icmp, sizeof(icmp), RTE_IP_ICMP_ECHO_REQUEST);
	len = tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP, HARNESS_OUR_IP,
				      IPPROTO_ICMP, icmp, sizeof(icmp));
	a = tusk_harness_mbuf(&h, frame, 1000);
	b = tusk_harness_mbuf(&h, frame + 1000, 1001);
	c = tusk_harness_mbuf(&h, frame + 2001, len - 2001);
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	assert_int_equal(rte_pktmbuf_chain(a, c), 0);
	tusk_stack_input(h.st, 0, &a, 1, 1);
	assert_int_equal(h.n_sent, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(h.sent[0]), len);
	uint8_t out[3100];
	const uint8_t *p = rte_pktmbuf_read(h.sent[0], 34, sizeof(icmp), out);
	assert_int_equal(p[0], RTE_IP_ICMP_ECHO_REPLY);
	assert_memory_equal(p + 4, icmp + 4, sizeof(icmp) - 4);
}

static void
test_bad_messages(void **state)
{
	static const struct {
		const char *what;
		size_t len;
		uint8_t type;
		int corrupt;
		enum tusk_drop why;
	} cases[] = {
		{"bad checksum", 64, RTE_IP_ICMP_ECHO_REQUEST, 1, TUSK_DROP_ICMP_BAD_CSUM},
		{"truncated", 4, RTE_IP_ICMP_ECHO_REQUEST, 0, TUSK_DROP_ICMP_TRUNCATED},
		{"echo reply", 64, RTE_IP_ICMP_ECHO_REPLY, 0, TUSK_DROP_ICMP_UNSUPPORTED},
		{"timestamp", 20, 13, 0, TUSK_DROP_ICMP_UNSUPPORTED},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t icmp[64], frame[128];
		uint64_t before = tusk_stack_stats(h.st)->drops[cases[i].why];
		size_t len;

		make_icmp(icmp, cases[i].len < 8 ? 8 : cases[i].len, cases[i].type);
		if (cases[i].corrupt)
			icmp[20] ^= 0x40;
		len = tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP,
					      HARNESS_OUR_IP, IPPROTO_ICMP,
					      icmp, cases[i].len);
		tusk_harness_input(&h, frame, len, 1);
		if (h.n_sent != 0)
			fail_msg("case '%s' answered", cases[i].what);
		if (tusk_stack_stats(h.st)->drops[cases[i].why] != before + 1)
			fail_msg("case '%s' not counted as %s", cases[i].what,
				 tusk_stats_drop_name(cases[i].why));
	}
}

static void
test_tx_full_counted(void **state)
{
	uint8_t icmp[64], frame[128];
	size_t len;

	uint64_t sent_before = tusk_stack_stats(h.st)->tx_frames;

	h.tx_accept = 0; /* the driver's ring is full */
	make_icmp(icmp, sizeof(icmp), RTE_IP_ICMP_ECHO_REQUEST);
	len = tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP, HARNESS_OUR_IP,
				      IPPROTO_ICMP, icmp, sizeof(icmp));
	tusk_harness_input(&h, frame, len, 1);
	assert_int_equal(tusk_stack_stats(h.st)->drops[TUSK_DROP_TX_FULL], 1);
	assert_int_equal(tusk_stack_stats(h.st)->tx_frames, sent_before);
	h.tx_accept = UINT16_MAX;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_small_and_jumbo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_full_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
