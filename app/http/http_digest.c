/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Repr-Digest (RFC 9530) and base64 (RFC 4648 4).
 *
 * The dictionary parser follows RFC 8941 4.2.2 closely enough to skip any
 * member a peer may send (other algorithms, parameters, inner lists) and
 * to refuse what is not a dictionary. Only the sha-256 member's value is
 * interpreted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http_digest.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Longest dictionary key (RFC 8941 3.1.2 asks for at least 64). */
#define SF_KEY_MAX 64

int
tusk_http_base64_encode(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (outlen < tusk_http_base64_len(n) + 1)
		return -ENOSPC;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int
b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p == NULL ? -1 : (int)(p - b64_alphabet);
}

/* One 4-character group into up to 3 bytes; returns the bytes or -EINVAL.
 * Padding is only valid in the last group, and the bits it hides must be
 * zero (RFC 4648 3.5: canonical encoding). */
static int
b64_group(const char *g, bool last, uint8_t out[3])
{
	int v[4], i, pad = 0;
	uint32_t x = 0;

	for (i = 0; i < 4; i++) {
		if (g[i] == '=' && last && i >= 2) {
			pad++;
			v[i] = 0;
			continue;
		}
		if (pad > 0 || (v[i] = b64_value(g[i])) < 0)
			return -EINVAL;
	}
	for (i = 0; i < 4; i++)
		x = x << 6 | (uint32_t)v[i];
	if ((pad == 1 && (x & 0xff) != 0) || (pad == 2 && (x & 0xffff) != 0))
		return -EINVAL;
	out[0] = x >> 16;
	out[1] = x >> 8;
	out[2] = x;
	return 3 - pad;
}

int
tusk_http_base64_decode(const char *in, size_t n, uint8_t *out,
			size_t outlen)
{
	size_t i, o = 0;
	uint8_t b[3];
	int k;

	if (n % 4 != 0)
		return -EINVAL;
	for (i = 0; i < n; i += 4) {
		k = b64_group(in + i, i + 4 == n, b);
		if (k < 0)
			return k;
		if (o + (size_t)k > outlen)
			return -ENOSPC;
		memcpy(out + o, b, (size_t)k);
		o += (size_t)k;
	}
	return (int)o;
}

int
tusk_http_digest_format(char *buf, size_t len,
			const uint8_t sha[TUSK_HTTP_SHA256_LEN])
{
	char b64[TUSK_HTTP_SHA256_B64_LEN + 1];

	if (len < TUSK_HTTP_DIGEST_STRLEN)
		return -ENOSPC;
	tusk_http_base64_encode(sha, TUSK_HTTP_SHA256_LEN, b64, sizeof(b64));
	memcpy(buf, "sha-256=:", 9);
	memcpy(buf + 9, b64, TUSK_HTTP_SHA256_B64_LEN);
	buf[9 + TUSK_HTTP_SHA256_B64_LEN] = ':';
	buf[10 + TUSK_HTTP_SHA256_B64_LEN] = '\0';
	return 10 + TUSK_HTTP_SHA256_B64_LEN;
}

/* ---- RFC 8941 dictionary walking ---- */

struct sf_cur {
	const char *p, *end;
};

