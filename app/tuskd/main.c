/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskd: the DPDK primary process (DESIGN.md "Processes").
 *
 *   main() -> tusk_config_load() + overrides        (errors: exit 2)
 *          -> rte_eal_init() with [eal] args
 *          -> tusk_port_open() per [port]             drivers/
 *          -> tusk_lcore_create() + add_port()        a stack per worker
 *          -> tusk_services_start()                   HTTP, fetch (app/svc)
 *          -> tusk_ctl_open()                         control socket (ready)
 *          -> tusk_lcore_launch(); tusk_ctl_poll() until SIGINT/SIGTERM/quit
 *          -> stop lcores, close socket, ports, EAL   exit 0
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_random.h>

#include "config.h"
#include "ctl.h"
#include "lcore.h"
#include "port.h"
#include "services.h"

/* Where tuskd looks for its configuration without -c. */
#define TUSKD_DEFAULT_CONFIG "/etc/tusk/tuskd.conf"
/* --set may be repeated; a command line with more is a script error. */
#define TUSKD_OVERRIDES_MAX 64
/* How long the main lcore sleeps in poll() between checks for a signal:
 * bounds how late a SIGTERM is noticed if it hit a worker thread. */
#define TUSKD_POLL_MS 100
/* Extra EAL words tuskd may add to the [eal] args ("-l", "0-N"). */
#define TUSKD_EAL_EXTRA 2
#define TUSKD_NS_PER_S 1000000000ull

struct tuskd {
	struct tusk_config cfg;
	unsigned int n_ports;
	struct tusk_port ports[TUSK_CONFIG_PORTS_MAX];
	unsigned int n_lcores;
	struct tusk_lcore *lcores[RTE_MAX_LCORE];
	struct tusk_services *services;
	struct tusk_ctl *ctl;
};

struct tuskd_args {
	const char *config;
	bool check_only;
	unsigned int n_sets;
	const char *sets[TUSKD_OVERRIDES_MAX];
};

RTE_LOG_REGISTER_SUFFIX(tuskd_logtype, main, INFO);

static struct tuskd app;
static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tuskd [-c FILE] [--set section.key=value]... "
		"[--check-config]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  --set S.K=V         override a key, e.g. tuskd.lcores=2 or "
		"port.data0.mtu=1500\n"
		"  --check-config      validate the configuration and exit "
		"(0 valid, %d not)\n"
		"  -h, --help          this text\n",
		TUSKD_DEFAULT_CONFIG, TUSK_CONFIG_EXIT_CODE);
}

/* 0, or the exit status to leave with. */
static int
parse_args(int argc, char **argv, struct tuskd_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->config = TUSKD_DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 's':
			if (a->n_sets == TUSKD_OVERRIDES_MAX) {
				fprintf(stderr, "tuskd: more than %d --set\n",
					TUSKD_OVERRIDES_MAX);
				return TUSK_CONFIG_EXIT_CODE;
			}
			a->sets[a->n_sets++] = optarg;
			break;
		case 'k':
			a->check_only = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return TUSK_CONFIG_EXIT_CODE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tuskd: unexpected argument \"%s\"\n",
			argv[optind]);
		return TUSK_CONFIG_EXIT_CODE;
	}
	return 0;
}

static int
load_config(struct tusk_config *cfg, const struct tuskd_args *a)
{
	char err[TUSK_CFG_ERR_MAX];
	unsigned int i;

	if (tusk_config_load(a->config, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	for (i = 0; i < a->n_sets; i++) {
		if (tusk_config_override(cfg, a->sets[i], err,
					 sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return -EINVAL;
		}
	}
	return 0;
}

/* Does the [eal] args choose the lcores itself? */
static bool
eal_has_lcores(char **argv, int argc)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "-l", 2) || !strncmp(argv[i], "-c", 2) ||
		    !strncmp(argv[i], "--lcores", 8))
			return true;
	return false;
}

/* [eal] args, plus "-l 0-N" (main lcore and [tuskd] lcores workers) when
 * they do not choose lcores. */
