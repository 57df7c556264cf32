/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request targets -> paths under the root: every escape (plain, encoded,
 * mixed case, doubled) is refused with its exact status, and what is
 * accepted is normalised to a relative path with no "", "." or ".."
 * segment and no leading or trailing '/'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_path.h"

struct path_case {
	const char *target;
	int status;          /* 0 or -4xx */
	const char *path;    /* when 0 */
};

static void
test_path_table(void **state)
{
	static const struct path_case cases[] = {
		{ "/", 0, "" },
		{ "/a", 0, "a" },
		{ "/a/b/c.bin", 0, "a/b/c.bin" },
		{ "/a/", 0, "a" },
		{ "//a//b//", 0, "a/b" },
		{ "/./a/./b/.", 0, "a/b" },
		{ "/a?x=../../etc", 0, "a" },            /* query stripped */
		{ "/a#frag", 0, "a" },
		{ "/?", 0, "" },
		{ "/%41%62", 0, "Ab" },
		{ "/a%20b", 0, "a b" },
		{ "/caf%C3%A9", 0, "caf\xc3\xa9" },      /* UTF-8 names */
		{ "/%2e", 0, "" },                       /* encoded "." */
		{ "/...", 0, "..." },                    /* a real name */
		{ "/..a/b..", 0, "..a/b.." },
		{ "/%25", 0, "%" },
		{ "http://dtn:8080/x/y", 0, "x/y" },     /* absolute-form */
		{ "HTTP://dtn", 0, "" },
		{ "http://dtn?q", 0, "" },
		/* escapes: 403 */
		{ "/..", -403, NULL },
		{ "/../etc/passwd", -403, NULL },
		{ "/a/../../etc/passwd", -403, NULL },
		{ "/a/..", -403, NULL },
		{ "/a/../b", -403, NULL },               /* never normalised */
		{ "/%2e%2e/etc/passwd", -403, NULL },
		{ "/%2E%2E/x", -403, NULL },
		{ "/.%2e/x", -403, NULL },
		{ "/%2e./x", -403, NULL },
		{ "//../x", -403, NULL },
		{ "/./../x", -403, NULL },
		{ "http://h/../x", -403, NULL },
		/* encodings we refuse: 400 */
		{ "/a%2fb", -400, NULL },                /* '/' in a segment */
		{ "/..%2f..%2fetc", -400, NULL },
		{ "/%2F", -400, NULL },
		{ "/a%00b", -400, NULL },                /* NUL */
		{ "/a%00", -400, NULL },
		{ "/a%0a", -400, NULL },                 /* controls */
		{ "/a%7f", -400, NULL },
		{ "/a%", -400, NULL },                   /* bad escapes */
		{ "/a%4", -400, NULL },
		{ "/a%zz", -400, NULL },
		{ "/a%%41", -400, NULL },
		/* not a form we accept */
		{ "a/b", -400, NULL },
		{ "*", -400, NULL },
		{ "dtn:8080", -400, NULL },
		{ "", -400, NULL },
		{ "ht tp://h/x", -400, NULL },
		{ "://h/x", -400, NULL },
	};
	char out[TUSK_HTTP_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct path_case *c = &cases[i];
		int rc = tusk_http_path_from_target(c->target, out,
						    sizeof(out));

		if (rc != c->status)
			print_error("case %zu \"%s\": %d\n", i, c->target, rc);
		assert_int_equal(rc, c->status);
		if (rc == 0)
			assert_string_equal(out, c->path);
	}
}

static void
test_path_limits(void **state)
{
	static char target[3 * TUSK_HTTP_PATH_MAX];
	char out[TUSK_HTTP_PATH_MAX];
	char small[8];

	/* a path of exactly PATH_MAX - 1 characters fits; one more: 414 */
	target[0] = '/';
	memset(target + 1, 'a', TUSK_HTTP_PATH_MAX - 1);
	target[TUSK_HTTP_PATH_MAX] = '\0';
	assert_int_equal(tusk_http_path_from_target(target, out, sizeof(out)),
			 0);
	assert_int_equal(strlen(out), TUSK_HTTP_PATH_MAX - 1);
	target[TUSK_HTTP_PATH_MAX] = 'a';
	target[TUSK_HTTP_PATH_MAX + 1] = '\0';
	assert_int_equal(tusk_http_path_from_target(target, out, sizeof(out)),
			 -414);
	/* the same with separators between the segments */
	memset(target + 1, 'a', sizeof(target) - 2);
	for (size_t i = 2; i < sizeof(target) - 1; i += 3)
		target[i] = '/';
	target[sizeof(target) - 1] = '\0';
	assert_int_equal(tusk_http_path_from_target(target, out, sizeof(out)),
			 -414);
	/* the caller's buffer bounds the result too */
	assert_int_equal(tusk_http_path_from_target("/abcdefgh", small,
						    sizeof(small)), -414);
	assert_int_equal(tusk_http_path_from_target("/abcdefg", small,
						    sizeof(small)), 0);
	assert_string_equal(small, "abcdefg");
	assert_int_equal(tusk_http_path_from_target("/abcd/def", small,
						    sizeof(small)), -414);
	assert_int_equal(tusk_http_path_from_target("/abc/def", small,
						    sizeof(small)), 0);
	assert_string_equal(small, "abc/def");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_table),
		cmocka_unit_test(test_path_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
