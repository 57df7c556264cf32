/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Round-trip time estimation and the retransmission timeout (RFC 6298),
 * plus the min-RTT filter congestion control and RACK read.
 */
#ifndef TUSK_TCP_RTT_H
#define TUSK_TCP_RTT_H

#include <stdbool.h>
#include <stdint.h>

#define TUSK_NS_PER_MS 1000000ULL
#define TUSK_NS_PER_S 1000000000ULL

/* RFC 6298 2.1: RTO starts at 1 s before any sample. */
#define TUSK_TCP_RTO_INIT (1 * TUSK_NS_PER_S)
/* RFC 6298 2.4 asks for a 1 s floor; like Linux we use 200 ms: a DTN's
 * paths are long, and a 1 s floor idles short paths after a tail loss. */
#define TUSK_TCP_RTO_MIN (200 * TUSK_NS_PER_MS)
/* RFC 6298 2.5: a maximum of at least 60 s. */
#define TUSK_TCP_RTO_MAX (60 * TUSK_NS_PER_S)
/* Clock granularity G of RFC 6298 2.2/2.3: our clock is in ns; 1 ms keeps
 * RTO above srtt on paths with no variance. */
#define TUSK_TCP_RTT_G (1 * TUSK_NS_PER_MS)
/* Backoff doublings before the connection is given up (RFC 9293 3.8.3's
 * R2 "at least 100 s": 200 ms doubled 15 times passes that). */
#define TUSK_TCP_RTO_MAX_BACKOFF 15
/* How long a min-RTT sample stands (Linux tcp_min_rtt_wlen: 300 s): long
 * enough that queueing does not inflate it, short enough to follow path
 * changes. */
#define TUSK_TCP_MIN_RTT_WIN (300 * TUSK_NS_PER_S)

struct tusk_tcp_rtt {
	uint64_t srtt;     /* ns; 0 before the first sample */
	uint64_t rttvar;
	uint64_t rto;      /* before backoff */
	uint64_t min_rtt;  /* windowed minimum; 0 = none */
	uint64_t min_rtt_ts;
	uint64_t latest;   /* most recent sample */
	uint8_t backoff;   /* RTO doublings since the last new ACK */
};

void tusk_tcp_rtt_init(struct tusk_tcp_rtt *r);

/* A measurement R (RFC 6298 2.2/2.3; Karn's rule is the caller's: no
 * samples from retransmitted segments). */
void tusk_tcp_rtt_sample(struct tusk_tcp_rtt *r, uint64_t rtt, uint64_t now);

/* The timeout to arm now, with backoff (RFC 6298 5.5), capped at max. */
uint64_t tusk_tcp_rtt_rto(const struct tusk_tcp_rtt *r);

/* RFC 6298 5.5: double the timer after an expiry. Returns false when the
 * connection has backed off too often and should be dropped. */
bool tusk_tcp_rtt_backoff(struct tusk_tcp_rtt *r);

#endif /* TUSK_TCP_RTT_H */
