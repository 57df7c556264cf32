/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Challenge-ACK throttling (RFC 5961 section 7). A challenge ACK answers a
 * RST or SYN in the window but not exact, and an ACK far below SND.UNA
 * (RFC 5961 3.2, 4.2, 5.2). Two limits, as Linux has had since 4.7 (the
 * fix for CVE-2016-5696, "Off-Path TCP Exploits", USENIX Security 2016):
 *
 *  - per connection: at most one challenge ACK per
 *    TUSK_TCP_CHALLENGE_CONN_GAP_NS (Linux: tcp_invalid_ratelimit,
 *    500 ms), so one flow cannot spend the shared budget;
 *  - per stack: a budget per second of time, drawn anew each second from
 *    [limit/2, limit*3/2) (mean TUSK_TCP_CHALLENGE_ACK_LIMIT). A fixed
 *    budget is a counter that every connection shares: an off-path host
 *    that spends it and counts the challenge ACKs it gets back learns how
 *    many went to a connection it cannot see, i.e. whether its guess of
 *    that connection's ports and window was right. With a budget it
 *    cannot predict, the count tells it nothing.
 *
 * The draw is SipHash of the second's number under a key from the stack's
 * seed (tcp_hash.h), the same secret source as ISNs and SYN cookies: no
 * clock or OS randomness is read here; time comes in as `now`.
 */
#ifndef TUSK_TCP_CHALLENGE_H
#define TUSK_TCP_CHALLENGE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_hash.h"

/* Mean challenge ACKs per second per stack (Linux 4.7+:
 * tcp_challenge_ack_limit 1000; each lcore's stack has its own). */
#define TUSK_TCP_CHALLENGE_ACK_LIMIT 1000u
/* Least time between two challenge ACKs of one connection (Linux
 * tcp_invalid_ratelimit, 500 ms). */
#define TUSK_TCP_CHALLENGE_CONN_GAP_NS (500ULL * 1000000ULL)
/* Length of one budget period. */
#define TUSK_TCP_CHALLENGE_PERIOD_NS 1000000000ULL

/* Least time between two duplicate ACKs that answer one connection's
 * out-of-window or PAWS-rejected segments carrying no data (RFC 9293
 * 3.10.7.4 says to ACK them; RFC 5961 4.2/5.2 in spirit; Linux
 * tcp_oow_rate_limited, tcp_invalid_ratelimit 500 ms). Without it two
 * stacks that disagree about the window, or a peer that spoofs one,
 * keep an ACK for every ACK going for ever. Segments with data keep
 * their ACK (Linux too): a retransmitting sender needs it (and the
 * D-SACK) to recover, and they earn one ACK each, no more. A clock of
 * its own, not the challenge ACK's: one kind must not silence the
 * other. */
#define TUSK_TCP_OOW_ACK_GAP_NS (500ULL * 1000000ULL)

/* The stack-wide budget. */
struct tusk_tcp_challenge {
	struct tusk_tcp_key key;  /* draws the budget of each period */
	uint64_t period;          /* number of the current period + 1; 0: none */
	uint32_t left;            /* challenge ACKs left in it */
};

enum tusk_tcp_challenge_verdict {
	TUSK_TCP_CHALLENGE_SEND,
	TUSK_TCP_CHALLENGE_CONN_LIMITED,   /* this connection sent one lately */
	TUSK_TCP_CHALLENGE_GLOBAL_LIMITED, /* the period's budget is spent */
};

/* The budget of period number `period`: in [ (limit + 1) / 2,
 * limit + (limit + 1) / 2 - 1 ], unpredictable without the key. */
uint32_t tusk_tcp_challenge_budget(const struct tusk_tcp_key *key,
				   uint64_t period);

/*
 * May a connection that may send its next challenge ACK at *conn_next
 * (0 at first) send one at `now`? Once past its own limit, *conn_next
 * moves to now + TUSK_TCP_CHALLENGE_CONN_GAP_NS whatever the budget says
 * (Linux too checks and restarts the per-connection limit first); on
 * SEND the period's budget shrinks by one.
 */
enum tusk_tcp_challenge_verdict
tusk_tcp_challenge_check(struct tusk_tcp_challenge *g, uint64_t *conn_next,
			 uint64_t now);

/*
 * May a connection whose next duplicate ACK for an out-of-window segment
 * without data is allowed at *next (0 at first) send one at `now`? On
 * true, *next moves to now + TUSK_TCP_OOW_ACK_GAP_NS.
 */
bool tusk_tcp_challenge_oow_ok(uint64_t *next, uint64_t now);

#endif /* TUSK_TCP_CHALLENGE_H */
