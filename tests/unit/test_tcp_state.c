/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 9293 state machine, driven segment by segment: a stack whose
 * interface captures what it sends, crafted segments in, and for each
 * (state, segment kind) the answer and the new state. Also RFC 5961
 * challenge ACKs (their limits: test_tcp_challenge.c), RFC 7323 PAWS and
 * window scaling, and SYN cookies end to end with their counters
 * (tcp_syncookie.c has the pure cases).
 *
 *   peer 10.0.0.1:40000 (this file)  <-->  stack 10.0.0.2:80 / ephemeral
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
#include "tcp_rtt.h"
#include "tcp_wire.h"

#define MS 1000000ULL
#define PPORT 40000
#define LPORT 80
#define PISS 1000000u        /* the peer's ISN */
#define F_SYN TUSK_TCP_F_SYN
#define F_ACK TUSK_TCP_F_ACK
#define F_FIN TUSK_TCP_F_FIN
#define F_RST TUSK_TCP_F_RST

static struct tusk_harness h;
static uint16_t pport = PPORT; /* the peer's port in crafted segments */

/* The application: tests/lib/tcp_sink.h. */
static struct tusk_test_sink sink;

/* Segments from the peer port `pport` and what the stack sent back
 * (tests/lib/tcp_segs.h). */
#define send_seg(...) tusk_test_seg_send(&h, pport, __VA_ARGS__)
#define sent(i, s) tusk_test_seg_sent(&h, (i), (s))
#define last(s) tusk_test_seg_last(&h, (s))

static int
setup(void **state)
{
	memset(&sink, 0, sizeof(sink));
	pport = PPORT;
	if (tusk_harness_init(&h, "tcp_state") != 0)
		return -1;
	tusk_harness_learn_peer(&h, 0);
	tusk_tcp_set_msl(h.st, 10 * MS);
	return tusk_test_sink_listen(&h, LPORT, 4, NULL, &sink);
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

static enum tusk_tcp_state
state_of(void)
{
	return sink.last != NULL ? tusk_tcp_conn_state(sink.last) : TUSK_TCP_CLOSED;
}

/* Passive open to ESTABLISHED; returns our ISS. */
static uint32_t
establish(const struct tusk_tcp_opts *syn_opts)
{
	uint32_t iss = tusk_test_establish(&h, pport, LPORT, PISS, syn_opts);

	assert_int_equal(sink.accepted, 1);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	return iss;
}

/* ---- LISTEN and no connection ----------------------------------------------- */

static void
test_listen(void **state)
{
	struct tusk_test_seg s;

	/* No listener: SYN gets <SEQ=0><ACK=SEG.SEQ+1><RST,ACK>. */
	send_seg(81, F_SYN, PISS, 0, 1000, NULL, 0, 0);
	last(&s);
	assert_int_equal(s.flags, F_RST | F_ACK);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.ack, PISS + 1);
	tusk_harness_clear(&h);
	/* A stray ACK: <SEQ=SEG.ACK><RST>. */
	send_seg(LPORT, F_ACK, PISS, 777, 1000, NULL, 0, 0);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	assert_int_equal(s.seq, 777);
	tusk_harness_clear(&h);
	/* A RST to a listener is ignored. */
	send_seg(LPORT, F_RST, PISS, 0, 1000, NULL, 0, 0);
	assert_int_equal(h.n_sent, 0);
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
}

static void
test_passive_open_options(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS |
		TUSK_TCP_OPTF_WS | TUSK_TCP_OPTF_SACK_OK, .mss = 1460,
		.wscale = 7 };
	struct tusk_tcp_conn_stats cs;
	struct tusk_test_seg s;

	send_seg(LPORT, F_SYN, PISS, 0, 65535, &o, 0, 0);
	last(&s);
	/* SYN-ACK: our MSS (9000 MTU), WS and SACK as offered, no TS since
	 * the peer sent none. */
	assert_int_equal(s.opt.mss, 8960);
	assert_true(s.opt.present & TUSK_TCP_OPTF_WS);
	assert_true(s.opt.present & TUSK_TCP_OPTF_SACK_OK);
	assert_false(s.opt.present & TUSK_TCP_OPTF_TS);
	tusk_harness_clear(&h);
	/* RFC 7323 2.2: windows in non-SYN segments are scaled. */
	send_seg(LPORT, F_ACK, PISS + 1, s.seq + 1, 1000, NULL, 0, 1 * MS);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	tusk_tcp_conn_stats(sink.last, &cs);
	assert_int_equal(cs.snd_wnd, 1000u << 7);
	assert_int_equal(cs.mss, 1460);
}

/* A listener's mss_max (iperf3 -M, a socket's TCP_MAXSEG): the SYN-ACK
 * advertises it instead of the route's 8960, and what we send is capped
 * by it although the peer offers more; below TUSK_TCP_MSS_MIN it is
 * raised to that. */
