/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's disk thread: the file operations that wait for the
 * disk, kept off the lcore.
 *
 * Saving a resume record is a write, an fsync and a rename; on ext4 here
 * that is 12 ms typically and 46 ms at worst (measured, idle disk), and
 * committing a fetched file fsyncs all of it. On the lcore either would
 * stall the packet loop for as long (a 10 Gbit/s path brings 15-60 MB
 * in that time: the receive ring overflows). So the lcore only builds
 * the record's text and queues it; one thread per fetch service creates
 * and preallocates part files, writes the records, removes both, reads
 * back the blocks a resume record claims, and commits finished files, in
 * the order they were queued (a removal never overtakes an earlier save
 * or creation of the same file), and sweeps the temporaries earlier saves
 * of a record left.
 *
 * Lcore side: an rte_ring (single producer: the lcore) and an eventfd to
 * wake the thread; no locks. Jobs the lcore waits for (commit) are
 * polled, never waited on.
 */
#ifndef TUSK_HTTP_FETCH_DISK_H
#define TUSK_HTTP_FETCH_DISK_H

#include <stdint.h>

#include "http_digest.h"

struct tusk_root;
struct tusk_fetch_disk;
struct tusk_fetch_disk_job;

/* Jobs queued at most: a record save per transfer per 0.5 s and a few
 * removals; past it a save is skipped and retried at the next poll. */
#define TUSK_FETCH_DISK_QUEUE 256

/*
 * Start the thread for files under `r` (which outlives it). NULL with
 * errno (ENOMEM, or pthread_create's error).
 */
struct tusk_fetch_disk *tusk_fetch_disk_create(const struct tusk_root *r);

/* Do what is still queued (in the caller's thread, after the worker
 * stopped), stop, free. NULL is fine. */
void tusk_fetch_disk_free(struct tusk_fetch_disk *d);

/*
 * Queue: write `text` (malloc'ed; the disk thread frees it) atomically as
 * the record `rel` (http_fetch_state.h). 0, or -ENOBUFS when the queue is
 * full (text is then still the caller's), -ENOMEM.
 */
int tusk_fetch_disk_save(struct tusk_fetch_disk *d, const char *rel,
			 char *text);

/* Queue: remove `rel` (a record or a part file; absent is fine). 0 or
 * -ENOBUFS / -ENOMEM. */
int tusk_fetch_disk_remove(struct tusk_fetch_disk *d, const char *rel);

/*
 * Queue: remove what earlier saves of the record `rel` left behind (their
 * temporaries, cut short by a crash: fileio sweep.h tusk_sweep_tmps_of).
 * Only this thread writes records, in queue order: queued before a
 * transfer's first save, it cannot meet a save in progress. 0 or
 * -ENOBUFS / -ENOMEM.
 */
int tusk_fetch_disk_sweep(struct tusk_fetch_disk *d, const char *rel);

/*
 * Queue the end of a fetch: fsync `part` and rename it over `dest`
 * (tusk_root_commit), keep `digests` with the file (tusk_digest_store
 * on a dup() of fd; NULL: none), remove `record`. Poll the job; NULL with
 * errno ENOBUFS or ENOMEM.
 */
struct tusk_fetch_disk_job *
tusk_fetch_disk_commit(struct tusk_fetch_disk *d, const char *part,
		       const char *dest, const char *record, int fd,
		       const struct tusk_digests *digests);

/*
 * Queue: create (or truncate) the part file `part` and reserve `size`
 * bytes for it (fallocate: ~0.5 ms per GiB on ext4 here, so a TiB would
 * stall an lcore for half a second). When it fails for want of space
 * the part is removed again. Poll the job; NULL with errno ENOBUFS or
 * ENOMEM.
 */
struct tusk_fetch_disk_job *
tusk_fetch_disk_create_part(struct tusk_fetch_disk *d, const char *part,
			    uint64_t size);

/*
 * Queue: the CRC32C (and ADLER-32) of `len` bytes of fd (dup()ed) at `off`, read back
 * (a block a resume record calls done; after a reboot those reads come
 * from the disk, not the page cache). Poll the job, then
 * tusk_fetch_disk_job_crc(); NULL with errno ENOBUFS or ENOMEM.
 */
struct tusk_fetch_disk_job *
tusk_fetch_disk_crc(struct tusk_fetch_disk *d, int fd, uint64_t off,
		    uint32_t len);

/* The CRC32C and the ADLER-32 a finished crc job computed. */
uint32_t tusk_fetch_disk_job_crc(const struct tusk_fetch_disk_job *job);
uint32_t tusk_fetch_disk_job_adler(const struct tusk_fetch_disk_job *job);

/* 0 when the job is done, -EAGAIN while queued or running, or the
 * -errno it failed with: a commit's rename (the part is left in place),
 * a part's open (-ENOENT: no such directory) or fallocate (-ENOSPC,
 * -EDQUOT), a read back (-EIO, or -ENODATA: the file is shorter). */
int tusk_fetch_disk_job_poll(const struct tusk_fetch_disk_job *job);

/* A created part's fd, handed to the caller (once; -1 after). */
int tusk_fetch_disk_job_take_fd(struct tusk_fetch_disk_job *job);

/* Free bytes on the part's file system when create_part failed with
 * -ENOSPC or -EDQUOT. */
uint64_t tusk_fetch_disk_job_avail(const struct tusk_fetch_disk_job *job);

/* Release the job (NULL is fine); one not yet done still completes, and
 * the thread frees it then. */
void tusk_fetch_disk_job_free(struct tusk_fetch_disk_job *job);

#endif /* TUSK_HTTP_FETCH_DISK_H */
