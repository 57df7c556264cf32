/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A model-based, paced congestion controller in the style of BBR
 * (draft-cardwell-iccrg-bbr-congestion-control): it estimates the
 * bottleneck bandwidth (windowed max of delivery-rate samples) and the
 * round-trip propagation time (windowed min RTT), paces at gain x bw and
 * bounds in-flight data to gain x bw x min_rtt.
 *
 * States: STARTUP (pacing gain 2/ln2, cwnd gain 2, until bw stops growing
 * by 25% for 3 rounds, or loss is high) -> DRAIN (empty the queue STARTUP made) -> PROBE_BW
 * (8-phase gain cycle 1.25, 0.75, 1 x 6) <-> PROBE_RTT (every 10 s without
 * a new min RTT, in-flight cut to half a BDP for 200 ms and a round).
 *
 * Loss: random loss says nothing about congestion, so single losses are
 * ignored (BBRv1 behaviour, what keeps a lossy long path full). But a round
 * whose loss rate exceeds BBR_LOSS_THRESH (2%, as BBRv2/v3) means the queue
 * overflowed: in-flight is then capped at BBR_BETA x the round's in-flight
 * (inflight_hi, BBRv2) and the cap is raised again slowly (after a hold,
 * doubling steps), which leaves room for loss-based flows beside it.
 */
#include <stdint.h>
#include <string.h>

#include "tcp_cc.h"

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull

/* Gains in 1/1000 units. 2/ln(2) = 2.885 doubles the delivery rate each
 * round in STARTUP (BBR draft section 4.6.1). */
#define BBR_UNIT 1000u
#define BBR_HIGH_GAIN 2885u
#define BBR_DRAIN_GAIN 347u  /* 1 / 2.885: drain what STARTUP queued */
#define BBR_CWND_GAIN 2000u  /* cwnd 2 BDP: covers delayed/aggregated ACKs */
/* STARTUP's cwnd gain: 2, not 2.885 (BBR draft -02 BBRStartupCwndGain):
 * the rounds it takes to see the bandwidth plateau would otherwise push
 * ~2.9 BDP into a path holding 2 (a 1 BDP queue) and lose the excess. */
#define BBR_STARTUP_CWND_GAIN 2000u
#define BBR_CYCLE_LEN 8
/* Pace 1% below the estimate so a queue does not build at gain 1. */
#define BBR_PACING_MARGIN_PCT 1

/* Max filter over 10 rounds: a full gain cycle plus 2 (BBR draft). */
#define BBR_BW_ROUNDS (BBR_CYCLE_LEN + 2)
/* STARTUP ends after 3 rounds with less than 25% growth. */
#define BBR_FULL_BW_PCT 125
#define BBR_FULL_BW_ROUNDS 3
/* Min RTT window and PROBE_RTT length (BBR draft section 4.1.2.3). */
#define BBR_MIN_RTT_WIN_NS (10000ull * NSEC_PER_MSEC)
#define BBR_PROBE_RTT_NS (200ull * NSEC_PER_MSEC)
/* Smallest cwnd: 4 segments keep ACK clocking alive (BBR draft). */
#define BBR_MIN_SEGS 4

/* Loss response (BBRv2): a round with more than 2% of its data lost and at
 * least 8 segments lost (not a fluke of a small flight) overflowed a queue.
 * 1% random loss stays below it. */
#define BBR_LOSS_THRESH_PPM 20000u
#define BBR_LOSS_MIN_SEGS 8
/* inflight_hi = 0.7 x the round's in-flight: CUBIC's beta, so two flows
 * backing off at once converge. */
#define BBR_BETA_PCT 70
/* Rounds to cruise under a fresh cap before raising it: a CUBIC flow
 * needs many rounds to regrow, and BBRv2 waits 2-3 s between probes. */
#define BBR_HI_HOLD_ROUNDS 16
/* Cap on one round's raise, in segments. */
#define BBR_HI_STEP_MAX 1024
/* Rounds after a cut whose losses belong to data sent before it. */
#define BBR_CUT_GAP_ROUNDS 2

