/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every synchronized state x every kind of segment (RFC 9293 3.10.7.4,
 * RFC 5961, RFC 1337, RFC 6191), table-driven: a fresh connection is
 * driven into the state, one crafted segment arrives, and the answer
 * (what we send, if anything) and the new state are checked.
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
#define PPORT 40000
#define LPORT 80
#define PISS 1000000u
#define F_SYN TUSK_TCP_F_SYN
#define F_ACK TUSK_TCP_F_ACK
#define F_FIN TUSK_TCP_F_FIN
#define F_RST TUSK_TCP_F_RST
#define F_PSH TUSK_TCP_F_PSH

static struct tusk_harness h;
static uint16_t pport = PPORT;

/* The application: tests/lib/tcp_sink.h. */
static struct tusk_test_sink sink;

/* Segments from the peer port `pport` and what the stack sent back
 * (tests/lib/tcp_segs.h). */
#define send_seg(...) tusk_test_seg_send(&h, pport, __VA_ARGS__)
#define sent(i, s) tusk_test_seg_sent(&h, (i), (s))
#define last(s) tusk_test_seg_last(&h, (s))


enum kind {
	K_RST_EXACT,     /* RST at RCV.NXT */
	K_RST_INWIN,     /* RST inside the window, not at RCV.NXT */
	K_SYN_INWIN,     /* SYN inside the window */
	K_ACK_UNSENT,    /* ACK of data never sent */
	K_DATA,          /* 100 bytes at RCV.NXT */
	K_FIN,           /* FIN at RCV.NXT */
	K_OLD_DUP,       /* 100 bytes entirely below RCV.NXT */
	K_MAX
};

static const char *const kind_names[K_MAX] = {
	"rst-exact", "rst-in-window", "syn-in-window", "ack-unsent", "data",
	"fin", "old-duplicate",
};

/* Where the connection is: our next sequence number and theirs. */
static uint32_t snd_nxt, rcv_nxt;
static bool fin_unacked;

/* Drive a fresh passive connection into `want`. */
static void
reach(enum tusk_tcp_state want)
{
	struct tusk_test_seg s;
	uint64_t t = MS;

	fin_unacked = false;
	send_seg(LPORT, F_SYN, PISS, 0, 65535, NULL, 0, t);
	last(&s);
	snd_nxt = s.seq + 1;
	rcv_nxt = PISS + 1;
	tusk_harness_clear(&h);
	if (want == TUSK_TCP_SYN_RECEIVED)
		return;
	send_seg(LPORT, F_ACK, rcv_nxt, snd_nxt, 65535, NULL, 0, t += MS);
	assert_non_null(sink.last);
	if (want == TUSK_TCP_CLOSE_WAIT || want == TUSK_TCP_LAST_ACK) {
		send_seg(LPORT, F_ACK | F_FIN, rcv_nxt++, snd_nxt, 65535, NULL,
			 0, t += MS);
		if (want == TUSK_TCP_LAST_ACK) {
			tusk_tcp_close(sink.last, t += MS);
			snd_nxt++;
		}
	} else if (want != TUSK_TCP_ESTABLISHED) {
		tusk_tcp_shutdown(sink.last, t += MS); /* FIN-WAIT-1 */
		snd_nxt++;
		if (want == TUSK_TCP_FIN_WAIT_2 || want == TUSK_TCP_TIME_WAIT)
			send_seg(LPORT, F_ACK, rcv_nxt, snd_nxt, 65535, NULL, 0,
				 t += MS);
		if (want == TUSK_TCP_CLOSING)
			send_seg(LPORT, F_ACK | F_FIN, rcv_nxt++, snd_nxt - 1,
				 65535, NULL, 0, t += MS);
		if (want == TUSK_TCP_TIME_WAIT)
			send_seg(LPORT, F_ACK | F_FIN, rcv_nxt++, snd_nxt,
				 65535, NULL, 0, t += MS);
	}
	assert_non_null(sink.last);
	assert_int_equal(tusk_tcp_conn_state(sink.last), want);
	fin_unacked = want == TUSK_TCP_FIN_WAIT_1 ||
		      want == TUSK_TCP_CLOSING || want == TUSK_TCP_LAST_ACK;
	tusk_harness_clear(&h);
}

static void
arrive(enum kind k, uint64_t t)
{
	/* The peer acknowledges what it has; in FIN-WAIT-1, CLOSING and
	 * LAST-ACK our FIN stays unacknowledged, to see those states react
	 * to the segment rather than to the ACK of the FIN. */
	uint32_t una = snd_nxt - (fin_unacked ? 1 : 0);

	switch (k) {
	case K_RST_EXACT:
		send_seg(LPORT, F_RST, rcv_nxt, 0, 0, NULL, 0, t);
		break;
	case K_RST_INWIN:
		send_seg(LPORT, F_RST, rcv_nxt + 100, 0, 0, NULL, 0, t);
		break;
	case K_SYN_INWIN:
		send_seg(LPORT, F_SYN, rcv_nxt + 100, 0, 65535, NULL, 0, t);
		break;
	case K_ACK_UNSENT:
		send_seg(LPORT, F_ACK, rcv_nxt, una + 5000, 65535, NULL, 0, t);
		break;
	case K_DATA:
		send_seg(LPORT, F_ACK | F_PSH, rcv_nxt, una, 65535, NULL, 100,
			 t);
		break;
	case K_FIN:
		send_seg(LPORT, F_ACK | F_FIN, rcv_nxt, una, 65535, NULL, 0, t);
		break;
	default:
		send_seg(LPORT, F_ACK, rcv_nxt - 200, una, 65535, NULL, 100, t);
		break;
	}
}

