/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session_run: moving sessions on, one tick at a time.
 *
 *   tusk_ctrld_tick() -> tusk_xfer_refresh() -> run_session() per session
 *     SUBMITTED: list_start() (WebDAV) or LISTED
 *     ACTIVE:    file_tick() per file -> follow() (tuskd) / backoff
 *                -> files_settled() -> FILES_* event
 *     ANALYSING: job_tick() -> launcher poll -> JOB_* event
 *   tusk_ctrld_reap() -> work_done() -> verify_done() / handoff_done() /
 *                        list_done()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dav_list.h"
#include "file_digest.h"
#include "handoff_posix.h"
#include "handoff_swift.h"
#include "image_swift.h"
#include "source_swift.h"
#include "mkdirs.h"
#include "session_priv.h"

/* ------------------------------------------------------------ worker */

/* "a/b" into out (a may be out itself); paths past len are cut, and
 * then name nothing that exists (ctrld.conf paths are checked shorter). */
static void
path_join(char *out, size_t len, const char *a, const char *b)
{
	char tmp[TUSK_CTRLD_PATH_MAX * 2 + 2];
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s/%s", a, b);
	n = strlen(tmp) < len ? strlen(tmp) : len - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

static void work_done(struct tusk_work *w);
static void fetch_swift_done(struct tusk_ctrld *c, struct ctrld_session *s,
			     struct ctrld_file *f, struct session_work *w);
static void image_done(struct tusk_ctrld *c, struct ctrld_session *s,
		       struct session_work *w);

static struct session_work *
work_new(struct tusk_ctrld *c, struct ctrld_session *s, int idx,
	 enum work_kind kind, void (*run)(struct tusk_work *))
{
	struct session_work *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->w.run = run;
	w->w.done = work_done;
	w->kind = kind;
	w->c = c;
	w->sid = s->j.id;
	w->idx = idx;
	return w;
}

/* Digests as the policy asks (session_spec.h); runs on a worker. */
static void
verify_work(struct tusk_work *tw)
{
	struct session_work *w = (struct session_work *)tw;
	enum tusk_checksum_policy p = (enum tusk_checksum_policy)w->handed;
	bool target = p == TUSK_CHECKSUM_TARGET || p == TUSK_CHECKSUM_BOTH;
	bool source = p == TUSK_CHECKSUM_SOURCE || p == TUSK_CHECKSUM_BOTH;

	w->rc = tusk_file_sha256(w->path, w->sha256);
	if (w->rc < 0) {
		snprintf(w->why, sizeof(w->why), "verify: %.200s: %s", w->path,
			 strerror(-w->rc));
		return;
	}
	if (source && w->want_src[0] == '\0') {
		w->final = true; /* no retry makes the server send one */
		snprintf(w->why, sizeof(w->why), "checksum source: the server "
			 "sent no Repr-Digest");
	} else if (target && w->want_sha[0] == '\0') {
		snprintf(w->why, sizeof(w->why), "checksum target: tuskd "
			 "reported no sha256");
	} else if (target && strcmp(w->want_sha, w->sha256) != 0) {
		snprintf(w->why, sizeof(w->why), "checksum target: the file "
			 "reads sha256 %.16s..., tuskd computed %.16s...",
			 w->sha256, w->want_sha);
	} else if (source && strcmp(w->want_src, w->sha256) != 0) {
		snprintf(w->why, sizeof(w->why), "checksum source: the file "
			 "reads sha256 %.16s..., the server's digest is "
			 "%.16s...", w->sha256, w->want_src);
	} else {
		return;
	}
	w->rc = -EIO;
}

void
run_verify(struct tusk_ctrld *c, struct ctrld_session *s,
	   struct ctrld_file *f)
{
	struct session_work *w = work_new(c, s, f->j.idx, WORK_VERIFY,
					  verify_work);

	if (w == NULL) {
		session_file_fail(c, s, f, false, "out of memory");
		return;
	}
	path_join(w->path, sizeof(w->path), c->conf->data_root, f->dest);
	snprintf(w->want_sha, sizeof(w->want_sha), "%s", f->j.sha256);
	snprintf(w->want_src, sizeof(w->want_src), "%s", f->j.source_sha256);
	w->handed = s->spec.checksum; /* the policy, for verify_work */
	f->work = w;
	tusk_worker_submit(c->worker, &w->w);
}

struct handoff_work {
	struct session_work sw;
	unsigned int nsteps;
	struct tusk_handoff_req req[TUSK_SPEC_STEPS_MAX];
	struct tusk_handoff_swift_req swift[TUSK_SPEC_STEPS_MAX];
	char dirs[TUSK_SPEC_STEPS_MAX][TUSK_CTRLD_PATH_MAX];
	char objects[TUSK_SPEC_STEPS_MAX][TUSK_SPEC_OBJECT_MAX +
					  TUSK_JOURNAL_NAME_MAX];
	char name[TUSK_JOURNAL_NAME_MAX];
};

static void
handoff_work(struct tusk_work *tw)
{
	struct handoff_work *h = (struct handoff_work *)tw;
	struct session_work *w = &h->sw;

	for (; w->handed < h->nsteps; w->handed++) {
		unsigned int i = w->handed;

		w->rc = h->swift[i].storage != NULL ?
			tusk_handoff_swift(&h->swift[i], w->why,
					   sizeof(w->why), &w->final) :
			tusk_handoff_posix(&h->req[i], w->why,
					   sizeof(w->why), &w->final);
		if (w->rc < 0)
			return;
	}
}

/* Step i of a swift type: the object <prefix><name> in its container. */
static void
handoff_swift_req(struct tusk_ctrld *c, const struct ctrld_session *s,
		  struct handoff_work *h, unsigned int i)
{
	const struct tusk_spec_handoff *st = &s->spec.handoff[i];

	snprintf(h->objects[i], sizeof(h->objects[i]), "%s%s", st->prefix,
		 h->name);
	h->swift[i] = (struct tusk_handoff_swift_req){
		.storage = st->storage, .src = h->sw.path,
		.container = st->container, .object = h->objects[i],
		.overwrite = st->overwrite, .sha256 = h->sw.sha256,
		.journal = c->conf->journal, .sid = s->j.id,
		.file = h->sw.idx, .step = i };
}

/* Where step i puts a session's files: the storage dir, then the step's
 * path (default: the session's destination). */
static void
handoff_dir(const struct ctrld_session *s, unsigned int i, char *out,
	    size_t len)
{
	const struct tusk_spec_handoff *h = &s->spec.handoff[i];

	path_join(out, len, h->storage->path,
		  h->path[0] ? h->path : s->spec.destination);
}

void
run_handoff(struct tusk_ctrld *c, struct ctrld_session *s,
	    struct ctrld_file *f)
{
	struct handoff_work *h;
	unsigned int i;

	if (f->j.handed >= s->spec.nhandoff) {
		session_file_event(c, s, f, TUSK_FEV_HANDED_OFF, NULL);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		session_file_fail(c, s, f, false, "out of memory");
		return;
	}
	h->sw = (struct session_work){ .w = { .run = handoff_work,
					     .done = work_done },
				       .kind = WORK_HANDOFF, .c = c,
				       .sid = s->j.id, .idx = f->j.idx,
				       .handed = f->j.handed };
	path_join(h->sw.path, sizeof(h->sw.path), c->conf->data_root, f->dest);
	snprintf(h->name, sizeof(h->name), "%s", f->j.name);
	snprintf(h->sw.sha256, sizeof(h->sw.sha256), "%s", f->j.sha256);
	h->nsteps = s->spec.nhandoff;
	for (i = 0; i < h->nsteps; i++) {
		if (s->spec.handoff[i].storage->type == TUSK_STORAGE_SWIFT) {
			handoff_swift_req(c, s, h, i);
			continue;
		}
		handoff_dir(s, i, h->dirs[i], sizeof(h->dirs[i]));
		h->req[i] = (struct tusk_handoff_req){
			.src = h->sw.path, .dst_dir = h->dirs[i],
			.name = h->name, .mode = s->spec.handoff[i].mode,
			.overwrite = s->spec.handoff[i].overwrite,
			.sha256 = h->sw.sha256 };
	}
	f->work = &h->sw;
	tusk_worker_submit(c->worker, &h->sw.w);
}

static void
list_work(struct tusk_work *tw)
{
	struct session_work *w = (struct session_work *)tw;

	w->rc = tusk_dav_list(w->path, w->token, &w->listed, w->why,
			      sizeof(w->why));
}

/* A swift:// source's listing (source_swift.h). */
static void
list_swift_work(struct tusk_work *tw)
{
	struct session_work *w = (struct session_work *)tw;
	struct tusk_source_swift_url u;

	w->rc = tusk_source_swift_url(w->path, &u, w->why, sizeof(w->why));
	if (w->rc == 0)
		w->rc = tusk_source_swift_list(w->storage, &u, &w->listed,
					       w->why, sizeof(w->why));
}

static void
list_start(struct tusk_ctrld *c, struct ctrld_session *s)
{
	struct session_work *w = work_new(c, s, -1, WORK_LIST,
		s->spec.swift_src != NULL ? list_swift_work : list_work);

	if (w == NULL)
		return;
	w->storage = s->spec.swift_src;
	snprintf(w->path, sizeof(w->path), "%s", s->spec.dir_url);
	/* the listing carries the token the fetches carry (a copy: the
	 * worker may outlive the session) */
	if (s->spec.source_token != NULL &&
	    (w->token = strdup(s->spec.source_token)) == NULL) {
		free(w);
		return;
	}
	s->listing = w;
	tusk_worker_submit(c->worker, &w->w);
}

static void
list_done(struct tusk_ctrld *c, struct ctrld_session *s,
	  struct session_work *w)
{
	char err[TUSK_SPEC_ERR_MAX];

	s->listing = NULL;
	if (w->rc == -EAGAIN && s->list_attempts < c->conf->retries) {
		/* The source unreachable or failing (connection, 5xx): list
		 * again after the files' backoff (session.c
		 * session_file_fail). */
		unsigned int n = s->list_attempts < 30 ? s->list_attempts : 30;
		double wait = (double)c->conf->backoff_s * (double)(1u << n);

		if (wait > c->conf->backoff_max_s)
			wait = c->conf->backoff_max_s;
		s->list_attempts++;
		s->list_next_try = c->now.real_s + wait;
		session_log("session %lld: listing failed (%s), "
			  "try %u of %u in %.0f s", (long long)s->j.id,
			  w->why, s->list_attempts + 1, c->conf->retries + 1,
			  wait);
		c->busy = true;
		return;
	}
	if (w->rc < 0) {
		session_event(c, s, TUSK_SEV_LIST_FAILED, w->why);
		return;
	}
	if (session_set_files(c, s, w->listed, err, sizeof(err)) < 0) {
		session_event(c, s, TUSK_SEV_LIST_FAILED, err);
		return;
	}
	session_event(c, s, TUSK_SEV_LISTED, NULL);
}

static void
verify_done(struct tusk_ctrld *c, struct ctrld_session *s,
	    struct ctrld_file *f, struct session_work *w)
{
	if (w->rc < 0) {
		session_file_fail(c, s, f, w->final, w->why);
		return;
	}
	snprintf(f->j.sha256, sizeof(f->j.sha256), "%s", w->sha256);
	f->j.verified = true;
	session_file_event(c, s, f, TUSK_FEV_VERIFIED, NULL);
}

static void
handoff_done(struct tusk_ctrld *c, struct ctrld_session *s,
	     struct ctrld_file *f, struct session_work *w)
{
	f->j.handed = w->handed;
	if (w->rc < 0) {
		char why[TUSK_JOURNAL_REASON_MAX];

		snprintf(why, sizeof(why), "handoff[%u] to %.40s: %.180s",
			 w->handed, s->spec.handoff[w->handed].storage->name,
			 w->why);
		session_file_fail(c, s, f, w->final, why);
		return;
	}
	session_file_event(c, s, f, TUSK_FEV_HANDED_OFF, NULL);
}

static void
work_done(struct tusk_work *tw)
{
	struct session_work *w = (struct session_work *)tw;
	struct ctrld_session *s = w->abandoned ? NULL :
				  session_find(w->c, w->sid);
	struct ctrld_file *f = NULL;

	if (s != NULL && w->idx >= 0 && (unsigned int)w->idx < s->nfiles) {
		f = &s->files[w->idx];
		f->work = NULL;
	}
	if (s != NULL && w->kind == WORK_LIST)
		list_done(w->c, s, w);
	else if (s != NULL && w->kind == WORK_IMAGE)
		image_done(w->c, s, w);
	else if (f != NULL && w->kind == WORK_VERIFY &&
		 f->j.state == TUSK_FILE_VERIFYING)
		verify_done(w->c, s, f, w);
	else if (f != NULL && w->kind == WORK_HANDOFF &&
		 f->j.state == TUSK_FILE_HANDOFF)
		handoff_done(w->c, s, f, w);
	else if (f != NULL && w->kind == WORK_FETCH &&
		 f->j.state == TUSK_FILE_TRANSFERRING)
		fetch_swift_done(w->c, s, f, w);
	json_decref(w->listed);
	free(w->token);
	free(w);
}

void
tusk_ctrld_reap(struct tusk_ctrld *c)
{
	tusk_worker_reap(c->worker);
}

/* ------------------------------------------------------------ transfers */

/* tuskd writes into an existing directory only (its root is opened with
 * openat2 beneath, app/fileio/root.c): the session's is made here, on
 * the same file system. */
static int
dest_dir(struct tusk_ctrld *c, struct ctrld_session *s, char *err,
	 size_t errlen)
{
	char dir[TUSK_CTRLD_PATH_MAX];
	int rc;

	path_join(dir, sizeof(dir), c->conf->data_root, s->spec.destination);
	rc = tusk_mkdirs(dir, NULL, 0);
	if (rc < 0)
		snprintf(err, errlen, "%.200s: %s", dir, strerror(-rc));
	return rc;
}

/* A swift:// file: ranged GETs on a worker (source_swift.h). */
static void
fetch_swift_work(struct tusk_work *tw)
{
	struct session_work *w = (struct session_work *)tw;
	struct tusk_source_swift_url u;

	w->rc = tusk_source_swift_url(w->url, &u, w->why, sizeof(w->why));
	w->final = w->rc < 0;
	if (w->rc == 0)
		w->rc = tusk_source_swift_get(w->storage, &u, w->path,
					      &w->size, w->sha256, w->why,
					      sizeof(w->why), &w->final);
}

static void
fetch_swift(struct tusk_ctrld *c, struct ctrld_session *s,
	    struct ctrld_file *f)
{
	struct session_work *w = work_new(c, s, f->j.idx, WORK_FETCH,
					  fetch_swift_work);

	if (w == NULL) {
		session_file_fail(c, s, f, false, "out of memory");
		return;
	}
	w->storage = s->spec.swift_src;
	snprintf(w->url, sizeof(w->url), "%s", f->j.url);
	path_join(w->path, sizeof(w->path), c->conf->data_root, f->dest);
	f->bytes = 0;
	f->rate = -1;
	f->work = w;
	tusk_worker_submit(c->worker, &w->w);
}

/* The object is in the data root: verified next against the SHA-256 it
 * carried (it stands for the digest tuskd computes on arrival, and for
 * the source's). */
static void
fetch_swift_done(struct tusk_ctrld *c, struct ctrld_session *s,
		 struct ctrld_file *f, struct session_work *w)
{
	if (w->rc < 0) {
		session_file_fail(c, s, f, w->final, w->why);
		return;
	}
	f->j.size = w->size;
	f->bytes = w->size;
	snprintf(f->j.sha256, sizeof(f->j.sha256), "%s", w->sha256);
	snprintf(f->j.source_sha256, sizeof(f->j.source_sha256), "%s",
		 w->sha256);
	session_file_event(c, s, f, TUSK_FEV_FETCHED, NULL);
}

/* Ask tuskd; a refusal because the dest is being fetched already is
 * found by dest on the next refresh (adopted), tuskd down waits. A
 * swift:// source is read by ctrld itself. */
void
run_fetch(struct tusk_ctrld *c, struct ctrld_session *s, struct ctrld_file *f)
{
	char err[TUSK_JOURNAL_REASON_MAX];
	uint32_t id = 0;
	int rc;

	if (s->spec.swift_src != NULL) {
		if (f->work == NULL && dest_dir(c, s, err, sizeof(err)) < 0)
			session_file_fail(c, s, f, false, err);
		else if (f->work == NULL)
			fetch_swift(c, s, f);
		return;
	}
	if (!c->xfer->up)
		return; /* TRANSFERRING, no id: issued once tuskd is back */
	if (dest_dir(c, s, err, sizeof(err)) < 0) {
		session_file_fail(c, s, f, false, err);
		return;
	}
	rc = tusk_xfer_start(c->xfer, f->j.url, f->dest, s->spec.streams,
			     s->spec.source_token, &id, err, sizeof(err));
	if (rc == 0) {
		f->xfer_id = id;
		f->xfer_epoch = c->xfer->epoch;
		return;
	}
	if (rc == -ENOTCONN || strstr(err, "already fetching") != NULL)
		return;
	session_file_fail(c, s, f, false, err);
}

static void
progress(struct ctrld_file *f, const struct tusk_xfer_info *x)
{
	f->bytes = x->bytes;
	f->rate = x->rate;
	f->eta_s = x->eta_s;
	if (x->size >= 0)
		f->j.size = x->size;
}

static void
fetched(struct tusk_ctrld *c, struct ctrld_session *s, struct ctrld_file *f,
	const struct tusk_xfer_info *x)
{
	progress(f, x);
	f->rate = -1;
	snprintf(f->j.sha256, sizeof(f->j.sha256), "%s", x->sha256);
	snprintf(f->j.source_sha256, sizeof(f->j.source_sha256), "%s",
		 x->source_sha256);
	session_file_event(c, s, f, TUSK_FEV_FETCHED, NULL);
}

/* A TRANSFERRING file against tuskd's view. Without a known id (a fresh
 * start, a restart of either process) the newest transfer of the dest
 * is taken over; nothing there, or a stopped one, is fetched (again:
 * tuskd resumes from its record). */
static void
follow(struct tusk_ctrld *c, struct ctrld_session *s, struct ctrld_file *f)
{
	const struct tusk_xfer_info *x = NULL;

	if (f->xfer_id != 0 && f->xfer_epoch == c->xfer->epoch)
		x = tusk_xfer_by_id(c->xfer, f->xfer_id);
	if (x == NULL) {
		f->xfer_id = 0;
		x = tusk_xfer_by_dest(c->xfer, f->dest);
		if (x != NULL && x->state != TUSK_XFER_STOPPED) {
			f->xfer_id = x->id;
			f->xfer_epoch = c->xfer->epoch;
		}
	}
	if (x == NULL || x->state == TUSK_XFER_STOPPED) {
		run_fetch(c, s, f);
		return;
	}
	switch (x->state) {
	case TUSK_XFER_ACTIVE:
		progress(f, x);
		break;
	case TUSK_XFER_DONE:
		fetched(c, s, f, x);
		break;
	default:
		f->bytes = f->rate = -1;
		session_file_fail(c, s, f, false, x->error[0] ? x->error :
			  "tuskd: the fetch failed");
	}
}

static unsigned int
transfers_running(const struct tusk_ctrld *c)
{
	unsigned int i, k, n = 0;

	for (i = 0; i < c->nsessions; i++)
		for (k = 0; k < c->sessions[i]->nfiles; k++)
			n += c->sessions[i]->files[k].j.state ==
			     TUSK_FILE_TRANSFERRING;
	return n;
}

/* Restarted into a state whose work died with the old process. */
static void
resume_work(struct tusk_ctrld *c, struct ctrld_session *s,
	    struct ctrld_file *f)
{
	if (f->work != NULL)
		return;
	if (f->j.state == TUSK_FILE_VERIFYING)
		run_verify(c, s, f);
	else if (f->j.state == TUSK_FILE_HANDOFF)
		run_handoff(c, s, f);
}

static void
file_tick(struct tusk_ctrld *c, struct ctrld_session *s, struct ctrld_file *f,
	  unsigned int *slots)
{
	bool swift = s->spec.swift_src != NULL;

	switch (f->j.state) {
	case TUSK_FILE_QUEUED:
		if (f->j.verified)
			session_file_event(c, s, f, TUSK_FEV_START_VERIFIED,
					   NULL);
		else if (*slots > 0 && (c->xfer->up || swift) &&
			 session_file_event(c, s, f, TUSK_FEV_START, NULL))
			(*slots)--;
		break;
	case TUSK_FILE_TRANSFERRING:
		if (swift)
			run_fetch(c, s, f); /* a GET lost with a restart */
		else if (c->xfer->up)
			follow(c, s, f);
		break;
	case TUSK_FILE_WAIT_FETCH:
	case TUSK_FILE_WAIT_HANDOFF:
		if (c->now.real_s >= f->j.next_try)
			session_file_event(c, s, f, TUSK_FEV_BACKOFF_OVER,
					   NULL);
		break;
	case TUSK_FILE_VERIFYING:
	case TUSK_FILE_HANDOFF:
		resume_work(c, s, f);
		break;
	default:
		break;
	}
}

/* Every file final: which event ends ACTIVE. */
static void
files_settled(struct tusk_ctrld *c, struct ctrld_session *s)
{
	char why[TUSK_JOURNAL_REASON_MAX];
	unsigned int i, done = 0, first = s->nfiles;

	for (i = 0; i < s->nfiles; i++) {
		if (!tusk_file_state_final(s->files[i].j.state))
			return;
		if (s->files[i].j.state == TUSK_FILE_DONE)
			done++;
		else if (first == s->nfiles)
			first = i;
	}
	if (done == s->nfiles) {
		session_event(c, s, s->spec.nanalysis > 0 ?
			      TUSK_SEV_FILES_DONE_ANALYSE :
			      TUSK_SEV_FILES_DONE, NULL);
		return;
	}
	snprintf(why, sizeof(why), "%u of %u files failed; %.64s: %.150s",
		 s->nfiles - done, s->nfiles, s->files[first].j.name,
		 s->files[first].j.reason);
	session_event(c, s, done > 0 ? TUSK_SEV_FILES_SOME_FAILED :
		      TUSK_SEV_FILES_ALL_FAILED, why);
}

/* ------------------------------------------------------------ analysis */

/* Where the analysis reads: the last hand-off's directory, or the
 * session's directory in the data root. */
void
session_data_dir(const struct tusk_ctrld *c, const struct ctrld_session *s,
		 char *out, size_t len)
{
	unsigned int i = s->spec.nhandoff;

	/* the last posix step's directory; a swift step leaves the data
	 * root's copy where it is, and a job reads files, not objects */
	while (i > 0 && s->spec.handoff[i - 1].storage->type != TUSK_STORAGE_POSIX)
		i--;
	if (i > 0)
		handoff_dir(s, i - 1, out, len);
	else
		path_join(out, len, c->conf->data_root, s->spec.destination);
}

/* "<session>-<step>", and ".<n>" for the n-th retry of the step: a retry
 * is a new job (the launcher finds the old one by its id, finished). */
static void
job_id(struct ctrld_session *s, char *out, size_t len)
{
	const char *dot;
	unsigned int n = 0;

	if (s->job_known && s->job.step == s->j.step &&
	    tusk_job_state_final(s->job.state) &&
	    s->job.state != TUSK_JOB_SUCCEEDED) {
		dot = strchr(s->job.job_id, '.');
		n = dot ? (unsigned int)atoi(dot + 1) + 1 : 1;
	}
	if (n == 0)
		snprintf(out, len, "%lld-%u", (long long)s->j.id, s->j.step);
	else
		snprintf(out, len, "%lld-%u.%u", (long long)s->j.id, s->j.step,
			 n);
}

static void
job_failed(struct tusk_ctrld *c, struct ctrld_session *s, const char *what)
{
	char why[TUSK_JOURNAL_REASON_MAX];

	snprintf(why, sizeof(why), "analysis[%u] (job %.64s): %.150s", s->j.step,
		 s->job.job_id, what);
	session_event(c, s, TUSK_SEV_JOB_FAILED, why);
}

static int
job_submit(struct tusk_ctrld *c, struct ctrld_session *s, char *err,
	   size_t errlen)
{
	const struct tusk_spec_analysis *a = &s->spec.analysis[s->j.step];
	char data[TUSK_CTRLD_PATH_MAX], out[TUSK_CTRLD_PATH_MAX];
	struct tusk_job_spec js = {
		.id = s->job.job_id, .kind = a->kind, .argv = a->argv,
		.notebook = a->notebook, .params = a->params,
		.image = a->image_swift != NULL ? s->image_dir : a->image,
		.data_dir = data, .out_dir = out,
		.env = (const char *const *)a->env, .network = a->network,
		.mem_bytes = a->mem_bytes, .cpus = a->cpus,
		.timeout_s = a->timeout_s,
	};
	int rc;

	session_data_dir(c, s, data, sizeof(data));
	path_join(out, sizeof(out), c->conf->state_dir, "outputs");
	path_join(out, sizeof(out), out, s->job.job_id);
	rc = tusk_mkdirs(out, NULL, 0);
	if (rc < 0) {
		snprintf(err, errlen, "%.200s: %s", out, strerror(-rc));
		return rc;
	}
	return a->launcher->ops->submit(a->launcher, &js, err, errlen);
}

static void
image_work(struct tusk_work *tw)
{
	struct session_work *w = (struct session_work *)tw;
	char images[sizeof(w->path)];

	snprintf(images, sizeof(images), "%s", w->path);
	w->rc = tusk_image_swift(w->storage, w->url, images, w->path,
				 sizeof(w->path), &w->cached, w->why,
				 sizeof(w->why));
}

/* The step's image is a directory already, or a swift:// one made a
 * directory by now; else its fetch is started (or still runs): false. */
static bool
image_ready(struct tusk_ctrld *c, struct ctrld_session *s)
{
	const struct tusk_spec_analysis *a = &s->spec.analysis[s->j.step];
	struct session_work *w;

	if (a->image_swift == NULL ||
	    (s->image_ready && s->image_step == s->j.step))
		return true;
	if (s->imaging != NULL)
		return false;
	w = work_new(c, s, -1, WORK_IMAGE, image_work);
	if (w == NULL)
		return false;
	w->storage = a->image_swift;
	snprintf(w->url, sizeof(w->url), "%s", a->image);
	path_join(w->path, sizeof(w->path), c->conf->state_dir, "images");
	s->imaging = w;
	s->image_ready = false;
	tusk_worker_submit(c->worker, &w->w);
	return false;
}

static void
image_done(struct tusk_ctrld *c, struct ctrld_session *s,
	   struct session_work *w)
{
	char why[TUSK_JOURNAL_REASON_MAX];

	s->imaging = NULL;
	if (s->j.state != TUSK_SESSION_ANALYSING)
		return;
	if (w->rc < 0) {
		snprintf(why, sizeof(why), "image %.80s: %.150s",
			 s->spec.analysis[s->j.step].image, w->why);
		s->job.state = TUSK_JOB_FAILED;
		snprintf(s->job.reason, sizeof(s->job.reason), "%s", why);
		tusk_journal_job_put(c->journal, s->j.id, &s->job);
		job_failed(c, s, why);
		return;
	}
	snprintf(s->image_dir, sizeof(s->image_dir), "%s", w->path);
	s->image_ready = true;
	s->image_step = s->j.step;
	session_note(c, s, -1, w->cached ? "image cached" : "image fetched",
		     w->path);
	run_analysis(c, s);
}

/* The job's id is journaled before submit (launch.h's restart rule); a
 * submit after a restart finds the job the old process started. */
void
run_analysis(struct tusk_ctrld *c, struct ctrld_session *s)
{
	char err[TUSK_JOB_REASON_MAX] = "";

	if (s->j.state != TUSK_SESSION_ANALYSING || s->job_submitted)
		return;
	if (!s->job_known || s->job.step != s->j.step ||
	    tusk_job_state_final(s->job.state)) {
		struct tusk_jjob job = { .step = s->j.step, .state = -1,
					 .exit_code = -1 };

		job_id(s, job.job_id, sizeof(job.job_id));
		if (tusk_journal_job_put(c->journal, s->j.id, &job) < 0)
			return; /* not durable: try again next tick */
		s->job = job;
		s->job_known = true;
		session_note(c, s, -1, "launch", job.job_id);
	}
	if (!image_ready(c, s))
		return; /* fetched first; run_analysis again when ready */
	s->job_submitted = true;
	if (job_submit(c, s, err, sizeof(err)) < 0) {
		s->job.state = TUSK_JOB_FAILED;
		snprintf(s->job.reason, sizeof(s->job.reason), "%s", err);
		tusk_journal_job_put(c->journal, s->j.id, &s->job);
		job_failed(c, s, err);
	}
}

void
run_cancel_job(struct tusk_ctrld *c, struct ctrld_session *s)
{
	struct tusk_launcher *l;

	if (!s->job_known || tusk_job_state_final(s->job.state) ||
	    s->job.step >= s->spec.nanalysis)
		return;
	l = s->spec.analysis[s->job.step].launcher;
	l->ops->cancel(l, s->job.job_id);
	s->job.state = TUSK_JOB_CANCELLED;
	tusk_journal_job_put(c->journal, s->j.id, &s->job);
}

static void
job_tick(struct tusk_ctrld *c, struct ctrld_session *s)
{
	struct tusk_launcher *l = s->spec.analysis[s->j.step].launcher;
	struct tusk_job_status st;
	int rc;

	if (!s->job_submitted) {
		run_analysis(c, s);
		return;
	}
	if (c->now.mono_ms - s->job_poll_ms < SESSION_JOB_POLL_MS)
		return;
	s->job_poll_ms = c->now.mono_ms;
	rc = l->ops->poll(l, s->job.job_id, &st);
	if (rc < 0) {
		job_failed(c, s, rc == -ENOENT ? "the launcher does not know "
			   "the job" : strerror(-rc));
		return;
	}
	if (!tusk_job_state_final(st.state))
		return;
	s->job.state = st.state;
	s->job.exit_code = st.exit_code;
	snprintf(s->job.reason, sizeof(s->job.reason), "%s", st.reason);
	if (tusk_journal_job_put(c->journal, s->j.id, &s->job) < 0)
		return;
	if (st.state != TUSK_JOB_SUCCEEDED) {
		job_failed(c, s, st.reason[0] ? st.reason :
			   tusk_job_state_name(st.state));
		return;
	}
	s->j.step++;
	s->job_submitted = false;
	session_event(c, s, s->j.step < s->spec.nanalysis ?
		      TUSK_SEV_JOB_OK_MORE : TUSK_SEV_JOB_OK_LAST, NULL);
}

/* ------------------------------------------------------------ the tick */

void
run_session(struct tusk_ctrld *c, struct ctrld_session *s)
{
	unsigned int i, slots, running;

	switch (s->j.state) {
	case TUSK_SESSION_SUBMITTED:
		if (s->nfiles > 0)
			session_event(c, s, TUSK_SEV_LISTED, NULL);
		else if (s->listing == NULL &&
			 c->now.real_s >= s->list_next_try)
			list_start(c, s);
		break;
	case TUSK_SESSION_ACTIVE:
		running = transfers_running(c);
		slots = running < c->conf->max_transfers ?
			c->conf->max_transfers - running : 0;
		for (i = 0; i < s->nfiles; i++)
			file_tick(c, s, &s->files[i], &slots);
		files_settled(c, s);
		break;
	case TUSK_SESSION_ANALYSING:
		job_tick(c, s);
		break;
	default:
		break;
	}
}

static bool
session_idle(const struct ctrld_session *s)
{
	unsigned int i;

	if (s->listing != NULL || s->imaging != NULL)
		return false;
	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].work != NULL)
			return false;
	return true;
}

