/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several digests of one byte stream computed in one pass (digest_alg.h):
 * what a worker reads once is fed to every algorithm asked for, so
 * asking for adler32 and sha-256 together costs one read of the file.
 *
 *   adler32, crc32c  ISA-L (isal_adler32, crc32_iscsi: SIMD, many GB/s
 *                    per core; tests/bench/bench_cksum.c measures them)
 *   md5, sha-256     OpenSSL EVP (SHA-NI where the CPU has it)
 *
 * Pure computation: no I/O, no clock, usable from any thread (but one
 * context from one thread at a time).
 */
#ifndef TUSK_DIGEST_CTX_H
#define TUSK_DIGEST_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "digest_alg.h"

struct evp_md_ctx_st;

struct tusk_digest_ctx {
	unsigned int algs;                /* TUSK_DIGEST_BIT()s */
	uint32_t adler;                   /* running value (starts at 1) */
	uint32_t crc;                     /* raw register (starts at ~0) */
	struct evp_md_ctx_st *md5, *sha256;
};

/* Start computing `algs` (a non-empty subset of TUSK_DIGEST_ALL).
 * Returns 0, -EINVAL, or -ENOMEM (OpenSSL could not allocate). */
int tusk_digest_ctx_init(struct tusk_digest_ctx *c, unsigned int algs);

/* Feed n bytes. Returns 0 or -ENOMEM (an EVP update failed). */
int tusk_digest_ctx_update(struct tusk_digest_ctx *c, const void *buf,
			   size_t n);

/* Write the values into out (out->have |= c->algs) and release the
 * context. Returns 0 or -ENOMEM. */
int tusk_digest_ctx_final(struct tusk_digest_ctx *c, struct tusk_digests *out);

/* Release without a result (NULL members are fine; idempotent). */
void tusk_digest_ctx_fini(struct tusk_digest_ctx *c);

/* Lower-case hex of the value of `a` in d into out. */
void tusk_digest_hex(const struct tusk_digests *d, enum tusk_digest_alg a,
		     char out[TUSK_DIGEST_HEXLEN]);

#endif /* TUSK_DIGEST_CTX_H */
