/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask: the schedule (pstask.h). Slot k of a task is due at
 * start + k * repeat; it runs when due and nothing else runs (tuskd runs
 * one test at a time), or is recorded `missed` once it could no longer
 * start within the slip. A task is done after max-runs slots, past
 * until, or after its one slot without repeat.
 *
 *   tick() -> task_next() for each open task, oldest first
 *               -> missed / done / run_start() -> the worker (pstask_run.c)
 *   run_done() (loop) -> pstask_store_run_end(), the next slot
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pstask_priv.h"

struct ps_task {
	int64_t id;
	struct pstask_spec spec;
	int64_t next_idx;            /* the next slot */
};

struct tusk_pstask_sched {
	struct tusk_journal *j;
	struct tusk_worker *w;
	char socket[PSTASK_PATH_MAX];
	struct ps_task *tasks[TUSK_PSTASK_MAX];
	unsigned int n;
	struct pstask_run *running;  /* one at a time */
};

struct tusk_pstask_sched *
tusk_pstask_create(struct tusk_journal *j, struct tusk_worker *w,
		   const char *tuskd_socket)
{
	struct tusk_pstask_sched *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->j = j;
	s->w = w;
	snprintf(s->socket, sizeof(s->socket), "%s", tuskd_socket);
	return s;
}

static void
task_free(struct ps_task *t)
{
	pstask_spec_free(&t->spec);
	free(t);
}

void
tusk_pstask_destroy(struct tusk_pstask_sched *s)
{
	if (s == NULL)
		return;
	for (unsigned int i = 0; i < s->n; i++)
		task_free(s->tasks[i]);
	/* the worker is gone: a run it held never calls done() */
	pstask_run_free(s->running);
	free(s);
}

/* Follow a task (at submit or recovery). */
static int
task_add(struct tusk_pstask_sched *s, int64_t id, json_t *task, double start,
	 int64_t next_idx, char *err, size_t errlen)
{
	struct ps_task *t;

	if (s->n >= TUSK_PSTASK_MAX) {
		snprintf(err, errlen, "%u tasks are open already (at most)",
			 TUSK_PSTASK_MAX);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || pstask_spec_parse(task, start, &t->spec, err,
					   errlen) < 0) {
		free(t);
		return -1;
	}
	t->id = id;
	t->next_idx = next_idx;
	s->tasks[s->n++] = t;
	return 0;
}

static void
task_done(struct tusk_pstask_sched *s, unsigned int i, const char *reason)
{
	pstask_store_task_done(s->j, s->tasks[i]->id, reason);
	task_free(s->tasks[i]);
	memmove(&s->tasks[i], &s->tasks[i + 1],
		(s->n - i - 1) * sizeof(s->tasks[0]));
	s->n--;
}

static void
run_done(struct pstask_run *r)
{
	struct tusk_pstask_sched *s = pstask_run_out(r)->arg;

	pstask_store_run_end(s->j, pstask_run_out(r));
	pstask_run_free(r);
	s->running = NULL;
}

static void
run_start(struct tusk_pstask_sched *s, struct ps_task *t, double slot)
{
	struct pstask_run *r = pstask_run_new(&t->spec, t->id, t->next_idx,
					      slot, s->socket, run_done, s);

	if (r == NULL ||
	    pstask_store_run_begin(s->j, t->id, t->next_idx, "running",
				   slot) < 0) {
		pstask_run_free(r);
		return; /* tried again at the next tick */
	}
	t->next_idx++;
	s->running = r;
	tusk_worker_submit(s->w, pstask_run_work(r));
}

/* Why the task has no more slots, or NULL. */
static const char *
over(const struct ps_task *t, double slot)
{
	const struct pstask_spec *sp = &t->spec;

	if (sp->max_runs > 0 && t->next_idx >= sp->max_runs)
		return "max-runs reached";
	if (sp->repeat <= 0 && t->next_idx >= 1)
		return "its one run is over";
	if (sp->until > 0 && slot > sp->until)
		return "until passed";
	return NULL;
}

