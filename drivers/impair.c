/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The impairment stage (see impair.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "impair.h"
#include "impair_ge.h"

/* Reordered frames leave at the next dequeue; 256 is eight bursts. */
#define IMPAIR_EXPRESS 256u
#define NS_PER_SEC 1000000000ull

struct impair_slot {
	struct rte_mbuf *m;
	uint64_t due;
};

struct tusk_impair {
	struct tusk_impair_conf conf;
	struct rte_mempool *pool;
	struct rte_mempool *release_pool; /* NULL: release our own copies */
	uint64_t rng;
	uint64_t link_free;  /* when the bottleneck finishes the last frame */
	uint64_t last_due;   /* due time of the newest frame in the FIFO */
	struct tusk_impair_ge ge; /* the conf's burst_* as probabilities */
	bool ge_bad;         /* Gilbert-Elliott state */
	uint32_t head;       /* FIFO: oldest slot */
	uint32_t count;
	uint32_t x_head;     /* express ring of reordered frames */
	uint32_t x_count;
	uint64_t x_last_due; /* due time of the newest express frame */
	struct impair_slot express[IMPAIR_EXPRESS];
	struct tusk_impair_stats st;
	struct impair_slot fifo[]; /* conf.limit slots */
};

bool
tusk_impair_conf_is_off(const struct tusk_impair_conf *c)
{
	return c->delay_ns == 0 && c->jitter_ns == 0 && c->rate_bps == 0 &&
	       c->loss_ppm == 0 && c->burst_enter_ppm == 0 &&
	       c->dup_ppm == 0 && c->reorder_ppm == 0;
}

static int
conf_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
tusk_impair_conf_check(const struct tusk_impair_conf *c, char *err,
		       size_t errlen)
{
	const struct { const char *name; uint32_t v; } ppm[] = {
		{ "loss_ppm", c->loss_ppm },
		{ "burst_enter_ppm", c->burst_enter_ppm },
		{ "burst_exit_ppm", c->burst_exit_ppm },
		{ "burst_loss_ppm", c->burst_loss_ppm },
		{ "dup_ppm", c->dup_ppm },
		{ "reorder_ppm", c->reorder_ppm },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(ppm); i++)
		if (ppm[i].v > TUSK_IMPAIR_PPM)
			return conf_fail(err, errlen, "%s %u exceeds %u",
					 ppm[i].name, ppm[i].v,
					 TUSK_IMPAIR_PPM);
	if (c->delay_ns > TUSK_IMPAIR_DELAY_MAX_NS)
		return conf_fail(err, errlen, "delay_ms %.3f exceeds %llu",
				 (double)c->delay_ns / 1e6,
				 TUSK_IMPAIR_DELAY_MAX_NS / 1000000ull);
	if (c->jitter_ns > c->delay_ns)
		return conf_fail(err, errlen, "jitter_ms %.3f exceeds delay_ms "
				 "%.3f (a delay cannot go below 0)",
				 (double)c->jitter_ns / 1e6,
				 (double)c->delay_ns / 1e6);
	if (c->burst_enter_ppm != 0 && c->burst_exit_ppm == 0)
		return conf_fail(err, errlen, "burst_exit_ppm must be above 0 "
				 "when burst_enter_ppm is set (a burst that "
				 "never ends loses every frame)");
	if (c->limit > TUSK_IMPAIR_LIMIT_MAX)
		return conf_fail(err, errlen, "limit %u exceeds %u", c->limit,
				 TUSK_IMPAIR_LIMIT_MAX);
	return 0;
}

/* xorshift64* (Vigna): fast, and good enough to pick frames. */
static inline uint64_t
impair_rand(struct tusk_impair *im)
{
	im->rng ^= im->rng >> 12;
	im->rng ^= im->rng << 25;
	im->rng ^= im->rng >> 27;
	return im->rng * 2685821657736338717ull;
}

static inline bool
impair_chance(struct tusk_impair *im, uint32_t ppm)
{
	return ppm != 0 && impair_rand(im) % TUSK_IMPAIR_PPM < ppm;
}

/* Uniform in [0, 1): the top 53 bits as a double's mantissa. */
static double
impair_uniform(void *arg)
{
	return (double)(impair_rand(arg) >> 11) * 0x1.0p-53;
}

struct tusk_impair *
tusk_impair_create(const char *name, const struct tusk_impair_conf *conf,
		   uint32_t frame_len, uint64_t seed, int socket)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	struct tusk_impair *im;
	uint32_t limit = conf->limit ? conf->limit : TUSK_IMPAIR_LIMIT_DEFAULT;

	char err[128];

	if (tusk_impair_conf_check(conf, err, sizeof(err)) < 0 ||
	    frame_len + RTE_PKTMBUF_HEADROOM > UINT16_MAX)
		return NULL;
	im = rte_zmalloc_socket("tusk_impair", sizeof(*im) +
				limit * sizeof(im->fifo[0]), 0, socket);
	if (im == NULL)
		return NULL;
	im->conf = *conf;
	im->conf.limit = limit;
	im->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	im->ge = (struct tusk_impair_ge){
		.p_gb = (double)conf->burst_enter_ppm / TUSK_IMPAIR_PPM,
		.p_bg = (double)conf->burst_exit_ppm / TUSK_IMPAIR_PPM,
		.loss_bad = (double)conf->burst_loss_ppm / TUSK_IMPAIR_PPM,
	};
	snprintf(pname, sizeof(pname), "tim_%s", name);
	/* a copy per held or reordered frame, plus one in flight */
	im->pool = rte_pktmbuf_pool_create(pname, limit + IMPAIR_EXPRESS + 1,
					   0, 0, (uint16_t)(frame_len +
					   RTE_PKTMBUF_HEADROOM), socket);
	if (im->pool == NULL) {
		rte_free(im);
		return NULL;
	}
	return im;
}

