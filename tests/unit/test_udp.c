/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP on crafted datagrams: delivery to a bound port, every drop reason,
 * the zero checksum, the port unreachable for a closed port and its rate
 * limit, and what tusk_udp_send() puts on the wire (software and
 * offloaded checksums).
 */
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
#include "icmp.h"
#include "udp.h"
#include "udp_wire.h"

#define PORT 5201
#define PEER_PORT 40000
#define MS 1000000ull

static struct tusk_harness h;

/* What the receive callback saw. */
static struct {
	unsigned int calls;
	struct tusk_udp_meta meta;
	uint8_t data[9000];
	uint32_t len;
} got;

static void
recv_cb(void *arg, struct rte_mbuf *m, const struct tusk_udp_meta *meta,
	uint64_t now)
{
	const void *p;

	assert_ptr_equal(arg, &got);
	got.calls++;
	got.meta = *meta;
	got.len = rte_pktmbuf_pkt_len(m);
	p = rte_pktmbuf_read(m, 0, got.len, got.data);
	if (p != got.data && got.len > 0)
		memcpy(got.data, p, got.len);
	rte_pktmbuf_free(m);
	(void)now;
}

static int
setup(void **state)
{
	if (tusk_harness_init(&h, "udp") != 0)
		return -1;
	tusk_harness_learn_peer(&h, 0);
	memset(&got, 0, sizeof(got));
	return tusk_udp_bind(h.st, PORT, recv_cb, &got);
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

/* A datagram of `plen` payload bytes (pattern) to dport with a valid
 * checksum into udp[]; returns its length. */
static size_t
make_udp(uint8_t *udp, uint16_t dport, size_t plen)
{
	struct tusk_udp_hdr *uh = (struct tusk_udp_hdr *)udp;
	struct {
		rte_be32_t src, dst;
		uint8_t zero, proto;
		rte_be16_t len;
	} __rte_packed ph;
	uint32_t sum;
	uint16_t ck;

	for (size_t i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)(i * 13 + 5);
	uh->sport = rte_cpu_to_be_16(PEER_PORT);
	uh->dport = rte_cpu_to_be_16(dport);
	uh->len = rte_cpu_to_be_16((uint16_t)(plen + 8));
	uh->cksum = 0;
	ph.src = rte_cpu_to_be_32(HARNESS_PEER_IP);
	ph.dst = rte_cpu_to_be_32(HARNESS_OUR_IP);
	ph.zero = 0;
	ph.proto = IPPROTO_UDP;
	ph.len = uh->len;
	sum = __rte_raw_cksum(&ph, sizeof(ph), 0);
	sum = __rte_raw_cksum(udp, plen + 8, sum);
	ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	uh->cksum = ck == 0 ? 0xffff : ck;
	return plen + 8;
}

static size_t
frame_of(uint8_t *frame, const uint8_t *udp, size_t len)
{
	return tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP, HARNESS_OUR_IP,
				       IPPROTO_UDP, udp, len);
}

static void
test_delivered(void **state)
{
	static const size_t sizes[] = {0, 1, 12, 1472, 8972};

	for (size_t i = 0; i < RTE_DIM(sizes); i++) {
		static uint8_t udp[9000], frame[9100];
		size_t len = make_udp(udp, PORT, sizes[i]);

		tusk_harness_input(&h, frame, frame_of(frame, udp, len), 7);
		assert_int_equal(got.calls, i + 1);
		assert_int_equal(got.len, sizes[i]);
		assert_memory_equal(got.data, udp + 8, sizes[i]);
		assert_int_equal(got.meta.sport, PEER_PORT);
		assert_int_equal(got.meta.dport, PORT);
		assert_int_equal(rte_be_to_cpu_32(got.meta.src.v4),
				 HARNESS_PEER_IP);
		assert_int_equal(rte_be_to_cpu_32(got.meta.dst.v4),
				 HARNESS_OUR_IP);
		assert_int_equal(h.n_sent, 0);
	}
	assert_int_equal(tusk_stack_stats(h.st)->udp_rx, RTE_DIM(sizes));
	assert_int_equal(tusk_stack_stats(h.st)->udp_rx_no_cksum, 0);
}

/* RFC 768: zero means the sender computed none; it is delivered. */
static void
test_zero_checksum(void **state)
{
	uint8_t udp[108], frame[200];
	size_t len = make_udp(udp, PORT, 100);

	udp[6] = udp[7] = 0;
	udp[50] ^= 0xff; /* nothing checks the data */
	tusk_harness_input(&h, frame, frame_of(frame, udp, len), 1);
	assert_int_equal(got.calls, 1);
	assert_int_equal(got.len, 100);
	assert_int_equal(tusk_stack_stats(h.st)->udp_rx_no_cksum, 1);
}

