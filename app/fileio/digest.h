/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digests of files (adler32, crc32c, md5, sha-256: digest_alg.h),
 * computed once per file per algorithm and kept, off the packet path.
 *
 * SHA-256 runs at ~1.2 GB/s per core here (README "Reference figures"): on the
 * packet path it would cap a transfer near 10 Gbit/s. So digests are
 *   - kept: stored with the file (one xattr per algorithm,
 *     "user.tusk.<alg>") together with the size, mtime and inode they
 *     belong to, and trusted only while those still match
 *     (tusk_digest_lookup / tusk_digest_store);
 *   - computed by worker threads (plain pthreads, not lcores) that lcores
 *     hand jobs to and poll without blocking: a whole file
 *     (tusk_digest_file), or a file being written in order, hashed from
 *     the page cache right behind the writer (tusk_digest_follow);
 *   - and, where the worker threads share their cores with busy-polling
 *     lcores (a small host), by the submitting lcore itself in the
 *     iterations of its loop that found nothing to do
 *     (tusk_digest_svc_assist): a chunk of at most a time budget at a
 *     time, so the hashing uses the poller's spinning instead of taking
 *     the core from it in scheduler time slices.
 *
 * Lcore side: submit, advance and poll are lock-free (an rte_ring and
 * atomics). Worker side: each thread keeps its own list of active jobs
 * and hashes them round-robin a block at a time, so a long file does not
 * hold up a short one.
 *
 * A job computes every algorithm it is asked for in one read of the file
 * (digest_ctx.h). Raw value bytes are given out; encodings (hex, base64
 * for RFC 3230 Digest and RFC 9530 Repr-Digest) belong to the callers.
 */
#ifndef TUSK_DIGEST_H
#define TUSK_DIGEST_H

#include <stdint.h>
#include <sys/stat.h>

#include "digest_alg.h"

/* The extended attributes holding kept digests, one per algorithm:
 * prefix + "adler32" | "crc32c" | "md5" | "sha256", each
 * "<hex value> <size> <mtime_ns> <ino>". */
#define TUSK_DIGEST_XATTR_PREFIX "user.tusk."

/* Jobs queued and running per service at most: each holds an fd and a
 * hash context; past this, submitting fails (the caller retries later or
 * serves without a digest). */
#define TUSK_DIGEST_MAX_JOBS 1024

/* Worker threads at most: one per core is all hashing can use. */
#define TUSK_DIGEST_MAX_THREADS 16

struct tusk_digest_svc;
struct tusk_digest_job;

/*
 * The kept digests of `algs` of the file open as `fd`, where still valid
 * for the file as it is now (same size, mtime and inode as when stored).
 * Looks in the xattrs, then in an in-process table where the file system
 * refuses user xattrs. d->have says which were found. Returns 0 when all
 * of `algs` are kept, -ENOENT when some are not, or -errno from fstat.
 */
int tusk_digest_lookup(int fd, unsigned int algs, struct tusk_digests *d);

/*
 * Keep the values d->have names as digests of the file open as `fd` as
 * it is now (call after the last write: any later change of size or
 * mtime invalidates them). Stored in xattrs, or in the in-process table
 * when the file system refuses user xattrs (ENOTSUP, EPERM). Returns 0
 * or -errno.
 */
int tusk_digest_store(int fd, const struct tusk_digests *d);

/*
 * The same for digests computed of the file as `st` describes it (the
 * fstat that showed the file unchanged at the end of hashing): if the
 * file changed since, the kept records no longer match and are ignored.
 */
int tusk_digest_store_as(int fd, const struct stat *st,
			 const struct tusk_digests *d);

/* Forget every kept digest of `fd` (xattrs and table). 0 or -errno. */
int tusk_digest_forget(int fd);

/* Chunks an assist hashes (tusk_digest_svc_assist): sized from the
 * job's fastest rate seen so that a chunk takes the caller's budget,
 * within these bounds. The first chunk of a job, before its rate is
 * known: 32 KiB take ~30 us with SHA-256 alone here (1.1 GB/s) and ~80
 * us with all four algorithms. Below the minimum the pread(2) costs more
 * than a tenth of the chunk; the maximum is the lane's buffer. */
#define TUSK_DIGEST_ASSIST_FIRST (32u * 1024)
#define TUSK_DIGEST_ASSIST_MIN (16u * 1024)
#define TUSK_DIGEST_ASSIST_MAX (256u * 1024)

