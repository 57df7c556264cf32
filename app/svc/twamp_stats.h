/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a TWAMP session-sender run measured: per packet its four times,
 * and the summary the `twamp` control command reports (README "TWAMP").
 * Pure: no clock, no I/O.
 *
 *   t1 sender transmit    t2 reflector receive
 *   t4 sender receive     t3 reflector transmit
 *   RTT = (t4 - t1) - (t3 - t2)   (RFC 5357 4.2.1: the reflector's
 *                                  residence time taken out)
 *   forward = t2 - t1, backward = t4 - t3: one-way, only as right as the
 *   two clocks agree (RFC 5357 4.1.2: the Error Estimates say how well)
 */
#ifndef TUSK_TWAMP_STATS_H
#define TUSK_TWAMP_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* One test packet of a run, indexed by its sequence number. Times are
 * Unix ns (both clocks' readings, as carried in NTP format). */
struct tusk_twamp_rec {
	uint64_t t1, t2, t3, t4;
	uint32_t arrival;   /* 1-based order of arrival; 0: never came back */
	uint16_t dups;      /* further copies of its reflection */
	uint8_t ttl;        /* our TTL as the reflector saw it */
	bool reordered;     /* came after a higher sequence number (RFC 4737
			     * 3.3: below the next expected) */
};

/* A distribution, in ms. */
struct tusk_twamp_dist {
	uint32_t n;
	double min, mean, max, stddev;
	double p50, p90, p95, p99;  /* nearest rank */
};

struct tusk_twamp_result {
	uint32_t sent, received, lost, duplicates, reordered;
	double loss_pct;
	struct tusk_twamp_dist rtt, fwd, back;
	/* RFC 3550 A.8 interarrival jitter, J += (|D| - J) / 16 over the
	 * packets in arrival order, D the change of the delay between two
	 * consecutive ones (a clock offset cancels out), ms */
	double jitter_rtt, jitter_fwd, jitter_back;
	uint8_t ttl_min, ttl_max;
};

/* Summarise recs[0..sent): 0, or -ENOMEM (a sort buffer). */
int tusk_twamp_stats(const struct tusk_twamp_rec *recs, uint32_t sent,
		     struct tusk_twamp_result *out);

/* The distribution of v[0..n) (sorted in place). */
void tusk_twamp_dist(double *v, uint32_t n, struct tusk_twamp_dist *out);

#endif /* TUSK_TWAMP_STATS_H */
