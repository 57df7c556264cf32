/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Impairment stage: a long fat path in software, per port queue and
 * direction (DESIGN.md: this kernel has no netem, so tuskd impairs its own
 * traffic). Frames go in with the time they arrive and come out when the
 * emulated path delivers them:
 *
 *   tusk_impair_enqueue(): loss? -> burst loss? -> duplicate?
 *                          -> reorder? express ring, due after
 *                             delay - TUSK_IMPAIR_REORDER_GAP_NS
 *                          -> rate: departure = max(now, link free) + wire
 *                             time -> due = departure + delay +- jitter,
 *                             no earlier than the frame before -> FIFO
 *   tusk_impair_dequeue(): the earlier due of the express ring and the
 *                          FIFO, up to now
 *
 * Jitter draws each frame's delay uniformly in [delay - jitter, delay +
 * jitter] but keeps frames in order (like netem with a rate, or Linux
 * behind a FIFO): a frame drawn a shorter delay than the one before it
 * leaves right after it. Frames far apart (pings, ACK clocks of slow
 * flows) see the whole spread; a back-to-back stream sees its delay pushed
 * toward delay + jitter with little variation. Reordering stays what
 * `reorder_ppm` asks for, nothing else. So the FIFO stays in due order and
 * a frame that finds `limit` frames held is dropped at the tail, like a
 * router buffer of that depth.
 *
 * Burst loss is the Gilbert-Elliott chain of impair_ge.h, drawn per frame
 * on top of the random loss: `burst_enter_ppm` (good -> bad),
 * `burst_exit_ppm` (bad -> good) and `burst_loss_ppm` (loss in the bad
 * state; 1e6 in Gilbert's model: mean burst 1e6 / burst_exit_ppm frames).
 *
 * Frames are copied into the stage's own pool so that a path holding a BDP
 * of data never starves the port's rx ring or the stack's pool. A stage
 * whose released frames may be kept a long time (rx: TCP holds received
 * data out of order, or unread, up to its window) releases copies in the
 * port's pool instead (tusk_impair_release_to): frames kept downstream
 * then weigh on that pool as they would without the stage, never on the
 * stage's, which must keep taking frames (the retransmission that fills a
 * hole is one of them).
 *
 * One instance belongs to one lcore (no locks); time is the caller's
 * `now` in nanoseconds, so unit tests drive it in virtual time.
 */
#ifndef TUSK_IMPAIR_H
#define TUSK_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

/* Probabilities are per million frames (ppm): 1 ppm = 1e-6, a tenth of
 * the smallest loss rate in the Linux long-path table the lab compares
 * with (1e-5, README "Reference figures"). */
#define TUSK_IMPAIR_PPM 1000000u
/* Default and largest number of frames held: 4096 jumbo frames is
 * ~37 MiB of copies; 150 ms at 1 Gbit/s of 1500-byte frames needs 12.5k. */
#define TUSK_IMPAIR_LIMIT_DEFAULT 4096u
#define TUSK_IMPAIR_LIMIT_MAX 262144u
/* Largest added delay: a path around the Earth twice. */
#define TUSK_IMPAIR_DELAY_MAX_NS (1000ull * 1000 * 1000)
/* How far a reordered frame gets ahead: it skips the bottleneck queue
 * and overtakes what entered in the last millisecond (tens of frames at
 * Gbit/s rates: what link aggregation and multipath switching do), but
 * it still takes the path's delay minus this. netem instead sends it at
 * once; its RTT sample is then near zero, and every controller that
 * tracks a minimum RTT (BBR, Linux's too) shrinks its window to nothing. */
#define TUSK_IMPAIR_REORDER_GAP_NS (1000ull * 1000)
/* Bytes a frame occupies on the wire beyond its mbuf length: preamble and
 * start delimiter (8), FCS (4), inter-frame gap (12). */
#define TUSK_IMPAIR_WIRE_OVERHEAD 24u

