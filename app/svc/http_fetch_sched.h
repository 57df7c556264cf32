/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's span scheduler: which blocks of the file are on disk,
 * being verified, being fetched, or still missing, and which span of them
 * a stream asks for next. Pure bookkeeping: no I/O, no clock.
 *
 * The file is cut into blocks of block_size bytes (the last one shorter).
 * A block is the unit of resume: it is DONE once all its bytes are on the
 * file and its CRC32C (computed over the received mbufs) is recorded.
 * A stream asks for the next span: the first run of MISSING blocks, at
 * most span_blocks long, which becomes ASSIGNED to it and is requested
 * with one "Range: bytes=a-b" (RFC 9110 14.1.2). When the stream ends
 * early (peer gone), the blocks it did not complete go back to MISSING.
 *
 * After a restart the blocks a resume record says are done are VERIFY:
 * not assigned to any stream until their bytes were read back and their
 * CRC32C compared (then DONE, or MISSING when the file disagrees).
 *
 *   MISSING --next()--> ASSIGNED --done()--> DONE
 *      ^                    |
 *      +----release()-------+
 *   (record) --claim()--> VERIFY --verified(ok)--> DONE
 *                           +----verified(bad)--> MISSING
 */
#ifndef TUSK_HTTP_FETCH_SCHED_H
#define TUSK_HTTP_FETCH_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Smallest block: 8 MiB is ~1 ms of a 64 Gbit/s stream, so a block's
 * bookkeeping (CRC, record bit) is noise next to its bytes, and a resume
 * throws away at most one block per stream. */
#define TUSK_FETCH_BLOCK_MIN (8u << 20)
/* Blocks per file at most: keeps the resume record bounded (65536 CRCs
 * are 512 KiB of hex); larger files get larger blocks (16 MiB per TiB). */
#define TUSK_FETCH_BLOCKS_MAX 65536u
/* Largest block: the 64-bit size limit of a file over BLOCKS_MAX. */
#define TUSK_FETCH_BLOCK_MAX (1u << 31)
/* A span (one range request) is at most this long: long enough that the
 * request round trip is noise at 10 Gbit/s over 150 ms (64 MiB is ~50 ms
 * of data), short enough that streams end close together. */
#define TUSK_FETCH_SPAN_BYTES (64u << 20)

enum tusk_fetch_blk {
	TUSK_FETCH_BLK_MISSING = 0,
	TUSK_FETCH_BLK_ASSIGNED,
	TUSK_FETCH_BLK_VERIFY,
	TUSK_FETCH_BLK_DONE,
};

struct tusk_fetch_sched {
	uint64_t size;          /* file size, bytes */
	uint32_t block_size;
	uint32_t n_blocks;
	uint32_t span_blocks;   /* blocks per span at most */
	uint32_t streams;       /* streams sharing the spans (0, 1: one) */
	uint32_t n_done;
	uint32_t n_verify;
	uint32_t n_assigned;
	uint32_t hint;          /* no MISSING block below this */
	uint8_t *state;         /* enum tusk_fetch_blk per block */
	uint32_t *crc;          /* CRC32C per block (DONE, VERIFY) */
	/* ADLER-32 per block where has_adler[b]: computed on the lcore as
	 * the bytes arrive when the fetch folds the file's adler32 from its
	 * blocks (http_fetch_verify.c), or read back with a resumed block */
	uint32_t *adler;
	uint8_t *has_adler;
};

/* Block size for a file of `size` bytes: TUSK_FETCH_BLOCK_MIN, doubled
 * until the file fits in TUSK_FETCH_BLOCKS_MAX blocks. */
uint32_t tusk_fetch_sched_block_size(uint64_t size);

/* Blocks per span so that `streams` streams all get work: at most
 * TUSK_FETCH_SPAN_BYTES, at least one block. */
uint32_t tusk_fetch_sched_span_blocks(uint64_t size, uint32_t block_size,
				      uint32_t streams);

