/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session: tusk-ctrld's sessions, kept in memory and in the journal.
 *
 *   submit  -> spec checked -> journaled SUBMITTED (files too when listed)
 *   tick    -> each open session moves on (session_run.c): files through
 *              tuskd (xfer.h), verify and hand-off on the worker
 *              (worker.h), analysis through its launcher (launch.h)
 *   restart -> tusk_ctrld_recover() reloads every open session; each step
 *              is taken again from the journaled state (journal.h's rule)
 *
 * Everything runs on the one event-loop thread; only worker items run
 * elsewhere, and they touch nothing but their own item.
 */
#ifndef TUSK_CTRL_SESSION_H
#define TUSK_CTRL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctrld_conf.h"
#include "journal.h"
#include "worker.h"
#include "xfer.h"

struct tusk_ctrld;

/* How time is read: tests and tusk-ctrld's main pass the clocks in. */
struct tusk_ctrld_clock {
	uint64_t mono_ms;	/* CLOCK_MONOTONIC, for intervals */
	double real_s;		/* CLOCK_REALTIME, for the journal */
};

struct tusk_ctrld *tusk_ctrld_create(const struct tusk_ctrld_conf *conf,
				     struct tusk_journal *journal,
				     struct tusk_xfer *xfer,
				     struct tusk_worker *worker);
void tusk_ctrld_destroy(struct tusk_ctrld *c);

/* Load every open session from the journal. 0 or -errno (err set). */
int tusk_ctrld_recover(struct tusk_ctrld *c, const struct tusk_ctrld_clock *t,
		       char *err, size_t errlen);
/* Move every open session on. */
void tusk_ctrld_tick(struct tusk_ctrld *c, const struct tusk_ctrld_clock *t);
/* Worker items finished: call from the loop when tusk_worker_fd is
 * readable. */
void tusk_ctrld_reap(struct tusk_ctrld *c);
/* The loop may sleep this long (ms) before the next tick is useful. */
int tusk_ctrld_idle_ms(const struct tusk_ctrld *c);

/* Commands; 0 with a result (new reference), or -1 with err. */
int tusk_ctrld_submit(struct tusk_ctrld *c, json_t *spec,
		      const struct tusk_ctrld_clock *t, json_t **result,
		      char *err, size_t errlen);
int tusk_ctrld_cancel(struct tusk_ctrld *c, int64_t id,
		      const struct tusk_ctrld_clock *t, json_t **result,
		      char *err, size_t errlen);
int tusk_ctrld_retry(struct tusk_ctrld *c, int64_t id,
		     const struct tusk_ctrld_clock *t, json_t **result,
		     char *err, size_t errlen);
json_t *tusk_ctrld_list(struct tusk_ctrld *c);
int tusk_ctrld_show(struct tusk_ctrld *c, int64_t id, bool history,
		    json_t **result, char *err, size_t errlen);
/* Sessions not final, in memory. */
unsigned int tusk_ctrld_open_sessions(const struct tusk_ctrld *c);

#endif /* TUSK_CTRL_SESSION_H */
