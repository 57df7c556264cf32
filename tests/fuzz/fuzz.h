/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TUSK_FUZZ_H
#define TUSK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; aborts when an invariant breaks. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The deterministic drivers' replay mode: each file named in argv[1..]
 * is one input. Returns 0, or 1 if a file cannot be read. */
int fuzz_replay(int argc, char **argv);

#endif /* TUSK_FUZZ_H */
