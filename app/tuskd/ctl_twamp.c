/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands of TWAMP (app/svc/twamp.h; README "TWAMP"):
 *
 *   twamp host=H [port=862 count=100 interval=10ms size=44 dscp=0]
 *         -> a session-sender run from the first worker lcore; returns
 *            when it is over, with the statistics (a stable interface:
 *            tusk-ctrld's latency tests read it)
 *   twamp_stats -> the reflector's and control server's counters per lcore
 *
 *   tusk_ctl_twamp_cmd() -> run_conf() -> run_go() -> tusk_lcore_call()
 *       (start, then check every TWAMP_CTL_POLL_MS) -> tusk_twamp_stats()
 *       -> result_json()
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "services.h"
#include "twamp.h"

/* A start or check is a few loads and stores on the lcore. */
#define TWAMP_CTL_CALL_TIMEOUT_MS 1000
/* How often the control thread looks whether the run is over. */
#define TWAMP_CTL_POLL_MS 10
/* Beyond the schedule and the wait for late reflections, what the lcore
 * may lag (a loaded host) before the control thread gives up the run. */
#define TWAMP_CTL_SLACK_MS 3000
#define TWAMP_CTL_COUNT_DEFAULT 100
#define TWAMP_CTL_INTERVAL_NS_DEFAULT 10000000ull
/* STAMP's packet (RFC 8762 4.2.1): any reflector answers it. */
#define TWAMP_CTL_SIZE_DEFAULT 44
#define TWAMP_CTL_NS_PER_MS 1000000.0
#define TWAMP_CTL_DSCP_MAX 63

/* "10ms", "500us", "1s", "10" (ms), or a JSON number of ms: ns, or -1. */
static int64_t
interval_arg(json_t *args, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, "interval");
	const char *str;
	double x, mult = 1e6;
	char *end;

	if (v == NULL)
		return (int64_t)TWAMP_CTL_INTERVAL_NS_DEFAULT;
	if (json_is_number(v)) {
		x = json_number_value(v);
		end = (char *)"";
	} else if (json_is_string(v)) {
		str = json_string_value(v);
		x = strtod(str, &end);
		if (end == str)
			end = (char *)"?";
		else if (strcmp(end, "us") == 0 || strcmp(end, "ms") == 0 ||
			 strcmp(end, "s") == 0) {
			mult = end[0] == 'u' ? 1e3 : end[0] == 'm' ? 1e6 : 1e9;
			end = (char *)"";
		}
	} else {
		end = (char *)"?";
		x = 0;
	}
	if (*end != '\0' || !(x * mult >= 1e3) ||
	    x * mult > TUSK_TWAMP_RUN_MAX_MS * 1e6) {
		snprintf(err, errlen, "interval: want a time from 1us to %us "
			 "(e.g. 10ms, 500us, 1s; a bare number is ms)",
			 TUSK_TWAMP_RUN_MAX_MS / 1000);
		return -1;
	}
	return (int64_t)(x * mult);
}

static int
run_conf(json_t *args, struct tusk_twamp_run_conf *rc, char *host,
	 size_t hostlen, char *err, size_t errlen)
{
	int64_t port, count, size, dscp, iv;

	if (tusk_ctl_arg_string(args, "host", true, host, hostlen, err,
				errlen) < 0)
		return -1;
	if (tusk_addr_parse(host, &rc->dst) != 0) {
		snprintf(err, errlen, "host: \"%s\" is not an IPv4 address",
			 host);
		return -1;
	}
	port = tusk_ctl_arg_uint(args, "port", TUSK_TWAMP_PORT_DEFAULT,
				 UINT16_MAX, err, errlen);
	count = tusk_ctl_arg_uint(args, "count", TWAMP_CTL_COUNT_DEFAULT,
				  TUSK_TWAMP_COUNT_MAX, err, errlen);
	size = tusk_ctl_arg_uint(args, "size", TWAMP_CTL_SIZE_DEFAULT,
				 UINT16_MAX, err, errlen);
	dscp = tusk_ctl_arg_uint(args, "dscp", 0, TWAMP_CTL_DSCP_MAX, err,
				 errlen);
	if (port < 0 || count < 0 || size < 0 || dscp < 0)
		return -1;
	iv = interval_arg(args, err, errlen);
	if (iv < 0)
		return -1;
	if (port == 0 || count == 0) {
		snprintf(err, errlen, "%s: must not be 0",
			 port == 0 ? "port" : "count");
		return -1;
	}
	if ((double)count * (double)iv > TUSK_TWAMP_RUN_MAX_MS * 1e6) {
		snprintf(err, errlen, "count x interval: %.1f s, more than "
			 "a run's %u s", (double)count * (double)iv / 1e9,
			 TUSK_TWAMP_RUN_MAX_MS / 1000);
		return -1;
	}
	rc->port = (uint16_t)port;
	rc->count = (uint32_t)count;
	rc->interval_ns = (uint64_t)iv;
	rc->size = (uint32_t)size;
	rc->tos = (uint8_t)(dscp << 2);
	return 0;
}

