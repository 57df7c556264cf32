/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The digest algorithms tusk computes and keeps per file, and their
 * values: one vocabulary for the digest workers (digest.h), the HTTP
 * library's Digest / Repr-Digest fields (app/http/http_digest.h) and the
 * fetch client's verification. Header only, no dependencies.
 *
 *   adler32  RFC 1950 8.2; FTS, gfal2 and dCache's default grid checksum
 *   crc32c   Castagnoli, RFC 9260 appendix A (= RFC 3720 B.4)
 *   md5      RFC 1321 (what Globus and S3 ETags use; weak, for interop)
 *   sha-256  FIPS 180-4
 *
 * Values are bytes: the two 32-bit checksums big-endian (network order,
 * as RFC 9530 byte sequences carry them), the hashes as their
 * specifications write them.
 */
#ifndef TUSK_DIGEST_ALG_H
#define TUSK_DIGEST_ALG_H

#include <stddef.h>
#include <stdint.h>

enum tusk_digest_alg {
	TUSK_DIGEST_ADLER32 = 0,
	TUSK_DIGEST_CRC32C,
	TUSK_DIGEST_MD5,
	TUSK_DIGEST_SHA256,
	TUSK_DIGEST_ALGS,
};

#define TUSK_DIGEST_BIT(a) (1u << (a))
#define TUSK_DIGEST_ALL ((1u << TUSK_DIGEST_ALGS) - 1)
/* Longest value (SHA-256). */
#define TUSK_DIGEST_MAXLEN 32
/* Lower-case hex of the longest value plus NUL. */
#define TUSK_DIGEST_HEXLEN (2 * TUSK_DIGEST_MAXLEN + 1)

/* Values of several algorithms of one file; bit a of `have` says
 * v[a] holds the value of algorithm a. */
struct tusk_digests {
	unsigned int have;
	uint8_t v[TUSK_DIGEST_ALGS][TUSK_DIGEST_MAXLEN];
};

/* Bytes of a value of `a`. */
static inline size_t
tusk_digest_len(enum tusk_digest_alg a)
{
	static const uint8_t len[TUSK_DIGEST_ALGS] = { 4, 4, 16, 32 };

	return len[a];
}

/* Canonical lower-case name (RFC 3230 registry spelling, lower case;
 * RFC 9530's key for adler32 is "adler", see http_digest.h). */
static inline const char *
tusk_digest_name(enum tusk_digest_alg a)
{
	static const char *const name[TUSK_DIGEST_ALGS] = {
		"adler32", "crc32c", "md5", "sha-256",
	};

	return name[a];
}

/* A 32-bit checksum as its big-endian value bytes, and back. */
static inline void
tusk_digest_put32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static inline uint32_t
tusk_digest_get32(const uint8_t in[4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
	       (uint32_t)in[2] << 8 | in[3];
}

#endif /* TUSK_DIGEST_ALG_H */
