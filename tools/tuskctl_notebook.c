/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskctl notebook: a user's notebook server next to a session's data,
 * through tusk-ctrld's `notebook` command (on Marathon, as JupyterHub's
 * MarathonSpawner makes it).
 *
 *   tuskctl [-s SOCKET] [--json] notebook start user=U session=S
 *                                   [launcher=L] [timeout=SECONDS]
 *       starts it, waits until Marathon says it is healthy
 *       (tasksHealthy == 1) and prints host:port
 *   tuskctl ... notebook stop user=U [launcher=L] [timeout=SECONDS]
 *       deletes it and waits until its deployment has ended
 *
 * Each wait asks tusk-ctrld once a second (each answer one bounded REST
 * call to Marathon), for at most `timeout` seconds (default 600: Marathon
 * gives a server 300 s of health-check grace).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tuskctl_notebook.h"
#include "tuskctl_session.h"

/* MarathonSpawner polls once a second. */
#define NOTEBOOK_POLL_MS 1000
#define NOTEBOOK_TIMEOUT_S_DEFAULT 600
#define NOTEBOOK_TIMEOUT_S_MAX 86400

enum { NB_EXIT_FAIL = 1, NB_EXIT_USAGE = 2 };

static void
notebook_usage(FILE *f)
{
	fprintf(f, "usage: tuskctl [-s SOCKET] [--json] notebook start "
		"user=U session=S [launcher=L] [timeout=S]\n"
		"       tuskctl [-s SOCKET] [--json] notebook stop user=U "
		"[launcher=L] [timeout=S]\n");
}

/* key=value arguments into the request; timeout apart. */
static int
parse_args(int argc, char **argv, json_t *req, long *timeout_s)
{
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL || eq == argv[i])
			return -1;
		*eq = '\0';
		if (strcmp(argv[i], "timeout") == 0) {
			char *end;

			*timeout_s = strtol(eq + 1, &end, 10);
			if (*end != '\0' || *timeout_s < 1 ||
			    *timeout_s > NOTEBOOK_TIMEOUT_S_MAX)
				return -1;
		} else if (strcmp(argv[i], "user") == 0 ||
			   strcmp(argv[i], "session") == 0 ||
			   strcmp(argv[i], "launcher") == 0) {
			json_object_set_new(req, argv[i], json_string(eq + 1));
		} else {
			return -1;
		}
	}
	return json_object_get(req, "user") != NULL ? 0 : -1;
}

static json_t *
ask(const char *sock, json_t *base, const char *action, const char *dep)
{
	json_t *req = json_deep_copy(base), *resp, *res;
	char err[512];

	json_object_set_new(req, "cmd", json_string("notebook"));
	json_object_set_new(req, "action", json_string(action));
	if (dep != NULL)
		json_object_set_new(req, "deployment", json_string(dep));
	resp = tuskctl_ctrld_call(sock, req, err, sizeof(err));
	if (resp == NULL) {
		fprintf(stderr, "tuskctl: notebook %s: %s\n", action, err);
		return NULL;
	}
	res = json_incref(json_object_get(resp, "result"));
	json_decref(resp);
	return res;
}

/* Ask `action` once a second until done(result); the last result. */
static json_t *
wait_for(const char *sock, json_t *base, const char *action, const char *dep,
	 long timeout_s, int (*done)(json_t *))
{
	for (long waited = 0; ; waited += NOTEBOOK_POLL_MS) {
		json_t *res = ask(sock, base, action, dep);

		if (res == NULL || done(res))
			return res;
		json_decref(res);
		if (waited >= timeout_s * 1000) {
			fprintf(stderr, "tuskctl: notebook: not %s after %ld s\n",
				strcmp(action, "status") == 0 ? "healthy" :
				"stopped", timeout_s);
			return NULL;
		}
		usleep(NOTEBOOK_POLL_MS * 1000);
	}
}

static int
is_running(json_t *r)
{
	return strcmp(json_string_value(json_object_get(r, "state")) ?: "",
		      "running") == 0;
}

static int
is_stopped(json_t *r)
{
	return json_is_true(json_object_get(r, "stopped"));
}

static int
print_done(json_t *res, bool as_json, const char *field)
{
	if (res == NULL)
		return NB_EXIT_FAIL;
	if (as_json) {
		char *t = json_dumps(res, JSON_COMPACT);

		printf("%s\n", t ? t : "null");
		free(t);
	} else {
		printf("%s\n", json_string_value(json_object_get(res, field)) ?:
		       "stopped");
	}
	json_decref(res);
	return 0;
}

int
tuskctl_notebook(int argc, char **argv, const char *sock, bool as_json)
{
	const char *cmd = argc > 0 ? argv[0] : "";
	long timeout_s = NOTEBOOK_TIMEOUT_S_DEFAULT;
	json_t *base = json_object(), *res;
	int rc = NB_EXIT_FAIL;
	char dep[256];

	sock = tuskctl_ctrld_socket(sock);
	if ((strcmp(cmd, "start") != 0 && strcmp(cmd, "stop") != 0) ||
	    parse_args(argc, argv, base, &timeout_s) < 0) {
		notebook_usage(stderr);
		json_decref(base);
		return NB_EXIT_USAGE;
	}
	res = ask(sock, base, cmd, NULL);
	if (res != NULL && strcmp(cmd, "start") == 0) {
		json_decref(res);
		rc = print_done(wait_for(sock, base, "status", NULL, timeout_s,
					 is_running), as_json, "address");
	} else if (res != NULL) {
		snprintf(dep, sizeof(dep), "%s", json_string_value(
			 json_object_get(res, "deployment")) ?: "");
		json_decref(res);
		rc = print_done(wait_for(sock, base, "stopped", dep, timeout_s,
					 is_stopped), as_json, "");
	}
	json_decref(base);
	return rc;
}
