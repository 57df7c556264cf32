/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The digest workers (see digest.h).
 *
 * Each worker thread has its own ring (many lcores submit, it alone
 * takes) and an eventfd to sleep on; a job goes to the worker with the
 * fewest jobs. A worker moves new jobs to its active list and hashes
 * each active job one block per round, so many files progress together.
 *
 *   submit() -> rte_ring_mp_enqueue() + eventfd write
 *   worker() -> take_new() -> step() -> step_file() | step_follow()
 *            -> hash_block() [pread, tusk_digest_ctx_update] -> finish()
 *
 * A job has two references, the owner's (lcore) and the worker's; the
 * last one dropped frees it, so either side may finish first.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "digest.h"
#include "digest_ctx.h"

/* Files are read with pread(2), not mmap(2): a copy costs ~20% of the
 * hashing, but a file truncated under a mapping would kill tuskd with
 * SIGBUS.
 *
 * Bytes read and hashed per step: large enough that the pread syscall
 * and the round-robin cost nothing next to the hashing (~200 us a step
 * at 1.2 GB/s), small enough that the buffer stays in L2 where SHA-256
 * reads it back right after the copy. tests/bench/bench_fileio.c
 * compares sizes: 256 KiB to 4 MiB are within noise of each other here,
 * 64 KiB is ~20% slower. */
#define DIGEST_BLOCK (256u * 1024)

/* A follow job that has caught up with its writer is looked at again
 * after this long: an lcore's flush (1 MiB) takes ~150 us to write. */
#define FOLLOW_WAIT_NS (200 * 1000)

/* With nothing to do a worker sleeps until woken (submit, stop); the
 * timeout only bounds how late a cancelled idle job is freed. */
#define IDLE_WAIT_MS 100

/* Slots of a worker's ring: a power of two (rte_ring) holding, less
 * one, every job the service may have (TUSK_DIGEST_MAX_JOBS). */
#define RING_SLOTS (2 * TUSK_DIGEST_MAX_JOBS)
static_assert(RTE_IS_POWER_OF_2(RING_SLOTS), "rte_ring size");

#define JOB_RUNNING 1

enum job_kind { JOB_FILE, JOB_FOLLOW };

struct tusk_digest_job {
	enum job_kind kind;
	int fd;                   /* our dup() */
	unsigned int algs;        /* asked for */
	struct tusk_digest_ctx ctx;     /* worker only: what is computed */
	bool started;             /* worker only */
	struct stat st0;          /* JOB_FILE: the file when hashing began */
	struct tusk_digest_job *next;   /* worker's active list */
	/* shared, through __atomic */
	uint64_t done;            /* bytes hashed */
	uint64_t avail;           /* JOB_FOLLOW: bytes on the file */
	uint64_t total;           /* JOB_FOLLOW: UINT64_MAX until the end */
	int state;                /* JOB_RUNNING, 0 or -errno */
	int cancel;
	int refs;
	struct tusk_digests d;    /* kept + computed; valid once state is 0 */
};

struct worker {
	struct tusk_digest_svc *svc;
	pthread_t tid;
	bool started;
	int efd;
	struct rte_ring *ring;
	struct tusk_digest_job *active;
	unsigned int n_jobs;      /* __atomic: queued + active */
	uint8_t *buf;             /* DIGEST_BLOCK */
};

struct tusk_digest_svc {
	int stop;                 /* __atomic */
	unsigned int n_jobs;      /* __atomic, all workers */
	unsigned int n_workers;
	struct worker wk[TUSK_DIGEST_MAX_THREADS];
};