/* IP payload past the UDP length is trimmed; the checksum covers the
 * UDP length only. */
static void
test_ip_longer_than_udp(void **state)
{
	uint8_t udp[120], frame[200];
	size_t len = make_udp(udp, PORT, 100);

	memset(udp + len, 0xaa, 12);
	tusk_harness_input(&h, frame, frame_of(frame, udp, len + 12), 1);
	assert_int_equal(got.calls, 1);
	assert_int_equal(got.len, 100);
	assert_memory_equal(got.data, udp + 8, 100);
}

enum mutation { BAD_SUM, SHORT, LEN_PAST_IP, LEN_UNDER_8, HW_BAD, HW_GOOD };

static void
test_bad_datagrams(void **state)
{
	static const struct {
		const char *what;
		enum mutation mut;
		bool delivered;
		enum tusk_drop why;
	} cases[] = {
		{"bad checksum", BAD_SUM, false, TUSK_DROP_UDP_BAD_CSUM},
		{"truncated header", SHORT, false, TUSK_DROP_UDP_TRUNCATED},
		{"length past the IP payload", LEN_PAST_IP, false,
		 TUSK_DROP_UDP_BAD_LEN},
		{"length under 8", LEN_UNDER_8, false, TUSK_DROP_UDP_BAD_LEN},
		{"port says bad, sum good", HW_BAD, false,
		 TUSK_DROP_UDP_BAD_CSUM},
		{"port says good, sum bad", HW_GOOD, true, TUSK_DROP_MAX},
	};

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		uint8_t udp[108], frame[200];
		size_t len = make_udp(udp, PORT, 100), flen;
		const uint64_t *drops = tusk_stack_stats(h.st)->drops;
		uint64_t before = cases[i].why < TUSK_DROP_MAX ?
			drops[cases[i].why] : 0;
		unsigned int calls = got.calls;
		struct rte_mbuf *m;

		if (cases[i].mut == BAD_SUM || cases[i].mut == HW_GOOD)
			udp[40] ^= 0x01;
		if (cases[i].mut == SHORT)
			len = 6;
		if (cases[i].mut == LEN_PAST_IP)
			udp[5] += 1;
		if (cases[i].mut == LEN_UNDER_8)
			udp[4] = 0, udp[5] = 7;
		flen = frame_of(frame, udp, len);
		m = tusk_harness_mbuf(&h, frame, flen);
		if (cases[i].mut == HW_BAD)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
		if (cases[i].mut == HW_GOOD)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		tusk_stack_input(h.st, 0, &m, 1, 1);
		if ((got.calls != calls) != cases[i].delivered)
			fail_msg("case '%s': delivered %u", cases[i].what,
				 got.calls - calls);
		if (cases[i].why < TUSK_DROP_MAX &&
		    drops[cases[i].why] != before + 1)
			fail_msg("case '%s' not counted as %s", cases[i].what,
				 tusk_stats_drop_name(cases[i].why));
		if (h.n_sent != 0)
			fail_msg("case '%s' answered", cases[i].what);
	}
}

/* The port unreachable quotes the IP header and the datagram's start. */
static void
check_unreach(struct rte_mbuf *m, const uint8_t *frame, size_t flen)
{
	uint8_t buf[700];
	const struct rte_ipv4_hdr *ip;
	const uint8_t *icmp;
	size_t quote = RTE_MIN(flen - 14, (size_t)TUSK_ICMP_ERR_QUOTE_MAX);

	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 20 + 8 + quote);
	ip = rte_pktmbuf_read(m, 14, 20, buf);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(rte_be_to_cpu_32(ip->dst_addr), HARNESS_PEER_IP);
	assert_int_equal(rte_be_to_cpu_32(ip->src_addr), HARNESS_OUR_IP);
	icmp = rte_pktmbuf_read(m, 34, 8 + quote, buf);
	assert_int_equal(icmp[0], 3); /* destination unreachable */
	assert_int_equal(icmp[1], 3); /* port */
	assert_int_equal(rte_raw_cksum(icmp, 8 + quote), 0xffff);
	assert_memory_equal(icmp + 8, frame + 14, quote);
}