static struct tusk_twamp *
control_instance(struct tusk_lcore *lc)
{
	for (unsigned int i = 0; i < lc->n_services; i++) {
		struct tusk_twamp_info in;

		if (strcmp(lc->services[i].name, TUSK_TWAMP_SERVICE) != 0)
			continue;
		tusk_twamp_info(lc->services[i].arg, &in);
		if (in.control)
			return lc->services[i].arg;
	}
	return NULL;
}

static int
start_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_twamp *s = control_instance(lc);

	return s == NULL ? -ENODEV : tusk_twamp_run_start(s, arg, now);
}

static int
check_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_twamp *s = control_instance(lc);

	RTE_SET_USED(now);
	return s == NULL ? 1 : tusk_twamp_run_check(s, arg, false);
}

static int
abandon_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_twamp *s = control_instance(lc);

	RTE_SET_USED(now);
	return s == NULL ? 1 : tusk_twamp_run_check(s, arg, true);
}

static const char *
start_error(int ret)
{
	switch (ret) {
	case -ENODEV: return "TWAMP is not running (twamp_port = 0)";
	case -EBUSY: return "busy: another twamp run is going";
	case -ENETUNREACH: return "host: no route to it";
	case -EMSGSIZE: return "size: below 14 or past the route's MTU";
	case -EADDRINUSE: return "no free source port";
	default: return strerror(-ret);
	}
}

/* Start the run on the first lcore with a control instance and wait for
 * its end: 0, 1 (the lcore still holds the run: leave it), -1 (err). */
static int
run_go(struct tusk_ctl *ctl, struct tusk_twamp_run *run, char *err,
       size_t errlen)
{
	uint64_t waited = 0, limit = run->conf.count * run->conf.interval_ns /
		1000000 + TUSK_TWAMP_WAIT_MS + TWAMP_CTL_SLACK_MS;
	struct tusk_lcore *lc = NULL;
	int ret = -ENODEV;

	for (unsigned int i = 0; i < ctl->ctx.n_lcores && ret == -ENODEV; i++) {
		lc = ctl->ctx.lcores[i];
		ret = tusk_lcore_call(lc, start_on_lcore, run,
				      TWAMP_CTL_CALL_TIMEOUT_MS);
	}
	if (ret == -ETIMEDOUT) {
		snprintf(err, errlen, "the TWAMP lcore did not answer");
		return 1;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s", start_error(ret));
		return -1;
	}
	do {
		usleep(TWAMP_CTL_POLL_MS * 1000);
		/* the main loop's work that timestamps rely on */
		tusk_services_tick(ctl->ctx.services);
		waited += TWAMP_CTL_POLL_MS;
		ret = tusk_lcore_call(lc, waited < limit ? check_on_lcore :
				      abandon_on_lcore, run,
				      TWAMP_CTL_CALL_TIMEOUT_MS);
	} while (ret == 0);
	if (ret < 0) {
		snprintf(err, errlen, "the TWAMP lcore did not answer");
		return 1;
	}
	if (run->err != 0) {
		snprintf(err, errlen, "the run stopped after %u packets: %s",
			 run->sent, run->err == -ECANCELED ?
			 "the lcore fell behind its schedule" :
			 start_error(run->err));
		return -1;
	}
	return 0;
}

static json_t *
dist_json(const struct tusk_twamp_dist *d)
{
	if (d->n == 0)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		"min", d->min, "mean", d->mean, "max", d->max,
		"stddev", d->stddev, "p50", d->p50, "p90", d->p90,
		"p95", d->p95, "p99", d->p99);
}

static double
err_ms(uint16_t e, bool *synced)
{
	double ns;

	if (tusk_twamp_err_decode(e, synced, &ns) < 0)
		return NAN;
	return ns / TWAMP_CTL_NS_PER_MS;
}

static json_t *
clock_json(const struct tusk_twamp_run *run)
{
	bool ls, rs;
	/* our t4 waited as long as the longest loop gap on top of what our
	 * packets said of t1 */
	double le = err_ms(run->our_err_est, &ls) +
		    (double)run->rx_gap_max_ns / TWAMP_CTL_NS_PER_MS;
	double re = err_ms(run->refl_err_est, &rs);
	json_t *o = json_object();

	json_object_set_new(o, "synced", json_boolean(ls && rs));
	json_object_set_new(o, "error_ms", isnan(le + re) ? json_null() :
			    json_real(le + re));
	json_object_set_new(o, "local_synced", json_boolean(ls));
	json_object_set_new(o, "local_error_ms", json_real(le));
	json_object_set_new(o, "remote_synced", json_boolean(rs));
	json_object_set_new(o, "remote_error_ms",
			    isnan(re) ? json_null() : json_real(re));
	return o;
}

