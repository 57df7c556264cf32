/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbufs to a file by vectored writes (see file_write.h).
 *
 *   owner:    tusk_file_writer_add() -> push_segs() -> submit()
 *               -> tusk_file_writeq_submit() [file_writeq.c]
 *                  | tusk_file_batch_run() (no queue, or it is full)
 *             tusk_file_writer_reap() -> reap_one() [frees the chains]
 *   executor: tusk_file_batch_run() -> write_iov() [pwritev]
 *                                    | write_direct() [memcpy to the
 *                                      staging buffer, pwrite on dfd]
 *
 * A chain is freed only once all its segments are written: it sits in
 * the done[] of the batch that holds its last segment, and batches are
 * written and reaped in order. A chain with more segments than a batch
 * has room for spans batches; it sits in `cur` until its last segment is
 * queued.
 *
 * Two sides, two sets of fields: the owner fills and reaps batches; the
 * executor alone touches the file position, the staging buffer and what
 * it carries from one batch to the next (a writer's batches run in
 * order, in one thread at a time: without a queue the owner runs them,
 * after waiting for any still on a queue).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_pause.h>

#include "file_write_priv.h"
#include "iov.h"

/* pwritev(2) takes at most this many iovecs (UIO_MAXIOV). */
#define KERNEL_IOV_MAX 1024
static_assert(TUSK_FILE_WRITE_MAX_SEGS <= KERNEL_IOV_MAX,
	      "one pwritev per flush");

/* A direct writer's staging buffer at most: past a few MiB a larger
 * pwrite gains nothing, and a huge batch must not allocate GiBs. */
#define FILE_DIRECT_STAGE_MAX (16u << 20)

/* Waiting for a batch on the queue's thread: spin this many pauses,
 * then yield the CPU each round (on a small host the thread may need
 * the very core the waiting lcore runs on). */
#define FILE_WAIT_SPINS 256

struct tusk_file_writer {
	/* executor's */
	int fd;
	int dfd;              /* O_DIRECT fd, -1: none */
	uint8_t *stage;       /* dfd: aligned staging buffer */
	size_t stage_len;
	size_t carry;         /* dfd: staged bytes of a partial block */
	int xerr;             /* executor's sticky -errno */
	uint64_t off;         /* file offset of the next byte written */
	/* owner's */
	struct tusk_file_writeq *q; /* NULL: the owner writes */
	uint32_t in_ring;     /* batches on q's ring, atomic (q decrements) */
	uint64_t next_at;     /* file offset of the next byte added */
	int err;              /* sticky -errno */
	uint64_t added;
	uint64_t written;
	uint64_t direct;      /* bytes written through dfd */
	uint64_t held;        /* added, not yet written */
	uint64_t filled;      /* bytes in the batch being filled */
	uint32_t batch;
	unsigned int seg_cap; /* segments per batch */
	unsigned int fill;    /* batch being filled */
	unsigned int oldest;  /* oldest batch handed on, if any */
	unsigned int in_flight;
	struct rte_mbuf *cur; /* chain being queued, partly written */
	struct tusk_file_batch b[TUSK_FILE_WRITE_BATCHES];
};

struct tusk_file_writer *
tusk_file_writer_create(int fd, uint64_t off, uint32_t batch)
{
	struct tusk_file_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = fd;
	w->dfd = -1;
	w->off = off;
	w->next_at = off;
	w->batch = batch != 0 ? batch : TUSK_FILE_WRITE_BATCH_DEFAULT;
	w->seg_cap = TUSK_FILE_WRITE_MAX_SEGS;
	for (unsigned int i = 0; i < TUSK_FILE_WRITE_BATCHES; i++)
		w->b[i].w = w;
	return w;
}

