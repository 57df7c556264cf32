/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may do what on the HTTP endpoint (app/svc/http_auth.h): the
 * decision for one request, table by table, with real appliance
 * macaroons (and a JWT-shaped forgery), the verified-token cache, the
 * ?authz= form; then the endpoint itself in the http_world (http_world.h)
 * with [auth] mode required: 401 with WWW-Authenticate, 403, create vs
 * modify on PUT, the decisions counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <jansson.h>

#include "http_auth.h"
#include "http_world.h"

#define NOW 1800000000 /* 2027-01-15: any fixed wall-clock second */
#define ALL (TUSK_AUTH_READ | TUSK_AUTH_CREATE | TUSK_AUTH_MODIFY |         \
	     TUSK_AUTH_LIST | TUSK_AUTH_DELETE)

static struct tusk_http_auth pol;
static struct tusk_auth_cache cache;
static char tok[TUSK_AUTH_MAC_TOKEN_MAX];

static void
key_fill(struct tusk_auth_mac_key *k)
{
	for (unsigned i = 0; i < sizeof(k->k); i++)
		k->k[i] = (uint8_t)(i * 7 + 1);
}

/* A macaroon of `location` for acts on path, valid until `before`. */
static const char *
mint_at(const char *location, const char *path, uint32_t acts,
	int64_t before)
{
	static uint8_t serial;
	struct tusk_auth_mac_key k;
	uint8_t id[TUSK_AUTH_MAC_ID_LEN] = { ++serial };

	key_fill(&k);
	assert_true(tusk_auth_macaroon_mint(&k, location, id, path, acts,
					    before, tok, sizeof(tok)) > 0);
	return tok;
}

static const char *
mint(const char *path, uint32_t acts)
{
	return mint_at("dtn.test", path, acts, NOW + 600);
}

static enum tusk_http_auth_outcome
decide(const char *t, uint32_t act, const char *path, int64_t now,
       enum tusk_auth_verdict *why)
{
	struct tusk_http_auth_req r = {
		.tok = t, .tok_len = t ? strlen(t) : 0, .act = act,
		.path = path,
	};
	enum tusk_auth_verdict w;

	return tusk_http_auth_decide(&pol, &cache, &r, now, why ? why : &w);
}

static int
pol_setup(void **state)
{
	(void)state;
	memset(&cache, 0, sizeof(cache));
	assert_int_equal(tusk_http_auth_init(&pol, "dtn.test"), 0);
	key_fill(&pol.mac);
	pol.has_mac = true;
	assert_int_equal(tusk_http_auth_anon_add(&pol, "/pub"), 0);
	return 0;
}

static int
pol_teardown(void **state)
{
	(void)state;
	tusk_http_auth_fini(&pol);
	return 0;
}

/* No token: 401 except reads under anon_read; never a write there. */
static void
test_missing_and_anon(void **state)
{
	(void)state;
	assert_int_equal(decide(NULL, TUSK_AUTH_READ, "/data/x", NOW, NULL),
			 TUSK_HTTP_AUTH_MISSING);
	assert_int_equal(decide(NULL, TUSK_AUTH_READ, "/pub/x", NOW, NULL),
			 TUSK_HTTP_AUTH_ALLOW_ANON);
	assert_int_equal(decide(NULL, TUSK_AUTH_LIST, "/pub", NOW, NULL),
			 TUSK_HTTP_AUTH_ALLOW_ANON);
	assert_int_equal(decide(NULL, TUSK_AUTH_READ, "/public", NOW, NULL),
			 TUSK_HTTP_AUTH_MISSING);
	assert_int_equal(decide(NULL, TUSK_AUTH_CREATE, "/pub/new", NOW,
				NULL), TUSK_HTTP_AUTH_MISSING);
	assert_int_equal(decide(NULL, TUSK_AUTH_MODIFY, "/pub/x", NOW, NULL),
			 TUSK_HTTP_AUTH_MISSING);
	/* a valid token without the scope still reads what anyone may */
	assert_int_equal(decide(mint("/data", TUSK_AUTH_READ),
				TUSK_AUTH_READ, "/pub/x", NOW, NULL),
			 TUSK_HTTP_AUTH_ALLOW_ANON);
	assert_int_equal(tusk_http_auth_anon_add(&pol, "pub"), -EINVAL);
	assert_int_equal(tusk_http_auth_anon_add(&pol, "/a/../b"), -EINVAL);
}

