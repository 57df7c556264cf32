/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A job as a Marathon app: its id, its definition, and its state read back.
 *
 *   tusk_marathon_app_id()    "/<prefix>/<job id>" in Marathon's id alphabet
 *   tusk_marathon_app_def()   the JSON POSTed to /v2/apps
 *   tusk_marathon_app_state() GET /v2/apps/{id} -> a job state
 *
 * The definition stays inside Marathon v1.7.236's AppDefinition.json (the
 * schema has additionalProperties false: one unknown key is a 422):
 *   id, args (the job's argv; never cmd as well), cpus, mem (MiB),
 *   instances 1, container {type DOCKER, docker {image, network},
 *   volumes [{containerPath /data, hostPath, mode RO}, {.. /out .. RW}]}
 *   (volumes inside container: at top level the schema rejects them),
 *   env (string map), labels naming the job, session and launcher.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "launch_marathon.h"
#include "launch_local.h"

/* Marathon's id segments are [a-z0-9][a-z0-9.-]*[a-z0-9] (the schema's
 * "id" pattern): a job id is lowercased and '_' becomes '-'. Two job ids
 * differing only there map to one app; the job label tells them apart. */
int
tusk_marathon_app_id(const char *prefix, const char *job_id, char *out,
		     size_t len)
{
	size_t n = strlen(job_id), p;

	if (n == 0 || !isalnum((unsigned char)job_id[0]) ||
	    !isalnum((unsigned char)job_id[n - 1]))
		return -EINVAL;
	if ((size_t)snprintf(out, len, "/%s/", prefix) >= len)
		return -ENAMETOOLONG;
	p = strlen(out);
	if (p + n >= len)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)job_id[i];

		if (!isalnum(ch) && ch != '-' && ch != '.' && ch != '_')
			return -EINVAL;
		out[p + i] = ch == '_' ? '-' : (char)tolower(ch);
	}
	out[p + n] = '\0';
	return 0;
}

static json_t *
volume(const char *container_path, const char *host_path, const char *mode)
{
	return json_pack("{s:s, s:s, s:s}", "containerPath", container_path,
			 "hostPath", host_path, "mode", mode);
}

static json_t *
container(const char *image, const struct tusk_job_spec *s)
{
	/* docker.network: NONE unless the job asked for the network (as the
	 * local launcher's --unshare-net); HOST otherwise. */
	return json_pack("{s:s, s:{s:s, s:s}, s:[o, o]}", "type", "DOCKER",
			 "docker", "image", image, "network",
			 s->network ? "HOST" : "NONE",
			 "volumes", volume(LAUNCH_DATA_MNT, s->data_dir, "RO"),
			 volume(LAUNCH_OUT_MNT, s->out_dir, "RW"));
}

static json_t *
env_map(const struct tusk_job_spec *s)
{
	json_t *env = json_pack("{s:s, s:s, s:s}", "TUSK_JOB_ID", s->id,
				"TUSK_DATA", LAUNCH_DATA_MNT, "TUSK_OUT",
				LAUNCH_OUT_MNT);

	for (size_t i = 0; env != NULL && s->env != NULL && s->env[i]; i++) {
		const char *eq = strchr(s->env[i], '=');
		char key[256];

		if (eq == NULL || eq == s->env[i] ||
		    (size_t)(eq - s->env[i]) >= sizeof(key))
			continue;	/* refused at submit */
		snprintf(key, sizeof(key), "%.*s", (int)(eq - s->env[i]),
			 s->env[i]);
		json_object_set_new(env, key, json_string(eq + 1));
	}
	return env;
}

/* The session id is the job id without its "-<step>" (launch.h). */
static json_t *
labels(const struct tusk_job_spec *s)
{
	const char *dash = strrchr(s->id, '-');
	int n = dash != NULL ? (int)(dash - s->id) : (int)strlen(s->id);
	char session[TUSK_JOB_ID_MAX];

	snprintf(session, sizeof(session), "%.*s", n, s->id);
	return json_pack("{s:s, s:s}", "tusk.job", s->id, "tusk.session",
			 session);
}