static bool
sf_at(const struct sf_cur *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

static void
sf_skip_sp(struct sf_cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static void
sf_skip_ows(struct sf_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static bool
is_lcalpha(char ch)
{
	return ch >= 'a' && ch <= 'z';
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static int
sf_key(struct sf_cur *c, char *key, size_t keylen)
{
	size_t n = 0;

	if (!(sf_at(c, '*') || (c->p < c->end && is_lcalpha(*c->p))))
		return -EINVAL;
	while (c->p < c->end &&
	       (is_lcalpha(*c->p) || is_digit(*c->p) || *c->p == '_' ||
		*c->p == '-' || *c->p == '.' || *c->p == '*')) {
		if (n + 1 >= keylen)
			return -EINVAL;
		key[n++] = *c->p++;
	}
	key[n] = '\0';
	return 0;
}

static bool
is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       is_digit(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch));
}

/* A byte sequence ":base64:" (RFC 8941 4.2.7); its text in [*b, *e). */
static int
sf_byteseq(struct sf_cur *c, const char **b, const char **e)
{
	c->p++; /* ':' */
	*b = c->p;
	while (c->p < c->end && *c->p != ':') {
		if (b64_value(*c->p) < 0 && *c->p != '=')
			return -EINVAL;
		c->p++;
	}
	if (!sf_at(c, ':'))
		return -EINVAL;
	*e = c->p++;
	return 0;
}

static int
sf_string(struct sf_cur *c)
{
	c->p++; /* '"' */
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\') {
			c->p++;
			if (!sf_at(c, '"') && !sf_at(c, '\\'))
				return -EINVAL;
		} else if ((unsigned char)*c->p < 0x20 ||
			   (unsigned char)*c->p >= 0x7f) {
			return -EINVAL;
		}
		c->p++;
	}
	if (!sf_at(c, '"'))
		return -EINVAL;
	c->p++;
	return 0;
}

/* A bare item (RFC 8941 4.2.3.1); a byte sequence's text goes to [*b, *e)
 * (both NULL for other kinds). */
static int
sf_bare_item(struct sf_cur *c, const char **b, const char **e)
{
	*b = *e = NULL;
	if (c->p == c->end)
		return -EINVAL;
	if (*c->p == ':')
		return sf_byteseq(c, b, e);
	if (*c->p == '"')
		return sf_string(c);
	if (*c->p == '?') {
		c->p++;
		if (!sf_at(c, '0') && !sf_at(c, '1'))
			return -EINVAL;
		c->p++;
		return 0;
	}
	if (*c->p == '-' || is_digit(*c->p)) {
		if (*c->p == '-')
			c->p++;
		if (!(c->p < c->end && is_digit(*c->p)))
			return -EINVAL;
		while (c->p < c->end && (is_digit(*c->p) || *c->p == '.'))
			c->p++;
		return 0;
	}
	if (*c->p == '*' || (*c->p >= 'A' && *c->p <= 'Z') ||
	    (*c->p >= 'a' && *c->p <= 'z')) {
		while (c->p < c->end && (is_tchar(*c->p) || *c->p == ':' ||
					 *c->p == '/'))
			c->p++;
		return 0;
	}
	return -EINVAL;
}

