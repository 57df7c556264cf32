/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A verified token, whatever its kind: what it grants and until when,
 * and the verdict when it is refused (one counter per verdict in the
 * HTTP endpoint, so an operator sees why requests were turned away).
 */
#ifndef TUSK_AUTH_TOKEN_H
#define TUSK_AUTH_TOKEN_H

#include <stdint.h>

#include "auth_scope.h"

enum tusk_auth_verdict {
	TUSK_AUTH_OK = 0,
	TUSK_AUTH_MALFORMED,  /* not a token of this kind: syntax, encoding */
	TUSK_AUTH_SIGNATURE,  /* the signature does not verify */
	TUSK_AUTH_EXPIRED,    /* exp / before passed */
	TUSK_AUTH_NOT_YET,    /* nbf / iat in the future */
	TUSK_AUTH_ISSUER,     /* iss not trusted, or no key for its kid */
	TUSK_AUTH_AUDIENCE,   /* aud / location is not this appliance */
	TUSK_AUTH_BAD_SCOPE,  /* a scope or caveat this verifier refuses */
	TUSK_AUTH_VERDICTS,
};

struct tusk_auth_claims {
	int64_t exp; /* wall-clock seconds; the token is void from then on */
	unsigned n_grants;
	struct tusk_auth_grant grants[TUSK_AUTH_GRANTS_MAX];
};

/* Short lower-case name of a verdict ("expired"), for counters. */
const char *tusk_auth_verdict_name(enum tusk_auth_verdict v);

#endif
