/* SPDX-License-Identifier: BSD-3-Clause */
/* What the launcher tests share (see launch_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "launch_fixture.h"

/* How often a job's state is polled. */
#define POLL_US (50 * 1000)

int
lfx_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void
lfx_conf(struct tusk_launcher *l, const char *key, const char *value)
{
	char err[256] = "";

	if (l->ops->conf_set(l, key, value, err, sizeof(err)) != 0)
		fail_msg("conf_set %s=%s: %s", key, value, err);
}

double
lfx_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct tusk_job_status
lfx_wait_final(struct tusk_launcher *l, const char *id, double secs)
{
	struct tusk_job_status st = { 0 };
	double until = lfx_now_s() + secs;

	do {
		assert_int_equal(l->ops->poll(l, id, &st), 0);
		if (tusk_job_state_final(st.state)) {
			fprintf(stderr, "job %s: %s (%s)\n", id,
				tusk_job_state_name(st.state), st.reason);
			return st;
		}
		usleep(POLL_US);
	} while (lfx_now_s() < until);
	fail_msg("job %s: still %s after %.0f s", id,
		 tusk_job_state_name(st.state), secs);
	return st;
}