/* Grants: per path component, by activity; create is not modify. */
static void
test_scope(void **state)
{
	static const struct {
		const char *path;
		uint32_t grant, act;
		const char *req;
		enum tusk_http_auth_outcome want;
	} cases[] = {
		{ "/data", TUSK_AUTH_READ, TUSK_AUTH_READ, "/data",
		  TUSK_HTTP_AUTH_ALLOW },
		{ "/data", TUSK_AUTH_READ, TUSK_AUTH_READ, "/data/x/y",
		  TUSK_HTTP_AUTH_ALLOW },
		{ "/data", TUSK_AUTH_READ, TUSK_AUTH_READ, "/data2/x",
		  TUSK_HTTP_AUTH_FORBIDDEN },
		{ "/data/x", TUSK_AUTH_READ, TUSK_AUTH_READ, "/data",
		  TUSK_HTTP_AUTH_FORBIDDEN },
		{ "/data", TUSK_AUTH_READ, TUSK_AUTH_LIST, "/data",
		  TUSK_HTTP_AUTH_FORBIDDEN },
		{ "/data", TUSK_AUTH_READ, TUSK_AUTH_CREATE, "/data/n",
		  TUSK_HTTP_AUTH_FORBIDDEN },
		{ "/up", TUSK_AUTH_CREATE, TUSK_AUTH_CREATE, "/up/n",
		  TUSK_HTTP_AUTH_ALLOW },
		{ "/up", TUSK_AUTH_CREATE, TUSK_AUTH_MODIFY, "/up/old",
		  TUSK_HTTP_AUTH_FORBIDDEN },
		{ "/up", TUSK_AUTH_CREATE, TUSK_AUTH_READ, "/up/old",
		  TUSK_HTTP_AUTH_FORBIDDEN },
		{ "/up", TUSK_AUTH_MODIFY, TUSK_AUTH_MODIFY, "/up/old",
		  TUSK_HTTP_AUTH_ALLOW },
		{ "/up", TUSK_AUTH_MODIFY, TUSK_AUTH_CREATE, "/up/n",
		  TUSK_HTTP_AUTH_ALLOW },
		{ "/", ALL, TUSK_AUTH_MODIFY, "/any/where",
		  TUSK_HTTP_AUTH_ALLOW },
	};
	enum tusk_auth_verdict why;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tusk_http_auth_outcome o;

		o = decide(mint(cases[i].path, cases[i].grant), cases[i].act,
			   cases[i].req, NOW, &why);
		if (o != cases[i].want)
			fail_msg("case %u: grant %s, request %s: %s, want %s",
				 i, cases[i].path, cases[i].req,
				 tusk_http_auth_outcome_name(o),
				 tusk_http_auth_outcome_name(cases[i].want));
		assert_int_equal(why, TUSK_AUTH_OK);
	}
}

