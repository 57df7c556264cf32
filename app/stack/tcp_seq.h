/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): a is
 * "less than" b when the signed 32-bit distance b - a is positive, which
 * holds across the wrap as long as the two are within 2^31 of each other.
 */
#ifndef TUSK_TCP_SEQ_H
#define TUSK_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* Larger / smaller of two sequence numbers. */
static inline uint32_t
tusk_seq_max(uint32_t a, uint32_t b)
{
	return SEQ_GT(a, b) ? a : b;
}

static inline uint32_t
tusk_seq_min(uint32_t a, uint32_t b)
{
	return SEQ_LT(a, b) ? a : b;
}

/* lo <= s < hi, modulo 2^32. */
static inline bool
tusk_seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return SEQ_GEQ(s, lo) && SEQ_LT(s, hi);
}

#endif /* TUSK_TCP_SEQ_H */
