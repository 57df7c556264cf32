/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Received payload from mbufs to a file: every segment of every chain is
 * an iovec of a pwritev(2), gathered until a batch is full, so the bytes
 * go from the mbuf data rooms to the page cache in one copy and one
 * syscall per batch, never through an intermediate buffer.
 *
 * Writes are sequential from the start offset: chains are appended in the
 * order they are added. The writer owns the chains it is given and frees
 * them once their bytes are on the file (or on error).
 *
 * Per-block checks are the caller's: compute tusk_crc32c_mbuf() over a
 * chain before adding it (crc32c.h).
 *
 * With a writer queue (file_writeq.h) the writes leave the caller's
 * thread: a full batch is handed to the queue's thread and the caller
 * goes on filling the next one; tusk_file_writer_reap() frees the chains
 * of the batches written and advances tusk_file_writer_written(). A
 * polling lcore then never waits in pwritev(2) (page-cache copies, the
 * kernel's dirty-page throttling, a congested disk) unless all of the
 * writer's TUSK_FILE_WRITE_BATCHES batches are in flight: the disk is
 * slower than the network, and the lcore waits for the oldest.
 * Without a queue every flush writes at once, in the caller's thread.
 */
#ifndef TUSK_FILE_WRITE_H
#define TUSK_FILE_WRITE_H

#include <stdint.h>

#include <rte_mbuf.h>

struct tusk_file_writer;
struct tusk_file_writeq;

/* Segments held at most: one pwritev(2) takes at most IOV_MAX (1024)
 * iovecs, so a full vector flushes whatever the batch size. */
#define TUSK_FILE_WRITE_MAX_SEGS 1024

/* Default batch: 1 MiB amortizes the syscall (~1 us) to nothing next to
 * the copy (~150 us at 6.5 GB/s) while holding few mbufs per connection. */
#define TUSK_FILE_WRITE_BATCH_DEFAULT (1u << 20)

/* Batches per writer: one being filled, the rest in flight on a writer
 * queue. 4 of the fetch's 512 KiB keep 1.5 MiB (~180 mbufs of 9000
 * bytes) queued per stream: ~0.5 ms of copying at 3 GB/s to ride out
 * the writer thread's scheduling, and 4 streams hold under a quarter of
 * a 4096-mbuf port pool. */
#define TUSK_FILE_WRITE_BATCHES 4

/*
 * A writer appending to `fd` from offset `off`, flushing once `batch`
 * bytes are held (0: TUSK_FILE_WRITE_BATCH_DEFAULT). Returns NULL if out
 * of memory.
 */
struct tusk_file_writer *tusk_file_writer_create(int fd, uint64_t off,
						 uint32_t batch);

/* O_DIRECT transfers must start at, and be a whole number of, the
 * device's logical blocks, from a buffer so aligned: 4096 covers every
 * disk and NVMe namespace in use (512 or 4096; statx STATX_DIOALIGN says
 * which, but needs Linux 6.1 and a file system that reports it). */
#define TUSK_FILE_DIRECT_ALIGN 4096u

/*
 * A writer like tusk_file_writer_create() that writes through `dfd`, the
 * same file opened with O_DIRECT (the page cache bypassed: an NVMe data
 * root is written at the device's rate without evicting what is cached).
 * mbuf payloads start after the headers, at no useful alignment, so each
 * flush copies them into an aligned staging buffer of twice `batch` bytes
 * (rounded up to TUSK_FILE_DIRECT_ALIGN) and writes it with pwrite(2) on
 * dfd: one copy, as the buffered path's copy into the page cache. What
 * cannot be aligned - a tail shorter than a block at the end of a flush,
 * everything after a flush that ended off a block boundary - goes through
 * `fd`, buffered. `off` should be aligned for any write to go direct.
 * Both fds stay the caller's. NULL if out of memory.
 */
struct tusk_file_writer *tusk_file_writer_create_direct(int fd, int dfd,
							uint64_t off,
							uint32_t batch);

/* Write through q's thread from now on (NULL: in the caller's thread).
 * Only while nothing is in flight: set it right after creating. A
 * batch then holds at most TUSK_FILE_WRITE_MAX_SEGS /
 * TUSK_FILE_WRITE_BATCHES segments, so the writer holds no more mbufs
 * than without a queue. */
void tusk_file_writer_set_queue(struct tusk_file_writer *w,
				struct tusk_file_writeq *q);

/* Bytes written through the O_DIRECT fd so far (0 for a plain writer);
 * with a queue, of the batches reaped. */
uint64_t tusk_file_writer_direct_bytes(const struct tusk_file_writer *w);

/*
 * Append the chain `m` (NULL is a no-op) and take ownership of it: its
 * segments are written without copying, and it is freed once written.
 * Flushes when the batch or the iovec vector is full. Returns 0, or the
 * -errno of a failed flush (-ENOSPC, -EDQUOT, -EIO, -EFBIG...): after an
 * error the writer frees everything it holds and everything added later,
 * and keeps returning the same error (the caller answers 507/500 and
 * removes the partial file).
 */
int tusk_file_writer_add(struct tusk_file_writer *w, struct rte_mbuf *m);

/* Write everything held now (with a queue: hand it to the thread; it
 * is written once tusk_file_writer_written() says so). Returns 0 or the
 * writer's -errno. */
int tusk_file_writer_flush(struct tusk_file_writer *w);

/* Flush, then append what is added next at file offset `off`. */
int tusk_file_writer_seek(struct tusk_file_writer *w, uint64_t off);

/* Once the bytes added so far are written, start the write-back of
 * [off, off + len) (sync_file_range SYNC_FILE_RANGE_WRITE: the fsync at
 * the end then finds little to do), in the thread that writes them. */
void tusk_file_writer_writeback(struct tusk_file_writer *w, uint64_t off,
				uint64_t len);

/* Free the chains of the batches the queue's thread has written and
 * count their bytes written; never waits. Returns 0 or the writer's
 * -errno (a failed batch's: everything after it is dropped). */
int tusk_file_writer_reap(struct tusk_file_writer *w);

/* Wait until every batch handed on is written, and reap them. Returns
 * 0 or the writer's -errno. */
int tusk_file_writer_drain(struct tusk_file_writer *w);

/* Bytes added so far (all of them, also those dropped by an error). */
uint64_t tusk_file_writer_added(const struct tusk_file_writer *w);

/* Bytes on the file so far (written by completed and reaped writes). */
uint64_t tusk_file_writer_written(const struct tusk_file_writer *w);

/* Bytes added but not yet written (held in mbufs, or staged by a direct
 * writer: a partial block waits for the next flush). */
uint64_t tusk_file_writer_held(const struct tusk_file_writer *w);

/* The writer's sticky error: 0 or -errno. */
int tusk_file_writer_error(const struct tusk_file_writer *w);

/* Free the writer and the mbufs it holds, unwritten (NULL is fine);
 * batches already handed to a queue's thread are waited for. Flush
 * first to keep them. The fd stays open: it is the caller's. */
void tusk_file_writer_free(struct tusk_file_writer *w);

#endif /* TUSK_FILE_WRITE_H */