static json_t *
args_array(const char *const *argv)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && argv[i] != NULL; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

json_t *
tusk_marathon_app_def(const struct marathon_conf *c,
		      const struct tusk_job_spec *s, const char *app_id,
		      char *err, size_t errlen)
{
	const char *image = s->image != NULL ? s->image : c->image;
	double mem = s->mem_bytes ? (double)s->mem_bytes / (1024.0 * 1024.0)
				  : c->mem_mib;
	json_t *app;

	if (s->kind != TUSK_JOB_COMMAND || s->argv == NULL || s->argv[0] == NULL) {
		snprintf(err, errlen, "marathon runs command jobs only (a non-empty argv)");
		return NULL;
	}
	if (image[0] == '\0') {
		snprintf(err, errlen, "no image: the job names none and the section has no image key");
		return NULL;
	}
	app = json_pack("{s:s, s:o, s:f, s:f, s:i, s:o, s:o, s:o}", "id", app_id,
			"args", args_array(s->argv), "cpus",
			s->cpus > 0 ? s->cpus : c->cpus, "mem", mem,
			"instances", 1, "container", container(image, s),
			"env", env_map(s), "labels", labels(s));
	if (app == NULL) {
		snprintf(err, errlen, "out of memory building the app definition");
		return NULL;
	}
	/* The operator's extra fields (constraints, acceptedResourceRoles,
	 * ...) are Marathon's to judge: a bad one comes back as a 422. */
	if (c->app_extra != NULL)
		json_object_update(app, c->app_extra);
	return app;
}

static double
iso_seconds(const char *iso)
{
	struct tm tm = { 0 };

	if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (double)timegm(&tm);
}

/* Mesos task states (task.raml): the job's end is its task's end. */
static enum tusk_job_state
task_state(const char *s)
{
	if (s == NULL)
		return TUSK_JOB_PENDING;
	if (strcmp(s, "TASK_RUNNING") == 0 || strcmp(s, "TASK_KILLING") == 0)
		return TUSK_JOB_RUNNING;
	if (strcmp(s, "TASK_FINISHED") == 0)
		return TUSK_JOB_SUCCEEDED;
	if (strcmp(s, "TASK_FAILED") == 0 || strcmp(s, "TASK_KILLED") == 0 ||
	    strcmp(s, "TASK_ERROR") == 0 || strcmp(s, "TASK_LOST") == 0 ||
	    strcmp(s, "TASK_DROPPED") == 0 || strcmp(s, "TASK_GONE") == 0)
		return TUSK_JOB_FAILED;
	return TUSK_JOB_PENDING;	/* STAGING, STARTING, UNREACHABLE... */
}

/* "Command exited with status N" is how Mesos reports an exit code. */
static int
exit_code_of(const char *msg)
{
	int code;

	if (msg != NULL && sscanf(msg, "Command exited with status %d", &code) == 1)
		return code;
	return -1;
}

void
tusk_marathon_app_state(const json_t *app, struct tusk_job_status *st)
{
	json_t *task = json_array_get(json_object_get(app, "tasks"), 0);
	const char *ts = json_string_value(json_object_get(task, "state"));
	json_t *fail = json_object_get(app, "lastTaskFailure");
	const char *msg = json_string_value(json_object_get(fail, "message"));

	memset(st, 0, sizeof(*st));
	snprintf(st->runtime, sizeof(st->runtime), "marathon");
	st->exit_code = -1;
	st->state = task_state(ts);
	st->started_s = iso_seconds(json_string_value(json_object_get(task,
							 "startedAt")));
	if (st->state == TUSK_JOB_SUCCEEDED)
		st->exit_code = 0;
	if (st->state == TUSK_JOB_FAILED) {
		st->exit_code = exit_code_of(msg);
		snprintf(st->reason, sizeof(st->reason), "%s: %s", ts,
			 msg != NULL ? msg : "no message from Marathon");
	}
}