/* ACK aggregation (Linux bbr_update_ack_aggregation, BBR draft 4.6.4.2
 * "extra_acked"): a receiver, NIC or poll loop that ACKs in bursts
 * delivers more in an interval than bw x interval; cwnd gets that excess
 * (windowed max over 2 x BBR_ACK_AGG_WIN_ROUNDS rounds) on top of the
 * BDP, else on a microsecond path the sender stalls between bursts. */
#define BBR_ACK_AGG_WIN_ROUNDS 5
/* The excess is capped at this long at the estimated bandwidth. */
#define BBR_ACK_AGG_MAX_NS (100ull * NSEC_PER_MSEC)

enum bbr_mode {
	BBR_STARTUP,
	BBR_DRAIN,
	BBR_PROBE_BW,
	BBR_PROBE_RTT,
};

static const uint16_t bbr_cycle_gain[BBR_CYCLE_LEN] = {
	1250, 750, 1000, 1000, 1000, 1000, 1000, 1000,
};

/* One sample of a windowed max filter (K. Nichols' 3-sample scheme). */
struct bbr_sample {
	uint64_t t; /* round count */
	uint64_t v; /* bytes/s */
};

struct bbr {
	struct bbr_sample bw[3];
	uint64_t rounds;
	uint64_t min_rtt_ns;
	uint64_t min_rtt_stamp;
	uint64_t cycle_stamp;
	uint64_t probe_rtt_done;   /* ns; 0 = not yet at low in-flight */
	uint64_t full_bw;
	uint64_t cut_round;        /* round of the last inflight_hi cut */
	uint64_t round_delivered;  /* this round's bytes delivered, lost */
	uint64_t round_lost;
	uint32_t round_max_inflight;
	uint64_t ack_epoch_start;  /* ns: start of the ACK-aggregation epoch */
	uint64_t ack_epoch_acked;  /* bytes ACKed in it */
	uint32_t extra_acked[2];   /* two windows of the excess, bytes */
	uint8_t extra_acked_rounds;
	uint8_t extra_acked_idx;
	uint32_t inflight_hi;      /* bytes; UINT32_MAX = no cap */
	uint32_t hi_hold;          /* rounds left before raising the cap */
	uint32_t hi_step;          /* next raise, segments */
	uint32_t prior_cwnd;
	uint32_t pacing_gain;
	uint32_t cwnd_gain;
	uint8_t mode;
	uint8_t cycle_idx;
	uint8_t full_bw_cnt;
	bool full_bw_reached;
	bool probe_rtt_round_done;
	bool round_start;
};

_Static_assert(sizeof(struct bbr) <= TUSK_TCP_CC_PRIV_SIZE,
	       "bbr state too large");

static struct bbr *
priv(struct tusk_tcp_cc *cc)
{
	return (struct bbr *)cc->priv;
}

/* Running max over `win` rounds; returns the max. */
static uint64_t
maxfilt_update(struct bbr_sample s[3], uint64_t win, uint64_t t, uint64_t v)
{
	struct bbr_sample n = { .t = t, .v = v };

	if (v >= s[0].v || t - s[2].t > win) {
		s[0] = s[1] = s[2] = n;
		return v;
	}
	if (v >= s[1].v)
		s[1] = s[2] = n;
	else if (v >= s[2].v)
		s[2] = n;
	/* Age out the best sample; keep the 2nd and 3rd spread over the
	 * window so a new best is ready when the old one expires. */
	if (t - s[0].t > win) {
		s[0] = s[1];
		s[1] = s[2];
		s[2] = n;
		if (t - s[0].t > win) {
			s[0] = s[1];
			s[1] = s[2];
		}
	} else if (s[1].t == s[0].t && t - s[0].t > win / 4) {
		s[1] = s[2] = n;
	} else if (s[2].t == s[1].t && t - s[1].t > win / 2) {
		s[2] = n;
	}
	return s[0].v;
}

static uint64_t
bbr_bw(const struct bbr *b)
{
	return b->bw[0].v;
}

/* gain x bw x min_rtt, in bytes; before any RTT sample, the initial
 * window (BBR draft: BBRInflight with no min_rtt). */
