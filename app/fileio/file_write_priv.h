/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What file_write.c and file_writeq.c share: a batch (one flush's worth
 * of iovecs and the chains they point into) and its execution.
 *
 * A batch is filled and reaped by the writer's owner (the lcore) and
 * written by whoever claims it first (QUEUED -> RUNNING): the writer
 * queue's thread, or the owner when it has no queue, the queue is full,
 * or it needs the batch back before the thread got to it. The ring's
 * enqueue publishes the batch, the executor's release store of
 * BATCH_DONE its result.
 */
#ifndef TUSK_FILE_WRITE_PRIV_H
#define TUSK_FILE_WRITE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#include "file_write.h"

enum tusk_file_batch_state {
	BATCH_FREE, BATCH_QUEUED, BATCH_RUNNING, BATCH_DONE
};

struct tusk_file_batch {
	struct tusk_file_writer *w;
	uint32_t state;          /* enum tusk_file_batch_state, atomic */
	bool hard;               /* write a direct writer's partial block */
	bool seek;               /* direct: the batch starts at `at`, not
				  * where the previous one ended */
	uint64_t at;             /* file offset of its first byte */
	int err;                 /* executor: 0 or -errno */
	uint64_t wrote;          /* executor: bytes put on the file */
	uint64_t direct;         /* executor: of them, through O_DIRECT */
	uint64_t sync_off;       /* executor: start write-back of */
	uint64_t sync_len;       /* [sync_off, +sync_len) after (0: no) */
	unsigned int n_iov;
	unsigned int n_done;     /* chains whose segments are all in iov[] */
	/* cap entries each, allocated when the batch first takes a
	 * segment: a writer without a queue fills only its first batch
	 * (1,024 entries), one with a queue seg_cap (256) in each. Inline
	 * arrays made every writer 96 KiB, which 1,000 uploads of a full
	 * HTTP table (test_hostile_net) held at once. */
	struct rte_mbuf **done;
	struct iovec *iov;
	unsigned int cap;
};

/* Take a QUEUED batch to run it (QUEUED -> RUNNING): true for the one
 * caller that does, the writer's owner or the queue's thread. */
bool tusk_file_batch_claim(struct tusk_file_batch *b);

/* Done with a batch the queue's ring named (run or skipped): the ring
 * no longer refers to its writer. */
void tusk_file_batch_unring(struct tusk_file_batch *b);

/* Executor: write the claimed batch, set err and wrote, then state =
 * DONE. */
void tusk_file_batch_run(struct tusk_file_batch *b);

/* Owner: hand b to q's thread. -ENOBUFS when its queue is full. */
int tusk_file_writeq_submit(struct tusk_file_writeq *q,
			    struct tusk_file_batch *b);

#endif /* TUSK_FILE_WRITE_PRIV_H */
