/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebDAV PROPFIND bodies (app/http/http_dav.c): hrefs, the query a client
 * sends (allprop, propname, prop, and the bodies refused), and the 207
 * document, parsed back with libxml2 and XPath and checked field by field
 * for names with spaces, '&', '<', UTF-8 and bytes XML cannot carry.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dav_xpath.h"
#include "http_dav.h"
#include "http_msg.h"

#define ODD "a b&<c>\xc3\xa9.bin"      /* "a b&<c>é.bin" */
#define MTIME 1700000000               /* Tue, 14 Nov 2023 22:13:20 GMT */

static void
test_href(void **state)
{
	static const struct {
		const char *path;
		bool coll;
		const char *href;
	} cases[] = {
		{ "", true, "/" },
		{ "run42", true, "/run42/" },
		{ "run42/f.h5", false, "/run42/f.h5" },
		{ "d/" ODD, false, "/d/a%20b%26%3Cc%3E%C3%A9.bin" },
		{ "x~y_z-1.2", false, "/x~y_z-1.2" },
		{ "q?#%", false, "/q%3F%23%25" },
	};
	char out[TUSK_DAV_HREF_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = tusk_dav_href(cases[i].path, cases[i].coll, out,
				      sizeof(out));

		assert_int_equal(n, strlen(cases[i].href));
		assert_string_equal(out, cases[i].href);
	}
	assert_int_equal(tusk_dav_href("abc", false, out, 4), -ENOSPC);
	assert_int_equal(tusk_dav_href("abc", true, out, 5), -ENOSPC);
	assert_int_equal(tusk_dav_href(" ", false, out, 4), -ENOSPC);
}

static int
parse(const char *body, struct tusk_dav_query *q)
{
	return tusk_dav_query_parse(body, strlen(body), q);
}

static void
test_query(void **state)
{
	struct tusk_dav_query q;
	char big[TUSK_DAV_BODY_MAX + 2];
	size_t n;

	assert_int_equal(tusk_dav_query_parse("", 0, &q), 0);
	assert_int_equal(q.kind, TUSK_DAV_ALLPROP);
	assert_int_equal(parse("<?xml version=\"1.0\"?><D:propfind "
			       "xmlns:D=\"DAV:\"><D:allprop/></D:propfind>",
			       &q), 0);
	assert_int_equal(q.kind, TUSK_DAV_ALLPROP);
	assert_int_equal(parse("<propfind xmlns=\"DAV:\"><propname/>"
			       "</propfind>", &q), 0);
	assert_int_equal(q.kind, TUSK_DAV_PROPNAME);
	/* davix's body, with dCache's Checksums and a foreign property */
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<D:propfind xmlns:D=\"DAV:\" xmlns:R=\"" TUSK_DAV_DCACHE_NS
		"\"><D:prop>\n <D:getlastmodified/><D:getcontentlength/>"
		"<D:resourcetype/><R:Checksums/><x:mode xmlns:x=\"urn:x\"/>"
		"<plain/></D:prop></D:propfind>", &q), 0);
	assert_int_equal(q.kind, TUSK_DAV_PROP);
	assert_int_equal(q.want, 1u << TUSK_DAV_GETLASTMODIFIED |
			 1u << TUSK_DAV_GETCONTENTLENGTH |
			 1u << TUSK_DAV_RESOURCETYPE | 1u << TUSK_DAV_CHECKSUMS);
	assert_int_equal(q.n_foreign, 2);
	assert_string_equal(q.foreign[0].ns, "urn:x");
	assert_string_equal(q.foreign[0].name, "mode");
	assert_string_equal(q.foreign[1].ns, "");
	assert_string_equal(q.foreign[1].name, "plain");
	/* Checksums in the DAV: namespace is not dCache's: foreign */
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"><D:prop>"
			       "<D:Checksums/></D:prop></D:propfind>", &q), 0);
	assert_int_equal(q.want, 0);
	assert_int_equal(q.n_foreign, 1);

	/* refused: not XML, not a DAV:propfind, nothing asked, a DTD */
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"><D:prop>", &q),
			 -EINVAL);
	assert_int_equal(parse("hello", &q), -EINVAL);
	assert_int_equal(parse("<propfind><allprop/></propfind>", &q),
			 -EINVAL);
	assert_int_equal(parse("<D:propupdate xmlns:D=\"DAV:\"><D:allprop/>"
			       "</D:propupdate>", &q), -EINVAL);
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"/>", &q),
			 -EINVAL);
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"><D:bogus/>"
			       "</D:propfind>", &q), -EINVAL);
	assert_int_equal(parse("<!DOCTYPE p [<!ENTITY a \"aaaa\">]>"
			       "<D:propfind xmlns:D=\"DAV:\"><D:allprop/>"
			       "</D:propfind>", &q), -EINVAL);
	assert_int_equal(parse("<!DOCTYPE p SYSTEM \"file:///etc/passwd\">"
			       "<D:propfind xmlns:D=\"DAV:\"><D:allprop/>"
			       "</D:propfind>", &q), -EINVAL);
	/* bounds: the body, the foreign properties */
	memset(big, ' ', sizeof(big));
	memcpy(big, "<D:propfind xmlns:D=\"DAV:\"><D:allprop/>", 39);
	assert_int_equal(tusk_dav_query_parse(big, sizeof(big), &q), -E2BIG);
	n = (size_t)snprintf(big, sizeof(big),
			     "<D:propfind xmlns:D=\"DAV:\"><D:prop>");
	for (int i = 0; i <= TUSK_DAV_FOREIGN_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "<p%d/>", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "</D:prop></D:propfind>");
	assert_int_equal(tusk_dav_query_parse(big, n, &q), -E2BIG);
}

