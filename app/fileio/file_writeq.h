/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A writer queue: one thread that does the writes of file writers
 * (file_write.h) for a polling lcore, so the lcore never waits in
 * pwritev(2): for the copy into the page cache, for the kernel's
 * dirty-page throttling (balance_dirty_pages puts a writer to sleep
 * once the dirty pages pass dirty_ratio: on a disk data root, for as
 * long as the disk takes), or for sync_file_range on a congested disk.
 *
 *   lcore:  tusk_file_writer_add() ... -> tusk_file_writeq_submit()
 *             -> rte_ring_sp_enqueue() [+ eventfd write if it sleeps]
 *   thread: writeq_main() -> rte_ring_sc_dequeue_burst()
 *             -> tusk_file_batch_run() each, in order
 *
 * No locks: a single-producer, single-consumer ring one way, each
 * batch's state flag the other (the lcore reaps its writers' batches).
 * The thread sleeps on an eventfd when the ring is empty and is woken
 * only then, so a busy queue costs no syscall per batch.
 */
#ifndef TUSK_FILE_WRITEQ_H
#define TUSK_FILE_WRITEQ_H

struct tusk_file_writeq;

/* Batches queued at most (a power of two): 64 streams' worth of
 * TUSK_FILE_WRITE_BATCHES; past it a writer writes in its own thread. */
#define TUSK_FILE_WRITEQ_DEPTH 256

/* Start the thread, named `name` (at most 15 characters). NULL with
 * errno (ENOMEM, or pthread_create's error). */
struct tusk_file_writeq *tusk_file_writeq_create(const char *name);

/* Do what is queued, stop the thread, free (NULL is fine). Free the
 * writers that use it first. */
void tusk_file_writeq_free(struct tusk_file_writeq *q);

#endif /* TUSK_FILE_WRITEQ_H */
