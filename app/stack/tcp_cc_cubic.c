/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (RFC 9438) with HyStart++ slow start (RFC 9406).
 *
 * Windows are kept in bytes; the RFC's formulas are in segments, so the
 * cubic curve is evaluated in segments (cwnd / mss) and converted back.
 * Time is seconds as a double inside the formulas, nanoseconds outside.
 */
#include <math.h>
#include <stdint.h>

#include "tcp_cc.h"

#define NSEC_PER_SEC 1e9
#define NSEC_PER_MSEC 1000000ull

/* RFC 9438 section 5: C = 0.4, beta_cubic = 0.7. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
#define CUBIC_BETA_PM 700 /* per mille, for exact integer windows */
/* Section 4.3: alpha_cubic = 3 (1 - beta) / (1 + beta) until W_est
 * reaches cwnd_prior, 1 after. */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

/* RFC 9406 section 4.3 constants. */
#define HS_MIN_RTT_THRESH (4 * NSEC_PER_MSEC)
#define HS_MAX_RTT_THRESH (16 * NSEC_PER_MSEC)
#define HS_MIN_RTT_DIVISOR 8
#define HS_N_RTT_SAMPLE 8
#define HS_CSS_GROWTH_DIVISOR 4
#define HS_CSS_ROUNDS 5
/* L: segments of growth per ACK in slow start; infinite for a paced
 * sender (section 4.3), so no cap here. */

struct hystart {
	uint64_t last_round_min;  /* lastRoundMinRTT; UINT64_MAX = none */
	uint64_t cur_round_min;   /* currentRoundMinRTT */
	uint64_t css_baseline;    /* cssBaselineMinRtt */
	uint32_t samples;         /* rttSampleCount */
	uint32_t css_rounds;      /* rounds spent in CSS; 0 = not in CSS */
	bool in_css;
	bool done;                /* left slow start for good */
};

struct cubic {
	double w_max;            /* segments, W_max */
	double cwnd_epoch;       /* segments, cwnd at the epoch start */
	double w_est;            /* segments, Reno-friendly estimate */
	double k;                /* seconds */
	double frac;             /* bytes of growth not yet applied */
	uint64_t t_epoch;        /* ns; 0 = no epoch yet */
	bool epoch_valid;
	uint64_t last_ack;       /* for idle-time epoch shift */
	/* Section 4.9 undo state. */
	uint32_t prior_cwnd;
	uint32_t prior_ssthresh;
	double prior_w_max;
	uint64_t prior_valid;
	struct hystart hs;
};

_Static_assert(sizeof(struct cubic) <= TUSK_TCP_CC_PRIV_SIZE,
	       "cubic state too large");

static struct cubic *
priv(struct tusk_tcp_cc *cc)
{
	return (struct cubic *)cc->priv;
}

static void
hystart_reset(struct hystart *hs)
{
	hs->last_round_min = UINT64_MAX;
	hs->cur_round_min = UINT64_MAX;
	hs->css_baseline = UINT64_MAX;
	hs->samples = 0;
	hs->css_rounds = 0;
	hs->in_css = false;
	hs->done = false;
}

static void
cubic_init(struct tusk_tcp_cc *cc, uint64_t now)
{
	hystart_reset(&priv(cc)->hs);
	tusk_tcp_cc_pace_default(cc);
}

/* RFC 9406 section 4.2: one ACK's worth of RTT tracking and the slow start
 * to Conservative Slow Start (CSS) transitions. Returns the divisor for
 * this ACK's growth (1 in slow start, CSS_GROWTH_DIVISOR in CSS). */
