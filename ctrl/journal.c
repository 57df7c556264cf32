/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * journal: SQLite tables of sessions, files, jobs and history.
 *
 *   tusk_journal_open() -> db_open() (WAL, synchronous=FULL, busy timeout)
 *                       -> migrate() -> one transaction per MIGRATIONS[i]
 *   *_put()             -> exec_stmt() (auto-commit unless inside
 *                          tusk_journal_begin/commit)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "journal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Another process holding the file (an operator's sqlite3 shell reading
 * it) is waited for this long before a write fails. */
#define JOURNAL_BUSY_TIMEOUT_MS 5000

/* MIGRATIONS[i] takes the schema from version i to i + 1. Never edit a
 * released entry: add one. States are the integers of session_fsm.h. */
static const char *const MIGRATIONS[] = {
	/* 0 -> 1: sessions, their files, their analysis jobs */
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  spec TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  step INTEGER NOT NULL DEFAULT 0,"
	"  created REAL NOT NULL,"
	"  updated REAL NOT NULL);"
	"CREATE TABLE files ("
	"  session INTEGER NOT NULL REFERENCES sessions(id),"
	"  idx INTEGER NOT NULL,"
	"  url TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try REAL NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  size INTEGER NOT NULL DEFAULT -1,"
	"  sha256 TEXT NOT NULL DEFAULT '',"
	"  source_sha256 TEXT NOT NULL DEFAULT '',"
	"  verified INTEGER NOT NULL DEFAULT 0,"
	"  handed INTEGER NOT NULL DEFAULT 0,"
	"  updated REAL NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (session, idx));"
	"CREATE TABLE jobs ("
	"  session INTEGER NOT NULL REFERENCES sessions(id),"
	"  step INTEGER NOT NULL,"
	"  job_id TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  exit_code INTEGER NOT NULL DEFAULT -1,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (session, step));",
	/* 1 -> 2: a history per session for `show`, and the restart scan
	 * of open sessions by state */
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  session INTEGER NOT NULL REFERENCES sessions(id),"
	"  file INTEGER NOT NULL,"
	"  time REAL NOT NULL,"
	"  what TEXT NOT NULL,"
	"  text TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX events_session ON events(session, seq);"
	"CREATE INDEX sessions_state ON sessions(state);",
	/* 2 -> 3: scheduled test tasks and their runs (ctrl/pstask*.c,
	 * pScheduler's task and result shapes) */
	"CREATE TABLE pstasks ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  spec TEXT NOT NULL,"
	"  created REAL NOT NULL,"
	"  start REAL NOT NULL,"
	"  done INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE psruns ("
	"  task INTEGER NOT NULL REFERENCES pstasks(id),"
	"  idx INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  scheduled REAL NOT NULL,"
	"  start REAL NOT NULL DEFAULT 0,"
	"  end REAL NOT NULL DEFAULT 0,"
	"  succeeded INTEGER NOT NULL DEFAULT 0,"
	"  throughput REAL,"
	"  rtt_ms REAL,"
	"  jitter_ms REAL,"
	"  lost INTEGER,"
	"  result TEXT NOT NULL DEFAULT '{}',"
	"  archived INTEGER NOT NULL DEFAULT 0,"
	"  archive_error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (task, idx));",
	/* 3 -> 4: the Swift hand-off's segments already in Swift, per file
	 * and step, with the MD5 they were sent with (a restarted ctrld
	 * resumes an SLO without sending them again) */
	"CREATE TABLE swift_segments ("
	"  session INTEGER NOT NULL REFERENCES sessions(id),"
	"  file INTEGER NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  md5 TEXT NOT NULL,"
	"  PRIMARY KEY (session, file, step, name));",
};

_Static_assert(ARRAY_LEN(MIGRATIONS) == TUSK_JOURNAL_VERSION,
	       "one migration per schema version");

struct tusk_journal {
	sqlite3 *db;
	char path[4096];
	char err[1600];		/* the path (at most 1024 shown) and why */
	int version;
};

static int
jfail(struct tusk_journal *j, const char *what)
{
	snprintf(j->err, sizeof(j->err), "%.1024s: %s: %s", j->path, what,
		 sqlite3_errmsg(j->db));
	return -EIO;
}

sqlite3 *
tusk_journal_db(struct tusk_journal *j)
{
	return j->db;
}

const char *
tusk_journal_error(struct tusk_journal *j)
{
	return j->err;
}

