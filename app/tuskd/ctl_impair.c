/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command for the impairment stage (drivers/impair.h):
 *
 *   {"cmd":"impair", "port":"data0", "dir":"tx", "delay_ms":75,
 *    "jitter_ms":1, "rate_mbps":1000, "loss_ppm":10,
 *    "burst_enter_ppm":100, "burst_exit_ppm":250000,
 *    "burst_loss_ppm":1000000, "dup_ppm":0, "reorder_ppm":0,
 *    "limit":20000}
 *
 * sets the impairment of a port's frames in one direction ("tx": what
 * tuskd sends, the default, as netem shapes egress; "rx": what it
 * receives; "both"). Keys left out are 0 (burst_loss_ppm: 1000000, every
 * frame of a burst); all 0 (or "clear") removes the stage. Without any
 * setting the command only reports. Each lcore gets a stage of its own for
 * its queue (tusk_lcore_impair_set), so the fast path stays lock-free;
 * frames held by a replaced stage are dropped.
 *
 * The [port] impair_* keys of tuskd.conf set the same at start
 * (tusk_ctl_impair_configure).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_random.h>

#include "ctl_priv.h"

/* How long the control thread waits for an lcore to take a new stage. */
#define IMPAIR_SET_TIMEOUT_MS 1000
/* Bottleneck rates above 1 Tbit/s are a typo. */
#define IMPAIR_RATE_MAX_MBPS 1000000.0
/* Room per frame in a stage's pool beyond the IP MTU: Ethernet header
 * and a VLAN tag. */
#define IMPAIR_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
/* Room for why a configured stage could not be set (one line). */
#define IMPAIR_ERR_MAX 256

static const char *const dir_names[TUSK_LCORE_DIRS] = {
	[TUSK_LCORE_RX] = "rx",
	[TUSK_LCORE_TX] = "tx",
};

/* A ppm argument; *out is left as it is when absent (its default). */
static int
parse_ppm(json_t *args, const char *key, uint32_t *out, bool *any, char *err,
	  size_t errlen)
{
	int64_t v = tusk_ctl_arg_uint(args, key, *out, TUSK_IMPAIR_PPM, err,
				      errlen);

	if (v < 0)
		return -1;
	*out = (uint32_t)v;
	*any |= json_object_get(args, key) != NULL;
	return 0;
}

/* The settings in the request; *any says whether there were any. */
static int
parse_conf(json_t *args, struct tusk_impair_conf *c, bool *any, char *err,
	   size_t errlen)
{
	double delay_ms = 0, jitter_ms = 0, rate = 0;
	int64_t limit;
	int r1, r2, r3;

	memset(c, 0, sizeof(*c));
	c->burst_loss_ppm = TUSK_IMPAIR_PPM;
	*any = json_object_get(args, "clear") != NULL;
	r1 = tusk_ctl_arg_number(args, "delay_ms",
				 TUSK_IMPAIR_DELAY_MAX_NS / 1e6, &delay_ms,
				 err, errlen);
	r2 = r1 < 0 ? -1 : tusk_ctl_arg_number(args, "jitter_ms",
					       TUSK_IMPAIR_DELAY_MAX_NS / 1e6,
					       &jitter_ms, err, errlen);
	r3 = r2 < 0 ? -1 : tusk_ctl_arg_number(args, "rate_mbps",
					       IMPAIR_RATE_MAX_MBPS, &rate,
					       err, errlen);
	limit = r3 < 0 ? -1 : tusk_ctl_arg_uint(args, "limit", 0,
						TUSK_IMPAIR_LIMIT_MAX, err,
						errlen);
	if (limit < 0 ||
	    parse_ppm(args, "loss_ppm", &c->loss_ppm, any, err, errlen) < 0 ||
	    parse_ppm(args, "burst_enter_ppm", &c->burst_enter_ppm, any, err,
		      errlen) < 0 ||
	    parse_ppm(args, "burst_exit_ppm", &c->burst_exit_ppm, any, err,
		      errlen) < 0 ||
	    parse_ppm(args, "burst_loss_ppm", &c->burst_loss_ppm, any, err,
		      errlen) < 0 ||
	    parse_ppm(args, "dup_ppm", &c->dup_ppm, any, err, errlen) < 0 ||
	    parse_ppm(args, "reorder_ppm", &c->reorder_ppm, any, err,
		      errlen) < 0)
		return -1;
	*any |= r1 > 0 || r2 > 0 || r3 > 0 ||
		json_object_get(args, "limit") != NULL;
	c->delay_ns = (uint64_t)llround(delay_ms * 1e6);
	c->jitter_ns = (uint64_t)llround(jitter_ms * 1e6);
	c->rate_bps = (uint64_t)llround(rate * 1e6);
	c->limit = (uint32_t)limit;
	if (json_object_get(args, "clear") != NULL)
		memset(c, 0, sizeof(*c));
	return tusk_impair_conf_check(c, err, errlen) < 0 ? -1 : 0;
}

