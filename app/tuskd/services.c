/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskd's services on its lcores (services.h).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/timex.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "bulk.h"
#include "digest.h"
#include "http_fetch.h"
#include "http_server.h"
#include "tls.h"
#include "http_share.h"
#include "iperf3.h"
#include "root.h"
#include "services.h"
#include "services_auth.h"
#include "svc.h"
#include "sweep.h"
#include "twamp.h"

/* Per-lcore cache of the payload pool: DPDK's largest, since services
 * allocate and free in runs of hundreds (a 4 MiB read is 256 mbufs). */
#define SERVICES_POOL_CACHE RTE_MEMPOOL_CACHE_MAX_SIZE
#define SERVICES_MIB (1024ull * 1024)
#define SERVICES_NS_PER_S 1000000000ull

struct tusk_services {
	struct tusk_root *root;
	/* HTTP connections per source on all lcores (http_share.h) */
	struct tusk_http_share *http_share;
	struct tusk_digest_svc *digest;
	/* who may use the HTTP endpoint: every lcore's server reads it */
	struct tusk_http_auth auth;
	bool auth_loaded;
	unsigned int n;
	/* per lcore, in the order given */
	struct tusk_svc_env env[RTE_MAX_LCORE];
	struct rte_mempool *pool[RTE_MAX_LCORE];
	/* the wall clock the TWAMP instances read (tusk_services_tick()) */
	struct tusk_twamp_clock twamp_clock;
};

static struct rte_mempool *
payload_pool(const struct tusk_config *cfg, unsigned int lcore_id)
{
	unsigned int n = (unsigned int)((uint64_t)cfg->data_pool_mb *
					SERVICES_MIB / TUSK_SVC_DATA_ROOM);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	snprintf(name, sizeof(name), "tusk_data_%u", lcore_id);
	mp = rte_pktmbuf_pool_create(name, n, SERVICES_POOL_CACHE, 0,
				     TUSK_SVC_DATA_ROOM,
				     (int)rte_lcore_to_socket_id(lcore_id));
	if (mp == NULL)
		fprintf(stderr, "tuskd: data_pool_mb = %u: cannot create a "
			"pool of %u x %u-byte mbufs for lcore %u: %s\n",
			cfg->data_pool_mb, n, TUSK_SVC_DATA_ROOM, lcore_id,
			rte_strerror(rte_errno));
	return mp;
}

static int
start_http(const struct tusk_config *cfg, struct tusk_lcore *lc,
	   const struct tusk_svc_env *env, struct tusk_http_share *share,
	   const struct tusk_http_auth *auth, struct tusk_fetch *fetch)
{
	struct tusk_http_server_conf hc = {
		.port = (uint16_t)cfg->http_port,
		.put_max = (uint64_t)cfg->http_put_max_mb * SERVICES_MIB,
		.max_conns = cfg->http_conns_max,
		.idle_ns = cfg->http_idle_timeout_s * SERVICES_NS_PER_S,
		.head_timeout_ns = cfg->http_head_timeout_s * SERVICES_NS_PER_S,
		.body_rate_min = cfg->http_body_rate_min,
		.send_timeout_ns = cfg->http_send_timeout_s * SERVICES_NS_PER_S,
		.source_conns = cfg->http_source_conns_max,
		.source_total = cfg->http_source_conns_total,
		.source_pool_pct = cfg->http_source_pool_pct,
		.share = share,
		.fetch = fetch,
		.auth = auth,
		.https_port = (uint16_t)cfg->https_port,
		.https_only = cfg->http_port == 0,
	};
	struct tusk_lcore_service svc = {
		.name = TUSK_SERVICE_HTTP,
		.poll = tusk_http_server_poll,
		.fini = tusk_http_server_free,
	};

	if (tusk_config_https(cfg)) {
		char err[TUSK_TLS_ERR_MAX];

		/* the configuration checked the files; they may have gone */
		hc.tls = tusk_tls_ctx_server(cfg->tls_cert, cfg->tls_key,
					     NULL, err, sizeof(err));
		if (hc.tls == NULL) {
			fprintf(stderr, "tuskd: tls_cert = %s: %s\n",
				cfg->tls_cert, err);
			return -EINVAL;
		}
	}
	svc.arg = tusk_http_server_create(env, &hc);
	if (svc.arg == NULL) {
		fprintf(stderr, "tuskd: http_port = %u, https_port = %u: "
			"cannot start the HTTP endpoint on lcore %u: %s\n",
			cfg->http_port, tusk_config_https(cfg) ?
			cfg->https_port : 0, lc->lcore_id,
			rte_strerror(rte_errno));
		tusk_tls_ctx_free(hc.tls);
		return -rte_errno;
	}
	return tusk_lcore_add_service(lc, &svc);
}