static void
test_passive_open_mss_max(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS, .mss = 8960 };
	struct tusk_tcp_conn_opts mo = { .mss_max = 1000 };
	struct tusk_tcp_conn_stats cs;
	struct tusk_test_seg s;

	tusk_tcp_unlisten(h.st, LPORT);
	assert_int_equal(tusk_test_sink_listen(&h, LPORT, 4, &mo, &sink), 0);
	send_seg(LPORT, F_SYN, PISS, 0, 65535, &o, 0, 0);
	last(&s);
	assert_int_equal(s.opt.mss, 1000);
	tusk_harness_clear(&h);
	send_seg(LPORT, F_ACK, PISS + 1, s.seq + 1, 65535, NULL, 0, 1 * MS);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	tusk_tcp_conn_stats(sink.last, &cs);
	assert_int_equal(cs.mss, 1000);
	tusk_tcp_abort(sink.last, 2 * MS);
	tusk_harness_clear(&h);
	tusk_tcp_unlisten(h.st, LPORT);
	mo.mss_max = 100;
	assert_int_equal(tusk_test_sink_listen(&h, LPORT, 4, &mo, &sink), 0);
	send_seg(LPORT, F_SYN, PISS + 5000, 0, 65535, &o, 0, 3 * MS);
	last(&s);
	assert_int_equal(s.opt.mss, TUSK_TCP_MSS_MIN);
}

/* ---- SYN-RECEIVED ------------------------------------------------------------ */

static void
test_syn_received(void **state)
{
	struct tusk_test_seg s, syn;

	send_seg(LPORT, F_SYN, PISS, 0, 65535, NULL, 0, 0);
	last(&syn);
	tusk_harness_clear(&h);
	/* The SYN again (our SYN-ACK lost): the SYN-ACK again. */
	send_seg(LPORT, F_SYN, PISS, 0, 65535, NULL, 0, 1 * MS);
	last(&s);
	assert_int_equal(s.flags, F_SYN | F_ACK);
	assert_int_equal(s.seq, syn.seq);
	tusk_harness_clear(&h);
	/* An ACK of something else: reset (RFC 9293 3.10.7.4). */
	send_seg(LPORT, F_ACK, PISS + 1, syn.seq + 5, 65535, NULL, 0, 2 * MS);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	assert_int_equal(s.seq, syn.seq + 5);
	assert_int_equal(sink.accepted, 0);
	tusk_harness_clear(&h);
	/* RST at RCV.NXT: back to LISTEN, silently, nothing accepted. */
	send_seg(LPORT, F_RST, PISS + 1, 0, 0, NULL, 0, 3 * MS);
	assert_int_equal(h.n_sent, 0);
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
	assert_int_equal(sink.accepted, 0);
	/* The SYN-ACK is retransmitted when nothing comes back. */
	send_seg(LPORT, F_SYN, PISS, 0, 65535, NULL, 0, 10 * MS);
	tusk_harness_clear(&h);
	tusk_stack_poll(h.st, 10 * MS + 1100 * MS);
	last(&s);
	assert_int_equal(s.flags, F_SYN | F_ACK);
}

static void
test_refused_by_service(void **state)
{
	struct tusk_test_seg s;

	sink.refuse = 1;
	send_seg(LPORT, F_SYN, PISS, 0, 65535, NULL, 0, 0);
	last(&s);
	tusk_harness_clear(&h);
	send_seg(LPORT, F_ACK, PISS + 1, s.seq + 1, 65535, NULL, 0, 1 * MS);
	assert_int_equal(sink.accepted, 1);
	last(&s);
	assert_true(s.flags & F_RST);
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
	assert_int_equal(sink.closed, 0); /* refused: no closed() for it */
}

/* ---- ESTABLISHED --------------------------------------------------------------- */

static void
test_established_data_and_fin(void **state)
{
	uint32_t iss = establish(NULL);
	struct tusk_test_seg s;

	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, NULL, 1000, 3 * MS);
	assert_int_equal(sink.received, 1000);
	last(&s); /* quick ACK at connection start */
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.ack, PISS + 1001);
	tusk_harness_clear(&h);
	/* Out-of-window data: an ACK, no delivery (3.10.7.4 first check). */
	send_seg(LPORT, F_ACK, PISS + 1 + 20000000u, iss + 1, 65535, NULL, 100,
		 4 * MS);
	assert_int_equal(sink.received, 1000);
	last(&s);
	assert_int_equal(s.ack, PISS + 1001);
	tusk_harness_clear(&h);
	/* FIN: CLOSE-WAIT, ACKed, the service told. */
	send_seg(LPORT, F_ACK | F_FIN, PISS + 1001, iss + 1, 65535, NULL, 0,
		 5 * MS);
	assert_int_equal(state_of(), TUSK_TCP_CLOSE_WAIT);
	assert_int_equal(sink.peer_closed, 1);
	last(&s);
	assert_int_equal(s.ack, PISS + 1002);
	tusk_harness_clear(&h);
	/* Service closes: LAST-ACK with our FIN; its ACK ends it. */
	assert_int_equal(tusk_tcp_close(sink.last, 6 * MS), 0);
	assert_int_equal(state_of(), TUSK_TCP_LAST_ACK);
	last(&s);
	assert_true(s.flags & F_FIN);
	assert_int_equal(s.seq, iss + 1);
	send_seg(LPORT, F_ACK, PISS + 1002, iss + 2, 65535, NULL, 0, 7 * MS);
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
}

