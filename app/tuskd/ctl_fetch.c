/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands of the fetch client (app/svc/http_fetch.h):
 *
 *   fetch      {"url", "dest" (relative; default: the URL's file name),
 *               "streams" (default [tuskd] fetch_streams, 1..64),
 *               "token" (a bearer token sent to the source; optional),
 *               "verify" (auto, adler32, crc32c, md5, sha-256, reread,
 *               none: http_fetch.h enum tusk_fetch_verify),
 *               "direct" (O_DIRECT writes, default false)}
 *              -> the new transfer (id, state "probing", ...)
 *   transfers  -> every transfer: id, url, dest, state, bytes, size, rate,
 *               eta_s, streams, retries, verify, digests, source_digests,
 *               sha256, phase_s, error, note, ...
 *   cancel     {"id", "discard" (default false)} -> the transfer as left
 *
 * The client lives on the first lcore; these run there between bursts
 * through tusk_lcore_call(). A host name in the URL is resolved here on
 * the control thread first (resolve.h: getaddrinfo, IPv4, bounded): the
 * stack has no DNS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "http_fetch.h"
#include "http_url.h"
#include "resolve.h"
#include "root.h"
#include "services.h"

/* A call walks at most TUSK_FETCH_TRANSFERS_MAX transfers: microseconds;
 * a second means the lcore is stuck. */
#define FETCH_CALL_TIMEOUT_MS 1000

/* One request to the lcore. On the heap: an lcore that answers after the
 * timeout still writes into it (then it is leaked, as lcore.h asks). */
struct fetch_call {
	enum { CALL_START, CALL_LIST, CALL_CANCEL } op;
	char url[TUSK_HTTP_URL_MAX];
	char dest[TUSK_ROOT_PATH_MAX];
	char token[TUSK_FETCH_TOKEN_MAX + 1]; /* "": none */
	uint32_t addr;
	uint32_t streams;
	enum tusk_fetch_verify verify;
	uint32_t id;
	bool discard;
	bool direct;
	json_t *result;
	char err[TUSK_FETCH_REASON_MAX];
};

static int
fetch_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_fetch *f = tusk_lcore_service(lc, TUSK_SERVICE_FETCH);
	struct fetch_call *c = arg;
	struct tusk_fetch_req req = {
		.url = c->url, .addr = c->addr, .dest = c->dest,
		.streams = c->streams, .token = c->token, .verify = c->verify,
		.direct = c->direct,
	};
	int ret = 0;

	if (f == NULL)
		return -ENODEV;
	switch (c->op) {
	case CALL_START:
		ret = tusk_fetch_start(f, &req, now, &c->id, c->err,
				       sizeof(c->err));
		break;
	case CALL_CANCEL:
		ret = tusk_fetch_cancel(f, c->id, c->discard, now);
		if (ret == -ENOENT)
			snprintf(c->err, sizeof(c->err), "no transfer %u",
				 c->id);
		break;
	case CALL_LIST:
		c->result = tusk_fetch_list_json(f, now);
		return c->result == NULL ? -ENOMEM : 0;
	}
	if (ret < 0)
		return ret;
	c->result = tusk_fetch_xfer_json(f, c->id, now);
	/* a discarded transfer is gone: say so */
	if (c->result == NULL)
		c->result = json_pack("{s:I, s:s}", "id", (json_int_t)c->id,
				      "state", "discarded");
	return c->result == NULL ? -ENOMEM : 0;
}

struct tusk_lcore *
tusk_ctl_fetch_lcore(struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < ctl->ctx.n_lcores; i++)
		if (tusk_lcore_service(ctl->ctx.lcores[i],
				       TUSK_SERVICE_FETCH) != NULL)
			return ctl->ctx.lcores[i];
	return NULL;
}

/* Run c on the fetch lcore; its result into *result, or a reason. */
static int
fetch_call(struct tusk_ctl *ctl, struct fetch_call *c, json_t **result,
	   char *err, size_t errlen)
{
	struct tusk_lcore *lc = tusk_ctl_fetch_lcore(ctl);
	int ret;

	if (lc == NULL) {
		snprintf(err, errlen, "the fetch client is not running");
		free(c);
		return -1;
	}
	ret = tusk_lcore_call(lc, fetch_on_lcore, c, FETCH_CALL_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		snprintf(err, errlen, "lcore %u did not answer within %u ms",
			 lc->lcore_id, FETCH_CALL_TIMEOUT_MS);
		return -1; /* c stays with the lcore */
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s", c->err[0] ? c->err :
			 strerror(-ret));
		json_decref(c->result);
		free(c);
		return -1;
	}
	*result = c->result;
	free(c);
	return 0;
}

