/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adaptive polling of a worker lcore (see lcore_idle.h).
 *
 *   tusk_lcore_run() -> lcore_poll_once() -> tusk_lcore_idle_after()
 *     busy: reset; idle < SPIN: rte_pause(); else idle_sleep()
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_pause.h>

#include "lcore_idle.h"

void
tusk_lcore_idle_init(struct tusk_lcore_idle *id, bool adaptive)
{
	memset(id, 0, sizeof(*id));
	id->adaptive = adaptive;
}

static void
idle_sleep(struct tusk_lcore_idle *id)
{
	struct timespec ts = { .tv_nsec = (long)id->sleep_ns };

	if (!id->slack_set) {
		/* per thread: only this lcore's sleeps get the fine slack */
		prctl(PR_SET_TIMERSLACK, LCORE_IDLE_SLACK_NS, 0, 0, 0);
		id->slack_set = true;
	}
	/* EINTR: a signal cut it short, the next iteration decides again */
	nanosleep(&ts, NULL);
	id->sleeps++;
	id->slept_ns += id->sleep_ns;
	id->sleep_ns *= 2;
	if (id->sleep_ns > LCORE_IDLE_SLEEP_MAX_NS)
		id->sleep_ns = LCORE_IDLE_SLEEP_MAX_NS;
}

void
tusk_lcore_idle_after(struct tusk_lcore_idle *id, bool busy, uint64_t now)
{
	if (!id->adaptive)
		return;
	if (busy || id->last_busy == 0) {
		id->last_busy = now;
		id->sleep_ns = 0;
		return;
	}
	if (now - id->last_busy < LCORE_IDLE_SPIN_NS) {
		rte_pause();
		return;
	}
	if (id->sleep_ns == 0)
		id->sleep_ns = LCORE_IDLE_SLEEP_MIN_NS;
	idle_sleep(id);
}
