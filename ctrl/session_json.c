/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session_json: what `list` and `show` answer (README "tusk-ctrld": the
 * socket commands).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"

static json_t *
opt_str(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *
opt_int(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* The spec as `show` gives it: a source token is a credential, never
 * shown (it stays in the journal, which only tusk-ctrld reads). */
static json_t *
spec_shown(json_t *spec)
{
	json_t *o = json_copy(spec);

	if (o != NULL && json_object_get(o, "source_token") != NULL)
		json_object_set_new(o, "source_token",
				    json_string("(set, not shown)"));
	return o != NULL ? o : json_null();
}

static json_t *
file_json(const struct ctrld_file *f, bool active)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:i, s:b, s:i}",
			      "idx", f->j.idx, "name", f->j.name,
			      "url", f->j.url,
			      "state", tusk_file_state_name(f->j.state),
			      "attempts", (int)f->j.attempts,
			      "verified", f->j.verified,
			      "handed", (int)f->j.handed);
	int64_t bytes = f->j.state == TUSK_FILE_TRANSFERRING ? f->bytes :
			f->j.verified || f->j.state == TUSK_FILE_VERIFYING ?
			f->j.size : 0;

	json_object_set_new(o, "size", opt_int(f->j.size));
	json_object_set_new(o, "bytes", opt_int(bytes));
	json_object_set_new(o, "rate", opt_int(active ? f->rate : -1));
	json_object_set_new(o, "eta_s", opt_int(active ? f->eta_s : -1));
	json_object_set_new(o, "sha256", opt_str(f->j.sha256));
	json_object_set_new(o, "source_sha256", opt_str(f->j.source_sha256));
	json_object_set_new(o, "reason", opt_str(f->j.reason));
	if (f->j.state == TUSK_FILE_WAIT_FETCH ||
	    f->j.state == TUSK_FILE_WAIT_HANDOFF)
		json_object_set_new(o, "next_try", json_real(f->j.next_try));
	return o;
}

/* Totals: files by outcome, bytes over known sizes, the summed rate. */
static void
totals(json_t *o, const struct ctrld_session *s, bool active)
{
	int64_t size = 0, bytes = 0, rate = 0;
	unsigned int i, done = 0, failed = 0;
	bool size_known = s->nfiles > 0;

	for (i = 0; i < s->nfiles; i++) {
		const struct ctrld_file *f = &s->files[i];

		done += f->j.state == TUSK_FILE_DONE;
		failed += f->j.state == TUSK_FILE_FAILED;
		if (f->j.size < 0)
			size_known = false;
		else
			size += f->j.size;
		if (f->j.state == TUSK_FILE_TRANSFERRING && f->bytes > 0)
			bytes += f->bytes;
		else if (f->j.verified || f->j.state == TUSK_FILE_VERIFYING)
			bytes += f->j.size > 0 ? f->j.size : 0;
		if (active && f->j.state == TUSK_FILE_TRANSFERRING &&
		    f->rate > 0)
			rate += f->rate;
	}
	json_object_set_new(o, "files", json_integer(s->nfiles));
	json_object_set_new(o, "files_done", json_integer(done));
	json_object_set_new(o, "files_failed", json_integer(failed));
	json_object_set_new(o, "bytes", json_integer(bytes));
	json_object_set_new(o, "size", size_known ? json_integer(size) :
			    json_null());
	json_object_set_new(o, "rate", json_integer(rate));
	json_object_set_new(o, "eta_s", size_known && rate > 0 ?
			    json_integer((size - bytes) / rate) : json_null());
}

struct jobs_ctx {
	struct ctrld_session *s;
	json_t *a;
};

/* One analysis step's job, as journaled, with what its launcher says. */
static int
job_cb(void *arg, const struct tusk_jjob *job)
{
	struct jobs_ctx *j = arg;
	const struct tusk_spec_analysis *a;
	struct tusk_job_status st;
	char logs[1024] = "";
	json_t *o;

	if (job->step >= j->s->spec.nanalysis)
		return 0;
	a = &j->s->spec.analysis[job->step];
	o = json_pack("{s:i, s:s, s:s, s:s}", "step", (int)job->step,
		      "job_id", job->job_id, "launcher", a->launcher->name,
		      "state", job->state < 0 ? "launching" :
		      tusk_job_state_name(job->state));
	json_object_set_new(o, "exit_code", job->exit_code >= 0 ?
			    json_integer(job->exit_code) : json_null());
	json_object_set_new(o, "reason", opt_str(job->reason));
	if (a->launcher->ops->poll(a->launcher, job->job_id, &st) == 0)
		json_object_set_new(o, "runtime", json_string(st.runtime));
	if (a->launcher->ops->logs(a->launcher, job->job_id, logs,
				   sizeof(logs)) == 0)
		json_object_set_new(o, "log_tail", json_string(logs));
	json_object_set_new(o, "outputs", a->launcher->ops->outputs(
		a->launcher, job->job_id) ?: json_null());
	json_array_append_new(j->a, o);
	return 0;
}

/* Every step's job, oldest first (a retried step: its last job). */
static json_t *
jobs_json(struct tusk_ctrld *c, struct ctrld_session *s)
{
	struct jobs_ctx j = { .s = s, .a = json_array() };

	tusk_journal_jobs(c->journal, s->j.id, job_cb, &j);
	return j.a;
}