static unsigned int
hystart_on_ack(struct tusk_tcp_cc *cc, const struct tusk_tcp_rate_sample *rs)
{
	struct hystart *hs = &priv(cc)->hs;

	if (rs->round_start) {
		if (hs->in_css && ++hs->css_rounds >= HS_CSS_ROUNDS) {
			/* CSS lasted CSS_ROUNDS: enter congestion avoidance. */
			cc->ssthresh = cc->cwnd;
			hs->done = true;
			return 1;
		}
		hs->last_round_min = hs->cur_round_min;
		hs->cur_round_min = UINT64_MAX;
		hs->samples = 0;
	}
	if (rs->rtt_ns != 0) {
		if (rs->rtt_ns < hs->cur_round_min)
			hs->cur_round_min = rs->rtt_ns;
		hs->samples++;
	}
	if (hs->samples < HS_N_RTT_SAMPLE || hs->cur_round_min == UINT64_MAX ||
	    hs->last_round_min == UINT64_MAX)
		return hs->in_css ? HS_CSS_GROWTH_DIVISOR : 1;
	if (!hs->in_css) {
		uint64_t thresh = hs->last_round_min / HS_MIN_RTT_DIVISOR;

		if (thresh < HS_MIN_RTT_THRESH)
			thresh = HS_MIN_RTT_THRESH;
		if (thresh > HS_MAX_RTT_THRESH)
			thresh = HS_MAX_RTT_THRESH;
		if (hs->cur_round_min >= hs->last_round_min + thresh) {
			hs->css_baseline = hs->cur_round_min;
			hs->in_css = true;
			hs->css_rounds = 0;
		}
	} else if (hs->cur_round_min < hs->css_baseline) {
		/* The delay increase was spurious: back to slow start. */
		hs->css_baseline = UINT64_MAX;
		hs->in_css = false;
	}
	return hs->in_css ? HS_CSS_GROWTH_DIVISOR : 1;
}

/* W_cubic(t), RFC 9438 section 4.2 eq. (1), in segments. */
static double
w_cubic(const struct cubic *c, double t)
{
	double d = t - c->k;

	return CUBIC_C * d * d * d + c->w_max;
}

/* Section 4.2 eq. (2) and 4.8: start an epoch on the first ACK in
 * congestion avoidance after slow start or a reduction. */
static void
epoch_start(struct tusk_tcp_cc *cc, uint64_t now)
{
	struct cubic *c = priv(cc);
	double cwnd = (double)cc->cwnd / cc->mss;

	c->t_epoch = now;
	c->epoch_valid = true;
	c->cwnd_epoch = cwnd;
	c->w_est = cwnd;
	if (c->w_max < cwnd) {
		c->w_max = cwnd;
		c->k = 0;
	} else {
		c->k = cbrt((c->w_max - cwnd) / CUBIC_C);
	}
}

/* Section 4.3-4.5: cwnd growth for `acked` bytes in congestion avoidance. */
static void
cubic_avoid(struct tusk_tcp_cc *cc, uint32_t acked, uint64_t now)
{
	struct cubic *c = priv(cc);
	double cwnd = (double)cc->cwnd / cc->mss;
	double rtt = (double)(cc->srtt_ns != 0 ? cc->srtt_ns :
			      cc->min_rtt_ns) / NSEC_PER_SEC;
	double t, target, alpha, inc;

	if (!c->epoch_valid)
		epoch_start(cc, now);
	t = (double)(now - c->t_epoch) / NSEC_PER_SEC;
	/* Section 4.3: the Reno-friendly estimate. */
	alpha = c->w_est >= (double)c->prior_cwnd / cc->mss ? 1.0 : CUBIC_ALPHA;
	c->w_est += alpha * ((double)acked / cc->mss) / cwnd;
	if (w_cubic(c, t) < c->w_est) {
		target = c->w_est; /* Reno-friendly region */
		inc = (target - cwnd) * cc->mss;
	} else {
		/* Sections 4.4/4.5: target is W_cubic(t + RTT), bounded to
		 * [cwnd, 1.5 cwnd]; grow (target - cwnd) / cwnd per SMSS. */
		target = w_cubic(c, t + rtt);
		if (target < cwnd)
			target = cwnd;
		if (target > 1.5 * cwnd)
			target = 1.5 * cwnd;
		inc = (target - cwnd) / cwnd * acked;
	}
	if (inc <= 0)
		return;
	c->frac += inc;
	if (c->frac >= 1.0) {
		cc->cwnd += (uint32_t)c->frac;
		c->frac -= (uint32_t)c->frac;
	}
}

