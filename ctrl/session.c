/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session: the model, its journal writes and the operator's commands.
 *
 *   tusk_ctrld_submit()  -> tusk_session_spec_parse() -> journal (one
 *                           transaction: session, files, history line)
 *   tusk_ctrld_recover() -> session_load() per open session
 *   session_event() / session_file_event() -> FSM step -> journal -> action
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"

void
session_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tusk-ctrld: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

struct tusk_ctrld *
tusk_ctrld_create(const struct tusk_ctrld_conf *conf,
		  struct tusk_journal *journal, struct tusk_xfer *xfer,
		  struct tusk_worker *worker)
{
	struct tusk_ctrld *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->conf = conf;
	c->journal = journal;
	c->xfer = xfer;
	c->worker = worker;
	return c;
}

void
session_free(struct ctrld_session *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].work != NULL)
			s->files[i].work->abandoned = true;
	if (s->listing != NULL)
		s->listing->abandoned = true;
	if (s->imaging != NULL)
		s->imaging->abandoned = true;
	tusk_session_spec_free(&s->spec);
	free(s->files);
	free(s);
}

void
tusk_ctrld_destroy(struct tusk_ctrld *c)
{
	unsigned int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsessions; i++)
		session_free(c->sessions[i]);
	free(c->sessions);
	free(c);
}

struct ctrld_session *
session_find(struct tusk_ctrld *c, int64_t id)
{
	unsigned int i;

	for (i = 0; i < c->nsessions; i++)
		if (c->sessions[i]->j.id == id)
			return c->sessions[i];
	return NULL;
}

static int
session_add(struct tusk_ctrld *c, struct ctrld_session *s)
{
	struct ctrld_session **n;

	if (c->nsessions == c->cap) {
		n = realloc(c->sessions, (c->cap ? c->cap * 2 : 16) *
			    sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		c->sessions = n;
		c->cap = c->cap ? c->cap * 2 : 16;
	}
	c->sessions[c->nsessions++] = s;
	return 0;
}

unsigned int
tusk_ctrld_open_sessions(const struct tusk_ctrld *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nsessions; i++)
		n += !tusk_session_state_final(c->sessions[i]->j.state);
	return n;
}

/* ------------------------------------------------------------ journal */

int
session_save(struct tusk_ctrld *c, struct ctrld_session *s)
{
	int rc = tusk_journal_session_put(c->journal, &s->j, c->now.real_s);

	if (rc < 0)
		session_log("journal: %s", tusk_journal_error(c->journal));
	return rc;
}

int
session_file_save(struct tusk_ctrld *c, struct ctrld_session *s,
		  struct ctrld_file *f)
{
	int rc = tusk_journal_file_put(c->journal, s->j.id, &f->j,
				       c->now.real_s);

	if (rc < 0)
		session_log("journal: %s", tusk_journal_error(c->journal));
	return rc;
}

void
session_note(struct tusk_ctrld *c, struct ctrld_session *s, int file,
	     const char *what, const char *text)
{
	if (tusk_journal_event(c->journal, s->j.id, file, what, text,
			       c->now.real_s) < 0)
		session_log("journal: %s", tusk_journal_error(c->journal));
}

static void
file_init(struct ctrld_session *s, struct ctrld_file *f, int idx,
	  const char *url, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->j.idx = idx;
	f->j.size = -1;
	f->bytes = f->rate = f->eta_s = -1;
	snprintf(f->j.url, sizeof(f->j.url), "%s", url);
	snprintf(f->j.name, sizeof(f->j.name), "%s", name);
	snprintf(f->dest, sizeof(f->dest), "%s/%s", s->spec.destination, name);
}

