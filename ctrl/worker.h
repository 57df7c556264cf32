/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker: slow work off tusk-ctrld's event loop (hashing a landed file,
 * copying it into storage, listing a WebDAV collection), so that the
 * control socket stays responsive and the loop never waits on a disk.
 *
 *   loop: tusk_worker_submit(w)  ->  thread: w->run(w)
 *   loop: poll(tusk_worker_fd()) ->  tusk_worker_reap() -> each w->done(w)
 *
 * A work item is owned by the submitter and must stay valid until its
 * done() ran (it is never freed here).
 */
#ifndef TUSK_CTRL_WORKER_H
#define TUSK_CTRL_WORKER_H

struct tusk_work {
	struct tusk_work *next;
	void (*run)(struct tusk_work *w);	/* on a worker thread */
	void (*done)(struct tusk_work *w);	/* on the loop, after run */
};

struct tusk_worker;

struct tusk_worker *tusk_worker_create(void);
/* Stops the threads once the running items end; queued ones are
 * dropped (their done() is not called). */
void tusk_worker_destroy(struct tusk_worker *wk);
void tusk_worker_submit(struct tusk_worker *wk, struct tusk_work *w);
/* Readable when finished items wait for tusk_worker_reap. */
int tusk_worker_fd(const struct tusk_worker *wk);
/* Call done() of every finished item; returns how many. */
unsigned int tusk_worker_reap(struct tusk_worker *wk);
/* Items queued or running. */
unsigned int tusk_worker_busy(const struct tusk_worker *wk);

#endif