static uint64_t
bbr_bdp(const struct tusk_tcp_cc *cc, const struct bbr *b, uint32_t gain)
{
	uint64_t bdp;

	if (b->min_rtt_ns == UINT64_MAX || bbr_bw(b) == 0)
		return (uint64_t)TUSK_TCP_CC_INIT_SEGS * cc->mss;
	bdp = (uint64_t)((double)bbr_bw(b) * b->min_rtt_ns / NSEC_PER_SEC);
	return bdp * gain / BBR_UNIT;
}

/* In-flight target for a gain: BDP plus room for the send quanta in flight
 * at both ends (BBR draft BBRQuantizationBudget). */
static uint64_t
bbr_inflight(const struct tusk_tcp_cc *cc, const struct bbr *b, uint32_t gain)
{
	return bbr_bdp(cc, b, gain) + 3ull * cc->send_quantum;
}

static void
set_pacing(struct tusk_tcp_cc *cc, struct bbr *b)
{
	uint64_t rate = bbr_bw(b) * b->pacing_gain / BBR_UNIT;

	rate = rate * (100 - BBR_PACING_MARGIN_PCT) / 100;
	/* STARTUP never slows down on a low sample (BBR draft 4.6.4.2). */
	if (b->full_bw_reached || rate > cc->pacing_rate)
		cc->pacing_rate = rate;
	cc->send_quantum = tusk_tcp_cc_quantum(cc, cc->pacing_rate);
}

static void
enter_startup(struct bbr *b)
{
	b->mode = BBR_STARTUP;
	b->pacing_gain = BBR_HIGH_GAIN;
	b->cwnd_gain = BBR_STARTUP_CWND_GAIN;
}

static void
bbr_init(struct tusk_tcp_cc *cc, uint64_t now)
{
	struct bbr *b = priv(cc);
	uint64_t rtt = cc->srtt_ns != 0 ? cc->srtt_ns : NSEC_PER_MSEC;

	memset(b, 0, sizeof(*b));
	b->min_rtt_ns = cc->min_rtt_ns != 0 ? cc->min_rtt_ns : UINT64_MAX;
	b->min_rtt_stamp = now;
	b->inflight_hi = UINT32_MAX;
	enter_startup(b);
	/* No bandwidth sample yet: pace the initial window over the RTT
	 * (1 ms if unknown) at the high gain (BBR draft 4.6.4.1). The
	 * filter stays empty so this guess never counts as a sample. */
	cc->pacing_rate = (uint64_t)cc->cwnd * NSEC_PER_SEC / rtt *
		BBR_HIGH_GAIN / BBR_UNIT;
	cc->send_quantum = tusk_tcp_cc_quantum(cc, cc->pacing_rate);
}

/* Random-ish start phase for PROBE_BW, never the 0.75 one, so flows that
 * start together do not probe in lock-step. Deterministic from `now`. */
static unsigned int
random_phase(uint64_t now)
{
	uint64_t z = now + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	z %= BBR_CYCLE_LEN - 1; /* 0..6 -> phases 0, 2..7 */
	return z == 0 ? 0 : (unsigned int)z + 1;
}

static void
enter_probe_bw(struct bbr *b, uint64_t now)
{
	b->mode = BBR_PROBE_BW;
	b->cwnd_gain = BBR_CWND_GAIN;
	b->cycle_idx = random_phase(now);
	b->pacing_gain = bbr_cycle_gain[b->cycle_idx];
	b->cycle_stamp = now;
}

/* BBR draft 4.5.2.1: take the sample unless it is app-limited and lower
 * than the estimate (an idle sender says nothing about the path). */
static void
update_bw(struct bbr *b, const struct tusk_tcp_rate_sample *rs)
{
	if (rs->delivery_rate == 0)
		return;
	if (rs->is_app_limited && rs->delivery_rate < bbr_bw(b))
		return;
	maxfilt_update(b->bw, BBR_BW_ROUNDS, b->rounds, rs->delivery_rate);
}

/* BBR draft 4.3.1.2: has STARTUP filled the pipe? */
static void
check_full_bw(struct bbr *b, const struct tusk_tcp_rate_sample *rs)
{
	if (b->full_bw_reached || !b->round_start || rs->is_app_limited)
		return;
	if (bbr_bw(b) * 100 >= b->full_bw * BBR_FULL_BW_PCT) {
		b->full_bw = bbr_bw(b);
		b->full_bw_cnt = 0;
		return;
	}
	if (++b->full_bw_cnt >= BBR_FULL_BW_ROUNDS)
		b->full_bw_reached = true;
}