static void
test_rst_rfc5961(void **state)
{
	uint32_t iss = establish(NULL);
	struct tusk_test_seg s;

	/* RFC 5961 3.2: a RST in the window but not at RCV.NXT gets a
	 * challenge ACK and changes nothing. */
	send_seg(LPORT, F_RST, PISS + 100, 0, 0, NULL, 0, 3 * MS);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	last(&s);
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.seq, iss + 1);
	assert_int_equal(s.ack, PISS + 1);
	tusk_harness_clear(&h);
	/* Outside the window: dropped silently. */
	send_seg(LPORT, F_RST, PISS + 500000000u, 0, 0, NULL, 0, 4 * MS);
	assert_int_equal(h.n_sent, 0);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	/* RFC 5961 4.2: a SYN in ESTABLISHED: challenge ACK, no reset
	 * (500 ms on: one challenge ACK per connection per 500 ms). */
	send_seg(LPORT, F_SYN, PISS + 7, 0, 1000, NULL, 0, 503 * MS);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	last(&s);
	assert_int_equal(s.flags, F_ACK);
	tusk_harness_clear(&h);
	/* RFC 5961 5.2: an ACK far below SND.UNA: challenge, drop. */
	send_seg(LPORT, F_ACK, PISS + 1, iss - 10000000u, 65535, NULL, 10,
		 1003 * MS);
	assert_int_equal(sink.received, 0);
	last(&s);
	assert_int_equal(s.flags, F_ACK);
	tusk_harness_clear(&h);
	/* An ACK of data never sent: ACK and drop (RFC 9293). */
	send_seg(LPORT, F_ACK, PISS + 1, iss + 5000, 65535, NULL, 10,
		 1004 * MS);
	assert_int_equal(sink.received, 0);
	assert_int_equal(h.n_sent, 1);
	tusk_harness_clear(&h);
	/* The exact RST resets: closed(-ECONNRESET). */
	send_seg(LPORT, F_RST, PISS + 1, 0, 0, NULL, 0, 1005 * MS);
	assert_int_equal(sink.closed, 1);
	assert_int_equal(sink.close_err, -ECONNRESET);
	assert_int_equal(tusk_stack_stats(h.st)->tcp_challenge_acks, 3);
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
}

static void
test_paws(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_TS, .tsval = 5000 };
	const struct tusk_stack_stats *st = tusk_stack_stats(h.st);
	uint32_t iss = establish(&o);
	struct tusk_test_seg s;

	o.tsval = 5001;
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, &o, 100, 3 * MS);
	assert_int_equal(sink.received, 100);
	last(&s);
	assert_true(s.opt.present & TUSK_TCP_OPTF_TS);
	assert_int_equal(s.opt.tsecr, 5001); /* TS.Recent echoed */
	tusk_harness_clear(&h);
	/* RFC 7323 5.3: an older TSval is an old duplicate: dropped, but
	 * ACKed, and counted. */
	o.tsval = 4000;
	send_seg(LPORT, F_ACK, PISS + 101, iss + 1, 65535, &o, 100, 4 * MS);
	assert_int_equal(sink.received, 100);
	assert_int_equal(st->drops[TUSK_DROP_TCP_PAWS], 1);
	assert_int_equal(h.n_sent, 1);
	/* Across the 32-bit wrap a "smaller" value can be newer. */
	o.tsval = 0xfffffff0u;
	send_seg(LPORT, F_ACK, PISS + 101, iss + 1, 65535, &o, 100, 5 * MS);
	assert_int_equal(st->drops[TUSK_DROP_TCP_PAWS], 2); /* older */
	o.tsval = 5001 + 0x70000000u;
	send_seg(LPORT, F_ACK, PISS + 101, iss + 1, 65535, &o, 100, 6 * MS);
	assert_int_equal(sink.received, 200);
}

static void
test_zero_window_probe(void **state)
{
	uint32_t iss = establish(NULL);
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);
	struct tusk_test_seg s;

	/* The peer closes its window. */
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 0, NULL, 0, 3 * MS);
	tusk_harness_clear(&h);
	assert_non_null(rte_pktmbuf_append(m, 1000));
	assert_int_equal(tusk_tcp_send(sink.last, &m, 4 * MS), 1000);
	assert_null(m);
	assert_int_equal(h.n_sent, 0); /* nothing fits */
	/* RFC 9293 3.8.6.1: the persist timer probes the closed window. */
	tusk_stack_poll(h.st, 4 * MS + 1000 * MS + 1);
	last(&s);
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.seq, iss);   /* SND.UNA - 1: forces an ACK */
	assert_int_equal(s.len, 0);
	tusk_harness_clear(&h);
	/* Probes back off exponentially (RFC 9293 3.8.6.1 / RFC 6298 5.5). */
	uint64_t t, times[4];
	unsigned int n = 0;
	for (t = 4 * MS + 1000 * MS + 1; t < 8000 * MS && n < 4; t += MS) {
		tusk_stack_poll(h.st, t);
		if (h.n_sent > 0) {
			times[n++] = t;
			tusk_harness_clear(&h);
		}
	}
	assert_int_equal(n, 4);
	for (unsigned int i = 2; i < n; i++)
		assert_true(times[i] - times[i - 1] >=
			    19 * (times[i - 1] - times[i - 2]) / 10);
	/* The window opens: the data goes, in segments of the 536-byte
	 * default MSS (the peer's SYN carried no MSS, RFC 9293 3.7.1). */
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, NULL, 0, t + MS);
	assert_int_equal(h.n_sent, 1);
	last(&s);
	assert_int_equal(s.len, 536);
	assert_int_equal(s.seq, iss + 1);
	tusk_harness_clear(&h);
	/* Nagle (RFC 1122 4.2.3.4) holds the short rest until that is
	 * ACKed. */
	send_seg(LPORT, F_ACK, PISS + 1, iss + 537, 65535, NULL, 0, t + 2 * MS);
	last(&s);
	assert_int_equal(s.len, 1000 - 536);
	assert_int_equal(s.seq, iss + 537);
}