struct tusk_file_writer *
tusk_file_writer_create_direct(int fd, int dfd, uint64_t off, uint32_t batch)
{
	struct tusk_file_writer *w = tusk_file_writer_create(fd, off, batch);

	if (w == NULL)
		return NULL;
	/* twice the batch: a flush comes once `batch` bytes are held, plus
	 * the chain that crossed it, so one pwrite takes it all (a buffer of
	 * one batch took two per flush, the second of a few KiB) */
	w->stage_len = RTE_ALIGN_CEIL(RTE_MIN((size_t)w->batch * 2,
					      (size_t)FILE_DIRECT_STAGE_MAX),
				      (size_t)TUSK_FILE_DIRECT_ALIGN);
	if (posix_memalign((void **)&w->stage, TUSK_FILE_DIRECT_ALIGN,
			   w->stage_len) != 0) {
		free(w);
		return NULL;
	}
	w->dfd = dfd;
	return w;
}

void
tusk_file_writer_set_queue(struct tusk_file_writer *w,
			   struct tusk_file_writeq *q)
{
	w->q = q;
	/* all batches in flight hold no more mbufs than one batch without
	 * a queue: a port pool sized for that is not drained by small
	 * segments (1448-byte payloads at MTU 1500) */
	w->seg_cap = q != NULL ?
		     TUSK_FILE_WRITE_MAX_SEGS / TUSK_FILE_WRITE_BATCHES :
		     TUSK_FILE_WRITE_MAX_SEGS;
}

uint64_t
tusk_file_writer_direct_bytes(const struct tusk_file_writer *w)
{
	return w->direct;
}

/* ----------------------------------------------------------- executor */

/* pwritev everything in b->iov[], looping over short writes. */
static int
write_iov(struct tusk_file_writer *w, struct tusk_file_batch *b)
{
	struct iovec *iov = b->iov;
	int n = (int)b->n_iov;

	while (n > 0) {
		ssize_t r = pwritev(w->fd, iov, n, (off_t)(b->at + b->wrote));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		/* no progress on a non-empty vector: give up, do not spin */
		if (r == 0)
			return -EIO;
		b->wrote += (uint64_t)r;
		tusk_iov_advance(&iov, &n, (size_t)r);
	}
	return 0;
}

