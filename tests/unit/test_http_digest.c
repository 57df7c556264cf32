/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Base64 (RFC 4648 10 test vectors) and Repr-Digest (RFC 9530): the
 * sha-256 member is found among others and parameters, and every
 * malformed dictionary or digest is refused. RFC 3230 Digest and
 * Want-Digest, Want-Repr-Digest preferences, both fields written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_digest.h"

/* SHA-256("") (FIPS 180-2 vector), and its base64 */
static const uint8_t sha_empty[32] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};
#define B64_EMPTY "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define B64_MD5_ZERO "AAAAAAAAAAAAAAAAAAAAAA=="  /* 16 zero bytes */

static void
test_base64_vectors(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char enc[16];
	uint8_t dec[16];
	size_t i;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		size_t n = strlen(vec[i][0]);

		assert_int_equal(tusk_http_base64_encode(
			(const uint8_t *)vec[i][0], n, enc, sizeof(enc)),
			(int)strlen(vec[i][1]));
		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(tusk_http_base64_decode(vec[i][1],
			strlen(vec[i][1]), dec, sizeof(dec)), (int)n);
		assert_memory_equal(dec, vec[i][0], n);
	}
	/* all 256 byte values survive a round trip (both alphabet ends) */
	{
		uint8_t all[256], back[256];
		char b64[400];
		int k;

		for (k = 0; k < 256; k++)
			all[k] = (uint8_t)k;
		k = tusk_http_base64_encode(all, 256, b64, sizeof(b64));
		assert_int_equal(k, 344);
		assert_int_equal(tusk_http_base64_decode(b64, 344, back,
							 sizeof(back)), 256);
		assert_memory_equal(all, back, 256);
	}
	assert_int_equal(tusk_http_base64_encode((const uint8_t *)"foo", 3,
						 enc, 4), -ENOSPC);
}

static void
test_base64_malformed(void **state)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v!A==", "Zg==Zg==", "=Zg=", "Zh==",
		"Zm9=", "Zm 9v", "Zm\n9v",
	};
	uint8_t out[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = tusk_http_base64_decode(bad[i], strlen(bad[i]), out,
						 sizeof(out));

		if (rc != -EINVAL)
			print_error("\"%s\" -> %d\n", bad[i], rc);
		assert_int_equal(rc, -EINVAL);
	}
	assert_int_equal(tusk_http_base64_decode("Zm9vYmFy", 8, out, 5),
			 -ENOSPC);
}

static void
test_digest_format(void **state)
{
	char buf[TUSK_HTTP_DIGEST_STRLEN];

	assert_int_equal(tusk_http_digest_format(buf, sizeof(buf), sha_empty),
			 (int)sizeof(buf) - 1);
	assert_string_equal(buf, "sha-256=:" B64_EMPTY ":");
	assert_int_equal(tusk_http_digest_format(buf, sizeof(buf) - 1,
						 sha_empty), -ENOSPC);
}

struct dig_case {
	const char *value;
	int rc;
};

static void
test_digest_parse_table(void **state)
{
	static const struct dig_case cases[] = {
		{ "sha-256=:" B64_EMPTY ":", 1 },
		{ "  sha-256=:" B64_EMPTY ":", 1 },
		{ "sha-512=:AAAA:, sha-256=:" B64_EMPTY ":", 1 },
		{ "sha-256=:" B64_EMPTY ":;p=1, md5=:" B64_MD5_ZERO ":", 1 },
		{ "unixsum=30637 ,sha-256=:" B64_EMPTY ":", 1 },
		{ "x=(1 2 \"a\");q, y=?1, z, w=\"s\\\"\", sha-256=:"
		  B64_EMPTY ":", 1 },
		/* a key twice: the last wins */
		{ "sha-256=:AAAA:, sha-256=:" B64_EMPTY ":", 1 },
		{ "sha-512=:AAAA:", 0 },
		{ "md5=:" B64_MD5_ZERO ":, unixsum=1", 0 },
		/* a known algorithm with a value of the wrong length */
		{ "md5=:AAAA:, unixsum=1", -EINVAL },
		{ "adler=:AAAA:", -EINVAL },
		{ "SHA-256=:" B64_EMPTY ":", -EINVAL },  /* keys lower-case */
		{ "sha-256=:" B64_EMPTY, -EINVAL },      /* unterminated */
		{ "sha-256=:AAAA:", -EINVAL },           /* 3 bytes */
		{ "sha-256=\"" B64_EMPTY "\"", -EINVAL }, /* not bytes */
		{ "sha-256", -EINVAL },                  /* boolean true */
		{ "sha-256=:" B64_EMPTY ":,", -EINVAL }, /* trailing comma */
		{ "sha-256=:" B64_EMPTY ": x", -EINVAL },
		{ "", -EINVAL },
		{ ",", -EINVAL },
		{ "sha-256=:47DE!pj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:",
		  -EINVAL },
		{ "md5=:" B64_MD5_ZERO ":;", -EINVAL },
		{ "x=(1 2", -EINVAL },
		{ "x=\"abc", -EINVAL },
	};
	uint8_t sha[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		memset(sha, 0, sizeof(sha));
		rc = tusk_http_digest_parse(cases[i].value,
					    strlen(cases[i].value), sha);
		if (rc != cases[i].rc)
			print_error("case %zu \"%s\": %d\n", i,
				    cases[i].value, rc);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 1)
			assert_memory_equal(sha, sha_empty, 32);
	}
}

