/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A user's notebook server as a Marathon app, as JupyterHub's
 * MarathonSpawner makes it (the parts tusk-ctrld's `notebook start|stop`
 * will call; none of them blocks: ctrld polls).
 *
 *   start:   POST /v2/apps  /<prefix>/<user>, DOCKER, BRIDGE, port mapping
 *            containerPort 8888 -> hostPort 0, TCP health check, the
 *            session's data as a read-only volume
 *   ready:   GET /v2/apps/{id}?embed=app.tasks until tasksHealthy == 1,
 *            then tasks[0].host : tasks[0].ports[0]
 *   stop:    DELETE /v2/apps/{id} -> deploymentId
 *   stopped: GET /v2/deployments until that deployment is gone
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "launch_marathon.h"

/* Jupyter's port in the container; Marathon maps it to a free host port. */
#define NOTEBOOK_CONTAINER_PORT MARATHON_NOTEBOOK_PORT
/* MarathonSpawner's health check: a server that takes minutes to start
 * (a large image pulled) is not killed for it. */
#define NOTEBOOK_GRACE_S 300

static int
notebook_id(const struct marathon_conf *c, const char *user, char *out,
	    size_t len)
{
	return tusk_marathon_app_id(c->prefix, user, out, len);
}

static json_t *
notebook_def(const struct marathon_conf *c, const char *app_id,
	     const char *user, const char *data_dir, const char *cmd)
{
	return json_pack("{s:s, s:s, s:f, s:f, s:i, s:{s:s, s:s}, s:{s:s, s:{s:s, s:s, s:[{s:i, s:i, s:s}]}, s:[{s:s, s:s, s:s}]}, s:[{s:s, s:i, s:i, s:i, s:i, s:i}], s:{s:s}}",
			 "id", app_id, "cmd", cmd, "cpus", c->cpus,
			 "mem", c->mem_mib, "instances", 1,
			 "env", "JPY_USER", user, "NOTEBOOK_DIR", "/data",
			 "container", "type", "DOCKER", "docker", "image", c->image,
			 "network", "BRIDGE", "portMappings", "containerPort",
			 NOTEBOOK_CONTAINER_PORT, "hostPort", 0, "protocol", "tcp",
			 "volumes", "containerPath", "/data", "hostPath", data_dir,
			 "mode", "RO",
			 "healthChecks", "protocol", "TCP", "portIndex", 0,
			 "gracePeriodSeconds", NOTEBOOK_GRACE_S, "intervalSeconds", 1,
			 "timeoutSeconds", 20, "maxConsecutiveFailures", 0,
			 "labels", "tusk.notebook", user);
}

int
tusk_marathon_notebook_start(const struct marathon_conf *c, const char *user,
			     const char *data_dir, const char *cmd, char *err,
			     size_t errlen)
{
	char app_id[MARATHON_APP_ID_MAX];
	json_t *def, *ans;
	long code;
	int rc;

	if (notebook_id(c, user, app_id, sizeof(app_id)) < 0 || data_dir[0] != '/') {
		snprintf(err, errlen, "user '%.64s' or data dir '%.64s' not usable", user,
			 data_dir);
		return -EINVAL;
	}
	def = notebook_def(c, app_id, user, data_dir, cmd);
	if (def == NULL)
		return -ENOMEM;
	rc = tusk_marathon_http(c, "POST", "/v2/apps", def, &code, &ans, err, errlen);
	json_decref(def);
	if (rc == 0 && code != 201) {
		tusk_marathon_http_reason(code, ans, err, errlen);
		rc = code == 409 ? -EEXIST : -EPROTO;
	}
	json_decref(ans);
	return rc;
}

/* 0 and "host:port" once healthy; -EAGAIN while not yet. */
int
tusk_marathon_notebook_ready(const struct marathon_conf *c, const char *user,
			     char *addr, size_t len, char *err, size_t errlen)
{
	char app_id[MARATHON_APP_ID_MAX], path[MARATHON_APP_ID_MAX + 32];
	json_t *ans, *app, *task;
	long code;
	int rc;

	if (notebook_id(c, user, app_id, sizeof(app_id)) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/v2/apps%s?embed=app.tasks", app_id);
	rc = tusk_marathon_http(c, "GET", path, NULL, &code, &ans, err, errlen);
	if (rc < 0)
		return rc;
	app = json_object_get(ans, "app");
	task = json_array_get(json_object_get(app, "tasks"), 0);
	if (code != 200) {
		tusk_marathon_http_reason(code, ans, err, errlen);
		rc = code == 404 ? -ENOENT : -EPROTO;
	} else if (json_integer_value(json_object_get(app, "tasksHealthy")) != 1) {
		rc = -EAGAIN;
	} else {
		snprintf(addr, len, "%s:%lld",
			 json_string_value(json_object_get(task, "host")) ?: "?",
			 (long long)json_integer_value(json_array_get(
				 json_object_get(task, "ports"), 0)));
	}
	json_decref(ans);
	return rc;
}

int
tusk_marathon_notebook_stop(const struct marathon_conf *c, const char *user,
			    char *deployment, size_t len, char *err, size_t errlen)
{
	char app_id[MARATHON_APP_ID_MAX], path[MARATHON_APP_ID_MAX + 32];
	json_t *ans;
	long code;
	int rc;

	if (notebook_id(c, user, app_id, sizeof(app_id)) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/v2/apps%s", app_id);
	rc = tusk_marathon_http(c, "DELETE", path, NULL, &code, &ans, err, errlen);
	if (rc == 0 && code != 200) {
		tusk_marathon_http_reason(code, ans, err, errlen);
		rc = code == 404 ? -ENOENT : -EPROTO;
	}
	if (rc == 0)
		snprintf(deployment, len, "%s", json_string_value(
			 json_object_get(ans, "deploymentId")) ?: "");
	json_decref(ans);
	return rc;
}

/* 0 once the deployment is no longer listed; -EAGAIN while it is. */
int
tusk_marathon_notebook_stopped(const struct marathon_conf *c,
			       const char *deployment, char *err, size_t errlen)
{
	json_t *ans, *d;
	size_t i;
	long code;
	int rc = tusk_marathon_http(c, "GET", "/v2/deployments", NULL, &code,
				    &ans, err, errlen);

	if (rc < 0)
		return rc;
	if (code != 200 || !json_is_array(ans)) {
		tusk_marathon_http_reason(code, ans, err, errlen);
		json_decref(ans);
		return -EPROTO;
	}
	json_array_foreach(ans, i, d)
		if (strcmp(json_string_value(json_object_get(d, "id")) ?: "",
			   deployment) == 0)
			rc = -EAGAIN;
	json_decref(ans);
	return rc;
}
