/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's span scheduler (see http_fetch_sched.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_fetch_sched.h"

/* Block sizes are multiples of a page so that block offsets stay
 * page-aligned for the writer's pwritev(2) and the read-back check. */
#define SCHED_BLOCK_ALIGN 4096u

uint32_t
tusk_fetch_sched_block_size(uint64_t size)
{
	uint64_t bs = TUSK_FETCH_BLOCK_MIN;

	while (bs < TUSK_FETCH_BLOCK_MAX &&
	       (size + bs - 1) / bs > TUSK_FETCH_BLOCKS_MAX)
		bs *= 2;
	return (uint32_t)bs;
}

uint32_t
tusk_fetch_sched_span_blocks(uint64_t size, uint32_t block_size,
			     uint32_t streams)
{
	uint64_t n_blocks = (size + block_size - 1) / block_size;
	uint64_t per_stream, cap = TUSK_FETCH_SPAN_BYTES / block_size;

	if (streams == 0)
		streams = 1;
	per_stream = (n_blocks + streams - 1) / streams;
	if (cap == 0)
		cap = 1;
	if (per_stream > cap)
		per_stream = cap;
	return per_stream == 0 ? 1 : (uint32_t)per_stream;
}

int
tusk_fetch_sched_init(struct tusk_fetch_sched *s, uint64_t size,
		      uint32_t block_size, uint32_t span_blocks)
{
	uint64_t n;

	memset(s, 0, sizeof(*s));
	if (block_size == 0 || block_size % SCHED_BLOCK_ALIGN != 0 ||
	    span_blocks == 0)
		return -EINVAL;
	n = (size + block_size - 1) / block_size;
	if (n > TUSK_FETCH_BLOCKS_MAX)
		return -EINVAL;
	s->size = size;
	s->block_size = block_size;
	s->n_blocks = (uint32_t)n;
	s->span_blocks = span_blocks;
	/* calloc(0) may return NULL: allocate at least one entry */
	s->state = calloc(n + 1, sizeof(*s->state));
	s->crc = calloc(n + 1, sizeof(*s->crc));
	s->adler = calloc(n + 1, sizeof(*s->adler));
	s->has_adler = calloc(n + 1, sizeof(*s->has_adler));
	if (s->state == NULL || s->crc == NULL || s->adler == NULL ||
	    s->has_adler == NULL) {
		tusk_fetch_sched_fini(s);
		return -ENOMEM;
	}
	return 0;
}

void
tusk_fetch_sched_fini(struct tusk_fetch_sched *s)
{
	free(s->state);
	free(s->crc);
	free(s->adler);
	free(s->has_adler);
	s->state = NULL;
	s->crc = NULL;
	s->adler = NULL;
	s->has_adler = NULL;
}

void
tusk_fetch_sched_reset(struct tusk_fetch_sched *s)
{
	memset(s->state, TUSK_FETCH_BLK_MISSING, s->n_blocks);
	memset(s->crc, 0, s->n_blocks * sizeof(*s->crc));
	memset(s->has_adler, 0, s->n_blocks);
	s->n_done = s->n_verify = s->n_assigned = 0;
	s->hint = 0;
}

uint64_t
tusk_fetch_sched_block_off(const struct tusk_fetch_sched *s, uint32_t b)
{
	return (uint64_t)b * s->block_size;
}

uint32_t
tusk_fetch_sched_block_len(const struct tusk_fetch_sched *s, uint32_t b)
{
	uint64_t off = tusk_fetch_sched_block_off(s, b);

	if (b >= s->n_blocks)
		return 0;
	return s->size - off < s->block_size ? (uint32_t)(s->size - off) :
					       s->block_size;
}

void
tusk_fetch_sched_set_streams(struct tusk_fetch_sched *s, uint32_t streams)
{
	s->streams = streams;
}

/*
 * Blocks the next span may take. With several streams, each span takes
 * at most an equal share of what is missing: in the last streams x
 * span_blocks blocks spans shrink round by round (64 MiB, 48, 32...
 * down to one block), so when the last byte lands the blocks done beyond
 * the slowest stream's are a few blocks, not a few whole spans (4
 * streams of 64 MiB spans left the digest up to 192 MiB to catch up
 * after the last byte). It costs 9 more requests over 4 streams for
 * 8-block spans (41 instead of 32), a round trip each, once per file.
 */
static uint32_t
span_max(const struct tusk_fetch_sched *s)
{
	uint32_t missing, share;

	/* a file of at most one span per stream is shared out at once:
	 * the streams end together anyway */
	if (s->streams <= 1 ||
	    (uint64_t)s->streams * s->span_blocks >= s->n_blocks)
		return s->span_blocks;
	missing = s->n_blocks - s->n_done - s->n_verify - s->n_assigned;
	share = missing / s->streams;
	if (share > s->span_blocks)
		share = s->span_blocks;
	return share > 0 ? share : 1;
}

