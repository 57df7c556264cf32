/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's disk thread (see http_fetch_disk.h).
 *
 *   lcore:  tusk_fetch_disk_save/remove/commit() -> job_queue()
 *             -> rte_ring_sp_enqueue() + eventfd write
 *   thread: disk_main() -> read(eventfd) -> rte_ring_sc_dequeue()
 *             -> job_run() -> tusk_fetch_state_write() | unlink | commit()
 *                                                      | create_part()
 *                                                      | crc_range()
 *                                                      | tusk_sweep_tmps_of()
 *             -> job_finish()
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/eventfd.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "adler32.h"
#include "crc32c.h"
#include "digest.h"
#include "http_fetch_disk.h"
#include "http_fetch_state.h"
#include "root.h"
#include "sweep.h"

enum job_kind {
	JOB_SAVE, JOB_REMOVE, JOB_SWEEP, JOB_COMMIT, JOB_CREATE, JOB_CRC
};

/* A polled job's life (commit, create): the lcore polls it (RUNNING ->
 * DONE) or abandons it; whoever comes second frees it. */
enum job_life { LIFE_RUNNING, LIFE_DONE, LIFE_ABANDONED };

struct tusk_fetch_disk_job {
	enum job_kind kind;
	char *rel;          /* record or part */
	char *text;         /* JOB_SAVE */
	char *dest;         /* JOB_COMMIT */
	char *record;       /* JOB_COMMIT */
	int fd;             /* JOB_COMMIT: dup of the part; JOB_CREATE: it */
	struct tusk_digests digests; /* JOB_COMMIT: to keep (have 0: none) */
	uint64_t size;      /* JOB_CREATE; JOB_CRC: length */
	uint64_t off;       /* JOB_CRC */
	uint32_t crc;       /* JOB_CRC results */
	uint32_t adler;
	uint64_t avail;     /* JOB_CREATE failed for space: free bytes */
	int result;         /* JOB_COMMIT, JOB_CREATE: valid once DONE */
	uint32_t life;      /* enum job_life, atomic */
};

/* Bytes read back per pread(2) when checking a block: large enough that
 * the syscall is noise, small enough to stay in L2. */
#define DISK_READ_CHUNK (1u << 20)

struct tusk_fetch_disk {
	const struct tusk_root *root;
	uint8_t *buf;       /* DISK_READ_CHUNK, the thread's */
	struct rte_ring *ring;
	int efd;
	bool stop;          /* atomic */
	bool started;
	pthread_t tid;
};

static void
job_free(struct tusk_fetch_disk_job *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->rel);
	free(j->text);
	free(j->dest);
	free(j->record);
	free(j);
}

static struct tusk_fetch_disk_job *
job_new(enum job_kind kind, const char *rel)
{
	struct tusk_fetch_disk_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->kind = kind;
	j->fd = -1;
	j->rel = strdup(rel);
	if (j->rel == NULL) {
		free(j);
		return NULL;
	}
	return j;
}

