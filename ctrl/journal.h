/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * journal: tusk-ctrld's sessions in SQLite, so that a restart continues
 * every session from what was last made durable.
 *
 * The rule the session code keeps: a state change is written (committed)
 * BEFORE it is acted on. A file is journaled `transferring` before the
 * fetch is issued, a job's id before the launcher's submit; so after a
 * kill -9 at any point the journal names at most one step that may or may
 * not have happened, and every such step is idempotent (a fetch of the
 * same dest resumes, a submit of the same job id finds the job, a hand-off
 * finds its file already in place).
 *
 * Durability: WAL with synchronous=FULL. In WAL mode NORMAL is safe against
 * a process crash (kill -9) but a power loss may roll back the last commits
 * (SQLite's "WAL mode" docs: NORMAL syncs only at checkpoints); an action
 * taken after such a commit (a job launched, a file renamed) would then be
 * taken again. FULL syncs the WAL at every commit; state changes are per
 * file step (a few per file), never per packet, so its milliseconds do not
 * matter.
 *
 * Schema versions live in PRAGMA user_version; tusk_journal_open applies
 * the missing migrations in order, each in its own transaction, and refuses
 * a journal newer than this build.
 */
#ifndef TUSK_CTRL_JOURNAL_H
#define TUSK_CTRL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The schema this build writes (see MIGRATIONS in journal.c). */
#define TUSK_JOURNAL_VERSION 4
/* Longest reason kept for a file, a job or a session: one line. */
#define TUSK_JOURNAL_REASON_MAX 256
#define TUSK_JOURNAL_URL_MAX 2048
#define TUSK_JOURNAL_NAME_MAX 256
/* sha256 in hex and its NUL. */
#define TUSK_JOURNAL_SHA_HEX 65
/* md5 in hex and its NUL (Swift segment ETags). */
#define TUSK_JOURNAL_MD5_HEX 33

struct tusk_journal;

/* A file of a session as the journal keeps it. */
struct tusk_jfile {
	int idx;
	char url[TUSK_JOURNAL_URL_MAX];
	char name[TUSK_JOURNAL_NAME_MAX];
	int state;			/* enum tusk_file_state */
	unsigned int attempts;
	double next_try;		/* CLOCK_REALTIME s of the next attempt */
	char reason[TUSK_JOURNAL_REASON_MAX];	/* the last failure */
	int64_t size;			/* -1 unknown */
	char sha256[TUSK_JOURNAL_SHA_HEX];	/* computed on arrival */
	char source_sha256[TUSK_JOURNAL_SHA_HEX];/* the server's Repr-Digest */
	bool verified;			/* checked in the data root */
	unsigned int handed;		/* hand-off steps done */
};

struct tusk_jsession {
	int64_t id;
	char name[TUSK_JOURNAL_NAME_MAX];
	char *spec;			/* JSON text, owned by the journal */
	int state;			/* enum tusk_session_state */
	char reason[TUSK_JOURNAL_REASON_MAX];
	double created, updated;
	unsigned int step;		/* analysis steps done */
};

struct tusk_jjob {
	unsigned int step;
	char job_id[128];
	int state;			/* enum tusk_job_state, or -1 launching */
	int exit_code;
	char reason[TUSK_JOURNAL_REASON_MAX];
};

/* Open (create) the journal and bring its schema to TUSK_JOURNAL_VERSION.
 * A new journal is made mode 0600; one (or its -wal/-shm) that group or
 * others may access is refused (-EACCES): it keeps session tokens.
 * 0 or -errno with "PATH: reason" in err. */
int tusk_journal_open(const char *path, struct tusk_journal **out, char *err,
		      size_t errlen);
/* Tests: stop migrating at `version` (a journal as an older build left
 * it). */
int tusk_journal_open_at(const char *path, int version,
			 struct tusk_journal **out, char *err, size_t errlen);
void tusk_journal_close(struct tusk_journal *j);
int tusk_journal_version(struct tusk_journal *j);
const char *tusk_journal_error(struct tusk_journal *j);
/* The database itself, for the tables of other concepts kept in the same
 * file (ctrl/pstask_store.c: scheduled tests); their schema is migrated
 * here with the rest. */
struct sqlite3;
struct sqlite3 *tusk_journal_db(struct tusk_journal *j);

/* Group several changes in one transaction (one fsync). */
int tusk_journal_begin(struct tusk_journal *j);
int tusk_journal_commit(struct tusk_journal *j);
void tusk_journal_rollback(struct tusk_journal *j);

/* A new session; its id in *id. */
int tusk_journal_session_add(struct tusk_journal *j, const char *name,
			     const char *spec, int state, double now,
			     int64_t *id);
int tusk_journal_session_put(struct tusk_journal *j,
			     const struct tusk_jsession *s, double now);
/* Drop "source_token" from the session's spec (a session that ended
 * and can never run again needs it no more). */
int tusk_journal_session_forget_token(struct tusk_journal *j, int64_t sid);
int tusk_journal_file_put(struct tusk_journal *j, int64_t sid,
			  const struct tusk_jfile *f, double now);
int tusk_journal_job_put(struct tusk_journal *j, int64_t sid,
			 const struct tusk_jjob *job);
/* One line of a session's history (file -1: the session itself). */
int tusk_journal_event(struct tusk_journal *j, int64_t sid, int file,
		       const char *what, const char *text, double now);

/* Callbacks return 0 to go on, anything else stops and is returned. */
typedef int (*tusk_journal_session_cb)(void *arg, struct tusk_jsession *s);
typedef int (*tusk_journal_file_cb)(void *arg, const struct tusk_jfile *f);
typedef int (*tusk_journal_job_cb)(void *arg, const struct tusk_jjob *job);

/* Every session, oldest first (`open_only`: those whose state is below
 * `final_from`, i.e. not final). s->spec is valid during the call only. */
int tusk_journal_sessions(struct tusk_journal *j, bool open_only,
			  int final_from, tusk_journal_session_cb cb,
			  void *arg);
int tusk_journal_session_get(struct tusk_journal *j, int64_t sid,
			     tusk_journal_session_cb cb, void *arg);
int tusk_journal_files(struct tusk_journal *j, int64_t sid,
		       tusk_journal_file_cb cb, void *arg);
int tusk_journal_jobs(struct tusk_journal *j, int64_t sid,
		      tusk_journal_job_cb cb, void *arg);
/* Swift hand-off segments (session, file, step, segment name) sent with
 * their MD5: put on the uploading thread's own connection; get: 1 and
 * md5 filled, 0 none, -EIO. */
int tusk_journal_seg_put(struct tusk_journal *j, int64_t sid, int file,
			 unsigned int step, const char *name, const char *md5);
int tusk_journal_seg_get(struct tusk_journal *j, int64_t sid, int file,
			 unsigned int step, const char *name,
			 char md5[TUSK_JOURNAL_MD5_HEX]);

/* The history as [{time, file, what, text}], oldest first; NULL on error. */
json_t *tusk_journal_history(struct tusk_journal *j, int64_t sid);

#endif /* TUSK_CTRL_JOURNAL_H */
