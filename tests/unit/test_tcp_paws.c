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
#include "tcp_segs.h"
#include "tcp_sink.h"
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

/* The application: tests/lib/tcp_sink.h. */
static struct tusk_test_sink sink;

/* The connection was reset (closed with ECONNRESET). */
static bool
reset(void)
{
	return sink.closed > 0 && sink.close_err == -ECONNRESET;
}

/* Segments from the peer port `pport` and what the stack sent back
 * (tests/lib/tcp_segs.h). */
#define send_seg(...) tusk_test_seg_send(&h, pport, __VA_ARGS__)
#define sent(i, s) tusk_test_seg_sent(&h, (i), (s))
#define last(s) tusk_test_seg_last(&h, (s))



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
		struct tusk_test_seg s;

		assert_int_equal(tusk_harness_init(&h, "tcp_paws"), 0);
		tusk_harness_learn_peer(&h, 0);
		assert_int_equal(tusk_test_sink_listen(&h, LPORT, 4, NULL,
						       &sink), 0);
		memset(&sink, 0, sizeof(sink));
		send_seg(LPORT, F_SYN, PISS, 0, 65535, &o, 0, MS);
		last(&s);
		o.tsecr = s.opt.tsval;
		send_seg(LPORT, F_ACK, PISS + 1, s.seq + 1, 65535, &o, 0,
			 2 * MS);
		assert_non_null(sink.last);
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
		print_message("%-52s received %llu reset %d paws %llu\n",
			      pc->name, (unsigned long long)sink.received,
			      reset(),
			      (unsigned long long)(st->drops[TUSK_DROP_TCP_PAWS]
						   - paws0));
		if (pc->rst) {
			assert_int_equal(reset(), pc->taken);
		} else {
			assert_int_equal(sink.received, pc->taken ? 100 : 0);
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