static void
test_closed_port_unreachable(void **state)
{
	static const size_t sizes[] = {0, 100, 1472};

	for (size_t i = 0; i < RTE_DIM(sizes); i++) {
		static uint8_t udp[1500], frame[1600];
		size_t len = make_udp(udp, 9999, sizes[i]);
		size_t flen = frame_of(frame, udp, len);

		tusk_harness_input(&h, frame, flen, (i + 1) * 1000 * MS);
		assert_int_equal(h.n_sent, 1);
		check_unreach(h.sent[0], frame, flen);
		tusk_harness_clear(&h);
	}
	assert_int_equal(got.calls, 0);
	assert_int_equal(tusk_stack_stats(h.st)->drops[TUSK_DROP_UDP_NO_PORT],
			 RTE_DIM(sizes));
	assert_int_equal(tusk_stack_stats(h.st)->icmp_unreach_tx,
			 RTE_DIM(sizes));
	/* unbound, the service's port is closed too */
	assert_int_equal(tusk_udp_unbind(h.st, PORT), 0);
	assert_int_equal(tusk_udp_unbind(h.st, PORT), -ENOENT);
}

/* A burst of TUSK_ICMP_ERR_BURST, then TUSK_ICMP_ERR_PER_SEC. */
static void
test_unreachable_rate_limit(void **state)
{
	const struct tusk_stack_stats *s = tusk_stack_stats(h.st);
	uint8_t udp[100], frame[200];
	size_t flen = frame_of(frame, udp, make_udp(udp, 9999, 50));
	uint64_t t = 5000 * MS;

	for (unsigned int i = 0; i < 3 * TUSK_ICMP_ERR_BURST; i++)
		tusk_harness_input(&h, frame, flen, t);
	assert_int_equal(h.n_sent, TUSK_ICMP_ERR_BURST);
	assert_int_equal(s->icmp_unreach_tx, TUSK_ICMP_ERR_BURST);
	assert_int_equal(s->icmp_unreach_limited, 2 * TUSK_ICMP_ERR_BURST);
	assert_int_equal(s->drops[TUSK_DROP_UDP_NO_PORT],
			 3 * TUSK_ICMP_ERR_BURST);
	tusk_harness_clear(&h);
	/* 50 ms later: 5 tokens at 100/s */
	t += 50 * MS;
	for (unsigned int i = 0; i < 20; i++)
		tusk_harness_input(&h, frame, flen, t);
	assert_int_equal(h.n_sent, 50 * TUSK_ICMP_ERR_PER_SEC / 1000);
	tusk_harness_clear(&h);
	/* 9 ms more: none yet (a token per 10 ms) */
	tusk_harness_input(&h, frame, flen, t + 9 * MS);
	assert_int_equal(h.n_sent, 0);
	tusk_harness_input(&h, frame, flen, t + 10 * MS);
	assert_int_equal(h.n_sent, 1);
	tusk_harness_clear(&h);
	/* a long quiet spell refills the burst, no more */
	t += 3600000 * MS;
	tusk_harness_learn_peer(&h, t); /* the ARP entry expired meanwhile */
	for (unsigned int i = 0; i < 2 * TUSK_ICMP_ERR_BURST; i++)
		tusk_harness_input(&h, frame, flen, t);
	assert_int_equal(h.n_sent, TUSK_ICMP_ERR_BURST);
}

static void
test_bind_errors(void **state)
{
	static void *args[TUSK_UDP_BINDS_MAX];

	assert_int_equal(tusk_udp_bind(h.st, PORT, recv_cb, &got),
			 -EADDRINUSE);
	assert_int_equal(tusk_udp_bind(h.st, 0, recv_cb, &got), -EINVAL);
	assert_int_equal(tusk_udp_bind(h.st, 1, NULL, &got), -EINVAL);
	for (unsigned int i = 1; i < TUSK_UDP_BINDS_MAX; i++)
		assert_int_equal(tusk_udp_bind(h.st, (uint16_t)(100 + i),
					       recv_cb, &args[i]), 0);
	assert_int_equal(tusk_udp_bind(h.st, 99, recv_cb, &got), -ENOSPC);
	assert_int_equal(tusk_udp_unbind(h.st, 101), 0);
	assert_int_equal(tusk_udp_bind(h.st, 99, recv_cb, &got), 0);
}

/* A payload mbuf of `len` pattern bytes, chained after `first` bytes
 * when first < len (an odd split exercises the checksum's straddle). */
