/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Services on an lcore and the call mailbox the control thread reaches
 * them through (lcore.h). The mailbox is the snapshot's pattern: the
 * control thread publishes a function and bumps a sequence number; the
 * loop sees the number change (one relaxed load per iteration), runs the
 * function between bursts and publishes the result.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include "lcore.h"

/* Poll interval of a control thread waiting for a call: the loop answers
 * within one iteration (microseconds) unless the call itself is long. */
#define LCORE_CALL_POLL_US 50

int
tusk_lcore_add_service(struct tusk_lcore *lc,
		       const struct tusk_lcore_service *svc)
{
	if (lc->n_services >= TUSK_LCORE_SERVICES_MAX)
		return -ENOSPC;
	lc->services[lc->n_services++] = *svc;
	return 0;
}

void *
tusk_lcore_service(const struct tusk_lcore *lc, const char *name)
{
	for (unsigned int i = 0; i < lc->n_services; i++)
		if (strcmp(lc->services[i].name, name) == 0)
			return lc->services[i].arg;
	return NULL;
}

void
tusk_lcore_services_poll(struct tusk_lcore *lc, uint64_t now)
{
	for (unsigned int i = 0; i < lc->n_services; i++)
		if (lc->services[i].poll != NULL)
			lc->services[i].poll(lc->services[i].arg, now);
}

void
tusk_lcore_services_fini(struct tusk_lcore *lc)
{
	while (lc->n_services > 0) {
		struct tusk_lcore_service *s = &lc->services[--lc->n_services];

		if (s->fini != NULL)
			s->fini(s->arg);
	}
}

void
tusk_lcore_serve_call(struct tusk_lcore *lc, uint64_t now)
{
	uint32_t req = __atomic_load_n(&lc->call_req, __ATOMIC_ACQUIRE);

	if (likely(req == lc->call_done))
		return;
	lc->call_ret = lc->call_fn(lc, lc->call_arg, now);
	__atomic_store_n(&lc->call_done, req, __ATOMIC_RELEASE);
}

int
tusk_lcore_call(struct tusk_lcore *lc, tusk_lcore_call_fn fn, void *arg,
		unsigned int timeout_ms)
{
	uint64_t waited_us = 0;
	uint32_t seq;

	if (!tusk_lcore_is_running(lc))
		return fn(lc, arg, tusk_lcore_now_ns());
	/* a call that timed out earlier may still be pending: wait it out
	 * first, or publishing a new one would overwrite its arguments */
	while (__atomic_load_n(&lc->call_done, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&lc->call_req, __ATOMIC_RELAXED)) {
		if (waited_us >= (uint64_t)timeout_ms * 1000)
			return -ETIMEDOUT;
		rte_delay_us_sleep(LCORE_CALL_POLL_US);
		waited_us += LCORE_CALL_POLL_US;
	}
	lc->call_fn = fn;
	lc->call_arg = arg;
	seq = lc->call_done + 1;
	__atomic_store_n(&lc->call_req, seq, __ATOMIC_RELEASE);
	while (__atomic_load_n(&lc->call_done, __ATOMIC_ACQUIRE) != seq) {
		if (waited_us >= (uint64_t)timeout_ms * 1000)
			return -ETIMEDOUT;
		rte_delay_us_sleep(LCORE_CALL_POLL_US);
		waited_us += LCORE_CALL_POLL_US;
	}
	return lc->call_ret;
}