static int
eal_init(struct tusk_config *cfg)
{
	char *argv[TUSK_CONFIG_EAL_ARGV_MAX + TUSKD_EAL_EXTRA];
	char lcores[32];
	int argc;

	argc = tusk_config_eal_argv(cfg, "tuskd", argv,
				    TUSK_CONFIG_EAL_ARGV_MAX);
	if (argc < 0) {
		fprintf(stderr, "tuskd: [eal] args: too many words (max %d)\n",
			TUSK_CONFIG_EAL_ARGV_MAX - 1);
		return -E2BIG;
	}
	if (!eal_has_lcores(argv, argc)) {
		snprintf(lcores, sizeof(lcores), "0-%u", cfg->lcores);
		argv[argc++] = (char *)"-l";
		argv[argc++] = lcores;
		argv[argc] = NULL;
	}
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "tuskd: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static int
open_ports(struct tuskd *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t->cfg.nports; i++) {
		const struct tusk_config_port *cp = &t->cfg.ports[i];
		struct tusk_port_conf pc = {
			.name = cp->name,
			.device = cp->device,
			.devargs = cp->devargs,
			.prof = &cp->prof,
			.mtu = (uint16_t)cp->mtu,
			.rx_desc = (uint16_t)cp->rx_desc,
			.tx_desc = (uint16_t)cp->tx_desc,
			.nb_queues = (uint16_t)t->cfg.lcores,
		};

		ret = tusk_port_open(&t->ports[i], &pc);
		if (ret < 0) {
			fprintf(stderr, "tuskd: port %s (%s): %s\n", cp->name,
				cp->device, strerror(-ret));
			return ret;
		}
		t->n_ports++;
	}
	return 0;
}