/* The next step of task i; true when it was removed. */
static bool
task_next(struct tusk_pstask_sched *s, unsigned int i, double now)
{
	struct ps_task *t = s->tasks[i];
	const struct pstask_spec *sp = &t->spec;

	for (;;) {
		double slot = sp->start + (double)t->next_idx * sp->repeat;
		const char *why = over(t, slot);

		if (why != NULL) {
			/* done once its last run is in the journal */
			if (s->running != NULL &&
			    pstask_run_out(s->running)->task_id == t->id)
				return false;
			task_done(s, i, why);
			return true;
		}
		if (now < slot)
			return false;
		if (now <= slot + sp->slip) {
			/* due; another run holds tuskd: wait within the slip */
			if (s->running == NULL)
				run_start(s, t, slot);
			return false;
		}
		/* could not start within the slip: pScheduler's "missed" */
		pstask_store_run_begin(s->j, t->id, t->next_idx, "missed", slot);
		t->next_idx++;
	}
}

void
tusk_pstask_tick(struct tusk_pstask_sched *s, double now)
{
	for (unsigned int i = 0; i < s->n;)
		if (!task_next(s, i, now))
			i++;
}

int
tusk_pstask_idle_ms(const struct tusk_pstask_sched *s)
{
	return s->n > 0 ? TUSK_PSTASK_TICK_MS : -1;
}

struct recover_ctx {
	struct tusk_pstask_sched *s;
	int failed;
};

static void
recover_one(void *arg, int64_t id, json_t *task, double start,
	    int64_t next_idx)
{
	struct recover_ctx *c = arg;
	char err[PSTASK_REASON_MAX];

	if (task_add(c->s, id, task, start, next_idx, err, sizeof(err)) < 0) {
		fprintf(stderr, "tusk-ctrld: task %lld: %s\n", (long long)id,
			err);
		c->failed++;
	}
}

int
tusk_pstask_recover(struct tusk_pstask_sched *s, double now, char *err,
		    size_t errlen)
{
	struct recover_ctx c = { .s = s };

	(void)now;
	if (pstask_store_open(s->j, recover_one, &c) < 0) {
		snprintf(err, errlen, "journal: the scheduled tests: %s",
			 tusk_journal_error(s->j));
		return -1;
	}
	return 0;
}

int
tusk_pstask_submit(struct tusk_pstask_sched *s, json_t *task, double now,
		   json_t **result, char *err, size_t errlen)
{
	struct pstask_spec spec;
	int64_t id;

	if (pstask_spec_parse(task, now, &spec, err, errlen) < 0)
		return -1;
	if (pstask_store_task(s->j, task, now, spec.start, &id) < 0) {
		snprintf(err, errlen, "journal: %s", tusk_journal_error(s->j));
		pstask_spec_free(&spec);
		return -1;
	}
	pstask_spec_free(&spec);
	if (task_add(s, id, task, now, 0, err, errlen) < 0) {
		pstask_store_task_done(s->j, id, err);
		return -1;
	}
	*result = pstask_store_task_get(s->j, id);
	return *result ? 0 : (snprintf(err, errlen, "out of memory"), -1);
}

int
tusk_pstask_list(struct tusk_pstask_sched *s, json_t **result, char *err,
		 size_t errlen)
{
	*result = pstask_store_tasks(s->j);
	return *result ? 0 : (snprintf(err, errlen, "out of memory"), -1);
}

int
tusk_pstask_show(struct tusk_pstask_sched *s, int64_t id, json_t **result,
		 char *err, size_t errlen)
{
	*result = pstask_store_task_get(s->j, id);
	if (*result == NULL)
		snprintf(err, errlen, "no task %lld", (long long)id);
	return *result ? 0 : -1;
}
