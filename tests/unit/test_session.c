/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions on a real journal and worker, with the recording launcher:
 *  - the analysis restart rule: the job id is journaled before submit; a
 *    new tusk-ctrld on the same journal (a restart) submits the same id
 *    again and the launcher finds the job: one job started, not two;
 *  - a failed job fails the session; retry runs the step as a new job;
 *  - cancel while analysing cancels the job;
 *  - submit refuses a spec naming its field, a destination in use, and
 *    sessions past max_sessions; files wait while tuskd is unreachable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scratch_dir.h"

#include "rec_launcher.h"
#include "session.h"
#include "session_fsm.h"

static char dir[] = "/tmp/tusk-session-XXXXXX";
static struct tusk_ctrld_conf conf;
static struct tusk_journal *journal;
static struct tusk_xfer *xfer;
static struct tusk_worker *worker;
static struct tusk_ctrld_clock now = { .mono_ms = 1000, .real_s = 1e9 };

static int
setup(void **state)
{
	char text[1024], err[512], path[128];
	static int seq;

	snprintf(text, sizeof(text),
		 "[ctrld]\ntuskd_socket = %s/no-tuskd.sock\n"
		 "data_root = %s\nstate_dir = %s/state\nmax_sessions = 3\n"
		 "[storage archive]\npath = %s/store\n"
		 "[launcher local]\ntype = rec\n", dir, dir, dir, dir);
	if (tusk_ctrld_conf_parse("ctrld.conf", text, &conf, &rec_factory,
				  err, sizeof(err)) < 0)
		fail_msg("%s", err);
	snprintf(path, sizeof(path), "%s/j%d.db", dir, ++seq);
	assert_int_equal(tusk_journal_open(path, &journal, err, sizeof(err)),
			 0);
	xfer = tusk_xfer_tuskd_create(conf.tuskd_socket);
	worker = tusk_worker_create();
	return xfer == NULL || worker == NULL;
}

static int
teardown(void **state)
{
	tusk_worker_destroy(worker);
	tusk_xfer_destroy(xfer);
	tusk_journal_close(journal);
	tusk_ctrld_conf_free(&conf);
	return 0;
}

static struct tusk_ctrld *
start(void)
{
	struct tusk_ctrld *c = tusk_ctrld_create(&conf, journal, xfer,
						 worker);
	char err[256];

	assert_non_null(c);
	assert_int_equal(tusk_ctrld_recover(c, &now, err, sizeof(err)), 0);
	return c;
}

static void
tick(struct tusk_ctrld *c, unsigned int n)
{
	while (n-- > 0) {
		now.mono_ms += 1000;
		now.real_s += 1;
		tusk_ctrld_tick(c, &now);
	}
}

static const char *
state_of(struct tusk_ctrld *c, int64_t id)
{
	static char st[32];
	json_t *r = NULL;
	char err[256];

	assert_int_equal(tusk_ctrld_show(c, id, false, &r, err, sizeof(err)),
			 0);
	snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(r,
		 "state")));
	json_decref(r);
	return st;
}

/* A session whose files are all DONE, in ANALYSING, as the journal of a
 * tusk-ctrld that was killed there would hold it. */
static int64_t
analysing_session(void)
{
	const char *spec = "{\"source\": [\"http://h/a.h5\"], \"destination\":"
		" \"run\", \"analysis\": [{\"launcher\": \"local\", \"job\": "
		"{\"command\": [\"true\"]}}]}";
	struct tusk_jfile f = { .idx = 0, .state = TUSK_FILE_DONE,
				.size = 3, .verified = true };
	struct tusk_jsession s = { .state = TUSK_SESSION_ANALYSING };
	int64_t id;

	snprintf(f.url, sizeof(f.url), "http://h/a.h5");
	snprintf(f.name, sizeof(f.name), "a.h5");
	assert_int_equal(tusk_journal_session_add(journal, "", spec,
		TUSK_SESSION_ANALYSING, now.real_s, &id), 0);
	assert_int_equal(tusk_journal_file_put(journal, id, &f, now.real_s),
			 0);
	s.id = id;
	assert_int_equal(tusk_journal_session_put(journal, &s, now.real_s), 0);
	return id;
}

struct job_seen {
	char id[128];
	int state;
	int n;
};

static int
job_cb(void *arg, const struct tusk_jjob *job)
{
	struct job_seen *j = arg;

	snprintf(j->id, sizeof(j->id), "%s", job->job_id);
	j->state = job->state;
	j->n++;
	return 0;
}

static void
test_job_found_again(void **state)
{
	struct tusk_launcher *l = tusk_ctrld_conf_launcher(&conf, "local");
	struct rec_launcher *r = rec_of(l);
	struct job_seen js = { .n = 0 };
	int64_t id = analysing_session();
	struct tusk_ctrld *c = start();
	char want[64];

	tick(c, 1);
	assert_int_equal(r->submits, 1);
	assert_int_equal(r->started, 1);
	snprintf(want, sizeof(want), "%lld-0", (long long)id);
	assert_string_equal(r->ids[0], want);
	assert_int_equal(tusk_journal_jobs(journal, id, job_cb, &js), 0);
	assert_string_equal(js.id, want); /* journaled with the submit */
	/* killed: a new tusk-ctrld on the same journal and launcher */
	tusk_ctrld_destroy(c);
	c = start();
	tick(c, 1);
	assert_int_equal(r->submits, 2);
	assert_int_equal(r->started, 1); /* found again, not started twice */
	assert_string_equal(state_of(c, id), "ANALYSING");
	assert_int_equal(rec_set_state(l, want, TUSK_JOB_SUCCEEDED), 0);
	tick(c, 1);
	assert_string_equal(state_of(c, id), "FINISHED");
	js.n = 0;
	assert_int_equal(tusk_journal_jobs(journal, id, job_cb, &js), 0);
	assert_int_equal(js.n, 1);
	assert_int_equal(js.state, TUSK_JOB_SUCCEEDED);
	tusk_ctrld_destroy(c);
}

