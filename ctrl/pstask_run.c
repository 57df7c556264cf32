/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_run: one run of a task, on a worker thread (worker.h), so that
 * the loop never waits on a test:
 *
 *   run() -> tuskd_test(): a connection of its own to tuskd's socket
 *              throughput: iperf3_client, then iperf3_result until done
 *                          (a busy tuskd is asked again while the run may
 *                          still start: another test holds it)
 *              latency, rtt: twamp (answers when the run is over)
 *         -> pstask_result.c: pScheduler's result shape
 *         -> pstask_archive(): the record pScheduler's archivers get
 *   done() on the loop: the journal (pstask.c)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "pstask_iso.h"
#include "pstask_priv.h"

/* tuskd answers a call from its lcore in milliseconds; `twamp` answers
 * when its run is over, so its call may take the run's length too. */
#define RUN_CALL_MS 10000
/* How often an iperf3 client test is asked whether it is over. */
#define RUN_POLL_MS 200
/* Beyond the run's own length: the handshake, results exchange and
 * tuskd's iperf3 timeout (40 s), or a TWAMP run's wait for late packets. */
#define RUN_SLACK_S 60.0
/* A busy tuskd (its one iperf3 test at a time runs) is asked again
 * this often. */
#define RUN_BUSY_RETRY_MS 1000

struct pstask_run {
	struct tusk_work w;
	enum pstask_type type;
	json_t *req, *task, *archives;
	double run_s, slip;
	char socket[PSTASK_PATH_MAX];
	pstask_run_done_fn done;
	struct pstask_run_out out;
};

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One call: 0 and *res, or -1 with tuskd's reason (or the link's). */
static int
call(struct tusk_ctl_client *c, json_t *req, json_t **res, char *err,
     size_t errlen)
{
	json_t *resp = tusk_ctl_client_call(c, req, err, errlen);
	const char *e;

	if (resp == NULL)
		return -1;
	if (!json_is_true(json_object_get(resp, TUSK_CTL_KEY_OK))) {
		e = json_string_value(json_object_get(resp, TUSK_CTL_KEY_ERROR));
		snprintf(err, errlen, "tuskd: %s", e ? e : "refused");
		json_decref(resp);
		return -1;
	}
	*res = json_incref(json_object_get(resp, TUSK_CTL_KEY_RESULT));
	json_decref(resp);
	return 0;
}

/* iperf3_client, again while tuskd is busy and the slip allows. */
static int
iperf3_start(struct pstask_run *r, struct tusk_ctl_client *c, json_int_t *id,
	     char *err, size_t errlen)
{
	double until = r->out.scheduled + r->slip;
	json_t *res = NULL;

	while (call(c, r->req, &res, err, errlen) < 0) {
		if (strstr(err, "a test runs") == NULL || wall() > until)
			return -1;
		sleep_ms(RUN_BUSY_RETRY_MS);
	}
	*id = json_integer_value(json_object_get(res, "id"));
	json_decref(res);
	return 0;
}

static json_t *
iperf3_once(struct pstask_run *r, struct tusk_ctl_client *c, char *err,
	    size_t errlen)
{
	json_t *poll, *res = NULL, *doc = NULL;
	double limit;
	json_int_t id;

	if (iperf3_start(r, c, &id, err, errlen) < 0)
		return NULL;
	r->out.start = wall();
	limit = r->out.start + r->run_s + RUN_SLACK_S;
	poll = json_pack("{s:s, s:I}", TUSK_CTL_KEY_CMD, "iperf3_result",
			 "id", id);
	while (doc == NULL && wall() < limit &&
	       call(c, poll, &res, err, errlen) == 0) {
		doc = json_incref(json_object_get(res, "result"));
		json_decref(res);
		if (doc == NULL)
			sleep_ms(RUN_POLL_MS);
	}
	json_decref(poll);
	if (doc == NULL && wall() >= limit)
		snprintf(err, errlen, "tuskd's iperf3 test did not end within "
			 "%.0f s", r->run_s + RUN_SLACK_S);
	return doc;
}

/* A far end busy with another client's test (iperf3's ACCESS_DENIED) is
 * tried again while the slip allows, as a busy tuskd is. */
static json_t *
iperf3_run(struct pstask_run *r, struct tusk_ctl_client *c, char *err,
	   size_t errlen)
{
	json_t *doc;

	while ((doc = iperf3_once(r, c, err, errlen)) != NULL) {
		const char *e = json_string_value(json_object_get(doc,
								  "error"));

		if (e == NULL || strstr(e, "ACCESS_DENIED") == NULL ||
		    wall() > r->out.scheduled + r->slip)
			break;
		json_decref(doc);
		sleep_ms(RUN_BUSY_RETRY_MS);
	}
	return doc;
}

