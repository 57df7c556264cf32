/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xfer_tuskd: transfers through tuskd's control socket (README "The
 * control socket": fetch, transfers, cancel), one JSON line each way.
 *
 *   tusk_xfer_refresh() -> call("transfers") -> view_from()
 *   tusk_xfer_start()   -> call("fetch")
 *   call() -> tusk_ctl_client_connect() (a new connection: epoch++)
 *          -> tusk_ctl_client_call()   (app/ctl/ctl_client.h)
 *
 * Calls block for at most XFER_CALL_TIMEOUT_MS: tuskd answers within
 * milliseconds (an lcore call is bounded at 1 s there); a tuskd that does
 * not is treated as down and the connection is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_client.h"
#include "xfer.h"

/* tuskd's own bound on an lcore call is 1 s (ctl_fetch.c); twice that. */
#define XFER_CALL_TIMEOUT_MS 2000

struct xfer_tuskd {
	char path[108];
	bool connected;
	struct tusk_ctl_client cl;
	uint64_t last_poll_ms;
	bool polled;
};

struct tusk_xfer *
tusk_xfer_tuskd_create(const char *socket_path)
{
	struct tusk_xfer *x = calloc(1, sizeof(*x));
	struct xfer_tuskd *t = calloc(1, sizeof(*t));

	if (x == NULL || t == NULL) {
		free(x);
		free(t);
		return NULL;
	}
	snprintf(t->path, sizeof(t->path), "%s", socket_path);
	x->priv = t;
	return x;
}

static void
link_down(struct tusk_xfer *x, const char *why)
{
	struct xfer_tuskd *t = x->priv;

	if (t->connected)
		tusk_ctl_client_close(&t->cl);
	t->connected = false;
	x->up = false;
	x->n = 0;
	snprintf(x->down_reason, sizeof(x->down_reason), "tuskd: %s", why);
}

void
tusk_xfer_destroy(struct tusk_xfer *x)
{
	if (x == NULL)
		return;
	link_down(x, "closed");
	free(x->priv);
	free(x);
}

/* Send req (stolen), read the answer: 0 with result (new reference), or
 * -ENOTCONN (tuskd unreachable, x->down_reason says why) or -EINVAL with
 * tuskd's reason for a refused command. */
static int
call(struct tusk_xfer *x, json_t *req, json_t **result, char *err,
     size_t errlen)
{
	struct xfer_tuskd *t = x->priv;
	char why[TUSK_JOURNAL_REASON_MAX] = "";
	json_t *resp = NULL;
	int attempt;

	/* a connection tuskd closed meanwhile (idle, or tuskd restarted) is
	 * found out by the call: then once more on a new one */
	for (attempt = 0; attempt < 2 && resp == NULL && req != NULL;
	     attempt++) {
		if (t->connected && attempt > 0)
			link_down(x, why);
		if (!t->connected &&
		    tusk_ctl_client_connect(&t->cl, t->path,
					    XFER_CALL_TIMEOUT_MS, why,
					    sizeof(why)) == 0) {
			t->connected = true;
			x->epoch++;
		}
		if (!t->connected)
			break;
		resp = tusk_ctl_client_call(&t->cl, req, why, sizeof(why));
	}
	json_decref(req);
	if (resp == NULL) {
		link_down(x, why[0] ? why : "out of memory");
		snprintf(err, errlen, "%s", x->down_reason);
		return -ENOTCONN;
	}
	x->up = true;
	if (!json_is_true(json_object_get(resp, TUSK_CTL_KEY_OK))) {
		const char *e = json_string_value(json_object_get(resp,
							TUSK_CTL_KEY_ERROR));

		snprintf(err, errlen, "tuskd: %s", e ? e : "refused");
		json_decref(resp);
		return -EINVAL;
	}
	*result = json_incref(json_object_get(resp, TUSK_CTL_KEY_RESULT));
	json_decref(resp);
	return 0;
}

