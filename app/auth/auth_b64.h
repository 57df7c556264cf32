/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base64url without padding (RFC 4648 section 5), the alphabet tokens
 * travel in: JWTs (RFC 7515 section 2) and serialised macaroons. A
 * decoder accepts '=' padding at the end too (some minters add it).
 */
#ifndef TUSK_AUTH_B64_H
#define TUSK_AUTH_B64_H

#include <stddef.h>
#include <stdint.h>

/* Characters n bytes take, without NUL. */
static inline size_t
tusk_auth_b64_len(size_t n)
{
	return (n * 4 + 2) / 3;
}

/* Encode n bytes into out (NUL terminated). Returns the length or
 * -ENOSPC. */
int tusk_auth_b64_encode(const uint8_t *in, size_t n, char *out,
			 size_t outlen);

/* Decode n characters. Returns the bytes written or -EINVAL (character
 * outside the alphabet, impossible length, non-zero unused bits) or
 * -ENOSPC. */
int tusk_auth_b64_decode(const char *in, size_t n, uint8_t *out,
			 size_t outlen);

#endif
