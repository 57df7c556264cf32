/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld_notebook: the `notebook` command (ctrld_notebook.h).
 *
 *   tusk_ctrld_notebook() -> launcher_of(): the named marathon launcher,
 *                            else the first one in ctrld.conf
 *     start:   session_get() -> session_data_dir() -> notebook_start
 *     status:  notebook_ready    stop: notebook_stop
 *     stopped: notebook_stopped
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl_arg.h"
#include "ctrld_notebook.h"
#include "launch_marathon.h"
#include "session_priv.h"

/* Marathon's deployment ids are UUIDs. */
#define NOTEBOOK_DEPLOYMENT_MAX 128
#define NOTEBOOK_ADDR_MAX 300

static const struct marathon_conf *
launcher_of(struct tusk_ctrld *c, json_t *args, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(args, "launcher"));
	const struct tusk_ctrld_conf *conf = c->conf;
	unsigned int i;

	if (name != NULL) {
		struct tusk_launcher *l = tusk_ctrld_conf_launcher(conf, name);
		const struct marathon_conf *m = l ? tusk_marathon_conf_of(l) : NULL;

		if (m == NULL)
			snprintf(err, errlen, "launcher: no [launcher %.64s] "
				 "type = marathon in %s", name, conf->path);
		return m;
	}
	for (i = 0; i < conf->nlaunchers; i++)
		if (tusk_marathon_conf_of(conf->launchers[i]) != NULL)
			return tusk_marathon_conf_of(conf->launchers[i]);
	snprintf(err, errlen, "no [launcher NAME] type = marathon in %s: "
		 "notebooks run on Marathon", conf->path);
	return NULL;
}

static int
nb_start(struct tusk_ctrld *c, const struct marathon_conf *m,
	 const char *user, json_t *args, json_t **result, char *err,
	 size_t errlen)
{
	char data[TUSK_CTRLD_PATH_MAX], why[256];
	struct ctrld_session *s;
	struct stat st;
	bool loaded;
	int64_t id = tusk_ctl_arg_uint(args, "session", 0, INT64_MAX, err,
				       errlen);

	if (id <= 0) {
		if (id == 0)
			snprintf(err, errlen, "\"session\" (a session id) is "
				 "required");
		return -1;
	}
	s = session_get(c, id, &loaded, err, errlen);
	if (s == NULL)
		return -1;
	session_data_dir(c, s, data, sizeof(data));
	if (loaded)
		session_free(s);
	if (stat(data, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "session %lld: its data %.200s is not "
			 "there (yet)", (long long)id, data);
		return -1;
	}
	if (tusk_marathon_notebook_start(m, user, data, m->notebook_cmd, why,
					 sizeof(why)) < 0) {
		snprintf(err, errlen, "notebook for %.64s: %s", user, why);
		return -1;
	}
	*result = json_pack("{s:s, s:s, s:s, s:I}", "user", user, "state",
			    "starting", "data", data, "session", (json_int_t)id);
	return 0;
}

static int
nb_status(const struct marathon_conf *m, const char *user, json_t **result,
	  char *err, size_t errlen)
{
	char addr[NOTEBOOK_ADDR_MAX], why[256];
	int rc = tusk_marathon_notebook_ready(m, user, addr, sizeof(addr), why,
					      sizeof(why));

	if (rc == -EAGAIN) {
		*result = json_pack("{s:s, s:s}", "user", user, "state",
				    "starting");
	} else if (rc == 0) {
		*result = json_pack("{s:s, s:s, s:s}", "user", user, "state",
				    "running", "address", addr);
	} else {
		snprintf(err, errlen, "notebook for %.64s: %s", user,
			 rc == -ENOENT ? "none (not started, or stopped)" : why);
		return -1;
	}
	return *result ? 0 : -1;
}

static int
nb_stop(const struct marathon_conf *m, const char *user, json_t **result,
	char *err, size_t errlen)
{
	char dep[NOTEBOOK_DEPLOYMENT_MAX], why[256];
	int rc = tusk_marathon_notebook_stop(m, user, dep, sizeof(dep), why,
					     sizeof(why));

	if (rc < 0) {
		snprintf(err, errlen, "notebook for %.64s: %s", user,
			 rc == -ENOENT ? "none (not started, or stopped)" : why);
		return -1;
	}
	*result = json_pack("{s:s, s:s}", "user", user, "deployment", dep);
	return *result ? 0 : -1;
}

static int
nb_stopped(const struct marathon_conf *m, json_t *args, json_t **result,
	   char *err, size_t errlen)
{
	const char *dep = json_string_value(json_object_get(args,
							    "deployment"));
	char why[256];
	int rc;

	if (dep == NULL || dep[0] == '\0') {
		snprintf(err, errlen, "\"deployment\" (from stop) is required");
		return -1;
	}
	rc = tusk_marathon_notebook_stopped(m, dep, why, sizeof(why));
	if (rc < 0 && rc != -EAGAIN) {
		snprintf(err, errlen, "deployment %.64s: %s", dep, why);
		return -1;
	}
	*result = json_pack("{s:s, s:b}", "deployment", dep, "stopped",
			    rc == 0);
	return *result ? 0 : -1;
}

int
tusk_ctrld_notebook(struct tusk_ctrld *c, json_t *args, json_t **result,
		    char *err, size_t errlen)
{
	const char *action = json_string_value(json_object_get(args, "action"));
	const char *user = json_string_value(json_object_get(args, "user"));
	const struct marathon_conf *m;

	if (action == NULL) {
		snprintf(err, errlen, "\"action\": start, status, stop or "
			 "stopped");
		return -1;
	}
	m = launcher_of(c, args, err, errlen);
	if (m == NULL)
		return -1;
	if (strcmp(action, "stopped") == 0)
		return nb_stopped(m, args, result, err, errlen);
	if (user == NULL || user[0] == '\0') {
		snprintf(err, errlen, "\"user\" is required");
		return -1;
	}
	if (strcmp(action, "start") == 0)
		return nb_start(c, m, user, args, result, err, errlen);
	if (strcmp(action, "status") == 0)
		return nb_status(m, user, result, err, errlen);
	if (strcmp(action, "stop") == 0)
		return nb_stop(m, user, result, err, errlen);
	snprintf(err, errlen, "action: \"%.32s\": start, status, stop or "
		 "stopped", action);
	return -1;
}
