/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask: scheduled test runs in pScheduler's spirit (perfSONAR). A task
 * names a test (`throughput`, `latency`, `rtt`) with its spec, a schedule
 * (start, repeat, until, max-runs, slip) and archives; tusk-ctrld runs
 * each run through tuskd's control socket (throughput: tuskd's iperf3
 * client; latency and rtt: tuskd's TWAMP session-sender, `twamp`), keeps
 * the result in pScheduler's result shape in the journal, and hands it to
 * each archive (`http`: POSTed as pScheduler's http archiver does).
 * README "Scheduled tests" has the task format; pstask.md the pScheduler
 * facts it follows.
 *
 *   submit -> pstask_spec.c (validate) -> pstask_store.c (journal)
 *   tick   -> due slot: a run on the worker -> pstask_run.c (tuskd,
 *             pstask_result.c, pstask_archive.c) -> done: journal
 *   recover (start-up): the tasks not done, their next slot; a run the
 *             last tusk-ctrld left unfinished is run again
 */
#ifndef TUSK_CTRL_PSTASK_H
#define TUSK_CTRL_PSTASK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "journal.h"
#include "worker.h"

/* Tasks followed at once: a DTN runs a handful of regular tests. */
#define TUSK_PSTASK_MAX 64
/* How long the loop may sleep with tasks waiting: a slot is started
 * within this of its time. */
#define TUSK_PSTASK_TICK_MS 100

struct tusk_pstask_sched;

struct tusk_pstask_sched *tusk_pstask_create(struct tusk_journal *j,
					     struct tusk_worker *w,
					     const char *tuskd_socket);
/* After the worker is destroyed (a run item may still be held). */
void tusk_pstask_destroy(struct tusk_pstask_sched *s);
/* The tasks not done, from the journal. 0 or -1 (reason in err). */
int tusk_pstask_recover(struct tusk_pstask_sched *s, double now, char *err,
			size_t errlen);
/* Start what is due (now: wall clock, seconds since the epoch). */
void tusk_pstask_tick(struct tusk_pstask_sched *s, double now);
/* How long the loop may wait: TUSK_PSTASK_TICK_MS with tasks open, else
 * -1 (no limit). */
int tusk_pstask_idle_ms(const struct tusk_pstask_sched *s);

/* Commands: 0 and *result, or -1 with a reason. */
int tusk_pstask_submit(struct tusk_pstask_sched *s, json_t *task, double now,
		       json_t **result, char *err, size_t errlen);
int tusk_pstask_list(struct tusk_pstask_sched *s, json_t **result, char *err,
		     size_t errlen);
int tusk_pstask_show(struct tusk_pstask_sched *s, int64_t id,
		     json_t **result, char *err, size_t errlen);

#endif
