/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Work stealing by the lcores (digest.h, tusk_digest_svc_assist): a
 * thread that assists gets a lane of the service at its first assist,
 * and the jobs it submits from then on go on it (until it frees them);
 * when its loop has nothing to do it takes one of them that no one else
 * is advancing and hashes a chunk of it. Jobs of threads that never
 * assist (a control thread) are the worker threads' alone, so no other
 * thread ever touches a lane while its owner uses it.
 *
 *   submit (lcore)  -> tusk_digest_lane_add()     job on the lane's tail
 *   idle iteration  -> tusk_digest_svc_assist()   claim a job, one chunk
 *                   -> tusk_digest_job_step()     (digest_job.c)
 *   job_free        -> tusk_digest_lane_remove()
 *
 * Why the thread's own jobs, not any job of the service: the thread
 * holds its own reference to each of them until it frees them itself,
 * so walking its lane needs neither a lock nor a way to reclaim a job
 * another thread frees meanwhile; and the lane is that thread's alone,
 * so adding, removing and rotating are plain list operations. On tuskd
 * each lcore hashes what its own transfers need (a fetch's verification,
 * a GET's source digest), which is where its idle time comes from.
 *
 * The lane a thread has in a service is cached in thread-local storage,
 * keyed by the service's id (a service created later may reuse the
 * address of a freed one).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "digest_svc_priv.h"

static __thread struct {
	uint64_t svc_id;               /* 0: nothing cached */
	struct tusk_digest_lane *lane; /* NULL: the service had none left */
} tl_lane;

static struct tusk_digest_lane *
lane_of(struct tusk_digest_svc *svc)
{
	return tl_lane.svc_id == svc->id ? tl_lane.lane : NULL;
}

/* The calling thread's lane of svc, handed out at its first assist. */
static struct tusk_digest_lane *
lane_get(struct tusk_digest_svc *svc)
{
	struct tusk_digest_lane *lane = NULL;
	unsigned int i;

	if (tl_lane.svc_id == svc->id)
		return tl_lane.lane;
	i = __atomic_fetch_add(&svc->n_lanes, 1, __ATOMIC_RELAXED);
	if (i < TUSK_DIGEST_MAX_LANES) {
		lane = &svc->lanes[i];
		lane->buf = malloc(TUSK_DIGEST_ASSIST_MAX);
		if (lane->buf == NULL)
			lane = NULL;
	}
	tl_lane.svc_id = svc->id;
	tl_lane.lane = lane;
	return lane;
}

bool
tusk_digest_lane_add(struct tusk_digest_svc *svc, struct tusk_digest_job *job)
{
	struct tusk_digest_lane *lane = lane_of(svc);

	if (lane == NULL)
		return false;
	job->lane = lane;
	job->lane_next = NULL;
	job->lane_prev = lane->tail;
	if (lane->tail != NULL)
		lane->tail->lane_next = job;
	else
		lane->head = job;
	lane->tail = job;
	return true;
}

void
tusk_digest_lane_remove(struct tusk_digest_job *job)
{
	struct tusk_digest_lane *lane = job->lane;

	if (job->lane_prev != NULL)
		job->lane_prev->lane_next = job->lane_next;
	else
		lane->head = job->lane_next;
	if (job->lane_next != NULL)
		job->lane_next->lane_prev = job->lane_prev;
	else
		lane->tail = job->lane_prev;
	job->lane = NULL;
	job->lane_prev = job->lane_next = NULL;
}

void
tusk_digest_lanes_fini(struct tusk_digest_svc *svc)
{
	unsigned int n = __atomic_load_n(&svc->n_lanes, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < n && i < TUSK_DIGEST_MAX_LANES; i++) {
		struct tusk_digest_lane *lane = &svc->lanes[i];

		while (lane->head != NULL) {
			struct tusk_digest_job *job = lane->head;

			/* a job no worker held ends here (with workers,
			 * their drain ended it already) */
			tusk_digest_job_end(job, -ECANCELED);
			tusk_digest_lane_remove(job);
		}
		free(lane->buf);
	}
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bytes of the job's next chunk: what its fastest rate seen hashes in
 * budget_ns, within the TUSK_DIGEST_ASSIST_* bounds, whole pages. */
static size_t
chunk_of(const struct tusk_digest_job *job, uint64_t budget_ns)
{
	uint64_t n;

	if (job->best_kib_ms == 0)
		return TUSK_DIGEST_ASSIST_FIRST;
	n = job->best_kib_ms * budget_ns / 1000000u * 1024u;
	if (n < TUSK_DIGEST_ASSIST_MIN)
		n = TUSK_DIGEST_ASSIST_MIN;
	if (n > TUSK_DIGEST_ASSIST_MAX)
		n = TUSK_DIGEST_ASSIST_MAX;
	return (size_t)(n & ~(uint64_t)4095);
}

/* The fastest rate is the true one: a slower chunk was preempted or
 * waited for the page cache. Chunks below the minimum say little. */
static void
rate_seen(struct tusk_digest_job *job, uint64_t bytes, uint64_t ns)
{
	uint64_t kib_ms;

	if (bytes < TUSK_DIGEST_ASSIST_MIN || ns == 0)
		return;
	kib_ms = bytes * 1000000u / 1024u / ns;
	if (kib_ms > job->best_kib_ms)
		job->best_kib_ms = kib_ms;
}

/* One chunk of a claimed job. Returns bytes hashed; *progress: it
 * hashed or ended. */
static uint64_t
assist_one(struct tusk_digest_lane *lane, struct tusk_digest_job *job,
	   uint64_t budget_ns, bool *progress)
{
	uint64_t t0 = mono_ns(), n;
	enum tusk_digest_step r;

	r = tusk_digest_job_step(job, lane->buf, chunk_of(job, budget_ns),
				 &n);
	rate_seen(job, n, mono_ns() - t0);
	tusk_digest_job_unclaim(job);
	if (r == TUSK_DIGEST_STEP_END)
		tusk_digest_svc_ended(job);
	*progress = r != TUSK_DIGEST_STEP_WAIT;
	return n;
}

/* Jobs take turns: the one just advanced goes to the tail. */
static void
rotate(struct tusk_digest_lane *lane, struct tusk_digest_job *job)
{
	if (lane->tail == job)
		return;
	tusk_digest_lane_remove(job);
	job->lane = lane;
	job->lane_prev = lane->tail;
	lane->tail->lane_next = job;
	lane->tail = job;
}

uint64_t
tusk_digest_svc_assist(struct tusk_digest_svc *svc, uint64_t budget_ns)
{
	struct tusk_digest_lane *lane = lane_get(svc);
	struct tusk_digest_job *job, *next;

	if (lane == NULL)
		return 0;
	for (job = lane->head; job != NULL; job = next) {
		bool progress;
		uint64_t n;

		next = job->lane_next;
		if (!tusk_digest_job_running(job) ||
		    !tusk_digest_job_claim(job))
			continue;
		/* ended by the worker between the two loads: nothing to do */
		if (!tusk_digest_job_running(job)) {
			tusk_digest_job_unclaim(job);
			continue;
		}
		n = assist_one(lane, job, budget_ns, &progress);
		if (progress) {
			rotate(lane, job);
			return n;
		}
	}
	return 0;
}
