/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may do what on the HTTP file endpoint (DESIGN.md "Who may do
 * what"): the policy an operator configures in tuskd.conf's [auth] and
 * [issuer NAME] sections, and the decision for one request.
 *
 *   credentials   Authorization: Bearer <token>, or ?authz=<token> in
 *                 the target (as dCache and XRootD accept it): a WLCG
 *                 JWT (app/auth/auth_jwt.h: a trusted issuer's RS256 or
 *                 ES256 signature, exp/nbf/iat, aud, storage.* scopes) or
 *                 a macaroon this appliance minted (auth_macaroon.h).
 *   anon_read     path prefixes (per component) that anyone may read
 *                 (GET, HEAD, PROPFIND) without a token; never written.
 *   mode off      no checks at all (only when the operator says so).
 *
 * Outcomes: no usable credentials -> 401 (RFC 6750 3: WWW-Authenticate:
 * Bearer realm=...); credentials that do not verify -> 401 with
 * error="invalid_token"; a valid token whose grants do not cover the
 * activity on the path -> 403 (error="insufficient_scope").
 *
 * Verified tokens are kept per lcore (app/auth/auth_cache.h). No I/O, no
 * clock: keys are loaded by the caller, time is an argument.
 */
#ifndef TUSK_HTTP_AUTH_H
#define TUSK_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_cache.h"
#include "auth_jwt.h"
#include "auth_macaroon.h"
#include "auth_scope.h"

/* anon_read prefixes: an operator opens a few public trees. */
#define TUSK_HTTP_AUTH_ANON_MAX 16
/* The query parameter dCache and XRootD take a token from. */
#define TUSK_HTTP_AUTH_QUERY "authz"

enum tusk_http_auth_mode {
	TUSK_HTTP_AUTH_REQUIRED = 0, /* the default */
	TUSK_HTTP_AUTH_OFF,
};

struct tusk_http_auth {
	enum tusk_http_auth_mode mode;
	/* audience of JWTs and location of macaroons: the appliance's
	 * name; also the realm of WWW-Authenticate */
	struct tusk_auth_jwt jwt;
	bool has_mac;                      /* a macaroon secret is set */
	struct tusk_auth_mac_key mac;
	unsigned n_anon;
	char anon[TUSK_HTTP_AUTH_ANON_MAX][TUSK_AUTH_PATH_MAX];
};

/* What one request asks. */
struct tusk_http_auth_req {
	const char *tok;   /* the bearer token, NULL: none sent */
	size_t tok_len;
	bool tok_bad;      /* credentials sent but unusable (two of them,
			    * another scheme, not a b64token) */
	uint32_t act;      /* the activity (one enum tusk_auth_act bit) */
	const char *path;  /* absolute, beneath the data root ("/a/b") */
};

enum tusk_http_auth_outcome {
	TUSK_HTTP_AUTH_ALLOW = 0,    /* a token covers it */
	TUSK_HTTP_AUTH_ALLOW_ANON,   /* under anon_read, read-only */
	TUSK_HTTP_AUTH_ALLOW_OFF,    /* mode off */
	TUSK_HTTP_AUTH_MISSING,      /* 401: no token */
	TUSK_HTTP_AUTH_INVALID,      /* 401: the token does not verify */
	TUSK_HTTP_AUTH_FORBIDDEN,    /* 403: valid, but not for this */
	TUSK_HTTP_AUTH_OUTCOMES,
};

/* Start from mode required, no issuer, no secret, no anon_read, with the
 * appliance's name. 0 or -EINVAL (name empty or too long). */
int tusk_http_auth_init(struct tusk_http_auth *a, const char *name);

/* Add an anon_read prefix. 0, -EINVAL (not a valid absolute path) or
 * -ENOSPC. */
int tusk_http_auth_anon_add(struct tusk_http_auth *a, const char *prefix);

/* Release the issuers' keys. */
void tusk_http_auth_fini(struct tusk_http_auth *a);

/*
 * Decide r at now (wall-clock seconds), with the lcore's cache. When the
 * outcome is TUSK_HTTP_AUTH_INVALID, *why says which check failed.
 */
enum tusk_http_auth_outcome
tusk_http_auth_decide(const struct tusk_http_auth *a,
		      struct tusk_auth_cache *cache,
		      const struct tusk_http_auth_req *r, int64_t now,
		      enum tusk_auth_verdict *why);

/* Counter names of the outcomes ("ok", "anon", "off", "missing",
 * "invalid", "forbidden"). */
const char *tusk_http_auth_outcome_name(enum tusk_http_auth_outcome o);

/*
 * Find ?authz=<token> in a request target. Returns a pointer into target
 * and *len, or NULL. The value must be a plain b64token (no %-escapes:
 * tokens need none).
 */
const char *tusk_http_auth_query_token(const char *target, size_t *len);

#endif