/* Names come from URLs: each must be a plain file name, once. */
static int
files_from(struct ctrld_session *s, json_t *urls, char *err, size_t errlen)
{
	char name[TUSK_JOURNAL_NAME_MAX];
	size_t i, k, n = json_array_size(urls);

	if (n == 0)
		return snprintf(err, errlen, "source: %.200s lists no files",
				s->spec.dir_url ? s->spec.dir_url : "?"), -ENOENT;
	if (n > TUSK_SPEC_FILES_MAX)
		return snprintf(err, errlen, "source: %zu files, at most %d",
				n, TUSK_SPEC_FILES_MAX), -E2BIG;
	s->files = calloc(n, sizeof(*s->files));
	if (s->files == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *u = json_string_value(json_array_get(urls, i));

		if (tusk_spec_url_name(u, name, sizeof(name)) < 0)
			return snprintf(err, errlen, "source: %.200s is not a "
					"plain file name", u), -EINVAL;
		for (k = 0; k < i; k++)
			if (strcmp(s->files[k].j.name, name) == 0)
				return snprintf(err, errlen, "source: %s "
						"listed twice", name), -EINVAL;
		file_init(s, &s->files[i], (int)i, u, name);
	}
	s->nfiles = (unsigned int)n;
	return 0;
}

int
session_set_files(struct tusk_ctrld *c, struct ctrld_session *s,
		  json_t *urls, char *err, size_t errlen)
{
	unsigned int i;
	int rc = files_from(s, urls, err, errlen);

	if (rc < 0) {
		free(s->files);
		s->files = NULL;
		s->nfiles = 0;
		return rc;
	}
	rc = tusk_journal_begin(c->journal);
	for (i = 0; i < s->nfiles && rc == 0; i++)
		rc = tusk_journal_file_put(c->journal, s->j.id, &s->files[i].j,
					   c->now.real_s);
	if (rc == 0)
		rc = tusk_journal_commit(c->journal);
	if (rc < 0) {
		snprintf(err, errlen, "journal: %s",
			 tusk_journal_error(c->journal));
		tusk_journal_rollback(c->journal);
	}
	return rc;
}

/* ------------------------------------------------------------ events */

bool
session_event(struct tusk_ctrld *c, struct ctrld_session *s,
	      enum tusk_session_event ev, const char *reason)
{
	struct tusk_fsm_step st = tusk_session_fsm(s->j.state, ev);
	char text[TUSK_JOURNAL_REASON_MAX + 64];
	unsigned int i;

	if (st.action == TUSK_SACT_NONE)
		return false;
	s->j.state = st.next;
	snprintf(s->j.reason, sizeof(s->j.reason), "%s", reason ? reason : "");
	snprintf(text, sizeof(text), "%s%s%s", tusk_session_state_name(st.next),
		 reason && reason[0] ? ": " : "", reason ? reason : "");
	if (session_save(c, s) < 0)
		return true; /* not durable: do not act; the tick retries */
	/* FINISHED is never left (no retry): the token is needed no more */
	if (st.next == TUSK_SESSION_FINISHED && s->spec.source_token != NULL &&
	    tusk_journal_session_forget_token(c->journal, s->j.id) < 0)
		session_log("journal: %s", tusk_journal_error(c->journal));
	session_note(c, s, -1, tusk_session_event_name(ev), text);
	c->busy = true;
	switch (st.action) {
	case TUSK_SACT_ANALYSE:
		s->job_submitted = false;
		run_analysis(c, s);
		break;
	case TUSK_SACT_CANCEL:
		for (i = 0; i < s->nfiles; i++)
			session_file_event(c, s, &s->files[i], TUSK_FEV_CANCEL,
				   "session canceled");
		run_cancel_job(c, s);
		break;
	case TUSK_SACT_REQUEUE:
		for (i = 0; i < s->nfiles; i++)
			session_file_event(c, s, &s->files[i],
					   TUSK_FEV_RETRY, NULL);
		break;
	default:
		break;
	}
	return true;
}

/* tuskd stops the file's fetch (keeping its part); known by id, or, after
 * a restart of either side, as the newest transfer of its dest. */
static void
cancel_fetch(struct tusk_ctrld *c, struct ctrld_file *f)
{
	const struct tusk_xfer_info *x = NULL;

	if (f->xfer_id != 0 && f->xfer_epoch == c->xfer->epoch)
		x = tusk_xfer_by_id(c->xfer, f->xfer_id);
	if (x == NULL)
		x = tusk_xfer_by_dest(c->xfer, f->dest);
	if (x != NULL && x->state == TUSK_XFER_ACTIVE)
		tusk_xfer_cancel(c->xfer, x->id);
	else if (f->xfer_id != 0 && f->xfer_epoch == c->xfer->epoch)
		tusk_xfer_cancel(c->xfer, f->xfer_id); /* not seen yet */
}

