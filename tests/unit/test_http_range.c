/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte ranges (RFC 9110 14): what each Range value becomes, and the status
 * and span each resolves to against a size: 206 with the exact bytes,
 * 416 when unsatisfiable, 200 (whole file) when ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_range.h"

struct range_case {
	const char *value;
	uint64_t size;
	int status;
	uint64_t off, len;
};

static void
test_resolve_table(void **state)
{
	static const struct range_case cases[] = {
		{ "bytes=0-0", 1000, 206, 0, 1 },
		{ "bytes=0-999", 1000, 206, 0, 1000 },
		{ "bytes=10-19", 1000, 206, 10, 10 },
		{ "bytes=999-999", 1000, 206, 999, 1 },
		{ "bytes=500-5000", 1000, 206, 500, 500 },  /* last clipped */
		{ "bytes=500-", 1000, 206, 500, 500 },
		{ "bytes=0-", 1000, 206, 0, 1000 },
		{ "bytes=-1", 1000, 206, 999, 1 },
		{ "bytes=-100", 1000, 206, 900, 100 },
		{ "bytes=-5000", 1000, 206, 0, 1000 },     /* whole file */
		{ "BYTES = 1-2", 1000, 206, 1, 2 },        /* unit, OWS */
		{ "bytes=1-2 ", 1000, 206, 1, 2 },
		/* unsatisfiable: 416 */
		{ "bytes=1000-", 1000, 416, 0, 1000 },
		{ "bytes=1000-2000", 1000, 416, 0, 1000 },
		{ "bytes=-0", 1000, 416, 0, 1000 },
		{ "bytes=0-0", 0, 416, 0, 0 },
		{ "bytes=0-", 0, 416, 0, 0 },
		/* an empty file has no byte to put in a 206 */
		{ "bytes=-5", 0, 200, 0, 0 },
		/* ignored: whole file with 200 */
		{ "bytes=5-3", 1000, 200, 0, 1000 },       /* last < first */
		{ "bytes=0-1,5-6", 1000, 200, 0, 1000 },   /* several */
		{ "bytes=0-1, -1", 1000, 200, 0, 1000 },
		{ "items=0-1", 1000, 200, 0, 1000 },       /* other unit */
		{ "bytes=", 1000, 200, 0, 1000 },
		{ "bytes=-", 1000, 200, 0, 1000 },
		{ "bytes=a-b", 1000, 200, 0, 1000 },
		{ "bytes=1-2x", 1000, 200, 0, 1000 },
		{ "bytes 1-2", 1000, 200, 0, 1000 },
		{ "bytes=99999999999999999999-", 1000, 200, 0, 1000 },
		{ "", 1000, 200, 0, 1000 },
		/* positions up to 19 digits */
		{ "bytes=1000000000000000000-", 2000000000000000000ull, 206,
		  1000000000000000000ull, 1000000000000000000ull },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct range_case *c = &cases[i];
		struct tusk_http_range r;
		uint64_t off = 7, len = 7;
		int st;

		tusk_http_range_parse(c->value, strlen(c->value), &r);
		st = tusk_http_range_resolve(&r, c->size, &off, &len);
		if (st != c->status || off != c->off || len != c->len)
			print_error("case %zu \"%s\"/%lu: %d %lu+%lu\n", i,
				    c->value, (unsigned long)c->size, st,
				    (unsigned long)off, (unsigned long)len);
		assert_int_equal(st, c->status);
		assert_int_equal(off, c->off);
		assert_int_equal(len, c->len);
	}
}

static void
test_parse_kinds(void **state)
{
	struct tusk_http_range r;

	tusk_http_range_parse("bytes=3-9", 9, &r);
	assert_int_equal(r.kind, TUSK_HTTP_RANGE_SPAN);
	assert_int_equal(r.first, 3);
	assert_int_equal(r.last, 9);
	tusk_http_range_parse("bytes=3-", 8, &r);
	assert_int_equal(r.kind, TUSK_HTTP_RANGE_FROM);
	assert_int_equal(r.first, 3);
	tusk_http_range_parse("bytes=-3", 8, &r);
	assert_int_equal(r.kind, TUSK_HTTP_RANGE_SUFFIX);
	assert_int_equal(r.first, 3);
	/* the length bounds the parse: "bytes=3-9" cut to "bytes=3-" */
	tusk_http_range_parse("bytes=3-9", 8, &r);
	assert_int_equal(r.kind, TUSK_HTTP_RANGE_FROM);
	r.kind = TUSK_HTTP_RANGE_NONE;
	{
		uint64_t off, len;

		assert_int_equal(tusk_http_range_resolve(&r, 10, &off, &len),
				 200);
		assert_int_equal(len, 10);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_parse_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
