/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The impairment stage (see impair.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "impair.h"

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
	uint64_t rng;
	uint64_t link_free;  /* when the bottleneck finishes the last frame */
	uint32_t head;       /* FIFO: oldest slot */
	uint32_t count;
	uint32_t x_head;     /* express ring of reordered frames */
	uint32_t x_count;
	struct rte_mbuf *express[IMPAIR_EXPRESS];
	struct tusk_impair_stats st;
	struct impair_slot fifo[]; /* conf.limit slots */
};

bool
tusk_impair_conf_is_off(const struct tusk_impair_conf *c)
{
	return c->delay_ns == 0 && c->rate_bps == 0 && c->loss_ppm == 0 &&
	       c->dup_ppm == 0 && c->reorder_ppm == 0;
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

struct tusk_impair *
tusk_impair_create(const char *name, const struct tusk_impair_conf *conf,
		   uint32_t frame_len, uint64_t seed, int socket)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	struct tusk_impair *im;
	uint32_t limit = conf->limit ? conf->limit : TUSK_IMPAIR_LIMIT_DEFAULT;

	if (limit > TUSK_IMPAIR_LIMIT_MAX ||
	    conf->delay_ns > TUSK_IMPAIR_DELAY_MAX_NS ||
	    conf->loss_ppm > TUSK_IMPAIR_PPM ||
	    conf->dup_ppm > TUSK_IMPAIR_PPM ||
	    conf->reorder_ppm > TUSK_IMPAIR_PPM ||
	    frame_len + RTE_PKTMBUF_HEADROOM > UINT16_MAX)
		return NULL;
	im = rte_zmalloc_socket("tusk_impair", sizeof(*im) +
				limit * sizeof(im->fifo[0]), 0, socket);
	if (im == NULL)
		return NULL;
	im->conf = *conf;
	im->conf.limit = limit;
	im->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
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
		rte_pktmbuf_free(im->express[im->x_head]);
		im->x_head = (im->x_head + 1) % IMPAIR_EXPRESS;
		im->x_count--;
	}
	if (rte_mempool_in_use_count(im->pool) != 0)
		return -EBUSY;
	rte_mempool_free(im->pool);
	rte_free(im);
	return 0;
}

/* When the bottleneck has put the frame on the wire, then the delay. */
static uint64_t
impair_due(struct tusk_impair *im, const struct rte_mbuf *m, uint64_t now)
{
	uint64_t depart = now;

	if (im->conf.rate_bps != 0) {
		uint64_t bits = ((uint64_t)rte_pktmbuf_pkt_len(m) +
				 TUSK_IMPAIR_WIRE_OVERHEAD) * 8;

		depart = RTE_MAX(now, im->link_free) +
			 bits * NS_PER_SEC / im->conf.rate_bps;
		im->link_free = depart;
	}
	return depart + im->conf.delay_ns;
}

static void
impair_hold(struct tusk_impair *im, struct rte_mbuf *m, uint64_t now)
{
	struct impair_slot *s;

	if (impair_chance(im, im->conf.reorder_ppm) &&
	    im->x_count < IMPAIR_EXPRESS) {
		im->express[(im->x_head + im->x_count) % IMPAIR_EXPRESS] = m;
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

uint16_t
tusk_impair_dequeue(struct tusk_impair *im, struct rte_mbuf **out,
		    uint16_t max, uint64_t now)
{
	uint16_t n = 0;

	while (n < max && im->x_count > 0) {
		out[n++] = im->express[im->x_head];
		im->x_head = (im->x_head + 1) % IMPAIR_EXPRESS;
		im->x_count--;
	}
	while (n < max && im->count > 0 && im->fifo[im->head].due <= now) {
		out[n++] = im->fifo[im->head].m;
		im->head = (im->head + 1) % im->conf.limit;
		im->count--;
	}
	im->st.out += n;
	return n;
}

uint64_t
tusk_impair_next(const struct tusk_impair *im)
{
	if (im->x_count > 0)
		return 0;
	return im->count > 0 ? im->fifo[im->head].due : UINT64_MAX;
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
	return json_pack("{s:f, s:f, s:I, s:I, s:I, s:I}",
			 "delay_ms", (double)c->delay_ns / 1e6,
			 "rate_mbps", (double)c->rate_bps / 1e6,
			 "loss_ppm", (json_int_t)c->loss_ppm,
			 "dup_ppm", (json_int_t)c->dup_ppm,
			 "reorder_ppm", (json_int_t)c->reorder_ppm,
			 "limit", (json_int_t)(c->limit ? c->limit :
					       TUSK_IMPAIR_LIMIT_DEFAULT));
}

json_t *
tusk_impair_stats_json(const struct tusk_impair_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "in", (json_int_t)s->in, "out", (json_int_t)s->out,
			 "lost", (json_int_t)s->lost,
			 "duplicated", (json_int_t)s->duplicated,
			 "reordered", (json_int_t)s->reordered,
			 "overflow", (json_int_t)s->overflow,
			 "held", (json_int_t)s->held);
}