/* RFC 3230 Digest: adler32 and crc32c in hex (1..8 digits, any case;
 * crc32c also in XrdHttp's base64), md5 and sha-256 in base64, unknown
 * algorithms skipped, a bad value of a known one refused. */
static void
test_legacy_digest_parse(void **state)
{
	struct tusk_digests d = { 0 };

	static const char v[] = "ADLER32=3DA0195, UNIXsum=30637, sha-256="
				B64_EMPTY ", CRC32c=e3069283";

	assert_int_equal(tusk_http_legacy_digest_parse(v, strlen(v), &d), 0);
	assert_int_equal(d.have, TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32) |
			 TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256) |
			 TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C));
	/* IANA's example: "Wiki" -> 03da0195 */
	assert_int_equal(tusk_digest_get32(d.v[TUSK_DIGEST_ADLER32]),
			 0x03da0195);
	assert_int_equal(tusk_digest_get32(d.v[TUSK_DIGEST_CRC32C]),
			 0xe3069283);
	assert_memory_equal(d.v[TUSK_DIGEST_SHA256], sha_empty, 32);
	/* crc32c as XrdHttp writes it: base64 of the 4 bytes */
	memset(&d, 0, sizeof(d));
	assert_int_equal(tusk_http_legacy_digest_parse("crc32c=4waSgw==", 15,
						       &d), 0);
	assert_int_equal(tusk_digest_get32(d.v[TUSK_DIGEST_CRC32C]),
			 0xe3069283);
	assert_int_equal(tusk_http_legacy_digest_parse("md5=" B64_MD5_ZERO,
						       28, &d), 0);
	assert_true(d.have & TUSK_DIGEST_BIT(TUSK_DIGEST_MD5));
	/* refused: too many hex digits, not hex, wrong length, no '=' */
	static const char *const bad[] = {
		"adler32=123456789", "adler32=xyz", "adler32=",
		"md5=AAAA", "sha-256=" B64_MD5_ZERO, "adler32",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tusk_digests e = { 0 };

		assert_int_equal(tusk_http_legacy_digest_parse(bad[i],
				 strlen(bad[i]), &e), -EINVAL);
		assert_int_equal(e.have, 0);
	}
}

/* Want-Digest q-values (RFC 3230 4.3.1, RFC 9110 12.4.2) and
 * Want-Repr-Digest preferences (RFC 9530 4): the highest wins, q=0
 * refuses, unknown names and malformed elements are ignored. */
