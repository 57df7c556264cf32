/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One step of a digest job, for whoever holds its claim: a worker thread
 * (digest_svc.c) or the lcore that submitted it (digest_assist.c).
 *
 *   tusk_digest_job_step() -> start() -> step_file() | step_follow()
 *                          -> hash_chunk() [pread, tusk_digest_ctx_update]
 *                          -> end_file() | end_follow() -> state
 *
 * Files are read with pread(2), not mmap(2): a copy costs ~20% of the
 * hashing, but a file truncated under a mapping would kill tuskd with
 * SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "digest_svc_priv.h"

void
tusk_digest_job_unref(struct tusk_digest_job *job)
{
	if (__atomic_sub_fetch(&job->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	close(job->fd);
	tusk_digest_ctx_fini(&job->ctx);
	free(job);
}

void
tusk_digest_job_end(struct tusk_digest_job *job, int state)
{
	int running = TUSK_DIGEST_JOB_RUNNING;

	__atomic_compare_exchange_n(&job->state, &running, state, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* Hash [done, done + want) of the file through buf (cap bytes). Returns
 * bytes hashed (0 at EOF) or -errno. */
static int64_t
hash_chunk(struct tusk_digest_job *job, uint8_t *buf, size_t cap,
	   uint64_t want)
{
	uint64_t done = __atomic_load_n(&job->done, __ATOMIC_RELAXED);
	ssize_t n;

	if (want > cap)
		want = cap;
	do {
		n = pread(job->fd, buf, want, (off_t)done);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n > 0 && tusk_digest_ctx_update(&job->ctx, buf, (size_t)n) < 0)
		return -ENOMEM;
	__atomic_store_n(&job->done, done + (uint64_t)n, __ATOMIC_RELAXED);
	return n;
}

/* First step: kept digests of every algorithm asked for end a JOB_FILE
 * at once; otherwise the missing ones are computed. Returns 1 if the job
 * is finished, 0 to go on, -errno. */
static int
start(struct tusk_digest_job *job)
{
	unsigned int missing = job->algs;

	job->started = true;
	if (job->kind == TUSK_DIGEST_JOB_FILE) {
		if (fstat(job->fd, &job->st0) < 0)
			return -errno;
		if (tusk_digest_lookup(job->fd, job->algs, &job->d) == 0)
			return 1;
		missing &= ~job->d.have;
	}
	/* the kernel reads ahead further for a sequential reader */
	posix_fadvise(job->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return tusk_digest_ctx_init(&job->ctx, missing);
}

/* At EOF of a whole file: valid only if the file did not change. */
static int
end_file(struct tusk_digest_job *job)
{
	unsigned int missing = job->ctx.algs;
	struct tusk_digests fresh;
	struct stat st;
	int err;

	if (fstat(job->fd, &st) < 0)
		return -errno;
	if (st.st_size != job->st0.st_size ||
	    st.st_mtim.tv_sec != job->st0.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != job->st0.st_mtim.tv_nsec ||
	    __atomic_load_n(&job->done, __ATOMIC_RELAXED) !=
	    (uint64_t)st.st_size)
		return -ESTALE;
	err = tusk_digest_ctx_final(&job->ctx, &job->d);
	/* kept as of the checked stat: a write that lands after it makes the
	 * record stale instead of describing the new content */
	fresh = job->d;
	fresh.have &= missing;
	if (err == 0)
		tusk_digest_store_as(job->fd, &st, &fresh);
	return err;
}

/* One chunk of a whole file. Returns 1 finished (result in *state),
 * 0 progressed. */
static int
step_file(struct tusk_digest_job *job, uint8_t *buf, size_t cap,
	  int64_t *n, int *state)
{
	*n = hash_chunk(job, buf, cap, cap);
	if (*n > 0)
		return 0;
	*state = *n < 0 ? (int)*n : end_file(job);
	return 1;
}

/* The followed file is complete: keep the digest if the file is still
 * the size its writer ended at. */
static int
end_follow(struct tusk_digest_job *job, uint64_t total)
{
	struct stat st;
	int err = tusk_digest_ctx_final(&job->ctx, &job->d);

	if (err == 0 && fstat(job->fd, &st) == 0 &&
	    (uint64_t)st.st_size == total)
		tusk_digest_store_as(job->fd, &st, &job->d);
	return err;
}

/* One chunk of a followed file. Returns 1 finished, 0 progressed, -1
 * waiting for the writer. */
static int
step_follow(struct tusk_digest_job *job, uint8_t *buf, size_t cap,
	    int64_t *n, int *state)
{
	uint64_t total = __atomic_load_n(&job->total, __ATOMIC_ACQUIRE);
	uint64_t avail = __atomic_load_n(&job->avail, __ATOMIC_ACQUIRE);
	uint64_t done = __atomic_load_n(&job->done, __ATOMIC_RELAXED);

	if (avail > total)
		avail = total;
	if (done == total) {
		*state = end_follow(job, total);
		return 1;
	}
	if (done >= avail)
		return -1;
	*n = hash_chunk(job, buf, cap, avail - done);
	if (*n > 0)
		return 0;
	/* the writer said these bytes were on the file */
	*state = *n < 0 ? (int)*n : -EIO;
	return 1;
}

enum tusk_digest_step
tusk_digest_job_step(struct tusk_digest_job *job, uint8_t *buf, size_t cap,
		     uint64_t *bytes)
{
	int64_t n = 0;
	int state = 0, r;

	*bytes = 0;
	if (!job->started) {
		r = start(job);
		if (r != 0) {
			tusk_digest_job_end(job, r > 0 ? 0 : r);
			return TUSK_DIGEST_STEP_END;
		}
	}
	r = job->kind == TUSK_DIGEST_JOB_FILE ?
		step_file(job, buf, cap, &n, &state) :
		step_follow(job, buf, cap, &n, &state);
	if (n > 0)
		*bytes = (uint64_t)n;
	if (r < 0)
		return TUSK_DIGEST_STEP_WAIT;
	if (r == 0)
		return TUSK_DIGEST_STEP_MORE;
	tusk_digest_job_end(job, state);
	return TUSK_DIGEST_STEP_END;
}
