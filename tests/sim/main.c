/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tusk-sim: run one scenario of two tusk stacks over a simulated link and
 * print one JSON object (goodput, link utilisation, per-flow shares,
 * retransmissions, completion time, integrity).
 *
 *   tusk-sim --scenario loss-1e-3
 *   tusk-sim --rate 10g --rtt 150ms --queue-bdp 1 --mss 8960 --loss 1e-3 \
 *            --cc bbr --flows 2 --cc2 cubic --duration 30 --measure-from 5
 *
 * A scenario is a named set of options; options given after it override
 * it. --expect-* options turn a run into a test: the exit status is 1 when
 * a figure misses its bound or the stream is not intact.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "sim.h"
#include "testenv.h"

/* EAL memory: the pools need ~1.5 GB at 8960-byte MSS (sim.c). */
#define SIM_MEM_MB_DEFAULT 3072
#define SIM_MAX_ARGS 64

struct scenario {
	const char *name;
	const char *args;
	const char *what;
};

/* The table (10 Gbit/s, 150 ms, 1 BDP queue, 8960 MSS, 30 s,
 * measured over 5-30 s) and more. */
static const struct scenario scenarios[] = {
	{ "clean", "", "no loss, model-based" },
	{ "clean-cubic", "--cc cubic", "no loss, CUBIC" },
	{ "loss-1e-4", "--loss 1e-4", "random loss 1e-4" },
	{ "loss-1e-3", "--loss 1e-3", "random loss 1e-3" },
	{ "loss-1e-2", "--loss 1e-2", "random loss 1e-2" },
	{ "reorder", "--reorder 0.01 --jitter 1ms",
	  "1% of frames held back up to 1 ms" },
	{ "fair-bbr", "--flows 2", "two model-based flows" },
	{ "bbr-vs-cubic", "--flows 2 --cc2 cubic",
	  "model-based beside CUBIC" },
	{ "burst", "--burst-loss 1e-4,0.25,0.5,0",
	  "Gilbert-Elliott burst loss" },
	{ "impaired", "--rate 1g --rtt 20ms --loss 1e-3 "
	  "--burst-loss 5e-4,0.3,0.5,0 --reorder 0.01 --jitter 2ms "
	  "--dup 1e-3 --corrupt 1e-3 --bytes 400M --duration 60 "
	  "--measure-from 0", "every impairment at once, fixed size" },
	{ "smoke", "--rate 1g --rtt 10ms --bytes 64M --duration 20 "
	  "--measure-from 0", "small and fast" },
};