/* Lower the in-flight cap after a round that overflowed a queue. The
 * round right after a cut still carries losses of data sent before it:
 * it does not cut again (no compounding). */
static void
cut_inflight_hi(struct tusk_tcp_cc *cc, struct bbr *b)
{
	uint64_t hi = (uint64_t)b->round_max_inflight * BBR_BETA_PCT / 100;
	uint64_t min = (uint64_t)BBR_MIN_SEGS * cc->mss;

	if (b->rounds - b->cut_round < BBR_CUT_GAP_ROUNDS &&
	    b->inflight_hi != UINT32_MAX)
		return;
	if (hi < min)
		hi = min;
	if (hi < b->inflight_hi)
		b->inflight_hi = (uint32_t)hi;
	b->cut_round = b->rounds;
	b->hi_hold = BBR_HI_HOLD_ROUNDS;
	b->hi_step = 1;
}

/* Raise the cap again after a hold without excess loss: 1, 2, 4 ...
 * segments per round (BBRv2's PROBE_UP growth), so a large window
 * regrows in a few tens of rounds. */
static void
raise_inflight_hi(struct tusk_tcp_cc *cc, struct bbr *b)
{
	uint64_t hi;

	if (b->inflight_hi == UINT32_MAX)
		return;
	if (b->hi_hold > 0) {
		b->hi_hold--;
		return;
	}
	hi = b->inflight_hi + (uint64_t)b->hi_step * cc->mss;
	b->inflight_hi = hi >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)hi;
	if (b->hi_step < BBR_HI_STEP_MAX)
		b->hi_step *= 2;
}

/* Per-round loss accounting (BBRv2 "loss rate too high"). Called on
 * every ACK; acts when a round ends. */
static void
check_loss(struct tusk_tcp_cc *cc, struct bbr *b,
	   const struct tusk_tcp_rate_sample *rs)
{
	uint64_t total;

	b->round_delivered += rs->acked_sacked;
	b->round_lost += rs->newly_lost;
	if (rs->prior_in_flight > b->round_max_inflight)
		b->round_max_inflight = rs->prior_in_flight;
	if (!b->round_start)
		return;
	total = b->round_delivered + b->round_lost;
	if (b->round_lost >= (uint64_t)BBR_LOSS_MIN_SEGS * cc->mss &&
	    b->round_lost * 1000000 > total * BBR_LOSS_THRESH_PPM) {
		cut_inflight_hi(cc, b);
		/* STARTUP overflowed the queue: the pipe is full. */
		b->full_bw_reached = true;
	} else {
		raise_inflight_hi(cc, b);
	}
	b->round_delivered = 0;
	b->round_lost = 0;
	b->round_max_inflight = 0;
}

/* BBR draft 4.3.2 and 4.3.3: STARTUP -> DRAIN -> PROBE_BW. */
static void
check_drain(struct tusk_tcp_cc *cc, struct bbr *b, uint64_t now)
{
	if (b->mode == BBR_STARTUP && b->full_bw_reached) {
		b->mode = BBR_DRAIN;
		b->pacing_gain = BBR_DRAIN_GAIN;
		b->cwnd_gain = BBR_STARTUP_CWND_GAIN;
	}
	if (b->mode == BBR_DRAIN &&
	    cc->in_flight <= bbr_inflight(cc, b, BBR_UNIT))
		enter_probe_bw(b, now);
}

/* BBR draft 4.3.4.4: when does the current gain-cycle phase end? */
static bool
cycle_phase_done(struct tusk_tcp_cc *cc, struct bbr *b,
		 const struct tusk_tcp_rate_sample *rs, uint64_t now)
{
	bool full = now - b->cycle_stamp > b->min_rtt_ns;
	uint64_t target;

	if (b->pacing_gain == BBR_UNIT)
		return full;
	if (b->pacing_gain > BBR_UNIT) {
		/* Probe until in-flight reaches the gain's target (or the
		 * cap stops it) or the probe caused loss. */
		target = bbr_inflight(cc, b, b->pacing_gain);
		if (target > b->inflight_hi)
			target = b->inflight_hi;
		return full && (rs->newly_lost > 0 ||
				rs->prior_in_flight >= target);
	}
	/* Draining phase: done early once the queue is gone. */
	return full || rs->prior_in_flight <= bbr_inflight(cc, b, BBR_UNIT);
}