/* Final sessions leave memory once no work refers to them (show reads
 * them from the journal). */
static void
drop_finished(struct tusk_ctrld *c)
{
	unsigned int i = 0;

	while (i < c->nsessions) {
		struct ctrld_session *s = c->sessions[i];

		if (tusk_session_state_final(s->j.state) && session_idle(s)) {
			memmove(&c->sessions[i], &c->sessions[i + 1],
				(c->nsessions - i - 1) * sizeof(s));
			c->nsessions--;
			session_free(s);
			continue;
		}
		i++;
	}
}

void
tusk_ctrld_tick(struct tusk_ctrld *c, const struct tusk_ctrld_clock *t)
{
	unsigned int i;

	c->now = *t;
	c->busy = false;
	if (transfers_running(c) > 0 || tusk_ctrld_open_sessions(c) > 0)
		tusk_xfer_refresh(c->xfer, t->mono_ms);
	/* oldest first: sessions are served in submission order */
	for (i = 0; i < c->nsessions; i++)
		run_session(c, c->sessions[i]);
	drop_finished(c);
}

int
tusk_ctrld_idle_ms(const struct tusk_ctrld *c)
{
	if (c->busy)
		return 0;
	return tusk_ctrld_open_sessions(c) > 0 ? SESSION_TICK_MS : 1000;
}
