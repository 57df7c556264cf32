/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbufs to a file by vectored writes (see file_write.h).
 *
 *   tusk_file_writer_add() -> push_segs() -> flush_iov() -> write_iov()
 *                                  [pwritev] | write_direct() [memcpy to
 *                                  the staging buffer, pwrite on dfd]
 *                                             -> free_done()
 *
 * A chain is freed only once all its segments are written. A chain with
 * more segments than the vector has room for is flushed part by part; it
 * sits in `cur` until its last segment is queued.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_common.h>

#include "file_write.h"
#include "iov.h"

/* pwritev(2) takes at most this many iovecs (UIO_MAXIOV). */
#define KERNEL_IOV_MAX 1024
static_assert(TUSK_FILE_WRITE_MAX_SEGS <= KERNEL_IOV_MAX,
	      "one pwritev per flush");

/* A direct writer's staging buffer at most: past a few MiB a larger
 * pwrite gains nothing, and a huge batch must not allocate GiBs. */
#define FILE_DIRECT_STAGE_MAX (16u << 20)

struct tusk_file_writer {
	int fd;
	int dfd;              /* O_DIRECT fd, -1: none */
	uint8_t *stage;       /* dfd: aligned staging buffer */
	size_t stage_len;
	uint64_t direct;      /* bytes written through dfd */
	size_t carry;         /* dfd: staged bytes of a partial block */
	int err;              /* sticky -errno */
	uint64_t off;         /* file offset of the next byte written */
	uint64_t written;
	uint64_t held;        /* bytes in iov[] */
	uint32_t batch;
	unsigned int n_iov;
	unsigned int n_done;  /* chains whose segments are all in iov[] */
	struct rte_mbuf *cur; /* chain being queued, partly written */
	struct rte_mbuf *done[TUSK_FILE_WRITE_MAX_SEGS];
	struct iovec iov[TUSK_FILE_WRITE_MAX_SEGS];
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
	w->batch = batch != 0 ? batch : TUSK_FILE_WRITE_BATCH_DEFAULT;
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

uint64_t
tusk_file_writer_direct_bytes(const struct tusk_file_writer *w)
{
	return w->direct;
}

static void
free_done(struct tusk_file_writer *w)
{
	for (unsigned int i = 0; i < w->n_done; i++)
		rte_pktmbuf_free(w->done[i]);
	w->n_done = 0;
}

/* Drop everything held (after an error, or on free). */
static void
drop_all(struct tusk_file_writer *w)
{
	free_done(w);
	rte_pktmbuf_free(w->cur);
	w->cur = NULL;
	w->n_iov = 0;
	w->held = 0;
	w->carry = 0;
}

/* pwritev everything in iov[], looping over short writes. */
static int
write_iov(struct tusk_file_writer *w)
{
	struct iovec *iov = w->iov;
	int n = (int)w->n_iov;

	while (n > 0) {
		ssize_t r = pwritev(w->fd, iov, n, (off_t)w->off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		/* no progress on a non-empty vector: give up, do not spin */
		if (r == 0)
			return -EIO;
		w->off += (uint64_t)r;
		w->written += (uint64_t)r;
		w->held -= (uint64_t)r;
		tusk_iov_advance(&iov, &n, (size_t)r);
	}
	return 0;
}

/* pwrite all of buf at w->off on fd, looping over short writes. */
static int
write_all(struct tusk_file_writer *w, int fd, const uint8_t *buf, size_t len)
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
		w->written += (uint64_t)r;
		w->held -= (uint64_t)r;
		if (fd == w->dfd)
			w->direct += (uint64_t)r;
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
write_stage(struct tusk_file_writer *w, size_t len, bool hard)
{
	size_t head = (TUSK_FILE_DIRECT_ALIGN -
		       w->off % TUSK_FILE_DIRECT_ALIGN) % TUSK_FILE_DIRECT_ALIGN;
	size_t whole, rest;
	int err;

	head = RTE_MIN(head, len);
	if (head > 0) {
		err = write_all(w, w->fd, w->stage, head);
		if (err != 0)
			return err;
		len -= head;
		memmove(w->stage, w->stage + head, len);
	}
	whole = len - len % TUSK_FILE_DIRECT_ALIGN;
	rest = len - whole;
	err = write_all(w, w->dfd, w->stage, whole);
	if (err != 0 || rest == 0)
		return err;
	if (hard)
		return write_all(w, w->fd, w->stage + whole, rest);
	memmove(w->stage, w->stage + whole, rest);
	w->carry = rest;
	return 0;
}

/* Everything in iov[] (after what was carried) through the staging
 * buffer, a buffer at a time; a soft flush keeps the last partial
 * block. */
static int
write_direct(struct tusk_file_writer *w, bool hard)
{
	struct iovec *iov = w->iov;
	int n = (int)w->n_iov, err;
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
		err = write_stage(w, fill, hard && last);
	} while (!last && err == 0);
	return err;
}

/* Write iov[]; `hard`: everything, also a direct writer's partial
 * block (tusk_file_writer_flush), else it may stay staged. */
static int
flush_iov(struct tusk_file_writer *w, bool hard)
{
	int err;

	if (w->err != 0)
		return w->err;
	err = w->dfd >= 0 ? write_direct(w, hard) : write_iov(w);
	if (err < 0) {
		w->err = err;
		drop_all(w);
		return err;
	}
	w->n_iov = 0;
	free_done(w);
	return 0;
}

/* Queue the segments of w->cur, flushing whenever the vector fills.
 * Returns the segments queued or the writer's -errno. */
static int
push_segs(struct tusk_file_writer *w)
{
	int pushed = 0;

	for (struct rte_mbuf *s = w->cur; s != NULL; s = s->next) {
		if (s->data_len == 0)
			continue;
		if (w->n_iov == TUSK_FILE_WRITE_MAX_SEGS &&
		    flush_iov(w, false) < 0)
			return w->err;
		w->iov[w->n_iov].iov_base = rte_pktmbuf_mtod(s, void *);
		w->iov[w->n_iov].iov_len = s->data_len;
		w->n_iov++;
		w->held += s->data_len;
		pushed++;
	}
	return pushed;
}

int
tusk_file_writer_add(struct tusk_file_writer *w, struct rte_mbuf *m)
{
	int pushed;

	if (m == NULL)
		return w->err;
	if (w->err != 0) {
		rte_pktmbuf_free(m);
		return w->err;
	}
	w->cur = m;
	pushed = push_segs(w);
	if (pushed < 0)
		return pushed;
	w->cur = NULL;
	/* a queued chain has an iovec in iov[] after the last flush, so
	 * done[] cannot fill before iov[]; an empty chain holds nothing */
	if (pushed == 0)
		rte_pktmbuf_free(m);
	else
		w->done[w->n_done++] = m;
	if (w->held >= w->batch)
		return flush_iov(w, false);
	return 0;
}

int
tusk_file_writer_flush(struct tusk_file_writer *w)
{
	return flush_iov(w, true);
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
	drop_all(w);
	free(w->stage);
	free(w);
}
