/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Repr-Digest (RFC 9530 section 3): the SHA-256 of the whole selected
 * representation, as a Structured Field dictionary (RFC 8941 3.2) whose
 * sha-256 member is a byte sequence (RFC 8941 3.3.5, base64 between
 * colons): `Repr-Digest: sha-256=:<44 base64 chars>:`.
 *
 * Base64 is RFC 4648 section 4 (standard alphabet, '=' padding), written
 * here: it is 30 lines and this library links nothing but libc.
 */
#ifndef TUSK_HTTP_DIGEST_H
#define TUSK_HTTP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define TUSK_HTTP_SHA256_LEN 32
/* base64 of 32 bytes: 4 * ceil(32 / 3) */
#define TUSK_HTTP_SHA256_B64_LEN 44
/* "sha-256=:" + base64 + ":" + NUL */
#define TUSK_HTTP_DIGEST_STRLEN (9 + TUSK_HTTP_SHA256_B64_LEN + 2)
/* Lower-case hex of a SHA-256 plus NUL (for JSON and logs). */
#define TUSK_HTTP_SHA256_HEXLEN (2 * TUSK_HTTP_SHA256_LEN + 1)

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
 * Parse a Repr-Digest field value (a dictionary, RFC 8941 4.2.2) and pick
 * the sha-256 member; other algorithms are skipped (RFC 9530 3: a
 * recipient may ignore algorithms it does not support). Returns 1 and
 * sha when sha-256 is present, 0 when it is not, -EINVAL when the value
 * is not a valid dictionary or the sha-256 member is not a 32-byte byte
 * sequence (the server answers 400).
 */
int tusk_http_digest_parse(const char *val, size_t len,
			   uint8_t sha[TUSK_HTTP_SHA256_LEN]);

/* Lower-case hex of a SHA-256 into out (TUSK_HTTP_SHA256_HEXLEN). */
void tusk_http_sha256_hex(const uint8_t sha[TUSK_HTTP_SHA256_LEN],
			  char out[TUSK_HTTP_SHA256_HEXLEN]);

#endif /* TUSK_HTTP_DIGEST_H */
