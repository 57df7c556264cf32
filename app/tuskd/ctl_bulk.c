/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands of the bulk service (app/svc/bulk.h):
 *
 *   bulk       {"dst", "port" (default 9), "bytes", "seconds", "cc"}
 *              -> {"id", "lcore"}: a source sending `bytes` (or for
 *              `seconds`; neither: 10 s) of the pattern to dst:port
 *   bulk_list  -> {"transfers": [...]}: sources and sink connections of
 *              every lcore, oldest first: id, lcore, role, state, peer,
 *              bytes, seconds, gbps, retransmits, rtt_ms, ...
 *   bulk_stop  {"id", "lcore" (default: the sources' lcore)} -> the
 *              transfer as stopped (reset)
 *
 * Sources start on the first lcore that runs the service (as the fetch
 * client does: with RSS, the answers of a connection another lcore opened
 * could land on the wrong queue); sinks run on every lcore. Everything
 * runs on the lcores between bursts through tusk_lcore_call().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "ctl_priv.h"

/* A call walks TUSK_BULK_XFERS_MAX entries: microseconds; a second means
 * the lcore is stuck. */
#define BULK_CALL_TIMEOUT_MS 1000
/* A source that names neither bytes nor seconds runs as long as iperf3's
 * default test. */
#define BULK_SECONDS_DEFAULT 10
/* Longest timed run: a day. */
#define BULK_SECONDS_MAX 86400

/* One request to an lcore. On the heap: an lcore that answers after the
 * timeout still writes into it (then it is leaked, as lcore.h asks). */
struct bulk_call {
	enum { CALL_START, CALL_LIST, CALL_STOP } op;
	struct tusk_bulk_source_conf conf;
	uint32_t id;
	unsigned int n;
	struct tusk_bulk_info info[TUSK_BULK_XFERS_MAX];
	char err[128];
};

static int
bulk_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_bulk *b = tusk_lcore_service(lc, TUSK_BULK_SERVICE);
	struct bulk_call *c = arg;
	int ret = 0;

	if (b == NULL)
		return -ENODEV;
	switch (c->op) {
	case CALL_START:
		ret = tusk_bulk_source_start(b, &c->conf, now, &c->id, c->err,
					     sizeof(c->err));
		break;
	case CALL_STOP:
		ret = tusk_bulk_stop(b, c->id, now);
		if (ret == -ENOENT)
			snprintf(c->err, sizeof(c->err),
				 "no running transfer %u on lcore %u", c->id,
				 lc->lcore_id);
		break;
	case CALL_LIST:
		break;
	}
	if (ret == 0)
		c->n = tusk_bulk_list(b, c->info, TUSK_BULK_XFERS_MAX, now);
	return ret;
}

/* The first lcore running the service (sources start there), or NULL. */
static struct tusk_lcore *
bulk_lcore(struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < ctl->ctx.n_lcores; i++)
		if (tusk_lcore_service(ctl->ctx.lcores[i],
				       TUSK_BULK_SERVICE) != NULL)
			return ctl->ctx.lcores[i];
	return NULL;
}

/* Run c on lc. 0, or -1 with the reason in err (c is freed or, after a
 * timeout, left to the lcore). */
static int
bulk_call(struct tusk_lcore *lc, struct bulk_call *c, char *err,
	  size_t errlen)
{
	int ret = tusk_lcore_call(lc, bulk_on_lcore, c, BULK_CALL_TIMEOUT_MS);

	if (ret == -ETIMEDOUT) {
		snprintf(err, errlen, "lcore %u did not answer within %u ms",
			 lc->lcore_id, BULK_CALL_TIMEOUT_MS);
		return -1;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s", c->err[0] ? c->err :
			 ret == -ENODEV ? "the bulk service is not running" :
			 strerror(-ret));
		free(c);
		return -1;
	}
	return 0;
}

static json_t *
info_json(const struct tusk_bulk_info *i, unsigned int lcore_id)
{
	char peer[TUSK_ADDR_STRLEN];

	tusk_addr_format(&i->peer, peer, sizeof(peer));
	return json_pack("{s:I, s:I, s:s, s:s, s:s?, s:s, s:i, s:i, s:I,"
			 " s:I, s:f, s:f, s:s, s:I, s:I, s:I, s:f, s:f, s:I}",
		"id", (json_int_t)i->id, "lcore", (json_int_t)lcore_id,
		"role", i->role == TUSK_BULK_SOURCE ? "source" : "sink",
		"state", i->done ? (i->err ? "failed" : "done") : "running",
		"error", i->err ? strerror(-i->err) : NULL,
		"peer", peer, "peer_port", (int)i->peer_port,
		"local_port", (int)i->local_port,
		"bytes", (json_int_t)i->bytes, "target", (json_int_t)i->target,
		"seconds", (double)i->elapsed_ns / 1e9, "gbps", i->gbps,
		"cc", i->tcp.cc,
		"retransmits", (json_int_t)i->tcp.segs_retrans,
		"bytes_retrans", (json_int_t)i->tcp.bytes_retrans,
		"rto_count", (json_int_t)i->tcp.rto_count,
		"rtt_ms", (double)i->tcp.srtt_ns / 1e6,
		"min_rtt_ms", (double)i->tcp.min_rtt_ns / 1e6,
		"cwnd", (json_int_t)i->tcp.cwnd);
}