/* Which directions: bit per enum tusk_lcore_dir. */
static int
parse_dirs(json_t *args, unsigned int *dirs, char *err, size_t errlen)
{
	const char *d = json_string_value(json_object_get(args, "dir"));

	if (json_object_get(args, "dir") == NULL || (d && !strcmp(d, "tx")))
		*dirs = 1u << TUSK_LCORE_TX;
	else if (d && !strcmp(d, "rx"))
		*dirs = 1u << TUSK_LCORE_RX;
	else if (d && !strcmp(d, "both"))
		*dirs = (1u << TUSK_LCORE_RX) | (1u << TUSK_LCORE_TX);
	else {
		snprintf(err, errlen, "\"dir\" must be tx, rx or both");
		return -1;
	}
	return 0;
}

/* Free a replaced stage now, or later when its frames are back. */
static void
impair_retire(struct tusk_ctl *ctl, struct tusk_impair *im)
{
	if (tusk_impair_free(im) == 0)
		return;
	if (ctl->n_retired == TUSK_CTL_RETIRED_MAX) {
		CTL_LOG(WARNING, "too many retired impairment stages: one is "
			"leaked\n");
		return;
	}
	ctl->retired[ctl->n_retired++] = im;
}

void
tusk_ctl_impair_reap(struct tusk_ctl *ctl, bool closing)
{
	unsigned int i = 0;

	while (i < ctl->n_retired) {
		if (tusk_impair_free(ctl->retired[i]) == 0 || closing)
			ctl->retired[i] = ctl->retired[--ctl->n_retired];
		else
			i++;
	}
}

/* A stage per lcore for port i, direction d (none when conf is off). */
static int
impair_apply(struct tusk_ctl *ctl, unsigned int i, enum tusk_lcore_dir d,
	     const struct tusk_impair_conf *c, char *err, size_t errlen)
{
	const struct tusk_port *p = &ctl->ctx.ports[i];
	bool off = tusk_impair_conf_is_off(c);
	unsigned int l;

	for (l = 0; l < ctl->ctx.n_lcores; l++) {
		struct tusk_impair *im = NULL, *old = NULL;
		char name[24];
		int ret;

		snprintf(name, sizeof(name), "p%u%s%u", p->port_id,
			 dir_names[d], ctl->impair_gen++);
		if (!off) {
			im = tusk_impair_create(name, c, p->mtu +
						IMPAIR_FRAME_OVERHEAD,
						rte_rand(), p->socket_id);
			if (im == NULL) {
				snprintf(err, errlen, "no memory for %u held "
					 "frames of %u bytes (lower limit)",
					 c->limit ? c->limit :
					 TUSK_IMPAIR_LIMIT_DEFAULT,
					 p->mtu + IMPAIR_FRAME_OVERHEAD);
				return -1;
			}
			/* received frames may sit in TCP's queues for long:
			 * they must weigh on the port's pool, as without the
			 * stage, never starve the stage (impair.h) */
			if (d == TUSK_LCORE_RX)
				tusk_impair_release_to(im, p->pool);
		}
		ret = tusk_lcore_impair_set(ctl->ctx.lcores[l], p->port_id, d,
					    im, IMPAIR_SET_TIMEOUT_MS, &old);
		if (ret == -ENOENT)
			tusk_impair_free(im); /* never used: frees at once */
		else if (ret == 0)
			impair_retire(ctl, old);
		else {
			snprintf(err, errlen, "lcore %u did not take the "
				 "stage: %s", ctl->ctx.lcores[l]->lcore_id,
				 strerror(-ret));
			return -1;
		}
	}
	ctl->impair[i][d] = *c;
	CTL_LOG(NOTICE, "%s %s: impairment %s\n", p->name, dir_names[d],
		off ? "removed" : "set");
	return 0;
}

/* Counters of port i, direction d, summed over the lcores. */
static int
impair_stats(struct tusk_ctl *ctl, unsigned int i, enum tusk_lcore_dir d,
	     struct tusk_impair_stats *sum)
{
	static struct tusk_lcore_snapshot snap; /* large: not on the stack */
	unsigned int l, q;

