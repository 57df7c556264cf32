/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A simulated link direction: see link.h. The serializer is a single
 * "busy until" time, so the queue needs no storage of its own: a frame's
 * departure is known when it is admitted, and the backlog in bytes is the
 * remaining busy time at the link rate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/impair_ge.h"
#include "link.h"

/* First heap allocation; it doubles as needed (a 10 Gbit/s x 150 ms
 * path holds ~42,000 jumbo frames in flight). */
#define LINK_HEAP_INIT 4096

static int
prob_ok(double p)
{
	return p >= 0 && p <= 1;
}

int
tusk_sim_link_init(struct tusk_sim_link *l,
		   const struct tusk_sim_link_conf *conf)
{
	if (!prob_ok(conf->loss) || !prob_ok(conf->ge_p) ||
	    !prob_ok(conf->ge_r) || !prob_ok(conf->ge_loss_bad) ||
	    !prob_ok(conf->ge_loss_good) || !prob_ok(conf->reorder) ||
	    !prob_ok(conf->dup) || !prob_ok(conf->corrupt))
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->conf = *conf;
	tusk_sim_rng_seed(&l->rng, conf->seed);
	l->ns_per_byte = conf->rate_bps != 0 ?
		8e9 / (double)conf->rate_bps : 0;
	l->cap = LINK_HEAP_INIT;
	l->heap = malloc(sizeof(*l->heap) * l->cap);
	return l->heap != NULL ? 0 : -ENOMEM;
}

void
tusk_sim_link_fini(struct tusk_sim_link *l)
{
	free(l->heap);
	l->heap = NULL;
	l->n = l->cap = 0;
}

uint64_t
tusk_sim_link_backlog(const struct tusk_sim_link *l, uint64_t now)
{
	if (l->busy_until <= (double)now || l->ns_per_byte == 0)
		return 0;
	return (uint64_t)((l->busy_until - (double)now) / l->ns_per_byte);
}

static double
link_uniform(void *rng)
{
	return tusk_sim_rng_uniform(rng);
}

/* Gilbert-Elliott (drivers/impair_ge.h, the model tuskd's impairment
 * stage draws too): move the chain one frame, draw the loss. */
static int
burst_loss(struct tusk_sim_link *l)
{
	const struct tusk_sim_link_conf *c = &l->conf;
	const struct tusk_impair_ge ge = {
		.p_gb = c->ge_p, .p_bg = c->ge_r,
		.loss_bad = c->ge_loss_bad, .loss_good = c->ge_loss_good,
	};

	return tusk_impair_ge_lost(&ge, &l->ge_bad, link_uniform, &l->rng);
}

unsigned int
tusk_sim_link_admit(struct tusk_sim_link *l, uint32_t len, uint64_t now)
{
	const struct tusk_sim_link_conf *c = &l->conf;
	unsigned int v = 0;

	l->stats.frames_in++;
	if (tusk_sim_rng_chance(&l->rng, c->loss)) {
		l->stats.drop_loss++;
		return TUSK_SIM_LINK_DROP;
	}
	if (burst_loss(l)) {
		l->stats.drop_burst++;
		return TUSK_SIM_LINK_DROP;
	}
	if (c->queue_bytes != 0 &&
	    tusk_sim_link_backlog(l, now) + len > c->queue_bytes) {
		l->stats.drop_queue++;
		return TUSK_SIM_LINK_DROP;
	}
	if (tusk_sim_rng_chance(&l->rng, c->corrupt)) {
		l->stats.corrupted++;
		v |= TUSK_SIM_LINK_CORRUPT;
	}
	if (tusk_sim_rng_chance(&l->rng, c->dup)) {
		l->stats.duplicated++;
		v |= TUSK_SIM_LINK_DUP;
	}
	return v;
}

static int
item_less(const struct tusk_sim_link_item *a,
	  const struct tusk_sim_link_item *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static int
heap_push(struct tusk_sim_link *l, struct tusk_sim_link_item it)
{
	uint32_t i;

	if (l->n == l->cap) {
		struct tusk_sim_link_item *h;

		h = realloc(l->heap, sizeof(*h) * l->cap * 2);
		if (h == NULL)
			return -ENOMEM;
		l->heap = h;
		l->cap *= 2;
	}
	i = l->n++;
	while (i > 0 && item_less(&it, &l->heap[(i - 1) / 2])) {
		l->heap[i] = l->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	l->heap[i] = it;
	return 0;
}

static void
heap_pop(struct tusk_sim_link *l)
{
	struct tusk_sim_link_item last = l->heap[--l->n];
	uint32_t i = 0, c;

	while ((c = 2 * i + 1) < l->n) {
		if (c + 1 < l->n && item_less(&l->heap[c + 1], &l->heap[c]))
			c++;
		if (!item_less(&l->heap[c], &last))
			break;
		l->heap[i] = l->heap[c];
		i = c;
	}
	if (l->n != 0)
		l->heap[i] = last;
}

int
tusk_sim_link_push(struct tusk_sim_link *l, void *pkt, uint32_t len,
		   uint64_t now)
{
	const struct tusk_sim_link_conf *c = &l->conf;
	uint64_t wire = (uint64_t)len + c->overhead;
	double start = l->busy_until > (double)now ? l->busy_until :
		(double)now;
	struct tusk_sim_link_item it;

	l->busy_until = start + (double)wire * l->ns_per_byte;
	l->stats.wire_bytes += wire;
	it.at = (uint64_t)l->busy_until + c->delay_ns;
	if (tusk_sim_rng_chance(&l->rng, c->reorder)) {
		l->stats.reordered++;
		it.at += (uint64_t)(tusk_sim_rng_uniform(&l->rng) *
				    (double)c->jitter_ns);
	}
	it.seq = l->seq++;
	it.pkt = pkt;
	return heap_push(l, it);
}

void *
tusk_sim_link_pop(struct tusk_sim_link *l, uint64_t now)
{
	void *pkt;

	if (l->n == 0 || l->heap[0].at > now)
		return NULL;
	pkt = l->heap[0].pkt;
	heap_pop(l);
	l->stats.frames_out++;
	return pkt;
}