/* ---- the document, parsed back ---- */

/* The document, parsed back (dav_xpath.h). */
#define load dav_xpath_load
#define unload dav_xpath_unload
#define xs dav_xpath_str

#define R(href) "/D:multistatus/D:response[D:href='" href "']"
#define OK "D:propstat[D:status='HTTP/1.1 200 OK']/D:prop/"
#define NF "D:propstat[D:status='HTTP/1.1 404 Not Found']/D:prop/"

static const uint8_t sha[TUSK_HTTP_SHA256_LEN] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
}; /* SHA-256("abc") */
#define SHA_B64 "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="

static const struct tusk_dav_entry entries[] = {
	{ .path = "data", .collection = true, .mtime = MTIME },
	{ .path = "data/" ODD, .size = 12345, .mtime = MTIME + 1,
	  .etag = "\"1-3039-2\"", .sha256 = sha },
	{ .path = "data/raw\x01name", .size = 0, .mtime = MTIME + 2 },
	{ .path = "data/latin\xe9", .size = 7, .mtime = MTIME },
};

static void
write_all(const struct tusk_dav_query *q)
{
	struct tusk_dav_writer *w = tusk_dav_writer_new(q);
	const char *xml;
	size_t len;

	assert_non_null(w);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		assert_int_equal(tusk_dav_writer_add(w, &entries[i]), 0);
	assert_int_equal(tusk_dav_writer_add_status(w, "data", true, 507,
			 "number-of-matches-within-limits"), 0);
	assert_int_equal(tusk_dav_writer_finish(w, &xml, &len), 0);
	assert_int_equal(strlen(xml), len);
	load(xml, len);
	tusk_dav_writer_free(w);
}

