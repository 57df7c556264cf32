/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 input validation on crafted frames, and output routing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_icmp.h>
#include <rte_ip.h>

#include "harness.h"
#include "ipv4.h"
#include "stack_priv.h"

static struct tusk_harness h;

static int
setup(void **state)
{
	if (tusk_harness_init(&h, "ipv4") != 0)
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

/* A valid echo request from the peer, as a frame in buf; returns length. */
static size_t
echo_frame(uint8_t *buf)
{
	uint8_t icmp[16] = {RTE_IP_ICMP_ECHO_REQUEST, 0, 0, 0, 0, 1, 0, 1,
			    'p', 'i', 'n', 'g', 'p', 'i', 'n', 'g'};
	uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, sizeof(icmp));

	memcpy(&icmp[2], &ck, 2);
	return tusk_harness_ipv4_frame(buf, HARNESS_PEER_IP, HARNESS_OUR_IP,
				       IPPROTO_ICMP, icmp, sizeof(icmp));
}

static struct rte_ipv4_hdr *
ip_of(uint8_t *buf)
{
	return (struct rte_ipv4_hdr *)(buf + sizeof(struct rte_ether_hdr));
}

static void
recsum(uint8_t *buf)
{
	struct rte_ipv4_hdr *ip = ip_of(buf);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void mut_none(uint8_t *b, size_t *len) { (void)b; (void)len; }
static void mut_csum(uint8_t *b, size_t *len) { ip_of(b)->hdr_checksum ^= 0x0101; }
static void mut_trunc(uint8_t *b, size_t *len) { *len = 14 + 12; }
static void mut_version(uint8_t *b, size_t *len) { ip_of(b)->version_ihl = 0x65; recsum(b); }
static void mut_hlen_small(uint8_t *b, size_t *len) { ip_of(b)->version_ihl = 0x44; recsum(b); }
static void mut_hlen_big(uint8_t *b, size_t *len) { ip_of(b)->version_ihl = 0x4f; *len = 14 + 40; }
static void
mut_totlen(uint8_t *b, size_t *len)
{
	ip_of(b)->total_length = rte_cpu_to_be_16(2000);
	recsum(b);
}
static void
mut_totlen_small(uint8_t *b, size_t *len)
{
	ip_of(b)->total_length = rte_cpu_to_be_16(12);
	recsum(b);
}
static void
mut_frag_mf(uint8_t *b, size_t *len)
{
	ip_of(b)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	recsum(b);
}
static void
mut_frag_off(uint8_t *b, size_t *len)
{
	ip_of(b)->fragment_offset = rte_cpu_to_be_16(185);
	recsum(b);
}
static void mut_ttl(uint8_t *b, size_t *len) { ip_of(b)->time_to_live = 0; recsum(b); }
static void
mut_dst(uint8_t *b, size_t *len)
{
	ip_of(b)->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 3));
	recsum(b);
}
/* RTE_IPV4 shifts its first octet as an int: 128 and up need the u
 * (UBSan: "left shift of 224 by 24 places cannot be represented"). */
static void
mut_src_mcast(uint8_t *b, size_t *len)
{
	ip_of(b)->src_addr = rte_cpu_to_be_32(RTE_IPV4(224u, 0, 0, 1));
	recsum(b);
}
static void
mut_src_loop(uint8_t *b, size_t *len)
{
	ip_of(b)->src_addr = rte_cpu_to_be_32(RTE_IPV4(127, 0, 0, 1));
	recsum(b);
}
static void mut_proto(uint8_t *b, size_t *len) { ip_of(b)->next_proto_id = 132; recsum(b); }
static void
mut_eth_pad(uint8_t *b, size_t *len)
{
	/* Ethernet padding after the datagram must be ignored. */
	memset(b + *len, 0xee, 20);
	*len += 20;
}
static void
mut_ethertype(uint8_t *b, size_t *len)
{
	((struct rte_ether_hdr *)b)->ether_type = rte_cpu_to_be_16(0x86dd);
}
static void
mut_eth_dst(uint8_t *b, size_t *len)
{
	((struct rte_ether_hdr *)b)->dst_addr.addr_bytes[5] = 0x77;
}
static void mut_runt(uint8_t *b, size_t *len) { *len = 10; }