/* RFC 7661 spirit: grow only a window that limits the sender. */
static bool
cwnd_limited(const struct tusk_tcp_cc *cc, const struct tusk_tcp_rate_sample *rs)
{
	if (cc->cwnd < cc->ssthresh)
		return (uint64_t)rs->prior_in_flight * 2 >= cc->cwnd;
	return rs->prior_in_flight + 3 * cc->mss >= cc->cwnd;
}

static void
cubic_on_ack(struct tusk_tcp_cc *cc, const struct tusk_tcp_rate_sample *rs,
	     uint64_t now)
{
	struct cubic *c = priv(cc);
	uint32_t acked = rs->acked_sacked;

	c->last_ack = now;
	if (cc->in_recovery || acked == 0)
		goto pace;
	if (cc->cwnd < cc->ssthresh) {
		unsigned int div = c->hs.done ? 1 : hystart_on_ack(cc, rs);

		if (cc->cwnd < cc->ssthresh && cwnd_limited(cc, rs))
			cc->cwnd += acked / div;
	} else if (cwnd_limited(cc, rs)) {
		cubic_avoid(cc, acked, now);
	}
pace:
	tusk_tcp_cc_pace_default(cc);
}

static void
save_for_undo(struct tusk_tcp_cc *cc)
{
	struct cubic *c = priv(cc);

	c->prior_cwnd = cc->cwnd;
	c->prior_ssthresh = cc->ssthresh;
	c->prior_w_max = c->w_max;
	c->prior_valid = 1;
}

/* Section 4.6 (multiplicative decrease) and 4.7 (fast convergence). */
static void
reduce(struct tusk_tcp_cc *cc)
{
	struct cubic *c = priv(cc);
	double cwnd = (double)cc->cwnd / cc->mss;
	uint32_t min = TUSK_TCP_CC_MIN_SEGS * cc->mss;
	uint32_t ss;

	save_for_undo(cc);
	if (cwnd < c->w_max)
		c->w_max = cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		c->w_max = cwnd;
	ss = (uint32_t)((uint64_t)cc->cwnd * CUBIC_BETA_PM / 1000);
	cc->ssthresh = ss > min ? ss : min;
	c->epoch_valid = false;
	c->frac = 0;
	c->hs.done = true; /* loss ends slow start (RFC 9406 section 4.2) */
}

static void
cubic_on_congestion_event(struct tusk_tcp_cc *cc, uint64_t now)
{
	reduce(cc);
	cc->cwnd = cc->ssthresh;
	tusk_tcp_cc_pace_default(cc);
}

static void
cubic_on_recovery_exit(struct tusk_tcp_cc *cc, uint64_t now)
{
	tusk_tcp_cc_pace_default(cc);
}

/* Section 4.8: after an RTO the window restarts from one segment. */
static void
cubic_on_rto(struct tusk_tcp_cc *cc, uint64_t now)
{
	reduce(cc);
	cc->cwnd = cc->mss;
	tusk_tcp_cc_pace_default(cc);
}

/* Section 4.9: undo a reduction found spurious. */
static void
cubic_on_spurious(struct tusk_tcp_cc *cc, uint64_t now)
{
	struct cubic *c = priv(cc);

	if (!c->prior_valid)
		return;
	if (cc->cwnd < c->prior_cwnd)
		cc->cwnd = c->prior_cwnd;
	cc->ssthresh = c->prior_ssthresh;
	c->w_max = c->prior_w_max;
	c->prior_valid = 0;
	c->epoch_valid = false;
	tusk_tcp_cc_pace_default(cc);
}

/* Section 5.8: an idle sender must not jump along the curve when it
 * resumes; shift the epoch by the idle time. */
static void
cubic_on_sent(struct tusk_tcp_cc *cc, uint32_t len, uint64_t now)
{
	struct cubic *c = priv(cc);

	if (cc->in_flight == 0 && c->epoch_valid && now > c->last_ack) {
		c->t_epoch += now - c->last_ack;
		c->last_ack = now;
	}
}

const struct tusk_tcp_cc_ops tusk_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion_event = cubic_on_congestion_event,
	.on_recovery_exit = cubic_on_recovery_exit,
	.on_rto = cubic_on_rto,
	.on_spurious = cubic_on_spurious,
	.on_sent = cubic_on_sent,
};
