/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections per source address across every lcore's HTTP endpoint (the
 * total of http_source_conns_total; each lcore counts its own exactly in
 * http_server_limit.c). RSS spreads one host's connections over the
 * lcores by port, so no lcore alone sees a host's total.
 *
 * One table for the whole process, written by every lcore without locks:
 * TUSK_HTTP_SHARE_BUCKETS atomic counters indexed by a keyed hash of the
 * address (the key is random per process, so a client cannot pick an
 * address that lands in a victim's bucket). Two sources in one bucket
 * share its budget: with n busy sources a given source shares with
 * another with probability about n / 65536; the per-lcore limit, exact,
 * is the first line.
 *
 *   struct tusk_http_share *sh = tusk_http_share_create(seed);
 *   if (!tusk_http_share_take(sh, &addr, max)) refuse;
 *   ... tusk_http_share_drop(sh, &addr) when the connection ends
 */
#ifndef TUSK_HTTP_SHARE_H
#define TUSK_HTTP_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/* 65536 counters (256 KiB): collisions stay rare for the thousands of
 * sources a DTN sees at once. */
#define TUSK_HTTP_SHARE_BUCKETS (1u << 16)

struct tusk_http_share;

/* NULL when out of memory. seed keys the hash. */
struct tusk_http_share *tusk_http_share_create(uint64_t seed);
void tusk_http_share_free(struct tusk_http_share *sh);

/* Count one more connection from a unless it already has max; false
 * (nothing counted) when it has. Any lcore, any time. */
bool tusk_http_share_take(struct tusk_http_share *sh,
			  const struct tusk_addr *a, uint32_t max);
/* One connection from a ended (after a successful take). */
void tusk_http_share_drop(struct tusk_http_share *sh,
			  const struct tusk_addr *a);
/* Connections counted for a (its bucket). */
uint32_t tusk_http_share_count(const struct tusk_http_share *sh,
			       const struct tusk_addr *a);

#endif /* TUSK_HTTP_SHARE_H */