	memset(sum, 0, sizeof(*sum));
	for (l = 0; l < ctl->ctx.n_lcores; l++) {
		const struct tusk_lcore *lc = ctl->ctx.lcores[l];

		if (tusk_lcore_snapshot(ctl->ctx.lcores[l], &snap,
					TUSK_CTL_SNAPSHOT_TIMEOUT_MS) < 0)
			return -1;
		for (q = 0; q < lc->n_queues; q++) {
			const struct tusk_impair_stats *s = &snap.impair[q][d];
			uint16_t port_id = ctl->ctx.ports[i].port_id;

			if (lc->queues[q].port_id != port_id ||
			    !snap.impair_on[q][d])
				continue;
			sum->in += s->in;
			sum->out += s->out;
			sum->lost += s->lost;
			sum->burst_lost += s->burst_lost;
			sum->duplicated += s->duplicated;
			sum->reordered += s->reordered;
			sum->overflow += s->overflow;
			sum->held += s->held;
		}
	}
	return 0;
}

json_t *
tusk_ctl_impair_json(struct tusk_ctl *ctl, unsigned int i)
{
	json_t *o = json_object();
	unsigned int d;

	for (d = 0; o != NULL && d < TUSK_LCORE_DIRS; d++) {
		struct tusk_impair_stats st;

		if (tusk_impair_conf_is_off(&ctl->impair[i][d])) {
			json_object_set_new(o, dir_names[d], json_null());
			continue;
		}
		if (impair_stats(ctl, i, (enum tusk_lcore_dir)d, &st) < 0)
			memset(&st, 0, sizeof(st));
		json_object_set_new(o, dir_names[d], json_pack("{s:o, s:o}",
			"conf", tusk_impair_conf_json(&ctl->impair[i][d]),
			"stats", tusk_impair_stats_json(&st)));
	}
	return o;
}

int
tusk_ctl_impair_cmd(void *arg, json_t *args, json_t **result,
		    char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct tusk_impair_conf c;
	unsigned int dirs, d;
	bool any;
	int i = tusk_ctl_port_arg(ctl, args, err, errlen);

	if (i < 0 || parse_dirs(args, &dirs, err, errlen) < 0 ||
	    parse_conf(args, &c, &any, err, errlen) < 0)
		return -1;
	for (d = 0; any && d < TUSK_LCORE_DIRS; d++)
		if ((dirs & (1u << d)) &&
		    impair_apply(ctl, (unsigned int)i, (enum tusk_lcore_dir)d,
				 &c, err, errlen) < 0)
			return -1;
	*result = tusk_ctl_impair_json(ctl, (unsigned int)i);
	return 0;
}

/* A port's [port] impair_* keys as a stage configuration. */
static void
conf_from_config(const struct tusk_config_impair *ci,
		 struct tusk_impair_conf *c)
{
	*c = (struct tusk_impair_conf){
		.delay_ns = (uint64_t)ci->delay_ms * 1000000,
		.jitter_ns = (uint64_t)ci->jitter_ms * 1000000,
		.rate_bps = (uint64_t)ci->rate_mbps * 1000000,
		.loss_ppm = ci->loss_ppm,
		.burst_enter_ppm = ci->burst_enter_ppm,
		.burst_exit_ppm = ci->burst_exit_ppm,
		.burst_loss_ppm = ci->burst_loss_ppm,
		.dup_ppm = ci->dup_ppm,
		.reorder_ppm = ci->reorder_ppm,
		.limit = ci->limit,
	};
}

int
tusk_ctl_impair_configure(struct tusk_ctl *ctl)
{
	unsigned int i, d;

	for (i = 0; ctl->ctx.cfg != NULL && i < ctl->ctx.n_ports; i++) {
		const struct tusk_config_impair *ci =
			&ctl->ctx.cfg->ports[i].impair;
		struct tusk_impair_conf c;
		char why[IMPAIR_ERR_MAX];

		conf_from_config(ci, &c);
		if (tusk_impair_conf_is_off(&c))
			continue;
		for (d = 0; d < TUSK_LCORE_DIRS; d++) {
			if (ci->dir != TUSK_CONFIG_IMPAIR_BOTH &&
			    ci->dir != (d == TUSK_LCORE_TX ?
					TUSK_CONFIG_IMPAIR_TX :
					TUSK_CONFIG_IMPAIR_RX))
				continue;
			if (impair_apply(ctl, i, (enum tusk_lcore_dir)d, &c,
					 why, sizeof(why)) < 0) {
				CTL_LOG(ERR, "[port %s] impair_*: %s\n",
					ctl->ctx.ports[i].name, why);
				return -EINVAL;
			}
		}
	}
	return 0;
}
