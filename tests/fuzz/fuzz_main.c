/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic driver for fuzz_frames.c, run by `meson test --suite fuzz`:
 * builds valid frames of every kind the stack parses (ARP, ICMP echo, TCP
 * SYN/ACK/data/RST/FIN, IP with options, UDP to the echo port and to closed
 * ones, with and without a checksum), then mutates them from a seed:
 * bit flips, truncation, extension, length and header-length fields set to
 * edge values, random bytes. Usage: fuzz_frames [ROUNDS [SEED]] or
 * fuzz_frames FILE... to replay inputs (e.g. crashes found by libFuzzer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "fuzz.h"
#include "harness.h"

/* Frames per input and inputs per run: enough for connections to form and
 * time out within one input, small enough to run in seconds. */
#define FRAMES_PER_INPUT 64
#define DEFAULT_ROUNDS 300
#define FUZZ_INPUT_MAX (FRAMES_PER_INPUT * (3 + 9100))

static uint64_t rng;

static uint64_t
next(void)
{
	return fuzz_rand(&rng);
}

static size_t
tcp_frame(uint8_t *f, uint8_t flags, uint32_t seq, uint32_t ack, size_t plen)
{
	uint8_t seg[20 + 12 + 1460];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)seg;
	/* MSS 1460, SACK-permitted, window scale 7, NOP padding */
	static const uint8_t opts[12] = {2, 4, 5, 180, 4, 2, 3, 3, 7, 1, 1, 1};
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = rte_cpu_to_be_32(HARNESS_PEER_IP),
		.dst_addr = rte_cpu_to_be_32(HARNESS_OUR_IP),
	};

	memset(seg, 0, sizeof(seg));
	th->src_port = rte_cpu_to_be_16(40000 + (next() & 3));
	th->dst_port = rte_cpu_to_be_16((next() & 1) ? 80 : 5201);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (20 + sizeof(opts)) / 4 << 4;
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	memcpy(th + 1, opts, sizeof(opts));
	for (size_t i = 0; i < plen; i++)
		seg[32 + i] = (uint8_t)next();
	ip.total_length = rte_cpu_to_be_16((uint16_t)(20 + 32 + plen));
	th->cksum = rte_ipv4_udptcp_cksum(&ip, th);
	return tusk_harness_ipv4_frame(f, HARNESS_PEER_IP, HARNESS_OUR_IP,
				       IPPROTO_TCP, seg, 32 + plen);
}

static size_t
icmp_frame(uint8_t *f)
{
	uint8_t icmp[64];

	for (size_t i = 0; i < sizeof(icmp); i++)
		icmp[i] = (uint8_t)next();
	icmp[0] = RTE_IP_ICMP_ECHO_REQUEST;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, sizeof(icmp));
	memcpy(&icmp[2], &ck, 2);
	return tusk_harness_ipv4_frame(f, HARNESS_PEER_IP, HARNESS_OUR_IP,
				       IPPROTO_ICMP, icmp, sizeof(icmp));
}

static size_t
udp_frame(uint8_t *f, size_t plen)
{
	uint8_t dg[8 + 1472];
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)dg;
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(HARNESS_PEER_IP),
		.dst_addr = rte_cpu_to_be_32(HARNESS_OUR_IP),
		.total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + plen)),
	};

	for (size_t i = 0; i < plen; i++)
		dg[8 + i] = (uint8_t)next();
	uh->src_port = rte_cpu_to_be_16((uint16_t)(next() % 4 ? 40000 : 0));
	uh->dst_port = rte_cpu_to_be_16(next() % 2 ? FUZZ_UDP_PORT :
					(uint16_t)next());
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	uh->dgram_cksum = 0;
	if (next() % 4 != 0) /* else: none, RFC 768 */
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(&ip, uh);
	return tusk_harness_ipv4_frame(f, HARNESS_PEER_IP, HARNESS_OUR_IP,
				       IPPROTO_UDP, dg, 8 + plen);
}

static size_t
arp_frame(uint8_t *f)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eth + 1);

	memset(f, 0, 60);
	memset(&eth->dst_addr, 0xff, 6);
	eth->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = 6;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16((next() & 1) + 1);
	ah->arp_data.arp_sha = eth->src_addr;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1 + (next() & 7)));
	ah->arp_data.arp_tip = rte_cpu_to_be_32(HARNESS_OUR_IP);
	return 60;
}

/* A valid frame of a random kind, then damaged one way or another. */
static size_t
frame(uint8_t *f, uint32_t *seq)
{
	static const uint8_t tcp_flags[] = {
		RTE_TCP_SYN_FLAG, RTE_TCP_ACK_FLAG, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
		RTE_TCP_RST_FLAG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
		RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0xff,
	};
	size_t len;

	switch (next() % 5) {
	case 0: len = arp_frame(f); break;
	case 1: len = icmp_frame(f); break;
	case 2: len = udp_frame(f, (size_t)(next() % 1473)); break;
	default:
		*seq += (uint32_t)(next() % 3000);
		len = tcp_frame(f, tcp_flags[next() % sizeof(tcp_flags)], *seq,
				(uint32_t)next(), (size_t)(next() % 1461));
		break;
	}
	switch (next() % 7) {
	case 0: break; /* intact */
	case 6: f[14 + 20 + 4 + next() % 2] = (uint8_t)next(); break; /* UDP len */
	case 1: f[next() % len] ^= (uint8_t)(1u << (next() % 8)); break;
	case 2: len = (size_t)(next() % len); break;
	case 3: f[14 + next() % 40] = (uint8_t)next(); break; /* IP/TCP header */
	case 4: f[14 + 2] = (uint8_t)next(), f[14 + 3] = (uint8_t)next(); break;
	default: f[14 + 32 + 12] = (uint8_t)next(); break;  /* TCP data offset */
	}
	return len;
}

static size_t
make_input(uint8_t *in)
{
	size_t n = 0;
	uint32_t seq = (uint32_t)next();

	for (int i = 0; i < FRAMES_PER_INPUT; i++) {
		uint8_t f[9100];
		size_t len = frame(f, &seq);

		in[n++] = (uint8_t)len;
		in[n++] = (uint8_t)(len >> 8);
		in[n++] = (uint8_t)(next() % 4 == 0 ? next() : 0);
		memcpy(in + n, f, len);
		n += len;
	}
	return n;
}

int
main(int argc, char **argv)
{
	static uint8_t in[FUZZ_INPUT_MAX];
	long rounds = DEFAULT_ROUNDS;

	if (argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9'))
		return fuzz_replay(argc, argv);
	if (argc > 1)
		rounds = strtol(argv[1], NULL, 10);
	rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	for (long r = 0; r < rounds; r++)
		LLVMFuzzerTestOneInput(in, make_input(in));
	printf("fuzz_frames: %ld inputs of %d frames: %ld passed, 0 failed\n",
	       rounds, FRAMES_PER_INPUT, rounds);
	return 0;
}
