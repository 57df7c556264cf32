/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 section 3.6): when a listener's SYN queue is full,
 * the SYN-ACK's sequence number carries the connection's state and a MAC,
 * so nothing is kept until the peer's ACK returns it.
 *
 * ISN layout (our choice; only we decode it):
 *   bits 31..27  time counter (64 s units) modulo 32
 *   bits 26..24  MSS index into a table of common MSS values
 *   bits 23..0   SipHash(key, 4-tuple, peer ISN, counter, MSS index,
 *                        option bits) truncated
 * With timestamps (RFC 7323), the SYN-ACK's TSval carries the window scale
 * and SACK-permitted in its low 6 bits, as Linux does; they come back in
 * the ACK's TSecr and are covered by the MAC. Without timestamps, the
 * connection goes without window scaling and SACK (RFC 4987's trade-off).
 */
#ifndef TUSK_TCP_SYNCOOKIE_H
#define TUSK_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_hash.h"

/* A cookie is good for this many 64-s periods (RFC 4987 leaves it to us;
 * two periods cover any sane handshake RTT). */
#define TUSK_TCP_COOKIE_PERIOD_NS (64ULL * 1000000000ULL)
#define TUSK_TCP_COOKIE_MAX_AGE 2

/* The options a cookie restores. */
struct tusk_tcp_cookie_opts {
	uint16_t mss;      /* from the table: the largest <= the peer's */
	bool ts_ok;        /* the SYN carried timestamps */
	bool ws_ok;
	uint8_t wscale;    /* peer's shift */
	bool sack_ok;
};

/* Bits TSval carries: low 4 bits wscale (0xf = none), bit 4 SACK. */
#define TUSK_TCP_COOKIE_TS_BITS 6
#define TUSK_TCP_COOKIE_TS_MASK ((1u << TUSK_TCP_COOKIE_TS_BITS) - 1)

/* Encode the options into TSval bits (see TUSK_TCP_COOKIE_TS_BITS). */
uint32_t tusk_tcp_syncookie_ts_bits(const struct tusk_tcp_cookie_opts *o);

/*
 * Make the ISN for a SYN-ACK. o->mss is rounded down to the table (and
 * written back). `ts_bits` is what tusk_tcp_syncookie_ts_bits() gave (or
 * 0 without timestamps).
 */
uint32_t tusk_tcp_syncookie_make(const struct tusk_tcp_key *key,
				 const struct tusk_tcp_tuple *t,
				 uint32_t peer_isn,
				 struct tusk_tcp_cookie_opts *o, uint64_t now);

/*
 * Check the ACK that completes a cookie handshake: `cookie` is SEG.ACK - 1,
 * `peer_isn` SEG.SEQ - 1, `tsecr` the echoed TSval (when has_ts). Fills *o
 * and returns 0, or -EINVAL for a forged, mangled or expired cookie.
 */
int tusk_tcp_syncookie_check(const struct tusk_tcp_key *key,
			     const struct tusk_tcp_tuple *t, uint32_t peer_isn,
			     uint32_t cookie, bool has_ts, uint32_t tsecr,
			     struct tusk_tcp_cookie_opts *o, uint64_t now);

#endif /* TUSK_TCP_SYNCOOKIE_H */