static void
test_delayed_ack(void **state)
{
	uint32_t iss = establish(NULL), seq = PISS + 1;
	uint64_t t = 3 * MS;
	struct tusk_test_seg s;

	/* Use up the quick ACKs of the connection start, with full-sized
	 * (1460-byte) segments so the receiver learns the peer's size. */
	for (int i = 0; i < 16; i++, seq += 1460, t += MS)
		send_seg(LPORT, F_ACK, seq, iss + 1, 65535, NULL, 1460, t);
	tusk_harness_clear(&h);
	/* One small segment: no ACK yet (RFC 1122 4.2.3.2)... */
	send_seg(LPORT, F_ACK, seq, iss + 1, 65535, NULL, 100, t);
	seq += 100;
	assert_int_equal(h.n_sent, 0);
	/* ...until the delayed-ACK timer, well under 500 ms. */
	tusk_stack_poll(h.st, t + 39 * MS);
	assert_int_equal(h.n_sent, 0);
	tusk_stack_poll(h.st, t + 41 * MS);
	last(&s);
	assert_int_equal(s.ack, seq);
	tusk_harness_clear(&h);
	/* Two full-sized segments: ACKed at once (RFC 9293 3.8.6.3). */
	t += 100 * MS;
	send_seg(LPORT, F_ACK, seq, iss + 1, 65535, NULL, 1460, t);
	assert_int_equal(h.n_sent, 0);
	send_seg(LPORT, F_ACK, seq + 1460, iss + 1, 65535, NULL, 1460, t);
	last(&s);
	assert_int_equal(s.ack, seq + 2920);
	tusk_harness_clear(&h);
	/* Out of order: an immediate duplicate ACK (RFC 5681 4.2). */
	send_seg(LPORT, F_ACK, seq + 2920 + 1460, iss + 1, 65535, NULL, 100, t);
	last(&s);
	assert_int_equal(s.ack, seq + 2920);
}

static void
test_dsack(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_SACK_OK };
	uint32_t iss = establish(&o);
	struct tusk_test_seg s;

	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, NULL, 100, 3 * MS);
	tusk_harness_clear(&h);
	/* The same bytes again: ACKed at once with a D-SACK block for
	 * them (RFC 2883 4.1.1), and not delivered twice. */
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, NULL, 100, 4 * MS);
	assert_int_equal(sink.received, 100);
	last(&s);
	assert_int_equal(s.ack, PISS + 101);
	assert_true(s.opt.present & TUSK_TCP_OPTF_SACK);
	assert_int_equal(s.opt.sack[0].start, PISS + 1);
	assert_int_equal(s.opt.sack[0].end, PISS + 101);
	tusk_harness_clear(&h);
	/* Out of order: a SACK block for it; then a partial duplicate of
	 * it: the D-SACK first, the SACK block after (RFC 2883 4.2.1). */
	send_seg(LPORT, F_ACK, PISS + 301, iss + 1, 65535, NULL, 100, 5 * MS);
	last(&s);
	assert_int_equal(s.opt.nsack, 1);
	assert_int_equal(s.opt.sack[0].start, PISS + 301);
	assert_int_equal(s.opt.sack[0].end, PISS + 401);
	send_seg(LPORT, F_ACK, PISS + 351, iss + 1, 65535, NULL, 100, 6 * MS);
	last(&s);
	assert_int_equal(s.opt.nsack, 2);
	assert_int_equal(s.opt.sack[0].start, PISS + 351);
	assert_int_equal(s.opt.sack[0].end, PISS + 401);
	assert_int_equal(s.opt.sack[1].start, PISS + 301);
	assert_int_equal(s.opt.sack[1].end, PISS + 451);
	/* The hole fills: everything delivered in order, no blocks left. */
	send_seg(LPORT, F_ACK, PISS + 101, iss + 1, 65535, NULL, 200, 7 * MS);
	assert_int_equal(sink.received, 450);
	last(&s);
	assert_int_equal(s.ack, PISS + 451);
	assert_false(s.opt.present & TUSK_TCP_OPTF_SACK);
}

/* Poll at a time far ahead: refresh the peer's ARP entry first (it
 * expires in hours of silence and the peer here answers no requests). */
