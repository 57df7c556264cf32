/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A daemon's commands as a table, and the dispatch that every request
 * goes through: parse the line, find the command, refuse unknown
 * arguments, call it, wrap its result or its reason (ctl_proto.h). `help`
 * is answered here from the table (name -> help text), so every daemon
 * has it and it cannot go stale.
 */
#ifndef TUSK_CTL_CMD_H
#define TUSK_CTL_CMD_H

#include <stddef.h>

#include <jansson.h>

/* A command: fills *result (a new reference) and returns 0, or writes a
 * half-line reason into err and returns -1. `ctx` is the table's context
 * (the daemon's state); `args` the whole request object. */
typedef int (*tusk_ctl_cmd_fn)(void *ctx, json_t *args, json_t **result,
			       char *err, size_t errlen);

struct tusk_ctl_cmd {
	const char *name;
	tusk_ctl_cmd_fn fn;
	const char *const *args;  /* accepted argument keys, NULL-terminated */
	const char *help;         /* one line for `help` */
};

/* Commands and the context they are called with. */
struct tusk_ctl_cmds {
	const struct tusk_ctl_cmd *cmd;
	size_t n;
	void *ctx;
};

/* Answer one request line (without its newline): the response object (a
 * new reference; NULL only when out of memory). */
json_t *tusk_ctl_cmd_handle(const struct tusk_ctl_cmds *cmds,
			    const char *line, size_t len);

/* Answer a parsed request. */
json_t *tusk_ctl_cmd_dispatch(const struct tusk_ctl_cmds *cmds, json_t *req);

/* {"ok": false, "error": reason} */
json_t *tusk_ctl_cmd_error(const char *reason);

#endif /* TUSK_CTL_CMD_H */