/* The transfer `id` of a finished call, as JSON; NULL if not listed. */
static json_t *
call_info_json(const struct bulk_call *c, unsigned int lcore_id)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->info[i].id == c->id)
			return info_json(&c->info[i], lcore_id);
	return NULL;
}

static int
parse_source(json_t *args, struct tusk_bulk_source_conf *conf, char *err,
	     size_t errlen)
{
	const char *dst = json_string_value(json_object_get(args, "dst"));
	const char *cc = json_string_value(json_object_get(args, "cc"));
	int64_t port, bytes, seconds;

	memset(conf, 0, sizeof(*conf));
	if (dst == NULL || tusk_addr_parse(dst, &conf->dst) < 0 ||
	    conf->dst.family != TUSK_AF_INET) {
		snprintf(err, errlen, "\"dst\" must be an IPv4 address");
		return -1;
	}
	if (json_object_get(args, "cc") != NULL &&
	    (cc == NULL || strlen(cc) >= sizeof(conf->cc))) {
		snprintf(err, errlen, "\"cc\" must be newreno, cubic or bbr");
		return -1;
	}
	port = tusk_ctl_arg_uint(args, "port", TUSK_BULK_PORT_DEFAULT,
				 UINT16_MAX, err, errlen);
	bytes = port < 0 ? -1 : tusk_ctl_arg_uint(args, "bytes", 0, INT64_MAX,
						  err, errlen);
	seconds = bytes < 0 ? -1 : tusk_ctl_arg_uint(args, "seconds", 0,
						     BULK_SECONDS_MAX, err,
						     errlen);
	if (seconds < 0)
		return -1;
	if (bytes == 0 && seconds == 0)
		seconds = BULK_SECONDS_DEFAULT;
	conf->port = (uint16_t)port;
	conf->bytes = (uint64_t)bytes;
	conf->seconds = (uint64_t)seconds;
	snprintf(conf->cc, sizeof(conf->cc), "%s", cc ? cc : "");
	return 0;
}

int
tusk_ctl_bulk_cmd(void *arg, json_t *args, json_t **result,
		  char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct tusk_lcore *lc = bulk_lcore(ctl);
	struct bulk_call *c;

	if (lc == NULL) {
		snprintf(err, errlen, "the bulk service is not running");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->op = CALL_START;
	if (parse_source(args, &c->conf, err, errlen) < 0) {
		free(c);
		return -1;
	}
	if (bulk_call(lc, c, err, errlen) < 0)
		return -1;
	*result = call_info_json(c, lc->lcore_id);
	free(c);
	return *result != NULL ? 0 : -1;
}

int
tusk_ctl_bulk_list_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	json_t *list = json_array();
	unsigned int l, i;

	RTE_SET_USED(args);
	for (l = 0; list != NULL && l < ctl->ctx.n_lcores; l++) {
		struct tusk_lcore *lc = ctl->ctx.lcores[l];
		struct bulk_call *c;

		if (tusk_lcore_service(lc, TUSK_BULK_SERVICE) == NULL)
			continue;
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->op = CALL_LIST,
				  bulk_call(lc, c, err, errlen) < 0)) {
			if (c == NULL)
				snprintf(err, errlen, "out of memory");
			json_decref(list);
			return -1;
		}
		for (i = 0; i < c->n; i++)
			json_array_append_new(list, info_json(&c->info[i],
							      lc->lcore_id));
		free(c);
	}
	*result = json_pack("{s:o}", "transfers", list);
	return *result != NULL ? 0 : -1;
}

int
tusk_ctl_bulk_stop_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct tusk_lcore *lc = bulk_lcore(ctl);
	int64_t id = tusk_ctl_arg_uint(args, "id", -1, UINT32_MAX, err,
				       errlen);
	int64_t lcore = lc == NULL ? -1 : tusk_ctl_arg_uint(args, "lcore",
				lc->lcore_id, RTE_MAX_LCORE - 1, err, errlen);
	struct bulk_call *c;
	unsigned int l;

	if (lc == NULL) {
		snprintf(err, errlen, "the bulk service is not running");
		return -1;
	}
	if (id <= 0 || lcore < 0) {
		if (id == 0 || json_object_get(args, "id") == NULL)
			snprintf(err, errlen, "\"id\" must name a transfer");
		return -1;
	}
	for (l = 0, lc = NULL; l < ctl->ctx.n_lcores; l++)
		if (ctl->ctx.lcores[l]->lcore_id == (unsigned int)lcore)
			lc = ctl->ctx.lcores[l];
	if (lc == NULL) {
		snprintf(err, errlen, "no worker lcore %u", (unsigned int)lcore);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->op = CALL_STOP;
	c->id = (uint32_t)id;
	if (bulk_call(lc, c, err, errlen) < 0)
		return -1;
	*result = call_info_json(c, lc->lcore_id);
	free(c);
	return *result != NULL ? 0 : -1;
}