static void
job_unref(struct tusk_digest_job *job)
{
	if (__atomic_sub_fetch(&job->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	close(job->fd);
	tusk_digest_ctx_fini(&job->ctx);
	free(job);
}

/* The worker is done with the job: publish the result, let go of it. */
static void
finish(struct worker *wk, struct tusk_digest_job *job, int state)
{
	__atomic_store_n(&job->state, state, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&wk->n_jobs, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&wk->svc->n_jobs, 1, __ATOMIC_RELAXED);
	job_unref(job);
}

/* Hash [done, done + want) of the file. Returns bytes hashed (0 at EOF)
 * or -errno. */
static int64_t
hash_block(struct worker *wk, struct tusk_digest_job *job, uint64_t want)
{
	uint64_t done = __atomic_load_n(&job->done, __ATOMIC_RELAXED);
	ssize_t n;

	if (want > DIGEST_BLOCK)
		want = DIGEST_BLOCK;
	do {
		n = pread(job->fd, wk->buf, want, (off_t)done);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n > 0 && tusk_digest_ctx_update(&job->ctx, wk->buf, (size_t)n) < 0)
		return -ENOMEM;
	__atomic_store_n(&job->done, done + (uint64_t)n, __ATOMIC_RELAXED);
	return n;
}

static int
final(struct tusk_digest_job *job)
{
	return tusk_digest_ctx_final(&job->ctx, &job->d);
}

/* What final() computed, without what was kept already. */
static void
computed(const struct tusk_digest_job *job, unsigned int missing,
	 struct tusk_digests *out)
{
	*out = job->d;
	out->have &= missing;
}

/* First step: kept digests of every algorithm asked for end a JOB_FILE
 * at once; otherwise the missing ones are computed. Returns 1 if the job
 * is finished, 0 to go on, -errno. */
static int
start(struct tusk_digest_job *job)
{
	unsigned int missing = job->algs;

	job->started = true;
	if (job->kind == JOB_FILE) {
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
	err = final(job);
	/* kept as of the checked stat: a write that lands after it makes the
	 * record stale instead of describing the new content */
	computed(job, missing, &fresh);
	if (err == 0)
		tusk_digest_store_as(job->fd, &st, &fresh);
	return err;
}

/* One block of a whole file. Returns 1 finished (result in *state),
 * 0 progressed. */
static int
step_file(struct worker *wk, struct tusk_digest_job *job, int *state)
{
	int64_t n = hash_block(wk, job, DIGEST_BLOCK);

	if (n > 0)
		return 0;
	*state = n < 0 ? (int)n : end_file(job);
	return 1;
}

/* The followed file is complete: keep the digest if the file is still
 * the size its writer ended at. */
static int
end_follow(struct tusk_digest_job *job, uint64_t total)
{
	struct stat st;
	int err = final(job);

	if (err == 0 && fstat(job->fd, &st) == 0 &&
	    (uint64_t)st.st_size == total)
		tusk_digest_store_as(job->fd, &st, &job->d);
	return err;
}

/* One block of a followed file. Returns 1 finished, 0 progressed, -1
 * waiting for the writer. */
static int
step_follow(struct worker *wk, struct tusk_digest_job *job, int *state)
{
	uint64_t total = __atomic_load_n(&job->total, __ATOMIC_ACQUIRE);
	uint64_t avail = __atomic_load_n(&job->avail, __ATOMIC_ACQUIRE);
	uint64_t done = __atomic_load_n(&job->done, __ATOMIC_RELAXED);
	int64_t n;

	if (avail > total)
		avail = total;
	if (done == total) {
		*state = end_follow(job, total);
		return 1;
	}
	if (done >= avail)
		return -1;
	n = hash_block(wk, job, avail - done);
	if (n > 0)
		return 0;
	/* the writer said these bytes were on the file */
	*state = n < 0 ? (int)n : -EIO;
	return 1;
}

/* Advance one job by a block. Returns 1 if it progressed or finished,
 * 0 if it waits for its writer. */
static int
step(struct worker *wk, struct tusk_digest_job *job, bool *finished)
{
	int state = 0, r;

	*finished = true;
	if (__atomic_load_n(&job->cancel, __ATOMIC_ACQUIRE)) {
		finish(wk, job, -ECANCELED);
		return 1;
	}
	if (!job->started) {
		r = start(job);
		if (r != 0) {
			finish(wk, job, r > 0 ? 0 : r);
			return 1;
		}
	}
	r = job->kind == JOB_FILE ? step_file(wk, job, &state) :
				    step_follow(wk, job, &state);
	if (r == 1)
		finish(wk, job, state);
	*finished = r == 1;
	return r >= 0;
}

/* Move newly submitted jobs to the active list. */
static void
take_new(struct worker *wk)
{
	void *jobs[32];
	unsigned int n;

	n = rte_ring_sc_dequeue_burst(wk->ring, jobs, RTE_DIM(jobs), NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct tusk_digest_job *job = jobs[i];

		job->next = wk->active;
		wk->active = job;
	}
}

/* One block of every active job. Returns whether any progressed; sets
 * *waiting if a follow job waits for its writer. */
static bool
round_robin(struct worker *wk, bool *waiting)
{
	struct tusk_digest_job **pp = &wk->active;
	bool progress = false;

	*waiting = false;
	while (*pp != NULL) {
		struct tusk_digest_job *job = *pp, *next = job->next;
		bool finished;

		if (step(wk, job, &finished))
			progress = true;
		else
			*waiting = true;
		if (finished)
			*pp = next;
		else
			pp = &job->next;
	}
	return progress;
}

static void
idle_wait(struct worker *wk, bool waiting)
{
	struct pollfd pfd = { .fd = wk->efd, .events = POLLIN };
	struct timespec ts = { .tv_sec = IDLE_WAIT_MS / 1000,
			       .tv_nsec = (IDLE_WAIT_MS % 1000) * 1000000L };
	uint64_t v;

	if (waiting) {
		ts.tv_sec = 0;
		ts.tv_nsec = FOLLOW_WAIT_NS;
	}
	if (ppoll(&pfd, 1, &ts, NULL) > 0 &&
	    read(wk->efd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: another wake-up consumed it */
}

/* Stopping: every job still held ends cancelled. */
static void
drain(struct worker *wk)
{
	while (!rte_ring_empty(wk->ring))
		take_new(wk);
	while (wk->active != NULL) {
		struct tusk_digest_job *job = wk->active;

		wk->active = job->next;
		finish(wk, job, -ECANCELED);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct tusk_digest_svc *svc = wk->svc;

	while (!__atomic_load_n(&svc->stop, __ATOMIC_ACQUIRE)) {
		bool waiting;

		take_new(wk);
		if (!round_robin(wk, &waiting))
			idle_wait(wk, waiting);
	}
	drain(wk);
	return NULL;
}

static void
worker_fini(struct worker *wk)
{
	free(wk->ring);
	free(wk->buf);
	if (wk->efd >= 0)
		close(wk->efd);
}

/*
 * Workers may run on any CPU but those of DPDK's worker lcores, which
 * busy-poll: a thread created from the main lcore would otherwise inherit
 * its pinning and every worker would share that one core. If the lcores
 * take every CPU, the scheduler shares them. (Without EAL there are no
 * lcores and every online CPU is allowed.)
 */
static void
worker_cpus(cpu_set_t *set)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int lcore;

	CPU_ZERO(set);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, set);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rte_cpuset_t lc = rte_lcore_cpuset(lcore);
		cpu_set_t left;

		CPU_XOR(&left, set, &lc);
		CPU_AND(&left, &left, set);
		if (CPU_COUNT(&left) > 0)
			*set = left;
	}
}

/* Returns 0 or a positive errno (pthread convention). */
static int
start_thread(struct worker *wk)
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int err;

	worker_cpus(&cpus);
	err = pthread_attr_init(&attr);
	if (err != 0)
		return err;
	err = pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	if (err == 0)
		err = pthread_create(&wk->tid, &attr, worker_main, wk);
	pthread_attr_destroy(&attr);
	if (err == 0)
		pthread_setname_np(wk->tid, "tusk-digest");
	return err;
}

static int
worker_init(struct tusk_digest_svc *svc, struct worker *wk)
{
	ssize_t sz = rte_ring_get_memsize(RING_SLOTS);
	int err;

	wk->svc = svc;
	wk->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wk->efd < 0)
		return -errno;
	wk->buf = malloc(DIGEST_BLOCK);
	/* rte_ring_init() on our own memory: no EAL memzone, no name to
	 * keep unique */
	if (sz < 0 || wk->buf == NULL ||
	    posix_memalign((void **)&wk->ring, RTE_CACHE_LINE_SIZE,
			   (size_t)sz) != 0)
		return -ENOMEM;
	err = rte_ring_init(wk->ring, "tusk_digest", RING_SLOTS,
			    RING_F_SC_DEQ);
	if (err < 0)
		return err;
	err = start_thread(wk);
	if (err != 0)
		return -err;
	wk->started = true;
	return 0;
}

struct tusk_digest_svc *
tusk_digest_svc_create(unsigned int threads)
{
	struct tusk_digest_svc *svc;
	int err = 0;

	if (threads == 0 || threads > TUSK_DIGEST_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return NULL;
	for (unsigned int i = 0; i < threads; i++)
		svc->wk[i].efd = -1;
	for (unsigned int i = 0; i < threads && err == 0; i++) {
		err = worker_init(svc, &svc->wk[i]);
		svc->n_workers = i + 1;
	}
	if (err != 0) {
		tusk_digest_svc_free(svc);
		errno = -err;
		return NULL;
	}
	return svc;
}

static void
wake(struct worker *wk)
{
	uint64_t one = 1;

	/* EAGAIN only when the counter is near 2^64: awake anyway */
	if (write(wk->efd, &one, sizeof(one)) < 0)
		return;
}

void
tusk_digest_svc_free(struct tusk_digest_svc *svc)
{
	if (svc == NULL)
		return;
	__atomic_store_n(&svc->stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < svc->n_workers; i++) {
		struct worker *wk = &svc->wk[i];

		if (wk->started) {
			wake(wk);
			pthread_join(wk->tid, NULL);
		}
		worker_fini(wk);
	}
	free(svc);
}

/* The worker with the fewest jobs. */
static struct worker *
pick(struct tusk_digest_svc *svc)
{
	struct worker *best = &svc->wk[0];

	for (unsigned int i = 1; i < svc->n_workers; i++)
		if (__atomic_load_n(&svc->wk[i].n_jobs, __ATOMIC_RELAXED) <
		    __atomic_load_n(&best->n_jobs, __ATOMIC_RELAXED))
			best = &svc->wk[i];
	return best;
}

static struct tusk_digest_job *
submit(struct tusk_digest_svc *svc, int fd, enum job_kind kind,
       unsigned int algs)
{
	struct tusk_digest_job *job;
	struct worker *wk;

	if (algs == 0 || (algs & ~TUSK_DIGEST_ALL) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (__atomic_add_fetch(&svc->n_jobs, 1, __ATOMIC_RELAXED) >
	    TUSK_DIGEST_MAX_JOBS) {
		__atomic_sub_fetch(&svc->n_jobs, 1, __ATOMIC_RELAXED);
		errno = EAGAIN;
		return NULL;
	}
	job = calloc(1, sizeof(*job));
	if (job != NULL)
		job->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (job == NULL || job->fd < 0) {
		int err = job == NULL ? ENOMEM : errno;

		free(job);
		__atomic_sub_fetch(&svc->n_jobs, 1, __ATOMIC_RELAXED);
		errno = err;
		return NULL;
	}
	job->kind = kind;
	job->algs = algs;
	job->total = UINT64_MAX;
	job->state = JOB_RUNNING;
	job->refs = 2;
	wk = pick(svc);
	__atomic_add_fetch(&wk->n_jobs, 1, __ATOMIC_RELAXED);
	/* cannot fail: a ring has room for TUSK_DIGEST_MAX_JOBS, the bound
	 * of jobs held by all workers together */
	rte_ring_mp_enqueue(wk->ring, job);
	wake(wk);
	return job;
}

struct tusk_digest_job *
tusk_digest_file(struct tusk_digest_svc *svc, int fd, unsigned int algs)
{
	return submit(svc, fd, JOB_FILE, algs);
}

struct tusk_digest_job *
tusk_digest_follow(struct tusk_digest_svc *svc, int fd, unsigned int algs)
{
	return submit(svc, fd, JOB_FOLLOW, algs);
}

void
tusk_digest_follow_advance(struct tusk_digest_job *job, uint64_t bytes)
{
	__atomic_store_n(&job->avail, bytes, __ATOMIC_RELEASE);
}

void
tusk_digest_follow_end(struct tusk_digest_job *job, uint64_t total)
{
	__atomic_store_n(&job->avail, total, __ATOMIC_RELEASE);
	__atomic_store_n(&job->total, total, __ATOMIC_RELEASE);
}

int
tusk_digest_job_poll(struct tusk_digest_job *job, struct tusk_digests *d)
{
	int state = __atomic_load_n(&job->state, __ATOMIC_ACQUIRE);

	if (state == JOB_RUNNING)
		return -EAGAIN;
	if (state == 0)
		*d = job->d;
	return state;
}

uint64_t
tusk_digest_job_done(const struct tusk_digest_job *job)
{
	return __atomic_load_n(&job->done, __ATOMIC_RELAXED);
}

void
tusk_digest_job_free(struct tusk_digest_job *job)
{
	if (job == NULL)
		return;
	__atomic_store_n(&job->cancel, 1, __ATOMIC_RELEASE);
	job_unref(job);
}
