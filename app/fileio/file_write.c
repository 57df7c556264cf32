/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbufs to a file by vectored writes (see file_write.h).
 *
 *   tusk_file_writer_add() -> push_segs() -> flush_iov() [pwritev]
 *                                             -> free_done()
 *
 * A chain is freed only once all its segments are written. A chain with
 * more segments than the vector has room for is flushed part by part; it
 * sits in `cur` until its last segment is queued.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>

#include <rte_common.h>

#include "file_write.h"
#include "iov.h"

/* pwritev(2) takes at most this many iovecs (UIO_MAXIOV). */
#define KERNEL_IOV_MAX 1024
static_assert(TUSK_FILE_WRITE_MAX_SEGS <= KERNEL_IOV_MAX,
	      "one pwritev per flush");

struct tusk_file_writer {
	int fd;
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
	w->off = off;
	w->batch = batch != 0 ? batch : TUSK_FILE_WRITE_BATCH_DEFAULT;
	return w;
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

static int
flush_iov(struct tusk_file_writer *w)
{
	int err;

	if (w->err != 0)
		return w->err;
	err = write_iov(w);
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
		if (w->n_iov == TUSK_FILE_WRITE_MAX_SEGS && flush_iov(w) < 0)
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
		return flush_iov(w);
	return 0;
}

int
tusk_file_writer_flush(struct tusk_file_writer *w)
{
	return flush_iov(w);
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
	free(w);
}