struct tusk_impair_conf {
	uint64_t delay_ns;    /* added one-way delay */
	uint64_t jitter_ns;   /* delay varies +- this much, at most delay_ns */
	uint64_t rate_bps;    /* bottleneck rate; 0: unlimited */
	uint32_t loss_ppm;    /* frames dropped at random */
	/* Gilbert-Elliott burst loss (impair_ge.h); enter 0: off, and then
	 * exit must be > 0 (a bad state never left loses every frame) */
	uint32_t burst_enter_ppm; /* good -> bad, per frame */
	uint32_t burst_exit_ppm;  /* bad -> good, per frame */
	uint32_t burst_loss_ppm;  /* loss in the bad state */
	uint32_t dup_ppm;     /* frames sent twice */
	uint32_t reorder_ppm; /* frames that overtake others (GAP below) */
	uint32_t limit;       /* frames held at most; 0: default */
};

struct tusk_impair_stats {
	uint64_t in;         /* frames offered */
	uint64_t out;        /* frames released */
	uint64_t lost;       /* dropped by loss_ppm */
	uint64_t burst_lost; /* dropped in a Gilbert-Elliott burst */
	uint64_t duplicated;
	uint64_t reordered;
	uint64_t overflow;   /* dropped: limit reached or no copy buffer
			      * (the stage's, or the release pool's) */
	uint32_t held;       /* frames in the stage now */
};

struct tusk_impair;

/* Is this configuration a no-op (the stage can be left out)? */
bool tusk_impair_conf_is_off(const struct tusk_impair_conf *c);

/*
 * Check a configuration: 0, or -EINVAL with the reason in err (names the
 * setting as the control socket does: "jitter_ms", "burst_exit_ppm", ...).
 */
int tusk_impair_conf_check(const struct tusk_impair_conf *c, char *err,
			   size_t errlen);

/*
 * A stage for frames of up to `frame_len` bytes, its pool on `socket`.
 * `name` must be unique among live stages (it names the pool). NULL on
 * bad conf (tusk_impair_conf_check) or no memory.
 */
struct tusk_impair *tusk_impair_create(const char *name,
				       const struct tusk_impair_conf *conf,
				       uint32_t frame_len, uint64_t seed,
				       int socket);

/*
 * Free every frame the stage holds, then the stage itself once no copy
 * from its pool is left anywhere (frames it released may still sit in a
 * NIC's tx ring or in TCP's queues). 0 when the stage is gone, -EBUSY when
 * copies are still out: call again later. NULL is a no-op.
 */
int tusk_impair_free(struct tusk_impair *im);

/* Release frames as copies in `pool` (NULL: the stage's own copies). A
 * frame that finds `pool` empty is dropped and counted in overflow, as a
 * NIC drops what it has no buffer for. */
void tusk_impair_release_to(struct tusk_impair *im, struct rte_mempool *pool);

/* Offer a burst at `now`; takes ownership of every mbuf. */
void tusk_impair_enqueue(struct tusk_impair *im, struct rte_mbuf **pkts,
			 uint16_t n, uint64_t now);

/* Frames due by `now`, at most `max`, in delivery order. */
uint16_t tusk_impair_dequeue(struct tusk_impair *im, struct rte_mbuf **out,
			     uint16_t max, uint64_t now);

/* When the next frame is due; UINT64_MAX if none is held. */
uint64_t tusk_impair_next(const struct tusk_impair *im);

void tusk_impair_stats(const struct tusk_impair *im,
		       struct tusk_impair_stats *out);
const struct tusk_impair_conf *tusk_impair_conf(const struct tusk_impair *im);

/* {"delay_ms", "jitter_ms", "rate_mbps", "loss_ppm", "burst_enter_ppm",
 *  "burst_exit_ppm", "burst_loss_ppm", "dup_ppm", "reorder_ppm", "limit"} */
json_t *tusk_impair_conf_json(const struct tusk_impair_conf *c);
json_t *tusk_impair_stats_json(const struct tusk_impair_stats *s);

#endif /* TUSK_IMPAIR_H */
