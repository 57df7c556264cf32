/* SPDX-License-Identifier: BSD-3-Clause */
/* Verdict names (auth_token.h). */
#include "auth_token.h"

static const char *const names[TUSK_AUTH_VERDICTS] = {
	[TUSK_AUTH_OK] = "ok",
	[TUSK_AUTH_MALFORMED] = "malformed",
	[TUSK_AUTH_SIGNATURE] = "signature",
	[TUSK_AUTH_EXPIRED] = "expired",
	[TUSK_AUTH_NOT_YET] = "not_yet_valid",
	[TUSK_AUTH_ISSUER] = "issuer",
	[TUSK_AUTH_AUDIENCE] = "audience",
	[TUSK_AUTH_BAD_SCOPE] = "bad_scope",
};

const char *
tusk_auth_verdict_name(enum tusk_auth_verdict v)
{
	return (unsigned)v < TUSK_AUTH_VERDICTS ? names[v] : "unknown";
}
