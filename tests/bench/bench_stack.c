/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPU cost of the stack per data segment: one bulk flow between two stacks
 * over a fast simulated link (40 Gbit/s, 100 us RTT), payload neither
 * generated nor checked, TSC cycles counted inside each stack's calls.
 * "Sender" is host A (sends data, takes ACKs); "receiver" host B (takes
 * data, sends ACKs). Printed, not asserted.
 *
 *   tusk-bench-stack [--mss 1460,8960] [--bytes 1G] [--cc bbr] [--quiet]
 *
 * For instructions per segment run it under callgrind with collection
 * limited to the stack's entry points (run-stack.sh does that).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "sim.h"
#include "testenv.h"

#define BENCH_MEM_MB 3072
#define BENCH_MAX_MSS 8
#define BENCH_RATE_BPS 40000000000ull
#define BENCH_RTT_NS 100000ull
/* Send buffer and receive window: 16 MiB, far above the 500 KB BDP of
 * the bench path, so the flow is never window-limited. */
#define BENCH_SND_BUF (16u << 20)

struct bench_opts {
	uint32_t mss[BENCH_MAX_MSS];
	unsigned int n_mss;
	uint64_t bytes;
	const char *cc;
};

static int
parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "mss", required_argument, NULL, 'm' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "cc", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->mss[0] = 1460;
	o->mss[1] = 8960;
	o->n_mss = 2;
	o->bytes = 1ull << 30;
	o->cc = "bbr";
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		char *tok, *save = NULL;

		switch (opt) {
		case 'm':
			o->n_mss = 0;
			for (tok = strtok_r(optarg, ",", &save);
			     tok != NULL && o->n_mss < BENCH_MAX_MSS;
			     tok = strtok_r(NULL, ",", &save))
				o->mss[o->n_mss++] = (uint32_t)atoi(tok);
			break;
		case 'b':
			o->bytes = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'c':
			o->cc = optarg;
			break;
		default:
			fprintf(stderr, "usage: tusk-bench-stack [--mss A,B] "
				"[--bytes MIB] [--cc NAME]\n");
			return -1;
		}
	}
	return 0;
}

static int
run_one(const struct bench_opts *o, uint32_t mss)
{
	static struct sim_world w;
	struct sim_conf c = {
		.scenario = "bench", .rate_bps = BENCH_RATE_BPS,
		.rtt_ns = BENCH_RTT_NS, .queue_bdp = 1, .mss = mss,
		.cc = o->cc, .flows = 1, .duration_ns = 3600ull * 1000000000,
		.bytes = o->bytes, .seed = 1, .no_verify = true,
		.time_stacks = true, .ge_loss_bad = 1,
		.snd_budget = BENCH_SND_BUF, .rcv_max = BENCH_SND_BUF,
	};
	double hz = (double)rte_get_tsc_hz(), segs, acks;
	int rc = sim_world_init(&w, &c);

	if (rc == 0)
		rc = sim_world_run(&w);
	if (rc != 0 || w.flows[0].done_ns == 0) {
		fprintf(stderr, "bench: mss %u: run failed (%d, %s)\n", mss, rc,
			w.error != NULL ? w.error : "transfer incomplete");
		sim_world_fini(&w);
		return -1;
	}
	segs = (double)w.flows[0].final.segs_sent;
	acks = (double)w.ba.stats.frames_in;
	printf("mss %5u  segments %9.0f  acks %9.0f  "
	       "sender %6.0f ns/seg  receiver %6.0f ns/seg  "
	       "both %6.0f ns/seg  (%.1f Gbit/s per core)\n",
	       mss, segs, acks, w.cyc_a / hz * 1e9 / segs,
	       w.cyc_b / hz * 1e9 / segs,
	       (w.cyc_a + w.cyc_b) / hz * 1e9 / segs,
	       (double)o->bytes * 8 / ((w.cyc_a + w.cyc_b) / hz) / 1e9);
	sim_world_fini(&w);
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	unsigned int i;
	int failed = 0;

	if (parse(argc, argv, &o) != 0)
		return 2;
	if (tusk_testenv_init("bench", BENCH_MEM_MB) != 0)
		return 2;
	printf("tsc %.3f GHz, %llu MiB per run, cc %s\n",
	       rte_get_tsc_hz() / 1e9, (unsigned long long)(o.bytes >> 20),
	       o.cc);
	for (i = 0; i < o.n_mss; i++)
		failed |= run_one(&o, o.mss[i]) != 0;
	return failed ? 1 : 0;
}