/* The test through tuskd: pScheduler's result. */
static json_t *
tuskd_test(struct pstask_run *r)
{
	struct tusk_ctl_client c;
	char err[PSTASK_REASON_MAX] = "";
	json_t *got = NULL, *result;
	unsigned int ms = (unsigned int)fmin(RUN_CALL_MS + r->run_s * 1000 +
					     RUN_SLACK_S * 1000, 1e9);

	r->out.start = wall();
	if (tusk_ctl_client_connect(&c, r->socket, ms, err,
				    sizeof(err)) < 0)
		return pstask_result_failed(err, &r->out.fig);
	if (r->type == PS_THROUGHPUT)
		got = iperf3_run(r, &c, err, sizeof(err));
	else if (call(&c, r->req, &got, err, sizeof(err)) < 0)
		got = NULL;
	tusk_ctl_client_close(&c);
	if (got == NULL)
		return pstask_result_failed(err, &r->out.fig);
	result = r->type == PS_THROUGHPUT ?
		pstask_result_throughput(got, &r->out.fig) :
		pstask_result_twamp(got, r->type, &r->out.fig);
	json_decref(got);
	return result ? result : pstask_result_failed("out of memory",
						      &r->out.fig);
}

/* What pScheduler's archivers get (daemons/archiver raw record): the
 * run, its schedule, the test, the tool, the task, the result. */
static json_t *
record(struct pstask_run *r)
{
	char id[64], st[48], en[48], dur[48], sch[48];

	snprintf(id, sizeof(id), "%lld-%lld", (long long)r->out.task_id,
		 (long long)r->out.idx);
	tusk_iso_time_fmt(r->out.start, st, sizeof(st));
	tusk_iso_time_fmt(r->out.end, en, sizeof(en));
	tusk_iso_time_fmt(r->out.scheduled, sch, sizeof(sch));
	tusk_iso_duration_fmt(r->out.end - r->out.start, dur, sizeof(dur));
	return json_pack("{s:s, s:{s:s, s:s}, s:O, s:{s:s, s:s}, "
			 "s:{s:s, s:s, s:s, s:I}, s:{s:I, s:O}, s:[s], s:O, "
			 "s:O?}",
		"id", id, "schedule", "start", sch, "duration", dur,
		"test", json_object_get(r->task, "test"),
		"tool", "name", r->type == PS_THROUGHPUT ? "tuskd-iperf3" :
			"tuskd-twamp", "version", "1",
		"run", "id", id, "start-time", st, "end-time", en,
		"index", (json_int_t)r->out.idx,
		"task", "id", (json_int_t)r->out.task_id, "spec", r->task,
		"participants", "localhost",
		"result", r->out.result,
		"reference", json_object_get(r->task, "reference"));
}

static void
run(struct tusk_work *w)
{
	struct pstask_run *r = (struct pstask_run *)w;
	json_t *rec;

	r->out.result = tuskd_test(r);
	r->out.end = wall();
	if (json_array_size(r->archives) == 0)
		return;
	rec = record(r);
	r->out.archived = rec != NULL &&
		pstask_archive(r->archives, rec, r->out.archive_error,
			       sizeof(r->out.archive_error)) == 0;
	json_decref(rec);
}

static void
done(struct tusk_work *w)
{
	struct pstask_run *r = (struct pstask_run *)w;

	r->done(r);
}

struct pstask_run *
pstask_run_new(const struct pstask_spec *spec, int64_t task_id, int64_t idx,
	       double scheduled, const char *tuskd_socket,
	       pstask_run_done_fn fn, void *arg)
{
	struct pstask_run *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->w.run = run;
	r->w.done = done;
	r->type = spec->type;
	r->req = json_deep_copy(spec->req);
	r->task = json_deep_copy(spec->task);
	r->archives = json_incref(json_object_get(r->task, "archives"));
	r->run_s = spec->run_s;
	r->slip = spec->slip;
	snprintf(r->socket, sizeof(r->socket), "%s", tuskd_socket);
	r->done = fn;
	r->out.task_id = task_id;
	r->out.idx = idx;
	r->out.scheduled = scheduled;
	r->out.arg = arg;
	return r;
}

struct tusk_work *
pstask_run_work(struct pstask_run *r)
{
	return &r->w;
}

const struct pstask_run_out *
pstask_run_out(const struct pstask_run *r)
{
	return &r->out;
}

void
pstask_run_free(struct pstask_run *r)
{
	if (r == NULL)
		return;
	json_decref(r->req);
	json_decref(r->task);
	json_decref(r->archives);
	json_decref(r->out.result);
	free(r);
}
