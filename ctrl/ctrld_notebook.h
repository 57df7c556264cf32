/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld_notebook: a user's notebook server next to a session's data, as
 * JupyterHub's MarathonSpawner makes it (ctrl/marathon_notebook.c), for
 * tusk-ctrld's `notebook` command. Each action is one bounded REST call
 * (the launcher's http_timeout_ms): tuskctl polls `status` and `stopped`
 * and ctrld's loop is never held longer; Marathon keeps the state, so a
 * restarted ctrld answers for notebooks started before.
 *
 *   start   user, session [, launcher]: POST /<app_prefix>/<user>
 *   status  user: "starting", or "running" and "address" host:port
 *   stop    user: DELETE; the deployment id
 *   stopped deployment [, launcher]: true once Marathon lists it no more
 */
#ifndef TUSK_CTRL_CTRLD_NOTEBOOK_H
#define TUSK_CTRL_CTRLD_NOTEBOOK_H

#include <jansson.h>

#include "session.h"

/* args: the command's arguments; 0 and *result, or -1 with err. */
int tusk_ctrld_notebook(struct tusk_ctrld *c, json_t *args, json_t **result,
			char *err, size_t errlen);

#endif
