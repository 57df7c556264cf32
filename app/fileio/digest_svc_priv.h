/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the digest service's files share (digest.h is the interface):
 *   digest_svc.c     worker threads, submit, poll, free
 *   digest_job.c     advancing one job by a chunk, for whoever holds it
 *   digest_assist.c  the submitting thread's lane: an lcore hashes its
 *                    own jobs in its idle iterations (tusk_digest_svc_assist)
 *
 * A job is advanced by one party at a time: SHA-256, MD5, adler32 and
 * crc32c are sequential, the bytes must go in in order. That party holds
 * the job's claim (an atomic flag taken with a compare-and-swap, never
 * waited for): the worker thread, or the lcore that submitted the job.
 * Whoever fails to take it skips the job; the claim's acquire and
 * release order everything the holder touches (ctx, started, st0, rate).
 */
#ifndef TUSK_DIGEST_SVC_PRIV_H
#define TUSK_DIGEST_SVC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/stat.h>

#include <rte_ring.h>

#include "digest.h"
#include "digest_ctx.h"

/* Bytes a worker thread reads and hashes per step: large enough that the
 * pread syscall and the round-robin cost nothing next to the hashing
 * (~200 us a step at 1.2 GB/s), small enough that the buffer stays in L2
 * where SHA-256 reads it back right after the copy.
 * tests/bench/bench_fileio.c compares sizes: 256 KiB to 4 MiB are within
 * noise of each other here, 64 KiB is ~20% slower. */
#define TUSK_DIGEST_BLOCK (256u * 1024)

#define TUSK_DIGEST_JOB_RUNNING 1

enum tusk_digest_job_kind { TUSK_DIGEST_JOB_FILE, TUSK_DIGEST_JOB_FOLLOW };

/* What one step did. */
enum tusk_digest_step {
	TUSK_DIGEST_STEP_WAIT,  /* a follow job caught up with its writer */
	TUSK_DIGEST_STEP_MORE,  /* hashed a chunk, more to come */
	TUSK_DIGEST_STEP_END,   /* finished: job->state published */
};

struct tusk_digest_job;

struct tusk_digest_worker {
	struct tusk_digest_svc *svc;
	pthread_t tid;
	bool started;
	int efd;
	struct rte_ring *ring;
	struct tusk_digest_job *active;
	unsigned int n_jobs;      /* __atomic: queued + active */
	uint8_t *buf;             /* TUSK_DIGEST_BLOCK */
};

/* Lanes per service: one per thread that assists (tuskd's worker
 * lcores: one per core, a few on most hosts). A thread past this still
 * submits; only the worker threads advance its jobs. */
#define TUSK_DIGEST_MAX_LANES 64

/* The jobs one thread submitted and has not freed, in the order the
 * thread's assists take them; touched by that thread only. */
struct tusk_digest_lane {
	struct tusk_digest_job *head, *tail;
	uint8_t *buf;             /* TUSK_DIGEST_ASSIST_MAX */
};

struct tusk_digest_svc {
	uint64_t id;              /* unique in the process (lane cache key) */
	int stop;                 /* __atomic */
	unsigned int n_jobs;      /* __atomic, all workers */
	unsigned int n_workers;
	unsigned int n_lanes;     /* __atomic: lanes handed out */
	struct tusk_digest_worker wk[TUSK_DIGEST_MAX_THREADS];
	struct tusk_digest_lane lanes[TUSK_DIGEST_MAX_LANES];
};

struct tusk_digest_job {
	enum tusk_digest_job_kind kind;
	int fd;                   /* our dup() */
	unsigned int algs;        /* asked for */
	struct tusk_digest_svc *svc;
	struct tusk_digest_worker *wk;  /* NULL: a service without threads */
	/* the submitting thread's lane (digest_assist.c); NULL: none, or
	 * the service is gone. Touched by that thread only. */
	struct tusk_digest_lane *lane;
	struct tusk_digest_job *lane_prev, *lane_next;
	struct tusk_digest_job *next;   /* worker's active list */
	/* the claim's holder only */
	struct tusk_digest_ctx ctx;     /* what is computed */
	bool started;
	struct stat st0;          /* JOB_FILE: the file when hashing began */
	uint64_t best_kib_ms;     /* assist: fastest rate seen (KiB per ms) */
	/* shared, through __atomic */
	int claim;                /* 1 while someone advances the job */
	uint64_t done;            /* bytes hashed */
	uint64_t avail;           /* JOB_FOLLOW: bytes on the file */
	uint64_t total;           /* JOB_FOLLOW: UINT64_MAX until the end */
	int state;                /* TUSK_DIGEST_JOB_RUNNING, 0 or -errno */
	int cancel;
	int refs;
	struct tusk_digests d;    /* kept + computed; valid once state is 0 */
};

/* Take the job to advance it: true for the one caller that gets it. Never
 * waits; a job someone else holds is skipped. */
static inline bool
tusk_digest_job_claim(struct tusk_digest_job *job)
{
	int free_ = 0;

	return __atomic_compare_exchange_n(&job->claim, &free_, 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void
tusk_digest_job_unclaim(struct tusk_digest_job *job)
{
	__atomic_store_n(&job->claim, 0, __ATOMIC_RELEASE);
}

static inline bool
tusk_digest_job_running(const struct tusk_digest_job *job)
{
	return __atomic_load_n(&job->state, __ATOMIC_ACQUIRE) ==
	       TUSK_DIGEST_JOB_RUNNING;
}

/*
 * Advance a claimed, running job by at most `cap` bytes read into `buf`
 * (its first step looks up kept digests and starts the contexts; its
 * last checks the file and keeps the digest). *bytes: how many were
 * hashed. On TUSK_DIGEST_STEP_END the result is published in job->state.
 */
enum tusk_digest_step tusk_digest_job_step(struct tusk_digest_job *job,
					   uint8_t *buf, size_t cap,
					   uint64_t *bytes);

/* Drop a reference (the owner's or the worker's); the last frees. */
void tusk_digest_job_unref(struct tusk_digest_job *job);

/* Publish `state` unless the job already ended (a service stopping). */
void tusk_digest_job_end(struct tusk_digest_job *job, int state);

/* A job an assist ended: the service lets go of it (wakes its worker to
 * drop it, or, without threads, releases its slot). */
void tusk_digest_svc_ended(struct tusk_digest_job *job);

/* Lanes (digest_assist.c). Put a new job on the calling thread's lane of
 * `svc`: false when the thread has none (it never assisted, or the
 * service had no lane left for it): then only workers advance the job. */
bool tusk_digest_lane_add(struct tusk_digest_svc *svc,
			  struct tusk_digest_job *job);
/* Take the job off its lane (its owner is freeing it). */
void tusk_digest_lane_remove(struct tusk_digest_job *job);
/* The service is going: lanes' jobs forget their lanes; buffers freed. */
void tusk_digest_lanes_fini(struct tusk_digest_svc *svc);

#endif /* TUSK_DIGEST_SVC_PRIV_H */