static void
test_allprop(void **state)
{
	struct tusk_dav_query q = { .kind = TUSK_DAV_ALLPROP };
	char date[TUSK_HTTP_DATE_LEN];

	write_all(&q);
	assert_string_equal(xs("string(count(//D:response))"), "5");
	/* the directory: a collection, trailing slash, no length */
	assert_string_equal(xs("string(count(" R("/data/") "/" OK
			       "D:resourcetype/D:collection))"), "1");
	assert_string_equal(xs("string(count(" R("/data/") "//"
			       "D:getcontentlength))"), "0");
	tusk_http_date_format(MTIME, date);
	assert_string_equal(xs("string(" R("/data/") "/" OK
			       "D:getlastmodified)"), date);
	assert_string_equal(xs("string(" R("/data/") "/" OK
			       "D:displayname)"), "data");
	/* the odd file: every field, its name escaped and back intact */
#define ODDR R("/data/a%20b%26%3Cc%3E%C3%A9.bin")
	assert_string_equal(xs("string(count(" ODDR "/" OK
			       "D:resourcetype/*))"), "0");
	assert_string_equal(xs("string(count(" ODDR "/" OK
			       "D:resourcetype))"), "1");
	assert_string_equal(xs("string(" ODDR "/" OK "D:getcontentlength)"),
			    "12345");
	tusk_http_date_format(MTIME + 1, date);
	assert_string_equal(xs("string(" ODDR "/" OK "D:getlastmodified)"),
			    date);
	assert_string_equal(xs("string(" ODDR "/" OK "D:getetag)"),
			    "\"1-3039-2\"");
	assert_string_equal(xs("string(" ODDR "/" OK "D:getcontenttype)"),
			    "application/octet-stream");
	assert_string_equal(xs("string(" ODDR "/" OK "D:displayname)"), ODD);
	assert_string_equal(xs("string(" ODDR "/" OK "C:Checksums)"),
			    "sha-256=" SHA_B64);
	/* names XML cannot carry: no displayname, the rest is there */
	assert_string_equal(xs("string(count(" R("/data/raw%01name") "//"
			       "D:displayname))"), "0");
	assert_string_equal(xs("string(" R("/data/raw%01name") "/" OK
			       "D:getcontentlength)"), "0");
	assert_string_equal(xs("string(count(" R("/data/raw%01name") "//"
			       "C:Checksums))"), "0");
	assert_string_equal(xs("string(count(" R("/data/latin%E9") "//"
			       "D:displayname))"), "0");
	assert_string_equal(xs("string(" R("/data/latin%E9") "/" OK
			       "D:getcontentlength)"), "7");
	/* allprop has no 404 propstats */
	assert_string_equal(xs("string(count(//" NF "*))"), "0");
	/* the status-only response for a cut listing */
	assert_string_equal(xs("string(/D:multistatus/D:response"
			       "[D:status]/D:status)"),
			    "HTTP/1.1 507 Insufficient Storage");
	assert_string_equal(xs("string(count(/D:multistatus/D:response"
			       "[D:status]/D:error/"
			       "D:number-of-matches-within-limits))"), "1");
	unload();
}

static void
test_prop_and_propname(void **state)
{
	struct tusk_dav_query q;

	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\" xmlns:R=\""
		TUSK_DAV_DCACHE_NS "\"><D:prop><D:getcontentlength/>"
		"<R:Checksums/><x:mode xmlns:x=\"urn:x\"/></D:prop>"
		"</D:propfind>", &q), 0);
	write_all(&q);
	/* what was asked and exists: 200; nothing else is sent */
	assert_string_equal(xs("string(" ODDR "/" OK "D:getcontentlength)"),
			    "12345");
	assert_string_equal(xs("string(" ODDR "/" OK "C:Checksums)"),
			    "sha-256=" SHA_B64);
	assert_string_equal(xs("string(count(" ODDR "/" OK "*))"), "2");
	assert_string_equal(xs("string(count(" ODDR "/" NF "x:mode))"), "1");
	assert_string_equal(xs("string(count(" ODDR "/" NF "*))"), "1");
	/* the directory has no length: 404, with the unknown property */
	assert_string_equal(xs("string(count(" R("/data/") "/" NF
			       "D:getcontentlength))"), "1");
	assert_string_equal(xs("string(count(" R("/data/") "/" OK "*))"), "0");
	/* a file without a kept digest: Checksums 404 */
	assert_string_equal(xs("string(count(" R("/data/raw%01name") "/" NF
			       "C:Checksums))"), "1");
	unload();

	q = (struct tusk_dav_query){ .kind = TUSK_DAV_PROPNAME };
	write_all(&q);
	assert_string_equal(xs("string(count(" ODDR "/" OK "*))"), "7");
	assert_string_equal(xs("string(" ODDR "/" OK "D:getcontentlength)"),
			    "");
	assert_string_equal(xs("string(count(" ODDR "/" OK "*/*))"), "0");
	assert_string_equal(xs("string(count(" R("/data/") "/" OK "*))"), "3");
	unload();
}

static void
test_error_body(void **state)
{
	char out[512];
	int n = tusk_dav_error_xml("propfind-finite-depth", out, sizeof(out));

	assert_true(n > 0);
	assert_int_equal(strlen(out), n);
	load(out, (size_t)n);
	assert_string_equal(xs("string(count(/D:error/"
			       "D:propfind-finite-depth))"), "1");
	unload();
	assert_int_equal(tusk_dav_error_xml("propfind-finite-depth", out, 40),
			 -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_href),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_allprop),
		cmocka_unit_test(test_prop_and_propname),
		cmocka_unit_test(test_error_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
