/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared set-up for tests that need DPDK (mbufs, mempools) but no NIC:
 * EAL without hugepages or shared config or PCI, as DPDK's own unit tests run.
 */
#ifndef TUSK_TESTENV_H
#define TUSK_TESTENV_H

#include <stdint.h>

#include <rte_mempool.h>

/*
 * Start EAL once per process with --no-huge --no-pci --no-shconf and
 * `mem_mb` MiB of ordinary memory, quiet logs, file prefix from `name`.
 * Returns 0 or -1 (and prints why).
 */
int tusk_testenv_init(const char *name, unsigned int mem_mb);

/* A packet pool of `n` mbufs with `data_room` bytes of data room. */
struct rte_mempool *tusk_testenv_pool(const char *name, unsigned int n,
				      uint16_t data_room);

/* CLOCK_MONOTONIC in seconds, for benchmarks' rates. */
double tusk_testenv_now_s(void);

#endif /* TUSK_TESTENV_H */
