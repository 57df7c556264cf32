/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore poll loop (see lcore.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "digest.h"
#include "lcore.h"

RTE_LOG_REGISTER_SUFFIX(tusk_lcore_logtype, lcore, INFO);
#define LCORE_LOG(level, ...)                                                 \
	rte_log(RTE_LOG_##level, tusk_lcore_logtype, "lcore: " __VA_ARGS__)

/* A full tx ring on a real NIC drains within microseconds; a few immediate
 * retries save a frame without stalling rx for long. The stack counts what
 * is still refused as TX_FULL. */
#define LCORE_TX_RETRIES 4
/* Poll interval of a control thread waiting for a snapshot: the loop
 * answers within one iteration (microseconds). */
#define LCORE_SNAP_POLL_US 50
/* Bursts a tx impairment stage may release per loop iteration: 8 x 32
 * frames keeps up with a 10 Gbit/s path without starving rx. */
#define LCORE_IMPAIR_TX_ROUNDS 8
#define LCORE_NS_PER_S 1000000000ull

/* ns = tsc * mult >> 32, mult computed once from the TSC frequency: one
 * multiply per call instead of a division. */
static uint64_t tsc_mult;

void
tusk_lcore_clock_init(void)
{
	uint64_t hz = rte_get_tsc_hz();

	tsc_mult = hz ? (LCORE_NS_PER_S << 32) / hz : 0;
}

uint64_t
tusk_lcore_now_ns(void)
{
	return (uint64_t)(((unsigned __int128)rte_rdtsc() * tsc_mult) >> 32);
}

struct tusk_lcore *
tusk_lcore_create(unsigned int lcore_id, const struct tusk_stack_conf *sc)
{
	struct tusk_stack_conf c;
	struct tusk_lcore *lc;

	lc = rte_zmalloc_socket("tusk_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
				(int)rte_lcore_to_socket_id(lcore_id));
	if (lc == NULL)
		return NULL;
	lc->lcore_id = lcore_id;
	c = *sc;
	if (c.tcp_shares > 1) {
		c.steer = tusk_lcore_steer;
		c.steer_arg = lc;
	}
	lc->st = tusk_stack_create(&c);
	if (lc->st == NULL) {
		LCORE_LOG(ERR, "lcore %u: cannot create stack\n", lcore_id);
		rte_free(lc);
		return NULL;
	}
	return lc;
}

/* The stack's tx function: this lcore's own tx queue on the port. */
static uint16_t
lcore_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	const struct tusk_lcore_queue *q = arg;
	uint16_t sent = 0;
	unsigned int tries;

	if (unlikely(q->impair[TUSK_LCORE_TX] != NULL)) {
		/* the stage owns them now; it sends them when they are due */
		tusk_impair_enqueue(q->impair[TUSK_LCORE_TX], pkts, n,
				    tusk_lcore_now_ns());
		*q->tx_frames += n;
		return n;
	}
	for (tries = 0; tries < LCORE_TX_RETRIES && sent < n; tries++)
		sent += rte_eth_tx_burst(q->port_id, q->queue_id, pkts + sent,
					 n - sent);
	*q->tx_frames += sent;
	return sent;
}

int
tusk_lcore_add_port(struct tusk_lcore *lc, uint16_t port_id,
		    uint16_t queue_id, uint16_t burst,
		    struct tusk_iface_conf *conf)
{
	struct tusk_lcore_queue *q;
	int iface;

	if (lc->n_queues >= TUSK_LCORE_MAX_PORTS)
		return -ENOSPC;
	q = &lc->queues[lc->n_queues];
	q->port_id = port_id;
	q->queue_id = queue_id;
	q->burst = RTE_MIN(burst, (uint16_t)TUSK_LCORE_MAX_BURST);
	q->tx_frames = &lc->tx_frames;
	conf->tx = lcore_tx;
	conf->tx_arg = q;
	conf->port_id = port_id;
	iface = tusk_stack_add_iface(lc->st, conf, tusk_lcore_now_ns());
	if (iface < 0)
		return iface;
	q->iface = (uint16_t)iface;
	lc->n_queues++;
	return iface;
}

/* Copy what the control thread asked for; runs on the lcore, between
 * bursts, so the stack is quiescent. */
static void
lcore_fill_snapshot(struct tusk_lcore *lc, struct tusk_lcore_snapshot *s,
		    uint64_t now)
{
	s->lcore_id = lc->lcore_id;
	s->now_ns = now;
	s->loops = lc->loops;
	s->busy_loops = lc->busy_loops;
	s->idle_ns = lc->idle_ns;
	s->idle_sleeps = lc->idle.sleeps;
	s->idle_slept_ns = lc->idle.slept_ns;
	s->digest_bytes = lc->digest_bytes;
	s->arp_shared = lc->arp_shared;
	s->arp_share_drops = lc->arp_share_drops;
	s->steer_drops = lc->steer_drops;
	s->stats = *tusk_stack_stats(lc->st);
	s->n_arp = tusk_stack_arp_dump(lc->st, s->arp, TUSK_LCORE_ARP_MAX,
				       now);
	for (unsigned int i = 0; i < lc->n_queues; i++) {
		for (unsigned int d = 0; d < TUSK_LCORE_DIRS; d++) {
			const struct tusk_impair *im = lc->queues[i].impair[d];

			s->impair_on[i][d] = im != NULL;
			if (im != NULL)
				tusk_impair_stats(im, &s->impair[i][d]);
		}
	}
}

/* Swap in the stage the control thread asked for (between bursts). */
static void
lcore_swap_impair(struct tusk_lcore *lc)
{
	struct tusk_lcore_queue *q = &lc->queues[lc->impair_queue];

	if (lc->impair_dir == TUSK_LCORE_TX && q->tx_held > 0) {
		/* released by the old stage, from its pool: drop them */
		rte_pktmbuf_free_bulk(q->tx_pend, q->tx_held);
		q->tx_held = 0;
	}
	lc->impair_old = q->impair[lc->impair_dir];
	q->impair[lc->impair_dir] = lc->impair_new;
}

static inline void
lcore_serve_impair(struct tusk_lcore *lc)
{
	uint32_t req = __atomic_load_n(&lc->impair_req, __ATOMIC_ACQUIRE);

	if (likely(req == lc->impair_done))
		return;
	lcore_swap_impair(lc);
	__atomic_store_n(&lc->impair_done, req, __ATOMIC_RELEASE);
}

/* Received frames go through the rx stage; those due come out. The
 * clock is read again after rx: the loop's `now` predates the burst by as
 * long as the lcore was descheduled, which would shorten the delay. */
static inline uint16_t
lcore_impair_rx(struct tusk_lcore_queue *q, struct rte_mbuf **pkts,
		uint16_t n, uint64_t now)
{
	struct tusk_impair *im = q->impair[TUSK_LCORE_RX];

	if (n > 0) {
		now = tusk_lcore_now_ns();
		tusk_impair_enqueue(im, pkts, n, now);
	}
	return tusk_impair_dequeue(im, pkts, q->burst, now);
}

/* Send what the tx stage has due; what the NIC refuses waits in tx_pend
 * for the next iteration, in order. */
static void
lcore_impair_tx(struct tusk_lcore_queue *q, uint64_t now)
{
	struct tusk_impair *im = q->impair[TUSK_LCORE_TX];
	unsigned int round;
	uint16_t sent;

	for (round = 0; round < LCORE_IMPAIR_TX_ROUNDS; round++) {
		q->tx_held += tusk_impair_dequeue(im, q->tx_pend + q->tx_held,
						  TUSK_TX_BURST - q->tx_held,
						  now);
		if (q->tx_held == 0)
			return;
		sent = rte_eth_tx_burst(q->port_id, q->queue_id, q->tx_pend,
					q->tx_held);
		memmove(q->tx_pend, q->tx_pend + sent,
			(q->tx_held - sent) * sizeof(q->tx_pend[0]));
		q->tx_held -= sent;
		if (sent == 0)
			return;
	}
}

static inline void
lcore_serve_snapshot(struct tusk_lcore *lc, uint64_t now)
{
	uint32_t req = __atomic_load_n(&lc->snap_req, __ATOMIC_ACQUIRE);

	if (likely(req == lc->snap_done))
		return;
	lcore_fill_snapshot(lc, &lc->snap, now);
	__atomic_store_n(&lc->snap_done, req, __ATOMIC_RELEASE);
}

void
tusk_lcore_set_digest(struct tusk_lcore *lc, struct tusk_digest_svc *digest,
		      uint64_t budget_ns)
{
	lc->digest = budget_ns > 0 ? digest : NULL;
	lc->digest_budget_ns = budget_ns;
}

/* An iteration that received nothing and sent nothing: hash a chunk of
 * this lcore's digest jobs (digest.h, tusk_digest_svc_assist) instead of
 * spinning. Whether it did counts as work for adaptive polling: sleeping
 * would only hand the core to a digest thread doing the same. */
static inline bool
lcore_assist(struct tusk_lcore *lc, bool busy, uint64_t tx_before)
{
	uint64_t n;

	if (busy || lc->digest == NULL || lc->tx_frames != tx_before)
		return busy;
	n = tusk_digest_svc_assist(lc->digest, lc->digest_budget_ns);
	lc->digest_bytes += n;
	return n > 0;
}

/* The previous iteration ran from its clock read to this one's (the
 * next iteration's burst starts where it ended: no clock read more):
 * counted as idle time if it found nothing to do. */
static inline void
lcore_account(struct tusk_lcore *lc, uint64_t now)
{
	if (lc->mark_idle && now > lc->mark_ns)
		lc->idle_ns += now - lc->mark_ns;
	lc->mark_ns = now;
}

static inline void
lcore_poll_once(struct tusk_lcore *lc)
{
	struct rte_mbuf *pkts[TUSK_LCORE_MAX_BURST];
	uint64_t tx_before = lc->tx_frames;
	/* one clock read per iteration when one queue is polled: after its
	 * burst (the TSC read was a tenth of a busy worker's profile when
	 * read before and after) */
	uint64_t now = lc->n_queues == 0 ? tusk_lcore_now_ns() : 0;
	bool busy = false, worked;
	unsigned int i;

	for (i = 0; i < lc->n_queues; i++) {
		struct tusk_lcore_queue *q = &lc->queues[i];
		uint16_t n;

		n = rte_eth_rx_burst(q->port_id, q->queue_id, pkts, q->burst);
		/* the frames' time is the burst's, not the loop's start: a
		 * lcore descheduled in between would date them before they
		 * came (TWAMP's receive timestamps, RTT samples) */
		if (n > 0 || i == 0)
			now = tusk_lcore_now_ns();
		if (unlikely(q->impair[TUSK_LCORE_RX] != NULL))
			n = lcore_impair_rx(q, pkts, n, now);
		if (n == 0)
			continue;
		busy = true;
		if (unlikely(lc->n_peers > 0))
			tusk_lcore_arp_offer(lc, q, pkts, n);
		tusk_stack_input(lc->st, q->iface, pkts, n, now);
	}
	if (unlikely(lc->inbox != NULL))
		tusk_lcore_inbox_drain(lc, now);
	tusk_stack_poll(lc->st, now);
	if (lc->n_services > 0)
		tusk_lcore_services_poll(lc, now);
	for (i = 0; i < lc->n_queues; i++)
		if (unlikely(lc->queues[i].impair[TUSK_LCORE_TX] != NULL))
			lcore_impair_tx(&lc->queues[i], now);
	lc->loops++;
	lc->busy_loops += busy;
	lcore_account(lc, now);
	lcore_serve_snapshot(lc, now);
	lcore_serve_impair(lc);
	tusk_lcore_serve_call(lc, now);
	worked = lcore_assist(lc, busy, tx_before);
	lc->mark_idle = !worked && lc->tx_frames == tx_before;
	tusk_lcore_idle_after(&lc->idle, worked, now);
}

int
tusk_lcore_run(void *arg)
{
	struct tusk_lcore *lc = arg;

	LCORE_LOG(INFO, "lcore %u: polling %u port(s)\n", lc->lcore_id,
		  lc->n_queues);
	__atomic_store_n(&lc->running, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&lc->stop, __ATOMIC_RELAXED))
		lcore_poll_once(lc);
	/* answer requests that raced with stop before saying we left */
	lcore_serve_snapshot(lc, tusk_lcore_now_ns());
	tusk_lcore_serve_call(lc, tusk_lcore_now_ns());
	__atomic_store_n(&lc->running, false, __ATOMIC_RELEASE);
	LCORE_LOG(INFO, "lcore %u: stopped after %" PRIu64 " loops\n",
		  lc->lcore_id, lc->loops);
	return 0;
}