/* Attach every port to the stack of the lcore serving queue `q`. */
static int
add_ports(struct tuskd *t, struct tusk_lcore *lc, uint16_t q)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t->n_ports; i++) {
		const struct tusk_config_port *cp = &t->cfg.ports[i];
		const struct tusk_port *p = &t->ports[i];
		struct tusk_iface_conf ic;

		memset(&ic, 0, sizeof(ic));
		ic.mac = p->mac;
		ic.addr = tusk_addr_v4(cp->address.addr);
		ic.prefix_len = cp->address.len;
		if (cp->gateway != 0)
			ic.gateway = tusk_addr_v4(cp->gateway);
		ic.mtu = p->mtu;
		ic.offloads = p->off.iface;
		ic.rx_pool = p->pool;
		ret = tusk_lcore_add_port(lc, p->port_id, q, p->burst, &ic);
		if (ret < 0) {
			fprintf(stderr, "tuskd: lcore %u: port %s: %s\n",
				lc->lcore_id, p->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* One stack per worker lcore; worker i owns queue i of every port. */
static int
create_lcores(struct tuskd *t)
{
	unsigned int lcore_id;

	if (t->n_ports == 0)
		return -EINVAL; /* config.c requires one; be safe anyway */
	RTE_LCORE_FOREACH_WORKER(lcore_id) {
		struct tusk_stack_conf sc = {
			.pool = t->ports[0].pool,
			.socket_id = (int)rte_lcore_to_socket_id(lcore_id),
			.seed = rte_rand(),
			.arp_timeout_ns = (uint64_t)t->cfg.arp_timeout_s *
					  TUSKD_NS_PER_S,
			/* worker i's connections use ephemeral port share i */
			.tcp_shares = (uint16_t)t->cfg.lcores,
			.tcp_share = (uint16_t)t->n_lcores,
		};
		struct tusk_lcore *lc;

		if (t->n_lcores == t->cfg.lcores)
			break;
		lc = tusk_lcore_create(lcore_id, &sc);
		if (lc == NULL)
			return -ENOMEM;
		t->lcores[t->n_lcores] = lc;
		if (add_ports(t, lc, (uint16_t)t->n_lcores++) < 0)
			return -EINVAL;
	}
	if (t->n_lcores < t->cfg.lcores) {
		fprintf(stderr, "tuskd: [tuskd] lcores = %u but EAL has %u "
			"worker lcore(s): fix [eal] args -l\n", t->cfg.lcores,
			rte_lcore_count() - 1);
		return -EINVAL;
	}
	return tusk_lcore_team(t->lcores, t->n_lcores);
}

static int
open_ctl(struct tuskd *t)
{
	struct tusk_ctl_ctx ctx = {
		.cfg = &t->cfg,
		.ports = t->ports,
		.n_ports = t->cfg.nports,
		.lcores = t->lcores,
		.n_lcores = t->cfg.lcores,
		.services = t->services,
		.auth = tusk_services_auth(t->services),
	};
	int ret = tusk_ctl_open(t->cfg.control_socket, &ctx, &t->ctl);

	if (ret < 0)
		fprintf(stderr, "tuskd: control socket %s: %s\n",
			t->cfg.control_socket, strerror(-ret));
	return ret;
}

static int
serve(struct tuskd *t)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->n_lcores && ret == 0; i++)
		ret = tusk_lcore_launch(t->lcores[i]);
	if (ret == 0)
		rte_log(RTE_LOG_NOTICE, tuskd_logtype, "tuskd: ready: %u "
			"port(s), %u lcore(s), control socket %s\n",
			t->n_ports, t->n_lcores, t->cfg.control_socket);
	while (ret == 0 && !got_signal) {
		tusk_services_tick(t->services);
		ret = tusk_ctl_poll(t->ctl, TUSKD_POLL_MS);
		if (ret == 1)
			break;
	}
	if (got_signal)
		rte_log(RTE_LOG_NOTICE, tuskd_logtype,
			"tuskd: signal %d, stopping\n", (int)got_signal);
	return ret < 0 ? ret : 0;
}

/* Undo whatever was set up, in reverse. Lcores go first (nothing may
 * poll a closed port), stacks before ports (their pending frames belong to
 * the ports' pools). */
static void
shutdown_all(struct tuskd *t)
{
	unsigned int i;

	for (i = 0; i < t->n_lcores; i++)
		tusk_lcore_stop(t->lcores[i]);
	tusk_ctl_close(t->ctl);
	t->ctl = NULL;
	for (i = 0; i < t->n_lcores; i++)
		tusk_lcore_free(t->lcores[i]);
	t->n_lcores = 0;
	/* after the lcores: their services and stacks held its mbufs */
	tusk_services_stop(t->services);
	t->services = NULL;
	for (i = 0; i < t->n_ports; i++)
		tusk_port_close(&t->ports[i]);
	t->n_ports = 0;
}

/* Signals go to the main lcore: workers inherit a mask that blocks them. */
static void
signals_block(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static int
run(struct tuskd *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signals_block(true);
	ret = eal_init(&t->cfg);
	if (ret < 0)
		return EXIT_FAILURE;
	rte_log_set_level_pattern("tusk.*", t->cfg.log_level);
	tusk_lcore_clock_init();
	/* The socket appears last: a client that finds it may rely on the
	 * ports being up and the stacks answering (ARP, ping). */
	ret = open_ports(t);
	if (ret == 0)
		ret = create_lcores(t);
	if (ret == 0)
		ret = tusk_services_start(&t->cfg, t->lcores, t->n_lcores,
					  &t->services);
	if (ret == 0)
		ret = open_ctl(t);
	signals_block(false);
	if (ret == 0 && !got_signal)
		ret = serve(t);
	shutdown_all(t);
	rte_eal_cleanup();
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct tuskd_args a = { 0 };
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret != 0)
		return ret < 0 ? EXIT_SUCCESS : ret;
	if (load_config(&app.cfg, &a) < 0)
		return TUSK_CONFIG_EXIT_CODE;
	if (a.check_only) {
		printf("%s: ok (%u port(s), %u lcore(s))\n", a.config,
		       app.cfg.nports, app.cfg.lcores);
		tusk_config_free(&app.cfg);
		return EXIT_SUCCESS;
	}
	ret = run(&app);
	tusk_config_free(&app.cfg);
	return ret;
}
