/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld_ctl: the commands. Each reads its arguments with ctl_arg.h and
 * answers with session.c's JSON; the socket, framing, dispatch and `help`
 * are the shared library's (app/ctl/).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl_arg.h"
#include "ctrld_ctl.h"
#include "ctrld_notebook.h"

/* Session ids are SQLite rowids: positive int64. */
#define CTL_ID_MAX INT64_MAX

static int
arg_id(json_t *args, int64_t *id, char *err, size_t errlen)
{
	*id = tusk_ctl_arg_uint(args, "id", 0, CTL_ID_MAX, err, errlen);
	if (*id == 0) /* ids start at 1 */
		snprintf(err, errlen, "\"id\" (a session id) is required");
	return *id <= 0 ? -1 : 0;
}

static int
cmd_submit(void *ctx, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;
	struct tusk_ctrld_clock t = x->clock();
	json_t *spec = json_object_get(args, "spec");

	if (json_is_string(spec)) { /* tuskctl key=value: spec=JSON */
		json_error_t je;
		json_t *parsed = json_loads(json_string_value(spec), 0, &je);
		int rc;

		if (parsed == NULL) {
			snprintf(err, errlen, "spec: bad JSON at column %d: %s",
				 je.column, je.text);
			return -1;
		}
		rc = tusk_ctrld_submit(x->ctrld, parsed, &t, result, err,
				       errlen);
		json_decref(parsed);
		return rc;
	}
	if (spec == NULL) {
		snprintf(err, errlen, "\"spec\" (the session, a JSON object) "
			 "is required");
		return -1;
	}
	return tusk_ctrld_submit(x->ctrld, spec, &t, result, err, errlen);
}

static int
cmd_list(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;

	*result = tusk_ctrld_list(x->ctrld);
	return *result ? 0 : (snprintf(err, errlen, "out of memory"), -1);
}

static int
cmd_show(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;
	bool history;
	int64_t id;

	if (arg_id(args, &id, err, errlen) < 0 ||
	    tusk_ctl_arg_bool(args, "history", &history, err, errlen) < 0)
		return -1;
	return tusk_ctrld_show(x->ctrld, id, history, result, err, errlen);
}

typedef int (*id_fn)(struct tusk_ctrld *c, int64_t id,
		     const struct tusk_ctrld_clock *t, json_t **result,
		     char *err, size_t errlen);

/* A command on one session by its id, at the loop's time. */
static int
id_cmd(void *ctx, json_t *args, id_fn fn, json_t **result, char *err,
       size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;
	struct tusk_ctrld_clock t = x->clock();
	int64_t id;

	if (arg_id(args, &id, err, errlen) < 0)
		return -1;
	return fn(x->ctrld, id, &t, result, err, errlen);
}

static int
cmd_cancel(void *ctx, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	return id_cmd(ctx, args, tusk_ctrld_cancel, result, err, errlen);
}

static int
cmd_retry(void *ctx, json_t *args, json_t **result, char *err,
	  size_t errlen)
{
	return id_cmd(ctx, args, tusk_ctrld_retry, result, err, errlen);
}

static int
cmd_status(void *ctx, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;

	*result = json_pack("{s:{s:b, s:I, s:s}, s:i, s:s}",
			    "tuskd", "up", x->xfer->up,
			    "connections", (json_int_t)x->xfer->epoch,
			    "reason", x->xfer->up ? "" : x->xfer->down_reason,
			    "sessions_open",
			    (int)tusk_ctrld_open_sessions(x->ctrld),
			    "journal", x->conf->journal);
	return *result ? 0 : -1;
}

static int
cmd_config(void *ctx, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;

	*result = tusk_ctrld_conf_to_json(x->conf);
	return *result ? 0 : -1;
}

static int
cmd_notebook(void *ctx, json_t *args, json_t **result, char *err,
	     size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;

	return tusk_ctrld_notebook(x->ctrld, args, result, err, errlen);
}

static int
cmd_quit(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;

	x->quit = true;
	*result = json_string("stopping");
	return 0;
}

static const char *const args_none[] = { NULL };
static const char *const args_spec[] = { "spec", NULL };
static const char *const args_id[] = { "id", NULL };
static const char *const args_show[] = { "id", "history", NULL };
static const char *const args_task[] = { "task", NULL };
static const char *const args_notebook[] = { "action", "user", "session",
					     "launcher", "deployment", NULL };

const struct tusk_ctl_cmd tusk_ctrld_ctl_cmds[] = {
	{ "submit", cmd_submit, args_spec,
	  "spec: start a session (README \"Session spec\"); its id" },
	{ "list", cmd_list, args_none, "every session, oldest first" },
	{ "show", cmd_show, args_show,
	  "id, history: a session with its files, job and history" },
	{ "cancel", cmd_cancel, args_id,
	  "id: stop a session (fetches and its job)" },
	{ "retry", cmd_retry, args_id,
	  "id: failed or canceled files (or the failed analysis) again" },
	{ "status", cmd_status, args_none, "tuskd link, open sessions" },
	{ "test_submit", tusk_pstask_cmd_submit, args_task,
	  "task: schedule test runs (README \"Scheduled tests\"); the task" },
	{ "test_list", tusk_pstask_cmd_list, args_none,
	  "every scheduled-test task: id, type, dest, done, runs" },
	{ "test_show", tusk_pstask_cmd_show, args_id,
	  "id: a task and its runs' results (pScheduler's shape)" },
	{ "config", cmd_config, args_none, "the effective ctrld.conf" },
	{ "notebook", cmd_notebook, args_notebook,
	  "action (start|status|stop|stopped), user, session, launcher, "
	  "deployment: a user's notebook server on Marathon" },
	{ "quit", cmd_quit, args_none, "stop tusk-ctrld" },
};

const size_t tusk_ctrld_ctl_ncmds =
	sizeof(tusk_ctrld_ctl_cmds) / sizeof(tusk_ctrld_ctl_cmds[0]);
