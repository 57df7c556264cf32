/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digests of the whole representation in HTTP fields, the two
 * generations side by side (algorithms: app/fileio/digest_alg.h):
 *
 * RFC 9530 (Repr-Digest, Want-Repr-Digest): Structured Field
 * dictionaries (RFC 8941 3.2); values are byte sequences (base64
 * between colons): `Repr-Digest: sha-256=:<44 base64>:, adler=:AAAAAQ==:`.
 * Keys per the IANA "Hash Algorithms for HTTP Digest Fields" registry:
 * sha-256, md5, adler, crc32c ("adler32" is taken for "adler" too, as
 * the WLCG HTTP-TPC integrity proposal asks). Preferences are integers
 * 0..10, 0 meaning "not acceptable" (RFC 9530 4).
 *
 * RFC 3230 (Digest, Want-Digest), what davix, gfal2 and FTS still
 * speak: `Digest: adler32=03da0195` (8 hex digits, IANA "HTTP Digest
 * Algorithm Values": 1 to 8 hex digits), `md5=<base64>`,
 * `sha-256=<base64>` (RFC 3230 4.1.1, RFC 5843), crc32c in hex as its
 * IANA registration (from dCache) says; XRootD's XrdHttp writes crc32c
 * in base64, which is read too (a 4-byte base64 always ends in "==", hex
 * never has '='). Names are case-insensitive; `Want-Digest: adler32;q=1,
 * md5;q=0.5` ranks them by q-value (RFC 3230 4.3.1), q=0 refuses one.
 *
 * Unknown algorithms are ignored in every field (RFC 9530 3, RFC 3230
 * 4.3.2): only a malformed value of an algorithm we know is an error.
 *
 * Base64 is RFC 4648 section 4 (standard alphabet, '=' padding), written
 * here: it is 30 lines and this library links nothing but libc.
 */
#ifndef TUSK_HTTP_DIGEST_H
#define TUSK_HTTP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "digest_alg.h"

#define TUSK_HTTP_SHA256_LEN 32
/* base64 of 32 bytes: 4 * ceil(32 / 3) */
#define TUSK_HTTP_SHA256_B64_LEN 44
/* "sha-256=:" + base64 + ":" + NUL */
#define TUSK_HTTP_DIGEST_STRLEN (9 + TUSK_HTTP_SHA256_B64_LEN + 2)

/* Length base64 of n bytes needs, without the NUL. */
static inline size_t
tusk_http_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Encode n bytes into out (tusk_http_base64_len(n) + 1 bytes, NUL
 * terminated). Returns the length written (without NUL) or -ENOSPC. */
int tusk_http_base64_encode(const uint8_t *in, size_t n, char *out,
			    size_t outlen);

/* Decode padded base64 (length a multiple of 4, no whitespace). Returns
 * the bytes written or -EINVAL (bad character, padding, non-zero unused
 * bits) / -ENOSPC. */
int tusk_http_base64_decode(const char *in, size_t n, uint8_t *out,
			    size_t outlen);

/* Write "sha-256=:...:" into buf (TUSK_HTTP_DIGEST_STRLEN bytes).
 * Returns its length or -ENOSPC. */
int tusk_http_digest_format(char *buf, size_t len,
			    const uint8_t sha[TUSK_HTTP_SHA256_LEN]);

/*
 * Parse a Repr-Digest field value (a dictionary, RFC 8941 4.2.2): every
 * member of a known algorithm goes into *d (d->have |= its bit; a later
 * field overrides an earlier one). Returns 0, or -EINVAL when the value
 * is not a valid dictionary or a known member is not a byte sequence of
 * its algorithm's length (the server answers 400).
 */
int tusk_http_repr_digest_parse(const char *val, size_t len,
				struct tusk_digests *d);

/* The sha-256 member alone: 1 and sha when present, 0 when not, -EINVAL
 * as above. */
int tusk_http_digest_parse(const char *val, size_t len,
			   uint8_t sha[TUSK_HTTP_SHA256_LEN]);

/* Parse an RFC 3230 Digest field value into *d, as above (0 / -EINVAL). */
int tusk_http_legacy_digest_parse(const char *val, size_t len,
				  struct tusk_digests *d);

/* What a client would like: a weight per algorithm (RFC 3230 q-value x
 * 1000, RFC 9530 preference x 100: both 0..1000), and which were named
 * at all (named with weight 0: refused). pos orders equal weights:
 * the earlier named wins. */
struct tusk_http_want {
	unsigned int named;
	uint16_t weight[TUSK_DIGEST_ALGS];
	uint8_t pos[TUSK_DIGEST_ALGS];
};

/* Algorithm a (-1: one we do not know, ignored) named with `weight`. */
void tusk_http_want_add(struct tusk_http_want *w, int a, unsigned int weight);

/* Add a Want-Digest (RFC 3230) value to *w. A malformed element is
 * skipped: the field only asks, so it never fails a request. */
void tusk_http_want_digest_parse(const char *val, size_t len,
				 struct tusk_http_want *w);

/* Add a Want-Repr-Digest (RFC 9530 4) value to *w; a value that is not a
 * dictionary of integers is ignored as a whole. */
void tusk_http_want_repr_parse(const char *val, size_t len,
			       struct tusk_http_want *w);

/* The algorithm to answer with: the highest weight > 0 among `offer`,
 * ties to the earlier named; -1 when none. */
int tusk_http_want_pick(const struct tusk_http_want *w, unsigned int offer);

/* Longest "Digest:" value we write: four algorithms, sha-256's 44
 * base64 characters the longest ("sha-256=" 8, separators 2). */
#define TUSK_HTTP_DIGESTS_STRLEN (4 * (8 + TUSK_HTTP_SHA256_B64_LEN + 4) + 1)

enum tusk_http_digest_field {
	TUSK_HTTP_REPR_DIGEST,     /* RFC 9530: "sha-256=:...:, adler=:...:" */
	TUSK_HTTP_LEGACY_DIGEST,   /* RFC 3230: "sha-256=..., adler32=03da0195" */
};

/* Write the members `algs` of d (those it has), sha-256 first, as the
 * value of `field`. Returns the length (0: nothing to write) or
 * -ENOSPC. */
int tusk_http_digests_format(char *buf, size_t len,
			     const struct tusk_digests *d, unsigned int algs,
			     enum tusk_http_digest_field field);

#endif /* TUSK_HTTP_DIGEST_H */