static void
poll_far(uint64_t t)
{
	tusk_harness_learn_peer(&h, t - 1);
	tusk_stack_poll(h.st, t);
}

static void
test_keepalive(void **state)
{
	const uint64_t idle = 7200ULL * 1000 * MS, intvl = 75ULL * 1000 * MS;
	struct tusk_tcp_conn_opts ko = { .keepalive = true };
	unsigned int probes = 0;
	uint32_t iss;
	struct tusk_test_seg s;

	tusk_tcp_unlisten(h.st, LPORT);
	assert_int_equal(tusk_test_sink_listen(&h, LPORT, 4, &ko, &sink), 0);
	iss = establish(NULL);
	tusk_harness_clear(&h);
	/* RFC 1122 4.2.3.6: after 2 hours idle, <SEQ=SND.UNA-1>. */
	poll_far(2 * MS + idle - MS);
	assert_int_equal(h.n_sent, 0);
	poll_far(2 * MS + idle);
	last(&s);
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.seq, iss);
	/* An answer restarts the idle time. */
	tusk_harness_learn_peer(&h, 3 * MS + idle - 1);
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, NULL, 0,
		 3 * MS + idle);
	poll_far(3 * MS + idle + intvl);
	assert_int_equal(h.n_sent, 0);
	/* Silence: 9 probes 75 s apart, then a reset and -ETIMEDOUT. */
	uint64_t t = 3 * MS + 2 * idle;
	for (int i = 0; i < 9; i++, t += intvl) {
		poll_far(t);
		probes += h.n_sent;
	}
	assert_int_equal(probes, 9);
	assert_int_equal(sink.closed, 0);
	poll_far(t);
	assert_int_equal(sink.closed, 1);
	assert_int_equal(sink.close_err, -ETIMEDOUT);
	last(&s);
	assert_true(s.flags & F_RST);
}

/* ---- active open and closing ----------------------------------------------------- */

static uint32_t
connect_out(struct tusk_tcp_conn **c, struct tusk_test_seg *syn)
{
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(HARNESS_PEER_IP));

	assert_int_equal(tusk_tcp_connect(h.st, &dst, PPORT, &tusk_test_sink_ops,
					  &sink, NULL, 0, c), 0);
	assert_int_equal(tusk_tcp_conn_state(*c), TUSK_TCP_SYN_SENT);
	last(syn);
	assert_int_equal(syn->flags, F_SYN);
	assert_true(syn->sport >= 49152);
	/* We offer everything (RFC 7323, RFC 2018). */
	assert_true(syn->opt.present & TUSK_TCP_OPTF_WS);
	assert_true(syn->opt.present & TUSK_TCP_OPTF_SACK_OK);
	assert_true(syn->opt.present & TUSK_TCP_OPTF_TS);
	tusk_harness_clear(&h);
	return syn->seq;
}

static void
test_active_open(void **state)
{
	struct tusk_tcp_conn *c;
	struct tusk_test_seg syn, s;
	struct tusk_tcp_conn_stats cs;
	uint32_t iss = connect_out(&c, &syn);

	/* RST with an unacceptable ACK is ignored in SYN-SENT. */
	send_seg(syn.sport, F_RST | F_ACK, 0, iss + 7, 0, NULL, 0, 1 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_SYN_SENT);
	/* A bad ACK gets a reset. */
	send_seg(syn.sport, F_SYN | F_ACK, PISS, iss + 9, 1000, NULL, 0, 2 * MS);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	tusk_harness_clear(&h);
	/* SYN-ACK: ESTABLISHED, ACK sent, connected(). */
	send_seg(syn.sport, F_SYN | F_ACK, PISS, iss + 1, 1000, NULL, 0, 3 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_ESTABLISHED);
	assert_int_equal(sink.connected, 1);
	last(&s);
	assert_int_equal(s.flags, F_ACK);
	assert_int_equal(s.ack, PISS + 1);
	tusk_harness_clear(&h);
	/* Our close: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> gone. */
	tusk_tcp_shutdown(c, 4 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_FIN_WAIT_1);
	last(&s);
	assert_true(s.flags & F_FIN);
	send_seg(syn.sport, F_ACK, PISS + 1, iss + 2, 1000, NULL, 0, 5 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_FIN_WAIT_2);
	/* the FIN's sequence number is not counted as a byte */
	tusk_tcp_conn_stats(c, &cs);
	assert_int_equal(cs.bytes_acked, 0);
	send_seg(syn.sport, F_ACK | F_FIN, PISS + 1, iss + 2, 1000, NULL, 0,
		 6 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_TIME_WAIT);
	assert_int_equal(sink.peer_closed, 1);
	tusk_harness_clear(&h);
	/* A retransmitted FIN in TIME-WAIT is ACKed again. */
	send_seg(syn.sport, F_ACK | F_FIN, PISS + 1, iss + 2, 1000, NULL, 0,
		 7 * MS);
	last(&s);
	assert_int_equal(s.ack, PISS + 2);
	/* An old duplicate SYN (sequence not beyond) gets a challenge ACK;
	 * a new one would reopen (RFC 6191), tested below. */
	tusk_harness_clear(&h);
	send_seg(syn.sport, F_SYN, PISS - 100, 0, 1000, NULL, 0, 7 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_TIME_WAIT);
	/* 2 MSL later it is gone, with closed(0). */
	tusk_stack_poll(h.st, 7 * MS + 20 * MS + 1);
	assert_int_equal(tusk_tcp_conn_count(h.st), 0);
	assert_int_equal(sink.closed, 1);
	assert_int_equal(sink.close_err, 0);
}

