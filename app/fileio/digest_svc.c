/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The digest workers (see digest.h, digest_svc_priv.h).
 *
 * Each worker thread has its own ring (many lcores submit, it alone
 * takes) and an eventfd to sleep on; a job goes to the worker with the
 * fewest jobs. A worker moves new jobs to its active list and hashes
 * each active job one block per round, so many files progress together.
 * A job its lcore holds (digest_assist.c) is skipped this round.
 *
 *   submit() -> rte_ring_mp_enqueue() + eventfd write, lane add
 *   worker() -> take_new() -> step() -> claim -> tusk_digest_job_step()
 *            -> drop() when ended (by the worker or the lcore)
 *
 * A job has two references, the owner's (lcore) and the worker's; the
 * last one dropped frees it, so either side may finish first. (Without
 * worker threads, only the owner's.)
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

#include "digest_svc_priv.h"

/* A follow job that has caught up with its writer, or that the lcore
 * which submitted it is advancing, is looked at again after this long:
 * an lcore's flush (1 MiB) takes ~150 us to write, an assist's chunk
 * ~50 us. */
#define FOLLOW_WAIT_NS (200 * 1000)

/* With nothing to do a worker sleeps until woken (submit, stop); the
 * timeout only bounds how late a cancelled idle job is freed. */
#define IDLE_WAIT_MS 100

/* Slots of a worker's ring: a power of two (rte_ring) holding, less
 * one, every job the service may have (TUSK_DIGEST_MAX_JOBS). */
#define RING_SLOTS (2 * TUSK_DIGEST_MAX_JOBS)
static_assert(RTE_IS_POWER_OF_2(RING_SLOTS), "rte_ring size");

/* Services created so far: each gets its own id, which a thread's cached
 * lane names (a new service may reuse a freed one's address). */
static uint64_t svc_ids;

/* The service lets go of a job: it no longer counts against
 * TUSK_DIGEST_MAX_JOBS. */
static void
release_slot(struct tusk_digest_svc *svc, struct tusk_digest_worker *wk)
{
	if (wk != NULL)
		__atomic_sub_fetch(&wk->n_jobs, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&svc->n_jobs, 1, __ATOMIC_RELAXED);
}

/* The worker is done with the job (ended, by whichever party, or
 * cancelled by its owner): let go of it. */
static void
drop(struct tusk_digest_worker *wk, struct tusk_digest_job *job, int state)
{
	tusk_digest_job_end(job, state);
	release_slot(wk->svc, wk);
	tusk_digest_job_unref(job);
}

/* Advance one job by a block, unless its lcore holds it. Returns 1 if it
 * progressed or ended, 0 if it waits (for its writer or its lcore). */
static int
step(struct tusk_digest_worker *wk, struct tusk_digest_job *job,
     bool *finished)
{
	enum tusk_digest_step r;
	uint64_t n;

	*finished = true;
	if (__atomic_load_n(&job->cancel, __ATOMIC_ACQUIRE)) {
		drop(wk, job, -ECANCELED);
		return 1;
	}
	if (!tusk_digest_job_running(job)) {
		/* its lcore finished it (digest_assist.c) */
		drop(wk, job, 0);
		return 1;
	}
	*finished = false;
	if (!tusk_digest_job_claim(job))
		return 0;
	if (!tusk_digest_job_running(job)) {
		/* its lcore ended it between the two loads */
		tusk_digest_job_unclaim(job);
		*finished = true;
		drop(wk, job, 0);
		return 1;
	}
	r = tusk_digest_job_step(job, wk->buf, TUSK_DIGEST_BLOCK, &n);
	tusk_digest_job_unclaim(job);
	if (r == TUSK_DIGEST_STEP_END) {
		*finished = true;
		drop(wk, job, 0);
	}
	return r != TUSK_DIGEST_STEP_WAIT;
}

/* Move newly submitted jobs to the active list. */
static void
take_new(struct tusk_digest_worker *wk)
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
 * *waiting if a job waits for its writer or its lcore. */
static bool
round_robin(struct tusk_digest_worker *wk, bool *waiting)
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
idle_wait(struct tusk_digest_worker *wk, bool waiting)
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
drain(struct tusk_digest_worker *wk)
{
	while (!rte_ring_empty(wk->ring))
		take_new(wk);
	while (wk->active != NULL) {
		struct tusk_digest_job *job = wk->active;

		wk->active = job->next;
		drop(wk, job, -ECANCELED);
	}
}

static void *
worker_main(void *arg)
{
	struct tusk_digest_worker *wk = arg;
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
worker_fini(struct tusk_digest_worker *wk)
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
start_thread(struct tusk_digest_worker *wk)
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
worker_init(struct tusk_digest_svc *svc, struct tusk_digest_worker *wk)
{
	ssize_t sz = rte_ring_get_memsize(RING_SLOTS);
	int err;

	wk->svc = svc;
	wk->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wk->efd < 0)
		return -errno;
	wk->buf = malloc(TUSK_DIGEST_BLOCK);
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

	if (threads > TUSK_DIGEST_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return NULL;
	svc->id = __atomic_add_fetch(&svc_ids, 1, __ATOMIC_RELAXED);
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
wake(struct tusk_digest_worker *wk)
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
		struct tusk_digest_worker *wk = &svc->wk[i];

		if (wk->started) {
			wake(wk);
			pthread_join(wk->tid, NULL);
		}
		worker_fini(wk);
	}
	tusk_digest_lanes_fini(svc);
	free(svc);
}

void
tusk_digest_svc_ended(struct tusk_digest_job *job)
{
	if (job->wk != NULL)
		wake(job->wk); /* to drop it now rather than after a sleep */
	else
		release_slot(job->svc, NULL);
}

/* The worker with the fewest jobs (NULL: the service has none). */
static struct tusk_digest_worker *
pick(struct tusk_digest_svc *svc)
{
	struct tusk_digest_worker *best = &svc->wk[0];

	if (svc->n_workers == 0)
		return NULL;

	for (unsigned int i = 1; i < svc->n_workers; i++)
		if (__atomic_load_n(&svc->wk[i].n_jobs, __ATOMIC_RELAXED) <
		    __atomic_load_n(&best->n_jobs, __ATOMIC_RELAXED))
			best = &svc->wk[i];
	return best;
}

/* A job not submitted after all: errno = err. */
static void
refuse(struct tusk_digest_svc *svc, struct tusk_digest_job *job, int err)
{
	if (job != NULL && job->fd >= 0)
		close(job->fd);
	free(job);
	__atomic_sub_fetch(&svc->n_jobs, 1, __ATOMIC_RELAXED);
	errno = err;
}

/* A new job of `kind`; idle_only: the submitting lcore's idle iterations
 * hash it, no worker (a worker when the thread has no lane). */
static struct tusk_digest_job *
submit(struct tusk_digest_svc *svc, int fd, enum tusk_digest_job_kind kind,
       unsigned int algs, bool idle_only)
{
	struct tusk_digest_job *job;
	struct tusk_digest_worker *wk;

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
		refuse(svc, job, job == NULL ? ENOMEM : errno);
		return NULL;
	}
	job->kind = kind;
	job->algs = algs;
	job->svc = svc;
	job->total = UINT64_MAX;
	job->state = TUSK_DIGEST_JOB_RUNNING;
	job->wk = wk = idle_only ? NULL : pick(svc);
	job->refs = wk != NULL ? 2 : 1;
	if (!tusk_digest_lane_add(svc, job) && wk == NULL) {
		/* not an lcore (no lane): a worker after all, if any */
		job->wk = wk = idle_only ? pick(svc) : NULL;
		job->refs = 2;
		if (wk == NULL) {
			/* no thread would ever advance it */
			refuse(svc, job, EAGAIN);
			return NULL;
		}
	}
	if (wk == NULL)
		return job;
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
	return submit(svc, fd, TUSK_DIGEST_JOB_FILE, algs, false);
}

struct tusk_digest_job *
tusk_digest_file_idle(struct tusk_digest_svc *svc, int fd, unsigned int algs)
{
	return submit(svc, fd, TUSK_DIGEST_JOB_FILE, algs, true);
}

struct tusk_digest_job *
tusk_digest_follow(struct tusk_digest_svc *svc, int fd, unsigned int algs)
{
	return submit(svc, fd, TUSK_DIGEST_JOB_FOLLOW, algs, false);
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

	if (state == TUSK_DIGEST_JOB_RUNNING)
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
	if (job->lane != NULL)
		tusk_digest_lane_remove(job);
	if (job->wk == NULL && tusk_digest_job_running(job)) {
		/* no worker to drop it: the owner lets go of the slot */
		tusk_digest_job_end(job, -ECANCELED);
		release_slot(job->svc, NULL);
	}
	tusk_digest_job_unref(job);
}