static int
exec_sql(struct tusk_journal *j, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(j->err, sizeof(j->err), "%.1024s: %s", j->path,
			 msg ? msg : sqlite3_errmsg(j->db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int
pragma_int(struct tusk_journal *j, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		return jfail(j, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : jfail(j, sql);
}

static int
migrate(struct tusk_journal *j, int target)
{
	char sql[64];
	int v;

	if (pragma_int(j, "PRAGMA user_version", &v) < 0)
		return -EIO;
	if (v > TUSK_JOURNAL_VERSION) {
		snprintf(j->err, sizeof(j->err), "%.1024s: schema version %d is "
			 "newer than this tusk-ctrld's (%d): refusing to touch "
			 "it", j->path, v, TUSK_JOURNAL_VERSION);
		return -EPROTO;
	}
	for (; v < target; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(j, "BEGIN IMMEDIATE") < 0)
			return -EIO;
		if (exec_sql(j, MIGRATIONS[v]) < 0 || exec_sql(j, sql) < 0) {
			tusk_journal_rollback(j);
			return -EIO;
		}
		if (exec_sql(j, "COMMIT") < 0)
			return -EIO;
	}
	j->version = v;
	return 0;
}

/* The journal keeps session specs, and a spec may carry a source_token
 * (a bearer credential): the file and its -wal and -shm companions are
 * the owner's only. SQLite creates -wal and -shm with the database
 * file's own mode (os_unix.c findCreateFileMode), so a database made
 * 0600 here keeps them 0600; one that group or others can read already
 * (made by hand, or by an older tusk-ctrld) is refused, naming the fix. */
static const char *const private_suffix[] = { "", "-wal", "-shm" };

static int
private_check(struct tusk_journal *j)
{
	char p[sizeof(j->path) + 8];
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(private_suffix) / sizeof(private_suffix[0]);
	     i++) {
		snprintf(p, sizeof(p), "%s%s", j->path, private_suffix[i]);
		if (stat(p, &st) < 0)
			continue;
		if (st.st_mode & (S_IRWXG | S_IRWXO)) {
			snprintf(j->err, sizeof(j->err), "%.400s: mode %04o: "
				 "group or others may read it, and the journal "
				 "keeps session tokens (source_token); chmod "
				 "600 %.200s*", p,
				 (unsigned)(st.st_mode & 07777), j->path);
			return -EACCES;
		}
	}
	/* a new journal: made 0600 before SQLite opens it (an empty file is
	 * an empty database) */
	fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* WAL: readers (tuskctl's show while a session runs) never block the
 * writer; FULL: see journal.h. journal_mode answers with the mode it got
 * (a file system without shared memory stays in "delete"). secure_delete:
 * the bytes of a token dropped from a spec are zeroed in the file, not
 * left in a free page. */
static int
db_open(struct tusk_journal *j)
{
	char mode[16] = "";
	sqlite3_stmt *st;
	int rc = private_check(j);

	if (rc < 0)
		return rc;
	if (sqlite3_open_v2(j->path, &j->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK)
		return jfail(j, "cannot open");
	sqlite3_busy_timeout(j->db, JOURNAL_BUSY_TIMEOUT_MS);
	if (sqlite3_prepare_v2(j->db, "PRAGMA journal_mode=WAL", -1, &st,
			       NULL) != SQLITE_OK)
		return jfail(j, "journal_mode");
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (strcmp(mode, "wal") != 0)
		return jfail(j, "cannot use WAL (is it a journal?)");
	return exec_sql(j, "PRAGMA synchronous=FULL;"
			"PRAGMA foreign_keys=ON;"
			"PRAGMA secure_delete=ON;");
}

int
tusk_journal_open_at(const char *path, int version,
		     struct tusk_journal **out, char *err, size_t errlen)
{
	struct tusk_journal *j = calloc(1, sizeof(*j));
	int rc;

	if (j == NULL)
		return -ENOMEM;
	snprintf(j->path, sizeof(j->path), "%s", path);
	rc = db_open(j);
	if (rc == 0)
		rc = migrate(j, version);
	if (rc < 0) {
		snprintf(err, errlen, "%s", j->err);
		tusk_journal_close(j);
		return rc;
	}
	*out = j;
	return 0;
}

int
tusk_journal_open(const char *path, struct tusk_journal **out, char *err,
		  size_t errlen)
{
	return tusk_journal_open_at(path, TUSK_JOURNAL_VERSION, out, err,
				    errlen);
}

void
tusk_journal_close(struct tusk_journal *j)
{
	if (j == NULL)
		return;
	sqlite3_close_v2(j->db);
	free(j);
}

int
tusk_journal_version(struct tusk_journal *j)
{
	return j->version;
}

int
tusk_journal_begin(struct tusk_journal *j)
{
	return exec_sql(j, "BEGIN IMMEDIATE");
}

int
tusk_journal_commit(struct tusk_journal *j)
{
	return exec_sql(j, "COMMIT");
}

void
tusk_journal_rollback(struct tusk_journal *j)
{
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Bind by a format: i (int), I (int64), d (double), s (string). */
static int
prepare(struct tusk_journal *j, sqlite3_stmt **st, const char *sql,
	const char *fmt, ...)
{
	va_list ap;
	int i, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK)
		return jfail(j, "prepare");
	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			rc = sqlite3_bind_int(*st, i + 1, va_arg(ap, int));
			break;
		case 'I':
			rc = sqlite3_bind_int64(*st, i + 1,
						va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(*st, i + 1,
						 va_arg(ap, double));
			break;
		default:
			rc = sqlite3_bind_text(*st, i + 1,
					       va_arg(ap, const char *), -1,
					       SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		return jfail(j, "bind");
	}
	return 0;
}

static int
exec_stmt(struct tusk_journal *j, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return jfail(j, "write");
	return 0;
}

int
tusk_journal_session_add(struct tusk_journal *j, const char *name,
			 const char *spec, int state, double now, int64_t *id)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "INSERT INTO sessions (name, spec, state, "
		    "created, updated) VALUES (?, ?, ?, ?, ?)", "ssidd",
		    name, spec, state, now, now) < 0)
		return -EIO;
	if (exec_stmt(j, st) < 0)
		return -EIO;
	*id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

int
tusk_journal_session_put(struct tusk_journal *j,
			 const struct tusk_jsession *s, double now)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "UPDATE sessions SET state = ?, reason = ?, "
		    "step = ?, updated = ? WHERE id = ?", "isidI", s->state,
		    s->reason, (int)s->step, now, s->id) < 0)
		return -EIO;
	return exec_stmt(j, st);
}

int
tusk_journal_session_forget_token(struct tusk_journal *j, int64_t sid)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "UPDATE sessions SET spec = "
		    "json_remove(spec, '$.source_token') WHERE id = ? AND "
		    "json_extract(spec, '$.source_token') IS NOT NULL", "I",
		    sid) < 0 || exec_stmt(j, st) < 0)
		return -EIO;
	/* the row's old version lives on in the WAL until its frames are
	 * reused: move the WAL into the file (secure_delete zeroes the
	 * freed bytes there) and truncate it. Best effort: a reader holding
	 * an old snapshot keeps the WAL, and the next checkpoint takes it */
	sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				  NULL, NULL);
	return 0;
}

