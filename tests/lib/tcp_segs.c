/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>

#include "tcp_api.h"
#include "tcp_segs.h"
#include "tcp_wire.h"

/* TCP checksum with the peer -> us pseudo-header, computed flat and
 * independently of the stack's own checksum code. */
static uint16_t
cksum(const uint8_t *tcp, size_t len)
{
	struct {
		rte_be32_t src, dst;
		uint8_t zero, proto;
		rte_be16_t len;
	} __rte_packed ph = { rte_cpu_to_be_32(HARNESS_PEER_IP),
			      rte_cpu_to_be_32(HARNESS_OUR_IP), 0, IPPROTO_TCP,
			      rte_cpu_to_be_16((uint16_t)len) };
	uint32_t sum = rte_raw_cksum(&ph, sizeof(ph)) + rte_raw_cksum(tcp, len);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
tusk_test_seg_frame(uint8_t *frame, uint16_t sport, uint16_t dport,
		    uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		    const struct tusk_tcp_opts *o, uint32_t plen)
{
	uint8_t tcp[2000];
	struct tusk_tcp_hdr *th = (struct tusk_tcp_hdr *)tcp;
	unsigned int olen = 0;
	uint64_t osum = 0;

	memset(tcp, 0, sizeof(tcp));
	if (o != NULL)
		olen = tusk_tcp_options_write(tcp + 20, 40, o, &osum);
	assert_true(20 + olen + plen <= sizeof(tcp));
	th->sport = rte_cpu_to_be_16(sport);
	th->dport = rte_cpu_to_be_16(dport);
	th->seq = rte_cpu_to_be_32(seq);
	th->ack = rte_cpu_to_be_32(ack);
	th->off = (uint8_t)(((20 + olen) / 4) << 4);
	th->flags = flags;
	th->wnd = rte_cpu_to_be_16(wnd);
	th->cksum = cksum(tcp, 20 + olen + plen);
	return tusk_harness_ipv4_frame(frame, HARNESS_PEER_IP, HARNESS_OUR_IP,
				       IPPROTO_TCP, tcp, 20 + olen + plen);
}

void
tusk_test_seg_send(struct tusk_harness *h, uint16_t sport, uint16_t dport,
		   uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		   const struct tusk_tcp_opts *o, uint32_t plen, uint64_t now)
{
	uint8_t frame[2100];

	tusk_harness_input(h, frame, tusk_test_seg_frame(frame, sport, dport,
			   flags, seq, ack, wnd, o, plen), now);
}

void
tusk_test_seg_sent(const struct tusk_harness *h, unsigned int i,
		   struct tusk_test_seg *s)
{
	const struct rte_mbuf *m;
	const struct rte_ipv4_hdr *ip;
	const struct tusk_tcp_hdr *th;
	const uint8_t *p;
	uint8_t buf[2000];
	unsigned int hl;

	assert_true(i < h->n_sent);
	m = h->sent[i];
	p = rte_pktmbuf_read(m, 0, RTE_MIN(m->pkt_len, sizeof(buf)), buf);
	ip = (const struct rte_ipv4_hdr *)(p + 14);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	th = (const struct tusk_tcp_hdr *)(ip + 1);
	hl = tusk_tcp_hdr_len(th);
	s->flags = th->flags;
	s->seq = rte_be_to_cpu_32(th->seq);
	s->ack = rte_be_to_cpu_32(th->ack);
	s->wnd = rte_be_to_cpu_16(th->wnd);
	s->sport = rte_be_to_cpu_16(th->sport);
	s->dport = rte_be_to_cpu_16(th->dport);
	s->len = rte_be_to_cpu_16(ip->total_length) - 20 - hl;
	tusk_tcp_options_parse((const uint8_t *)(th + 1), hl - 20,
			       (th->flags & TUSK_TCP_F_SYN) != 0, &s->opt);
}

void
tusk_test_seg_last(const struct tusk_harness *h, struct tusk_test_seg *s)
{
	assert_true(h->n_sent > 0);
	tusk_test_seg_sent(h, h->n_sent - 1, s);
}

uint32_t
tusk_test_establish(struct tusk_harness *h, uint16_t sport, uint16_t dport,
		    uint32_t piss, const struct tusk_tcp_opts *o)
{
	struct tusk_test_seg s;

	tusk_test_seg_send(h, sport, dport, TUSK_TCP_F_SYN, piss, 0, 65535, o,
			   0, 1000000);
	tusk_test_seg_last(h, &s);
	assert_int_equal(s.flags, TUSK_TCP_F_SYN | TUSK_TCP_F_ACK);
	assert_int_equal(s.ack, piss + 1);
	tusk_harness_clear(h);
	tusk_test_seg_send(h, sport, dport, TUSK_TCP_F_ACK, piss + 1, s.seq + 1,
			   65535, NULL, 0, 2000000);
	return s.seq;
}
