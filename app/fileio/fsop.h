/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespace changes beneath the data root, off the lcore: a worker
 * thread that runs root.h's tusk_root_mkdir / _remove / _rename (the
 * WebDAV MKCOL, DELETE and MOVE of the HTTP endpoint).
 *
 * Each of them ends with an fsync of the directories it changed: on ext4
 * here a directory fsync took 12 ms typically and 46 ms at worst on an
 * idle disk (the fetch client's record saves, http_fetch_disk.h), and a
 * polling lcore stalled that long lets its receive ring overflow. So the
 * lcore queues the job and polls it; the worker sleeps on a condition
 * variable between jobs. The queue's lock is taken once per job, never
 * per packet.
 */
#ifndef TUSK_FSOP_H
#define TUSK_FSOP_H

#include <stdbool.h>

struct tusk_root;
struct tusk_fsop_svc;
struct tusk_fsop_job;

/* Jobs waiting at most per worker: a namespace change is a client's
 * request, and more than this at once is a client flooding us. */
#define TUSK_FSOP_QUEUE_MAX 256

enum tusk_fsop_kind {
	TUSK_FSOP_MKDIR,   /* a: the directory (mode 0755) */
	TUSK_FSOP_REMOVE,  /* a: a file or symlink, or an empty directory */
	TUSK_FSOP_RENAME,  /* a -> b; `noreplace`: RENAME_NOREPLACE */
};

/* What a finished job found. */
struct tusk_fsop_result {
	int rc;            /* 0 or -errno of the operation */
	bool src_missing;  /* RENAME: a did not exist (rc -ENOENT) */
	bool replaced;     /* RENAME: b existed and was replaced */
	bool kept;         /* RENAME noreplace: b exists, nothing done */
};

/* Start the worker for files under r (which outlives it); NULL with
 * errno. */
struct tusk_fsop_svc *tusk_fsop_create(const struct tusk_root *r);

/* Finish the queued jobs, stop, free (NULL is fine). */
void tusk_fsop_free(struct tusk_fsop_svc *s);

/* Queue a job (paths are copied). NULL with errno: ENOBUFS (queue
 * full), ENAMETOOLONG, ENOMEM. */
struct tusk_fsop_job *tusk_fsop_submit(struct tusk_fsop_svc *s,
				       enum tusk_fsop_kind kind, const char *a,
				       const char *b, bool noreplace);

/* 0 with *res when done, -EAGAIN while queued or running. */
int tusk_fsop_poll(const struct tusk_fsop_job *j,
		   struct tusk_fsop_result *res);

/* Release the job (NULL is fine): one still running completes and the
 * worker frees it. */
void tusk_fsop_job_free(struct tusk_fsop_job *j);

#endif /* TUSK_FSOP_H */
