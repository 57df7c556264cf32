/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WLCG JWTs (app/auth/auth_jwt.c) against keys generated here with
 * OpenSSL (RSA 2048 and EC P-256), tokens signed here: valid RS256 and
 * ES256 tokens are accepted with their scopes; expired, not yet valid,
 * wrong issuer, wrong audience, forged signature, `alg: none`, HS256 with
 * the public key as secret, malformed encodings and a kid the JWKS lacks
 * are refused; scopes follow the profile's path and create/modify rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "auth_b64.h"
#include "auth_jwt.h"

#define ISS "https://issuer.example/"
#define AUD "tusk-a"
#define NOW 1765000000
#define BIG 4096

static EVP_PKEY *rsa, *ec, *rsa_other;
static char jwks[2 * BIG];
static struct tusk_auth_jwt jwt;
static char tok[2 * BIG];

/* base64url of a big number, padded to pad bytes (0: minimal). */
static void
bn_b64(EVP_PKEY *k, const char *name, int pad, char *out, size_t len)
{
	uint8_t buf[512];
	BIGNUM *bn = NULL;
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
	n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	assert_true(n > 0);
	assert_true(tusk_auth_b64_encode(buf, (size_t)n, out, len) > 0);
	BN_free(bn);
}

static int
setup(void **state)
{
	char n[BIG], e[64], x[64], y[64];
	const char *why = NULL;

	(void)state;
	rsa = EVP_RSA_gen(2048);
	rsa_other = EVP_RSA_gen(2048);
	ec = EVP_EC_gen("P-256");
	assert_non_null(rsa);
	assert_non_null(ec);
	bn_b64(rsa, OSSL_PKEY_PARAM_RSA_N, 0, n, sizeof(n));
	bn_b64(rsa, OSSL_PKEY_PARAM_RSA_E, 0, e, sizeof(e));
	bn_b64(ec, OSSL_PKEY_PARAM_EC_PUB_X, 32, x, sizeof(x));
	bn_b64(ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32, y, sizeof(y));
	snprintf(jwks, sizeof(jwks),
		 "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"n\":\"%s\","
		 "\"e\":\"%s\"},{\"kty\":\"EC\",\"kid\":\"e1\","
		 "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}",
		 n, e, x, y);
	assert_int_equal(tusk_auth_jwt_init(&jwt, AUD), 0);
	assert_int_equal(tusk_auth_jwt_issuer_add(&jwt, ISS, jwks,
						  strlen(jwks), &why), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tusk_auth_jwt_fini(&jwt);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa_other);
	EVP_PKEY_free(ec);
	return 0;
}

/* JWS signature of in: RS256 (PKCS#1 v1.5) or ES256 (r || s, RFC 7518
 * 3.4, from OpenSSL's DER). */
static size_t
sign(EVP_PKEY *k, const char *in, uint8_t *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[BIG];
	const uint8_t *p = der;
	size_t n = sizeof(der);
	ECDSA_SIG *es;

	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k),
			 1);
	assert_int_equal(EVP_DigestSign(md, der, &n, (const uint8_t *)in,
					strlen(in)), 1);
	EVP_MD_CTX_free(md);
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC) {
		memcpy(sig, der, n);
		return n;
	}
	es = d2i_ECDSA_SIG(NULL, &p, (long)n);
	assert_non_null(es);
	BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
	ECDSA_SIG_free(es);
	return 64;
}

/* header.payload, then "." and the signature of sig_n bytes. */
static void
assemble(const char *hdr, const char *payload, const uint8_t *sig,
	 size_t sig_n)
{
	size_t o;

	o = (size_t)tusk_auth_b64_encode((const uint8_t *)hdr, strlen(hdr),
					 tok, sizeof(tok));
	tok[o++] = '.';
	o += (size_t)tusk_auth_b64_encode((const uint8_t *)payload,
					  strlen(payload), tok + o,
					  sizeof(tok) - o);
	if (sig == NULL)
		return;
	tok[o++] = '.';
	tusk_auth_b64_encode(sig, sig_n, tok + o, sizeof(tok) - o);
}

