/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two stacks joined back to back by an in-process link in virtual time:
 * FIFO, a fixed one-way delay (0: instant), no loss, for tests of
 * services end to end (a server on one stack, its client on the other).
 * The simulator (tests/sim/) is the impaired version of the same idea.
 *
 *   stack a 10.0.0.1 (02:00:00:00:00:01)  <-- link -->  stack b 10.0.0.2
 *
 * Frames cross with their TX offload flags cleared: the stacks compute
 * checksums in software (no offload on these interfaces).
 */
#ifndef TUSK_PAIR_H
#define TUSK_PAIR_H

#include <stdint.h>

#include <rte_ip.h>
#include <rte_mempool.h>

#include "stack.h"

#define TUSK_PAIR_A_IP RTE_IPV4(10, 0, 0, 1)
#define TUSK_PAIR_B_IP RTE_IPV4(10, 0, 0, 2)
/* Frames in flight per direction; past it the link drops (a test that
 * fills it sends more than a few MiB without any delay). */
#define TUSK_PAIR_SLOTS 65536

struct tusk_pair_dir;

struct tusk_pair {
	struct tusk_stack *a, *b;
	uint64_t now;                 /* virtual time, ns */
	uint64_t delay_ns;
	struct tusk_pair_dir *dir[2]; /* [0] a -> b, [1] b -> a */
	uint64_t dropped;             /* frames the full link dropped */
};

/*
 * Build both stacks (frames from `pool`, IP MTU `mtu`, up to `max_conns`
 * TCP connections each, TIME-WAIT shortened to 20 ms) and the link.
 * Returns 0 or -1.
 */
int tusk_pair_init(struct tusk_pair *p, struct rte_mempool *pool,
		   uint16_t mtu, uint32_t max_conns, uint64_t delay_ns);

/* Free the frames in flight and both stacks. */
void tusk_pair_fini(struct tusk_pair *p);

/* Deliver the frames due at p->now and poll both stacks. */
void tusk_pair_step(struct tusk_pair *p);

/* Frames on the link, both directions. */
uint32_t tusk_pair_in_flight(const struct tusk_pair *p);

/* Earliest time a frame arrives or a stack timer is due (UINT64_MAX:
 * nothing is). */
uint64_t tusk_pair_next_event(const struct tusk_pair *p);

#endif /* TUSK_PAIR_H */