/* parameters = *( ";" *SP key [ "=" bare-item ] ) */
static int
sf_params(struct sf_cur *c)
{
	char key[SF_KEY_MAX];
	const char *b, *e;

	while (sf_at(c, ';')) {
		c->p++;
		sf_skip_sp(c);
		if (sf_key(c, key, sizeof(key)) < 0)
			return -EINVAL;
		if (sf_at(c, '=')) {
			c->p++;
			if (sf_bare_item(c, &b, &e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* inner-list = "(" *SP [ sf-item *( 1*SP sf-item ) *SP ] ")" params */
static int
sf_inner_list(struct sf_cur *c)
{
	const char *b, *e;

	c->p++;
	for (;;) {
		sf_skip_sp(c);
		if (sf_at(c, ')')) {
			c->p++;
			return sf_params(c);
		}
		if (sf_bare_item(c, &b, &e) < 0 || sf_params(c) < 0)
			return -EINVAL;
		if (!sf_at(c, ' ') && !sf_at(c, ')'))
			return -EINVAL;
	}
}

/* One member's value after its key: "=" item / inner-list, or just
 * parameters (boolean true). */
static int
sf_member_value(struct sf_cur *c, const char **b, const char **e)
{
	*b = *e = NULL;
	if (!sf_at(c, '='))
		return sf_params(c);
	c->p++;
	if (sf_at(c, '('))
		return sf_inner_list(c);
	if (sf_bare_item(c, b, e) < 0)
		return -EINVAL;
	return sf_params(c);
}

/* RFC 9530 dictionary key of an algorithm we know, or -1. */
static int
repr_alg(const char *key)
{
	if (strcmp(key, "sha-256") == 0)
		return TUSK_DIGEST_SHA256;
	if (strcmp(key, "md5") == 0)
		return TUSK_DIGEST_MD5;
	if (strcmp(key, "adler") == 0 || strcmp(key, "adler32") == 0)
		return TUSK_DIGEST_ADLER32;
	if (strcmp(key, "crc32c") == 0)
		return TUSK_DIGEST_CRC32C;
	return -1;
}

static const char *const repr_key[TUSK_DIGEST_ALGS] = {
	[TUSK_DIGEST_ADLER32] = "adler", [TUSK_DIGEST_CRC32C] = "crc32c",
	[TUSK_DIGEST_MD5] = "md5", [TUSK_DIGEST_SHA256] = "sha-256",
};

/* base64 text [b, e) of exactly the length of alg a into d. */
static int
value_from_b64(const char *b, const char *e, int a, struct tusk_digests *d)
{
	uint8_t tmp[TUSK_DIGEST_MAXLEN + 3];
	int n;

	if (b == NULL)
		return -EINVAL; /* a digest must be a byte sequence */
	n = tusk_http_base64_decode(b, (size_t)(e - b), tmp, sizeof(tmp));
	if (n != (int)tusk_digest_len(a))
		return -EINVAL;
	memcpy(d->v[a], tmp, (size_t)n);
	d->have |= TUSK_DIGEST_BIT(a);
	return 0;
}

/* Called per dictionary member: its key, a byte sequence's text [b, e)
 * (NULL otherwise), and where its item starts (NULL: boolean true). */
typedef int (*sf_member_fn)(const char *key, const char *b, const char *e,
			    const char *item, void *arg);

static int
sf_dict_walk(const char *val, size_t len, sf_member_fn fn, void *arg)
{
	struct sf_cur c = { val, val + len };
	char key[SF_KEY_MAX];
	const char *b, *e, *item;

	sf_skip_sp(&c);
	if (c.p == c.end)
		return -EINVAL; /* an empty dictionary is not sent (4.1) */
	for (;;) {
		if (sf_key(&c, key, sizeof(key)) < 0)
			return -EINVAL;
		item = sf_at(&c, '=') ? c.p + 1 : NULL;
		if (sf_member_value(&c, &b, &e) < 0 ||
		    fn(key, b, e, item, arg) < 0)
			return -EINVAL;
		sf_skip_ows(&c);
		if (c.p == c.end)
			return 0;
		if (*c.p++ != ',')
			return -EINVAL;
		sf_skip_ows(&c);
		if (c.p == c.end)
			return -EINVAL; /* trailing comma */
	}
}

/* The text of each known member: a key seen twice, the last value wins
 * (RFC 8941 3.2), so values are decoded after the walk. */
struct repr_spans {
	bool seen[TUSK_DIGEST_ALGS];
	const char *b[TUSK_DIGEST_ALGS], *e[TUSK_DIGEST_ALGS];
};

static int
repr_member(const char *key, const char *b, const char *e, const char *item,
	    void *arg)
{
	struct repr_spans *sp = arg;
	int a = repr_alg(key);

	(void)item;
	if (a >= 0) {
		sp->seen[a] = true;
		sp->b[a] = b;
		sp->e[a] = e;
	}
	return 0;
}

int
tusk_http_repr_digest_parse(const char *val, size_t len,
			    struct tusk_digests *d)
{
	struct tusk_digests tmp = *d;
	struct repr_spans sp;

	memset(&sp, 0, sizeof(sp));

	if (sf_dict_walk(val, len, repr_member, &sp) < 0)
		return -EINVAL;
	for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if (sp.seen[a] && value_from_b64(sp.b[a], sp.e[a], a, &tmp) < 0)
			return -EINVAL;
	*d = tmp;
	return 0;
}

int
tusk_http_digest_parse(const char *val, size_t len,
		       uint8_t sha[TUSK_HTTP_SHA256_LEN])
{
	struct tusk_digests d = { 0 };

	if (tusk_http_repr_digest_parse(val, len, &d) < 0)
		return -EINVAL;
	if (!(d.have & TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256)))
		return 0;
	memcpy(sha, d.v[TUSK_DIGEST_SHA256], TUSK_HTTP_SHA256_LEN);
	return 1;
}

/* ---- preferences ---- */

void
tusk_http_want_add(struct tusk_http_want *w, int a, unsigned int weight)
{
	if (a < 0)
		return;
	if (!(w->named & TUSK_DIGEST_BIT(a)))
		w->pos[a] = (uint8_t)__builtin_popcount(w->named);
	w->named |= TUSK_DIGEST_BIT(a);
	w->weight[a] = (uint16_t)weight;
}

/* Want-Repr-Digest: members must be integers 0..10 (RFC 9530 4). */
static int
want_member(const char *key, const char *b, const char *e, const char *item,
	    void *arg)
{
	unsigned int v = 0;
	int digits = 0;

	(void)b;
	(void)e;
	if (item == NULL)
		return -EINVAL;
	while (*item >= '0' && *item <= '9' && digits < 3) {
		v = v * 10 + (unsigned int)(*item++ - '0');
		digits++;
	}
	if (digits == 0 || v > 10)
		return -EINVAL;
	tusk_http_want_add(arg, repr_alg(key), v * 100);
	return 0;
}

void
tusk_http_want_repr_parse(const char *val, size_t len,
			  struct tusk_http_want *w)
{
	struct tusk_http_want tmp = *w;

	if (sf_dict_walk(val, len, want_member, &tmp) == 0)
		*w = tmp;
}

int
tusk_http_want_pick(const struct tusk_http_want *w, unsigned int offer)
{
	int best = -1;

	for (int a = 0; a < TUSK_DIGEST_ALGS; a++) {
		if (!(w->named & offer & TUSK_DIGEST_BIT(a)) ||
		    w->weight[a] == 0)
			continue;
		if (best < 0 || w->weight[a] > w->weight[best] ||
		    (w->weight[a] == w->weight[best] &&
		     w->pos[a] < w->pos[best]))
			best = a;
	}
	return best;
}

/* One member's text: RFC 9530 `key=:base64:`, or RFC 3230 `name=value`
 * (the 32-bit checksums in 8 hex digits, the hashes in base64). */
static int
member_format(char *buf, size_t len, const struct tusk_digests *d, int a,
	      enum tusk_http_digest_field field)
{
	char v[TUSK_HTTP_SHA256_B64_LEN + 1];

	if (field == TUSK_HTTP_LEGACY_DIGEST &&
	    (a == TUSK_DIGEST_ADLER32 || a == TUSK_DIGEST_CRC32C)) {
		snprintf(v, sizeof(v), "%08x", tusk_digest_get32(d->v[a]));
		return snprintf(buf, len, "%s=%s", tusk_digest_name(a), v);
	}
	tusk_http_base64_encode(d->v[a], tusk_digest_len(a), v, sizeof(v));
	if (field == TUSK_HTTP_LEGACY_DIGEST)
		return snprintf(buf, len, "%s=%s", tusk_digest_name(a), v);
	return snprintf(buf, len, "%s=:%s:", repr_key[a], v);
}

int
tusk_http_digests_format(char *buf, size_t len, const struct tusk_digests *d,
			 unsigned int algs, enum tusk_http_digest_field field)
{
	size_t o = 0;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	/* strongest first: a client that reads one member reads sha-256 */
	for (int a = TUSK_DIGEST_ALGS - 1; a >= 0; a--) {
		int n;

		if (!(algs & d->have & TUSK_DIGEST_BIT(a)))
			continue;
		if (o > 0) {
			if (len - o < 3)
				return -ENOSPC;
			memcpy(buf + o, ", ", 3);
			o += 2;
		}
		n = member_format(buf + o, len - o, d, a, field);
		if (n < 0 || (size_t)n >= len - o)
			return -ENOSPC;
		o += (size_t)n;
	}
	return (int)o;
}