/* A token signed by k with header alg/kid and the claims given. */
static void
make(EVP_PKEY *k, const char *alg, const char *kid, const char *claims)
{
	char hdr[256];
	uint8_t sig[BIG];
	size_t n;

	snprintf(hdr, sizeof(hdr),
		 "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}", alg, kid);
	assemble(hdr, claims, NULL, 0);
	n = sign(k, tok, sig);
	assemble(hdr, claims, sig, n);
}

/* Claims with the given exp offset, audience and scope. */
static const char *
claims(const char *iss, const char *aud, int exp_in, const char *scope)
{
	static char c[BIG];

	snprintf(c, sizeof(c),
		 "{\"wlcg.ver\":\"1.0\",\"sub\":\"u1\",\"iss\":\"%s\","
		 "\"aud\":%s,\"iat\":%d,\"nbf\":%d,\"exp\":%d,"
		 "\"jti\":\"j1\",\"scope\":\"%s\"}",
		 iss, aud, NOW - 10, NOW - 10, NOW + exp_in, scope);
	return c;
}

static enum tusk_auth_verdict
verify(struct tusk_auth_claims *c)
{
	return tusk_auth_jwt_verify(&jwt, tok, strlen(tok), NOW, c);
}

#define AUD_OURS "\"" AUD "\""
#define SCOPE_RW "storage.read:/data storage.create:/data/foo"