bool
session_file_event(struct tusk_ctrld *c, struct ctrld_session *s,
	   struct ctrld_file *f, enum tusk_file_event ev, const char *reason)
{
	struct tusk_fsm_step st = tusk_file_fsm(f->j.state, ev);
	int old = f->j.state;

	if (st.action == TUSK_FACT_NONE)
		return false;
	f->j.state = st.next;
	if (reason != NULL)
		snprintf(f->j.reason, sizeof(f->j.reason), "%s", reason);
	if (st.action == TUSK_FACT_REQUEUE) {
		f->j.attempts = 0;
		f->j.reason[0] = '\0';
	}
	if (session_file_save(c, s, f) < 0) {
		f->j.state = old; /* not durable: do not act */
		return false;
	}
	session_note(c, s, f->j.idx, tusk_file_state_name(st.next),
		     reason ? reason : "");
	c->busy = true;
	switch (st.action) {
	case TUSK_FACT_FETCH:
		f->xfer_id = 0;
		run_fetch(c, s, f);
		break;
	case TUSK_FACT_VERIFY:
		run_verify(c, s, f);
		break;
	case TUSK_FACT_HANDOFF:
		run_handoff(c, s, f);
		break;
	case TUSK_FACT_CANCEL_FETCH:
		cancel_fetch(c, f);
		break;
	default:
		break;
	}
	return true;
}

/* Backoff doubles per attempt from backoff_s, capped at backoff_max_s. */
void
session_file_fail(struct tusk_ctrld *c, struct ctrld_session *s,
		  struct ctrld_file *f, bool final, const char *reason)
{
	unsigned int n = f->j.attempts < 30 ? f->j.attempts : 30;
	double wait = (double)c->conf->backoff_s * (double)(1u << n);

	f->j.attempts++;
	if (wait > c->conf->backoff_max_s)
		wait = c->conf->backoff_max_s;
	f->j.next_try = c->now.real_s + wait;
	if (f->j.attempts > c->conf->retries)
		final = true;
	session_file_event(c, s, f, final ? TUSK_FEV_FAIL_FINAL : TUSK_FEV_FAIL,
		   reason);
}

/* ------------------------------------------------------------ loading */

struct load_ctx {
	struct tusk_ctrld *c;
	struct ctrld_session *s;
	char *err;
	size_t errlen;
	int rc;
};

static int
load_session_cb(void *arg, struct tusk_jsession *js)
{
	struct load_ctx *l = arg;
	struct ctrld_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->j = *js;
	s->j.spec = NULL;
	l->s = s;
	l->rc = tusk_session_spec_parse_text(js->spec, l->c->conf, &s->spec,
					     l->err, l->errlen);
	return 0;
}

static int
load_file_cb(void *arg, const struct tusk_jfile *jf)
{
	struct load_ctx *l = arg;
	struct ctrld_session *s = l->s;
	struct ctrld_file *n = realloc(s->files, (s->nfiles + 1) *
				       sizeof(*n));

	if (n == NULL)
		return -ENOMEM;
	s->files = n;
	file_init(s, &n[s->nfiles], jf->idx, jf->url, jf->name);
	n[s->nfiles++].j = *jf;
	return 0;
}

static int
load_job_cb(void *arg, const struct tusk_jjob *job)
{
	struct load_ctx *l = arg;

	if (job->step == l->s->j.step) {
		l->s->job = *job;
		l->s->job_known = true;
	}
	return 0;
}

struct ctrld_session *
session_load(struct tusk_ctrld *c, int64_t id, char *err, size_t errlen)
{
	struct load_ctx l = { .c = c, .err = err, .errlen = errlen };
	int rc;

	err[0] = '\0';
	rc = tusk_journal_session_get(c->journal, id, load_session_cb, &l);
	if (rc == 0 && l.s == NULL) {
		snprintf(err, errlen, "no session %lld", (long long)id);
		return NULL;
	}
	if (rc == 0)
		rc = tusk_journal_files(c->journal, id, load_file_cb, &l);
	if (rc == 0)
		rc = tusk_journal_jobs(c->journal, id, load_job_cb, &l);
	if (rc < 0 && err[0] == '\0')
		snprintf(err, errlen, "journal: %s",
			 tusk_journal_error(c->journal));
	if (rc < 0) {
		session_free(l.s);
		return NULL;
	}
	/* l.rc < 0: the spec no longer passes ctrld.conf (err says why);
	 * the caller decides */
	if (l.rc < 0)
		l.s->spec.json = NULL;
	return l.s;
}