/* Where a session's wall time went, from its history: the session's
 * phases back to back, and the files' time per state summed over files
 * (they overlap: several move at once). */
struct timing {
	double t0, listed, files_end, end;
	double in_state[TUSK_FILE_NSTATES];
};

static int
file_state_of(const char *what)
{
	int i;

	for (i = 0; i < TUSK_FILE_NSTATES; i++)
		if (strcmp(what, tusk_file_state_name(i)) == 0)
			return i;
	return -1;
}

static void
timing_scan(json_t *hist, struct timing *t, unsigned int nfiles)
{
	size_t i;
	json_t *e;
	double *start = calloc(nfiles + 1, sizeof(double));
	int *state = calloc(nfiles + 1, sizeof(int));

	json_array_foreach(hist, i, e) {
		double at = json_real_value(json_object_get(e, "time"));
		json_int_t f = json_integer_value(json_object_get(e, "file"));
		const char *what = json_string_value(json_object_get(e, "what"));
		int st = what ? file_state_of(what) : -1;

		if (t->t0 == 0)
			t->t0 = at;
		t->end = at;
		if (f < 0 && what && strcmp(what, "listed") == 0)
			t->listed = at;
		if (f < 0 && what && strncmp(what, "files_", 6) == 0)
			t->files_end = at;
		if (f < 0 || (unsigned int)f >= nfiles || st < 0 ||
		    start == NULL || state == NULL)
			continue;
		if (start[f] > 0)
			t->in_state[state[f]] += at - start[f];
		start[f] = at;
		state[f] = st;
	}
	free(start);
	free(state);
}

static json_t *
timing_json(struct tusk_ctrld *c, struct ctrld_session *s, json_t *hist)
{
	struct timing t = { 0 };
	double files_from;

	timing_scan(hist, &t, s->nfiles);
	files_from = t.listed > 0 ? t.listed : t.t0;
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			 "total_s", t.end - t.t0,
			 "listing_s", t.listed > 0 ? t.listed - t.t0 : 0.0,
			 "files_s", t.files_end > 0 ? t.files_end - files_from :
			 t.end - files_from,
			 "analysis_s", t.files_end > 0 ? t.end - t.files_end : 0.0,
			 "transferring_s", t.in_state[TUSK_FILE_TRANSFERRING],
			 "verifying_s", t.in_state[TUSK_FILE_VERIFYING],
			 "handoff_s", t.in_state[TUSK_FILE_HANDOFF],
			 "waiting_s", t.in_state[TUSK_FILE_QUEUED] +
			 t.in_state[TUSK_FILE_WAIT_FETCH] +
			 t.in_state[TUSK_FILE_WAIT_HANDOFF]);
}

json_t *
session_json(struct tusk_ctrld *c, struct ctrld_session *s, bool files,
	     bool history)
{
	bool active = session_find(c, s->j.id) == s &&
		      !tusk_session_state_final(s->j.state);
	json_t *o = json_pack("{s:I, s:s, s:s, s:f, s:f}",
			      "id", (json_int_t)s->j.id, "name", s->j.name,
			      "state", tusk_session_state_name(s->j.state),
			      "created", s->j.created, "updated", s->j.updated);
	json_t *a;
	unsigned int i;

	json_object_set_new(o, "reason", opt_str(s->j.reason));
	json_object_set_new(o, "destination", json_string(
		s->spec.json ? s->spec.destination : ""));
	totals(o, s, active);
	if (active && !c->xfer->up && c->xfer->down_reason[0])
		json_object_set_new(o, "waiting", json_string(
			c->xfer->down_reason));
	if (files) {
		a = json_array();
		for (i = 0; i < s->nfiles; i++)
			json_array_append_new(a, file_json(&s->files[i],
							   active));
		json_object_set_new(o, "file_list", a);
		json_object_set_new(o, "analysis", s->spec.json ?
				    jobs_json(c, s) : json_array());
		json_object_set_new(o, "spec", s->spec.json ?
				    spec_shown(s->spec.json) : json_null());
	}
	if (files || history) {
		json_t *h = tusk_journal_history(c->journal, s->j.id) ?:
			    json_array();

		if (files)
			json_object_set_new(o, "timing", timing_json(c, s, h));
		if (history)
			json_object_set_new(o, "history", json_incref(h));
		json_decref(h);
	}
	return o;
}

struct list_ctx {
	struct tusk_ctrld *c;
	json_t *a;
};

static int
list_cb(void *arg, struct tusk_jsession *js)
{
	struct list_ctx *l = arg;
	struct ctrld_session *s = session_find(l->c, js->id);
	char err[TUSK_SPEC_ERR_MAX];
	bool loaded = s == NULL;

	(void)js;
	if (loaded)
		s = session_load(l->c, js->id, err, sizeof(err));
	if (s == NULL)
		return 0;
	json_array_append_new(l->a, session_json(l->c, s, false, false));
	if (loaded)
		session_free(s);
	return 0;
}

json_t *
tusk_ctrld_list(struct tusk_ctrld *c)
{
	struct list_ctx l = { .c = c, .a = json_array() };

	tusk_journal_sessions(c->journal, false, 0, list_cb, &l);
	return l.a;
}