/*
 * Does every online CPU run a worker lcore or the main thread? Then a
 * helper thread woken per batch or per digest block takes its CPU from a
 * poller (measured, README "Files at network speed": on 2 vCPUs with two
 * busy tuskd, 4 GiB fetches ran 10.9-11.7 Gbit/s with the lcore writing
 * against 5.2-13.6 with the writer thread). Said once in the log.
 */
static bool
cores_shared(void)
{
	static int said = -1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int workers = rte_lcore_count() - 1;
	bool shared = cpus > 0 && (unsigned long)cpus <= workers + 1ul;

	if (said != shared)
		printf("tuskd: %ld online CPUs, %u worker lcores: %s\n", cpus,
		       workers, shared ? "cores shared with helper threads "
		       "(fetch_writer auto = lcore, digests behind the sender "
		       "on idle lcores)" : "a CPU for helper threads");
	said = shared;
	return shared;
}

/* [tuskd] fetch_writer: does the lcore write its fetches' batches? auto:
 * where the cores are shared. */
static bool
fetch_writes_on_lcore(const struct tusk_config *cfg,
		      const struct tusk_svc_env *env)
{
	if (cfg->fetch_writer != TUSK_FETCH_WRITER_AUTO)
		return cfg->fetch_writer == TUSK_FETCH_WRITER_LCORE;
	return env->cores_shared;
}