static void
test_refused_and_simultaneous(void **state)
{
	struct tusk_tcp_conn *c;
	struct tusk_test_seg syn, s;
	uint32_t iss = connect_out(&c, &syn);

	/* RST acknowledging our SYN: refused. */
	send_seg(syn.sport, F_RST | F_ACK, 0, iss + 1, 0, NULL, 0, 1 * MS);
	assert_int_equal(sink.closed, 1);
	assert_int_equal(sink.close_err, -ECONNREFUSED);
	/* Simultaneous open: their SYN crosses ours. */
	iss = connect_out(&c, &syn);
	send_seg(syn.sport, F_SYN, PISS, 0, 1000, NULL, 0, 2 * MS);
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_SYN_RECEIVED);
	last(&s);
	assert_int_equal(s.flags, F_SYN | F_ACK);
	assert_int_equal(s.seq, iss);
	assert_int_equal(s.ack, PISS + 1);
	send_seg(syn.sport, F_SYN | F_ACK, PISS, iss + 1, 1000, NULL, 0,
		 3 * MS);
	/* Their SYN-ACK acknowledges ours: ESTABLISHED. */
	assert_int_equal(tusk_tcp_conn_state(c), TUSK_TCP_ESTABLISHED);
	assert_int_equal(sink.connected, 1);
}

static void
test_closing_simultaneous_close(void **state)
{
	uint32_t iss = establish(NULL);
	struct tusk_test_seg s;

	tusk_tcp_shutdown(sink.last, 3 * MS);
	assert_int_equal(state_of(), TUSK_TCP_FIN_WAIT_1);
	/* Their FIN crosses ours (it does not ACK our FIN): CLOSING. */
	send_seg(LPORT, F_ACK | F_FIN, PISS + 1, iss + 1, 1000, NULL, 0,
		 4 * MS);
	assert_int_equal(state_of(), TUSK_TCP_CLOSING);
	last(&s);
	assert_int_equal(s.ack, PISS + 2);
	/* Then the ACK of our FIN: TIME-WAIT. */
	send_seg(LPORT, F_ACK, PISS + 2, iss + 2, 1000, NULL, 0, 5 * MS);
	assert_int_equal(state_of(), TUSK_TCP_TIME_WAIT);
}

static void
test_time_wait_reuse(void **state)
{
	uint32_t iss = establish(NULL);
	struct tusk_test_seg s;

	/* Our close first, then theirs: we hold TIME-WAIT. */
	tusk_tcp_shutdown(sink.last, 3 * MS);
	send_seg(LPORT, F_ACK | F_FIN, PISS + 1, iss + 2, 1000, NULL, 0, 4 * MS);
	assert_int_equal(state_of(), TUSK_TCP_TIME_WAIT);
	tusk_harness_clear(&h);
	/* A new SYN from the same port, sequence beyond: a new connection
	 * at once (RFC 6191), not a 60 s wait. */
	send_seg(LPORT, F_SYN, PISS + 100000, 0, 1000, NULL, 0, 5 * MS);
	last(&s);
	assert_int_equal(s.flags, F_SYN | F_ACK);
	assert_int_equal(s.ack, PISS + 100001);
	assert_int_equal(sink.closed, 1);
	assert_int_equal(tusk_tcp_conn_count(h.st), 1);
}

/* The i-th captured frame's mbuf. */
static const struct rte_mbuf *
frame(unsigned int i)
{
	assert_true(i < h.n_sent);
	return h.sent[i];
}