int
tusk_lcore_launch(struct tusk_lcore *lc)
{
	int ret;

	__atomic_store_n(&lc->stop, false, __ATOMIC_RELAXED);
	ret = rte_eal_remote_launch(tusk_lcore_run, lc, lc->lcore_id);
	if (ret < 0)
		LCORE_LOG(ERR, "lcore %u: launch: %s\n", lc->lcore_id,
			  strerror(-ret));
	return ret;
}

void
tusk_lcore_stop(struct tusk_lcore *lc)
{
	__atomic_store_n(&lc->stop, true, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(lc->lcore_id);
}

bool
tusk_lcore_is_running(struct tusk_lcore *lc)
{
	return __atomic_load_n(&lc->running, __ATOMIC_ACQUIRE) ||
	       rte_eal_get_lcore_state(lc->lcore_id) == RUNNING;
}

int
tusk_lcore_snapshot(struct tusk_lcore *lc, struct tusk_lcore_snapshot *out,
		    unsigned int timeout_ms)
{
	uint64_t waited_us = 0;
	uint32_t seq;

	if (!tusk_lcore_is_running(lc)) {
		lcore_fill_snapshot(lc, out, tusk_lcore_now_ns());
		return 0;
	}
	seq = __atomic_load_n(&lc->snap_req, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&lc->snap_req, seq, __ATOMIC_RELEASE);
	while (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) != seq) {
		if (waited_us >= (uint64_t)timeout_ms * 1000)
			return -ETIMEDOUT;
		rte_delay_us_sleep(LCORE_SNAP_POLL_US);
		waited_us += LCORE_SNAP_POLL_US;
	}
	memcpy(out, &lc->snap, sizeof(*out));
	return 0;
}