static void
update_cycle(struct tusk_tcp_cc *cc, struct bbr *b,
	     const struct tusk_tcp_rate_sample *rs, uint64_t now)
{
	if (b->mode != BBR_PROBE_BW || !cycle_phase_done(cc, b, rs, now))
		return;
	b->cycle_idx = (b->cycle_idx + 1) % BBR_CYCLE_LEN;
	b->cycle_stamp = now;
	b->pacing_gain = bbr_cycle_gain[b->cycle_idx];
}

static uint32_t
probe_rtt_cwnd(const struct tusk_tcp_cc *cc, const struct bbr *b)
{
	/* BBRv2: half a BDP, not 4 segments: far cheaper on a long path. */
	uint64_t w = bbr_bdp(cc, b, BBR_UNIT) / 2;
	uint64_t min = (uint64_t)BBR_MIN_SEGS * cc->mss;

	return (uint32_t)(w > min ? w : min);
}

static void
exit_probe_rtt(struct tusk_tcp_cc *cc, struct bbr *b, uint64_t now)
{
	b->min_rtt_stamp = now;
	if (cc->cwnd < b->prior_cwnd)
		cc->cwnd = b->prior_cwnd;
	if (b->full_bw_reached)
		enter_probe_bw(b, now);
	else
		enter_startup(b);
}

/* BBR draft 4.3.5 and 4.5.3: min RTT filter and PROBE_RTT. */
static void
update_min_rtt(struct tusk_tcp_cc *cc, struct bbr *b,
	       const struct tusk_tcp_rate_sample *rs, uint64_t now)
{
	bool expired = now - b->min_rtt_stamp > BBR_MIN_RTT_WIN_NS;

	if (rs->rtt_ns != 0 && (rs->rtt_ns <= b->min_rtt_ns || expired)) {
		b->min_rtt_ns = rs->rtt_ns;
		b->min_rtt_stamp = now;
	}
	if (expired && b->mode != BBR_PROBE_RTT) {
		b->mode = BBR_PROBE_RTT;
		b->pacing_gain = BBR_UNIT;
		b->cwnd_gain = BBR_UNIT;
		b->prior_cwnd = cc->cwnd;
		b->probe_rtt_done = 0;
	}
	if (b->mode != BBR_PROBE_RTT)
		return;
	if (b->probe_rtt_done == 0 &&
	    cc->in_flight <= probe_rtt_cwnd(cc, b)) {
		b->probe_rtt_done = now + BBR_PROBE_RTT_NS;
		b->probe_rtt_round_done = false;
	} else if (b->probe_rtt_done != 0) {
		if (b->round_start)
			b->probe_rtt_round_done = true;
		if (b->probe_rtt_round_done && now >= b->probe_rtt_done)
			exit_probe_rtt(cc, b, now);
	}
}

/* Estimate how much more than bw x time ACKs deliver at once. */
static void
update_ack_aggregation(struct tusk_tcp_cc *cc, struct bbr *b,
		       const struct tusk_tcp_rate_sample *rs, uint64_t now)
{
	uint64_t expected, extra;

	if (rs->acked_sacked == 0 || bbr_bw(b) == 0)
		return;
	if (rs->round_start && ++b->extra_acked_rounds >=
				       BBR_ACK_AGG_WIN_ROUNDS) {
		b->extra_acked_rounds = 0;
		b->extra_acked_idx ^= 1;
		b->extra_acked[b->extra_acked_idx] = 0;
	}
	expected = (uint64_t)((double)bbr_bw(b) *
			      (double)(now - b->ack_epoch_start) /
			      NSEC_PER_SEC);
	/* the ACKs fell behind the model: a new epoch starts here */
	if (b->ack_epoch_acked <= expected ||
	    b->ack_epoch_acked > UINT32_MAX) {
		b->ack_epoch_acked = 0;
		b->ack_epoch_start = now;
		expected = 0;
	}
	b->ack_epoch_acked += rs->acked_sacked;
	extra = b->ack_epoch_acked - expected;
	if (extra > cc->cwnd)
		extra = cc->cwnd;
	if (extra > b->extra_acked[b->extra_acked_idx])
		b->extra_acked[b->extra_acked_idx] = (uint32_t)extra;
}