static enum tusk_xfer_state
xstate(const char *s)
{
	if (s == NULL)
		return TUSK_XFER_FAILED;
	if (strcmp(s, "done") == 0)
		return TUSK_XFER_DONE;
	if (strcmp(s, "failed") == 0)
		return TUSK_XFER_FAILED;
	if (strcmp(s, "cancelled") == 0 || strcmp(s, "paused") == 0)
		return TUSK_XFER_STOPPED;
	return TUSK_XFER_ACTIVE; /* probing, running, verifying */
}

static int64_t
int_or(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static void
str_into(json_t *o, const char *key, char *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(out, len, "%s", s ? s : "");
}

static void
view_from(struct tusk_xfer *x, json_t *list)
{
	size_t i;

	x->n = 0;
	for (i = 0; i < json_array_size(list) && x->n < TUSK_XFER_VIEW_MAX;
	     i++) {
		json_t *o = json_array_get(list, i);
		struct tusk_xfer_info *v = &x->view[x->n++];

		v->id = (uint32_t)int_or(o, "id");
		str_into(o, "dest", v->dest, sizeof(v->dest));
		v->state = xstate(json_string_value(json_object_get(o,
								  "state")));
		v->bytes = int_or(o, "bytes");
		v->size = int_or(o, "size");
		v->rate = int_or(o, "rate");
		v->eta_s = int_or(o, "eta_s");
		str_into(o, "sha256", v->sha256, sizeof(v->sha256));
		str_into(o, "source_sha256", v->source_sha256,
			 sizeof(v->source_sha256));
		str_into(o, "error", v->error, sizeof(v->error));
	}
}

int
tusk_xfer_refresh(struct tusk_xfer *x, uint64_t now_ms)
{
	struct xfer_tuskd *t = x->priv;
	char err[TUSK_JOURNAL_REASON_MAX];
	json_t *res = NULL;
	int rc;

	if (t->polled && now_ms - t->last_poll_ms < TUSK_XFER_POLL_MS)
		return x->up ? 0 : -ENOTCONN;
	t->polled = true;
	t->last_poll_ms = now_ms;
	rc = call(x, json_pack("{s:s}", "cmd", "transfers"), &res, err,
		  sizeof(err));
	if (rc < 0)
		return -ENOTCONN;
	view_from(x, res);
	json_decref(res);
	return 0;
}

int
tusk_xfer_start(struct tusk_xfer *x, const char *url, const char *dest,
		unsigned int streams, uint32_t *id, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "cmd", "fetch", "url", url,
				"dest", dest);
	json_t *res = NULL;
	int rc;

	if (req != NULL && streams > 0)
		json_object_set_new(req, "streams", json_integer(streams));
	rc = call(x, req, &res, err, errlen);
	if (rc < 0)
		return rc;
	*id = (uint32_t)int_or(res, "id");
	json_decref(res);
	/* the next refresh must see it: do not wait out the poll interval */
	((struct xfer_tuskd *)x->priv)->polled = false;
	return 0;
}

int
tusk_xfer_cancel(struct tusk_xfer *x, uint32_t id)
{
	char err[TUSK_JOURNAL_REASON_MAX];
	json_t *res = NULL;
	int rc;

	rc = call(x, json_pack("{s:s, s:I}", "cmd", "cancel", "id",
			       (json_int_t)id), &res, err, sizeof(err));
	json_decref(res);
	return rc;
}

const struct tusk_xfer_info *
tusk_xfer_by_id(const struct tusk_xfer *x, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < x->n; i++)
		if (x->view[i].id == id)
			return &x->view[i];
	return NULL;
}

/* tuskd numbers transfers in order: the newest of a dest has the highest
 * id within one tuskd run, and the view never spans two runs. */
const struct tusk_xfer_info *
tusk_xfer_by_dest(const struct tusk_xfer *x, const char *dest)
{
	const struct tusk_xfer_info *best = NULL;
	unsigned int i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->view[i].dest, dest) == 0 &&
		    (best == NULL || x->view[i].id > best->id))
			best = &x->view[i];
	return best;
}
