/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * launch: how tusk-ctrld starts an analysis job next to the data, behind one
 * table of operations (STYLE.md habit 5: pluggable parts are tables of
 * function pointers). A session's analysis step names a launcher from
 * ctrld.conf (`[launcher NAME]`, `type = local` by default); the session
 * code only ever calls these operations.
 *
 *   session step ANALYSING
 *     -> ops->submit(spec)      idempotent per spec->id (see below)
 *     -> ops->poll(id)          until a final state; non-blocking
 *     -> ops->cancel(id)        on session cancel (kills the job)
 *     -> ops->logs(id)          the tail of the job's output, for `show`
 *
 * Restart rule (the journal's promise: "a launched job is found again rather
 * than launched twice"): ctrld journals the step as launching, with the job's
 * id, *before* it calls submit. After a crash it calls submit again with the
 * same id: a launcher must then find the job it started earlier (running or
 * finished, even by a previous ctrld process) and return 0 without starting a
 * second one. So a job's identity lives with the launcher (its job directory,
 * the scheduler's app id), never only in ctrld's memory.
 *
 * Errors: 0 or -errno, with a half-line reason in the caller's buffer.
 */
#ifndef TUSK_CTRL_LAUNCH_H
#define TUSK_CTRL_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* A job id is "<session id>-<step index>": letters, digits, '.', '_', '-'. */
#define TUSK_JOB_ID_MAX 128
/* A reason is one line a person reads in `tuskctl session show`. */
#define TUSK_JOB_REASON_MAX 256

enum tusk_job_kind {
	TUSK_JOB_COMMAND,	/* argv run in the container */
	TUSK_JOB_NOTEBOOK,	/* a Jupyter notebook executed headless */
};

/* What an analysis step asks for. Everything is owned by the caller and
 * only read during submit. */
struct tusk_job_spec {
	const char *id;			/* TUSK_JOB_ID_MAX, stable across restarts */
	enum tusk_job_kind kind;
	const char *const *argv;	/* COMMAND: NULL-terminated */
	const char *notebook;		/* NOTEBOOK: host path of the .ipynb */
	const json_t *params;		/* NOTEBOOK: object of parameters, or NULL;
					 * "data_dir" is always passed as well */
	const char *image;		/* root file system: a directory or an
					 * OCI/docker archive; NULL = the
					 * launcher's configured default */
	const char *data_dir;		/* host dir, mounted read-only at /data */
	const char *out_dir;		/* host dir, mounted read-write at /out */
	const char *const *env;		/* "KEY=VALUE", NULL-terminated, or NULL */
	bool network;			/* false: no network at all */
	uint64_t mem_bytes;		/* 0 = launcher default */
	double cpus;			/* 0 = launcher default */
	unsigned int timeout_s;		/* 0 = launcher default */
};

enum tusk_job_state {
	TUSK_JOB_PENDING,	/* accepted, not started yet */
	TUSK_JOB_RUNNING,
	TUSK_JOB_SUCCEEDED,	/* exit code 0 */
	TUSK_JOB_FAILED,	/* non-zero exit, killed, or could not start */
	TUSK_JOB_TIMEOUT,	/* killed at timeout_s */
	TUSK_JOB_CANCELLED,	/* killed by cancel */
};

struct tusk_job_status {
	enum tusk_job_state state;
	int exit_code;				/* valid in final states; -1 if none */
	char reason[TUSK_JOB_REASON_MAX];	/* why FAILED/TIMEOUT, else "" */
	double started_s, ended_s;		/* CLOCK_REALTIME seconds; 0 unknown */
	char runtime[32];			/* what ran it: "bwrap", "podman", ... */
};

struct tusk_launcher;

struct tusk_launcher_ops {
	const char *type;	/* "local", "marathon", ... */
	/* Parse one key of this launcher's `[launcher NAME]` section; -EINVAL
	 * with the reason for a bad value, -ENOENT for an unknown key. */
	int (*conf_set)(struct tusk_launcher *l, const char *key,
			const char *value, char *err, size_t errlen);
	/* Check the whole section once every key is set (and probe runtimes:
	 * the choice made is logged). */
	int (*conf_done)(struct tusk_launcher *l, char *err, size_t errlen);
	int (*submit)(struct tusk_launcher *l, const struct tusk_job_spec *spec,
		      char *err, size_t errlen);
	int (*poll)(struct tusk_launcher *l, const char *id,
		    struct tusk_job_status *st);
	int (*cancel)(struct tusk_launcher *l, const char *id);
	/* Copy the last `len - 1` bytes of the job's log, NUL-terminated. */
	int (*logs)(struct tusk_launcher *l, const char *id, char *buf,
		    size_t len);
	/* The files the job wrote under out_dir (paths relative to it), as a
	 * JSON array; NULL when the job is unknown. */
	json_t *(*outputs)(struct tusk_launcher *l, const char *id);
	void (*destroy)(struct tusk_launcher *l);
};

/* Every launcher: its ops, the NAME of its section, and the directory it
 * keeps its jobs' state under (ctrld.conf's state directory / "jobs"). */
struct tusk_launcher {
	const struct tusk_launcher_ops *ops;
	char name[64];
	char state_dir[4096];
	void *priv;
};

/* Create a launcher of `type` ("local", "marathon"). NULL with the reason in err
 * for an unknown type. */
struct tusk_launcher *tusk_launcher_create(const char *type, const char *name,
					   const char *state_dir, char *err,
					   size_t errlen);
void tusk_launcher_destroy(struct tusk_launcher *l);

const char *tusk_job_state_name(enum tusk_job_state s);
bool tusk_job_state_final(enum tusk_job_state s);

#endif /* TUSK_CTRL_LAUNCH_H */
