/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rec_launcher: a launcher for unit tests (ctrl/launch.h's table of ops)
 * that runs nothing and records every call: the keys it was configured
 * with, each submit (by job id, idempotent as launch.h asks), cancels.
 * A test sets the state poll() reports for a job.
 */
#ifndef TUSK_TEST_REC_LAUNCHER_H
#define TUSK_TEST_REC_LAUNCHER_H

#include "launch.h"
#include "ctrld_conf.h"

#define REC_JOBS_MAX 16
#define REC_KEYS_MAX 16

struct rec_launcher {
	char keys[REC_KEYS_MAX][64];
	char values[REC_KEYS_MAX][256];
	unsigned int nkeys;
	bool done;			/* conf_done called */
	unsigned int submits;		/* submit calls, repeats included */
	unsigned int started;		/* jobs actually started */
	char ids[REC_JOBS_MAX][TUSK_JOB_ID_MAX];
	enum tusk_job_state states[REC_JOBS_MAX];
	unsigned int cancels;
};

/* The factory tusk_ctrld_conf_load takes; type "rec" only. */
extern const struct tusk_launcher_factory rec_factory;

struct rec_launcher *rec_of(struct tusk_launcher *l);
/* Set what poll() reports for job id (-ENOENT if it never started). */
int rec_set_state(struct tusk_launcher *l, const char *id,
		  enum tusk_job_state st);

#endif
