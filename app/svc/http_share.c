/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source connection totals across lcores (http_share.h): atomic
 * counters in hashed buckets; take() is a compare-and-swap loop so the
 * limit holds however many lcores accept at once.
 */
#include <stdlib.h>

#include <rte_jhash.h>

#include "http_share.h"

struct tusk_http_share {
	uint32_t seed;
	uint32_t count[TUSK_HTTP_SHARE_BUCKETS];
};

struct tusk_http_share *
tusk_http_share_create(uint64_t seed)
{
	struct tusk_http_share *sh = calloc(1, sizeof(*sh));

	if (sh != NULL)
		sh->seed = (uint32_t)(seed ^ (seed >> 32));
	return sh;
}

void
tusk_http_share_free(struct tusk_http_share *sh)
{
	free(sh);
}

static uint32_t *
bucket(const struct tusk_http_share *sh, const struct tusk_addr *a)
{
	uint32_t h = rte_jhash_1word(tusk_addr_hash(a), sh->seed);

	return (uint32_t *)&sh->count[h & (TUSK_HTTP_SHARE_BUCKETS - 1)];
}

bool
tusk_http_share_take(struct tusk_http_share *sh, const struct tusk_addr *a,
		     uint32_t max)
{
	uint32_t *b = bucket(sh, a);
	uint32_t n = __atomic_load_n(b, __ATOMIC_RELAXED);

	do {
		if (n >= max)
			return false;
	} while (!__atomic_compare_exchange_n(b, &n, n + 1, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

void
tusk_http_share_drop(struct tusk_http_share *sh, const struct tusk_addr *a)
{
	__atomic_fetch_sub(bucket(sh, a), 1, __ATOMIC_RELAXED);
}

uint32_t
tusk_http_share_count(const struct tusk_http_share *sh,
		      const struct tusk_addr *a)
{
	return __atomic_load_n(bucket(sh, a), __ATOMIC_RELAXED);
}
