/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PAWS (RFC 7323 section 5), table-driven: with timestamps negotiated
 * and TS.Recent = 1000, a data segment arrives with a given TSval (or
 * none, or as a RST, or after TS.Recent aged 24 days) and is either
 * taken or dropped as an old duplicate (with an ACK, RFC 7323 5.3 R1).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "tcp_api.h"
#include "tcp_options.h"
#include "tcp_wire.h"

#define MS 1000000ULL
#define DAY (86400ULL * 1000 * MS)
#define PPORT 40000
#define LPORT 80
#define PISS 1000000u
#define F_SYN TUSK_TCP_F_SYN
#define F_ACK TUSK_TCP_F_ACK
#define F_RST TUSK_TCP_F_RST
#define R 1000u /* TS.Recent after the handshake */

static struct tusk_harness h;
static uint16_t pport = PPORT;
static struct tusk_tcp_conn *conn;
static uint32_t received;
static int reset;

static int
on_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	conn = c;
	return 0;
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	received += len;
	rte_pktmbuf_free(m);
	return len;
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	reset = err == -ECONNRESET;
}

static const struct tusk_tcp_ops ops = {
	.accepted = on_accepted,
	.recv = on_recv,
	.closed = on_closed,
};

/* ---- crafting and reading segments ---------------------------------------- */

struct seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	uint16_t sport, dport;
	uint32_t len;
	struct tusk_tcp_opts opt;
};

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

/* Send a segment from the peer; opts may be NULL; payload is zeros. */
static void
send_seg(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
	 uint16_t wnd, const struct tusk_tcp_opts *o, uint32_t plen,
	 uint64_t now)
{
	uint8_t tcp[2000], frame[2100];
	struct tusk_tcp_hdr *th = (struct tusk_tcp_hdr *)tcp;
	unsigned int olen = 0;

	memset(tcp, 0, sizeof(tcp));
	if (o != NULL)
		olen = tusk_tcp_options_write(tcp + 20, 40, o);
	th->sport = rte_cpu_to_be_16(pport);
	th->dport = rte_cpu_to_be_16(dport);
	th->seq = rte_cpu_to_be_32(seq);
	th->ack = rte_cpu_to_be_32(ack);
	th->off = (uint8_t)(((20 + olen) / 4) << 4);
	th->flags = flags;
	th->wnd = rte_cpu_to_be_16(wnd);
	th->cksum = cksum(tcp, 20 + olen + plen);
	tusk_harness_input(&h, frame, tusk_harness_ipv4_frame(frame,
			   HARNESS_PEER_IP, HARNESS_OUR_IP, IPPROTO_TCP, tcp,
			   20 + olen + plen), now);
}

/* The i-th captured frame as a TCP segment. */
static void
sent(unsigned int i, struct seg *s)
{
	const struct rte_mbuf *m = h.sent[i];
	uint8_t buf[2000];
	const struct rte_ipv4_hdr *ip;
	const struct tusk_tcp_hdr *th;
	unsigned int hl;

	assert_true(i < h.n_sent);
	const uint8_t *p = rte_pktmbuf_read(m, 0, RTE_MIN(m->pkt_len,
					    sizeof(buf)), buf);
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
			       (th->flags & F_SYN) != 0, &s->opt);
}

static void
last(struct seg *s)
{
	assert_true(h.n_sent > 0);
	sent(h.n_sent - 1, s);
}



struct paws_case {
	const char *name;
	uint32_t tsval;
	bool no_ts;      /* the segment carries no timestamp */
	bool rst;        /* a RST at RCV.NXT instead of data */
	uint64_t when;   /* arrival time after the handshake */
	bool taken;      /* delivered (or, for RST, the reset done) */
};

static const struct paws_case cases[] = {
	{ "newer", R + 1, false, false, MS, true },
	{ "equal", R, false, false, MS, true },
	{ "one older", R - 1, false, false, MS, false },
	{ "far older", R - 0x7fffffffu, false, false, MS, false },
	{ "past the wrap reads older", R + 0x80000001u, false, false, MS,
	  false },
	{ "just under 2^31 newer", R + 0x7fffffffu, false, false, MS, true },
	{ "no timestamp: taken (RFC 7323 3.2 allows dropping)", 0, true,
	  false, MS, true },
	{ "RST is exempt", R - 5, false, true, MS, true },
	{ "TS.Recent idle 24+ days is no reference (5.5)", R - 5, false,
	  false, 25 * DAY, true },
};

static void
test_paws_table(void **state)
{
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		const struct paws_case *pc = &cases[i];
		struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_TS,
					   .tsval = R };
		const struct tusk_stack_stats *st;
		uint64_t paws0, t;
		struct seg s;

		assert_int_equal(tusk_harness_init(&h, "tcp_paws"), 0);
		tusk_harness_learn_peer(&h, 0);
		assert_int_equal(tusk_tcp_listen(h.st, LPORT, &ops, NULL, 4,
						 NULL), 0);
		conn = NULL;
		received = 0;
		reset = 0;
		send_seg(LPORT, F_SYN, PISS, 0, 65535, &o, 0, MS);
		last(&s);
		o.tsecr = s.opt.tsval;
		send_seg(LPORT, F_ACK, PISS + 1, s.seq + 1, 65535, &o, 0,
			 2 * MS);
		assert_non_null(conn);
		st = tusk_stack_stats(h.st);
		paws0 = st->drops[TUSK_DROP_TCP_PAWS];
		t = 2 * MS + pc->when;
		tusk_harness_learn_peer(&h, t - 1);
		tusk_harness_clear(&h);
		o.tsval = pc->tsval;
		if (pc->rst)
			send_seg(LPORT, F_RST, PISS + 1, 0, 0, &o, 0, t);
		else
			send_seg(LPORT, F_ACK, PISS + 1, s.seq + 1, 65535,
				 pc->no_ts ? NULL : &o, 100, t);
		print_message("%-52s received %u reset %d paws %llu\n",
			      pc->name, received, reset,
			      (unsigned long long)(st->drops[TUSK_DROP_TCP_PAWS]
						   - paws0));
		if (pc->rst) {
			assert_int_equal(reset, pc->taken);
		} else {
			assert_int_equal(received, pc->taken ? 100 : 0);
			assert_int_equal(st->drops[TUSK_DROP_TCP_PAWS] - paws0,
					 pc->taken ? 0 : 1);
			/* Either way an ACK; a dropped segment's ACK echoes
			 * the old TS.Recent, a taken one its own TSval. */
			last(&s);
			assert_int_equal(s.flags, F_ACK);
			if (!pc->no_ts)
				assert_int_equal(s.opt.tsecr,
						 pc->taken ? pc->tsval : R);
		}
		tusk_harness_fini(&h);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paws_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