static const struct option long_opts[] = {
	{ "scenario", required_argument, NULL, 'S' },
	{ "rate", required_argument, NULL, 'r' },
	{ "rtt", required_argument, NULL, 't' },
	{ "queue-bdp", required_argument, NULL, 'q' },
	{ "mss", required_argument, NULL, 'm' },
	{ "loss", required_argument, NULL, 'l' },
	{ "burst-loss", required_argument, NULL, 'b' },
	{ "reorder", required_argument, NULL, 'o' },
	{ "jitter", required_argument, NULL, 'j' },
	{ "dup", required_argument, NULL, 'd' },
	{ "corrupt", required_argument, NULL, 'c' },
	{ "cc", required_argument, NULL, 'C' },
	{ "cc2", required_argument, NULL, 'D' },
	{ "flows", required_argument, NULL, 'f' },
	{ "duration", required_argument, NULL, 'T' },
	{ "measure-from", required_argument, NULL, 'M' },
	{ "bytes", required_argument, NULL, 'B' },
	{ "seed", required_argument, NULL, 's' },
	{ "rcv-max", required_argument, NULL, 'R' },
	{ "sw-cksum", no_argument, NULL, 'W' },
	{ "mem", required_argument, NULL, 'E' },
	{ "expect-util", required_argument, NULL, 'U' },
	{ "expect-share", required_argument, NULL, 'H' },
	{ "expect-max-share", required_argument, NULL, 'X' },
	{ "trace", required_argument, NULL, 'Z' },
	{ "list", no_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(void)
{
	size_t i;

	fprintf(stderr,
		"usage: tusk-sim [--scenario NAME] [--rate 10g] [--rtt 150ms]\n"
		"  [--queue-bdp 1] [--mss 8960] [--loss P] [--burst-loss p,r[,bad[,good]]]\n"
		"  [--reorder P] [--jitter 1ms] [--dup P] [--corrupt P]\n"
		"  [--cc bbr|cubic|newreno] [--cc2 NAME] [--flows N]\n"
		"  [--duration 30] [--measure-from 5] [--bytes SIZE] [--seed N]\n"
		"  [--rcv-max SIZE] [--sw-cksum] [--mem MB] [--trace 1s]\n"
		"  [--expect-util MIN] [--expect-share MIN,MAX] [--expect-max-share MAX]\n"
		"scenarios:\n");
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, "  %-14s %s\n", scenarios[i].name,
			scenarios[i].what);
}

static void
defaults(struct sim_conf *c, struct sim_expect *e)
{
	memset(c, 0, sizeof(*c));
	memset(e, 0, sizeof(*e));
	c->scenario = "custom";
	c->rate_bps = 10000000000ull;
	c->rtt_ns = 150000000ull;
	c->queue_bdp = 1;
	c->mss = 8960;
	c->cc = "bbr";
	c->flows = 1;
	c->duration_ns = 30000000000ull;
	c->measure_from_ns = 5000000000ull;
	c->seed = 1;
	c->ge_loss_bad = 1;
	/* The stack's default receive window cap (tcp_api.h), shown in
	 * the report; --rcv-max changes it. */
	c->rcv_max = TUSK_TCP_RCV_MAX_DEFAULT;
	e->util = -1;
	e->share_min = -1;
	e->share_max = -1;
	e->max_share = -1;
}

/* "10g", "100m", "1500k", "1e9": bits per second. */
static int
parse_rate(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 1;

	switch (*end) {
	case 'g': case 'G': mult = 1e9; end++; break;
	case 'm': case 'M': mult = 1e6; end++; break;
	case 'k': case 'K': mult = 1e3; end++; break;
	default: break;
	}
	if (end == s || *end != '\0' || v <= 0)
		return -EINVAL;
	*out = (uint64_t)(v * mult);
	return 0;
}

/* "150ms", "1us", "30s", "30" (seconds): nanoseconds. */
static int
parse_time(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 1e9;

	if (strcmp(end, "ms") == 0)
		mult = 1e6;
	else if (strcmp(end, "us") == 0)
		mult = 1e3;
	else if (strcmp(end, "ns") == 0)
		mult = 1;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		return -EINVAL;
	if (end == s || v < 0)
		return -EINVAL;
	*out = (uint64_t)(v * mult);
	return 0;
}

/* "64M", "1G", "4096": bytes (K, M, G are powers of 1024). */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 1;

	switch (*end) {
	case 'g': case 'G': mult = 1073741824.0; end++; break;
	case 'm': case 'M': mult = 1048576.0; end++; break;
	case 'k': case 'K': mult = 1024.0; end++; break;
	default: break;
	}
	if (end == s || *end != '\0' || v < 0)
		return -EINVAL;
	*out = (uint64_t)(v * mult);
	return 0;
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "a,b[,c[,d]]": up to `max` doubles; returns how many or -EINVAL. */
static int
parse_list(const char *s, double *v, int max)
{
	char buf[128], *tok, *save = NULL;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == max || parse_double(tok, 0, 1, &v[n]) != 0)
			return -EINVAL;
		n++;
	}
	return n;
}

static int
parse_burst(const char *s, struct sim_conf *c)
{
	double v[4] = { 0, 0, 1, 0 };
	int n = parse_list(s, v, 4);

	if (n < 2)
		return -EINVAL;
	c->ge_p = v[0];
	c->ge_r = v[1];
	c->ge_loss_bad = v[2];
	c->ge_loss_good = v[3];
	return 0;
}

static int
parse_share(const char *s, struct sim_expect *e)
{
	double v[2];

	if (parse_list(s, v, 2) != 2)
		return -EINVAL;
	e->share_min = v[0];
	e->share_max = v[1];
	return 0;
}

/* Options of the link and the flows. */
static int
apply_path_opt(int opt, const char *a, struct sim_conf *c)
{
	switch (opt) {
	case 'r': return parse_rate(a, &c->rate_bps);
	case 't': return parse_time(a, &c->rtt_ns);
	case 'q': return parse_double(a, 0, 1e6, &c->queue_bdp);
	case 'm': {
		double v = 0;
		int rc = parse_double(a, 100, 65000, &v);

		c->mss = (uint32_t)v;
		return rc;
	}
	case 'l': return parse_double(a, 0, 1, &c->loss);
	case 'b': return parse_burst(a, c);
	case 'o': return parse_double(a, 0, 1, &c->reorder);
	case 'j': return parse_time(a, &c->jitter_ns);
	case 'd': return parse_double(a, 0, 1, &c->dup);
	case 'c': return parse_double(a, 0, 1, &c->corrupt);
	default: return 1; /* not a path option */
	}
}

