/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verified tokens kept, so that a client sending the same bearer token
 * with every request (curl, davix, gfal2, a 4-stream fetch) costs one
 * signature check, not one per request: a JWT's RS256 or ES256 check
 * and its JSON parse take tens of microseconds (app/auth/README.md has
 * the figures), which a polling lcore must not spend per request.
 *
 * Keyed by the SHA-256 of the token (the token itself is not kept: a
 * core dump or a stray debug print must not leak credentials). An entry
 * lives until the token's own expiry; a full cache replaces the entry
 * used least recently. Only tokens that verified are kept: a refused
 * token is checked again next time (a forger gains nothing from it).
 *
 * One cache per lcore (no locks); no I/O, no clock: time is an argument.
 */
#ifndef TUSK_AUTH_CACHE_H
#define TUSK_AUTH_CACHE_H

#include <stdint.h>

#include "auth_token.h"

/* Entries per lcore: clients at once with distinct tokens. Each entry
 * holds its claims (~16 KiB with TUSK_AUTH_GRANTS_MAX paths), so 64 is
 * ~1 MiB per lcore; a lookup compares 64 hashes (well under a
 * microsecond), and a 65th concurrent token costs one more verify. */
#define TUSK_AUTH_CACHE_SLOTS 64
/* SHA-256 of the token. */
#define TUSK_AUTH_CACHE_KEY_LEN 32

struct tusk_auth_cache_entry {
	uint8_t key[TUSK_AUTH_CACHE_KEY_LEN];
	int64_t until;     /* wall-clock seconds; void from then on */
	uint64_t used;     /* lookup serial of the last hit: LRU */
	struct tusk_auth_claims claims;
};

struct tusk_auth_cache {
	uint64_t serial;
	uint64_t hits, misses, evicted;
	unsigned n;
	struct tusk_auth_cache_entry e[TUSK_AUTH_CACHE_SLOTS];
	/* claims of a token being verified: kept here, off the lcore's
	 * stack (16 KiB), and valid until the next verify */
	struct tusk_auth_claims scratch;
};

/* The key of tok (len bytes): its SHA-256. */
void tusk_auth_cache_key(const char *tok, size_t len,
			 uint8_t key[TUSK_AUTH_CACHE_KEY_LEN]);

/* The claims kept for key, still valid at now, or NULL. */
const struct tusk_auth_claims *
tusk_auth_cache_get(struct tusk_auth_cache *c,
		    const uint8_t key[TUSK_AUTH_CACHE_KEY_LEN], int64_t now);

/* Keep claims for key until claims->exp (nothing if that is past). */
void tusk_auth_cache_put(struct tusk_auth_cache *c,
			 const uint8_t key[TUSK_AUTH_CACHE_KEY_LEN],
			 const struct tusk_auth_claims *claims, int64_t now);

#endif
