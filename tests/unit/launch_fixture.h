/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the launcher tests (test_launch.c: local, test_launch_marathon.c:
 * marathon) share: shell commands, a launcher's settings, and waiting for
 * a job's end in real time.
 */
#ifndef TUSK_LAUNCH_FIXTURE_H
#define TUSK_LAUNCH_FIXTURE_H

#include "launch.h"

/* A shell command (printf format): its exit status, -1 if it did not
 * exit. */
int lfx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set key of l; fails the test with the launcher's reason if refused. */
void lfx_conf(struct tusk_launcher *l, const char *key, const char *value);
/* CLOCK_MONOTONIC in seconds. */
double lfx_now_s(void);
/* Poll job id of l until it is final (said on stderr) or secs have
 * passed (the test fails). */
struct tusk_job_status lfx_wait_final(struct tusk_launcher *l, const char *id,
				      double secs);

#endif /* TUSK_LAUNCH_FIXTURE_H */