int
tusk_lcore_impair_set(struct tusk_lcore *lc, uint16_t port_id,
		      enum tusk_lcore_dir dir, struct tusk_impair *stage,
		      unsigned int timeout_ms, struct tusk_impair **old)
{
	uint64_t waited_us = 0;
	unsigned int i;
	uint32_t seq;

	for (i = 0; i < lc->n_queues && lc->queues[i].port_id != port_id; i++)
		;
	if (i == lc->n_queues)
		return -ENOENT;
	lc->impair_queue = (uint16_t)i;
	lc->impair_dir = (uint8_t)dir;
	lc->impair_new = stage;
	if (!tusk_lcore_is_running(lc)) {
		lcore_swap_impair(lc);
		goto done;
	}
	seq = __atomic_load_n(&lc->impair_req, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&lc->impair_req, seq, __ATOMIC_RELEASE);
	while (__atomic_load_n(&lc->impair_done, __ATOMIC_ACQUIRE) != seq) {
		if (waited_us >= (uint64_t)timeout_ms * 1000)
			return -ETIMEDOUT;
		rte_delay_us_sleep(LCORE_SNAP_POLL_US);
		waited_us += LCORE_SNAP_POLL_US;
	}
done:
	*old = lc->impair_old;
	lc->impair_old = NULL;
	return 0;
}

void
tusk_lcore_free(struct tusk_lcore *lc)
{
	unsigned int i;

	if (lc == NULL)
		return;
	tusk_lcore_inbox_fini(lc);
	/* services before the stack they hold connections on */
	tusk_lcore_services_fini(lc);
	/* the stack first: TCP may hold frames from an rx stage's pool */
	tusk_stack_free(lc->st);
	for (i = 0; i < lc->n_queues; i++) {
		struct tusk_lcore_queue *q = &lc->queues[i];

		rte_pktmbuf_free_bulk(q->tx_pend, q->tx_held);
		/* a stage whose frames a NIC still holds is left to process
		 * exit (tuskd is stopping) rather than freed under the NIC */
		for (unsigned int d = 0; d < TUSK_LCORE_DIRS; d++)
			if (tusk_impair_free(q->impair[d]) < 0)
				LCORE_LOG(DEBUG, "lcore %u: impairment "
					  "buffers in use at exit\n",
					  lc->lcore_id);
	}
	rte_free(lc);
}
