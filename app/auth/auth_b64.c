/* SPDX-License-Identifier: BSD-3-Clause */
/* base64url (RFC 4648 section 5) without padding: auth_b64.h. */
#include <errno.h>

#include "auth_b64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
tusk_auth_b64_encode(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0, need = tusk_auth_b64_len(n);
	uint32_t v;

	if (outlen < need + 1)
		return -ENOSPC;
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = alphabet[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
	return (int)o;
}

static int
sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	return c == '_' ? 63 : -1;
}

int
tusk_auth_b64_decode(const char *in, size_t n, uint8_t *out, size_t outlen)
{
	size_t i, o = 0, bits = 0;
	uint32_t acc = 0;
	int s;

	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1) /* one character carries 6 bits: never a whole byte */
		return -EINVAL;
	for (i = 0; i < n; i++) {
		s = sextet(in[i]);
		if (s < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)s;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outlen)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc != 0 ? -EINVAL : (int)o;
}