/*
 * Start `threads` worker threads (0..TUSK_DIGEST_MAX_THREADS; 0: none,
 * jobs advance only through tusk_digest_svc_assist() of the thread that
 * submitted them, and submitting from a thread that never assisted fails
 * with EAGAIN). Returns NULL with errno set (EINVAL, ENOMEM, or
 * pthread_create's error).
 */
struct tusk_digest_svc *tusk_digest_svc_create(unsigned int threads);

/*
 * Work stealing by the submitting thread (an lcore with nothing to do
 * this iteration): take one of the jobs this thread submitted since its
 * first assist (which gives it a lane of the service; jobs of threads
 * that never assist are the workers' alone) that no one else advances
 * right now (a claim, never waited for: a job the
 * worker holds is skipped) and hash one chunk of it, sized to take about
 * `budget_ns` (TUSK_DIGEST_ASSIST_* bounds). Jobs take turns. Returns
 * the bytes hashed: 0 when no job had work that could be taken. Never
 * blocks; reads the file with one pread(2). Results are the same bytes
 * whichever party hashed which chunk.
 */
uint64_t tusk_digest_svc_assist(struct tusk_digest_svc *svc,
				uint64_t budget_ns);

/*
 * Stop the workers and free the service (NULL is fine), once no thread
 * calls tusk_digest_svc_assist() or submits any more. Jobs still
 * queued or running end with -ECANCELED; their owners must still call
 * tusk_digest_job_free().
 */
void tusk_digest_svc_free(struct tusk_digest_svc *svc);

/*
 * Digests `algs` of the whole file open as `fd` (dup()ed: the caller may
 * close its fd). Kept, valid values are taken without reading; the
 * others are computed together in one pass (pread(2) in large blocks)
 * and kept (tusk_digest_store) unless the file changed meanwhile, which
 * fails the job with -ESTALE. Returns NULL with errno EAGAIN (the
 * service has TUSK_DIGEST_MAX_JOBS jobs), EINVAL (no algorithm), EBADF
 * or ENOMEM.
 */
struct tusk_digest_job *tusk_digest_file(struct tusk_digest_svc *svc, int fd,
					 unsigned int algs);

/*
 * As tusk_digest_file(), for a digest nobody waits for (a source's
 * digest hashed behind the sender, kept for the next request): only the
 * submitting lcore hashes it, in the iterations of its loop that found
 * nothing to do (tusk_digest_svc_assist), never a worker thread, so on a
 * host whose cores all run pollers it never takes a core from one. A
 * busy lcore leaves it waiting; the caller drops it when nobody needs it.
 * From a thread that never assists (no lane) a worker hashes it.
 */
struct tusk_digest_job *tusk_digest_file_idle(struct tusk_digest_svc *svc,
					      int fd, unsigned int algs);

/*
 * Digests `algs` of a file while it is being written from offset 0 (an
 * upload, a fetch whose contiguous prefix grows): the worker hashes [0, n) where n is what
 * tusk_digest_follow_advance() last said is on the file, and finishes
 * at tusk_digest_follow_end()'s total, then keeps the digest. `fd` is
 * dup()ed and must be readable. NULL and errno as tusk_digest_file().
 */
struct tusk_digest_job *tusk_digest_follow(struct tusk_digest_svc *svc,
					   int fd, unsigned int algs);

/* The first `bytes` of the file are written (monotonic; call after each
 * flush of the writer). One atomic store: cheap on the lcore. */
void tusk_digest_follow_advance(struct tusk_digest_job *job, uint64_t bytes);

/* The file is complete at `total` bytes: the worker finishes there. */
void tusk_digest_follow_end(struct tusk_digest_job *job, uint64_t total);

/*
 * Result of a job, without blocking: 0 and *d when done, -EAGAIN while
 * it runs, or the job's -errno (-EIO read error or file shorter than
 * advertised, -ESTALE file changed while hashed, -ECANCELED service
 * stopped).
 */
int tusk_digest_job_poll(struct tusk_digest_job *job,
			 struct tusk_digests *d);

/* Bytes hashed so far (progress; a follow job's lag behind its writer). */
uint64_t tusk_digest_job_done(const struct tusk_digest_job *job);

/* Release the job (NULL is fine); a running job is cancelled and the
 * worker drops it at its next block. Call it on the thread that submitted
 * the job, or once that thread no longer calls tusk_digest_svc_assist()
 * (its lane is that thread's alone). */
void tusk_digest_job_free(struct tusk_digest_job *job);

#endif /* TUSK_DIGEST_H */
