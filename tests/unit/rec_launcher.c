/* SPDX-License-Identifier: BSD-3-Clause */
/* rec_launcher: see rec_launcher.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_launcher.h"

struct rec_launcher *
rec_of(struct tusk_launcher *l)
{
	return l->priv;
}

static int
rec_conf_set(struct tusk_launcher *l, const char *key, const char *value,
	     char *err, size_t errlen)
{
	struct rec_launcher *r = rec_of(l);

	if (strcmp(key, "image") != 0 && strcmp(key, "runtime") != 0)
		return -ENOENT;
	if (strcmp(key, "runtime") == 0 && strcmp(value, "bwrap") != 0) {
		snprintf(err, errlen, "unknown runtime \"%s\"", value);
		return -EINVAL;
	}
	if (r->nkeys == REC_KEYS_MAX)
		return -ENOSPC;
	snprintf(r->keys[r->nkeys], sizeof(r->keys[0]), "%s", key);
	snprintf(r->values[r->nkeys++], sizeof(r->values[0]), "%s", value);
	return 0;
}

static int
rec_conf_done(struct tusk_launcher *l, char *err, size_t errlen)
{
	rec_of(l)->done = true;
	return 0;
}

static int
find(struct rec_launcher *r, const char *id)
{
	unsigned int i;

	for (i = 0; i < r->started; i++)
		if (strcmp(r->ids[i], id) == 0)
			return (int)i;
	return -1;
}

static int
rec_submit(struct tusk_launcher *l, const struct tusk_job_spec *spec,
	   char *err, size_t errlen)
{
	struct rec_launcher *r = rec_of(l);

	r->submits++;
	if (find(r, spec->id) >= 0)
		return 0; /* found again, not started twice */
	if (r->started == REC_JOBS_MAX) {
		snprintf(err, errlen, "too many jobs");
		return -ENOSPC;
	}
	snprintf(r->ids[r->started], TUSK_JOB_ID_MAX, "%s", spec->id);
	r->states[r->started++] = TUSK_JOB_RUNNING;
	return 0;
}

static int
rec_poll(struct tusk_launcher *l, const char *id, struct tusk_job_status *st)
{
	struct rec_launcher *r = rec_of(l);
	int i = find(r, id);

	if (i < 0)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->state = r->states[i];
	st->exit_code = st->state == TUSK_JOB_SUCCEEDED ? 0 : -1;
	if (st->state == TUSK_JOB_FAILED)
		snprintf(st->reason, sizeof(st->reason), "exit status 1");
	snprintf(st->runtime, sizeof(st->runtime), "rec");
	return 0;
}

static int
rec_cancel(struct tusk_launcher *l, const char *id)
{
	struct rec_launcher *r = rec_of(l);
	int i = find(r, id);

	r->cancels++;
	if (i < 0)
		return -ENOENT;
	r->states[i] = TUSK_JOB_CANCELLED;
	return 0;
}

static int
rec_logs(struct tusk_launcher *l, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "log of %s", id);
	return 0;
}

static json_t *
rec_outputs(struct tusk_launcher *l, const char *id)
{
	return find(rec_of(l), id) < 0 ? NULL : json_pack("[s]", "out.txt");
}

static void
rec_destroy(struct tusk_launcher *l)
{
	free(l->priv);
	l->priv = NULL;
}

static const struct tusk_launcher_ops rec_ops = {
	.type = "rec",
	.conf_set = rec_conf_set,
	.conf_done = rec_conf_done,
	.submit = rec_submit,
	.poll = rec_poll,
	.cancel = rec_cancel,
	.logs = rec_logs,
	.outputs = rec_outputs,
	.destroy = rec_destroy,
};

int
rec_set_state(struct tusk_launcher *l, const char *id, enum tusk_job_state st)
{
	struct rec_launcher *r = rec_of(l);
	int i = find(r, id);

	if (i < 0)
		return -ENOENT;
	r->states[i] = st;
	return 0;
}

static struct tusk_launcher *
rec_create(const char *type, const char *name, const char *state_dir,
	   char *err, size_t errlen)
{
	struct tusk_launcher *l;

	if (strcmp(type, "rec") != 0) {
		snprintf(err, errlen, "unknown launcher type \"%s\"", type);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->ops = &rec_ops;
	l->priv = calloc(1, sizeof(struct rec_launcher));
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->state_dir, sizeof(l->state_dir), "%s", state_dir);
	return l;
}

static void
rec_free(struct tusk_launcher *l)
{
	l->ops->destroy(l);
	free(l);
}

const struct tusk_launcher_factory rec_factory = {
	.create = rec_create,
	.destroy = rec_free,
};
