/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xfer_tuskd: transfers through tuskd's control socket (README "The
 * control socket": fetch, transfers, cancel), one JSON line each way.
 *
 *   tusk_xfer_refresh() -> call("transfers") -> view_from()
 *   tusk_xfer_start()   -> call("fetch")
 *   call() -> link_up() (connect, epoch++) -> send_line() -> recv_line()
 *
 * Calls block for at most XFER_CALL_TIMEOUT_MS: tuskd answers within
 * milliseconds (an lcore call is bounded at 1 s there); a tuskd that does
 * not is treated as down and the connection is dropped.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "xfer.h"

/* tuskd's own bound on an lcore call is 1 s (ctl_fetch.c); twice that. */
#define XFER_CALL_TIMEOUT_MS 2000
/* tuskd's TUSK_CTL_OUTPUT_MAX: no answer is longer. */
#define XFER_RESPONSE_MAX (16u << 20)

struct xfer_tuskd {
	char path[108];
	int fd;
	uint64_t last_poll_ms;
	bool polled;
	char *buf;		/* bytes read past the last line */
	size_t len, cap;
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
	t->fd = -1;
	x->priv = t;
	return x;
}

static void
link_down(struct tusk_xfer *x, const char *why)
{
	struct xfer_tuskd *t = x->priv;

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->len = 0;
	x->up = false;
	x->n = 0;
	snprintf(x->down_reason, sizeof(x->down_reason), "tuskd at %s: %s",
		 t->path, why);
}

void
tusk_xfer_destroy(struct tusk_xfer *x)
{
	if (x == NULL)
		return;
	link_down(x, "closed");
	free(((struct xfer_tuskd *)x->priv)->buf);
	free(x->priv);
	free(x);
}

static int
link_up(struct tusk_xfer *x)
{
	struct xfer_tuskd *t = x->priv;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (t->fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
	t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sa,
				 sizeof(sa)) < 0) {
		link_down(x, strerror(errno));
		return -ENOTCONN;
	}
	x->epoch++;
	return 0;
}

/* Wait for fd to be ready for `events` until deadline; 0 or -ETIMEDOUT. */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -ETIMEDOUT;
}

static int
send_line(struct xfer_tuskd *t, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(t->fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(t->fd, POLLOUT, XFER_CALL_TIMEOUT_MS) < 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line from tuskd, malloc'd, without its '\n'. */
static int
recv_line(struct xfer_tuskd *t, char **line)
{
	char *nl;
	ssize_t n;

	while ((nl = t->buf ? memchr(t->buf, '\n', t->len) : NULL) == NULL) {
		if (t->len + 4096 > t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 65536;
			char *b = cap > XFER_RESPONSE_MAX ? NULL :
				  realloc(t->buf, cap);

			if (b == NULL)
				return -EMSGSIZE;
			t->buf = b;
			t->cap = cap;
		}
		n = recv(t->fd, t->buf + t->len, t->cap - t->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(t->fd, POLLIN, XFER_CALL_TIMEOUT_MS) < 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		t->len += (size_t)n;
	}
	*line = strndup(t->buf, (size_t)(nl - t->buf));
	t->len -= (size_t)(nl + 1 - t->buf);
	memmove(t->buf, nl + 1, t->len);
	return *line == NULL ? -ENOMEM : 0;
}

/* Send req (stolen), read the answer: 0 with result (new reference), or
 * -errno with the reason (tuskd's "error" for a refused command). */
static int
call(struct tusk_xfer *x, json_t *req, json_t **result, char *err,
     size_t errlen)
{
	struct xfer_tuskd *t = x->priv;
	char *s = json_dumps(req, JSON_COMPACT), *line = NULL;
	json_t *resp = NULL;
	int rc;

	json_decref(req);
	rc = s == NULL ? -ENOMEM : link_up(x);
	if (rc == 0) {
		size_t len = strlen(s);

		s[len] = '\n'; /* the NUL: the length is passed */
		rc = send_line(t, s, len + 1);
	}
	if (rc == 0)
		rc = recv_line(t, &line);
	free(s);
	if (rc == 0 && (resp = json_loads(line, 0, NULL)) == NULL)
		rc = -EPROTO;
	free(line);
	if (rc < 0) {
		if (rc != -ENOTCONN) /* link_up said why already */
			link_down(x, strerror(-rc));
		snprintf(err, errlen, "%s", x->down_reason);
		return -ENOTCONN;
	}
	x->up = true;
	if (!json_is_true(json_object_get(resp, "ok"))) {
		snprintf(err, errlen, "tuskd: %s", json_string_value(
			json_object_get(resp, "error")) ?: "refused");
		json_decref(resp);
		return -EINVAL;
	}
	*result = json_incref(json_object_get(resp, "result"));
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
