/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics of a TWAMP run (twamp_stats.h).
 *   tusk_twamp_stats() -> counts() -> by_arrival() -> jitter()
 *                      -> tusk_twamp_dist() for RTT, forward, backward
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "twamp_stats.h"

#define STATS_NS_PER_MS 1e6
/* RFC 3550 A.8: the jitter estimate's gain, 1/16. */
#define STATS_JITTER_GAIN 16.0

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank (the smallest value with at least p% at or below it). */
static double
rank(const double *v, uint32_t n, double p)
{
	uint32_t r = (uint32_t)ceil(p / 100.0 * n);

	return v[r == 0 ? 0 : r - 1];
}

void
tusk_twamp_dist(double *v, uint32_t n, struct tusk_twamp_dist *out)
{
	double sum = 0, sq = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (uint32_t i = 0; i < n; i++)
		sum += v[i];
	out->n = n;
	out->mean = sum / n;
	for (uint32_t i = 0; i < n; i++)
		sq += (v[i] - out->mean) * (v[i] - out->mean);
	/* the sample's own spread: n, not n - 1 (all packets, no estimate
	 * of a larger population) */
	out->stddev = sqrt(sq / n);
	out->min = v[0];
	out->max = v[n - 1];
	out->p50 = rank(v, n, 50);
	out->p90 = rank(v, n, 90);
	out->p95 = rank(v, n, 95);
	out->p99 = rank(v, n, 99);
}

static double
ms(uint64_t a, uint64_t b)
{
	return ((double)a - (double)b) / STATS_NS_PER_MS;
}

static double
rtt_of(const struct tusk_twamp_rec *r)
{
	return ms(r->t4, r->t1) - ms(r->t3, r->t2);
}

static void
counts(const struct tusk_twamp_rec *recs, uint32_t sent,
       struct tusk_twamp_result *out)
{
	out->sent = sent;
	out->ttl_min = UINT8_MAX;
	for (uint32_t i = 0; i < sent; i++) {
		const struct tusk_twamp_rec *r = &recs[i];

		if (r->arrival == 0)
			continue;
		out->received++;
		out->duplicates += r->dups;
		out->reordered += r->reordered;
		out->ttl_min = r->ttl < out->ttl_min ? r->ttl : out->ttl_min;
		out->ttl_max = r->ttl > out->ttl_max ? r->ttl : out->ttl_max;
	}
	if (out->received == 0)
		out->ttl_min = 0;
	out->lost = sent - out->received;
	out->loss_pct = sent > 0 ? 100.0 * out->lost / sent : 0;
}

/* J += (|D| - J) / 16 over consecutive values (RFC 3550 A.8). */
static double
jitter(const double *v, uint32_t n)
{
	double j = 0;

	for (uint32_t i = 1; i < n; i++)
		j += (fabs(v[i] - v[i - 1]) - j) / STATS_JITTER_GAIN;
	return j;
}

/* The received packets' RTT, forward and backward delays, in arrival
 * order (arrival numbers are 1..received, each once). */
static void
by_arrival(const struct tusk_twamp_rec *recs, uint32_t sent, uint32_t n,
	   double *rtt, double *fwd, double *back)
{
	for (uint32_t i = 0; i < sent; i++) {
		const struct tusk_twamp_rec *r = &recs[i];
		uint32_t k = r->arrival - 1;

		if (r->arrival == 0 || k >= n)
			continue;
		rtt[k] = rtt_of(r);
		fwd[k] = ms(r->t2, r->t1);
		back[k] = ms(r->t4, r->t3);
	}
}

int
tusk_twamp_stats(const struct tusk_twamp_rec *recs, uint32_t sent,
		 struct tusk_twamp_result *out)
{
	double *v;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	counts(recs, sent, out);
	n = out->received;
	if (n == 0)
		return 0;
	v = malloc(3 * sizeof(*v) * n);
	if (v == NULL)
		return -ENOMEM;
	by_arrival(recs, sent, n, v, v + n, v + 2 * n);
	out->jitter_rtt = jitter(v, n);
	out->jitter_fwd = jitter(v + n, n);
	out->jitter_back = jitter(v + 2 * n, n);
	tusk_twamp_dist(v, n, &out->rtt);
	tusk_twamp_dist(v + n, n, &out->fwd);
	tusk_twamp_dist(v + 2 * n, n, &out->back);
	free(v);
	return 0;
}
