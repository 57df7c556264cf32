/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4, written from the specification ("SipHash: a fast short-input
 * PRF", 2012): 2 compression rounds per 8-byte word, 4 finalisation rounds.
 */
#include <string.h>

#include "tcp_hash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void
sipround(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
absorb(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
tusk_tcp_siphash(const struct tusk_tcp_key *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct sip s = {
		.v0 = k->k0 ^ 0x736f6d6570736575ULL,
		.v1 = k->k1 ^ 0x646f72616e646f6dULL,
		.v2 = k->k0 ^ 0x6c7967656e657261ULL,
		.v3 = k->k1 ^ 0x7465646279746573ULL,
	};
	uint8_t last[8] = {0};
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		absorb(&s, le64(p + i));
	memcpy(last, p + i, len - i);
	last[7] = (uint8_t)len;
	absorb(&s, le64(last));
	s.v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		sipround(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* splitmix64 finaliser: spreads a seed into well-mixed key words. */
static uint64_t
mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct tusk_tcp_key
tusk_tcp_key_derive(uint64_t seed, uint64_t label)
{
	struct tusk_tcp_key k;

	k.k0 = mix64(seed ^ mix64(label));
	k.k1 = mix64(k.k0 ^ label);
	return k;
}

uint64_t
tusk_tcp_tuple_siphash(const struct tusk_tcp_key *k,
		       const struct tusk_tcp_tuple *t, uint64_t extra)
{
	uint8_t buf[2 * 16 + 4 + 8];
	size_t n = 0;

	/* Only the bytes of the address family count, so unused union
	 * bytes never change a hash. */
	if (t->laddr.family == TUSK_AF_INET) {
		memcpy(buf, &t->laddr.v4, 4);
		memcpy(buf + 4, &t->raddr.v4, 4);
		n = 8;
	} else {
		memcpy(buf, t->laddr.v6, 16);
		memcpy(buf + 16, t->raddr.v6, 16);
		n = 32;
	}
	memcpy(buf + n, &t->lport, 2);
	memcpy(buf + n + 2, &t->rport, 2);
	memcpy(buf + n + 4, &extra, 8);
	return tusk_tcp_siphash(k, buf, n + 12);
}