/*
 * Set up for a file of `size` bytes (0 is fine: no blocks) with every
 * block MISSING. Returns 0, -EINVAL (block_size 0 or not a multiple of
 * 4096, too many blocks, span_blocks 0) or -ENOMEM.
 */
int tusk_fetch_sched_init(struct tusk_fetch_sched *s, uint64_t size,
			  uint32_t block_size, uint32_t span_blocks);
void tusk_fetch_sched_fini(struct tusk_fetch_sched *s);

/* Every block back to MISSING (the source changed: start over). */
void tusk_fetch_sched_reset(struct tusk_fetch_sched *s);

/* Byte offset and length of block b. */
uint64_t tusk_fetch_sched_block_off(const struct tusk_fetch_sched *s,
				    uint32_t b);
uint32_t tusk_fetch_sched_block_len(const struct tusk_fetch_sched *s,
				    uint32_t b);

/*
 * Spans are shared by `streams` streams: near the end of the file they
 * shrink, so that the streams end close together and the digest that
 * follows the contiguous prefix (http_fetch_verify.c) is not left
 * behind a slow stream's long span with the rest already on disk. Set
 * after tusk_fetch_sched_init (default: one stream, spans never shrink).
 */
void tusk_fetch_sched_set_streams(struct tusk_fetch_sched *s,
				  uint32_t streams);

/*
 * Assign the next span: the lowest run of MISSING blocks, at most
 * span_blocks long (with several streams, at most an equal share of
 * the MISSING blocks, and at least one), becomes ASSIGNED. Returns true with [*first, *first +
 * *count), or false when no block is MISSING.
 */
bool tusk_fetch_sched_next(struct tusk_fetch_sched *s, uint32_t *first,
			   uint32_t *count);

/* Assign block b if it is MISSING (a stream that must take the file in
 * order, without ranges). Returns true if it was. */
bool tusk_fetch_sched_take(struct tusk_fetch_sched *s, uint32_t b);

/* ASSIGNED block b is on the file with CRC32C crc: DONE. */
void tusk_fetch_sched_done(struct tusk_fetch_sched *s, uint32_t b,
			   uint32_t crc);
/* The ADLER-32 of block b's bytes (DONE or about to be: set with the
 * CRC that makes it so); forgotten when the block goes MISSING. */
void tusk_fetch_sched_set_adler(struct tusk_fetch_sched *s, uint32_t b,
				uint32_t adler);
/* Block b's ADLER-32: true and *adler, or false when not known. */
bool tusk_fetch_sched_adler(const struct tusk_fetch_sched *s, uint32_t b,
			    uint32_t *adler);
/* ASSIGNED block b was not completed: MISSING again. */
void tusk_fetch_sched_release(struct tusk_fetch_sched *s, uint32_t b);

/* A record says block b is on the file with crc: VERIFY. Only from
 * MISSING (the state just loaded). */
void tusk_fetch_sched_claim(struct tusk_fetch_sched *s, uint32_t b,
			    uint32_t crc);
/* The lowest VERIFY block at or above `from`: true and *b, or false. */
bool tusk_fetch_sched_verify_next(const struct tusk_fetch_sched *s,
				  uint32_t from, uint32_t *b);
/* The file's bytes of VERIFY block b matched its CRC (ok: DONE) or not
 * (MISSING: fetch it again). */
void tusk_fetch_sched_verified(struct tusk_fetch_sched *s, uint32_t b,
			       bool ok);

/* Every block DONE. */
bool tusk_fetch_sched_complete(const struct tusk_fetch_sched *s);
/* Bytes in DONE blocks. */
uint64_t tusk_fetch_sched_bytes_done(const struct tusk_fetch_sched *s);

static inline enum tusk_fetch_blk
tusk_fetch_sched_state(const struct tusk_fetch_sched *s, uint32_t b)
{
	return (enum tusk_fetch_blk)s->state[b];
}

#endif /* TUSK_HTTP_FETCH_SCHED_H */
