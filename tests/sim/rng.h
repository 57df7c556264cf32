/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator's random numbers: xoshiro256** (Blackman and Vigna),
 * seeded through splitmix64 so any 64-bit seed gives a good state. Every
 * impairment draws from one generator per link, so a run is reproducible
 * from its seed.
 */
#ifndef TUSK_SIM_RNG_H
#define TUSK_SIM_RNG_H

#include <stdint.h>

struct tusk_sim_rng {
	uint64_t s[4];
};

static inline uint64_t
tusk_sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void
tusk_sim_rng_seed(struct tusk_sim_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = tusk_sim_splitmix64(&seed);
}

static inline uint64_t
tusk_sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
tusk_sim_rng_next(struct tusk_sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = tusk_sim_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tusk_sim_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1): the top 53 bits as a double's mantissa. */
static inline double
tusk_sim_rng_uniform(struct tusk_sim_rng *r)
{
	return (double)(tusk_sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* True with probability p (false for p <= 0, without drawing: a link
 * without an impairment uses no random numbers for it). */
static inline int
tusk_sim_rng_chance(struct tusk_sim_rng *r, double p)
{
	return p > 0 && tusk_sim_rng_uniform(r) < p;
}

#endif /* TUSK_SIM_RNG_H */
