/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Launchers (see launch.h): the registry of types, create and destroy, the
 * names of job states.
 *
 *   tusk_launcher_create() -> registry[type].init()   (launch_local.c, ...)
 *   tusk_launcher_destroy() -> ops->destroy()          jobs keep running
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "launch_local.h"

int tusk_launch_local_init(struct tusk_launcher *l, char *err, size_t errlen);
extern const struct tusk_launcher_ops tusk_launch_local_ops;
int tusk_launch_marathon_init(struct tusk_launcher *l, char *err, size_t errlen);
extern const struct tusk_launcher_ops tusk_launch_marathon_ops;

/* One line per launcher type. */
static const struct {
	const struct tusk_launcher_ops *ops;
	int (*init)(struct tusk_launcher *l, char *err, size_t errlen);
} registry[] = {
	{ .ops = &tusk_launch_local_ops, .init = tusk_launch_local_init },
	{ .ops = &tusk_launch_marathon_ops, .init = tusk_launch_marathon_init },
};

static const char *const state_names[] = {
	[TUSK_JOB_PENDING] = "PENDING",
	[TUSK_JOB_RUNNING] = "RUNNING",
	[TUSK_JOB_SUCCEEDED] = "SUCCEEDED",
	[TUSK_JOB_FAILED] = "FAILED",
	[TUSK_JOB_TIMEOUT] = "TIMEOUT",
	[TUSK_JOB_CANCELLED] = "CANCELLED",
};

const char *
tusk_job_state_name(enum tusk_job_state s)
{
	if ((unsigned int)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "UNKNOWN";
	return state_names[s];
}

bool
tusk_job_state_final(enum tusk_job_state s)
{
	return s == TUSK_JOB_SUCCEEDED || s == TUSK_JOB_FAILED ||
	       s == TUSK_JOB_TIMEOUT || s == TUSK_JOB_CANCELLED;
}

static bool
copy_checked(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

struct tusk_launcher *
tusk_launcher_create(const char *type, const char *name, const char *state_dir,
		     char *err, size_t errlen)
{
	struct tusk_launcher *l;
	size_t i;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (strcmp(registry[i].ops->type, type) == 0)
			break;
	if (i == sizeof(registry) / sizeof(registry[0])) {
		snprintf(err, errlen, "unknown launcher type '%s' (known: local, marathon)",
			 type);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->ops = registry[i].ops;
	if (!copy_checked(l->name, sizeof(l->name), name) ||
	    !copy_checked(l->state_dir, sizeof(l->state_dir), state_dir)) {
		snprintf(err, errlen, "launcher name or state directory empty or too long");
		free(l);
		return NULL;
	}
	if (registry[i].init(l, err, errlen) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void
tusk_launcher_destroy(struct tusk_launcher *l)
{
	if (l == NULL)
		return;
	l->ops->destroy(l);
	free(l);
}

/* One line on stderr, which ctrld sends to its log. */
void
tusk_launch_log(const struct tusk_launcher *l, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "launcher %s: %s\n", l->name, line);
}