/* Tokens that do not verify: 401 (invalid) with the reason. */
static void
test_invalid(void **state)
{
	struct tusk_http_auth_req bad = { .tok_bad = true,
					  .act = TUSK_AUTH_READ,
					  .path = "/pub/x" };
	enum tusk_auth_verdict why;
	char forged[TUSK_AUTH_MAC_TOKEN_MAX];
	size_t n;

	(void)state;
	assert_int_equal(decide(mint_at("dtn.test", "/d", TUSK_AUTH_READ,
					NOW - 1), TUSK_AUTH_READ, "/d", NOW,
				&why), TUSK_HTTP_AUTH_INVALID);
	assert_int_equal(why, TUSK_AUTH_EXPIRED);
	assert_int_equal(decide(mint_at("other.test", "/d", TUSK_AUTH_READ,
					NOW + 60), TUSK_AUTH_READ, "/d", NOW,
				&why), TUSK_HTTP_AUTH_INVALID);
	assert_int_equal(why, TUSK_AUTH_AUDIENCE);
	/* one character of the signature changed */
	snprintf(forged, sizeof(forged), "%s", mint("/d", TUSK_AUTH_READ));
	n = strlen(forged);
	forged[n - 2] = forged[n - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(decide(forged, TUSK_AUTH_READ, "/d", NOW, &why),
			 TUSK_HTTP_AUTH_INVALID);
	assert_int_equal(why, TUSK_AUTH_SIGNATURE);
	/* JWT-shaped: no trusted issuer at all */
	assert_int_equal(decide("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",
				TUSK_AUTH_READ, "/d", NOW, &why),
			 TUSK_HTTP_AUTH_INVALID);
	assert_int_not_equal(why, TUSK_AUTH_OK);
	/* unusable credentials are refused even where anyone may read */
	assert_int_equal(tusk_http_auth_decide(&pol, &cache, &bad, NOW, &why),
			 TUSK_HTTP_AUTH_INVALID);
	assert_int_equal(why, TUSK_AUTH_MALFORMED);
	/* without a secret no macaroon verifies */
	pol.has_mac = false;
	assert_int_equal(decide(mint("/x", TUSK_AUTH_READ), TUSK_AUTH_READ,
				"/x", NOW, &why), TUSK_HTTP_AUTH_INVALID);
	pol.has_mac = true;
	pol.mode = TUSK_HTTP_AUTH_OFF;
	assert_int_equal(decide(NULL, TUSK_AUTH_MODIFY, "/x", NOW, NULL),
			 TUSK_HTTP_AUTH_ALLOW_OFF);
	pol.mode = TUSK_HTTP_AUTH_REQUIRED;
}

/* A verified token is kept until its expiry, not a second longer; a
 * refused one is never kept; a full cache replaces the LRU entry. */
static void
test_cache(void **state)
{
	char t[TUSK_AUTH_MAC_TOKEN_MAX];
	uint64_t hits, misses;
	enum tusk_auth_verdict why;
	unsigned i;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	snprintf(t, sizeof(t), "%s", mint_at("dtn.test", "/c", TUSK_AUTH_READ,
					      NOW + 10));
	assert_int_equal(decide(t, TUSK_AUTH_READ, "/c", NOW, NULL),
			 TUSK_HTTP_AUTH_ALLOW);
	misses = cache.misses;
	hits = cache.hits;
	assert_int_equal(decide(t, TUSK_AUTH_READ, "/c/x", NOW + 9, NULL),
			 TUSK_HTTP_AUTH_ALLOW);
	assert_int_equal(cache.hits, hits + 1);
	assert_int_equal(cache.misses, misses);
	/* cached grants still decide: the path is checked every time */
	assert_int_equal(decide(t, TUSK_AUTH_READ, "/d", NOW + 9, NULL),
			 TUSK_HTTP_AUTH_FORBIDDEN);
	assert_int_equal(decide(t, TUSK_AUTH_READ, "/c", NOW + 10, &why),
			 TUSK_HTTP_AUTH_INVALID);
	assert_int_equal(why, TUSK_AUTH_EXPIRED);
	/* refused tokens are not kept */
	i = cache.n;
	decide(mint_at("other.test", "/c", TUSK_AUTH_READ, NOW + 60),
	       TUSK_AUTH_READ, "/c", NOW, NULL);
	assert_int_equal(cache.n, i);
	for (i = 0; i < TUSK_AUTH_CACHE_SLOTS + 8; i++)
		assert_int_equal(decide(mint("/c", TUSK_AUTH_READ),
					TUSK_AUTH_READ, "/c", NOW, NULL),
				 TUSK_HTTP_AUTH_ALLOW);
	assert_int_equal(cache.n, TUSK_AUTH_CACHE_SLOTS);
	assert_true(cache.evicted >= 7);
}

/* Decisions timed for the README: a cached token (SHA-256 of it, a scan
 * of the cache, the grant check) against a macaroon verified each time
 * (the cache emptied before each). Printed, not asserted: the machine
 * is shared. */
#define TIMING_ROUNDS 2000

static double
us_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a->tv_sec) * 1e6 +
		(double)(b.tv_nsec - a->tv_nsec) / 1e3) / TIMING_ROUNDS;
}

