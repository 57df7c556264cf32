/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch service: its transfers, the control-socket entry points and
 * the resume records found at start (see http_fetch.h).
 *
 *   tusk_fetch_create() -> scan_dir() -> scan_record() (paused transfers)
 *   tusk_fetch_start()  -> dest_from_url(), xfer_new() (probing)
 *   tusk_fetch_poll()   -> fetch_xfer_poll() per transfer
 *   tusk_fetch_cancel() -> fetch_xfer_pause()
 *   tusk_fetch_list_json() -> xfer_json()
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "http_fetch_priv.h"
#include "tls.h"
#include "http_path.h"

RTE_LOG_REGISTER_SUFFIX(tusk_fetch_logtype, fetch, INFO);

static const char *const xstate_names[] = {
	[TUSK_FETCH_PROBING] = "probing",
	[TUSK_FETCH_RUNNING] = "running",
	[TUSK_FETCH_VERIFYING] = "verifying",
	[TUSK_FETCH_DONE] = "done",
	[TUSK_FETCH_FAILED] = "failed",
	[TUSK_FETCH_CANCELLED] = "cancelled",
	[TUSK_FETCH_PAUSED] = "paused",
};

const char *
tusk_fetch_xstate_name(enum tusk_fetch_xstate s)
{
	return (unsigned int)s < RTE_DIM(xstate_names) ? xstate_names[s] : "?";
}

static bool
active(const struct fetch_xfer *x)
{
	return x->state == TUSK_FETCH_PROBING ||
	       x->state == TUSK_FETCH_RUNNING ||
	       x->state == TUSK_FETCH_VERIFYING;
}

/* ----------------------------------------------------------- transfers */

static void
xfer_free(struct fetch_xfer *x)
{
	uint32_t i;

	if (x == NULL)
		return;
	for (i = 0; x->streams != NULL && i < x->streams_max; i++)
		free(x->streams[i].head);
	free(x->streams);
	if (x->extra != NULL) /* it may hold a forwarded token */
		memset(x->extra, 0, strlen(x->extra));
	free(x->extra);
	if (x->token != NULL)
		memset(x->token, 0, strlen(x->token));
	free(x->token);
	free(x);
}

/* dest, its part file and record names; -ENAMETOOLONG, -EINVAL (a path
 * the root refuses, or one of tuskd's internal names). */
static int
xfer_names(struct fetch_xfer *x, const char *dest)
{
	int n;

	if (tusk_root_check_rel(dest, strlen(dest)) < 0 ||
	    tusk_root_is_internal(dest))
		return -EINVAL;
	n = snprintf(x->record, sizeof(x->record), "%s%s", dest,
		     TUSK_FETCH_STATE_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof(x->record))
		return -ENAMETOOLONG;
	snprintf(x->dest, sizeof(x->dest), "%s", dest);
	snprintf(x->part, sizeof(x->part), "%s%s", dest,
		 TUSK_FETCH_PART_SUFFIX);
	return 0;
}

static struct fetch_xfer *
xfer_alloc(struct tusk_fetch *f, uint32_t streams)
{
	struct fetch_xfer *x = calloc(1, sizeof(*x));
	uint32_t i;

	if (x == NULL)
		return NULL;
	x->streams = calloc(streams, sizeof(*x->streams));
	if (x->streams == NULL) {
		free(x);
		return NULL;
	}
	x->f = f;
	x->retry_max = f->conf.retry_max;
	x->part_fd = -1;
	x->part_dfd = -1;
	x->streams_max = streams;
	for (i = 0; i < streams; i++) {
		x->streams[i].x = x;
		x->streams[i].idx = i;
	}
	return x;
}

static void
fetch_slot_set(struct tusk_fetch *f, int slot, struct fetch_xfer *x)
{
	f->xfers[slot] = x;
	if (slot >= f->slots_used)
		f->slots_used = slot + 1;
}

/* A free slot in the table: empty, or the oldest transfer that is not
 * running (its files stay on disk; only the list forgets it). */
