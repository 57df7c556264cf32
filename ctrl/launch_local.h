/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `local` launcher's parts (internal to the tusk_launch library):
 *
 *   launch_local.c       the ops: conf, submit/poll/cancel/logs/outputs,
 *                        one directory per job under the state dir
 *   launch_supervisor.c  the process that runs one job and outlives ctrld
 *   launch_runtime.c     the runtime table, the auto choice, argv building
 *   launch_bwrap.c       bubblewrap
 *   launch_podman.c      podman
 *   launch_notebook.c    a notebook job as a command (parameters injected)
 *
 * A job directory, STATE/<id>/ (all files written by rename, never half):
 *   lock        flock(2)ed by the supervisor for as long as it lives
 *   spec.json   what was asked, with the runtime and limits that apply
 *   pid         the supervisor's and the job's pid and start time
 *   log         the job's stdout and stderr (capped at LAUNCH_LOG_MAX)
 *   cancel      present once cancel was asked
 *   status      the final state, written once by the supervisor
 *   in/         what the job reads besides /data (the notebook), ro
 *   report/     what the job reports back (the notebook's error), rw
 */
#ifndef TUSK_CTRL_LAUNCH_LOCAL_H
#define TUSK_CTRL_LAUNCH_LOCAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "launch.h"

/* Where the job sees its inputs and reports (container paths). */
#define LAUNCH_DATA_MNT "/data"
#define LAUNCH_OUT_MNT "/out"
#define LAUNCH_IN_MNT "/tusk/in"
#define LAUNCH_REPORT_MNT "/tusk/report"

/* Bytes of a job's output kept in its log: enough for any traceback, and a
 * job printing in a loop cannot fill the state directory's disk. */
#define LAUNCH_LOG_MAX (64u << 20)
/* Between SIGTERM and SIGKILL at timeout or cancel: time for a job to
 * flush what it wrote, short enough that cancel feels immediate. */
#define LAUNCH_KILL_GRACE_S 5
/* A trivial `podman run` the first time can take a while (storage set-up);
 * a runtime slower than this to run /bin/true is not usable anyway. */
#define LAUNCH_PROBE_TIMEOUT_S 60
/* A path in a job directory: the state dir, the id, "/report/reason". */
#define LAUNCH_JOB_PATH_MAX (4096 + TUSK_JOB_ID_MAX + 64)
/* Arguments of one runtime command line: mounts, env, the job's argv. */
#define LAUNCH_ARGV_MAX 4096

struct tusk_launch_job;
struct tusk_launch_argv;

/* A container runtime: how one job becomes one command line. */
struct tusk_launch_runtime {
	const char *name;		/* "bwrap", "podman" */
	const char *program;		/* found on PATH */
	/* The memory limit is set as RLIMIT_AS on the runtime's process
	 * (bwrap); false when the runtime enforces it itself (podman). */
	bool rlimit_mem;
	/* Run /bin/true under the runtime with `image`; 0 if it worked,
	 * else -errno with the runtime's own words in why. */
	int (*probe)(const char *image, char *why, size_t len);
	/* Append the command line that runs job j to a. */
	int (*argv)(const struct tusk_launch_job *j, struct tusk_launch_argv *a);
	/* Make sure a job's container is gone after its process group was
	 * killed (podman's container lives in conmon); NULL if not needed. */
	void (*stop)(const char *id);
};

/* A growable, NULL-terminated argv of copied strings. */
struct tusk_launch_argv {
	char **v;
	size_t n, cap;
	bool failed;		/* an add ran out of memory or LAUNCH_ARGV_MAX */
};

/* One job as a runtime sees it: host paths resolved and checked. */
struct tusk_launch_job {
	const char *id;
	const char *image;
	const char *data_dir, *out_dir;
	const char *in_dir, *report_dir;
	const char *const *argv;	/* run in the container */
	const char *const *env;		/* "KEY=VALUE" or NULL */
	bool network;
	uint64_t mem_bytes;
	double cpus;
};

enum tusk_launch_rt_want {
	LAUNCH_RT_AUTO,
	LAUNCH_RT_PODMAN,
	LAUNCH_RT_BWRAP,
};

extern const struct tusk_launch_runtime tusk_launch_bwrap;
extern const struct tusk_launch_runtime tusk_launch_podman;

/* launch_runtime.c */
void tusk_launch_argv_add(struct tusk_launch_argv *a, const char *s);
void tusk_launch_argv_addf(struct tusk_launch_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tusk_launch_argv_free(struct tusk_launch_argv *a);
int tusk_launch_runtime_choose(enum tusk_launch_rt_want want,
			       const char *image,
			       const struct tusk_launch_runtime **rt,
			       char *why, size_t len);
int tusk_launch_run_capture(char *const argv[], unsigned int timeout_s,
			    char *last_line, size_t len);
void tusk_launch_env_base(struct tusk_launch_argv *env, const char *id);

/* launch_supervisor.c: everything prepared before the fork. */
struct tusk_launch_sup {
	int dir_fd;			/* the job directory */
	int lock_fd;			/* flock held, handed to the supervisor */
	char *const *argv;		/* the runtime's command line */
	const struct tusk_launch_runtime *rt;
	const char *id;
	unsigned int timeout_s;
	uint64_t mem_bytes;
	double cpus;
	bool notebook;
};
int tusk_launch_supervisor_start(const struct tusk_launch_sup *s, char *err,
				 size_t errlen);
/* The start time of pid (clock ticks since boot, /proc/PID/stat field 22),
 * 0 if it is gone: with the pid it names one process, never a reused pid. */
unsigned long long tusk_launch_proc_start(int pid);
int tusk_launch_kill_orphans(int pgid, int sid);
int tusk_launch_json_put(int dir_fd, const char *name, json_t *j);
int tusk_launch_status_write(int dir_fd, const struct tusk_job_status *st);

/* launch_local.c, shared with the marathon launcher's job directories */
json_t *tusk_launch_json_at(int dir_fd, const char *name);
bool tusk_launch_status_read(int dir_fd, struct tusk_job_status *st);
json_t *tusk_launch_outputs_list(const char *out_dir);
bool tusk_launch_job_id_ok(const char *id);
bool tusk_launch_env_ok(const char *kv);

/* launch_notebook.c */
int tusk_launch_notebook_prepare(const struct tusk_job_spec *spec,
				 const char *in_dir, struct tusk_launch_argv *argv,
				 char *err, size_t errlen);
void tusk_launch_notebook_reason(int dir_fd, char *reason, size_t len);

/* launch.c */
void tusk_launch_log(const struct tusk_launcher *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* TUSK_CTRL_LAUNCH_LOCAL_H */