/* cwnd room for aggregated ACKs, once the pipe is full. */
static uint64_t
ack_aggregation_cwnd(const struct bbr *b)
{
	uint64_t aggr, cap;

	if (!b->full_bw_reached)
		return 0;
	aggr = b->extra_acked[0] > b->extra_acked[1] ? b->extra_acked[0]
						      : b->extra_acked[1];
	cap = (uint64_t)((double)bbr_bw(b) * BBR_ACK_AGG_MAX_NS /
			 NSEC_PER_SEC);
	return aggr < cap ? aggr : cap;
}

/* BBR draft 4.6.4.4: cwnd grows by what was ACKed toward the target. */
static void
set_cwnd(struct tusk_tcp_cc *cc, struct bbr *b,
	 const struct tusk_tcp_rate_sample *rs)
{
	uint64_t target = bbr_inflight(cc, b, b->cwnd_gain) +
			  ack_aggregation_cwnd(b);
	uint64_t cwnd = cc->cwnd;
	uint64_t min = (uint64_t)BBR_MIN_SEGS * cc->mss;

	if (b->full_bw_reached) {
		cwnd += rs->acked_sacked;
		if (cwnd > target)
			cwnd = target;
	} else if (cwnd < target) {
		cwnd += rs->acked_sacked;
	}
	if (cwnd > b->inflight_hi)
		cwnd = b->inflight_hi;
	if (b->mode == BBR_PROBE_RTT && cwnd > probe_rtt_cwnd(cc, b))
		cwnd = probe_rtt_cwnd(cc, b);
	if (cwnd < min)
		cwnd = min;
	cc->cwnd = cwnd > UINT32_MAX ? UINT32_MAX : (uint32_t)cwnd;
}

static void
bbr_on_ack(struct tusk_tcp_cc *cc, const struct tusk_tcp_rate_sample *rs,
	   uint64_t now)
{
	struct bbr *b = priv(cc);

	b->round_start = rs->round_start;
	if (rs->round_start)
		b->rounds++;
	update_bw(b, rs);
	update_ack_aggregation(cc, b, rs, now);
	update_cycle(cc, b, rs, now);
	check_loss(cc, b, rs);
	check_full_bw(b, rs);
	check_drain(cc, b, now);
	update_min_rtt(cc, b, rs, now);
	set_pacing(cc, b);
	set_cwnd(cc, b, rs);
}

/* Loss is handled per round in check_loss(); a recovery episode alone
 * does not cut a model-based window. */
static void
bbr_on_congestion_event(struct tusk_tcp_cc *cc, uint64_t now)
{
	priv(cc)->prior_cwnd = cc->cwnd;
}

static void
bbr_on_recovery_exit(struct tusk_tcp_cc *cc, uint64_t now)
{
}

/* After an RTO every segment in flight is presumed lost: restart from the
 * minimum window; cwnd regrows by what is ACKed (x2 per round) up to the
 * model's target. The bw estimate is kept. */
static void
bbr_on_rto(struct tusk_tcp_cc *cc, uint64_t now)
{
	struct bbr *b = priv(cc);

	b->prior_cwnd = cc->cwnd;
	cc->cwnd = BBR_MIN_SEGS * cc->mss;
}

static void
bbr_on_spurious(struct tusk_tcp_cc *cc, uint64_t now)
{
	struct bbr *b = priv(cc);

	if (cc->cwnd < b->prior_cwnd)
		cc->cwnd = b->prior_cwnd;
}

const struct tusk_tcp_cc_ops tusk_tcp_cc_bbr = {
	.name = "bbr",
	.init = bbr_init,
	.on_ack = bbr_on_ack,
	.on_congestion_event = bbr_on_congestion_event,
	.on_recovery_exit = bbr_on_recovery_exit,
	.on_rto = bbr_on_rto,
	.on_spurious = bbr_on_spurious,
};