static void
test_want_pick(void **state)
{
	static const struct {
		const char *v;
		bool repr;
		unsigned int offer;
		int want;
	} cases[] = {
		{ "adler32", false, TUSK_DIGEST_ALL, TUSK_DIGEST_ADLER32 },
		{ "ADLER32", false, TUSK_DIGEST_ALL, TUSK_DIGEST_ADLER32 },
		{ "md5;q=0.3, sha-256;q=1.0, adler32;q=0.5", false,
		  TUSK_DIGEST_ALL, TUSK_DIGEST_SHA256 },
		{ "md5;q=0.3, sha-256;q=0, adler32;q=0.5", false,
		  TUSK_DIGEST_ALL, TUSK_DIGEST_ADLER32 },
		{ "sha-512, unixcksum, crc32c ; q=0.1", false,
		  TUSK_DIGEST_ALL, TUSK_DIGEST_CRC32C },
		/* equal weights: the first named */
		{ "md5, adler32", false, TUSK_DIGEST_ALL, TUSK_DIGEST_MD5 },
		{ "adler32;q=0", false, TUSK_DIGEST_ALL, -1 },
		{ "adler32;q=2", false, TUSK_DIGEST_ALL, -1 },
		{ "adler32;q=0.1234", false, TUSK_DIGEST_ALL, -1 },
		{ "sha-512", false, TUSK_DIGEST_ALL, -1 },
		{ "", false, TUSK_DIGEST_ALL, -1 },
		{ "md5, sha-256", false, TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256),
		  TUSK_DIGEST_SHA256 },
		{ "sha-256=1, adler=3", true, TUSK_DIGEST_ALL,
		  TUSK_DIGEST_ADLER32 },
		{ "adler32=2, crc32c=9, sha-512=10", true, TUSK_DIGEST_ALL,
		  TUSK_DIGEST_CRC32C },
		{ "sha-256=0", true, TUSK_DIGEST_ALL, -1 },
		{ "sha-256=11", true, TUSK_DIGEST_ALL, -1 },
		{ "sha-256=:AAAA:", true, TUSK_DIGEST_ALL, -1 },
		{ "md5=5, sha-256=5", true, TUSK_DIGEST_ALL, TUSK_DIGEST_MD5 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tusk_http_want w = { 0 };
		int got;

		if (cases[i].repr)
			tusk_http_want_repr_parse(cases[i].v,
						  strlen(cases[i].v), &w);
		else
			tusk_http_want_digest_parse(cases[i].v,
						    strlen(cases[i].v), &w);
		got = tusk_http_want_pick(&w, cases[i].offer);
		if (got != cases[i].want)
			print_error("case %zu \"%s\": %d\n", i, cases[i].v,
				    got);
		assert_int_equal(got, cases[i].want);
	}
}

/* Writing both fields, and reading back what was written. */
static void
test_digests_format(void **state)
{
	struct tusk_digests d = { 0 }, back = { 0 };
	char buf[TUSK_HTTP_DIGESTS_STRLEN];
	int n;

	d.have = TUSK_DIGEST_ALL;
	tusk_digest_put32(d.v[TUSK_DIGEST_ADLER32], 0x03da0195);
	tusk_digest_put32(d.v[TUSK_DIGEST_CRC32C], 0xe3069283);
	memcpy(d.v[TUSK_DIGEST_SHA256], sha_empty, 32);
	n = tusk_http_digests_format(buf, sizeof(buf), &d,
		TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32) |
		TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C), TUSK_HTTP_LEGACY_DIGEST);
	assert_int_equal(n, (int)strlen("crc32c=e3069283, adler32=03da0195"));
	assert_string_equal(buf, "crc32c=e3069283, adler32=03da0195");
	n = tusk_http_digests_format(buf, sizeof(buf), &d,
		TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256), TUSK_HTTP_LEGACY_DIGEST);
	assert_string_equal(buf, "sha-256=" B64_EMPTY);
	n = tusk_http_digests_format(buf, sizeof(buf), &d, TUSK_DIGEST_ALL,
				     TUSK_HTTP_REPR_DIGEST);
	assert_string_equal(buf, "sha-256=:" B64_EMPTY ":, md5=:"
			    B64_MD5_ZERO ":, crc32c=:4waSgw==:, adler=:A9oBlQ==:");
	assert_int_equal(tusk_http_repr_digest_parse(buf, (size_t)n, &back), 0);
	assert_int_equal(back.have, TUSK_DIGEST_ALL);
	assert_memory_equal(back.v, d.v, sizeof(d.v));
	/* nothing asked, or too small */
	assert_int_equal(tusk_http_digests_format(buf, sizeof(buf), &d, 0,
						  TUSK_HTTP_REPR_DIGEST), 0);
	assert_int_equal(tusk_http_digests_format(buf, 20, &d, TUSK_DIGEST_ALL,
						  TUSK_HTTP_LEGACY_DIGEST),
			 -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_malformed),
		cmocka_unit_test(test_digest_format),
		cmocka_unit_test(test_digest_parse_table),
		cmocka_unit_test(test_legacy_digest_parse),
		cmocka_unit_test(test_want_pick),
		cmocka_unit_test(test_digests_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
