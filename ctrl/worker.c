/* SPDX-License-Identifier: BSD-3-Clause */
/* worker: a few threads, a FIFO in, a list out, an eventfd to wake the
 * loop. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "worker.h"

/* Two threads: a long hash or copy of one file does not hold up the
 * others' hand-off, and the machine's disks are not served better by
 * more (the fetches themselves run in tuskd). */
#define WORKER_THREADS 2

struct tusk_worker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tusk_work *head, *tail;	/* queued */
	struct tusk_work *finished;
	unsigned int busy;
	bool stop;
	int efd;
	unsigned int nthreads;
	pthread_t threads[WORKER_THREADS];
};

static void *
worker_main(void *arg)
{
	struct tusk_worker *wk = arg;
	struct tusk_work *w;
	uint64_t one = 1;

	pthread_mutex_lock(&wk->lock);
	for (;;) {
		while (wk->head == NULL && !wk->stop)
			pthread_cond_wait(&wk->cond, &wk->lock);
		if (wk->stop)
			break;
		w = wk->head;
		wk->head = w->next;
		if (wk->head == NULL)
			wk->tail = NULL;
		pthread_mutex_unlock(&wk->lock);
		w->run(w);
		pthread_mutex_lock(&wk->lock);
		w->next = wk->finished;
		wk->finished = w;
		/* fails only when the counter is full: woken anyway */
		(void)!write(wk->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&wk->lock);
	return NULL;
}

struct tusk_worker *
tusk_worker_create(void)
{
	struct tusk_worker *wk = calloc(1, sizeof(*wk));
	unsigned int i;

	if (wk == NULL)
		return NULL;
	pthread_mutex_init(&wk->lock, NULL);
	pthread_cond_init(&wk->cond, NULL);
	wk->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wk->efd < 0) {
		free(wk);
		return NULL;
	}
	for (i = 0; i < WORKER_THREADS; i++)
		if (pthread_create(&wk->threads[i], NULL, worker_main, wk) == 0)
			wk->nthreads++;
	if (wk->nthreads == 0) {
		tusk_worker_destroy(wk);
		return NULL;
	}
	return wk;
}

void
tusk_worker_destroy(struct tusk_worker *wk)
{
	unsigned int i;

	if (wk == NULL)
		return;
	pthread_mutex_lock(&wk->lock);
	wk->stop = true;
	pthread_cond_broadcast(&wk->cond);
	pthread_mutex_unlock(&wk->lock);
	for (i = 0; i < wk->nthreads; i++)
		pthread_join(wk->threads[i], NULL);
	close(wk->efd);
	pthread_mutex_destroy(&wk->lock);
	pthread_cond_destroy(&wk->cond);
	free(wk);
}

void
tusk_worker_submit(struct tusk_worker *wk, struct tusk_work *w)
{
	pthread_mutex_lock(&wk->lock);
	w->next = NULL;
	if (wk->tail != NULL)
		wk->tail->next = w;
	else
		wk->head = w;
	wk->tail = w;
	wk->busy++;
	pthread_cond_signal(&wk->cond);
	pthread_mutex_unlock(&wk->lock);
}

int
tusk_worker_fd(const struct tusk_worker *wk)
{
	return wk->efd;
}

unsigned int
tusk_worker_reap(struct tusk_worker *wk)
{
	struct tusk_work *w, *next, *rest;
	unsigned int n = 0;
	uint64_t count;

	if (read(wk->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return 0;
	pthread_mutex_lock(&wk->lock);
	w = wk->finished;
	wk->finished = NULL;
	pthread_mutex_unlock(&wk->lock);
	/* oldest first: the list was built by pushing */
	for (next = NULL; w != NULL; w = rest) {
		rest = w->next;
		w->next = next;
		next = w;
	}
	for (w = next; w != NULL; w = next) {
		next = w->next;
		pthread_mutex_lock(&wk->lock);
		wk->busy--;
		pthread_mutex_unlock(&wk->lock);
		w->done(w);
		n++;
	}
	return n;
}

unsigned int
tusk_worker_busy(const struct tusk_worker *wk)
{
	return wk->busy;
}
