/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token grants (app/auth/auth_scope.c): the WLCG profile's path rule
 * (prefix per whole component: /data/fo does not cover /data/foo) and
 * create vs modify (create never overwrites; modify includes create).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth_scope.h"

static void
test_path_valid(void **state)
{
	static const char *const good[] = { "/", "/data", "/data/foo/",
					    "/a/b.c/..d" };
	static const char *const bad[] = { "", "data", "/data//foo",
					   "/data/../etc", "/./x", "/x/.." };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(tusk_auth_path_valid(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(tusk_auth_path_valid(bad[i], strlen(bad[i])));
	assert_false(tusk_auth_path_valid("/a\0b", 4)); /* NUL inside */
}

static void
test_path_covers(void **state)
{
	static const struct {
		const char *grant, *req;
		bool covers;
	} t[] = {
		{ "/", "/anything/at/all", true },
		{ "/data/foo", "/data/foo", true },
		{ "/data/foo", "/data/foo/x", true },
		{ "/data/foo/", "/data/foo/x", true },
		{ "/data/foo", "/data/foo/", true },
		{ "/data/fo", "/data/foo", false }, /* one component short */
		{ "/foo/bar", "/foo/bargain", false },
		{ "/data/foo", "/data", false },
		{ "/data/foo/x", "/data/foo", false },
		{ "/data", "/database/x", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		print_message("%s covers %s?\n", t[i].grant, t[i].req);
		assert_int_equal(tusk_auth_path_covers(t[i].grant, t[i].req),
				 t[i].covers);
	}
}

static void
test_create_vs_modify(void **state)
{
	struct tusk_auth_grant g[2] = {
		{ .acts = TUSK_AUTH_CREATE, .path = "/up" },
		{ .acts = TUSK_AUTH_MODIFY, .path = "/mine" },
	};

	(void)state;
	assert_true(tusk_auth_allows(g, 2, TUSK_AUTH_CREATE, "/up/new"));
	/* overwriting is modify: a create scope must not do it */
	assert_false(tusk_auth_allows(g, 2, TUSK_AUTH_MODIFY, "/up/new"));
	assert_true(tusk_auth_allows(g, 2, TUSK_AUTH_MODIFY, "/mine/f"));
	assert_true(tusk_auth_allows(g, 2, TUSK_AUTH_CREATE, "/mine/f"));
	/* neither grants reading, nor anything outside its path */
	assert_false(tusk_auth_allows(g, 2, TUSK_AUTH_READ, "/mine/f"));
	assert_false(tusk_auth_allows(g, 2, TUSK_AUTH_CREATE, "/upx/f"));
	assert_false(tusk_auth_allows(g, 0, TUSK_AUTH_CREATE, "/up/f"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_valid),
		cmocka_unit_test(test_path_covers),
		cmocka_unit_test(test_create_vs_modify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
