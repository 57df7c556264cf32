/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Appliance macaroons (app/auth/auth_macaroon.c): a minted token grants
 * what it says until its expiry and nothing else; a changed, removed or
 * unknown caveat, another key or another appliance refuse it; a holder
 * may narrow a token by adding a caveat (the chain property).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth_b64.h"
#include "auth_macaroon.h"

#define LOC "tusk-a"
#define NOW 1765000000 /* 2025-12-06T05:46:40Z */
#define TTL 3600

static const struct tusk_auth_mac_key key = { .k = "0123456789abcdef0123456789abcde" };
static const uint8_t id[TUSK_AUTH_MAC_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8,
						  9, 10, 11, 12, 13, 14, 15 };

static char tok[TUSK_AUTH_MAC_TOKEN_MAX];

static void
mint(const char *path, uint32_t acts)
{
	int n = tusk_auth_macaroon_mint(&key, LOC, id, path, acts, NOW + TTL,
					tok, sizeof(tok));

	assert_true(n > 0);
}

static enum tusk_auth_verdict
verify_at(const struct tusk_auth_mac_key *k, const char *t, int64_t now,
	  struct tusk_auth_claims *c)
{
	return tusk_auth_macaroon_verify(k, LOC, t, strlen(t), now, c);
}

static void
test_valid(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	mint("/data/foo", TUSK_AUTH_READ | TUSK_AUTH_CREATE);
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_OK);
	assert_int_equal(c.exp, NOW + TTL);
	assert_int_equal(c.n_grants, 1);
	assert_true(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ,
				     "/data/foo/x"));
	assert_true(tusk_auth_allows(c.grants, 1, TUSK_AUTH_CREATE,
				     "/data/foo/y"));
	/* wrong path, wrong activity */
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ,
				      "/data/foobar"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ, "/etc"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_MODIFY,
				      "/data/foo/x"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_DELETE,
				      "/data/foo/x"));
}

static void
test_expired(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	mint("/data", TUSK_AUTH_READ);
	assert_int_equal(verify_at(&key, tok, NOW + TTL - 1, &c),
			 TUSK_AUTH_OK);
	assert_int_equal(verify_at(&key, tok, NOW + TTL, &c),
			 TUSK_AUTH_EXPIRED);
}

static void
test_wrong_key_and_location(void **state)
{
	struct tusk_auth_mac_key other = key;
	struct tusk_auth_claims c;

	(void)state;
	mint("/data", TUSK_AUTH_READ);
	other.k[0] ^= 1;
	assert_int_equal(verify_at(&other, tok, NOW, &c), TUSK_AUTH_SIGNATURE);
	assert_int_equal(tusk_auth_macaroon_verify(&key, "tusk-b", tok,
						   strlen(tok), NOW, &c),
			 TUSK_AUTH_AUDIENCE);
}

/* Decode tok, replace the first occurrence of from by to (same length),
 * encode it back. */
static void
tamper(const char *from, const char *to)
{
	uint8_t raw[TUSK_AUTH_MAC_TOKEN_MAX];
	size_t i, fn = strlen(from);
	int n = tusk_auth_b64_decode(tok, strlen(tok), raw, sizeof(raw));

	assert_true(n > 0);
	assert_int_equal(fn, strlen(to));
	for (i = 0; i + fn <= (size_t)n; i++)
		if (memcmp(raw + i, from, fn) == 0)
			break;
	assert_true(i + fn <= (size_t)n);
	memcpy(raw + i, to, fn);
	assert_true(tusk_auth_b64_encode(raw, (size_t)n, tok, sizeof(tok)) >
		    0);
}

static void
test_tampered_caveat(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	mint("/data/foo", TUSK_AUTH_READ);
	tamper("path:/data/foo", "path:/data/bar");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_SIGNATURE);
	mint("/data/foo", TUSK_AUTH_READ | TUSK_AUTH_LIST);
	tamper("DOWNLOAD,LIST", "DELETE,UPLOAD");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_SIGNATURE);
	mint("/data/foo", TUSK_AUTH_READ);
	tamper("before:2025", "before:2099");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_SIGNATURE);
}

