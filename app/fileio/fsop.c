/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace worker (fsop.h).
 *
 *   lcore:  tusk_fsop_submit() -> queue, signal; tusk_fsop_poll()
 *   worker: worker() -> run() -> tusk_root_mkdir / _remove / _rename
 *           -> done (release store), or freed when the lcore let go
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include "fsop.h"
#include "root.h"

#define FSOP_DIR_MODE 0755

struct tusk_fsop_job {
	TAILQ_ENTRY(tusk_fsop_job) link;
	enum tusk_fsop_kind kind;
	bool noreplace;
	struct tusk_fsop_result res;
	atomic_bool done;
	atomic_int refs;         /* the lcore's and the worker's */
	char a[TUSK_ROOT_PATH_MAX];
	char b[TUSK_ROOT_PATH_MAX];
};

struct tusk_fsop_svc {
	const struct tusk_root *root;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	TAILQ_HEAD(, tusk_fsop_job) queue;
	unsigned int queued;
	bool stop;
};

static void
job_put(struct tusk_fsop_job *j)
{
	if (atomic_fetch_sub_explicit(&j->refs, 1, memory_order_acq_rel) == 1)
		free(j);
}

/* A directory is removed by name only once unlinking it as a file said
 * it is one (EISDIR): no stat between, nothing to race. */
static void
run(const struct tusk_root *r, struct tusk_fsop_job *j)
{
	struct stat st;

	switch (j->kind) {
	case TUSK_FSOP_MKDIR:
		j->res.rc = tusk_root_mkdir(r, j->a, FSOP_DIR_MODE);
		break;
	case TUSK_FSOP_REMOVE:
		j->res.rc = tusk_root_remove(r, j->a, false);
		if (j->res.rc == -EISDIR)
			j->res.rc = tusk_root_remove(r, j->a, true);
		break;
	case TUSK_FSOP_RENAME:
		if (tusk_root_stat(r, j->a, &st) == -ENOENT) {
			j->res.src_missing = true;
			j->res.rc = -ENOENT;
			break;
		}
		/* for 201 vs 204 only: the rename decides atomically */
		j->res.replaced = tusk_root_stat(r, j->b, &st) == 0;
		j->res.rc = tusk_root_rename(r, j->a, j->b, j->noreplace);
		j->res.kept = j->noreplace && j->res.rc == -EEXIST;
		break;
	}
}

static void *
worker(void *arg)
{
	struct tusk_fsop_svc *s = arg;
	struct tusk_fsop_job *j;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (TAILQ_EMPTY(&s->queue) && !s->stop)
			pthread_cond_wait(&s->cond, &s->lock);
		j = TAILQ_FIRST(&s->queue);
		if (j == NULL)
			break; /* stopping, queue drained */
		TAILQ_REMOVE(&s->queue, j, link);
		s->queued--;
		pthread_mutex_unlock(&s->lock);
		run(s->root, j);
		atomic_store_explicit(&j->done, true, memory_order_release);
		job_put(j);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct tusk_fsop_svc *
tusk_fsop_create(const struct tusk_root *r)
{
	struct tusk_fsop_svc *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return NULL;
	s->root = r;
	TAILQ_INIT(&s->queue);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	rc = pthread_create(&s->thread, NULL, worker, s);
	if (rc != 0) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		free(s);
		errno = rc;
		return NULL;
	}
	pthread_setname_np(s->thread, "tusk-fsop");
	return s;
}

void
tusk_fsop_free(struct tusk_fsop_svc *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct tusk_fsop_job *
tusk_fsop_submit(struct tusk_fsop_svc *s, enum tusk_fsop_kind kind,
		 const char *a, const char *b, bool noreplace)
{
	struct tusk_fsop_job *j;

	if (strlen(a) >= TUSK_ROOT_PATH_MAX ||
	    (b != NULL && strlen(b) >= TUSK_ROOT_PATH_MAX)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->kind = kind;
	j->noreplace = noreplace;
	strcpy(j->a, a);
	if (b != NULL)
		strcpy(j->b, b);
	atomic_init(&j->done, false);
	atomic_init(&j->refs, 2);
	pthread_mutex_lock(&s->lock);
	if (s->queued >= TUSK_FSOP_QUEUE_MAX) {
		pthread_mutex_unlock(&s->lock);
		free(j);
		errno = ENOBUFS;
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->queue, j, link);
	s->queued++;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return j;
}

int
tusk_fsop_poll(const struct tusk_fsop_job *j, struct tusk_fsop_result *res)
{
	if (!atomic_load_explicit(&j->done, memory_order_acquire))
		return -EAGAIN;
	*res = j->res;
	return 0;
}

void
tusk_fsop_job_free(struct tusk_fsop_job *j)
{
	if (j != NULL)
		job_put(j);
}
