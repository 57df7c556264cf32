/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TUSK_FUZZ_H
#define TUSK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; aborts when an invariant breaks. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* TUSK_FUZZ_H */