bool
tusk_fetch_sched_next(struct tusk_fetch_sched *s, uint32_t *first,
		      uint32_t *count)
{
	uint32_t b = s->hint, n = 0, max = span_max(s);

	while (b < s->n_blocks && s->state[b] != TUSK_FETCH_BLK_MISSING)
		b++;
	s->hint = b;
	if (b >= s->n_blocks)
		return false;
	while (b + n < s->n_blocks && n < max &&
	       s->state[b + n] == TUSK_FETCH_BLK_MISSING) {
		s->state[b + n] = TUSK_FETCH_BLK_ASSIGNED;
		n++;
	}
	s->n_assigned += n;
	s->hint = b + n;
	*first = b;
	*count = n;
	return true;
}

bool
tusk_fetch_sched_take(struct tusk_fetch_sched *s, uint32_t b)
{
	if (b >= s->n_blocks || s->state[b] != TUSK_FETCH_BLK_MISSING)
		return false;
	s->state[b] = TUSK_FETCH_BLK_ASSIGNED;
	s->n_assigned++;
	return true;
}

void
tusk_fetch_sched_done(struct tusk_fetch_sched *s, uint32_t b, uint32_t crc)
{
	if (b >= s->n_blocks || s->state[b] != TUSK_FETCH_BLK_ASSIGNED)
		return;
	s->state[b] = TUSK_FETCH_BLK_DONE;
	s->crc[b] = crc;
	s->n_assigned--;
	s->n_done++;
}

void
tusk_fetch_sched_set_adler(struct tusk_fetch_sched *s, uint32_t b,
			   uint32_t adler)
{
	if (b >= s->n_blocks)
		return;
	s->adler[b] = adler;
	s->has_adler[b] = 1;
}

bool
tusk_fetch_sched_adler(const struct tusk_fetch_sched *s, uint32_t b,
		       uint32_t *adler)
{
	if (b >= s->n_blocks || !s->has_adler[b])
		return false;
	*adler = s->adler[b];
	return true;
}

void
tusk_fetch_sched_release(struct tusk_fetch_sched *s, uint32_t b)
{
	if (b >= s->n_blocks || s->state[b] != TUSK_FETCH_BLK_ASSIGNED)
		return;
	s->state[b] = TUSK_FETCH_BLK_MISSING;
	s->has_adler[b] = 0;
	s->n_assigned--;
	if (b < s->hint)
		s->hint = b;
}

void
tusk_fetch_sched_claim(struct tusk_fetch_sched *s, uint32_t b, uint32_t crc)
{
	if (b >= s->n_blocks || s->state[b] != TUSK_FETCH_BLK_MISSING)
		return;
	s->state[b] = TUSK_FETCH_BLK_VERIFY;
	s->crc[b] = crc;
	s->n_verify++;
}

bool
tusk_fetch_sched_verify_next(const struct tusk_fetch_sched *s, uint32_t from,
			     uint32_t *b)
{
	uint32_t i;

	if (s->n_verify == 0)
		return false;
	for (i = from; i < s->n_blocks; i++) {
		if (s->state[i] == TUSK_FETCH_BLK_VERIFY) {
			*b = i;
			return true;
		}
	}
	return false;
}

void
tusk_fetch_sched_verified(struct tusk_fetch_sched *s, uint32_t b, bool ok)
{
	if (b >= s->n_blocks || s->state[b] != TUSK_FETCH_BLK_VERIFY)
		return;
	s->n_verify--;
	if (ok) {
		s->state[b] = TUSK_FETCH_BLK_DONE;
		s->n_done++;
		return;
	}
	s->state[b] = TUSK_FETCH_BLK_MISSING;
	s->crc[b] = 0;
	s->has_adler[b] = 0;
	if (b < s->hint)
		s->hint = b;
}

bool
tusk_fetch_sched_complete(const struct tusk_fetch_sched *s)
{
	return s->n_done == s->n_blocks;
}

uint64_t
tusk_fetch_sched_bytes_done(const struct tusk_fetch_sched *s)
{
	uint64_t bytes = (uint64_t)s->n_done * s->block_size;
	uint32_t last;

	if (s->n_blocks == 0)
		return 0;
	last = s->n_blocks - 1;
	if (s->state[last] == TUSK_FETCH_BLK_DONE)
		bytes -= s->block_size - tusk_fetch_sched_block_len(s, last);
	return bytes;
}