static void
test_tso(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS |
		TUSK_TCP_OPTF_WS | TUSK_TCP_OPTF_SACK_OK, .mss = 1460,
		.wscale = 7 };
	struct tusk_tcp_opts sack = { .present = TUSK_TCP_OPTF_SACK,
				      .nsack = 1 };
	/* The port segments for us (test only: flip the flag in place). */
	struct tusk_iface_conf *ifc =
		(struct tusk_iface_conf *)tusk_stack_iface(h.st, 0);
	uint32_t iss, bytes = 0, tso_frames = 0;
	struct rte_mbuf *m;
	struct tusk_test_seg s;

	ifc->offloads |= TUSK_IFACE_OFFLOAD_TSO;
	iss = establish(&o);
	tusk_harness_clear(&h);
	m = rte_pktmbuf_alloc(h.pool);
	assert_non_null(rte_pktmbuf_append(m, 8000));
	assert_int_equal(tusk_tcp_send(sink.last, &m, 3 * MS), 8000);
	/* Frames of several segments, flagged for the port to cut at the
	 * MSS, never more than the initial window in all. */
	for (unsigned int i = 0; i < h.n_sent; i++) {
		const struct rte_mbuf *f = frame(i);

		sent(i, &s);
		bytes += s.len;
		if (f->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
			tso_frames++;
			assert_int_equal(f->tso_segsz, 1460);
			assert_int_equal(s.len % 1460, 0);
			assert_true(s.len > 1460);
		}
	}
	assert_true(tso_frames >= 1);
	assert_int_equal(bytes, 5 * 1460); /* full segments; Nagle holds
					    * the 700-byte tail */
	tusk_harness_clear(&h);
	/* SACK for the 2nd..5th segments only: the first alone is resent
	 * (records are per segment, not per frame), and no TSO for it. */
	sack.sack[0] = (struct tusk_tcp_sack_block){ iss + 1 + 1460,
						     iss + 1 + 5 * 1460 };
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, &sack, 0, 10 * MS);
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, &sack, 0, 11 * MS);
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, &sack, 0, 12 * MS);
	tusk_stack_poll(h.st, 300 * MS);
	bool resent = false;
	for (unsigned int i = 0; i < h.n_sent; i++) {
		sent(i, &s);
		if (s.seq == iss + 1 && s.len > 0) {
			resent = true;
			assert_int_equal(s.len, 1460);
			assert_false(frame(i)->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
		}
	}
	assert_true(resent);
}

/* RFC 2018 section 8: SACKed data stays queued until cumulatively
 * acknowledged; after repeated timeouts it is resent, in case the
 * receiver reneged. */
/* Eifel (RFC 3522/4015): an ACK after a timeout echoing the TSval of
 * the original transmission shows the timeout was spurious: the
 * congestion window comes back and nothing else is resent. */
static void
test_spurious_rto(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS |
		TUSK_TCP_OPTF_SACK_OK | TUSK_TCP_OPTF_TS, .mss = 1012,
		.tsval = 100 };
	struct tusk_tcp_conn_stats before, after;
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);
	uint32_t iss, orig_tsval;
	unsigned int resent = 0;
	struct tusk_test_seg s;

	iss = establish(&o);
	assert_non_null(rte_pktmbuf_append(m, 3000));
	assert_int_equal(tusk_tcp_send(sink.last, &m, 3 * MS), 3000);
	last(&s);
	orig_tsval = s.opt.tsval;
	tusk_tcp_conn_stats(sink.last, &before);
	tusk_harness_clear(&h);
	/* The ACKs are late: a tail probe (RFC 8985 7), then the timeout
	 * fires and resends the head. */
	uint64_t t;
	bool head_resent = false;
	for (t = 4 * MS; t < 3000 * MS && !head_resent; t += MS) {
		tusk_stack_poll(h.st, t);
		for (unsigned int i = 0; i < h.n_sent; i++) {
			sent(i, &s);
			if (s.seq == iss + 1 && s.len > 0)
				head_resent = true;
		}
		tusk_harness_clear(&h);
	}
	assert_true(head_resent);
	assert_true((int32_t)(s.opt.tsval - orig_tsval) > 0);
	/* Then the ACK of the originals arrives, echoing their TSval. */
	o.present = TUSK_TCP_OPTF_TS;
	o.tsval = 101;
	o.tsecr = orig_tsval;
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1 + 1000, 65535, &o, 0,
		 t + 10 * MS);
	tusk_tcp_conn_stats(sink.last, &after);
	assert_int_equal(after.rto_count, 1);
	assert_int_equal(after.spurious_undos, 1);
	assert_true(after.cwnd >= before.cwnd);
	/* The rest was never lost: it is not resent (only new ACKs). */
	for (unsigned int i = 0; i < h.n_sent; i++) {
		sent(i, &s);
		if (s.len > 0)
			resent++;
	}
	assert_int_equal(resent, 0);
}

/* The pool runs dry while data waits: nothing can be built, nothing is
 * in flight, no ACK will come; the stack must retry on its own. */
static void
test_pool_exhaustion(void **state)
{
	static struct rte_mbuf *hold[16384];
	unsigned int n = 0;
	uint32_t iss = establish(NULL);
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);
	struct tusk_test_seg s;

	assert_non_null(rte_pktmbuf_append(m, 500));
	while (n < RTE_DIM(hold) && (hold[n] = rte_pktmbuf_alloc(h.pool)))
		n++;
	assert_int_equal(tusk_tcp_send(sink.last, &m, 3 * MS), 500);
	assert_int_equal(h.n_sent, 0);
	rte_pktmbuf_free_bulk(hold, n);
	tusk_stack_poll(h.st, 3 * MS + TUSK_NS_PER_MS / 2);
	assert_int_equal(h.n_sent, 0);
	tusk_stack_poll(h.st, 3 * MS + 2 * MS);
	last(&s);
	assert_int_equal(s.len, 500);
	assert_int_equal(s.seq, iss + 1);
}

/* ---- SYN cookies -------------------------------------------------------------- */

/* The end of test_syncookie_handshake: a cookie past its lifetime is
 * refused, and long after the last cookie ACKs are not checked at all. */
static void
cookie_expiry(const struct tusk_stack_stats *st, const struct tusk_tcp_opts *o,
	      struct tusk_tcp_opts *ack)
{
	struct tusk_test_seg s;