/* The IPv4 address of url's host when it is a name (0 for a literal):
 * resolve.h's lookup, bounded, on this (the control) thread. */
static int
resolve(const char *url, uint32_t *addr, char *err, size_t errlen)
{
	struct tusk_http_url u;
	int ret;

	*addr = 0;
	ret = tusk_http_url_parse(url, &u);
	if (ret < 0) {
		snprintf(err, errlen, "bad URL: %s",
			 tusk_http_url_strerror(ret));
		return -1;
	}
	if (u.host_is_ipv4)
		return 0;
	return tusk_resolve_wait(u.host, addr, err, errlen) < 0 ? -1 : 0;
}

/* "verify": how the fetched file is checked (http_fetch.h); absent:
 * auto. */
static int
fetch_verify_arg(json_t *args, enum tusk_fetch_verify *v, char *err,
		 size_t errlen)
{
	char name[16];
	int m;

	name[0] = '\0';
	if (tusk_ctl_arg_string(args, "verify", false, name, sizeof(name),
				err, errlen) < 0)
		return -1;
	m = name[0] == '\0' ? TUSK_FETCH_VERIFY_AUTO :
	    tusk_fetch_verify_parse(name);
	if (m < 0) {
		snprintf(err, errlen, "\"verify\" must be auto, adler32, "
			 "crc32c, md5, sha-256, reread or none (not \"%s\")",
			 name);
		return -1;
	}
	*v = (enum tusk_fetch_verify)m;
	return 0;
}

int
tusk_ctl_fetch_cmd(void *arg, json_t *args, json_t **result,
		   char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct fetch_call *c = calloc(1, sizeof(*c));
	int64_t streams;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->op = CALL_START;
	streams = tusk_ctl_arg_uint(args, "streams",
				    ctl->ctx.cfg->fetch_streams,
				    TUSK_FETCH_STREAMS_MAX, err, errlen);
	if (streams == 0) {
		snprintf(err, errlen, "\"streams\" must be 1..%u",
			 TUSK_FETCH_STREAMS_MAX);
		streams = -1;
	}
	if (streams < 0 ||
	    tusk_ctl_arg_string(args, "url", true, c->url, sizeof(c->url),
				err, errlen) < 0 ||
	    tusk_ctl_arg_string(args, "dest", false, c->dest,
				sizeof(c->dest), err, errlen) < 0 ||
	    tusk_ctl_arg_string(args, "token", false, c->token,
				sizeof(c->token), err, errlen) < 0 ||
	    tusk_ctl_arg_bool(args, "direct", &c->direct, err, errlen) < 0 ||
	    resolve(c->url, &c->addr, err, errlen) < 0) {
		free(c);
		return -1;
	}
	c->streams = (uint32_t)streams;
	if (fetch_verify_arg(args, &c->verify, err, errlen) < 0) {
		free(c);
		return -1;
	}
	return fetch_call(ctl, c, result, err, errlen);
}

int
tusk_ctl_transfers_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct fetch_call *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->op = CALL_LIST;
	return fetch_call(ctl, c, result, err, errlen);
}

int
tusk_ctl_cancel_cmd(void *arg, json_t *args, json_t **result,
		    char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct fetch_call *c = calloc(1, sizeof(*c));
	int64_t id;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->op = CALL_CANCEL;
	id = tusk_ctl_arg_uint(args, "id", -1, UINT32_MAX, err, errlen);
	if (id == -1 && json_object_get(args, "id") == NULL)
		snprintf(err, errlen, "\"id\" (a transfer id) is required");
	if (id < 0 || tusk_ctl_arg_bool(args, "discard", &c->discard, err,
			       errlen) < 0) {
		free(c);
		return -1;
	}
	c->id = (uint32_t)id;
	return fetch_call(ctl, c, result, err, errlen);
}