static int
slot_find(struct tusk_fetch *f)
{
	int i, old = -1;

	for (i = 0; i < TUSK_FETCH_TRANSFERS_MAX; i++) {
		struct fetch_xfer *x = f->xfers[i];

		if (x == NULL)
			return i;
		if (!active(x) && (old < 0 || x->id < f->xfers[old]->id))
			old = i;
	}
	if (old >= 0) {
		xfer_free(f->xfers[old]);
		f->xfers[old] = NULL;
	}
	return old;
}

static int
xfer_by_id(const struct tusk_fetch *f, uint32_t id)
{
	int i;

	for (i = 0; i < TUSK_FETCH_TRANSFERS_MAX; i++)
		if (f->xfers[i] != NULL && f->xfers[i]->id == id)
			return i;
	return -1;
}

static int
xfer_by_dest(const struct tusk_fetch *f, const char *dest)
{
	int i;

	for (i = 0; i < TUSK_FETCH_TRANSFERS_MAX; i++)
		if (f->xfers[i] != NULL && strcmp(f->xfers[i]->dest, dest) == 0)
			return i;
	return -1;
}

/* ---------------------------------------------------- records at start */

static void
scan_record(struct tusk_fetch *f, const char *rel)
{
	size_t n = strlen(rel) - strlen(TUSK_FETCH_STATE_SUFFIX);
	char dest[TUSK_ROOT_PATH_MAX], err[TUSK_FETCH_REASON_MAX];
	struct tusk_fetch_sched s;
	struct fetch_xfer *x;
	int slot, ret;

	memcpy(dest, rel, n);
	dest[n] = '\0';
	slot = slot_find(f);
	x = slot < 0 ? NULL : xfer_alloc(f, TUSK_FETCH_STREAMS_DEFAULT);
	if (x == NULL || xfer_names(x, dest) < 0) {
		xfer_free(x);
		return;
	}
	x->id = ++f->next_id;
	fetch_xfer_set_state(x, TUSK_FETCH_PAUSED);
	ret = tusk_fetch_state_load(f->env.root, rel, x->streams_max,
				    &x->src, &s, err, sizeof(err));
	if (ret < 0) {
		snprintf(x->error, sizeof(x->error), "resume record "
			 "unreadable: %.200s", ret == -EBADMSG ? err :
			 strerror(-ret));
	} else {
		uint32_t b;

		for (b = 0; b < s.n_blocks; b++)
			if (tusk_fetch_sched_state(&s, b) ==
			    TUSK_FETCH_BLK_VERIFY)
				x->bytes_claimed +=
					tusk_fetch_sched_block_len(&s, b);
		tusk_fetch_sched_fini(&s);
		snprintf(x->note, sizeof(x->note), "found on disk at start: "
			 "fetch the same URL to %.180s to resume", dest);
	}
	fetch_slot_set(f, slot, x);
	FETCH_LOG(INFO, "%u %s: paused transfer found (%s)\n", x->id, dest,
		  x->src.url);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Walk the directory `dfd` (rel is its path under the root, "" for the
 * root) for resume records; symlinks are not followed. */
static void
scan_dir(struct tusk_fetch *f, int dfd, const char *rel, unsigned int depth,
	 unsigned int *budget)
{
	char path[TUSK_ROOT_PATH_MAX];
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (d == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL && *budget > 0) {
		int n, sub;

		(*budget)--;
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		n = snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
			     de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (de->d_type == DT_REG &&
		    has_suffix(de->d_name, TUSK_FETCH_STATE_SUFFIX))
			scan_record(f, path);
		if (de->d_type != DT_DIR || depth >= TUSK_FETCH_SCAN_DEPTH)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			scan_dir(f, sub, path, depth + 1, budget);
	}
	closedir(d);
}

/* ------------------------------------------------------------- service */

struct tusk_fetch *
tusk_fetch_create(const struct tusk_svc_env *env,
		  const struct tusk_fetch_conf *conf)
{
	unsigned int budget = TUSK_FETCH_SCAN_MAX;
	struct tusk_fetch *f;
	bool lcore_writes;
	int dfd;

	if (env == NULL || env->root == NULL || env->data_pool == NULL ||
	    env->st == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	f->env = *env;
	lcore_writes = conf != NULL && conf->write_on_lcore;
	f->disk = tusk_fetch_disk_create(env->root);
	if (f->disk != NULL && !lcore_writes)
		f->writeq = tusk_file_writeq_create("tusk-fetch-wr");
	if (f->disk == NULL || (f->writeq == NULL && !lcore_writes)) {
		rte_errno = errno;
		tusk_fetch_disk_free(f->disk);
		free(f);
		return NULL;
	}
	if (conf != NULL)
		f->conf = *conf;
	if (f->conf.retry_max == 0)
		f->conf.retry_max = TUSK_FETCH_RETRY_MAX;
	if (f->conf.connect_ns == 0)
		f->conf.connect_ns = TUSK_FETCH_CONNECT_NS;
	if (f->conf.idle_ns == 0)
		f->conf.idle_ns = TUSK_FETCH_IDLE_NS;
	if (!f->conf.no_scan) {
		dfd = openat(tusk_root_fd(env->root), ".", O_RDONLY |
			     O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			scan_dir(f, dfd, "", 0, &budget);
	}
	return f;
}

void
tusk_fetch_poll(void *arg, uint64_t now)
{
	struct tusk_fetch *f = arg;
	int i;

	f->now = now;
	for (i = 0; i < f->slots_used; i++)
		if (f->xfers[i] != NULL && active(f->xfers[i]))
			fetch_xfer_poll(f->xfers[i], now);
}

void
tusk_fetch_free(void *arg)
{
	struct tusk_fetch *f = arg;
	int i;

	if (f == NULL)
		return;
	for (i = 0; i < TUSK_FETCH_TRANSFERS_MAX; i++) {
		struct fetch_xfer *x = f->xfers[i];

		if (x != NULL && active(x))
			fetch_xfer_pause(x, TUSK_FETCH_PAUSED, true, f->now);
		xfer_free(x);
	}
	/* the streams' writers are gone: nothing is left to write */
	tusk_file_writeq_free(f->writeq);
	/* the records just queued are written before this returns */
	tusk_fetch_disk_free(f->disk);
	tusk_tls_ctx_free(f->conf.tls);
	free(f);
}

/* The URL's last path segment, decoded (the default dest). */
static int
dest_from_url(const struct tusk_http_url *u, char *out, size_t len)
{
	char path[TUSK_HTTP_PATH_MAX];
	const char *base;

	if (tusk_http_path_from_target(u->target, path, sizeof(path)) < 0 ||
	    path[0] == '\0')
		return -EINVAL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

static int
start_check(struct tusk_fetch *f, const struct tusk_fetch_req *req,
	    struct tusk_http_url *u, char *dest, char *err, size_t errlen)
{
	int ret;

	ret = tusk_http_url_parse(req->url ? req->url : "", u);
	if (ret < 0) {
		snprintf(err, errlen, "bad URL: %s",
			 tusk_http_url_strerror(ret));
		return ret;
	}
	if (!u->host_is_ipv4 && req->addr == 0) {
		snprintf(err, errlen, "host \"%s\" is a name: resolve it first",
			 u->host);
		return -EINVAL;
	}
	if (req->streams > TUSK_FETCH_STREAMS_MAX) {
		snprintf(err, errlen, "streams must be 1..%u",
			 TUSK_FETCH_STREAMS_MAX);
		return -EINVAL;
	}
	if (req->extra != NULL && strlen(req->extra) > TUSK_FETCH_EXTRA_MAX) {
		snprintf(err, errlen, "extra fields over %u bytes",
			 TUSK_FETCH_EXTRA_MAX);
		return -EINVAL;
	}
	if (req->token != NULL && req->token[0] != '\0' &&
	    (strlen(req->token) > TUSK_FETCH_TOKEN_MAX ||
	     !tusk_http_is_b64token(req->token, strlen(req->token)))) {
		snprintf(err, errlen, "token: not a bearer token (RFC 6750 "
			 "b64token of at most %u characters)",
			 TUSK_FETCH_TOKEN_MAX);
		return -EINVAL;
	}
	if (req->dest != NULL && req->dest[0] != '\0') {
		snprintf(dest, TUSK_ROOT_PATH_MAX, "%s", req->dest);
	} else if (dest_from_url(u, dest, TUSK_ROOT_PATH_MAX) < 0) {
		snprintf(err, errlen, "the URL has no file name: give a dest");
		return -EINVAL;
	}
	return 0;
}

int
tusk_fetch_start(struct tusk_fetch *f, const struct tusk_fetch_req *req,
		 uint64_t now, uint32_t *id, char *err, size_t errlen)
{
	char dest[TUSK_ROOT_PATH_MAX];
	struct tusk_http_url u;
	struct fetch_xfer *x;
	int ret, slot;

	ret = start_check(f, req, &u, dest, err, errlen);
	if (ret < 0)
		return ret;
	slot = xfer_by_dest(f, dest);
	if (slot >= 0 && active(f->xfers[slot])) {
		snprintf(err, errlen, "transfer %u is already fetching %s",
			 f->xfers[slot]->id, dest);
		return -EBUSY;
	}
	if (slot >= 0) {
		/* replaced: the new transfer resumes from its record */
		xfer_free(f->xfers[slot]);
		f->xfers[slot] = NULL;
	}
	slot = slot_find(f);
	if (slot < 0) {
		snprintf(err, errlen, "%u transfers are running",
			 TUSK_FETCH_TRANSFERS_MAX);
		return -ENOSPC;
	}
	x = xfer_alloc(f, req->streams ? req->streams :
		       TUSK_FETCH_STREAMS_DEFAULT);
	if (x != NULL && req->token != NULL && req->token[0] != '\0' &&
	    (x->token = strdup(req->token)) == NULL) {
		xfer_free(x);
		x = NULL;
	}
	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = xfer_names(x, dest);
	if (ret < 0) {
		snprintf(err, errlen, "dest \"%.200s\": %s", dest,
			 ret == -EINVAL ? "not a plain relative path under "
			 "the data root" : "too long");
		xfer_free(x);
		return -EINVAL;
	}
	/* before the transfer's first save: what a crash left of earlier
	 * saves of its record goes (a full queue leaves it to the next
	 * start-up sweep) */
	ret = tusk_fetch_disk_sweep(f->disk, x->record);
	if (ret < 0)
		FETCH_LOG(DEBUG, "%s: no sweep of its record's temporaries "
			  "now: %s\n", dest, strerror(-ret));
	if (req->extra != NULL && (x->extra = strdup(req->extra)) == NULL) {
		snprintf(err, errlen, "out of memory");
		xfer_free(x);
		return -ENOMEM;
	}
	x->retry_max = req->retry_max ? req->retry_max : f->conf.retry_max;
	x->id = ++f->next_id;
	x->u = u;
	x->direct = req->direct;
	x->dst = tusk_addr_v4(rte_cpu_to_be_32(req->addr ? req->addr :
						u.ipv4));
	snprintf(x->src.url, sizeof(x->src.url), "%s", req->url);
	x->vmode = req->verify;
	f->now = now;
	fetch_xfer_set_state(x, TUSK_FETCH_PROBING);
	x->started = now;
	x->retry_at = now;
	fetch_slot_set(f, slot, x);
	*id = x->id;
	/* the URL without its query: it may carry credentials (authz=) */
	FETCH_LOG(INFO, "%u: %.*s -> %s, %u streams%s\n", x->id,
		  (int)strcspn(req->url, "?"), req->url, dest, x->streams_max,
		  x->token != NULL ? ", with a bearer token" : "");
	return 0;
}

int
tusk_fetch_cancel(struct tusk_fetch *f, uint32_t id, bool discard,
		  uint64_t now)
{
	int slot = xfer_by_id(f, id);
	struct fetch_xfer *x;

	if (slot < 0)
		return -ENOENT;
	x = f->xfers[slot];
	if (x->state == TUSK_FETCH_DONE) {
		if (discard) {
			xfer_free(x);
			f->xfers[slot] = NULL;
		}
		return 0;
	}
	fetch_xfer_pause(x, TUSK_FETCH_CANCELLED, !discard, now);
	if (discard) {
		xfer_free(x);
		f->xfers[slot] = NULL;
	}
	return 0;
}

/* --------------------------------------------------------------- JSON */

static uint64_t xfer_bytes(const struct fetch_xfer *x);

struct tusk_tls_ctx *
tusk_fetch_tls(const struct tusk_fetch *f)
{
	return f->conf.tls;
}

int
tusk_fetch_progress(struct tusk_fetch *f, uint32_t id,
		    struct tusk_fetch_progress *p)
{
	int slot = xfer_by_id(f, id);
	const struct fetch_xfer *x;

	if (slot < 0)
		return -ENOENT;
	x = f->xfers[slot];
	memset(p, 0, sizeof(*p));
	p->state = x->state;
	p->bytes = xfer_bytes(x);
	p->size = x->src.size;
	/* a digest of the source that the bytes received are compared with */
	p->source_digest = (x->src_digests.have & x->algs) != 0;
	p->have_sha = x->have_sha &&
		      (x->got.have & TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256)) != 0;
	if (p->have_sha)
		memcpy(p->sha, x->got.v[TUSK_DIGEST_SHA256], sizeof(p->sha));
	snprintf(p->error, sizeof(p->error), "%s", x->error);
	return 0;
}

static uint64_t
xfer_bytes(const struct fetch_xfer *x)
{
	uint64_t b;
	uint32_t i;

	if (!x->have_sched)
		return x->state == TUSK_FETCH_DONE ? x->src.size :
						     x->bytes_claimed;
	b = tusk_fetch_sched_bytes_done(&x->sched);
	for (i = 0; i < x->streams_max; i++)
		b += fetch_stream_partial(&x->streams[i]);
	return b;
}

static json_t *
xfer_json(const struct fetch_xfer *x, uint64_t now)
{
	uint64_t bytes = xfer_bytes(x), end = active(x) ? now : x->finished;
	uint64_t elapsed = end - x->started, rate = x->rate;
	uint32_t i, streams = 0;
	json_t *o;

	/* finished: the average over the run */
	if (!active(x) && elapsed > 0)
		rate = x->bytes_fetched * FETCH_NS_PER_S / elapsed;

	for (i = 0; i < x->streams_max; i++)
		streams += x->streams[i].phase != STREAM_IDLE;
	o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:b,"
		      " s:i, s:I, s:I, s:i, s:f}",
		      "id", (json_int_t)x->id, "url", x->src.url,
		      "dest", x->dest,
		      "state", tusk_fetch_xstate_name(x->state),
		      "bytes", (json_int_t)bytes,
		      "size", (json_int_t)x->src.size,
		      "rate", (json_int_t)rate,
		      "streams", (int)streams,
		      "streams_max", (int)x->streams_max,
		      "ranges", x->ranges,
		      "retries", (int)x->retries,
		      "bytes_fetched", (json_int_t)x->bytes_fetched,
		      "bytes_verified", (json_int_t)x->bytes_verified,
		      "blocks_refetched", (int)x->blocks_refetched,
		      "elapsed_s", (double)elapsed / FETCH_NS_PER_S);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "direct", json_boolean(x->direct));
	json_object_set_new(o, "eta_s", x->rate > 0 && active(x) ?
			    json_integer((json_int_t)((x->src.size - bytes) /
						      x->rate)) : json_null());
	fetch_verify_json(x, o);
	json_object_set_new(o, "error", x->error[0] ? json_string(x->error) :
			    json_null());
	json_object_set_new(o, "note", x->note[0] ? json_string(x->note) :
			    json_null());
	json_object_set_new(o, "last_error", x->last_error[0] ?
			    json_string(x->last_error) : json_null());
	return o;
}

json_t *
tusk_fetch_xfer_json(struct tusk_fetch *f, uint32_t id, uint64_t now)
{
	int slot = xfer_by_id(f, id);

	return slot < 0 ? NULL : xfer_json(f->xfers[slot], now);
}

json_t *
tusk_fetch_list_json(struct tusk_fetch *f, uint64_t now)
{
	json_t *a = json_array();
	uint32_t id, next = 0;
	int i;

	/* in id order */
	while (a != NULL) {
		int best = -1;

		for (i = 0; i < TUSK_FETCH_TRANSFERS_MAX; i++) {
			id = f->xfers[i] ? f->xfers[i]->id : 0;
			if (id > next && (best < 0 || id < f->xfers[best]->id))
				best = i;
		}
		if (best < 0)
			break;
		next = f->xfers[best]->id;
		json_array_append_new(a, xfer_json(f->xfers[best], now));
	}
	return a;
}
