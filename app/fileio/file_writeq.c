/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The writer queue's thread (see file_writeq.h).
 *
 *   tusk_file_writeq_submit() -> rte_ring_sp_enqueue() -> wake()
 *   writeq_main() -> run_all() -> tusk_file_batch_run() [file_write.c]
 *                 -> sleep_until_woken() -> poll(eventfd)
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "file_write_priv.h"
#include "file_writeq.h"

/* Batches taken off the ring at once. */
#define WRITEQ_BURST 32

struct tusk_file_writeq {
	struct rte_ring *ring;
	int efd;
	bool stop;      /* atomic */
	bool sleeping;  /* atomic: the thread is about to wait */
	bool started;
	pthread_t tid;
};

static void
wake(struct tusk_file_writeq *q)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is full, so the thread is awake anyway */
	while (write(q->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		continue;
}

int
tusk_file_writeq_submit(struct tusk_file_writeq *q, struct tusk_file_batch *b)
{
	if (rte_ring_sp_enqueue(q->ring, b) < 0)
		return -ENOBUFS;
	/* pairs with the thread's store of `sleeping` before its last look
	 * at the ring: either it sees this batch, or this sees it asleep */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->sleeping, __ATOMIC_RELAXED))
		wake(q);
	return 0;
}

/* Run every batch queued; false when there was none. */
static bool
run_all(struct tusk_file_writeq *q)
{
	void *b[WRITEQ_BURST];
	unsigned int n, i;
	bool any = false;

	while ((n = rte_ring_sc_dequeue_burst(q->ring, b, WRITEQ_BURST,
					      NULL)) > 0) {
		for (i = 0; i < n; i++) {
			/* the owner may have taken it meanwhile */
			if (tusk_file_batch_claim(b[i]))
				tusk_file_batch_run(b[i]);
			tusk_file_batch_unring(b[i]);
		}
		any = true;
	}
	return any;
}

static void
sleep_until_woken(struct tusk_file_writeq *q)
{
	struct pollfd p = { .fd = q->efd, .events = POLLIN };
	uint64_t n;

	__atomic_store_n(&q->sleeping, true, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rte_ring_empty(q->ring) &&
	    !__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE) &&
	    poll(&p, 1, -1) > 0)
		(void)!read(q->efd, &n, sizeof(n));
	__atomic_store_n(&q->sleeping, false, __ATOMIC_RELAXED);
}

static void *
writeq_main(void *arg)
{
	struct tusk_file_writeq *q = arg;

	while (!__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE)) {
		if (!run_all(q))
			sleep_until_woken(q);
	}
	run_all(q);
	return NULL;
}

struct tusk_file_writeq *
tusk_file_writeq_create(const char *name)
{
	struct tusk_file_writeq *q = calloc(1, sizeof(*q));
	ssize_t sz = rte_ring_get_memsize(TUSK_FILE_WRITEQ_DEPTH);
	int err = ENOMEM;

	if (q == NULL)
		goto fail;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0)
		err = errno;
	/* rte_ring_init() on our own memory: no memzone name to keep
	 * unique */
	if (q->efd < 0 || sz < 0 ||
	    posix_memalign((void **)&q->ring, RTE_CACHE_LINE_SIZE,
			   (size_t)sz) != 0 ||
	    rte_ring_init(q->ring, "tusk_file_writeq", TUSK_FILE_WRITEQ_DEPTH,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) < 0)
		goto fail;
	err = pthread_create(&q->tid, NULL, writeq_main, q);
	if (err != 0)
		goto fail;
	q->started = true;
	pthread_setname_np(q->tid, name);
	return q;
fail:
	tusk_file_writeq_free(q);
	errno = err;
	return NULL;
}

void
tusk_file_writeq_free(struct tusk_file_writeq *q)
{
	if (q == NULL)
		return;
	if (q->started) {
		__atomic_store_n(&q->stop, true, __ATOMIC_RELEASE);
		wake(q);
		pthread_join(q->tid, NULL);
	}
	if (q->ring != NULL)
		run_all(q);
	if (q->efd >= 0)
		close(q->efd);
	free(q->ring);
	free(q);
}