/* Append caveat cav to tok the way any holder can: fold it into the
 * last signature (no key needed). */
static void
attenuate(const char *cav)
{
	uint8_t raw[TUSK_AUTH_MAC_TOKEN_MAX], *sig;
	size_t cn = strlen(cav), pn = 4 + 4 + cn + 1;
	unsigned int sl = 32;
	int n = tusk_auth_b64_decode(tok, strlen(tok), raw, sizeof(raw));
	char hdr[17]; /* %04zx of a size_t, at most 16 digits */

	/* the signature packet is the last 4 + 10 + 32 + 1 bytes */
	assert_true(n > 47);
	sig = raw + n - 33;
	memmove(raw + n - 47 + pn, raw + n - 47, 47);
	snprintf(hdr, sizeof(hdr), "%04zx", pn);
	memcpy(raw + n - 47, hdr, 4);
	memcpy(raw + n - 43, "cid ", 4);
	memcpy(raw + n - 39, cav, cn);
	raw[n - 39 + cn] = '\n';
	sig += pn;
	HMAC(EVP_sha256(), sig, 32, (const uint8_t *)cav, cn, sig, &sl);
	assert_true(tusk_auth_b64_encode(raw, (size_t)n + pn, tok,
					 sizeof(tok)) > 0);
}

static void
test_holder_narrows(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	mint("/data", TUSK_AUTH_READ | TUSK_AUTH_MODIFY);
	attenuate("path:/data/sub");
	attenuate("activity:DOWNLOAD");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_OK);
	assert_string_equal(c.grants[0].path, "/data/sub");
	assert_true(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ, "/data/sub/f"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ, "/data/f"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_MODIFY,
				      "/data/sub/f"));
	/* a path beside the first leaves nothing */
	attenuate("path:/other");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_OK);
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ, "/other/f"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ, "/data/sub/f"));
	/* a caveat the verifier does not know refuses the token */
	mint("/data", TUSK_AUTH_READ);
	attenuate("ip:10.0.0.0/8");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_BAD_SCOPE);
	/* an escaping path caveat is refused, not normalised */
	mint("/data", TUSK_AUTH_READ);
	attenuate("path:/data/../etc");
	assert_int_equal(verify_at(&key, tok, NOW, &c), TUSK_AUTH_BAD_SCOPE);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = { "", "not base64!", "AAAA",
					   "eyJhbGciOiJub25lIn0.e30." };
	struct tusk_auth_claims c;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(verify_at(&key, bad[i], NOW, &c),
				 TUSK_AUTH_MALFORMED);
	/* every truncation of a valid token is refused */
	mint("/data", TUSK_AUTH_READ);
	n = strlen(tok);
	for (i = 0; i < n; i++)
		assert_int_not_equal(tusk_auth_macaroon_verify(&key, LOC, tok,
							       i, NOW, &c),
				     TUSK_AUTH_OK);
}

static void
test_mint_refuses(void **state)
{
	uint32_t acts;

	(void)state;
	assert_int_equal(tusk_auth_macaroon_mint(&key, LOC, id, "data",
						 TUSK_AUTH_READ, NOW, tok,
						 sizeof(tok)),
			 -EINVAL);
	assert_int_equal(tusk_auth_macaroon_mint(&key, LOC, id, "/data", 0,
						 NOW, tok, sizeof(tok)),
			 -EINVAL);
	assert_int_equal(tusk_auth_macaroon_mint(&key, LOC, id, "/data",
						 TUSK_AUTH_READ, NOW, tok, 16),
			 -ENOSPC);
	assert_int_equal(tusk_auth_macaroon_acts_parse("read,UPLOAD,manage",
						       &acts), 0);
	assert_int_equal(acts, TUSK_AUTH_READ | TUSK_AUTH_CREATE |
			 TUSK_AUTH_MODIFY);
	assert_int_equal(tusk_auth_macaroon_acts_parse("read,,list", &acts),
			 -EINVAL);
	assert_int_equal(tusk_auth_macaroon_acts_parse("write", &acts),
			 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_wrong_key_and_location),
		cmocka_unit_test(test_tampered_caveat),
		cmocka_unit_test(test_holder_narrows),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_mint_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