static void
test_timing(void **state)
{
	char t[TUSK_AUTH_MAC_TOKEN_MAX];
	struct timespec a;
	double hit, miss;
	int i;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	snprintf(t, sizeof(t), "%s", mint("/data", TUSK_AUTH_READ));
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < TIMING_ROUNDS; i++)
		assert_int_equal(decide(t, TUSK_AUTH_READ, "/data/f", NOW,
					NULL), TUSK_HTTP_AUTH_ALLOW);
	hit = us_since(&a);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < TIMING_ROUNDS; i++) {
		cache.n = 0;
		assert_int_equal(decide(t, TUSK_AUTH_READ, "/data/f", NOW,
					NULL), TUSK_HTTP_AUTH_ALLOW);
	}
	miss = us_since(&a);
	print_message("decision: cached token %.2f us, macaroon verified "
		      "%.2f us (%zu-byte token)\n", hit, miss, strlen(t));
}

static void
test_query_token(void **state)
{
	size_t n = 0;
	const char *t;

	(void)state;
	t = tusk_http_auth_query_token("/x?authz=abc-_.", &n);
	assert_non_null(t);
	assert_int_equal(n, 6);
	assert_memory_equal(t, "abc-_.", 6);
	t = tusk_http_auth_query_token("/x?a=1&authz=QQ==&b=2", &n);
	assert_non_null(t);
	assert_int_equal(n, 4);
	assert_null(tusk_http_auth_query_token("/x?xauthz=abc", &n));
	assert_null(tusk_http_auth_query_token("/x?authz=a%2Bb", &n));
	assert_null(tusk_http_auth_query_token("/x?authz=", &n));
	assert_null(tusk_http_auth_query_token("/authz=abc", &n));
}

/* ---- the endpoint, mode required ---- */

static char req[2 * TUSK_AUTH_MAC_TOKEN_MAX];

/* The endpoint's policy: the test key, nothing else. */
static void
world_key(void)
{
	key_fill(&hw_auth.mac);
	hw_auth.has_mac = true;
}

/* The last reply's client: its buffer holds rep's head and body until
 * the next ask() (or ask_done()). */
static struct hw_client *last;

static void
ask_done(void)
{
	if (last != NULL)
		hw_cl_free(last);
	last = NULL;
}

static int
ask(const char *method, const char *target, const char *t,
    struct hw_reply *rep)
{
	ask_done();

	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\n%s%s%s\r\n",
		 method, target, t ? "Authorization: Bearer " : "",
		 t ? t : "", t ? "\r\n" : "");
	last = hw_ask(req, method[0] == 'H' ? 'H' : 'G', rep);
	return rep->r.status;
}

static uint64_t
counted(const char *name)
{
	json_t *j = tusk_http_server_json(hw_srv);
	uint64_t v = (uint64_t)json_integer_value(
		json_object_get(json_object_get(j, "auth"), name));

	json_decref(j);
	return v;
}

static void
test_endpoint_read(void **state)
{
	struct hw_reply rep[1];
	char t[TUSK_AUTH_MAC_TOKEN_MAX], target[TUSK_AUTH_MAC_TOKEN_MAX + 32];

	(void)state;
	world_key();
	hw_file_make("r.bin", 1000, NULL, NULL);
	assert_int_equal(ask("GET", "/r.bin", NULL, rep), 401);
	assert_true(hw_has_field(rep, "WWW-Authenticate: Bearer "
				 "realm=\"" HW_AUTH_NAME "\"\r\n"));
	assert_int_equal(counted("missing"), 1);
	snprintf(t, sizeof(t), "%s", mint_at(HW_AUTH_NAME, "/r.bin",
					      TUSK_AUTH_READ, time(NULL) + 60));
	assert_int_equal(ask("GET", "/r.bin", t, rep), 200);
	assert_int_equal(rep->body_len, 1000);
	assert_int_equal(ask("HEAD", "/r.bin", t, rep), 200);
	assert_int_equal(ask("PROPFIND", "/r.bin", t, rep), 403);
	assert_true(hw_has_field(rep, "error=\"insufficient_scope\""));
	snprintf(target, sizeof(target), "/r.bin?authz=%s", t);
	assert_int_equal(ask("GET", target, NULL, rep), 200);
	assert_int_equal(ask("GET", "/r.bin", "bm90LWEtdG9rZW4", rep), 401);
	assert_true(hw_has_field(rep, "error=\"invalid_token\""));
	assert_int_equal(counted("ok"), 3);
	assert_int_equal(counted("forbidden"), 1);
	assert_int_equal(counted("invalid"), 1);
	assert_int_equal(counted("invalid_malformed"), 1);
	ask_done();
	hw_settle();
}

