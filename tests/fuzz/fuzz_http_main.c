/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic driver for fuzz_http.c, run by `meson test --suite fuzz`:
 * starts from valid requests, responses, field values and URLs, then
 * mutates them from a seed: bit flips, bytes replaced by the characters
 * parsers care about (CR, LF, NUL, '%', '.', '/', ':', ',', '"', SP),
 * truncation, duplicated and spliced runs. Usage: fuzz_http [ROUNDS
 * [SEED]] or fuzz_http FILE... to replay inputs (e.g. libFuzzer crashes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define DEFAULT_ROUNDS 20000
/* Inputs grow by splicing up to this: past TUSK_HTTP_HEAD_MAX (16 KiB)
 * so 431 is reached too. */
#define INPUT_MAX 20000
#define MUTATIONS_MAX 8

static const char *const seeds[] = {
	"GET /a/b.bin HTTP/1.1\r\nHost: dtn:8080\r\nRange: bytes=0-1023\r\n"
	"If-Range: \"1-2-3\"\r\nConnection: keep-alive\r\n\r\n",
	"PUT /up/%2e%2e/x%2fy HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n"
	"Expect: 100-continue\r\nRepr-Digest: sha-256=:47DEQpj8HBSa+/TImW+5J"
	"CeuQeRkm5NMpJWZG3hSuFU=:, md5=:AAAA:\r\n\r\nhello world\n",
	"\r\nHEAD http://h/./a//b?q#f HTTP/1.0\r\nTransfer-Encoding: chunked"
	"\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\n"
	"Content-Length: 10\r\nAccept-Ranges: bytes\r\nETag: \"e\"\r\n"
	"Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n0123456789",
	"HTTP/1.0 416 Range Not Satisfiable\r\nContent-Range: bytes */100\r\n"
	"Transfer-Encoding: gzip, chunked\r\n\r\n",
	"bytes=-500",
	"sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:;a=1, x=(1 \"s"
	"\" ?0);b",
	"http://10.0.0.1:8080/data/f.bin?x=1#frag",
	"Zm9vYmFy",
};

static const char interesting[] = "\r\n\0%./:,\" \t;=-*?#()[]@0123456789";

static uint64_t rng;

static uint64_t
next(void)
{
	return fuzz_rand(&rng);
}

static size_t
mutate(uint8_t *in, size_t n)
{
	size_t at = n > 0 ? (size_t)(next() % n) : 0, len;

	switch (next() % 6) {
	case 0:
		if (n > 0)
			in[at] ^= (uint8_t)(1u << (next() % 8));
		break;
	case 1:
		if (n > 0)
			in[at] = (uint8_t)interesting[
				next() % (sizeof(interesting) - 1)];
		break;
	case 2:
		n = at; /* truncate */
		break;
	case 3: /* duplicate a run (long heads, repeated fields) */
		len = (size_t)(next() % 64);
		if (len > n - at)
			len = n - at;
		while (n + len <= INPUT_MAX && next() % 4 != 0) {
			memmove(in + at + len, in + at, n - at);
			n += len;
		}
		break;
	case 4: /* splice a piece of another seed */
		{
			const char *s = seeds[next() % (sizeof(seeds) /
							sizeof(seeds[0]))];
			size_t sl = strlen(s), from = (size_t)(next() % sl);

			len = sl - from;
			if (n + len > INPUT_MAX)
				len = INPUT_MAX - n;
			memmove(in + at + len, in + at, n - at);
			memcpy(in + at, s + from, len);
			n += len;
		}
		break;
	default:
		if (n > 0)
			in[at] = (uint8_t)next();
		break;
	}
	return n;
}

int
main(int argc, char **argv)
{
	static uint8_t in[INPUT_MAX];
	const size_t n_seeds = sizeof(seeds) / sizeof(seeds[0]);
	long rounds = DEFAULT_ROUNDS;

	if (argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9'))
		return fuzz_replay(argc, argv);
	if (argc > 1)
		rounds = strtol(argv[1], NULL, 10);
	rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	for (long r = 0; r < rounds; r++) {
		const char *s = seeds[(size_t)r % n_seeds];
		size_t n = strlen(s);
		int k = 1 + (int)(next() % MUTATIONS_MAX);

		memcpy(in, s, n);
		LLVMFuzzerTestOneInput(in, n);
		while (k-- > 0)
			n = mutate(in, n);
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("fuzz_http: %ld inputs: %ld passed, 0 failed\n", rounds,
	       rounds);
	return 0;
}
