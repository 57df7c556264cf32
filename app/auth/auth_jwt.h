/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WLCG bearer tokens: JWTs (RFC 7519) signed by a trusted issuer, checked
 * as the WLCG common JWT profile asks (app/auth/README.md): the signature
 * with the issuer's key named by `kid` (RS256 or ES256 only: `alg: none`,
 * HS* and any algorithm that does not match the key's type are refused;
 * so is a header with `crit`, and a payload with a claim twice),
 * `exp`, `nbf`, `iat` with TUSK_AUTH_JWT_SKEW_S of clock skew, `aud` this
 * appliance's name or the WLCG "any" audience, `iss` trusted, and
 * `storage.*:/path` scopes into grants. Parsing and signatures: cjose
 * (JOSE, on OpenSSL and jansson).
 *
 * No I/O, no clock: the caller reads each issuer's JWKS file at start-up
 * and hands the text in; `now` is an argument.
 */
#ifndef TUSK_AUTH_JWT_H
#define TUSK_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "auth_token.h"

/* Clock skew allowed on exp/nbf/iat: clocks on grid hosts are NTP-kept;
 * 60 s covers a drifting one without stretching a 15-minute token much. */
#define TUSK_AUTH_JWT_SKEW_S 60
/* Latest exp read: the year 9999 (exp + skew stays far from overflow;
 * a later one is not a date an issuer means). */
#define TUSK_AUTH_JWT_EXP_MAX 253402300799LL
/* Issuers trusted at once: a site trusts its VOs' few issuers. */
#define TUSK_AUTH_JWT_ISSUERS_MAX 8
/* Keys per issuer's JWKS: issuers publish one or two (rotation). */
#define TUSK_AUTH_JWT_KEYS_MAX 8
/* Longest token accepted: WLCG tokens are 1-2 kB; refuse before parsing. */
#define TUSK_AUTH_JWT_TOKEN_MAX 8192
/* Longest issuer URL or audience. */
#define TUSK_AUTH_JWT_NAME_MAX 256
/* The audience that means every relying party (profile.md). */
#define TUSK_AUTH_JWT_AUD_ANY "https://wlcg.cern.ch/jwt/v1/any"

struct tusk_auth_jwt_issuer;

struct tusk_auth_jwt {
	char audience[TUSK_AUTH_JWT_NAME_MAX]; /* this appliance's name */
	unsigned n_issuers;
	struct tusk_auth_jwt_issuer *issuers[TUSK_AUTH_JWT_ISSUERS_MAX];
};

/* Start with no issuer; audience is the appliance's configured name.
 * Returns 0 or -EINVAL (too long). */
int tusk_auth_jwt_init(struct tusk_auth_jwt *j, const char *audience);

/* Trust iss with the keys of JWKS text jwks (len bytes). Every key needs
 * a kid and must be RSA or EC P-256. Returns 0, -EINVAL with *why a
 * short reason, or -ENOSPC (too many issuers or keys). */
int tusk_auth_jwt_issuer_add(struct tusk_auth_jwt *j, const char *iss,
			     const char *jwks, size_t len, const char **why);

/* Verify tok (len bytes) at now (wall-clock seconds). */
enum tusk_auth_verdict tusk_auth_jwt_verify(const struct tusk_auth_jwt *j,
					    const char *tok, size_t len,
					    int64_t now,
					    struct tusk_auth_claims *claims);

/* Release the issuers' keys. */
void tusk_auth_jwt_fini(struct tusk_auth_jwt *j);

#endif