static void
test_job_fails_then_retry(void **state)
{
	struct tusk_launcher *l = tusk_ctrld_conf_launcher(&conf, "local");
	struct rec_launcher *r = rec_of(l);
	int64_t id = analysing_session();
	struct tusk_ctrld *c = start();
	unsigned int started = r->started;
	char want[64], err[256];
	json_t *res = NULL;

	tick(c, 1);
	snprintf(want, sizeof(want), "%lld-0", (long long)id);
	assert_int_equal(rec_set_state(l, want, TUSK_JOB_FAILED), 0);
	tick(c, 1);
	assert_string_equal(state_of(c, id), "FAILED");
	assert_int_equal(tusk_ctrld_show(c, id, false, &res, err,
					 sizeof(err)), 0);
	assert_non_null(strstr(json_string_value(json_object_get(res,
		"reason")), "exit status 1"));
	json_decref(res);
	/* retry: the step again, as a new job */
	assert_int_equal(tusk_ctrld_retry(c, id, &now, &res, err,
					  sizeof(err)), 0);
	json_decref(res);
	tick(c, 1);
	assert_int_equal(r->started, started + 2);
	snprintf(want, sizeof(want), "%lld-0.1", (long long)id);
	assert_string_equal(r->ids[r->started - 1], want);
	assert_int_equal(rec_set_state(l, want, TUSK_JOB_SUCCEEDED), 0);
	tick(c, 1);
	assert_string_equal(state_of(c, id), "FINISHED");
	tusk_ctrld_destroy(c);
}

static void
test_cancel_kills_job(void **state)
{
	struct rec_launcher *r = rec_of(tusk_ctrld_conf_launcher(&conf,
								 "local"));
	int64_t id = analysing_session();
	struct tusk_ctrld *c = start();
	unsigned int cancels = r->cancels;
	char err[256];
	json_t *res = NULL;

	tick(c, 1);
	assert_int_equal(tusk_ctrld_cancel(c, id, &now, &res, err,
					   sizeof(err)), 0);
	json_decref(res);
	assert_int_equal(r->cancels, cancels + 1);
	assert_string_equal(state_of(c, id), "CANCELED");
	assert_int_equal(tusk_ctrld_cancel(c, id, &now, &res, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "is CANCELED already"));
	tusk_ctrld_destroy(c);
}

static int
submit(struct tusk_ctrld *c, const char *spec, char *err, size_t errlen)
{
	json_t *j = json_loads(spec, 0, NULL), *res = NULL;
	int rc;

	assert_non_null(j);
	rc = tusk_ctrld_submit(c, j, &now, &res, err, errlen);
	json_decref(j);
	json_decref(res);
	return rc;
}

static void
test_submit_refusals(void **state)
{
	struct tusk_ctrld *c = start();
	char err[512] = "";
	json_t *res = NULL;

	assert_int_equal(submit(c, "{\"source\": [\"http://h/a\"], "
				"\"destination\": \"/etc\"}", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "destination: escapes its root"));
	assert_int_equal(submit(c, "{\"source\": [\"http://h/a\"], "
				"\"destination\": \"d1\"}", err, sizeof(err)),
			 0);
	assert_int_equal(submit(c, "{\"source\": [\"http://h/b\"], "
				"\"destination\": \"d1\"}", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "is writing into d1"));
	assert_int_equal(submit(c, "{\"source\": [\"http://h/a\"], "
				"\"destination\": \"d2\"}", err, sizeof(err)),
			 0);
	assert_int_equal(submit(c, "{\"source\": [\"http://h/a\"], "
				"\"destination\": \"d3\"}", err, sizeof(err)),
			 0);
	assert_int_equal(submit(c, "{\"source\": [\"http://h/a\"], "
				"\"destination\": \"d4\"}", err, sizeof(err)),
			 -1);
	assert_string_equal(err, "3 sessions are open (max_sessions)");
	/* tuskd unreachable: ACTIVE, the file waits in the queue */
	tick(c, 2);
	assert_int_equal(tusk_ctrld_show(c, 1, false, &res, err, sizeof(err)),
			 0);
	assert_string_equal(json_string_value(json_object_get(res, "state")),
			    "ACTIVE");
	assert_non_null(strstr(json_string_value(json_object_get(res,
		"waiting")), "no-tuskd.sock"));
	json_decref(res);
	assert_int_equal(tusk_ctrld_show(c, 99, false, &res, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "no session 99");
	tusk_ctrld_destroy(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_job_found_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_job_fails_then_retry,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_kills_job, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_submit_refusals, setup,
						teardown),
	};

	return SCRATCH_DIR_RUN(dir, tests);
}