static json_t *
result_json(const char *host, const struct tusk_twamp_run *run,
	    const struct tusk_twamp_result *r)
{
	const struct tusk_twamp_run_conf *c = &run->conf;

	return json_pack("{s:s, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:f,"
			 " s:I, s:I, s:o, s:o, s:o, s:{s:f, s:f, s:f},"
			 " s:{s:I, s:I}, s:o}",
		"host", host, "port", (json_int_t)c->port,
		"count", (json_int_t)c->count,
		"interval_ms", (double)c->interval_ns / TWAMP_CTL_NS_PER_MS,
		"size", (json_int_t)c->size, "dscp", (json_int_t)(c->tos >> 2),
		"sent", (json_int_t)r->sent, "received", (json_int_t)r->received,
		"lost", (json_int_t)r->lost, "loss_percent", r->loss_pct,
		"duplicates", (json_int_t)r->duplicates,
		"reordered", (json_int_t)r->reordered,
		"rtt_ms", dist_json(&r->rtt), "forward_ms", dist_json(&r->fwd),
		"backward_ms", dist_json(&r->back),
		"jitter_ms", "rtt", r->jitter_rtt, "forward", r->jitter_fwd,
		"backward", r->jitter_back,
		"ttl", "min", (json_int_t)r->ttl_min,
		"max", (json_int_t)r->ttl_max,
		"clock", clock_json(run));
}

int
tusk_ctl_twamp_cmd(void *arg, json_t *args, json_t **result, char *err,
		   size_t errlen)
{
	struct tusk_twamp_run_conf rc;
	struct tusk_twamp_result r;
	struct tusk_twamp_run *run;
	char host[TUSK_ADDR_STRLEN];
	int ret;

	memset(&rc, 0, sizeof(rc));
	if (run_conf(args, &rc, host, sizeof(host), err, errlen) < 0)
		return -1;
	/* on the heap: an lcore that answers late still writes into it */
	run = calloc(1, sizeof(*run) + rc.count * sizeof(run->recs[0]));
	if (run == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	run->conf = rc;
	ret = run_go(arg, run, err, errlen);
	if (ret == 1)
		return -1;   /* leaked on purpose: the lcore may write */
	if (ret == 0 && tusk_twamp_stats(run->recs, run->sent, &r) < 0) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
	if (ret == 0)
		*result = result_json(host, run, &r);
	free(run);
	return ret;
}

static int
stats_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	RTE_SET_USED(now);
	for (unsigned int i = 0; i < lc->n_services; i++)
		if (strcmp(lc->services[i].name, TUSK_TWAMP_SERVICE) == 0) {
			tusk_twamp_info(lc->services[i].arg, arg);
			return 0;
		}
	return -ENODEV;
}

static json_t *
info_json(unsigned int lcore, const struct tusk_twamp_info *in)
{
	const struct tusk_twamp_counters *c = &in->c;

	return json_pack("{s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"lcore", (json_int_t)lcore, "port", (json_int_t)in->port,
		"control", in->control,
		"ctrl_open", (json_int_t)in->ctrl_open,
		"sessions_open", (json_int_t)in->sessions_open,
		"reflected", (json_int_t)c->reflected,
		"short_pkts", (json_int_t)c->short_pkts,
		"refl_fail", (json_int_t)c->refl_fail,
		"ctrl_conns", (json_int_t)c->ctrl_conns,
		"ctrl_refused", (json_int_t)c->ctrl_refused,
		"ctrl_refused_source", (json_int_t)c->ctrl_refused_source,
		"ctrl_evicted", (json_int_t)c->ctrl_evicted,
		"ctrl_malformed", (json_int_t)c->ctrl_malformed,
		"ctrl_timeouts", (json_int_t)c->ctrl_timeouts,
		"sessions", (json_int_t)c->sessions,
		"sessions_refused", (json_int_t)c->sessions_refused,
		"session_stray", (json_int_t)c->session_stray,
		"runs", (json_int_t)c->runs,
		"run_stray", (json_int_t)c->run_stray);
}

int
tusk_ctl_twamp_stats_cmd(void *arg, json_t *args, json_t **result,
			 char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	json_t *out = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < ctl->ctx.n_lcores; i++) {
		struct tusk_twamp_info in;
		struct tusk_lcore *lc = ctl->ctx.lcores[i];

		if (tusk_lcore_call(lc, stats_on_lcore, &in,
				    TWAMP_CTL_CALL_TIMEOUT_MS) == 0)
			json_array_append_new(out, info_json(lc->lcore_id, &in));
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		snprintf(err, errlen, "TWAMP is not running (twamp_port = 0)");
		return -1;
	}
	*result = out;
	return 0;
}
