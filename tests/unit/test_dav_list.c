/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebDAV listings: a multistatus of a collection gives its files as
 * absolute URLs (collections and the collection itself left out), in
 * either href form; what is not a multistatus is refused with the reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dav_list.h"

#define RESP(href, coll) "<D:response><D:href>" href "</D:href>" \
	"<D:propstat><D:prop><D:resourcetype>" coll "</D:resourcetype>" \
	"<D:getcontentlength>3</D:getcontentlength></D:prop>" \
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"

static const char listing[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<D:multistatus xmlns:D=\"DAV:\">"
	RESP("/data/set/", "<D:collection/>")
	RESP("/data/set/a.h5", "")
	RESP("/data/set/sub/", "<D:collection/>")
	RESP("http://other:81/data/set/b.dat", "")
	"</D:multistatus>";

/* Another prefix for the DAV namespace: what matters is the URI. */
static const char other_prefix[] =
	"<?xml version=\"1.0\"?><x:multistatus xmlns:x=\"DAV:\">"
	"<x:response><x:href>/d/c.bin</x:href><x:propstat><x:prop>"
	"<x:resourcetype/></x:prop></x:propstat></x:response>"
	"</x:multistatus>";

static void
test_listing(void **state)
{
	json_t *files = NULL;
	char why[256];

	assert_int_equal(tusk_dav_parse("http://h:8000/data/set/", listing,
					sizeof(listing) - 1, &files, why,
					sizeof(why)), 0);
	assert_int_equal(json_array_size(files), 2);
	assert_string_equal(json_string_value(json_array_get(files, 0)),
			    "http://h:8000/data/set/a.h5");
	assert_string_equal(json_string_value(json_array_get(files, 1)),
			    "http://other:81/data/set/b.dat");
	json_decref(files);
	assert_int_equal(tusk_dav_parse("http://h/d/", other_prefix,
					sizeof(other_prefix) - 1, &files, why,
					sizeof(why)), 0);
	assert_int_equal(json_array_size(files), 1);
	assert_string_equal(json_string_value(json_array_get(files, 0)),
			    "http://h/d/c.bin");
	json_decref(files);
}

static void
test_not_multistatus(void **state)
{
	static const char *const bad[] = {
		"<html><body>index</body></html>",
		"not xml at all",
		"",
		"<D:multistatus xmlns:D=\"urn:other\"></D:multistatus>",
	};
	json_t *files = NULL;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tusk_dav_parse("http://h/d/", bad[i],
						strlen(bad[i]), &files, why,
						sizeof(why)), -EPROTO);
		assert_null(files);
		assert_string_equal(why, "PROPFIND http://h/d/: the answer "
				    "is not a DAV:multistatus document");
	}
}

static void
test_unreachable(void **state)
{
	json_t *files = NULL;
	char why[256];

	/* port 1 on loopback: refused at once, worth trying again later */
	assert_int_equal(tusk_dav_list("http://127.0.0.1:1/d/", NULL, &files,
				       why, sizeof(why)), -EAGAIN);
	assert_non_null(strstr(why, "PROPFIND http://127.0.0.1:1/d/: "));
}

/* With a token, a file on another origin is refused: the session's
 * fetches would carry the token there. */
static void
test_foreign(void **state)
{
	json_t *files = NULL;
	char why[256];
	char tok[TUSK_DAV_TOKEN_MAX + 2];

	assert_int_equal(tusk_dav_parse("http://h:8000/data/set/", listing,
					sizeof(listing) - 1, &files, why,
					sizeof(why)), 0);
	assert_string_equal(tusk_dav_foreign("http://h:8000/data/set/", files),
			    "http://other:81/data/set/b.dat");
	/* another port, another scheme, another host: all foreign */
	assert_non_null(tusk_dav_foreign("http://h:8001/data/set/", files));
	assert_non_null(tusk_dav_foreign("https://h:8000/data/set/", files));
	json_array_remove(files, 1);
	assert_null(tusk_dav_foreign("http://h:8000/data/set/", files));
	assert_null(tusk_dav_foreign("HTTP://H:8000/x/", files));
	assert_non_null(tusk_dav_foreign("http://h:800/data/set/", files));
	json_decref(files);
	/* a token longer than any tuskd verifies is refused before sending */
	memset(tok, 'a', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	assert_int_equal(tusk_dav_list("http://127.0.0.1:1/d/", tok, &files,
				       why, sizeof(why)), -EINVAL);
	assert_null(strstr(why, "aaaa"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_not_multistatus),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_foreign),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
