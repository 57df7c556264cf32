/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xfer_tuskd: transfers through tuskd's control socket (README "The
 * control socket": fetch, transfers, cancel), one JSON line each way.
 *
 *   tusk_xfer_refresh() -> subscribe() (`watch`: a connection of its own,
 *                          non-blocking once subscribed; epoch++)
 *                       -> on_event() per line waiting: snapshot ->
 *                          view_from(), state/progress -> the view's entry
 *   tusk_xfer_start()   -> call("fetch") -> the new transfer into the view
 *   call() -> tusk_ctl_client_connect() (requests: a connection of their own)
 *          -> tusk_ctl_client_call()   (app/ctl/ctl_client.h)
 *
 * Calls block for at most XFER_CALL_TIMEOUT_MS: tuskd answers within
 * milliseconds (an lcore call is bounded at 1 s there); a tuskd that does
 * not is treated as down and the connection is dropped.
 */
#include <errno.h>
#include <fcntl.h>
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
	bool connected;			/* requests: fetch, cancel */
	struct tusk_ctl_client cl;
	bool watching;			/* events, after `watch` */
	struct tusk_ctl_client ev;
	uint64_t seq;			/* the last event's */
	bool synced;			/* a snapshot since (re)subscribing */
	uint64_t last_try_ms;
	bool tried;
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
	if (t->watching)
		tusk_ctl_client_close(&t->ev);
	t->connected = t->watching = t->synced = false;
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

	/* a connection tuskd closed meanwhile (idle) is found out by the
	 * call: then once more on a new one */
	for (attempt = 0; attempt < 2 && resp == NULL && req != NULL;
	     attempt++) {
		if (t->connected && attempt > 0) {
			tusk_ctl_client_close(&t->cl);
			t->connected = false;
		}
		if (!t->connected &&
		    tusk_ctl_client_connect(&t->cl, t->path,
					    XFER_CALL_TIMEOUT_MS, why,
					    sizeof(why)) == 0)
			t->connected = true;
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
info_from(struct tusk_xfer_info *v, json_t *o)
{
	v->id = (uint32_t)int_or(o, "id");
	str_into(o, "dest", v->dest, sizeof(v->dest));
	v->state = xstate(json_string_value(json_object_get(o, "state")));
	v->bytes = int_or(o, "bytes");
	v->size = int_or(o, "size");
	v->rate = int_or(o, "rate");
	v->eta_s = int_or(o, "eta_s");
	str_into(o, "sha256", v->sha256, sizeof(v->sha256));
	str_into(o, "source_sha256", v->source_sha256,
		 sizeof(v->source_sha256));
	str_into(o, "error", v->error, sizeof(v->error));
}

static void
view_from(struct tusk_xfer *x, json_t *list)
{
	size_t i;

	x->n = 0;
	for (i = 0; i < json_array_size(list) && x->n < TUSK_XFER_VIEW_MAX;
	     i++)
		info_from(&x->view[x->n++], json_array_get(list, i));
}

static struct tusk_xfer_info *
view_entry(struct tusk_xfer *x, uint32_t id, bool add)
{
	unsigned int i;

	for (i = 0; i < x->n; i++)
		if (x->view[i].id == id)
			return &x->view[i];
	if (!add || x->n == TUSK_XFER_VIEW_MAX)
		return NULL;
	memset(&x->view[x->n], 0, sizeof(x->view[0]));
	x->view[x->n].id = id;
	return &x->view[x->n++];
}

/* A transfer as `transfers` shows it, into the view. */
static void
view_put(struct tusk_xfer *x, json_t *o)
{
	struct tusk_xfer_info *v = view_entry(x, (uint32_t)int_or(o, "id"),
					      true);

	if (v != NULL)
		info_from(v, o);
}

/* One event line (README "The control socket": watch). 0, or -EPROTO
 * when events were missed: then subscribe again for a new snapshot. */
static int
on_event(struct tusk_xfer *x, json_t *m)
{
	struct xfer_tuskd *t = x->priv;
	const char *ev = json_string_value(json_object_get(m, "event"));
	uint64_t seq = (uint64_t)int_or(m, "seq");
	struct tusk_xfer_info *v;

	if (ev == NULL)
		return 0; /* an answer on this connection: the subscribe's */
	if (seq != t->seq + 1 && strcmp(ev, "snapshot") != 0)
		return -EPROTO;
	t->seq = seq;
	if (strcmp(ev, "snapshot") == 0) {
		view_from(x, json_object_get(m, "transfers"));
		t->synced = true;
	} else if (strcmp(ev, "lost") == 0) {
		t->synced = false; /* a snapshot follows */
	} else if (json_object_get(m, "transfer") != NULL) {
		view_put(x, json_object_get(m, "transfer"));
	} else if ((v = view_entry(x, (uint32_t)int_or(m, "id"),
				   false)) != NULL) {
		v->state = xstate(json_string_value(json_object_get(m,
								  "state")));
		v->bytes = int_or(m, "bytes") >= 0 ? int_or(m, "bytes") :
			   v->bytes;
		v->rate = int_or(m, "rate");
		v->eta_s = int_or(m, "eta_s");
		if (int_or(m, "size") >= 0)
			v->size = int_or(m, "size");
	}
	return 0;
}

static int
subscribe(struct tusk_xfer *x)
{
	struct xfer_tuskd *t = x->priv;
	json_t *req = json_pack("{s:s}", "cmd", "watch"), *resp = NULL;
	char why[TUSK_JOURNAL_REASON_MAX] = "out of memory";

	if (req != NULL && tusk_ctl_client_connect(&t->ev, t->path,
			XFER_CALL_TIMEOUT_MS, why, sizeof(why)) == 0) {
		t->watching = true;
		resp = tusk_ctl_client_call(&t->ev, req, why, sizeof(why));
	}
	json_decref(req);
	if (resp == NULL || !json_is_true(json_object_get(resp,
							  TUSK_CTL_KEY_OK))) {
		link_down(x, resp ? "watch refused" : why);
		json_decref(resp);
		return -ENOTCONN;
	}
	json_decref(resp);
	fcntl(t->ev.fd, F_SETFL, fcntl(t->ev.fd, F_GETFL) | O_NONBLOCK);
	t->seq = 0;
	t->synced = false;
	x->n = 0;
	x->epoch++;
	return 0;
}

/* Every event waiting, applied. -ENOTCONN when tuskd went away. */
static int
drain(struct tusk_xfer *x)
{
	struct xfer_tuskd *t = x->priv;
	char why[TUSK_JOURNAL_REASON_MAX] = "";
	json_t *m;
	int rc;

	while ((rc = tusk_ctl_client_recv(&t->ev, &m, why, sizeof(why))) == 0) {
		rc = on_event(x, m);
		json_decref(m);
		if (rc < 0) {
			snprintf(why, sizeof(why), "events missed");
			break;
		}
	}
	if (rc == -EAGAIN || rc == -EBADMSG)
		return 0;
	link_down(x, why[0] ? why : strerror(-rc));
	return -ENOTCONN;
}

int
tusk_xfer_refresh(struct tusk_xfer *x, uint64_t now_ms)
{
	struct xfer_tuskd *t = x->priv;

	if (!t->watching) {
		/* tuskd away: try again at most every TUSK_XFER_POLL_MS */
		if (t->tried && now_ms - t->last_try_ms < TUSK_XFER_POLL_MS)
			return -ENOTCONN;
		t->tried = true;
		t->last_try_ms = now_ms;
		if (subscribe(x) < 0)
			return -ENOTCONN;
	}
	if (drain(x) < 0)
		return -ENOTCONN;
	/* up once the snapshot is in: before it the view is empty, and an
	 * empty view would send every file to be fetched again */
	x->up = t->synced;
	return x->up ? 0 : -EAGAIN;
}

int
tusk_xfer_start(struct tusk_xfer *x, const char *url, const char *dest,
		unsigned int streams, const char *token, uint32_t *id,
		char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "cmd", "fetch", "url", url,
				"dest", dest);
	json_t *res = NULL;
	int rc;

	if (req != NULL && streams > 0)
		json_object_set_new(req, "streams", json_integer(streams));
	if (req != NULL && token != NULL)
		json_object_set_new(req, "token", json_string(token));
	rc = call(x, req, &res, err, errlen);
	if (rc < 0)
		return rc;
	*id = (uint32_t)int_or(res, "id");
	/* in the view at once: its `state` events may come a little later */
	if (x->up)
		view_put(x, res);
	json_decref(res);
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