	pport = 40004;
	send_seg(443, F_SYN, PISS, 0, 65535, o, 0, 3 * MS);
	last(&s);
	ack->tsecr = s.opt.tsval;
	tusk_harness_clear(&h);
	send_seg(443, F_ACK, PISS + 1, s.seq + 1, 1000, ack, 0,
		 3 * MS + 2 * 64000 * MS - 1);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	assert_int_equal(tusk_tcp_conn_count(h.st), 2);
	assert_int_equal(st->tcp_syncookies_sent, 2);
	assert_int_equal(st->tcp_syncookies_failed, 3);
	/* (Linux: tcp_synq_no_recent_overflow): RST, nothing counted. */
	tusk_harness_clear(&h);
	send_seg(443, F_ACK, PISS + 1, s.seq + 1, 1000, ack, 0,
		 3 * MS + 2 * 64000 * MS);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	assert_int_equal(st->tcp_syncookies_failed, 3);
	assert_int_equal(st->tcp_syncookies_ok, 1);
}

static void
test_syncookie_handshake(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS |
		TUSK_TCP_OPTF_WS | TUSK_TCP_OPTF_SACK_OK | TUSK_TCP_OPTF_TS,
		.mss = 1460, .wscale = 7, .tsval = 777 };
	struct tusk_tcp_opts ack = { .present = TUSK_TCP_OPTF_TS,
				     .tsval = 778 };
	const struct tusk_stack_stats *st = tusk_stack_stats(h.st);
	struct tusk_tcp_conn_stats cs;
	struct tusk_test_seg s;
	uint32_t cookie;

	/* Before any cookie, a stray ACK is not taken for one. */
	assert_int_equal(tusk_test_sink_listen(&h, 443, 1, NULL, &sink), 0);
	pport = 40009;
	send_seg(443, F_ACK, PISS + 1, 12345, 1000, NULL, 0, 0);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	assert_int_equal(st->tcp_syncookies_failed, 0);
	tusk_harness_clear(&h);
	/* A listener whose SYN queue holds one connection, filled. */
	pport = 40001;
	send_seg(443, F_SYN, PISS, 0, 65535, NULL, 0, 0);
	tusk_harness_clear(&h);
	assert_int_equal(tusk_tcp_conn_count(h.st), 1);
	/* Queue full: a SYN-ACK carrying a cookie, and no state kept. */
	pport = 40002;
	send_seg(443, F_SYN, PISS, 0, 65535, &o, 0, 1 * MS);
	assert_int_equal(tusk_tcp_conn_count(h.st), 1);
	last(&s);
	assert_int_equal(s.flags, F_SYN | F_ACK);
	assert_int_equal(s.ack, PISS + 1);
	assert_int_equal(s.opt.mss, 1460);
	assert_true(s.opt.present & TUSK_TCP_OPTF_TS);
	assert_true(s.opt.present & TUSK_TCP_OPTF_WS);
	assert_true(s.opt.present & TUSK_TCP_OPTF_SACK_OK);
	cookie = s.seq;
	assert_int_equal(st->tcp_syncookies_sent, 1);
	tusk_harness_clear(&h);
	/* A forged ACK from another port: reset, no connection. */
	pport = 40003;
	ack.tsecr = s.opt.tsval;
	send_seg(443, F_ACK, PISS + 1, cookie + 1, 1000, &ack, 0, 2 * MS);
	last(&s);
	assert_int_equal(s.flags, F_RST);
	assert_int_equal(tusk_tcp_conn_count(h.st), 1);
	tusk_harness_clear(&h);
	/* A mangled cookie from the right port: reset too. */
	pport = 40002;
	send_seg(443, F_ACK, PISS + 1, cookie + 2, 1000, &ack, 0, 2 * MS);
	assert_int_equal(tusk_tcp_conn_count(h.st), 1);
	assert_int_equal(st->tcp_syncookies_failed, 2);
	assert_int_equal(st->tcp_syncookies_ok, 0);
	/* The right ACK (with data) completes the handshake, with the
	 * options the cookie kept: MSS, window scale 7, SACK, TS. */
	send_seg(443, F_ACK, PISS + 1, cookie + 1, 1000, &ack, 500, 2 * MS);
	assert_int_equal(tusk_tcp_conn_count(h.st), 2);
	assert_int_equal(sink.accepted, 1);
	assert_int_equal(state_of(), TUSK_TCP_ESTABLISHED);
	assert_int_equal(sink.received, 500);
	tusk_tcp_conn_stats(sink.last, &cs);
	assert_int_equal(cs.snd_wnd, 1000u << 7);
	assert_int_equal(cs.mss, 1460 - 12);
	assert_int_equal(st->tcp_syncookies_ok, 1);
	cookie_expiry(st, &o, &ack);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passive_open_options,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_passive_open_mss_max,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_received, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_by_service, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_established_data_and_fin,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_rfc5961, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_paws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_probe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delayed_ack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dsack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_active_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_simultaneous,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_closing_simultaneous_close,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_reuse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tso, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_spurious_rto, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syncookie_handshake,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
