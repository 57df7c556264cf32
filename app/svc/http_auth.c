/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP endpoint's access policy (http_auth.h).
 *
 *   tusk_http_auth_decide() -> anon_covers()           (no token)
 *                           -> claims_of() -> tusk_auth_cache_get()
 *                                          -> tusk_auth_jwt_verify() or
 *                                             tusk_auth_macaroon_verify()
 *                                          -> tusk_auth_cache_put()
 *                           -> tusk_auth_allows()
 */
#include <errno.h>
#include <string.h>

#include "http_auth.h"

/* Activities anyone may do under an anon_read prefix: reading. */
#define ANON_ACTS (TUSK_AUTH_READ | TUSK_AUTH_LIST | TUSK_AUTH_STAT)

int
tusk_http_auth_init(struct tusk_http_auth *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->mode = TUSK_HTTP_AUTH_REQUIRED;
	return tusk_auth_jwt_init(&a->jwt, name);
}

int
tusk_http_auth_anon_add(struct tusk_http_auth *a, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!tusk_auth_path_valid(prefix, n))
		return -EINVAL;
	if (a->n_anon == TUSK_HTTP_AUTH_ANON_MAX)
		return -ENOSPC;
	memcpy(a->anon[a->n_anon++], prefix, n + 1);
	return 0;
}

void
tusk_http_auth_fini(struct tusk_http_auth *a)
{
	tusk_auth_jwt_fini(&a->jwt);
	memset(&a->mac, 0, sizeof(a->mac));
}

static bool
anon_covers(const struct tusk_http_auth *a, uint32_t act, const char *path)
{
	unsigned i;

	if ((act & ANON_ACTS) != act)
		return false;
	for (i = 0; i < a->n_anon; i++)
		if (tusk_auth_path_covers(a->anon[i], path))
			return true;
	return false;
}

/* A JWT is three base64url parts joined by '.' (RFC 7515 7.1); an
 * appliance macaroon is one base64url string. */
static bool
looks_like_jwt(const char *tok, size_t len)
{
	return memchr(tok, '.', len) != NULL;
}

/* The claims of r's token: from the cache, or verified and cached.
 * NULL with *why set when it does not verify. */
static const struct tusk_auth_claims *
claims_of(const struct tusk_http_auth *a, struct tusk_auth_cache *cache,
	  const struct tusk_http_auth_req *r, int64_t now,
	  enum tusk_auth_verdict *why)
{
	uint8_t key[TUSK_AUTH_CACHE_KEY_LEN];
	struct tusk_auth_claims *fresh = &cache->scratch;
	const struct tusk_auth_claims *c;

	tusk_auth_cache_key(r->tok, r->tok_len, key);
	c = tusk_auth_cache_get(cache, key, now);
	if (c != NULL)
		return c;
	memset(fresh, 0, sizeof(*fresh));
	if (looks_like_jwt(r->tok, r->tok_len))
		*why = tusk_auth_jwt_verify(&a->jwt, r->tok, r->tok_len, now,
					    fresh);
	else if (a->has_mac)
		*why = tusk_auth_macaroon_verify(&a->mac, a->jwt.audience,
						 r->tok, r->tok_len, now,
						 fresh);
	else
		*why = TUSK_AUTH_ISSUER; /* no secret: we mint none */
	if (*why != TUSK_AUTH_OK)
		return NULL;
	/* a JWT within its exp skew is valid now but not kept */
	tusk_auth_cache_put(cache, key, fresh, now);
	return fresh;
}

enum tusk_http_auth_outcome
tusk_http_auth_decide(const struct tusk_http_auth *a,
		      struct tusk_auth_cache *cache,
		      const struct tusk_http_auth_req *r, int64_t now,
		      enum tusk_auth_verdict *why)
{
	const struct tusk_auth_claims *c;
	bool anon;

	*why = TUSK_AUTH_OK;
	if (a->mode == TUSK_HTTP_AUTH_OFF)
		return TUSK_HTTP_AUTH_ALLOW_OFF;
	anon = anon_covers(a, r->act, r->path);
	if (r->tok_bad) {
		*why = TUSK_AUTH_MALFORMED;
		return TUSK_HTTP_AUTH_INVALID;
	}
	if (r->tok == NULL || r->tok_len == 0)
		return anon ? TUSK_HTTP_AUTH_ALLOW_ANON : TUSK_HTTP_AUTH_MISSING;
	c = claims_of(a, cache, r, now, why);
	if (c == NULL)
		return TUSK_HTTP_AUTH_INVALID;
	if (tusk_auth_allows(c->grants, c->n_grants, r->act, r->path))
		return TUSK_HTTP_AUTH_ALLOW;
	return anon ? TUSK_HTTP_AUTH_ALLOW_ANON : TUSK_HTTP_AUTH_FORBIDDEN;
}

static const char *const outcome_names[TUSK_HTTP_AUTH_OUTCOMES] = {
	[TUSK_HTTP_AUTH_ALLOW] = "ok",
	[TUSK_HTTP_AUTH_ALLOW_ANON] = "anon",
	[TUSK_HTTP_AUTH_ALLOW_OFF] = "off",
	[TUSK_HTTP_AUTH_MISSING] = "missing",
	[TUSK_HTTP_AUTH_INVALID] = "invalid",
	[TUSK_HTTP_AUTH_FORBIDDEN] = "forbidden",
};

const char *
tusk_http_auth_outcome_name(enum tusk_http_auth_outcome o)
{
	return (unsigned)o < TUSK_HTTP_AUTH_OUTCOMES ? outcome_names[o]
						     : "unknown";
}

/* b64token characters (RFC 6750 2.1), '=' padding included. */
static size_t
b64token_span(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789-._~+/=");
}

const char *
tusk_http_auth_query_token(const char *target, size_t *len)
{
	static const char name[] = TUSK_HTTP_AUTH_QUERY "=";
	const char *q = strchr(target, '?');
	size_t n;

	while (q != NULL) {
		q++;
		if (strncmp(q, name, sizeof(name) - 1) == 0) {
			q += sizeof(name) - 1;
			n = b64token_span(q);
			/* the value ends the query or its parameter */
			if (n == 0 || (q[n] != '\0' && q[n] != '&' &&
				       q[n] != '#'))
				return NULL;
			*len = n;
			return q;
		}
		q = strchr(q, '&');
	}
	return NULL;
}
