/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TUSK_FUZZ_H
#define TUSK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: the drivers' mutations, reproducible from the seed. */
static inline uint64_t
fuzz_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The UDP port fuzz_frames.c binds (an echo: each datagram goes back to
 * its sender, so the send path is fuzzed too); other ports are closed. */
#define FUZZ_UDP_PORT 7

/* libFuzzer's entry point; aborts when an invariant breaks. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The deterministic drivers' replay mode: each file named in argv[1..]
 * is one input. Returns 0, or 1 if a file cannot be read. */
int fuzz_replay(int argc, char **argv);

#endif /* TUSK_FUZZ_H */