static void
test_input_table(void **state)
{
	static const struct {
		const char *what;
		void (*mutate)(uint8_t *buf, size_t *len);
		int why; /* -1: accepted and answered */
	} cases[] = {
		{"valid", mut_none, -1},
		{"ethernet padding", mut_eth_pad, -1},
		{"bad header checksum", mut_csum, TUSK_DROP_IP_BAD_CSUM},
		{"truncated header", mut_trunc, TUSK_DROP_IP_TRUNCATED},
		{"version 6", mut_version, TUSK_DROP_IP_BAD_VERSION},
		{"IHL 4", mut_hlen_small, TUSK_DROP_IP_BAD_HLEN},
		{"IHL past frame", mut_hlen_big, TUSK_DROP_IP_BAD_HLEN},
		{"total length past frame", mut_totlen, TUSK_DROP_IP_BAD_LEN},
		{"total length below header", mut_totlen_small, TUSK_DROP_IP_BAD_LEN},
		{"first fragment", mut_frag_mf, TUSK_DROP_IP_FRAGMENT},
		{"later fragment", mut_frag_off, TUSK_DROP_IP_FRAGMENT},
		{"TTL 0", mut_ttl, TUSK_DROP_IP_TTL_EXPIRED},
		{"not our address", mut_dst, TUSK_DROP_IP_NOT_FOR_US},
		{"multicast source", mut_src_mcast, TUSK_DROP_IP_BAD_SRC},
		{"loopback source", mut_src_loop, TUSK_DROP_IP_BAD_SRC},
		{"unknown protocol", mut_proto, TUSK_DROP_IP_UNKNOWN_PROTO},
		{"IPv6 ethertype", mut_ethertype, TUSK_DROP_ETH_UNKNOWN_TYPE},
		{"other MAC", mut_eth_dst, TUSK_DROP_ETH_NOT_FOR_US},
		{"runt", mut_runt, TUSK_DROP_ETH_RUNT},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[256];
		size_t len = echo_frame(buf);
		struct tusk_stack_stats before = *tusk_stack_stats(h.st);
		const struct tusk_stack_stats *after;

		cases[i].mutate(buf, &len);
		tusk_harness_input(&h, buf, len, 1);
		after = tusk_stack_stats(h.st);
		if (cases[i].why < 0) {
			if (h.n_sent != 1 || after->icmp_echo_tx != before.icmp_echo_tx + 1)
				fail_msg("case '%s': no reply", cases[i].what);
		} else {
			if (h.n_sent != 0)
				fail_msg("case '%s': answered", cases[i].what);
			if (after->drops[cases[i].why] != before.drops[cases[i].why] + 1)
				fail_msg("case '%s': not counted as %s", cases[i].what,
					 tusk_stats_drop_name(cases[i].why));
		}
		assert_int_equal(after->rx_frames, before.rx_frames + 1);
		tusk_harness_clear(&h);
	}
}

static void
test_ip_options_accepted(void **state)
{
	/* RFC 1122 3.2.1.8: a host must accept datagrams with options. */
	uint8_t icmp[8] = {RTE_IP_ICMP_ECHO_REQUEST, 0, 0, 0, 0, 7, 0, 9};
	uint8_t buf[128];
	struct rte_ipv4_hdr *ip = ip_of(buf);
	uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, sizeof(icmp));
	size_t len;

	memcpy(&icmp[2], &ck, 2);
	len = tusk_harness_ipv4_frame(buf, HARNESS_PEER_IP, HARNESS_OUR_IP,
				      IPPROTO_ICMP, NULL, 0);
	memset(buf + len, 1, 4); /* four NOP options */
	memcpy(buf + len + 4, icmp, sizeof(icmp));
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(24 + sizeof(icmp));
	recsum(buf);
	tusk_harness_input(&h, buf, len + 4 + sizeof(icmp), 1);
	assert_int_equal(h.n_sent, 1);
}

static void
test_output_header(void **state)
{
	struct tusk_addr src = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_OUR_IP));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));
	uint8_t pl[10] = {0};
	const struct rte_ipv4_hdr *ip;

	assert_int_equal(tusk_ipv4_output(h.st, tusk_harness_mbuf(&h, pl, 10),
					  &src, &dst, 253, 1), 0);
	tusk_stack_flush(h.st);
	assert_int_equal(h.n_sent, 1);
	ip = rte_pktmbuf_mtod_offset(h.sent[0], const struct rte_ipv4_hdr *, 14);
	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 30);
	assert_int_equal(ip->time_to_live, TUSK_IPV4_DEFAULT_TTL);
	assert_int_equal(ip->next_proto_id, 253);
	assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset),
			 RTE_IPV4_HDR_DF_FLAG);
	assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
}

static void
test_route(void **state)
{
	struct tusk_addr src, hop;
	struct tusk_addr onlink = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 200)));
	struct tusk_addr far = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(192u, 0, 2, 1)));
	uint16_t iface;

	assert_int_equal(tusk_ipv4_route(h.st, &onlink, &iface, &src, &hop), 0);
	assert_int_equal(hop.v4, onlink.v4);
	assert_int_equal(tusk_ipv4_route(h.st, &far, &iface, &src, &hop), 0);
	assert_int_equal(rte_be_to_cpu_32(hop.v4), HARNESS_GW_IP);
	assert_int_equal(rte_be_to_cpu_32(src.v4), HARNESS_OUR_IP);
}

static void
test_addr_parse(void **state)
{
	struct tusk_addr a;
	uint8_t len;
	char buf[TUSK_ADDR_STRLEN];

	assert_int_equal(tusk_addr_parse_prefix("10.77.0.2/24", &a, &len), 0);
	assert_int_equal(len, 24);
	assert_string_equal(tusk_addr_format(&a, buf, sizeof(buf)), "10.77.0.2");
	assert_int_equal(tusk_addr_parse_prefix("10.77.0.2/33", &a, &len), -EINVAL);
	assert_int_equal(tusk_addr_parse_prefix("10.77.0.300/24", &a, &len), -EINVAL);
	assert_int_equal(tusk_addr_parse_prefix("10.77.0.2", &a, &len), -EINVAL);
	assert_int_equal(tusk_addr_parse_prefix("10.77.0.2/", &a, &len), -EINVAL);
	assert_int_equal(tusk_addr_parse("010.1.1.1x", &a), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_input_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_options_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_parse, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
