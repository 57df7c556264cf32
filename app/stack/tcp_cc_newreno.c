/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno: RFC 5681 slow start and congestion avoidance with appropriate
 * byte counting (RFC 3465), and RFC 6582 recovery. The core does SACK-based
 * loss recovery (RFC 6675 "pipe" < cwnd), which replaces RFC 6582's
 * artificial window inflation by duplicate ACKs; this file sets the window
 * on entry to and exit from recovery.
 */
#include <stdint.h>

#include "tcp_cc.h"

/* RFC 3465 section 2.3: in slow start, count at most L = 2 SMSS per ACK
 * so a stretch ACK does not burst. */
#define NEWRENO_ABC_L 2

struct newreno {
	uint32_t bytes_acked;   /* RFC 3465 section 2.1 byte counter */
	uint32_t prior_cwnd;    /* before the last reduction, for undo */
	uint32_t prior_ssthresh;
};

_Static_assert(sizeof(struct newreno) <= TUSK_TCP_CC_PRIV_SIZE,
	       "newreno state too large");

static struct newreno *
priv(struct tusk_tcp_cc *cc)
{
	return (struct newreno *)cc->priv;
}

static void
newreno_init(struct tusk_tcp_cc *cc, uint64_t now)
{
	tusk_tcp_cc_pace_default(cc);
}

/* RFC 7661 spirit: grow only when the window was the limit. A paced sender
 * in slow start runs ahead of half its window. */
static int
cwnd_limited(const struct tusk_tcp_cc *cc, const struct tusk_tcp_rate_sample *rs)
{
	if (cc->cwnd < cc->ssthresh)
		return (uint64_t)rs->prior_in_flight * 2 >= cc->cwnd;
	return rs->prior_in_flight + 3 * cc->mss >= cc->cwnd;
}

static void
newreno_on_ack(struct tusk_tcp_cc *cc, const struct tusk_tcp_rate_sample *rs,
	       uint64_t now)
{
	struct newreno *nr = priv(cc);
	uint32_t acked = rs->acked_sacked;

	if (cc->in_recovery || acked == 0 || !cwnd_limited(cc, rs))
		goto pace;
	if (cc->cwnd < cc->ssthresh) {
		/* RFC 5681 section 3.1, eq. (2) with RFC 3465 limit L. */
		uint32_t inc = acked < NEWRENO_ABC_L * cc->mss ?
			acked : NEWRENO_ABC_L * cc->mss;
		cc->cwnd += inc;
	} else {
		/* RFC 3465 section 2.1: one SMSS per cwnd of bytes ACKed. */
		nr->bytes_acked += acked;
		if (nr->bytes_acked >= cc->cwnd) {
			nr->bytes_acked -= cc->cwnd;
			cc->cwnd += cc->mss;
		}
	}
pace:
	tusk_tcp_cc_pace_default(cc);
}

/* RFC 5681 section 3.1, eq. (4): ssthresh = max(FlightSize / 2, 2 SMSS). */
static uint32_t
half_flight(const struct tusk_tcp_cc *cc)
{
	uint32_t half = cc->in_flight / 2;
	uint32_t min = TUSK_TCP_CC_MIN_SEGS * cc->mss;

	return half > min ? half : min;
}

static void
save_for_undo(struct tusk_tcp_cc *cc)
{
	priv(cc)->prior_cwnd = cc->cwnd;
	priv(cc)->prior_ssthresh = cc->ssthresh;
}

static void
newreno_on_congestion_event(struct tusk_tcp_cc *cc, uint64_t now)
{
	save_for_undo(cc);
	cc->ssthresh = half_flight(cc);
	/* RFC 6675 section 5: cwnd = ssthresh; pipe does the rest. */
	cc->cwnd = cc->ssthresh;
	priv(cc)->bytes_acked = 0;
	tusk_tcp_cc_pace_default(cc);
}

static void
newreno_on_recovery_exit(struct tusk_tcp_cc *cc, uint64_t now)
{
	/* RFC 6582 section 3.2 step 3, option (1): deflate to
	 * min(ssthresh, FlightSize + SMSS) so no burst follows recovery. */
	uint32_t flight = cc->in_flight + cc->mss;

	cc->cwnd = cc->ssthresh < flight ? cc->ssthresh : flight;
	tusk_tcp_cc_pace_default(cc);
}

static void
newreno_on_rto(struct tusk_tcp_cc *cc, uint64_t now)
{
	save_for_undo(cc);
	cc->ssthresh = half_flight(cc);
	cc->cwnd = cc->mss; /* RFC 5681 section 3.1: loss window */
	priv(cc)->bytes_acked = 0;
	tusk_tcp_cc_pace_default(cc);
}

static void
newreno_on_spurious(struct tusk_tcp_cc *cc, uint64_t now)
{
	struct newreno *nr = priv(cc);

	/* RFC 4015 section 3.2 (Eifel response): restore the window. */
	if (nr->prior_cwnd == 0)
		return;
	cc->cwnd = cc->cwnd > nr->prior_cwnd ? cc->cwnd : nr->prior_cwnd;
	cc->ssthresh = nr->prior_ssthresh;
	nr->prior_cwnd = 0;
	tusk_tcp_cc_pace_default(cc);
}

const struct tusk_tcp_cc_ops tusk_tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_congestion_event = newreno_on_congestion_event,
	.on_recovery_exit = newreno_on_recovery_exit,
	.on_rto = newreno_on_rto,
	.on_spurious = newreno_on_spurious,
};
