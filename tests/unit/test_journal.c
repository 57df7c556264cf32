/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal on a real SQLite file: round trips of sessions, files, jobs
 * and history; migrations from every older schema keep the data; a newer
 * schema and a file that is not a journal are refused with the reason;
 * a writer killed with SIGKILL mid-stream leaves a journal that opens and
 * holds every change committed before the kill.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_dir.h"
#include <sqlite3.h>

#include "journal.h"
#include "session_fsm.h"

static char dir[] = "/tmp/tusk-journal-XXXXXX";
static char path[256];
static int seq;

static int
setup(void **state)
{
	snprintf(path, sizeof(path), "%s/j%d.db", dir, ++seq);
	return 0;
}

static struct tusk_journal *
open_ok(void)
{
	struct tusk_journal *j = NULL;
	char err[512] = "";

	if (tusk_journal_open(path, &j, err, sizeof(err)) != 0)
		fail_msg("open: %s", err);
	return j;
}

static int
count_cb(void *arg, struct tusk_jsession *s)
{
	(*(int *)arg)++;
	return 0;
}

struct got {
	struct tusk_jsession s;
	char spec[256];
	struct tusk_jfile f[4];
	int nf;
	struct tusk_jjob job;
	int njobs;
};

static int
sess_cb(void *arg, struct tusk_jsession *s)
{
	struct got *g = arg;

	g->s = *s;
	snprintf(g->spec, sizeof(g->spec), "%s", s->spec);
	g->s.spec = g->spec;
	return 0;
}

static int
file_cb(void *arg, const struct tusk_jfile *f)
{
	struct got *g = arg;

	g->f[g->nf++] = *f;
	return 0;
}

static int
job_cb(void *arg, const struct tusk_jjob *job)
{
	struct got *g = arg;

	g->job = *job;
	g->njobs++;
	return 0;
}

static void
test_round_trip(void **state)
{
	struct tusk_journal *j = open_ok();
	struct tusk_jfile f = { .idx = 1, .state = TUSK_FILE_WAIT_FETCH,
				.attempts = 2, .next_try = 123.5, .size = 77,
				.verified = true, .handed = 1 };
	struct tusk_jjob job = { .step = 0, .state = -1, .exit_code = -1 };
	struct tusk_jsession s = { 0 };
	struct got g = { 0 };
	json_t *h;
	int64_t id;
	int n = 0;

	assert_int_equal(tusk_journal_version(j), TUSK_JOURNAL_VERSION);
	assert_int_equal(tusk_journal_session_add(j, "run", "{\"a\":1}",
						  TUSK_SESSION_SUBMITTED, 10,
						  &id), 0);
	assert_true(id > 0);
	snprintf(f.url, sizeof(f.url), "http://h/a");
	snprintf(f.name, sizeof(f.name), "a");
	snprintf(f.reason, sizeof(f.reason), "HTTP 503");
	snprintf(f.sha256, sizeof(f.sha256), "%064d", 7);
	assert_int_equal(tusk_journal_begin(j), 0);
	assert_int_equal(tusk_journal_file_put(j, id, &f, 11), 0);
	snprintf(job.job_id, sizeof(job.job_id), "%lld-0", (long long)id);
	assert_int_equal(tusk_journal_job_put(j, id, &job), 0);
	assert_int_equal(tusk_journal_event(j, id, 1, "fail", "HTTP 503", 11),
			 0);
	assert_int_equal(tusk_journal_commit(j), 0);
	s.id = id;
	s.state = TUSK_SESSION_ANALYSING;
	s.step = 1;
	snprintf(s.reason, sizeof(s.reason), "why");
	assert_int_equal(tusk_journal_session_put(j, &s, 12), 0);
	tusk_journal_close(j);

	j = open_ok();
	assert_int_equal(tusk_journal_session_get(j, id, sess_cb, &g), 0);
	assert_int_equal(tusk_journal_files(j, id, file_cb, &g), 0);
	assert_int_equal(tusk_journal_jobs(j, id, job_cb, &g), 0);
	assert_string_equal(g.s.name, "run");
	assert_string_equal(g.spec, "{\"a\":1}");
	assert_int_equal(g.s.state, TUSK_SESSION_ANALYSING);
	assert_int_equal(g.s.step, 1);
	assert_string_equal(g.s.reason, "why");
	assert_true(g.s.created == 10 && g.s.updated == 12);
	assert_int_equal(g.nf, 1);
	assert_int_equal(g.f[0].state, TUSK_FILE_WAIT_FETCH);
	assert_int_equal(g.f[0].attempts, 2);
	assert_true(g.f[0].next_try == 123.5);
	assert_int_equal(g.f[0].size, 77);
	assert_true(g.f[0].verified);
	assert_int_equal(g.f[0].handed, 1);
	assert_string_equal(g.f[0].reason, "HTTP 503");
	assert_string_equal(g.f[0].sha256, f.sha256);
	assert_int_equal(g.njobs, 1);
	assert_int_equal(g.job.state, -1);
	assert_string_equal(g.job.job_id, job.job_id);
	h = tusk_journal_history(j, id);
	assert_int_equal(json_array_size(h), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(h, 0), "text")), "HTTP 503");
	json_decref(h);
	/* open sessions only: ANALYSING is open, FINISHED is not */
	assert_int_equal(tusk_journal_sessions(j, true, TUSK_SESSION_FINAL,
					       count_cb, &n), 0);
	assert_int_equal(n, 1);
	s.state = TUSK_SESSION_FINISHED;
	assert_int_equal(tusk_journal_session_put(j, &s, 13), 0);
	n = 0;
	assert_int_equal(tusk_journal_sessions(j, true, TUSK_SESSION_FINAL,
					       count_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tusk_journal_sessions(j, false, 0, count_cb, &n), 0);
	assert_int_equal(n, 1);
	tusk_journal_close(j);
}

