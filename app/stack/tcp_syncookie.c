/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies (RFC 4987 section 3.6); see tcp_syncookie.h for the layout. */
#include <errno.h>

#include <rte_common.h>

#include "tcp_syncookie.h"

/* MSS values a cookie can name (3 bits): the common ones on Ethernet,
 * IPv6 tunnels and jumbo frames, so rounding loses little. */
static const uint16_t mss_table[8] = {
	536, 1220, 1400, 1440, 1460, 4036, 8940, 8960,
};

#define COUNTER_BITS 5
#define COUNTER_MASK ((1u << COUNTER_BITS) - 1)
#define HASH_MASK 0xffffffu
#define WS_NONE 0xfu
#define TS_SACK_BIT 0x10u

static unsigned int
mss_index(uint16_t mss)
{
	unsigned int i = RTE_DIM(mss_table) - 1;

	while (i > 0 && mss_table[i] > mss)
		i--;
	return i;
}

uint32_t
tusk_tcp_syncookie_ts_bits(const struct tusk_tcp_cookie_opts *o)
{
	uint32_t bits = o->ws_ok ? (o->wscale & WS_NONE) : WS_NONE;

	if (o->ws_ok && o->wscale >= WS_NONE)
		bits = WS_NONE - 1; /* 14 is the largest legal shift anyway */
	if (o->sack_ok)
		bits |= TS_SACK_BIT;
	return bits;
}

static uint32_t
mac(const struct tusk_tcp_key *key, const struct tusk_tcp_tuple *t,
    uint32_t peer_isn, uint64_t counter, unsigned int msi, uint32_t ts_bits)
{
	uint64_t extra = ((uint64_t)peer_isn << 32) ^ (counter << 8) ^
			 ((uint64_t)msi << 5) ^ ts_bits;

	return (uint32_t)tusk_tcp_tuple_siphash(key, t, extra) & HASH_MASK;
}

uint32_t
tusk_tcp_syncookie_make(const struct tusk_tcp_key *key,
			const struct tusk_tcp_tuple *t, uint32_t peer_isn,
			struct tusk_tcp_cookie_opts *o, uint64_t now)
{
	uint64_t counter = now / TUSK_TCP_COOKIE_PERIOD_NS;
	unsigned int msi = mss_index(o->mss);
	uint32_t bits = o->ts_ok ? tusk_tcp_syncookie_ts_bits(o) : 0;

	o->mss = mss_table[msi];
	return ((uint32_t)(counter & COUNTER_MASK) << 27) |
	       ((uint32_t)msi << 24) |
	       mac(key, t, peer_isn, counter, msi, bits);
}

static void
decode_ts(uint32_t bits, struct tusk_tcp_cookie_opts *o)
{
	o->ts_ok = true;
	o->ws_ok = (bits & WS_NONE) != WS_NONE;
	o->wscale = o->ws_ok ? (uint8_t)(bits & WS_NONE) : 0;
	o->sack_ok = (bits & TS_SACK_BIT) != 0;
}

int
tusk_tcp_syncookie_check(const struct tusk_tcp_key *key,
			 const struct tusk_tcp_tuple *t, uint32_t peer_isn,
			 uint32_t cookie, bool has_ts, uint32_t tsecr,
			 struct tusk_tcp_cookie_opts *o, uint64_t now)
{
	uint64_t counter = now / TUSK_TCP_COOKIE_PERIOD_NS;
	uint32_t age = ((uint32_t)counter - (cookie >> 27)) & COUNTER_MASK;
	unsigned int msi = (cookie >> 24) & 0x7;
	uint32_t bits = has_ts ? (tsecr & TUSK_TCP_COOKIE_TS_MASK) : 0;

	if (age >= TUSK_TCP_COOKIE_MAX_AGE || age > counter)
		return -EINVAL;
	if (mac(key, t, peer_isn, counter - age, msi, bits) !=
	    (cookie & HASH_MASK))
		return -EINVAL;
	*o = (struct tusk_tcp_cookie_opts){ .mss = mss_table[msi] };
	if (has_ts)
		decode_ts(bits, o);
	return 0;
}