static void
wake(struct tusk_fetch_disk *d)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is full, so the thread is awake anyway */
	while (write(d->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		continue;
}

static int
job_queue(struct tusk_fetch_disk *d, struct tusk_fetch_disk_job *j)
{
	if (rte_ring_sp_enqueue(d->ring, j) < 0)
		return -ENOBUFS;
	wake(d);
	return 0;
}

static int
commit(const struct tusk_fetch_disk *d, struct tusk_fetch_disk_job *j)
{
	int ret = tusk_root_commit(d->root, j->rel, j->dest);

	if (ret < 0)
		return ret;
	/* the digest names the file as it is now: after the last write */
	if (j->digests.have != 0)
		tusk_digest_store(j->fd, &j->digests);
	tusk_fetch_state_remove(d->root, j->record);
	return 0;
}

/*
 * Reserve `size` bytes for the part open as fd: fallocate where that is
 * bookkeeping (ext4, xfs: unwritten extents, ~0.5 ms per GiB here). tmpfs
 * instead allocates and zeroes every page at once (4 GiB: ~0.4 CPU s on
 * this thread and ~0.6-1.1 s of a fetch's probing phase, measured with
 * tests/bench/run-files.sh, for pages the writes then fill again): there
 * the free space is compared with the size and the file only sized, so a
 * full tmpfs still fails at the start; a fetch beside it that takes the
 * space meanwhile fails on its write (ENOSPC), with nothing committed.
 */
static int
reserve(int fd, uint64_t size)
{
	struct statvfs vfs;
	struct statfs fs;

	if (fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
		/* f_blocks 0: a tmpfs mounted without a size limit */
		if (fstatvfs(fd, &vfs) == 0 && vfs.f_blocks != 0 &&
		    (uint64_t)vfs.f_bavail * vfs.f_frsize < size)
			return -ENOSPC;
		return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	}
	if (fallocate(fd, 0, 0, (off_t)size) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

/* A part of j->size bytes, space reserved; on ENOSPC it is removed. */
static int
create_part(const struct tusk_fetch_disk *d, struct tusk_fetch_disk_job *j)
{
	struct statvfs vfs;
	int ret;

	j->fd = tusk_root_openat(d->root, j->rel, O_RDWR | O_CREAT | O_TRUNC,
				 0644);
	if (j->fd < 0)
		return j->fd;
	ret = j->size == 0 ? 0 : reserve(j->fd, j->size);
	if (ret == -ENOSPC || ret == -EDQUOT) {
		/* the part's own file system: it may be a mount below the
		 * root */
		if (fstatvfs(j->fd, &vfs) == 0)
			j->avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		tusk_root_discard(d->root, j->rel);
	}
	if (ret < 0) {
		close(j->fd);
		j->fd = -1;
	}
	return ret;
}

/* Read back [off, off + size) of the part and CRC32C it, a chunk at a
 * time through the thread's buffer; its ADLER-32 too (the fetch may fold
 * the file's adler32 from its blocks: ~18 GB/s, noise beside the read). */
static int
crc_range(struct tusk_fetch_disk *d, struct tusk_fetch_disk_job *j)
{
	uint64_t done = 0;
	uint32_t crc = 0, adler = TUSK_ADLER32_INIT;

	while (done < j->size) {
		size_t want = RTE_MIN(j->size - done,
				      (uint64_t)DISK_READ_CHUNK);
		ssize_t n = pread(j->fd, d->buf, want, (off_t)(j->off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		crc = tusk_crc32c(d->buf, (size_t)n, crc);
		adler = tusk_adler32(d->buf, (size_t)n, adler);
		done += (uint64_t)n;
	}
	j->crc = crc;
	j->adler = adler;
	return 0;
}

/* Do one job; free it unless the lcore still holds it. */
static void
job_run(struct tusk_fetch_disk *d, struct tusk_fetch_disk_job *j)
{
	switch (j->kind) {
	case JOB_SAVE:
		tusk_fetch_state_write(d->root, j->rel, j->text);
		break;
	case JOB_REMOVE:
		tusk_fetch_state_remove(d->root, j->rel);
		break;
	case JOB_SWEEP:
		tusk_sweep_tmps_of(d->root, j->rel);
		break;
	case JOB_COMMIT:
	case JOB_CREATE:
	case JOB_CRC:
		j->result = j->kind == JOB_COMMIT ? commit(d, j) :
			    j->kind == JOB_CREATE ? create_part(d, j) :
						    crc_range(d, j);
		if (__atomic_exchange_n(&j->life, LIFE_DONE,
					__ATOMIC_ACQ_REL) != LIFE_ABANDONED)
			return;
		break;
	}
	job_free(j);
}

static void
drain(struct tusk_fetch_disk *d)
{
	void *j;

	while (rte_ring_sc_dequeue(d->ring, &j) == 0)
		job_run(d, j);
}

static void *
disk_main(void *arg)
{
	struct tusk_fetch_disk *d = arg;
	struct pollfd p = { .fd = d->efd, .events = POLLIN };
	uint64_t n;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		drain(d);
		if (poll(&p, 1, -1) > 0 && read(d->efd, &n, sizeof(n)) < 0 &&
		    errno != EAGAIN)
			break;
	}
	return NULL;
}

struct tusk_fetch_disk *
tusk_fetch_disk_create(const struct tusk_root *r)
{
	struct tusk_fetch_disk *d = calloc(1, sizeof(*d));
	ssize_t sz = rte_ring_get_memsize(TUSK_FETCH_DISK_QUEUE);
	int err = ENOMEM;

	if (d == NULL)
		goto fail;
	d->efd = -1;
	d->root = r;
	d->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->efd < 0)
		err = errno;
	d->buf = malloc(DISK_READ_CHUNK);
	/* rte_ring_init() on our own memory: no memzone name to keep
	 * unique */
	if (d->efd < 0 || d->buf == NULL || sz < 0 ||
	    posix_memalign((void **)&d->ring, RTE_CACHE_LINE_SIZE,
			   (size_t)sz) != 0 ||
	    rte_ring_init(d->ring, "tusk_fetch_disk", TUSK_FETCH_DISK_QUEUE,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) < 0)
		goto fail;
	err = pthread_create(&d->tid, NULL, disk_main, d);
	if (err != 0)
		goto fail;
	d->started = true;
	pthread_setname_np(d->tid, "tusk-fetch-disk");
	return d;
fail:
	tusk_fetch_disk_free(d);
	errno = err;
	return NULL;
}

void
tusk_fetch_disk_free(struct tusk_fetch_disk *d)
{
	if (d == NULL)
		return;
	if (d->started) {
		__atomic_store_n(&d->stop, true, __ATOMIC_RELEASE);
		wake(d);
		pthread_join(d->tid, NULL);
	}
	if (d->ring != NULL)
		drain(d);
	if (d->efd >= 0)
		close(d->efd);
	free(d->buf);
	free(d->ring);
	free(d);
}

int
tusk_fetch_disk_save(struct tusk_fetch_disk *d, const char *rel, char *text)
{
	struct tusk_fetch_disk_job *j = job_new(JOB_SAVE, rel);
	int ret;

	if (j == NULL)
		return -ENOMEM;
	j->text = text;
	ret = job_queue(d, j);
	if (ret < 0) {
		j->text = NULL; /* still the caller's */
		job_free(j);
	}
	return ret;
}

/* Queue a job that only names a file. */
static int
queue_rel(struct tusk_fetch_disk *d, enum job_kind kind, const char *rel)
{
	struct tusk_fetch_disk_job *j = job_new(kind, rel);
	int ret;

	if (j == NULL)
		return -ENOMEM;
	ret = job_queue(d, j);
	if (ret < 0)
		job_free(j);
	return ret;
}

int
tusk_fetch_disk_remove(struct tusk_fetch_disk *d, const char *rel)
{
	return queue_rel(d, JOB_REMOVE, rel);
}

int
tusk_fetch_disk_sweep(struct tusk_fetch_disk *d, const char *rel)
{
	return queue_rel(d, JOB_SWEEP, rel);
}

struct tusk_fetch_disk_job *
tusk_fetch_disk_commit(struct tusk_fetch_disk *d, const char *part,
		       const char *dest, const char *record, int fd,
		       const struct tusk_digests *digests)
{
	struct tusk_fetch_disk_job *j = job_new(JOB_COMMIT, part);
	int ret;

	if (j == NULL)
		goto nomem;
	j->dest = strdup(dest);
	j->record = strdup(record);
	j->fd = dup(fd);
	if (j->dest == NULL || j->record == NULL || j->fd < 0)
		goto nomem;
	if (digests != NULL)
		j->digests = *digests;
	ret = job_queue(d, j);
	if (ret == 0)
		return j;
	job_free(j);
	errno = -ret;
	return NULL;
nomem:
	job_free(j);
	errno = ENOMEM;
	return NULL;
}

struct tusk_fetch_disk_job *
tusk_fetch_disk_create_part(struct tusk_fetch_disk *d, const char *part,
			    uint64_t size)
{
	struct tusk_fetch_disk_job *j = job_new(JOB_CREATE, part);
	int ret;

	if (j == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	j->size = size;
	ret = job_queue(d, j);
	if (ret == 0)
		return j;
	job_free(j);
	errno = -ret;
	return NULL;
}

struct tusk_fetch_disk_job *
tusk_fetch_disk_crc(struct tusk_fetch_disk *d, int fd, uint64_t off,
		    uint32_t len)
{
	struct tusk_fetch_disk_job *j = job_new(JOB_CRC, "");
	int ret;

	if (j == NULL || (j->fd = dup(fd)) < 0) {
		job_free(j);
		errno = ENOMEM;
		return NULL;
	}
	j->off = off;
	j->size = len;
	ret = job_queue(d, j);
	if (ret == 0)
		return j;
	job_free(j);
	errno = -ret;
	return NULL;
}

uint32_t
tusk_fetch_disk_job_crc(const struct tusk_fetch_disk_job *job)
{
	return job->crc;
}

uint32_t
tusk_fetch_disk_job_adler(const struct tusk_fetch_disk_job *job)
{
	return job->adler;
}

int
tusk_fetch_disk_job_take_fd(struct tusk_fetch_disk_job *job)
{
	int fd = job->fd;

	job->fd = -1;
	return fd;
}

uint64_t
tusk_fetch_disk_job_avail(const struct tusk_fetch_disk_job *job)
{
	return job->avail;
}

int
tusk_fetch_disk_job_poll(const struct tusk_fetch_disk_job *job)
{
	if (__atomic_load_n(&job->life, __ATOMIC_ACQUIRE) != LIFE_DONE)
		return -EAGAIN;
	return job->result;
}

void
tusk_fetch_disk_job_free(struct tusk_fetch_disk_job *job)
{
	if (job == NULL)
		return;
	if (__atomic_exchange_n(&job->life, LIFE_ABANDONED,
				__ATOMIC_ACQ_REL) == LIFE_DONE)
		job_free(job);
}
