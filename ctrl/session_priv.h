/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by session.c (model, journal, commands), session_run.c
 * (moving sessions on) and session_json.c (list, show).
 */
#ifndef TUSK_CTRL_SESSION_PRIV_H
#define TUSK_CTRL_SESSION_PRIV_H

#include "session.h"
#include "session_fsm.h"
#include "session_spec.h"

/* A running analysis job is asked for its state this often: jobs run for
 * minutes, and a poll is a stat or two in the launcher. */
#define SESSION_JOB_POLL_MS 500
/* The loop ticks at least this often while transfers run (progress). */
#define SESSION_TICK_MS TUSK_XFER_POLL_MS
/* A file name with its destination directory. */
#define SESSION_DEST_MAX (TUSK_SPEC_PATH_MAX + TUSK_JOURNAL_NAME_MAX + 2)

struct ctrld_session;

enum work_kind { WORK_VERIFY, WORK_HANDOFF, WORK_LIST, WORK_FETCH,
		 WORK_IMAGE };

/* One worker item; results are read by its done() on the loop. */
struct session_work {
	struct tusk_work w;
	enum work_kind kind;
	struct tusk_ctrld *c;
	int64_t sid;
	int idx;
	bool abandoned;		/* the session went away meanwhile */
	/* in (WORK_IMAGE: the image cache; out: the image directory) */
	char path[TUSK_CTRLD_PATH_MAX + SESSION_DEST_MAX];
	char want_sha[TUSK_JOURNAL_SHA_HEX];	/* tuskd's sha256 */
	char want_src[TUSK_JOURNAL_SHA_HEX];	/* the source's */
	char url[TUSK_JOURNAL_URL_MAX];		/* WORK_FETCH: swift:// */
	const struct tusk_ctrld_storage *storage;
	char *token;			/* WORK_LIST: source_token (a copy) */
	/* out */
	int64_t size;
	bool cached;			/* WORK_IMAGE: no fetch needed */
	int rc;
	bool final;
	unsigned int handed;
	char sha256[TUSK_JOURNAL_SHA_HEX];
	char why[TUSK_JOURNAL_REASON_MAX];
	json_t *listed;
};

struct ctrld_file {
	struct tusk_jfile j;		/* what the journal keeps */
	char dest[SESSION_DEST_MAX];	/* relative to the data root */
	uint32_t xfer_id;		/* tuskd's, valid in xfer_epoch */
	uint64_t xfer_epoch;
	int64_t bytes, rate, eta_s;	/* progress, memory only */
	struct session_work *work;	/* in flight, or NULL */
};

struct ctrld_session {
	struct tusk_jsession j;		/* j.spec unused: see spec */
	struct tusk_session_spec spec;
	unsigned int nfiles;
	struct ctrld_file *files;
	struct tusk_jjob job;		/* the current analysis step's */
	bool job_known;			/* job row journaled */
	bool job_submitted;		/* submit called by this process */
	uint64_t job_poll_ms;
	struct session_work *listing;
	unsigned int list_attempts;	/* listings failed for a reason a
					 * retry can mend (not journaled: a
					 * restart lists afresh) */
	double list_next_try;		/* real time of the next listing */
	/* the current step's swift:// image, made a directory (image_swift.h) */
	struct session_work *imaging;
	bool image_ready;
	unsigned int image_step;
	char image_dir[TUSK_CTRLD_PATH_MAX + SESSION_DEST_MAX];
};

struct tusk_ctrld {
	const struct tusk_ctrld_conf *conf;
	struct tusk_journal *journal;
	struct tusk_xfer *xfer;
	struct tusk_worker *worker;
	struct tusk_ctrld_clock now;
	unsigned int nsessions, cap;
	struct ctrld_session **sessions;
	bool busy;			/* something moves: tick soon */
};

struct ctrld_session *session_find(struct tusk_ctrld *c, int64_t id);
/* Load session `id` from the journal into a new object (not added). */
struct ctrld_session *session_load(struct tusk_ctrld *c, int64_t id,
				   char *err, size_t errlen);
void session_free(struct ctrld_session *s);
/* In memory, or loaded (then *loaded: free it with session_free). */
struct ctrld_session *session_get(struct tusk_ctrld *c, int64_t id,
				  bool *loaded, char *err, size_t errlen);

/* Apply an event: journal the new state (with a history line), then
 * act. false when the event does not apply. */
bool session_event(struct tusk_ctrld *c, struct ctrld_session *s,
		   enum tusk_session_event ev, const char *reason);
bool session_file_event(struct tusk_ctrld *c, struct ctrld_session *s,
			struct ctrld_file *f, enum tusk_file_event ev,
			const char *reason);
/* A failed step: counts the attempt, then FAIL or FAIL_FINAL. */
void session_file_fail(struct tusk_ctrld *c, struct ctrld_session *s,
		       struct ctrld_file *f, bool final, const char *reason);
/* Journal the session row / a file row now (log on failure). */
int session_save(struct tusk_ctrld *c, struct ctrld_session *s);
int session_file_save(struct tusk_ctrld *c, struct ctrld_session *s,
		      struct ctrld_file *f);
void session_note(struct tusk_ctrld *c, struct ctrld_session *s, int file,
		  const char *what, const char *text);
/* Files of a listed or given source, journaled in one transaction. */
int session_set_files(struct tusk_ctrld *c, struct ctrld_session *s,
		      json_t *urls, char *err, size_t errlen);

/* session_run.c: the actions */
void run_fetch(struct tusk_ctrld *c, struct ctrld_session *s,
	       struct ctrld_file *f);
void run_verify(struct tusk_ctrld *c, struct ctrld_session *s,
		struct ctrld_file *f);
void run_handoff(struct tusk_ctrld *c, struct ctrld_session *s,
		 struct ctrld_file *f);
void run_analysis(struct tusk_ctrld *c, struct ctrld_session *s);
void run_cancel_job(struct tusk_ctrld *c, struct ctrld_session *s);
void run_session(struct tusk_ctrld *c, struct ctrld_session *s);
/* Where a session's data is for its jobs (and notebooks): the last posix
 * hand-off's directory, else its destination in the data root. */
void session_data_dir(const struct tusk_ctrld *c,
		      const struct ctrld_session *s, char *out, size_t len);

/* session_json.c */
json_t *session_json(struct tusk_ctrld *c, struct ctrld_session *s,
		     bool files, bool history);

void session_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TUSK_CTRL_SESSION_PRIV_H */
