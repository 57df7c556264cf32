/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command `http`: the HTTP file endpoint of every lcore
 * (app/svc/http_server.h: requests by status class, bytes, open
 * connections with what each is doing):
 *   {"cmd": "http"}  ->  {"limits": {sums of the lcores' "limits"},
 *                         "auth": {sums of the lcores' "auth"},
 *                         "lcores": [{"lcore": 1, ...server...}, ...]}
 * (the limits' counters: struct tusk_http_server_limits; pool_held_peak
 * sums each lcore's peak, each against its own data_pool_mb)
 * Each lcore describes its own server between bursts (tusk_lcore_call).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "http_server.h"
#include "services.h"

/* The server walks its connection list (http_conns_max at most). */
#define HTTP_CALL_TIMEOUT_MS 1000

/* Runs on the lcore; *arg receives the JSON (NULL: no endpoint here). */
static int
http_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	const struct tusk_http_server *srv;
	json_t **out = arg;

	srv = tusk_lcore_service(lc, TUSK_SERVICE_HTTP);
	*out = NULL;
	if (srv == NULL)
		return 0;
	*out = tusk_http_server_json(srv);
	return *out == NULL ? -ENOMEM : 0;
}

/* Add the integer members of `from` into `into`. */
static void
limits_add(json_t *into, const json_t *from)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)from, key, v) {
		json_int_t have = json_integer_value(json_object_get(into, key));

		json_object_set_new(into, key,
				    json_integer(have + json_integer_value(v)));
	}
}

/* Lcore lc's server into res (its lcores list and sums). 0, or -1 with
 * err set. */
static int
add_lcore(struct tusk_lcore *lc, json_t *res, char *err, size_t errlen)
{
	/* on the heap: an lcore that times out may still write it */
	json_t **one = calloc(1, sizeof(*one));
	int ret;

	if (one == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = tusk_lcore_call(lc, http_on_lcore, one, HTTP_CALL_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		snprintf(err, errlen, "lcore %u did not answer", lc->lcore_id);
		return -1;
	}
	if (ret < 0 || *one == NULL) {
		free(one);
		if (ret == 0)
			return 0; /* no endpoint on this lcore */
		snprintf(err, errlen, "lcore %u: %s", lc->lcore_id,
			 strerror(-ret));
		return -1;
	}
	json_object_set_new(*one, "lcore", json_integer(lc->lcore_id));
	limits_add(json_object_get(res, "limits"),
		   json_object_get(*one, "limits"));
	limits_add(json_object_get(res, "auth"), json_object_get(*one, "auth"));
	json_array_append_new(json_object_get(res, "lcores"), *one);
	free(one);
	return 0;
}

int
tusk_ctl_http_cmd(void *arg, json_t *args, json_t **result,
		  char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	json_t *res = json_pack("{s:o, s:o, s:o}", "limits", json_object(),
				"auth", json_object(), "lcores", json_array());
	unsigned int i;

	if (res == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < ctl->ctx.n_lcores; i++)
		if (add_lcore(ctl->ctx.lcores[i], res, err, errlen) < 0) {
			json_decref(res);
			return -1;
		}
	if (json_array_size(json_object_get(res, "lcores")) == 0 &&
	    ctl->ctx.cfg->http_port == 0) {
		json_decref(res);
		snprintf(err, errlen, "the HTTP endpoint is off (http_port "
			 "= 0)");
		return -1;
	}
	*result = res;
	return 0;
}