/* Outcomes. GONE: the connection was removed; SAME: state unchanged. */
#define SAME TUSK_TCP_STATE_MAX
#define GONE TUSK_TCP_CLOSED
#define NONE 0xff /* nothing sent */
#define ACK F_ACK
#define RST F_RST
#define SYNACK (F_SYN | F_ACK)
#define ACKRST 0xfe /* RST, with or without ACK */

struct outcome {
	uint8_t state;  /* enum tusk_tcp_state, SAME or GONE */
	uint8_t answer; /* flags of our last segment, or NONE */
};

static const enum tusk_tcp_state states[] = {
	TUSK_TCP_SYN_RECEIVED, TUSK_TCP_ESTABLISHED, TUSK_TCP_FIN_WAIT_1,
	TUSK_TCP_FIN_WAIT_2, TUSK_TCP_CLOSE_WAIT, TUSK_TCP_CLOSING,
	TUSK_TCP_LAST_ACK, TUSK_TCP_TIME_WAIT,
};

/* [state][kind] */
static const struct outcome table[8][K_MAX] = {
	/* SYN-RECEIVED (passive): RST back to LISTEN (RFC 9293); data or
	 * FIN carrying the ACK of our SYN complete the handshake first. */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, RST },
	  { TUSK_TCP_ESTABLISHED, ACK }, { TUSK_TCP_CLOSE_WAIT, ACK },
	  { SAME, ACK } },
	/* ESTABLISHED */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, ACK },
	  { SAME, ACK }, { TUSK_TCP_CLOSE_WAIT, ACK }, { SAME, ACK } },
	/* FIN-WAIT-1 (our FIN unacknowledged: their FIN crosses it) */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, ACK },
	  { SAME, ACK }, { TUSK_TCP_CLOSING, ACK }, { SAME, ACK } },
	/* FIN-WAIT-2 */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, ACK },
	  { SAME, ACK }, { TUSK_TCP_TIME_WAIT, ACK }, { SAME, ACK } },
	/* CLOSE-WAIT: after their FIN nothing more may come */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, ACK },
	  { SAME, ACK }, { SAME, ACK }, { SAME, ACK } },
	/* CLOSING: after their FIN nothing more may come */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, ACK },
	  { SAME, ACK }, { SAME, ACK }, { SAME, ACK } },
	/* LAST-ACK (service closed: data for it resets, RFC 1122) */
	{ { GONE, NONE }, { SAME, ACK }, { SAME, ACK }, { SAME, ACK },
	  { GONE, ACKRST }, { SAME, ACK }, { SAME, ACK } },
	/* TIME-WAIT: RST ignored (RFC 1337); a SYN beyond the old
	 * sequence space reopens (RFC 6191) */
	{ { SAME, NONE }, { SAME, NONE }, { GONE, SYNACK }, { SAME, ACK },
	  { SAME, ACK }, { SAME, ACK }, { SAME, ACK } },
};

static void
test_matrix(void **state)
{
	unsigned int checked = 0;

	for (unsigned int i = 0; i < RTE_DIM(states); i++) {
		for (unsigned int k = 0; k < K_MAX; k++) {
			const struct outcome *o = &table[i][k];
			struct tusk_test_seg s;

			assert_int_equal(tusk_harness_init(&h, "tcp_matrix"), 0);
			tusk_harness_learn_peer(&h, 0);
			tusk_tcp_set_msl(h.st, 10 * MS);
			memset(&sink, 0, sizeof(sink));
			assert_int_equal(tusk_test_sink_listen(&h, LPORT, 4,
							       NULL, &sink), 0);
			reach(states[i]);
			if (states[i] == TUSK_TCP_SYN_RECEIVED)
				sink.last = NULL; /* not yet given to the service */
			arrive(k, 50 * MS);
			print_message("%-12s x %-14s -> %s, sent %02x\n",
				      tusk_tcp_state_name(states[i]),
				      kind_names[k],
				      sink.last ? tusk_tcp_state_name(
					      tusk_tcp_conn_state(sink.last)) : "-",
				      h.n_sent ? (last(&s), s.flags) : 0);
			if (o->answer == NONE) {
				assert_int_equal(h.n_sent, 0);
			} else {
				last(&s);
				if (o->answer == ACKRST)
					assert_true(s.flags & F_RST);
				else
					assert_int_equal(s.flags, o->answer);
			}
			enum tusk_tcp_state want = o->state == SAME ?
				states[i] : (enum tusk_tcp_state)o->state;
			if (o->state == GONE) {
				/* Told, or (the service closed) just freed. */
				assert_true(sink.last == NULL ||
					    tusk_tcp_conn_state(sink.last) ==
					    TUSK_TCP_CLOSED);
				assert_int_equal(tusk_tcp_conn_count(h.st),
						 k == K_SYN_INWIN ? 1 : 0);
			} else if (want == TUSK_TCP_SYN_RECEIVED) {
				assert_null(sink.last); /* not the service's yet */
				assert_int_equal(tusk_tcp_conn_count(h.st), 1);
			} else {
				assert_non_null(sink.last);
				assert_int_equal(tusk_tcp_conn_state(sink.last),
						 want);
			}
			tusk_harness_fini(&h);
			checked++;
		}
	}
	assert_int_equal(checked, RTE_DIM(states) * K_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
