/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command dispatch (see ctl_cmd.h).
 *
 *   tusk_ctl_cmd_handle() -> json_loadb() -> tusk_ctl_cmd_dispatch()
 *     -> tusk_ctl_arg_check() -> cmd->fn() | cmd_help()
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl_arg.h"
#include "ctl_cmd.h"
#include "ctl_proto.h"

/* Room for a command's reason: a half-line, with a quoted name or path. */
#define CMD_ERR_MAX (TUSK_CTL_REQUEST_MAX / 4)

static const char *const args_none[] = { NULL };

json_t *
tusk_ctl_cmd_error(const char *reason)
{
	return json_pack("{s:b, s:s}", TUSK_CTL_KEY_OK, 0, TUSK_CTL_KEY_ERROR,
			 reason);
}

static json_t *
cmd_help(const struct tusk_ctl_cmds *cmds)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < cmds->n; i++)
		json_object_set_new(o, cmds->cmd[i].name,
				    json_string(cmds->cmd[i].help));
	if (o != NULL)
		json_object_set_new(o, "help", json_string("this list"));
	return o;
}

static const struct tusk_ctl_cmd *
cmd_find(const struct tusk_ctl_cmds *cmds, const char *name)
{
	size_t i;

	for (i = 0; i < cmds->n; i++)
		if (strcmp(name, cmds->cmd[i].name) == 0)
			return &cmds->cmd[i];
	return NULL;
}

static json_t *
cmd_ok(json_t *result)
{
	return json_pack("{s:b, s:o}", TUSK_CTL_KEY_OK, 1, TUSK_CTL_KEY_RESULT,
			 result);
}

json_t *
tusk_ctl_cmd_dispatch(const struct tusk_ctl_cmds *cmds, json_t *req)
{
	const char *name = json_string_value(json_object_get(req,
							     TUSK_CTL_KEY_CMD));
	const struct tusk_ctl_cmd *c;
	char err[CMD_ERR_MAX];
	json_t *result = NULL;

	if (!json_is_object(req))
		return tusk_ctl_cmd_error("request must be a JSON object");
	if (name == NULL)
		return tusk_ctl_cmd_error("missing \"cmd\" (a string), e.g. "
					  "{\"cmd\":\"help\"}");
	err[0] = '\0';
	c = cmd_find(cmds, name);
	if (c == NULL && strcmp(name, "help") == 0) {
		if (tusk_ctl_arg_check(req, name, args_none, err,
				       sizeof(err)) < 0)
			return tusk_ctl_cmd_error(err);
		result = cmd_help(cmds);
		return result ? cmd_ok(result) : NULL;
	}
	if (c == NULL) {
		snprintf(err, sizeof(err), "unknown command \"%.64s\" (try "
			 "\"help\")", name);
		return tusk_ctl_cmd_error(err);
	}
	if (tusk_ctl_arg_check(req, c->name, c->args, err, sizeof(err)) < 0 ||
	    c->fn(cmds->ctx, req, &result, err, sizeof(err)) < 0 ||
	    result == NULL)
		return tusk_ctl_cmd_error(err[0] ? err : "out of memory");
	return cmd_ok(result);
}

json_t *
tusk_ctl_cmd_handle(const struct tusk_ctl_cmds *cmds, const char *line,
		    size_t len)
{
	char reason[CMD_ERR_MAX];
	json_error_t jerr;
	json_t *req, *resp;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(reason, sizeof(reason), "bad JSON at column %d: %s",
			 jerr.column, jerr.text);
		return tusk_ctl_cmd_error(reason);
	}
	resp = tusk_ctl_cmd_dispatch(cmds, req);
	json_decref(req);
	return resp;
}