int
tusk_journal_file_put(struct tusk_journal *j, int64_t sid,
		      const struct tusk_jfile *f, double now)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "INSERT OR REPLACE INTO files (session, idx, "
		    "url, name, state, attempts, next_try, reason, size, "
		    "sha256, source_sha256, verified, handed, updated) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "IissiidsIssiid", sid, f->idx,
		    f->url, f->name, f->state, (int)f->attempts, f->next_try,
		    f->reason, f->size, f->sha256, f->source_sha256,
		    (int)f->verified, (int)f->handed, now) < 0)
		return -EIO;
	return exec_stmt(j, st);
}

int
tusk_journal_job_put(struct tusk_journal *j, int64_t sid,
		     const struct tusk_jjob *job)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "INSERT OR REPLACE INTO jobs (session, step, "
		    "job_id, state, exit_code, reason) VALUES (?, ?, ?, ?, ?, "
		    "?)", "Iisiis", sid, (int)job->step, job->job_id,
		    job->state, job->exit_code, job->reason) < 0)
		return -EIO;
	return exec_stmt(j, st);
}

int
tusk_journal_event(struct tusk_journal *j, int64_t sid, int file,
		   const char *what, const char *text, double now)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "INSERT INTO events (session, file, time, what, "
		    "text) VALUES (?, ?, ?, ?, ?)", "Iidss", sid, file, now,
		    what, text ? text : "") < 0)
		return -EIO;
	return exec_stmt(j, st);
}

static void
col_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Run st, calling row(st, cb, arg) per row; frees st. */
static int
each_row(struct tusk_journal *j, sqlite3_stmt *st,
	 int (*row)(sqlite3_stmt *, void *, void *), void *cb, void *arg)
{
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = row(st, cb, arg);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = jfail(j, "read");
	sqlite3_finalize(st);
	return ret;
}

static int
session_row(sqlite3_stmt *st, void *cb, void *arg)
{
	struct tusk_jsession s = { 0 };

	s.id = sqlite3_column_int64(st, 0);
	col_text(st, 1, s.name, sizeof(s.name));
	s.spec = (char *)sqlite3_column_text(st, 2);
	s.state = sqlite3_column_int(st, 3);
	col_text(st, 4, s.reason, sizeof(s.reason));
	s.step = (unsigned int)sqlite3_column_int(st, 5);
	s.created = sqlite3_column_double(st, 6);
	s.updated = sqlite3_column_double(st, 7);
	return ((tusk_journal_session_cb)cb)(arg, &s);
}

#define SESSION_COLS "SELECT id, name, spec, state, reason, step, created, " \
	"updated FROM sessions "

