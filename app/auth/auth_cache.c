/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verified-token cache (auth_cache.h): a small table scanned whole.
 * put: an expired entry, else a free slot, else the least recently used.
 */
#include <string.h>

#include <openssl/evp.h>

#include "auth_cache.h"

void
tusk_auth_cache_key(const char *tok, size_t len,
		    uint8_t key[TUSK_AUTH_CACHE_KEY_LEN])
{
	unsigned int n = TUSK_AUTH_CACHE_KEY_LEN;

	if (!EVP_Digest(tok, len, key, &n, EVP_sha256(), NULL))
		memset(key, 0, TUSK_AUTH_CACHE_KEY_LEN); /* never a hit: */
	/* an all-zero key is refused by get() and put() */
}

static bool
key_usable(const uint8_t key[TUSK_AUTH_CACHE_KEY_LEN])
{
	static const uint8_t zero[TUSK_AUTH_CACHE_KEY_LEN];

	return memcmp(key, zero, sizeof(zero)) != 0;
}

const struct tusk_auth_claims *
tusk_auth_cache_get(struct tusk_auth_cache *c,
		    const uint8_t key[TUSK_AUTH_CACHE_KEY_LEN], int64_t now)
{
	unsigned i;

	for (i = 0; key_usable(key) && i < c->n; i++) {
		struct tusk_auth_cache_entry *e = &c->e[i];

		if (now < e->until && memcmp(e->key, key, sizeof(e->key)) == 0) {
			e->used = ++c->serial;
			c->hits++;
			return &e->claims;
		}
	}
	c->misses++;
	return NULL;
}

/* Where a new entry goes: an expired one, a free slot, else the LRU. */
static struct tusk_auth_cache_entry *
slot_for(struct tusk_auth_cache *c, int64_t now)
{
	struct tusk_auth_cache_entry *lru = &c->e[0];
	unsigned i;

	for (i = 0; i < c->n; i++) {
		if (c->e[i].until <= now)
			return &c->e[i];
		if (c->e[i].used < lru->used)
			lru = &c->e[i];
	}
	if (c->n < TUSK_AUTH_CACHE_SLOTS)
		return &c->e[c->n++];
	c->evicted++;
	return lru;
}

void
tusk_auth_cache_put(struct tusk_auth_cache *c,
		    const uint8_t key[TUSK_AUTH_CACHE_KEY_LEN],
		    const struct tusk_auth_claims *claims, int64_t now)
{
	struct tusk_auth_cache_entry *e;

	if (claims->exp <= now || !key_usable(key))
		return;
	e = slot_for(c, now);
	memcpy(e->key, key, sizeof(e->key));
	e->until = claims->exp;
	e->used = ++c->serial;
	e->claims = *claims;
}
