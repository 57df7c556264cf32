/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_ctl: tusk-ctrld's commands for scheduled tests (pstask.h):
 *
 *   test_submit {"task": {...}}  -> the task (id, type, dest, runs: 0)
 *   test_list                    -> every task: id, type, dest, done, runs
 *   test_show {"id"}             -> the task, and "results": each run's
 *                                   state, times, pScheduler result, the
 *                                   figures the plot draws, archiving
 */
#include <stdio.h>
#include <time.h>

#include "ctl_arg.h"
#include "ctrld_ctl.h"
#include "pstask.h"

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
tusk_pstask_cmd_submit(void *ctx, json_t *args, json_t **result, char *err,
		       size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;
	json_t *task = json_object_get(args, "task"), *parsed = NULL;
	int rc;

	if (json_is_string(task)) { /* tuskctl key=value: task=JSON */
		json_error_t je;

		parsed = json_loads(json_string_value(task), 0, &je);
		if (parsed == NULL) {
			snprintf(err, errlen, "task: bad JSON at column %d: %s",
				 je.column, je.text);
			return -1;
		}
		task = parsed;
	}
	if (task == NULL) {
		snprintf(err, errlen, "\"task\" (a pScheduler-style task, a "
			 "JSON object) is required");
		return -1;
	}
	rc = tusk_pstask_submit(x->pstask, task, wall(), result, err, errlen);
	json_decref(parsed);
	return rc;
}

int
tusk_pstask_cmd_list(void *ctx, json_t *args, json_t **result, char *err,
		     size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;

	(void)args;
	return tusk_pstask_list(x->pstask, result, err, errlen);
}

int
tusk_pstask_cmd_show(void *ctx, json_t *args, json_t **result, char *err,
		     size_t errlen)
{
	struct tusk_ctrld_ctl *x = ctx;
	int64_t id = tusk_ctl_arg_uint(args, "id", 0, INT64_MAX, err, errlen);

	if (id == 0)
		snprintf(err, errlen, "\"id\" (a task id) is required");
	if (id <= 0)
		return -1;
	return tusk_pstask_show(x->pstask, id, result, err, errlen);
}