static int
apply_run_opt(int opt, const char *a, struct sim_conf *c,
	      struct sim_expect *e, unsigned int *mem_mb)
{
	double v = 0;
	uint64_t u;
	int rc;

	switch (opt) {
	case 'S': return 0; /* applied before the others */
	case 'C': c->cc = a; return 0;
	case 'D': c->cc2 = a; return 0;
	case 'f':
		rc = parse_double(a, 1, SIM_MAX_FLOWS, &v);
		c->flows = (unsigned int)v;
		return rc;
	case 'T': return parse_time(a, &c->duration_ns);
	case 'M': return parse_time(a, &c->measure_from_ns);
	case 'B': return parse_size(a, &c->bytes);
	case 's':
		rc = parse_size(a, &c->seed);
		return rc;
	case 'R':
		rc = parse_size(a, &u);
		c->rcv_max = (uint32_t)(u > UINT32_MAX ? UINT32_MAX : u);
		return rc;
	case 'W': c->sw_cksum = true; return 0;
	case 'Z': return parse_time(a, &c->trace_ns);
	case 'E':
		rc = parse_double(a, 64, 1 << 20, &v);
		*mem_mb = (unsigned int)v;
		return rc;
	case 'U': return parse_double(a, 0, 1, &e->util);
	case 'H': return parse_share(a, e);
	case 'X': return parse_double(a, 0, 1, &e->max_share);
	default: return -EINVAL;
	}
}

static const struct scenario *
find_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

/* argv with the scenario's options spliced in before the user's, so the
 * user's override them. Returns the new argc or -EINVAL. */
static int
splice_scenario(int argc, char **argv, char **out, char *buf, size_t len,
		const char **name)
{
	const struct scenario *sc = NULL;
	char *tok, *save = NULL;
	int i, n = 0;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--scenario") == 0)
			sc = find_scenario(argv[i + 1]);
		else if (strncmp(argv[i], "--scenario=", 11) == 0)
			sc = find_scenario(argv[i] + 11);
	out[n++] = argv[0];
	if (sc != NULL) {
		*name = sc->name;
		snprintf(buf, len, "%s", sc->args);
		for (tok = strtok_r(buf, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			if (n == SIM_MAX_ARGS - 1)
				return -EINVAL;
			out[n++] = tok;
		}
	}
	for (i = 1; i < argc; i++) {
		if (n == SIM_MAX_ARGS - 1)
			return -EINVAL;
		out[n++] = argv[i];
	}
	out[n] = NULL;
	return n;
}

static int
parse_args(int argc, char **argv, struct sim_conf *c, struct sim_expect *e,
	   unsigned int *mem_mb)
{
	static char buf[512];
	char *args[SIM_MAX_ARGS];
	const char *name = NULL;
	int n, opt;

	for (n = 1; n < argc; n++) {
		if (strcmp(argv[n], "--scenario") == 0 && n + 1 < argc &&
		    find_scenario(argv[n + 1]) == NULL) {
			fprintf(stderr, "tusk-sim: no scenario '%s'\n",
				argv[n + 1]);
			return -EINVAL;
		}
	}
	n = splice_scenario(argc, argv, args, buf, sizeof(buf), &name);
	if (n < 0)
		return n;
	if (name != NULL)
		c->scenario = name;
	optind = 1;
	while ((opt = getopt_long(n, args, "", long_opts, NULL)) != -1) {
		int rc;

		if (opt == 'h' || opt == '?') {
			usage();
			return opt == 'h' ? 1 : -EINVAL;
		}
		if (opt == 'L') {
			usage();
			return 1;
		}
		rc = apply_path_opt(opt, optarg, c);
		if (rc == 1)
			rc = apply_run_opt(opt, optarg, c, e, mem_mb);
		if (rc != 0) {
			fprintf(stderr, "tusk-sim: bad value '%s'\n",
				optarg != NULL ? optarg : "");
			return -EINVAL;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sim_conf conf;
	struct sim_expect expect;
	static struct sim_world world;
	unsigned int mem_mb = SIM_MEM_MB_DEFAULT;
	struct timespec t0, t1;
	int rc, failed;
	double wall;

	defaults(&conf, &expect);
	rc = parse_args(argc, argv, &conf, &expect, &mem_mb);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (tusk_testenv_init("sim", mem_mb) != 0)
		return 2;
	rc = sim_world_init(&world, &conf);
	if (rc != 0) {
		fprintf(stderr, "tusk-sim: set-up failed: %s\n", strerror(-rc));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sim_world_run(&world);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	failed = sim_report(&world, &expect, wall, stdout);
	sim_world_fini(&world);
	if (rc != 0)
		return 1;
	return failed != 0 ? 1 : 0;
}
