/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "testenv.h"

/* EAL creates /var/run/dpdk/PREFIX even with --no-shconf; one per test
 * process would pile up, so it goes when the process ends. */
static char runtime_dir[256];

static void
cleanup(void)
{
	rte_eal_cleanup();
	if (runtime_dir[0] != '\0')
		rmdir(runtime_dir);
}

int
tusk_testenv_init(const char *name, unsigned int mem_mb)
{
	static int done;
	char prefix[64], mem[32];

	if (done)
		return 0;
	snprintf(prefix, sizeof(prefix), "--file-prefix=tusk-test-%s-%d", name,
		 (int)getpid());
	snprintf(mem, sizeof(mem), "-m%u", mem_mb);
	char *argv[] = {
		(char *)"tusk-test", (char *)"--no-huge", (char *)"--no-pci",
		(char *)"--no-shconf", (char *)"--no-telemetry", (char *)"-l0",
		(char *)"--log-level=lib.*:error", mem, prefix, NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "testenv: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	done = 1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(cleanup);
	return 0;
}

struct rte_mempool *
tusk_testenv_pool(const char *name, unsigned int n, uint16_t data_room)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, n, 256, 0,
				     data_room + RTE_PKTMBUF_HEADROOM,
				     (int)rte_socket_id());
	if (mp == NULL)
		fprintf(stderr, "testenv: pool %s (%u mbufs): %s\n", name, n,
			rte_strerror(rte_errno));
	return mp;
}

double
tusk_testenv_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
