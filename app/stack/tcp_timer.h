/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * All TCP timers, in one place (as WireGuard's timers.c): each connection
 * has a deadline per timer kind; the stack keeps connections in a binary
 * min-heap by their earliest deadline, so poll() and next_event() cost
 * O(log n) per expiry however many connections there are.
 *
 * The rest of TCP does not arm timers directly; it reports events
 * (tusk_tcp_timers_*) and this file decides what to arm, from RFC 6298
 * (RTO), RFC 8985 (RACK reordering timer, TLP), RFC 1122 (delayed ACK,
 * keepalive), RFC 9293 (persist, TIME-WAIT) and pacing.
 */
#ifndef TUSK_TCP_TIMER_H
#define TUSK_TCP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct tusk_tcp;
struct tusk_tcp_conn;

enum tusk_tcp_timer_kind {
	TUSK_TCP_T_RTX = 0,  /* RTO, TLP or RACK reorder (one at a time) */
	TUSK_TCP_T_DELACK,   /* delayed ACK (RFC 1122 4.2.3.2) */
	TUSK_TCP_T_PERSIST,  /* zero-window probe (RFC 9293 3.8.6.1) */
	TUSK_TCP_T_KEEP,     /* keepalive (RFC 1122 4.2.3.6) */
	TUSK_TCP_T_PACE,     /* next paced transmission */
	TUSK_TCP_T_LINGER,   /* TIME-WAIT, FIN-WAIT-2, SYN-RECEIVED expiry */
	TUSK_TCP_T_MAX
};

/* What the retransmission timer is doing. */
enum tusk_tcp_rtx_mode {
	TUSK_TCP_RTX_RTO = 0,
	TUSK_TCP_RTX_TLP,
	TUSK_TCP_RTX_REO,
};

#define TUSK_TCP_NEVER UINT64_MAX

/* RFC 1122 4.2.3.2 allows up to 500 ms; 40 ms as Linux's minimum keeps
 * short request/response exchanges snappy. */
#define TUSK_TCP_DELACK_NS (40ULL * 1000000ULL)
/* RFC 1122 4.2.3.6: keepalive idle at least 2 hours; probes every 75 s;
 * give up after 9 unanswered (Linux's defaults). */
#define TUSK_TCP_KEEP_IDLE_NS (7200ULL * 1000000000ULL)
#define TUSK_TCP_KEEP_INTVL_NS (75ULL * 1000000000ULL)
#define TUSK_TCP_KEEP_PROBES 9
/* FIN-WAIT-2 with nobody to read: give up after 60 s (Linux
 * tcp_fin_timeout), so closed connections cannot pin table slots. */
#define TUSK_TCP_FIN_WAIT2_NS (60ULL * 1000000000ULL)
/* Persist probes back off from RTO to at most 60 s (RFC 9293 3.8.6.1
 * asks for exponential backoff; RFC 1122 4.2.2.17 for no give-up). */
#define TUSK_TCP_PERSIST_MAX_NS (60ULL * 1000000000ULL)
/* Default MSL: RFC 9293 3.4.2 says 2 minutes; we use 30 s (2 x MSL = 60 s
 * as Linux's TIME-WAIT) since timestamps guard against old duplicates. */
#define TUSK_TCP_MSL_DEFAULT_NS (30ULL * 1000000000ULL)
/* Expiries handled per poll() before returning (the rest are still due,
 * so next_event() says "now"): bounds the time one poll can take. */
#define TUSK_TCP_POLL_BUDGET 4096

int tusk_tcp_timers_init(struct tusk_tcp *tcp, uint32_t max_conns,
			 int socket_id);
void tusk_tcp_timers_free(struct tusk_tcp *tcp);

/* Set or clear (TUSK_TCP_NEVER) one timer. */
void tusk_tcp_timer_set(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			enum tusk_tcp_timer_kind k, uint64_t when);
/* Clear all timers of a connection (before it is freed). */
void tusk_tcp_timer_clear_all(struct tusk_tcp *tcp, struct tusk_tcp_conn *c);

/* Run what is due. */
void tusk_tcp_timers_run(struct tusk_tcp *tcp, uint64_t now);
uint64_t tusk_tcp_timers_next(const struct tusk_tcp *tcp);

/* Event hooks: the rest of TCP reports, timers follow. */
void tusk_tcp_timers_rearm_rtx(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			       uint64_t now);
void tusk_tcp_timers_any_packet(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
				uint64_t now);
void tusk_tcp_timers_delack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			    uint64_t now);
void tusk_tcp_timers_persist(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			     uint64_t now);
void tusk_tcp_timers_linger(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			    uint64_t how_long, uint64_t now);

#endif /* TUSK_TCP_TIMER_H */
