/* SPDX-License-Identifier: BSD-3-Clause */
/* Replaying saved inputs (libFuzzer crashes, corpora) through a target. */
#include <stdio.h>

#include "fuzz.h"

/* Largest input replayed: the biggest any target reads. */
#define REPLAY_MAX (1 << 20)

int
fuzz_replay(int argc, char **argv)
{
	static uint8_t buf[REPLAY_MAX];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("%d passed, 0 failed\n", argc - 1);
	return 0;
}
