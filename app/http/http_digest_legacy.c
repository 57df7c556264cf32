/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 3230 Digest and Want-Digest (see http_digest.h): a comma-separated
 * list of `algorithm=value` instances and of `algorithm;q=value`
 * preferences, names case-insensitive (RFC 3230 4.1.1, 4.3.1).
 *
 * The grid's clients (davix, gfal2, FTS) send `Want-Digest: adler32` on
 * HEAD and read `Digest: adler32=<8 hex>`; XRootD and dCache answer so.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_digest.h"

/* Longest element we look at ("sha-256=" and 44 base64 characters, with
 * room for whitespace and parameters); a longer one is malformed. */
#define ELEM_MAX 128

static int
legacy_alg(const char *name, size_t n)
{
	/* the RFC 3230 names are digest_alg.h's */
	for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if (strlen(tusk_digest_name(a)) == n &&
		    strncasecmp(name, tusk_digest_name(a), n) == 0)
			return a;
	return -1;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The next list element of [*p, end) into el (trimmed, NUL terminated);
 * false at the end. Empty elements are skipped (RFC 9110 5.6.1). */
static bool
next_elem(const char **p, const char *end, char el[ELEM_MAX], bool *toolong)
{
	const char *b, *e;

	for (;;) {
		if (*p >= end)
			return false;
		b = *p;
		e = memchr(b, ',', (size_t)(end - b));
		if (e == NULL)
			e = end;
		*p = e < end ? e + 1 : end;
		while (b < e && is_ows(*b))
			b++;
		while (e > b && is_ows(e[-1]))
			e--;
		if (e == b)
			continue;
		*toolong = (size_t)(e - b) >= ELEM_MAX;
		if (!*toolong) {
			memcpy(el, b, (size_t)(e - b));
			el[e - b] = '\0';
		}
		return true;
	}
}

/* 1 to 8 hex digits, either case (IANA registrations of ADLER32 and
 * CRC32c). */
static int
value_from_hex(const char *v, uint8_t out[4])
{
	uint32_t x = 0;
	size_t n = strlen(v);

	if (n == 0 || n > 8)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -EINVAL;
		x = x << 4 | (uint32_t)d;
	}
	tusk_digest_put32(out, x);
	return 0;
}

static int
instance_value(int a, const char *v, struct tusk_digests *d)
{
	uint8_t tmp[TUSK_DIGEST_MAXLEN + 3];
	bool b64 = a == TUSK_DIGEST_MD5 || a == TUSK_DIGEST_SHA256 ||
		   strchr(v, '=') != NULL;
	int n;

	if (!b64) {
		if (value_from_hex(v, d->v[a]) < 0)
			return -EINVAL;
	} else {
		n = tusk_http_base64_decode(v, strlen(v), tmp, sizeof(tmp));
		if (n != (int)tusk_digest_len(a))
			return -EINVAL;
		memcpy(d->v[a], tmp, (size_t)n);
	}
	d->have |= TUSK_DIGEST_BIT(a);
	return 0;
}

int
tusk_http_legacy_digest_parse(const char *val, size_t len,
			      struct tusk_digests *d)
{
	struct tusk_digests tmp = *d;
	const char *p = val, *end = val + len;
	char el[ELEM_MAX], *eq;
	bool toolong;
	int a;

	while (next_elem(&p, end, el, &toolong)) {
		eq = toolong ? NULL : strchr(el, '=');
		if (eq == NULL)
			return -EINVAL;
		a = legacy_alg(el, (size_t)(eq - el));
		if (a >= 0 && instance_value(a, eq + 1, &tmp) < 0)
			return -EINVAL;
	}
	*d = tmp;
	return 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), x 1000
 * (RFC 9110 12.4.2); -1 when malformed. */
static int
qvalue(const char *v)
{
	int q, scale = 100;

	if ((v[0] != '0' && v[0] != '1') || (v[1] != '\0' && v[1] != '.'))
		return -1;
	q = (v[0] - '0') * 1000;
	if (v[1] == '.')
		for (v += 2; *v != '\0'; v++, scale /= 10) {
			if (*v < '0' || *v > '9' || scale == 0)
				return -1;
			q += (*v - '0') * scale;
		}
	return q > 1000 ? -1 : q;
}

/* "name" or "name;q=0.5" (whitespace around ';' allowed). */
static void
want_elem(char *el, struct tusk_http_want *w)
{
	char *semi = strchr(el, ';'), *ne = semi ? semi : el + strlen(el);
	int a, q = 1000;

	while (ne > el && is_ows(ne[-1]))
		ne--;
	a = legacy_alg(el, (size_t)(ne - el));
	if (a < 0)
		return;
	if (semi != NULL) {
		char *p = semi + 1;

		while (is_ows(*p))
			p++;
		if ((p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
			return;
		q = qvalue(p + 2);
		if (q < 0)
			return;
	}
	tusk_http_want_add(w, a, (unsigned int)q);
}

void
tusk_http_want_digest_parse(const char *val, size_t len,
			    struct tusk_http_want *w)
{
	const char *p = val, *end = val + len;
	char el[ELEM_MAX];
	bool toolong;

	while (next_elem(&p, end, el, &toolong))
		if (!toolong)
			want_elem(el, w);
}
