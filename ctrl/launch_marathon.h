/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `marathon` launcher's parts (internal to the tusk_launch library):
 *
 *   launch_marathon.c  the ops: conf, submit/poll/cancel/logs/outputs,
 *                      one directory per job under the state dir
 *   marathon_app.c     the app id of a job, the app definition (JSON), the
 *                      job state of an app as GET /v2/apps/{id} shows it
 *   marathon_http.c    one REST call over libcurl, bounded in time
 *   marathon_notebook.c a user's notebook server, as MarathonSpawner makes it
 *
 * A job directory, STATE/<id>/ (files written by rename, never half):
 *   marathon.json  the app id, out_dir and submit time (before the POST)
 *   cancel         present once cancel was asked
 *   status         the final state, written before the app is DELETEd, so
 *                  a ctrld restarted after the DELETE still finds the end
 *
 * Facts about Marathon's API v2 that this code relies on are in README.md
 * "Marathon launcher" (from Marathon v1.7.236's apps.raml and schema).
 */
#ifndef TUSK_CTRL_LAUNCH_MARATHON_H
#define TUSK_CTRL_LAUNCH_MARATHON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "launch.h"

/* One REST call may hold ctrld's loop at most this long (connect included):
 * a Marathon that answers at all answers these calls in milliseconds; one
 * that does not is reported and retried at the next poll. */
#define MARATHON_HTTP_TIMEOUT_MS_DEFAULT 2000
#define MARATHON_HTTP_CONNECT_MS 1000
/* Responses larger than this are not Marathon's (an app with its tasks is
 * a few KiB). */
#define MARATHON_BODY_MAX (4u << 20)
/* Marathon's app id: "/<prefix>/<job>"; path segments of [a-z0-9.-]. */
#define MARATHON_APP_ID_MAX 256
/* A job's run time when neither the spec nor the section says: Marathon
 * itself never ends an app, so a job that hangs is ended by its timeout. */
#define MARATHON_JOB_TIMEOUT_S_DEFAULT (24 * 3600)

struct marathon_conf {
	char url[1024];		/* http://host:8080, no trailing slash */
	char user[256], password[256];
	char token_file[4096];
	char prefix[64];	/* app id prefix: "/<prefix>/<job>" */
	char image[512];	/* default docker image */
	double cpus;		/* default cpus */
	double mem_mib;		/* default mem (MiB) */
	unsigned int poll_ms;	/* least time between two GETs of one job */
	unsigned int timeout_ms;	/* one REST call */
	unsigned int job_timeout_s;
	json_t *app_extra;	/* object merged into every app definition */
	/* a notebook server's command (MarathonSpawner's singleuser image
	 * listens on containerPort 8888) */
	char notebook_cmd[1024];
};

/* Jupyter's port in a notebook server's container. */
#define MARATHON_NOTEBOOK_PORT 8888
#define MARATHON_NOTEBOOK_CMD_DEFAULT "jupyter notebook --no-browser " \
	"--ip=0.0.0.0 --port=8888 --notebook-dir=/data"

/* A marathon launcher's settings (tusk-ctrld's `notebook` command), or
 * NULL when l is another type. */
const struct marathon_conf *tusk_marathon_conf_of(struct tusk_launcher *l);

/* marathon_http.c: method + path (+ JSON body) -> HTTP code and JSON body.
 * Returns 0 with *code set (any HTTP status), or -errno when no answer
 * came (reason in err). *out is the parsed body or NULL. */
int tusk_marathon_http(const struct marathon_conf *c, const char *method,
		       const char *path, const json_t *body, long *code,
		       json_t **out, char *err, size_t errlen);
/* "HTTP 422: Object is not valid: /cpus: ..." from an error body. */
void tusk_marathon_http_reason(long code, const json_t *body, char *out,
			       size_t len);

/* marathon_app.c */
int tusk_marathon_app_id(const char *prefix, const char *job_id, char *out,
			 size_t len);
json_t *tusk_marathon_app_def(const struct marathon_conf *c,
			      const struct tusk_job_spec *s, const char *app_id,
			      char *err, size_t errlen);
/* The job's state from GET /v2/apps/{id}?embed=app.tasks&embed=
 * app.lastTaskFailure's "app" object. */
void tusk_marathon_app_state(const json_t *app, struct tusk_job_status *st);

/* marathon_notebook.c: a user's notebook server (MarathonSpawner's app);
 * each call is one bounded REST call, for ctrld to poll. */
int tusk_marathon_notebook_start(const struct marathon_conf *c,
				 const char *user, const char *data_dir,
				 const char *cmd, char *err, size_t errlen);
int tusk_marathon_notebook_ready(const struct marathon_conf *c,
				 const char *user, char *addr, size_t len,
				 char *err, size_t errlen);
int tusk_marathon_notebook_stop(const struct marathon_conf *c,
				const char *user, char *deployment, size_t len,
				char *err, size_t errlen);
int tusk_marathon_notebook_stopped(const struct marathon_conf *c,
				   const char *deployment, char *err,
				   size_t errlen);

#endif /* TUSK_CTRL_LAUNCH_MARATHON_H */