struct recover_ctx {
	int64_t ids[64];
	unsigned int n;
	int64_t after;		/* resume the scan past this id */
};

static int
recover_id_cb(void *arg, struct tusk_jsession *js)
{
	struct recover_ctx *r = arg;

	if (js->id <= r->after)
		return 0;
	r->ids[r->n++] = js->id;
	return r->n == 64 ? 1 : 0; /* a batch at a time */
}

/* A session whose spec no longer passes ctrld.conf (a storage or launcher
 * removed) cannot go on: FAILED, with the reason. */
static void
recover_one(struct tusk_ctrld *c, int64_t id)
{
	char err[TUSK_SPEC_ERR_MAX];
	struct ctrld_session *s = session_load(c, id, err, sizeof(err));

	if (s == NULL) {
		session_log("session %lld: %s", (long long)id, err);
		return;
	}
	if (s->spec.json == NULL) {
		char why[TUSK_JOURNAL_REASON_MAX];

		snprintf(why, sizeof(why), "after restart: %.200s", err);
		s->j.state = TUSK_SESSION_FAILED;
		snprintf(s->j.reason, sizeof(s->j.reason), "%s", why);
		session_save(c, s);
		session_note(c, s, -1, "restart", why);
		session_free(s);
		return;
	}
	session_note(c, s, -1, "restart", tusk_session_state_name(s->j.state));
	if (session_add(c, s) < 0)
		session_free(s);
}

int
tusk_ctrld_recover(struct tusk_ctrld *c, const struct tusk_ctrld_clock *t,
		   char *err, size_t errlen)
{
	struct recover_ctx r = { .after = 0 };
	unsigned int i;
	int rc;

	c->now = *t;
	do {
		r.n = 0;
		rc = tusk_journal_sessions(c->journal, true, TUSK_SESSION_FINAL,
					   recover_id_cb, &r);
		if (rc < 0) {
			snprintf(err, errlen, "%s",
				 tusk_journal_error(c->journal));
			return rc;
		}
		for (i = 0; i < r.n; i++)
			recover_one(c, r.ids[i]);
		if (r.n > 0)
			r.after = r.ids[r.n - 1];
	} while (r.n == 64);
	c->busy = true;
	return 0;
}

/* Two open sessions fetching into one directory would fight over its
 * files (tuskd refuses a second fetch of a dest). */
static int
dest_taken(struct tusk_ctrld *c, const char *dest)
{
	unsigned int i;

	for (i = 0; i < c->nsessions; i++)
		if (!tusk_session_state_final(c->sessions[i]->j.state) &&
		    strcmp(c->sessions[i]->spec.destination, dest) == 0)
			return (int)i;
	return -1;
}

static int
submit_journal(struct tusk_ctrld *c, struct ctrld_session *s, const char *text)
{
	unsigned int i;
	int rc;

	rc = tusk_journal_begin(c->journal);
	if (rc == 0)
		rc = tusk_journal_session_add(c->journal, s->spec.name, text,
					      TUSK_SESSION_SUBMITTED,
					      c->now.real_s, &s->j.id);
	for (i = 0; i < s->nfiles && rc == 0; i++)
		rc = tusk_journal_file_put(c->journal, s->j.id, &s->files[i].j,
					   c->now.real_s);
	if (rc == 0)
		rc = tusk_journal_event(c->journal, s->j.id, -1, "submitted",
					"", c->now.real_s);
	if (rc == 0)
		rc = tusk_journal_commit(c->journal);
	if (rc < 0)
		tusk_journal_rollback(c->journal);
	return rc;
}