/* PUT: create may not overwrite; modify may; no token, no upload. */
static void
test_endpoint_put(void **state)
{
	char create[TUSK_AUTH_MAC_TOKEN_MAX], modify[TUSK_AUTH_MAC_TOKEN_MAX];
	char extra[TUSK_AUTH_MAC_TOKEN_MAX + 32];
	static const uint8_t b1[100] = { 1 }, b2[200] = { 2 };

	(void)state;
	world_key();
	snprintf(create, sizeof(create), "%s", mint_at(HW_AUTH_NAME, "/sub",
		 TUSK_AUTH_CREATE, time(NULL) + 60));
	snprintf(modify, sizeof(modify), "%s", mint_at(HW_AUTH_NAME, "/sub",
		 TUSK_AUTH_MODIFY, time(NULL) + 60));
	hw_put_once("/sub/p.bin", b1, sizeof(b1), "", 401);
	snprintf(extra, sizeof(extra), "Authorization: Bearer %s\r\n", create);
	hw_put_once("/sub/p.bin", b1, sizeof(b1), extra, 201);
	hw_put_once("/sub/p.bin", b2, sizeof(b2), extra, 403);
	hw_put_once("/p.bin", b2, sizeof(b2), extra, 403);
	hw_assert_file("sub/p.bin", b1, sizeof(b1));
	snprintf(extra, sizeof(extra), "Authorization: Bearer %s\r\n", modify);
	hw_put_once("/sub/p.bin", b2, sizeof(b2), extra, 204);
	hw_assert_file("sub/p.bin", b2, sizeof(b2));
	hw_assert_no_tmp("sub");
	hw_settle();
}

/* A create-only token racing another upload: the name is free when the
 * PUT is checked, taken when it commits. The commit must not replace
 * (403, the other file kept); with a modify token it replaces (201: the
 * status says what the PUT found when it began). */
static void
test_endpoint_put_race(void **state)
{
	char t[TUSK_AUTH_MAC_TOKEN_MAX], head[TUSK_AUTH_MAC_TOKEN_MAX + 256];
	static const uint8_t body[5000] = { 7 };
	struct hw_reply rep[2];
	struct hw_client *cl;
	uint8_t *other;
	uint32_t acts[] = { TUSK_AUTH_CREATE, TUSK_AUTH_MODIFY };
	int want[] = { 403, 201 };

	(void)state;
	world_key();
	for (unsigned i = 0; i < 2; i++) {
		snprintf(t, sizeof(t), "%s", mint_at(HW_AUTH_NAME, "/sub",
			 acts[i], time(NULL) + 60));
		snprintf(head, sizeof(head), "PUT /sub/race%u.bin HTTP/1.1\r\n"
			 "Host: t\r\nAuthorization: Bearer %s\r\n"
			 "Content-Length: %zu\r\nExpect: 100-continue\r\n\r\n",
			 i, t, sizeof(body));
		cl = hw_cl_open();
		hw_cl_send(cl, head, strlen(head));
		hw_cl_wait(cl, "P", 1, rep);
		assert_int_equal(rep[0].r.status, 100);
		/* the other upload lands now */
		snprintf(head, sizeof(head), "sub/race%u.bin", i);
		hw_file_make(head, 3000, NULL, &other);
		hw_cl_send(cl, body, sizeof(body));
		hw_cl_wait(cl, "P", 2, rep);
		assert_int_equal(rep[1].r.status, want[i]);
		if (want[i] == 403)
			hw_assert_file(head, other, 3000);
		else
			hw_assert_file(head, body, sizeof(body));
		hw_cl_free(cl);
		free(other);
	}
	hw_assert_no_tmp("sub");
	hw_settle();
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_missing_and_anon),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_query_token),
		cmocka_unit_test(test_timing),
	};
	const struct CMUnitTest world[] = {
		cmocka_unit_test(test_endpoint_read),
		cmocka_unit_test(test_endpoint_put),
		cmocka_unit_test(test_endpoint_put_race),
	};
	int rc = cmocka_run_group_tests(pure, pol_setup, pol_teardown);

	if (hw_init("http_auth") != 0)
		return 1;
	hw_auth_mode = TUSK_HTTP_AUTH_REQUIRED;
	return rc | cmocka_run_group_tests(world, hw_setup, hw_teardown);
}