static void
test_valid_rs256_es256(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	make(rsa, "RS256", "r1", claims(ISS, AUD_OURS, 600, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	assert_int_equal(c.exp, NOW + 600);
	assert_int_equal(c.n_grants, 2);
	assert_true(tusk_auth_allows(c.grants, 2, TUSK_AUTH_READ, "/data/x"));
	assert_true(tusk_auth_allows(c.grants, 2, TUSK_AUTH_CREATE,
				     "/data/foo/new"));
	make(ec, "ES256", "e1",
	     claims(ISS, "[\"other\",\"" TUSK_AUTH_JWT_AUD_ANY "\"]", 600,
		    "openid storage.modify:/up"));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	assert_int_equal(c.n_grants, 1);
	assert_true(tusk_auth_allows(c.grants, 1, TUSK_AUTH_MODIFY, "/up/f"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_READ, "/up/f"));
}

static void
test_times(void **state)
{
	struct tusk_auth_claims c;
	char cl[BIG];

	(void)state;
	make(rsa, "RS256", "r1",
	     claims(ISS, AUD_OURS, -(TUSK_AUTH_JWT_SKEW_S + 1), SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_EXPIRED);
	/* within the skew: still good */
	make(rsa, "RS256", "r1", claims(ISS, AUD_OURS, -30, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	snprintf(cl, sizeof(cl),
		 "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"nbf\":%d,"
		 "\"exp\":%d,\"scope\":\"" SCOPE_RW "\"}",
		 NOW + TUSK_AUTH_JWT_SKEW_S + 60, NOW + 3600);
	make(rsa, "RS256", "r1", cl);
	assert_int_equal(verify(&c), TUSK_AUTH_NOT_YET);
	/* no exp: the profile requires it */
	make(rsa, "RS256", "r1",
	     "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"scope\":\"x\"}");
	assert_int_equal(verify(&c), TUSK_AUTH_MALFORMED);
}

static void
test_issuer_audience(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	make(rsa, "RS256", "r1",
	     claims("https://evil.example/", AUD_OURS, 600, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_ISSUER);
	make(rsa, "RS256", "r1", claims(ISS, "\"tusk-b\"", 600, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_AUDIENCE);
	make(rsa, "RS256", "r1", claims(ISS, "[\"tusk-b\"]", 600, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_AUDIENCE);
	/* a kid the issuer's JWKS does not have */
	make(rsa, "RS256", "r9", claims(ISS, AUD_OURS, 600, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_ISSUER);
}

static void
test_scopes(void **state)
{
	struct tusk_auth_claims c;

	(void)state;
	/* one path component too short */
	make(ec, "ES256", "e1",
	     claims(ISS, AUD_OURS, 600, "storage.read:/data/fo"));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	assert_false(tusk_auth_allows(c.grants, c.n_grants, TUSK_AUTH_READ,
				      "/data/foo"));
	assert_true(tusk_auth_allows(c.grants, c.n_grants, TUSK_AUTH_READ,
				     "/data/fo/x"));
	/* storage.create may not overwrite (that is modify) */
	make(ec, "ES256", "e1",
	     claims(ISS, AUD_OURS, 600, "storage.create:/data"));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	assert_false(tusk_auth_allows(c.grants, c.n_grants, TUSK_AUTH_MODIFY,
				      "/data/f"));
	/* the path is mandatory; no escaping */
	make(ec, "ES256", "e1", claims(ISS, AUD_OURS, 600, "storage.read"));
	assert_int_equal(verify(&c), TUSK_AUTH_BAD_SCOPE);
	make(ec, "ES256", "e1", claims(ISS, AUD_OURS, 600, "storage.read:"));
	assert_int_equal(verify(&c), TUSK_AUTH_BAD_SCOPE);
	make(ec, "ES256", "e1",
	     claims(ISS, AUD_OURS, 600, "storage.read:/data/../etc"));
	assert_int_equal(verify(&c), TUSK_AUTH_BAD_SCOPE);
}

static void
test_forged(void **state)
{
	struct tusk_auth_claims c;
	char cl[BIG];
	size_t n;

	(void)state;
	strcpy(cl, claims(ISS, AUD_OURS, 600, SCOPE_RW));
	/* one signature bit changed (a middle character: the last one's
	 * low bits may be unused padding) */
	make(rsa, "RS256", "r1", cl);
	n = strlen(tok);
	tok[n - 10] = tok[n - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(&c), TUSK_AUTH_SIGNATURE);
	/* signed by another key under the trusted kid */
	make(rsa_other, "RS256", "r1", cl);
	assert_int_equal(verify(&c), TUSK_AUTH_SIGNATURE);
	/* the payload changed under a valid signature */
	make(rsa, "RS256", "r1", cl);
	{
		char good[2 * BIG];

		strcpy(good, tok);
		make(rsa, "RS256", "r1",
		     claims(ISS, AUD_OURS, 600, "storage.modify:/"));
		memcpy(strrchr(tok, '.'), strrchr(good, '.'),
		       strlen(strrchr(good, '.')) + 1);
	}
	assert_int_equal(verify(&c), TUSK_AUTH_SIGNATURE);
	/* an EC-signed token naming the RSA key, and the reverse */
	make(ec, "ES256", "r1", cl);
	assert_int_equal(verify(&c), TUSK_AUTH_SIGNATURE);
	make(rsa, "RS256", "e1", cl);
	assert_int_equal(verify(&c), TUSK_AUTH_SIGNATURE);
}

static void
test_alg_none_and_hs256(void **state)
{
	const char *cl = claims(ISS, AUD_OURS, 600, SCOPE_RW);
	const char *hdr = "{\"alg\":\"HS256\",\"kid\":\"r1\",\"typ\":\"JWT\"}";
	struct tusk_auth_claims c;
	uint8_t mac[32];
	unsigned int ml = sizeof(mac);

	(void)state;
	assemble("{\"alg\":\"none\",\"kid\":\"r1\"}", cl, NULL, 0);
	strcat(tok, ".");
	assert_int_not_equal(verify(&c), TUSK_AUTH_OK);
	/* HS256 keyed with the public key (here its JWKS text, which any
	 * client can fetch): the classic algorithm confusion */
	assemble(hdr, cl, NULL, 0);
	HMAC(EVP_sha256(), jwks, (int)strlen(jwks), (const uint8_t *)tok,
	     strlen(tok), mac, &ml);
	assemble(hdr, cl, mac, ml);
	assert_int_equal(verify(&c), TUSK_AUTH_SIGNATURE);
}

/* Signed by the trusted key, yet refused: a crit header (RFC 7515
 * 4.1.11: extensions this verifier does not know), a claim given twice
 * (parsers disagree on which one counts), an exp past the year 9999
 * (exp + skew would overflow). */
static void
test_refused_though_signed(void **state)
{
	const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"r1\","
			  "\"crit\":[\"x-policy\"],\"x-policy\":1}";
	char dup[BIG];
	struct tusk_auth_claims c;
	uint8_t sig[BIG];
	size_t n;

	(void)state;
	assemble(hdr, claims(ISS, AUD_OURS, 600, SCOPE_RW), NULL, 0);
	n = sign(rsa, tok, sig);
	assemble(hdr, claims(ISS, AUD_OURS, 600, SCOPE_RW), sig, n);
	assert_int_equal(verify(&c), TUSK_AUTH_MALFORMED);
	snprintf(dup, sizeof(dup), "{\"iss\":\"%s\",\"aud\":\"%s\","
		 "\"exp\":%d,\"scope\":\"storage.read:/data\","
		 "\"scope\":\"storage.read:/\"}", ISS, AUD, NOW + 600);
	make(rsa, "RS256", "r1", dup);
	assert_int_equal(verify(&c), TUSK_AUTH_MALFORMED);
	snprintf(dup, sizeof(dup), "{\"iss\":\"%s\",\"aud\":\"%s\","
		 "\"exp\":9223372036854775807,\"scope\":\"storage.read:/\"}",
		 ISS, AUD);
	make(rsa, "RS256", "r1", dup);
	assert_int_equal(verify(&c), TUSK_AUTH_MALFORMED);
	/* the same without the trick: accepted (the checks above bite) */
	make(rsa, "RS256", "r1", claims(ISS, AUD_OURS, 600, SCOPE_RW));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	/* any storage grant allows stat (profile), not a listing */
	make(rsa, "RS256", "r1", claims(ISS, AUD_OURS, 600,
					 "storage.create:/up"));
	assert_int_equal(verify(&c), TUSK_AUTH_OK);
	assert_true(tusk_auth_allows(c.grants, 1, TUSK_AUTH_STAT, "/up/f"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_LIST, "/up"));
	assert_false(tusk_auth_allows(c.grants, 1, TUSK_AUTH_STAT, "/other"));
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "a", "a.b", "a.b.c", "!!!.e30.AAAA", "e30.e30.e30.e30",
		/* {"alg":"RS256"} . not JSON . sig */
		"eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.AAAA",
	};
	struct tusk_auth_claims c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("token '%s'\n", bad[i]);
		assert_int_equal(tusk_auth_jwt_verify(&jwt, bad[i],
						      strlen(bad[i]), NOW, &c),
				 TUSK_AUTH_MALFORMED);
	}
}

static void
test_jwks_refused(void **state)
{
	static const char *const bad[] = {
		"{}", "not json", "{\"keys\":[]}",
		"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
		"{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"AAAA\"}]}",
	};
	struct tusk_auth_jwt j;
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(tusk_auth_jwt_init(&j, AUD), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(tusk_auth_jwt_issuer_add(&j, ISS, bad[i],
							  strlen(bad[i]),
							  &why),
				 -EINVAL);
		assert_non_null(why);
	}
	assert_int_equal(j.n_issuers, 0);
}

/* The cost the HTTP endpoint pays per uncached token (printed, not
 * asserted: it depends on the machine and its load). */
#define TIMING_ROUNDS 200

static double
us_per_verify(void)
{
	struct tusk_auth_claims c;
	struct timespec a, b;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < TIMING_ROUNDS; i++)
		assert_int_equal(verify(&c), TUSK_AUTH_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e6 +
		(double)(b.tv_nsec - a.tv_nsec) / 1e3) / TIMING_ROUNDS;
}

static void
test_timing(void **state)
{
	double rs, es;

	(void)state;
	make(rsa, "RS256", "r1", claims(ISS, AUD_OURS, 600, SCOPE_RW));
	rs = us_per_verify();
	make(ec, "ES256", "e1", claims(ISS, AUD_OURS, 600, SCOPE_RW));
	es = us_per_verify();
	print_message("verify: RS256 2048 %.1f us, ES256 P-256 %.1f us\n", rs,
		      es);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_rs256_es256),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_issuer_audience),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_alg_none_and_hs256),
		cmocka_unit_test(test_refused_though_signed),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_jwks_refused),
		cmocka_unit_test(test_timing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