int
tusk_impair_free(struct tusk_impair *im)
{
	if (im == NULL)
		return 0;
	while (im->count > 0) {
		rte_pktmbuf_free(im->fifo[im->head].m);
		im->head = (im->head + 1) % im->conf.limit;
		im->count--;
	}
	while (im->x_count > 0) {
		rte_pktmbuf_free(im->express[im->x_head].m);
		im->x_head = (im->x_head + 1) % IMPAIR_EXPRESS;
		im->x_count--;
	}
	if (rte_mempool_in_use_count(im->pool) != 0)
		return -EBUSY;
	rte_mempool_free(im->pool);
	rte_free(im);
	return 0;
}

/* This frame's delay: uniform in [delay - jitter, delay + jitter]. */
static uint64_t
impair_delay(struct tusk_impair *im)
{
	const struct tusk_impair_conf *c = &im->conf;

	if (c->jitter_ns == 0)
		return c->delay_ns;
	return c->delay_ns - c->jitter_ns +
	       impair_rand(im) % (2 * c->jitter_ns + 1);
}

/* When the bottleneck has put the frame on the wire, then the delay; never
 * before the frame ahead of it (jitter keeps the order). */
static uint64_t
impair_due(struct tusk_impair *im, const struct rte_mbuf *m, uint64_t now)
{
	uint64_t depart = now, due;

	if (im->conf.rate_bps != 0) {
		uint64_t bits = ((uint64_t)rte_pktmbuf_pkt_len(m) +
				 TUSK_IMPAIR_WIRE_OVERHEAD) * 8;

		depart = RTE_MAX(now, im->link_free) +
			 bits * NS_PER_SEC / im->conf.rate_bps;
		im->link_free = depart;
	}
	due = RTE_MAX(depart + impair_delay(im), im->last_due);
	im->last_due = due;
	return due;
}

/* A reordered frame skips the bottleneck queue and overtakes the frames
 * that entered during the last TUSK_IMPAIR_REORDER_GAP_NS, but it still
 * crosses the path: it is due `delay - gap` after it entered. */
static uint64_t
impair_express_due(struct tusk_impair *im, uint64_t now)
{
	uint64_t gap = RTE_MIN(im->conf.delay_ns,
			       (uint64_t)TUSK_IMPAIR_REORDER_GAP_NS);
	uint64_t due = now + im->conf.delay_ns - gap;

	due = RTE_MAX(due, im->x_last_due);
	im->x_last_due = due;
	return due;
}

static void
impair_hold(struct tusk_impair *im, struct rte_mbuf *m, uint64_t now)
{
	struct impair_slot *s;

	if (impair_chance(im, im->conf.reorder_ppm) &&
	    im->x_count < IMPAIR_EXPRESS) {
		s = &im->express[(im->x_head + im->x_count) % IMPAIR_EXPRESS];
		s->m = m;
		s->due = impair_express_due(im, now);
		im->x_count++;
		im->st.reordered++;
		return;
	}
	if (im->count == im->conf.limit) {
		rte_pktmbuf_free(m);
		im->st.overflow++;
		return;
	}
	s = &im->fifo[(im->head + im->count) % im->conf.limit];
	s->m = m;
	s->due = impair_due(im, m, now);
	im->count++;
}

/* Our copy of a frame, or NULL (counted) when the pool is spent. */
static struct rte_mbuf *
impair_copy(struct tusk_impair *im, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, im->pool, 0, UINT32_MAX);

	if (c == NULL)
		im->st.overflow++;
	return c;
}

