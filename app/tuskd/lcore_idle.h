/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adaptive polling of a worker lcore ([tuskd] poll = adaptive): after
 * every loop iteration the loop tells tusk_lcore_idle_after() whether it
 * received anything; once its queues have stayed empty for a while it
 * pauses, then sleeps, each sleep twice the last up to a bound, and is
 * back to busy polling on the first frame.
 *
 *   busy  --(no frame for LCORE_IDLE_SPIN_NS)-->  sleep 10 us, 20 us, ...
 *         <--(a frame)--------------------------  up to 1 ms per sleep
 *
 * Why a bounded sleep and not an rx interrupt: net_af_packet has no rx
 * interrupts and net_memif's would need one epoll set per queue and
 * lcore; a sleep of at most LCORE_IDLE_SLEEP_MAX_NS bounds the wake-up
 * latency of an idle lcore for every PMD alike (as DPDK's l3fwd-power
 * does with rte_delay_us between empty polls when interrupts are off).
 * Only the first frame after a pause waits: a transfer in flight brings
 * frames (data or its ACKs) every few microseconds and never sleeps.
 *
 * Busy polling stays the default: a dedicated appliance gives each worker
 * a core of its own. Adaptive mode is for shared and small hosts, where
 * the disk and digest threads would otherwise run on what two pollers
 * leave (issue 16).
 */
#ifndef TUSK_LCORE_IDLE_H
#define TUSK_LCORE_IDLE_H

#include <stdbool.h>
#include <stdint.h>

/* Empty polls go on for this long after the last frame before the first
 * sleep: a round trip on a LAN or between two tuskd over memif is tens
 * of microseconds, so a window-limited sender waiting for its ACKs keeps
 * polling. */
#define LCORE_IDLE_SPIN_NS 100000ull
/* First sleep; each next one doubles it. Below ~10 us nanosleep costs
 * more than it gives back. */
#define LCORE_IDLE_SLEEP_MIN_NS 10000ull
/* Longest sleep, so the longest a first frame waits: at 10 Gbit/s 1.25 MB
 * arrive meanwhile, a seventh of a 1024-descriptor rx ring of jumbo
 * frames (9 MB), and the first frames after a pause are a handshake or a
 * request, not a window's worth; a TCP timer is late by at most this
 * (its granularity is 1 ms). Measured (README "Files at network
 * speed"): an idle worker costs ~2% of a core at 1 ms, ~5% at 200 us. */
#define LCORE_IDLE_SLEEP_MAX_NS 1000000ull
/* Timer slack asked for the sleeping thread: Linux's default (50 us)
 * would stretch every short sleep by that much. */
#define LCORE_IDLE_SLACK_NS 5000ul

struct tusk_lcore_idle {
	bool adaptive;       /* false: busy polling, the rest unused */
	bool slack_set;      /* the thread's timer slack was lowered */
	uint64_t last_busy;  /* lcore clock of the last frame */
	uint64_t sleep_ns;   /* next sleep; 0: still spinning */
	uint64_t sleeps;     /* counters for `stats` */
	uint64_t slept_ns;
};

/* Busy polling (adaptive false) or adaptive. */
void tusk_lcore_idle_init(struct tusk_lcore_idle *id, bool adaptive);

/* After a loop iteration at `now` (lcore clock, ns) that received
 * frames (busy) or not: pause or sleep as the mode and the idle time
 * say. Runs on the lcore. */
void tusk_lcore_idle_after(struct tusk_lcore_idle *id, bool busy,
			   uint64_t now);

#endif /* TUSK_LCORE_IDLE_H */