/* A journal left by every older schema opens, migrates, keeps its rows. */
static void
test_migrations(void **state)
{
	struct tusk_journal *j;
	struct got g = { 0 };
	char err[512] = "";
	int64_t id;
	int v;

	for (v = 1; v < TUSK_JOURNAL_VERSION; v++) {
		setup(state);
		assert_int_equal(tusk_journal_open_at(path, v, &j, err,
						      sizeof(err)), 0);
		assert_int_equal(tusk_journal_version(j), v);
		assert_int_equal(tusk_journal_session_add(j, "old", "{}", 1, 5,
							  &id), 0);
		tusk_journal_close(j);
		j = open_ok();
		assert_int_equal(tusk_journal_version(j), TUSK_JOURNAL_VERSION);
		memset(&g, 0, sizeof(g));
		assert_int_equal(tusk_journal_session_get(j, id, sess_cb, &g),
				 0);
		assert_string_equal(g.s.name, "old");
		/* what version 2 added works on the migrated file */
		assert_int_equal(tusk_journal_event(j, id, -1, "x", "y", 6), 0);
		/* and version 3's Swift segments: absent, put, read back,
		 * replaced, kept apart per file and step */
		{
			char md5[TUSK_JOURNAL_MD5_HEX] = "";

			assert_int_equal(tusk_journal_seg_get(j, id, 0, 0,
					 "c_segments/o/slo/1", md5), 0);
			assert_int_equal(tusk_journal_seg_put(j, id, 0, 0,
					 "c_segments/o/slo/1", "aa"), 0);
			assert_int_equal(tusk_journal_seg_put(j, id, 0, 0,
					 "c_segments/o/slo/1",
					 "0123456789abcdef0123456789abcdef"), 0);
			assert_int_equal(tusk_journal_seg_get(j, id, 0, 0,
					 "c_segments/o/slo/1", md5), 1);
			assert_string_equal(md5,
					    "0123456789abcdef0123456789abcdef");
			assert_int_equal(tusk_journal_seg_get(j, id, 1, 0,
					 "c_segments/o/slo/1", md5), 0);
			assert_int_equal(tusk_journal_seg_get(j, id, 0, 1,
					 "c_segments/o/slo/1", md5), 0);
		}
		tusk_journal_close(j);
	}
}