/* pwrite all of buf at w->off on fd, looping over short writes. */
static int
write_all(struct tusk_file_writer *w, struct tusk_file_batch *b, int fd,
	  const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = pwrite(fd, buf, len, (off_t)w->off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		w->off += (uint64_t)r;
		b->wrote += (uint64_t)r;
		if (fd == w->dfd)
			b->direct += (uint64_t)r;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * The staging buffer's first `len` bytes: buffered up to the next block
 * boundary (when a hard flush left the offset off one; the rest is then
 * moved to the aligned start of the buffer, as O_DIRECT wants the memory
 * aligned too), whole blocks through dfd, and the tail, shorter than a
 * block, buffered on a hard flush or kept at the buffer's start for the
 * next one (w->carry).
 */
static int
write_stage(struct tusk_file_writer *w, struct tusk_file_batch *b,
	    size_t len, bool hard)
{
	size_t head = (TUSK_FILE_DIRECT_ALIGN -
		       w->off % TUSK_FILE_DIRECT_ALIGN) % TUSK_FILE_DIRECT_ALIGN;
	size_t whole, rest;
	int err;

	head = RTE_MIN(head, len);
	if (head > 0) {
		err = write_all(w, b, w->fd, w->stage, head);
		if (err != 0)
			return err;
		len -= head;
		memmove(w->stage, w->stage + head, len);
	}
	whole = len - len % TUSK_FILE_DIRECT_ALIGN;
	rest = len - whole;
	err = write_all(w, b, w->dfd, w->stage, whole);
	if (err != 0 || rest == 0)
		return err;
	if (hard)
		return write_all(w, b, w->fd, w->stage + whole, rest);
	memmove(w->stage, w->stage + whole, rest);
	w->carry = rest;
	return 0;
}

/* Everything in b->iov[] (after what was carried) through the staging
 * buffer, a buffer at a time; a soft flush keeps the last partial
 * block. */
static int
write_direct(struct tusk_file_writer *w, struct tusk_file_batch *b)
{
	struct iovec *iov = b->iov;
	int n = (int)b->n_iov, err;
	bool last;

	do {
		size_t fill = w->carry;

		w->carry = 0;
		while (n > 0 && fill < w->stage_len) {
			size_t take = RTE_MIN(iov->iov_len,
					      w->stage_len - fill);

			memcpy(w->stage + fill, iov->iov_base, take);
			fill += take;
			tusk_iov_advance(&iov, &n, take);
		}
		last = n == 0;
		err = write_stage(w, b, fill, b->hard && last);
	} while (!last && err == 0);
	return err;
}

bool
tusk_file_batch_claim(struct tusk_file_batch *b)
{
	uint32_t queued = BATCH_QUEUED;

	return __atomic_compare_exchange_n(&b->state, &queued, BATCH_RUNNING,
					   false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

void
tusk_file_batch_run(struct tusk_file_batch *b)
{
	struct tusk_file_writer *w = b->w;
	int err = __atomic_load_n(&w->xerr, __ATOMIC_RELAXED);

	b->wrote = 0;
	b->direct = 0;
	/* a direct writer's batches run in order, in one thread: the
	 * position and the partial block carry over; after a hard flush
	 * nothing is carried */
	if (err == 0 && w->dfd >= 0 && b->seek)
		w->off = b->at;
	if (err == 0)
		err = w->dfd >= 0 ? write_direct(w, b) : write_iov(w, b);
	if (err == 0 && b->sync_len > 0)
		/* asynchronous: SYNC_FILE_RANGE_WRITE alone does not wait
		 * for the disk (it may for a congested request queue: off
		 * the lcore, that is this thread's time) */
		sync_file_range(w->fd, (off64_t)b->sync_off,
				(off64_t)b->sync_len, SYNC_FILE_RANGE_WRITE);
	if (err != 0) {
		__atomic_store_n(&w->xerr, err, __ATOMIC_RELAXED);
		w->carry = 0;
	}
	b->err = err;
	__atomic_store_n(&b->state, BATCH_DONE, __ATOMIC_RELEASE);
}

/* -------------------------------------------------------------- owner */

static void
batch_clear(struct tusk_file_batch *b)
{
	for (unsigned int i = 0; i < b->n_done; i++)
		rte_pktmbuf_free(b->done[i]);
	b->n_done = 0;
	b->n_iov = 0;
	b->hard = false;
	b->seek = false;
	b->sync_len = 0;
	__atomic_store_n(&b->state, BATCH_FREE, __ATOMIC_RELAXED);
}

/* The oldest batch handed on is written: count it, free its chains. */
static void
reap_one(struct tusk_file_writer *w)
{
	struct tusk_file_batch *b = &w->b[w->oldest];

	w->written += b->wrote;
	w->direct += b->direct;
	w->held -= RTE_MIN(w->held, b->wrote);
	if (b->err != 0 && w->err == 0) {
		/* what is held now will never be written */
		w->err = b->err;
		w->held = 0;
	}
	batch_clear(b);
	w->oldest = (w->oldest + 1) % TUSK_FILE_WRITE_BATCHES;
	w->in_flight--;
}

int
tusk_file_writer_reap(struct tusk_file_writer *w)
{
	while (w->in_flight > 0 &&
	       __atomic_load_n(&w->b[w->oldest].state, __ATOMIC_ACQUIRE) ==
	       BATCH_DONE)
		reap_one(w);
	return w->err;
}

/* Wait for the oldest batch handed on, and reap it. */
static void
wait_oldest(struct tusk_file_writer *w)
{
	struct tusk_file_batch *b = &w->b[w->oldest];
	unsigned int spins = 0;

	/* not started yet: write it here rather than wait for the thread
	 * to get a CPU (on a small host it may be the one this lcore
	 * spins on). Buffered batches only: each carries its offset, so
	 * it may run before the ones queued ahead of it; a direct
	 * writer's run in order. */
	if (w->dfd < 0 && tusk_file_batch_claim(b)) {
		tusk_file_batch_run(b);
		reap_one(w);
		return;
	}
	while (__atomic_load_n(&w->b[w->oldest].state, __ATOMIC_ACQUIRE) !=
	       BATCH_DONE) {
		if (++spins < FILE_WAIT_SPINS)
			rte_pause();
		else
			sched_yield();
	}
	reap_one(w);
}

int
tusk_file_writer_drain(struct tusk_file_writer *w)
{
	while (w->in_flight > 0)
		wait_oldest(w);
	return w->err;
}

/* Drop the chains of the batch being filled (after an error, or on
 * free). */
static void
drop_fill(struct tusk_file_writer *w)
{
	batch_clear(&w->b[w->fill]);
	rte_pktmbuf_free(w->cur);
	w->cur = NULL;
	w->filled = 0;
}

/* Hand the batch being filled to the executor, and make the next one
 * the batch to fill (waiting for it if it is still in flight). */
static int
submit(struct tusk_file_writer *w, bool hard)
{
	struct tusk_file_batch *b = &w->b[w->fill];

	if (w->err != 0)
		return w->err;
	b->hard = hard;
	/* release: a thread holding a stale ring entry of this batch (the
	 * owner ran it before the thread came to it) may claim it now */
	__atomic_store_n(&b->state, BATCH_QUEUED, __ATOMIC_RELEASE);
	if (w->in_flight++ == 0)
		w->oldest = w->fill;
	w->fill = (w->fill + 1) % TUSK_FILE_WRITE_BATCHES;
	w->filled = 0;
	if (w->q != NULL) {
		__atomic_fetch_add(&w->in_ring, 1, __ATOMIC_RELAXED);
		if (tusk_file_writeq_submit(w->q, b) < 0)
			__atomic_fetch_sub(&w->in_ring, 1, __ATOMIC_RELAXED);
		else
			b = NULL;
	}
	if (b != NULL) {
		/* no queue, or it is full: in this thread (a direct
		 * writer's after the batches before it) */
		while (w->dfd >= 0 && w->in_flight > 1)
			wait_oldest(w);
		if (tusk_file_batch_claim(b))
			tusk_file_batch_run(b);
	}
	tusk_file_writer_reap(w);
	if (w->in_flight == TUSK_FILE_WRITE_BATCHES)
		wait_oldest(w);
	/* without a queue the batch ran here and is reaped: fill the
	 * first one again, the only one whose arrays are allocated */
	if (w->q == NULL && w->in_flight == 0)
		w->fill = 0;
	if (w->err != 0)
		drop_fill(w);
	return w->err;
}

/* Give the empty batch b room for w->seg_cap segments; the writer's
 * -errno when there is no memory. */
static int
batch_grow(struct tusk_file_writer *w, struct tusk_file_batch *b)
{
	free(b->done);
	free(b->iov);
	b->cap = 0;
	b->done = malloc(sizeof(*b->done) * w->seg_cap);
	b->iov = malloc(sizeof(*b->iov) * w->seg_cap);
	if (b->done == NULL || b->iov == NULL) {
		w->err = -ENOMEM;
		drop_fill(w);
		return w->err;
	}
	b->cap = w->seg_cap;
	return 0;
}

/* Queue the segments of w->cur, handing on the batch whenever its
 * vector fills. Returns the segments queued in the batch now being
 * filled, or the writer's -errno. */
static int
push_segs(struct tusk_file_writer *w)
{
	int pushed = 0;

	for (struct rte_mbuf *s = w->cur; s != NULL; s = s->next) {
		struct tusk_file_batch *b = &w->b[w->fill];

		if (s->data_len == 0)
			continue;
		if (b->n_iov == w->seg_cap ||
		    (b->n_iov > 0 && b->n_iov == b->cap)) {
			if (submit(w, false) < 0)
				return w->err;
			b = &w->b[w->fill];
			pushed = 0;
		}
		if (b->n_iov == 0 && b->cap < w->seg_cap &&
		    batch_grow(w, b) < 0)
			return w->err;
		if (b->n_iov == 0 && !b->seek)
			b->at = w->next_at;
		b->iov[b->n_iov].iov_base = rte_pktmbuf_mtod(s, void *);
		b->iov[b->n_iov].iov_len = s->data_len;
		b->n_iov++;
		w->filled += s->data_len;
		w->next_at += s->data_len;
		w->held += s->data_len;
		pushed++;
	}
	return pushed;
}

int
tusk_file_writer_add(struct tusk_file_writer *w, struct rte_mbuf *m)
{
	struct tusk_file_batch *b;
	int pushed;

	if (m == NULL)
		return w->err;
	w->added += m->pkt_len;
	if (w->err != 0) {
		rte_pktmbuf_free(m);
		return w->err;
	}
	w->cur = m;
	pushed = push_segs(w);
	if (pushed < 0)
		return pushed;
	w->cur = NULL;
	/* a chain whose last segment is in this batch has an iovec there,
	 * so done[] cannot fill before iov[]; an empty chain holds
	 * nothing */
	b = &w->b[w->fill];
	if (pushed == 0 && m->pkt_len == 0)
		rte_pktmbuf_free(m);
	else
		b->done[b->n_done++] = m;
	if (w->filled >= w->batch)
		return submit(w, false);
	return 0;
}

int
tusk_file_writer_flush(struct tusk_file_writer *w)
{
	struct tusk_file_batch *b = &w->b[w->fill];

	if (w->err != 0)
		return w->err;
	/* a direct writer may carry a partial block from the last batch:
	 * a hard flush writes it even when nothing new came */
	if (b->n_iov == 0 && b->sync_len == 0 &&
	    (w->dfd < 0 || w->held == 0))
		return tusk_file_writer_reap(w);
	return submit(w, true);
}

int
tusk_file_writer_seek(struct tusk_file_writer *w, uint64_t off)
{
	int err = tusk_file_writer_flush(w);

	if (err == 0) {
		w->b[w->fill].seek = true;
		w->b[w->fill].at = off;
		w->next_at = off;
	}
	return err;
}

void
tusk_file_writer_writeback(struct tusk_file_writer *w, uint64_t off,
			   uint64_t len)
{
	struct tusk_file_batch *b = &w->b[w->fill];

	if (b->sync_len > 0 && b->sync_off + b->sync_len == off) {
		b->sync_len += len; /* two blocks ended in one batch */
		return;
	}
	b->sync_off = off;
	b->sync_len = len;
}

uint64_t
tusk_file_writer_added(const struct tusk_file_writer *w)
{
	return w->added;
}

uint64_t
tusk_file_writer_written(const struct tusk_file_writer *w)
{
	return w->written;
}

uint64_t
tusk_file_writer_held(const struct tusk_file_writer *w)
{
	return w->held;
}

int
tusk_file_writer_error(const struct tusk_file_writer *w)
{
	return w->err;
}

void
tusk_file_writer_free(struct tusk_file_writer *w)
{
	if (w == NULL)
		return;
	tusk_file_writer_drain(w);
	/* batches run here may still be named on the queue's ring: the
	 * thread skips them, but reads them first */
	while (__atomic_load_n(&w->in_ring, __ATOMIC_ACQUIRE) > 0)
		sched_yield();
	drop_fill(w);
	for (unsigned int i = 0; i < TUSK_FILE_WRITE_BATCHES; i++) {
		free(w->b[i].done);
		free(w->b[i].iov);
	}
	free(w->stage);
	free(w);
}

void
tusk_file_batch_unring(struct tusk_file_batch *b)
{
	__atomic_fetch_sub(&b->w->in_ring, 1, __ATOMIC_RELEASE);
}