static int
start_fetch(const struct tusk_config *cfg, struct tusk_lcore *lc,
	    const struct tusk_svc_env *env, struct tusk_fetch **out)
{
	struct tusk_lcore_service svc = {
		.name = TUSK_SERVICE_FETCH,
		.poll = tusk_fetch_poll,
		.fini = tusk_fetch_free,
	};
	struct tusk_fetch_conf fc = {
		.tls = NULL,
		.write_on_lcore = fetch_writes_on_lcore(cfg, env),
	};
	char err[TUSK_TLS_ERR_MAX];

	/* https:// fetches verify servers against tls_ca (the configuration
	 * checked it), or the system's CAs */
	fc.tls = tusk_tls_ctx_client(cfg->tls_ca, false, err, sizeof(err));
	if (fc.tls == NULL)
		fprintf(stderr, "tuskd: tls_ca = %s: %s; https:// fetches "
			"will fail\n", cfg->tls_ca, err);
	svc.arg = tusk_fetch_create(env, &fc);
	if (svc.arg == NULL) {
		tusk_tls_ctx_free(fc.tls);
		fprintf(stderr, "tuskd: cannot start the fetch client on "
			"lcore %u: %s\n", lc->lcore_id,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	*out = svc.arg;
	return tusk_lcore_add_service(lc, &svc);
}

static int
start_bulk(const struct tusk_config *cfg, struct tusk_lcore *lc,
	   const struct tusk_svc_env *env)
{
	struct tusk_bulk_conf bc = { .sink_port = (uint16_t)cfg->bulk_port };
	struct tusk_lcore_service svc = {
		.name = TUSK_BULK_SERVICE,
		.poll = tusk_bulk_poll,
		.fini = tusk_bulk_free,
	};

	svc.arg = tusk_bulk_create(env, &bc);
	if (svc.arg == NULL) {
		fprintf(stderr, "tuskd: bulk_port = %u: cannot start the bulk "
			"service on lcore %u: %s\n", cfg->bulk_port,
			lc->lcore_id, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return tusk_lcore_add_service(lc, &svc);
}

static int
start_iperf3(const struct tusk_config *cfg, struct tusk_lcore *lc,
	     const struct tusk_svc_env *env)
{
	struct tusk_iperf3_conf ic = {
		.port = (uint16_t)cfg->iperf3_port,
		.timeout_s = cfg->iperf3_timeout_s,
	};
	struct tusk_lcore_service svc = {
		.name = TUSK_IPERF3_SERVICE,
		.poll = tusk_iperf3_poll,
		.fini = tusk_iperf3_free,
	};

	svc.arg = tusk_iperf3_create(env, &ic);
	if (svc.arg == NULL) {
		fprintf(stderr, "tuskd: iperf3_port = %u: cannot start the "
			"iperf3 server on lcore %u: %s\n", cfg->iperf3_port,
			lc->lcore_id, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return tusk_lcore_add_service(lc, &svc);
}

static int
start_twamp(const struct tusk_config *cfg, struct tusk_lcore *lc,
	    const struct tusk_svc_env *env,
	    const struct tusk_twamp_clock *clock, bool control)
{
	struct tusk_twamp_conf tc = {
		.port = (uint16_t)cfg->twamp_port,
		.control = control,
		.clock = clock,
	};
	struct tusk_lcore_service svc = {
		.name = TUSK_TWAMP_SERVICE,
		.poll = tusk_twamp_poll,
		.fini = tusk_twamp_free,
	};

	svc.arg = tusk_twamp_create(env, &tc);
	if (svc.arg == NULL) {
		fprintf(stderr, "tuskd: twamp_port = %u: cannot start TWAMP "
			"on lcore %u: %s\n", cfg->twamp_port, lc->lcore_id,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return tusk_lcore_add_service(lc, &svc);
}

static int
start_lcore(struct tusk_services *s, const struct tusk_config *cfg,
	    struct tusk_lcore *lc, unsigned int i)
{
	struct tusk_svc_env *env = &s->env[i];
	struct tusk_fetch *fetch = NULL;
	int ret;

	s->pool[i] = payload_pool(cfg, lc->lcore_id);
	if (s->pool[i] == NULL)
		return -ENOMEM;
	env->lcore_id = lc->lcore_id;
	env->st = lc->st;
	env->data_pool = s->pool[i];
	env->root = s->root;
	env->digest = s->digest;
	env->cores_shared = cores_shared();
	env->digest_behind_idle = env->cores_shared &&
				  cfg->digest_assist_us > 0;
	tusk_lcore_set_digest(lc, s->digest,
			      (uint64_t)cfg->digest_assist_us * 1000);
	/* first lcore: the fetch client, which third-party COPYs arriving
	 * here pull with (http_server_tpc.c) */
	if (i == 0) {
		ret = start_fetch(cfg, lc, env, &fetch);
		if (ret < 0)
			return ret;
	}
	if (cfg->http_port != 0 || tusk_config_https(cfg)) {
		ret = start_http(cfg, lc, env, s->http_share, &s->auth,
				 fetch);
		if (ret < 0)
			return ret;
	}
	/* every lcore: sources run where asked, the sink where RSS sends */
	ret = start_bulk(cfg, lc, env);
	if (ret < 0)
		return ret;
	/* the reflector on every lcore (UDP is not steered: a test packet
	 * is answered where RSS put it); control and sender on the first */
	if (cfg->twamp_port != 0) {
		ret = start_twamp(cfg, lc, env, &s->twamp_clock, i == 0);
		if (ret < 0)
			return ret;
	}
	if (i != 0)
		return 0;
	/* first lcore: one test at a time, whose control and data
	 * connections must meet in one place */
	if (cfg->iperf3_port != 0)
		return start_iperf3(cfg, lc, env);
	return 0;
}

/* What a crash left in the root goes before any transfer starts (none
 * is live yet: the lcores are not running); then the root is held, so
 * that another tuskd's start-up sweep leaves it alone (fileio sweep.h).
 * Neither is fatal: without them tuskd serves as before (a file system
 * without flock, ENOLCK, only loses the guard against a second tuskd). */
static void
sweep_root(const struct tusk_config *cfg, struct tusk_root *root)
{
	struct tusk_sweep_stats st;
	int ret = tusk_sweep_root(root, &st);

	/* -EBUSY: another process holds the root, and said so in the log */
	if (ret < 0 && ret != -EBUSY)
		fprintf(stderr, "tuskd: data_root = %s: not swept: %s\n",
			cfg->data_root, strerror(-ret));
	ret = tusk_root_hold(root);
	if (ret < 0)
		fprintf(stderr, "tuskd: data_root = %s: cannot lock it: %s\n",
			cfg->data_root, strerror(-ret));
}

int
tusk_services_start(const struct tusk_config *cfg,
		    struct tusk_lcore *const *lcs, unsigned int n,
		    struct tusk_services **out)
{
	struct tusk_services *s = calloc(1, sizeof(*s));
	int ret;

	if (s == NULL)
		return -ENOMEM;
	ret = tusk_root_open(cfg->data_root, &s->root);
	if (ret < 0) {
		fprintf(stderr, "tuskd: data_root = %s: %s\n", cfg->data_root,
			strerror(-ret));
		free(s);
		return ret;
	}
	sweep_root(cfg, s->root);
	tusk_services_tick(s);
	s->digest = tusk_digest_svc_create(cfg->digest_threads);
	if (s->digest == NULL) {
		fprintf(stderr, "tuskd: digest_threads = %u: cannot start the "
			"digest workers\n", cfg->digest_threads);
		tusk_services_stop(s);
		return -ENOMEM;
	}
	ret = tusk_services_auth_load(cfg, &s->auth);
	if (ret < 0) {
		tusk_services_stop(s);
		return ret;
	}
	s->auth_loaded = true;
	s->http_share = tusk_http_share_create(rte_rand());
	if (s->http_share == NULL) {
		tusk_services_stop(s);
		return -ENOMEM;
	}
	s->n = n;
	for (unsigned int i = 0; i < n; i++) {
		ret = start_lcore(s, cfg, lcs[i], i);
		if (ret < 0) {
			/* services already added are the lcores' to free */
			*out = s;
			return ret;
		}
	}
	*out = s;
	return 0;
}

/*
 * Unix time = lcore ns + offset, read between two lcore clock readings
 * (the bracket is part of the error); the Error Estimate is the kernel's
 * (adjtimex: esterror when synchronised, maxerror when not, 16 s on a
 * host no NTP daemon disciplines); each packet adds its own (twamp.h).
 */
void
tusk_services_tick(struct tusk_services *s)
{
	struct timex tx = { .modes = 0 };
	struct timespec ts;
	uint64_t a, b, real, err_ns;
	bool synced;
	int state;

	if (s == NULL)
		return;
	a = tusk_lcore_now_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	b = tusk_lcore_now_ns();
	real = (uint64_t)ts.tv_sec * SERVICES_NS_PER_S + (uint64_t)ts.tv_nsec;
	state = adjtimex(&tx);
	synced = state != TIME_ERROR && state >= 0 &&
		 (tx.status & STA_UNSYNC) == 0;
	err_ns = (uint64_t)(synced ? tx.esterror : tx.maxerror) * 1000 +
		 (b - a);
	__atomic_store_n(&s->twamp_clock.off_ns,
			 (int64_t)(real - a / 2 - b / 2), __ATOMIC_RELAXED);
	__atomic_store_n(&s->twamp_clock.err_ns, err_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&s->twamp_clock.synced, synced, __ATOMIC_RELAXED);
}

const struct tusk_http_auth *
tusk_services_auth(const struct tusk_services *s)
{
	return s != NULL && s->auth_loaded ? &s->auth : NULL;
}

void
tusk_services_stop(struct tusk_services *s)
{
	if (s == NULL)
		return;
	tusk_digest_svc_free(s->digest);
	tusk_http_share_free(s->http_share);
	if (s->auth_loaded)
		tusk_http_auth_fini(&s->auth);
	for (unsigned int i = 0; i < s->n; i++)
		rte_mempool_free(s->pool[i]);
	tusk_root_close(s->root);
	free(s);
}