static void
test_newer_refused(void **state)
{
	struct tusk_journal *j;
	char err[512] = "", want[600];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(tusk_journal_open(path, &j, err, sizeof(err)),
			 -EPROTO);
	snprintf(want, sizeof(want), "%s: schema version 99 is newer than "
		 "this tusk-ctrld's (%d): refusing to touch it", path,
		 TUSK_JOURNAL_VERSION);
	assert_string_equal(err, want);
}

static void
test_not_a_journal(void **state)
{
	struct tusk_journal *j;
	char err[512] = "";
	FILE *f = fopen(path, "w");

	fputs("this is not a database, but it is long enough to be looked "
	      "at as one by SQLite's header check ..........................",
	      f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_true(tusk_journal_open(path, &j, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a database"));
}

/* The journal keeps source tokens: a new one and its -wal/-shm are the
 * owner's only; one that group or others can read is refused with the
 * fix named; a finished session's token is dropped from its spec. */
static void
test_private(void **state)
{
	struct tusk_journal *j;
	char err[1600] = "", p[300];
	struct stat st;
	int64_t sid;

	umask(022);
	assert_int_equal(tusk_journal_open(path, &j, err, sizeof(err)), 0);
	assert_int_equal(tusk_journal_session_add(j, "t", "{\"source_token\":"
				"\"sekrit\",\"a\":1}", 0, 1.0, &sid), 0);
	assert_int_equal(tusk_journal_session_forget_token(j, sid), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(p, sizeof(p), "%s-wal", path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(p, sizeof(p), "%s-shm", path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	tusk_journal_close(j);
	/* the token is gone from the file, the rest of the spec kept */
	{
		FILE *f = fopen(path, "rb");
		char buf[1 << 16];
		size_t n = fread(buf, 1, sizeof(buf), f);

		fclose(f);
		assert_null(memmem(buf, n, "sekrit", 6));
	}
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(tusk_journal_open(path, &j, err, sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "mode 0640"));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(p, sizeof(p), "%s-wal", path);
	if (stat(p, &st) == 0) {
		assert_int_equal(chmod(p, 0604), 0);
		assert_int_equal(tusk_journal_open(path, &j, err, sizeof(err)),
				 -EACCES);
		assert_non_null(strstr(err, "-wal: mode 0604"));
		assert_int_equal(chmod(p, 0600), 0);
	}
	assert_int_equal(tusk_journal_open(path, &j, err, sizeof(err)), 0);
	tusk_journal_close(j);
}

/* A child commits file states as fast as it can and is SIGKILLed; each
 * commit's number is written to a pipe after COMMIT returns. The parent
 * then finds at least the last number it read. */
static void
test_kill_recovery(void **state)
{
	struct tusk_journal *j = open_ok();
	struct tusk_jfile f = { .idx = 0, .size = -1 };
	struct got g = { 0 };
	int pfd[2], last = -1, x, status;
	int64_t id;
	pid_t pid;

	assert_int_equal(tusk_journal_session_add(j, "k", "{}", 1, 1, &id), 0);
	tusk_journal_close(j);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		j = open_ok();
		for (x = 0;; x++) {
			f.attempts = (unsigned int)x;
			if (tusk_journal_file_put(j, id, &f, x) != 0)
				_exit(1);
			if (write(pfd[1], &x, sizeof(x)) != sizeof(x))
				_exit(1);
		}
	}
	close(pfd[1]);
	while (last < 30 && read(pfd[0], &x, sizeof(x)) == sizeof(x))
		last = x;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pfd[0]);
	assert_true(WIFSIGNALED(status));
	j = open_ok();
	assert_int_equal(tusk_journal_files(j, id, file_cb, &g), 0);
	assert_int_equal(g.nf, 1);
	assert_true((int)g.f[0].attempts >= last);
	tusk_journal_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_migrations, setup),
		cmocka_unit_test_setup(test_newer_refused, setup),
		cmocka_unit_test_setup(test_not_a_journal, setup),
		cmocka_unit_test_setup(test_private, setup),
		cmocka_unit_test_setup(test_kill_recovery, setup),
	};

	return SCRATCH_DIR_RUN(dir, tests);
}
