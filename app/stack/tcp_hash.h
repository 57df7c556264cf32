/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashing for TCP secrets: SipHash-2-4 (Aumasson and Bernstein), the
 * PRF behind initial sequence numbers (RFC 6528), SYN cookies (RFC 4987)
 * and ephemeral port selection (RFC 6056 algorithm 3). The key comes from
 * the stack's seed, so nobody off the box can predict the outputs.
 */
#ifndef TUSK_TCP_HASH_H
#define TUSK_TCP_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct tusk_tcp_key {
	uint64_t k0;
	uint64_t k1;
};

/* Derive a key from a 64-bit seed and a purpose label (distinct keys for
 * ISNs, cookies and ports from one seed). */
struct tusk_tcp_key tusk_tcp_key_derive(uint64_t seed, uint64_t label);

/* A connection's identity: local and remote address and port (host
 * order ports). */
struct tusk_tcp_tuple {
	struct tusk_addr laddr;
	struct tusk_addr raddr;
	uint16_t lport;
	uint16_t rport;
};

/* SipHash of the tuple and one extra word (a time counter, a peer ISN). */
uint64_t tusk_tcp_tuple_siphash(const struct tusk_tcp_key *k,
				const struct tusk_tcp_tuple *t, uint64_t extra);

/* SipHash-2-4 of `len` bytes. */
uint64_t tusk_tcp_siphash(const struct tusk_tcp_key *k, const void *data,
			  size_t len);

#endif /* TUSK_TCP_HASH_H */