static struct rte_mbuf *
payload(size_t len, size_t first)
{
	uint8_t data[2000];
	struct rte_mbuf *a, *b;

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 29 + 1);
	if (first >= len)
		return tusk_harness_mbuf(&h, data, len);
	a = tusk_harness_mbuf(&h, data, first);
	b = tusk_harness_mbuf(&h, data + first, len - first);
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	return a;
}

/* The frame sent carries the payload after a header whose checksum
 * (with the pseudo-header) verifies. */
static void
check_sent(struct rte_mbuf *m, size_t len, bool offloaded)
{
	uint8_t buf[2100];
	const uint8_t *f = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), buf);
	const struct rte_ipv4_hdr *ip = (const void *)(f + 14);
	const struct tusk_udp_hdr *uh = (const void *)(f + 34);

	assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + len);
	assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
	assert_int_equal(rte_be_to_cpu_16(uh->sport), PORT);
	assert_int_equal(rte_be_to_cpu_16(uh->dport), PEER_PORT);
	assert_int_equal(rte_be_to_cpu_16(uh->len), 8 + len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(f[42 + i], (uint8_t)(i * 29 + 1));
	if (offloaded) {
		assert_true(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
		assert_int_equal(uh->cksum, rte_ipv4_phdr_cksum(ip, 0));
	} else {
		assert_false(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, uh), 0);
		assert_int_not_equal(uh->cksum, 0);
	}
}

static void
test_send(void **state)
{
	static const size_t cases[][2] = {
		{0, 0}, {1, 1}, {100, 100}, {1471, 1471}, {1472, 333},
		{1000, 501},
	};
	struct tusk_addr peer = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m = payload(cases[i][0], cases[i][1]);

		assert_int_equal(tusk_udp_send(h.st, m, PORT, &peer,
					       PEER_PORT, 1), 0);
		tusk_stack_poll(h.st, 1); /* the tx burst goes out */
		assert_int_equal(h.n_sent, 1);
		check_sent(h.sent[0], cases[i][0], false);
		tusk_harness_clear(&h);
	}
	assert_int_equal(tusk_stack_stats(h.st)->udp_tx, RTE_DIM(cases));
	assert_int_equal(tusk_udp_max_payload(h.st, &peer), 9000 - 28);
}

static void
test_send_errors(void **state)
{
	struct tusk_addr peer = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));
	struct tusk_addr v6 = { 0 };
	const uint64_t *drops = tusk_stack_stats(h.st)->drops;
	static uint8_t big[9000];

	assert_int_equal(tusk_udp_send(h.st, tusk_harness_mbuf(&h, big, 8973),
				       PORT, &peer, PEER_PORT, 1), -EMSGSIZE);
	assert_int_equal(drops[TUSK_DROP_UDP_TOO_BIG], 1);
	assert_int_equal(tusk_udp_send(h.st, tusk_harness_mbuf(&h, big, 10),
				       PORT, &v6, PEER_PORT, 1), -ENETUNREACH);
	assert_int_equal(tusk_udp_send(h.st, tusk_harness_mbuf(&h, big, 10),
				       0, &peer, PEER_PORT, 1), -EINVAL);
	tusk_stack_poll(h.st, 1);
	assert_int_equal(h.n_sent, 0);
	assert_int_equal(tusk_stack_stats(h.st)->udp_tx, 0);
}

/* A port that offloads the checksum gets the pseudo-header sum and the
 * flag, as DPDK's mbuf API asks. */
static void
test_send_offloaded(void **state)
{
	struct tusk_addr peer = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));
	struct tusk_iface_conf ifc = *tusk_stack_iface(h.st, 0);
	struct tusk_stack_conf sc = { .pool = h.pool, .seed = 7,
				      .max_conns = 16 };
	struct tusk_stack *plain = h.st;

	h.st = tusk_stack_create(&sc);
	assert_non_null(h.st);
	ifc.offloads = TUSK_IFACE_OFFLOAD_UDP_CKSUM |
		       TUSK_IFACE_OFFLOAD_IPV4_CKSUM;
	assert_int_equal(tusk_stack_add_iface(h.st, &ifc, 0), 0);
	tusk_harness_clear(&h);
	tusk_harness_learn_peer(&h, 0);
	assert_int_equal(tusk_udp_send(h.st, payload(1000, 501), PORT, &peer,
				       PEER_PORT, 1), 0);
	tusk_stack_poll(h.st, 1);
	assert_int_equal(h.n_sent, 1);
	check_sent(h.sent[0], 1000, true);
	tusk_harness_clear(&h);
	tusk_stack_free(h.st);
	h.st = plain;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_longer_than_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_datagrams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_port_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_offloaded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