int
tusk_journal_sessions(struct tusk_journal *j, bool open_only, int final_from,
		      tusk_journal_session_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, SESSION_COLS "WHERE state < ? ORDER BY id", "i",
		    open_only ? final_from : 1 << 30) < 0)
		return -EIO;
	return each_row(j, st, session_row, (void *)cb, arg);
}

int
tusk_journal_session_get(struct tusk_journal *j, int64_t sid,
			 tusk_journal_session_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, SESSION_COLS "WHERE id = ?", "I", sid) < 0)
		return -EIO;
	return each_row(j, st, session_row, (void *)cb, arg);
}

static int
file_row(sqlite3_stmt *st, void *cb, void *arg)
{
	struct tusk_jfile *f = calloc(1, sizeof(*f));
	int ret;

	if (f == NULL)
		return -ENOMEM;
	f->idx = sqlite3_column_int(st, 0);
	col_text(st, 1, f->url, sizeof(f->url));
	col_text(st, 2, f->name, sizeof(f->name));
	f->state = sqlite3_column_int(st, 3);
	f->attempts = (unsigned int)sqlite3_column_int(st, 4);
	f->next_try = sqlite3_column_double(st, 5);
	col_text(st, 6, f->reason, sizeof(f->reason));
	f->size = sqlite3_column_int64(st, 7);
	col_text(st, 8, f->sha256, sizeof(f->sha256));
	col_text(st, 9, f->source_sha256, sizeof(f->source_sha256));
	f->verified = sqlite3_column_int(st, 10) != 0;
	f->handed = (unsigned int)sqlite3_column_int(st, 11);
	ret = ((tusk_journal_file_cb)cb)(arg, f);
	free(f);
	return ret;
}

int
tusk_journal_files(struct tusk_journal *j, int64_t sid,
		   tusk_journal_file_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "SELECT idx, url, name, state, attempts, "
		    "next_try, reason, size, sha256, source_sha256, verified, "
		    "handed FROM files WHERE session = ? ORDER BY idx", "I",
		    sid) < 0)
		return -EIO;
	return each_row(j, st, file_row, (void *)cb, arg);
}

static int
job_row(sqlite3_stmt *st, void *cb, void *arg)
{
	struct tusk_jjob job = { 0 };

	job.step = (unsigned int)sqlite3_column_int(st, 0);
	col_text(st, 1, job.job_id, sizeof(job.job_id));
	job.state = sqlite3_column_int(st, 2);
	job.exit_code = sqlite3_column_int(st, 3);
	col_text(st, 4, job.reason, sizeof(job.reason));
	return ((tusk_journal_job_cb)cb)(arg, &job);
}

int
tusk_journal_jobs(struct tusk_journal *j, int64_t sid,
		  tusk_journal_job_cb cb, void *arg)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "SELECT step, job_id, state, exit_code, reason "
		    "FROM jobs WHERE session = ? ORDER BY step", "I", sid) < 0)
		return -EIO;
	return each_row(j, st, job_row, (void *)cb, arg);
}

static int
event_row(sqlite3_stmt *st, void *cb, void *arg)
{
	json_t *o = json_pack("{s:f, s:i, s:s, s:s}",
			      "time", sqlite3_column_double(st, 0),
			      "file", sqlite3_column_int(st, 1),
			      "what", (const char *)sqlite3_column_text(st, 2),
			      "text", (const char *)sqlite3_column_text(st, 3));

	(void)cb;
	return o == NULL ? -ENOMEM : json_array_append_new(arg, o);
}

json_t *
tusk_journal_history(struct tusk_journal *j, int64_t sid)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (a == NULL || prepare(j, &st, "SELECT time, file, what, text FROM "
				 "events WHERE session = ? ORDER BY seq", "I",
				 sid) < 0 ||
	    each_row(j, st, event_row, NULL, a) != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int
tusk_journal_seg_put(struct tusk_journal *j, int64_t sid, int file,
		     unsigned int step, const char *name, const char *md5)
{
	sqlite3_stmt *st;

	if (prepare(j, &st, "INSERT OR REPLACE INTO swift_segments (session, "
		    "file, step, name, md5) VALUES (?, ?, ?, ?, ?)", "Iiiss",
		    sid, file, (int)step, name, md5) < 0)
		return -EIO;
	return exec_stmt(j, st);
}

int
tusk_journal_seg_get(struct tusk_journal *j, int64_t sid, int file,
		     unsigned int step, const char *name,
		     char md5[TUSK_JOURNAL_MD5_HEX])
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(j, &st, "SELECT md5 FROM swift_segments WHERE session = ? "
		    "AND file = ? AND step = ? AND name = ?", "Iiis", sid,
		    file, (int)step, name) < 0)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(md5, TUSK_JOURNAL_MD5_HEX, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jfail(j, "read");
	return rc == SQLITE_ROW ? 1 : 0;
}