static struct ctrld_session *
submit_check(struct tusk_ctrld *c, json_t *spec, char *err, size_t errlen)
{
	struct ctrld_session *s;
	json_t *urls;
	int i;

	if (tusk_ctrld_open_sessions(c) >= c->conf->max_sessions) {
		snprintf(err, errlen, "%u sessions are open (max_sessions)",
			 c->conf->max_sessions);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL || tusk_session_spec_parse(spec, c->conf, &s->spec, err,
						 errlen) < 0) {
		free(s);
		return NULL;
	}
	i = dest_taken(c, s->spec.destination);
	if (i >= 0) {
		snprintf(err, errlen, "destination: session %lld is writing "
			 "into %s", (long long)c->sessions[i]->j.id,
			 s->spec.destination);
		session_free(s);
		return NULL;
	}
	if (s->spec.dir_url != NULL)
		return s; /* listed once it runs */
	urls = json_object_get(spec, "source");
	if (files_from(s, urls, err, errlen) < 0) {
		session_free(s);
		return NULL;
	}
	return s;
}

int
tusk_ctrld_submit(struct tusk_ctrld *c, json_t *spec,
		  const struct tusk_ctrld_clock *t, json_t **result,
		  char *err, size_t errlen)
{
	struct ctrld_session *s;
	char *text;
	int rc;

	c->now = *t;
	s = submit_check(c, spec, err, errlen);
	if (s == NULL)
		return -1;
	text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
	rc = text ? submit_journal(c, s, text) : -ENOMEM;
	free(text);
	if (rc < 0 || session_add(c, s) < 0) {
		snprintf(err, errlen, "journal: %s",
			 tusk_journal_error(c->journal));
		session_free(s);
		return -1;
	}
	s->j.state = TUSK_SESSION_SUBMITTED;
	s->j.created = s->j.updated = c->now.real_s;
	c->busy = true;
	*result = session_json(c, s, false, false);
	return 0;
}

/* The session in memory, or loaded from the journal (a final one). */
struct ctrld_session *
session_get(struct tusk_ctrld *c, int64_t id, bool *loaded, char *err,
	    size_t errlen)
{
	struct ctrld_session *s = session_find(c, id);

	*loaded = false;
	if (s != NULL)
		return s;
	s = session_load(c, id, err, errlen);
	*loaded = s != NULL;
	return s;
}

int
tusk_ctrld_cancel(struct tusk_ctrld *c, int64_t id,
		  const struct tusk_ctrld_clock *t, json_t **result,
		  char *err, size_t errlen)
{
	struct ctrld_session *s;
	bool loaded;

	c->now = *t;
	s = session_get(c, id, &loaded, err, errlen);
	if (s == NULL)
		return -1;
	if (!session_event(c, s, TUSK_SEV_CANCEL, "canceled by the operator")) {
		snprintf(err, errlen, "session %lld is %s already",
			 (long long)id, tusk_session_state_name(s->j.state));
		if (loaded)
			session_free(s);
		return -1;
	}
	*result = session_json(c, s, false, false);
	return 0;
}

static bool
all_files_done(const struct ctrld_session *s)
{
	unsigned int i;

	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].j.state != TUSK_FILE_DONE)
			return false;
	return s->nfiles > 0;
}

int
tusk_ctrld_retry(struct tusk_ctrld *c, int64_t id,
		 const struct tusk_ctrld_clock *t, json_t **result,
		 char *err, size_t errlen)
{
	struct ctrld_session *s;
	bool loaded, ok;

	c->now = *t;
	s = session_get(c, id, &loaded, err, errlen);
	if (s == NULL)
		return -1;
	if (loaded && s->spec.json == NULL) {
		session_free(s);
		return -1; /* err: the spec no longer passes ctrld.conf */
	}
	ok = all_files_done(s) && s->j.state == TUSK_SESSION_FAILED ?
	     session_event(c, s, TUSK_SEV_RETRY_ANALYSIS, "retried") :
	     session_event(c, s, TUSK_SEV_RETRY, "retried");
	if (!ok) {
		snprintf(err, errlen, "session %lld is %s: nothing to retry",
			 (long long)id, tusk_session_state_name(s->j.state));
		if (loaded)
			session_free(s);
		return -1;
	}
	if (loaded && session_add(c, s) < 0) {
		session_free(s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*result = session_json(c, s, false, false);
	return 0;
}

int
tusk_ctrld_show(struct tusk_ctrld *c, int64_t id, bool history,
		json_t **result, char *err, size_t errlen)
{
	struct ctrld_session *s;
	bool loaded;

	s = session_get(c, id, &loaded, err, errlen);
	if (s == NULL)
		return -1;
	*result = session_json(c, s, true, history);
	if (loaded)
		session_free(s);
	return 0;
}