void
tusk_impair_enqueue(struct tusk_impair *im, struct rte_mbuf **pkts,
		    uint16_t n, uint64_t now)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *c;

		im->st.in++;
		if (impair_chance(im, im->conf.loss_ppm)) {
			im->st.lost++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (tusk_impair_ge_lost(&im->ge, &im->ge_bad, impair_uniform,
					im)) {
			im->st.burst_lost++;
			rte_pktmbuf_free(m);
			continue;
		}
		c = impair_copy(im, m);
		if (c != NULL)
			impair_hold(im, c, now);
		if (impair_chance(im, im->conf.dup_ppm) &&
		    (c = impair_copy(im, m)) != NULL) {
			im->st.duplicated++;
			impair_hold(im, c, now);
		}
		rte_pktmbuf_free(m);
	}
}

void
tusk_impair_release_to(struct tusk_impair *im, struct rte_mempool *pool)
{
	im->release_pool = pool;
}

/* Hand frame m out at out[*n]: as it is, or as a copy in the release
 * pool (no buffer there: dropped and counted, as a NIC would). */
static void
impair_release(struct tusk_impair *im, struct rte_mbuf *m,
	       struct rte_mbuf **out, uint16_t *n)
{
	struct rte_mbuf *c = m;

	if (im->release_pool != NULL) {
		c = rte_pktmbuf_copy(m, im->release_pool, 0, UINT32_MAX);
		rte_pktmbuf_free(m);
		if (c == NULL) {
			im->st.overflow++;
			return;
		}
	}
	out[(*n)++] = c;
	im->st.out++;
}

/* The express ring and the FIFO are each in due order: release the
 * earlier head while it is due. */
uint16_t
tusk_impair_dequeue(struct tusk_impair *im, struct rte_mbuf **out,
		    uint16_t max, uint64_t now)
{
	uint16_t n = 0;

	while (n < max) {
		const struct impair_slot *x = im->x_count > 0 ?
			&im->express[im->x_head] : NULL;
		const struct impair_slot *f = im->count > 0 ?
			&im->fifo[im->head] : NULL;
		struct rte_mbuf *m;

		if (x != NULL && x->due <= now &&
		    (f == NULL || x->due <= f->due)) {
			m = x->m;
			im->x_head = (im->x_head + 1) % IMPAIR_EXPRESS;
			im->x_count--;
		} else if (f != NULL && f->due <= now) {
			m = f->m;
			im->head = (im->head + 1) % im->conf.limit;
			im->count--;
		} else {
			break;
		}
		impair_release(im, m, out, &n);
	}
	return n;
}

uint64_t
tusk_impair_next(const struct tusk_impair *im)
{
	uint64_t x = im->x_count > 0 ? im->express[im->x_head].due : UINT64_MAX;
	uint64_t f = im->count > 0 ? im->fifo[im->head].due : UINT64_MAX;

	return RTE_MIN(x, f);
}

void
tusk_impair_stats(const struct tusk_impair *im,
		  struct tusk_impair_stats *out)
{
	*out = im->st;
	out->held = im->count + im->x_count;
}

const struct tusk_impair_conf *
tusk_impair_conf(const struct tusk_impair *im)
{
	return &im->conf;
}

json_t *
tusk_impair_conf_json(const struct tusk_impair_conf *c)
{
	return json_pack("{s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "delay_ms", (double)c->delay_ns / 1e6,
			 "jitter_ms", (double)c->jitter_ns / 1e6,
			 "rate_mbps", (double)c->rate_bps / 1e6,
			 "loss_ppm", (json_int_t)c->loss_ppm,
			 "burst_enter_ppm", (json_int_t)c->burst_enter_ppm,
			 "burst_exit_ppm", (json_int_t)c->burst_exit_ppm,
			 "burst_loss_ppm", (json_int_t)c->burst_loss_ppm,
			 "dup_ppm", (json_int_t)c->dup_ppm,
			 "reorder_ppm", (json_int_t)c->reorder_ppm,
			 "limit", (json_int_t)(c->limit ? c->limit :
					       TUSK_IMPAIR_LIMIT_DEFAULT));
}

json_t *
tusk_impair_stats_json(const struct tusk_impair_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "in", (json_int_t)s->in, "out", (json_int_t)s->out,
			 "lost", (json_int_t)s->lost,
			 "burst_lost", (json_int_t)s->burst_lost,
			 "duplicated", (json_int_t)s->duplicated,
			 "reordered", (json_int_t)s->reordered,
			 "overflow", (json_int_t)s->overflow,
			 "held", (json_int_t)s->held);
}
