/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK-TLP loss detection (RFC 8985): a segment is lost when a segment
 * sent later has been delivered and more than RTT + reordering window has
 * passed since it was sent. The reordering window adapts: it opens when
 * reordering is seen and grows with D-SACKs (spurious retransmissions), so
 * reordering with jitter does not read as loss. The tail loss probe gets
 * an ACK out of the receiver when the tail of a flight is lost.
 */
#ifndef TUSK_TCP_RACK_H
#define TUSK_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_rtt.h"
#include "tcp_sack.h"

/* RFC 8985 6.2 step 4: after a D-SACK the larger window persists for 16
 * recoveries before it falls back. */
#define TUSK_TCP_RACK_REO_PERSIST 16
/* Cap on the window multiplier: the window never exceeds SRTT anyway. */
#define TUSK_TCP_RACK_REO_MULT_MAX 64
/* RFC 8985 7.2 WCDelAckT: the worst-case delayed ACK a probe waits for
 * when only one segment is in flight (RFC 9293's limit is 500 ms; 200 ms
 * is what deployed stacks use). */
#define TUSK_TCP_TLP_WCDELACK (200 * TUSK_NS_PER_MS)
/* RFC 6675 DupThresh. */
#define TUSK_TCP_DUPTHRESH 3

struct tusk_tcp_rack {
	uint64_t xmit_ts;      /* newest delivered segment's send time */
	uint32_t end_seq;      /* and its end */
	uint64_t rtt;          /* RTT of that segment */
	uint32_t fack;         /* highest delivered end sequence */
	uint32_t dsack_round;  /* SND.NXT when the multiplier last grew */
	bool dsack_round_on;
	bool reordering_seen;
	bool have_xmit;        /* xmit_ts/end_seq are set */
	uint8_t reo_wnd_mult;
	uint8_t reo_wnd_persist;
	/* Tail loss probe (RFC 8985 section 7). */
	bool tlp_on;           /* a probe is out */
	bool tlp_is_retrans;
	uint32_t tlp_end_seq;
};

void tusk_tcp_rack_init(struct tusk_tcp_rack *r, uint32_t snd_una);

/* RFC 8985 6.2 steps 2 and 3, for each newly delivered segment. */
void tusk_tcp_rack_update(struct tusk_tcp_rack *r,
			  const struct tusk_tcp_seg *s,
			  const struct tusk_tcp_rtt *rtt, uint64_t now);

/* Step 4: a D-SACK arrived (snd_una, snd_nxt now). */
void tusk_tcp_rack_dsack(struct tusk_tcp_rack *r, uint32_t snd_una,
			 uint32_t snd_nxt);

/* Step 4: loss recovery ended: the window falls back after enough. */
void tusk_tcp_rack_recovery_done(struct tusk_tcp_rack *r);

/* The reordering window now. */
uint64_t tusk_tcp_rack_reo_wnd(const struct tusk_tcp_rack *r,
			       const struct tusk_tcp_rtt *rtt,
			       const struct tusk_tcp_sb *sb, bool in_recovery);

/* Visitor for each segment newly marked lost. */
typedef void (*tusk_tcp_rack_lost_fn)(void *ctx, uint32_t id);

/*
 * Step 5: mark lost what RACK can tell is lost. Returns the time the
 * reordering timer must fire (0: none needed).
 */
uint64_t tusk_tcp_rack_detect(struct tusk_tcp_rack *r, struct tusk_tcp_sb *sb,
			      const struct tusk_tcp_rtt *rtt, bool in_recovery,
			      tusk_tcp_rack_lost_fn fn, void *ctx,
			      uint64_t now);

/* RFC 8985 7.2: the probe timeout. `segs_in_flight` counts records. */
uint64_t tusk_tcp_rack_pto(const struct tusk_tcp_rtt *rtt,
			   uint32_t segs_in_flight);

#endif /* TUSK_TCP_RACK_H */
