/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One direction of a simulated link, in virtual time:
 *
 *   admit() --loss--> drop-tail queue (bytes) --serialize at rate-->
 *       propagation delay (+ jitter for reordered frames) --> pop()
 *
 * Impairments, drawn from the link's seeded generator per frame: random
 * loss, Gilbert-Elliott burst loss, reordering (a frame held back by a
 * uniform extra delay in [0, jitter], so later frames overtake it),
 * duplication and corruption. Duplication and corruption are verdicts: the
 * caller copies the frame (and flips a byte in the copy) and pushes it.
 * Frames are opaque pointers; the link never looks inside them.
 */
#ifndef TUSK_SIM_LINK_H
#define TUSK_SIM_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

/* Ethernet preamble + SFD (8), FCS (4) and inter-frame gap (12): wire
 * bytes per frame beyond what the stack hands the driver. */
#define TUSK_SIM_LINK_ETH_OVERHEAD 24

struct tusk_sim_link_conf {
	uint64_t rate_bps;     /* serialization rate; 0 = infinite */
	uint64_t delay_ns;     /* one-way propagation delay */
	uint64_t queue_bytes;  /* drop-tail limit; 0 = unlimited */
	uint32_t overhead;     /* wire bytes per frame beyond its length */
	double loss;           /* random loss probability per frame */
	/* Gilbert-Elliott: good->bad p, bad->good r, loss in bad and in
	 * good state. p = 0 disables it. */
	double ge_p, ge_r, ge_loss_bad, ge_loss_good;
	double reorder;        /* probability a frame is held back */
	uint64_t jitter_ns;    /* its extra delay: uniform [0, jitter] */
	double dup;            /* probability of a duplicate */
	double corrupt;        /* probability of a corrupted byte */
	uint64_t seed;
};

struct tusk_sim_link_stats {
	uint64_t frames_in;      /* offered to admit() */
	uint64_t frames_out;     /* popped at the far end */
	uint64_t wire_bytes;     /* serialized, overhead included */
	uint64_t drop_queue;     /* drop-tail overflow */
	uint64_t drop_loss;      /* random loss */
	uint64_t drop_burst;     /* Gilbert-Elliott loss */
	uint64_t reordered;
	uint64_t duplicated;
	uint64_t corrupted;
};

/* admit() verdicts */
#define TUSK_SIM_LINK_DROP    (1u << 0)
#define TUSK_SIM_LINK_DUP     (1u << 1) /* push a copy as well */
#define TUSK_SIM_LINK_CORRUPT (1u << 2) /* push a corrupted copy instead */

struct tusk_sim_link_item {
	uint64_t at;   /* arrival time at the far end */
	uint64_t seq;  /* push order: ties leave in order */
	void *pkt;
};

struct tusk_sim_link {
	struct tusk_sim_link_conf conf;
	struct tusk_sim_rng rng;
	double busy_until;       /* serializer busy until (ns; a double so
				  * sub-ns serialization times add up) */
	double ns_per_byte;
	bool ge_bad;             /* Gilbert-Elliott state */
	uint64_t seq;
	/* frames in flight, a binary min-heap on (at, seq) */
	struct tusk_sim_link_item *heap;
	uint32_t n, cap;
	struct tusk_sim_link_stats stats;
};

/* Returns 0 or -ENOMEM / -EINVAL (probability outside [0, 1]). */
int tusk_sim_link_init(struct tusk_sim_link *l,
		       const struct tusk_sim_link_conf *conf);
/* Frees the heap; frames still in it are the caller's (drain first). */
void tusk_sim_link_fini(struct tusk_sim_link *l);

/* Bytes waiting in the queue at `now` (not yet serialized). */
uint64_t tusk_sim_link_backlog(const struct tusk_sim_link *l, uint64_t now);

/* Decide the fate of a `len`-byte frame offered at `now`. */
unsigned int tusk_sim_link_admit(struct tusk_sim_link *l, uint32_t len,
				 uint64_t now);

/* Queue an admitted frame (or its copy): serialize, delay, maybe hold it
 * back. Returns 0 or -ENOMEM. */
int tusk_sim_link_push(struct tusk_sim_link *l, void *pkt, uint32_t len,
		       uint64_t now);

/* Arrival time of the next frame; UINT64_MAX when none is in flight. */
static inline uint64_t
tusk_sim_link_next(const struct tusk_sim_link *l)
{
	return l->n != 0 ? l->heap[0].at : UINT64_MAX;
}

/* The next frame that has arrived by `now`, or NULL. */
void *tusk_sim_link_pop(struct tusk_sim_link *l, uint64_t now);

#endif /* TUSK_SIM_LINK_H */
