/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebDAV PROPFIND on the HTTP file endpoint (app/svc/http_server_propfind.c)
 * end to end in the http_world (a raw client, the server on tuskd's stack,
 * a real data root): Depth 1 lists exactly the files and directories GET
 * could serve, with sizes and dates equal to stat(2) and the kept digest
 * once a GET made one; internal names, escaping symlinks and FIFOs are
 * left out; Depth 0; Depth infinity and no Depth get 403 with
 * DAV:propfind-finite-depth; bad Depth, bodies and paths get their error;
 * a directory past the member bound ends with a 507 response; the
 * connection goes on with the next request; listings of clients that do
 * not read stop at the listing budget (HS_DAV_BUDGET, a source's share
 * of it): the others get 503 with Retry-After, and a listing succeeds
 * again once they are gone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dav_xpath.h"
#include "http_dav.h"
#include "http_world.h"

#define ODD "sp ace&<\xc3\xa9>.bin"
#define ODD_HREF "/dav/sp%20ace%26%3C%C3%A9%3E.bin"

#define unload dav_xpath_unload
#define xs dav_xpath_str

/* A 207 or DAV:error body, parsed (dav_xpath.h). */
static void
load(const struct hw_reply *r)
{
	assert_true(hw_has_field(r, "\r\nContent-Type: application/xml; "
				 "charset=utf-8\r\n"));
	dav_xpath_load(r->body, r->body_len);
}

/* A value of the response whose href is `href`: XPath `what` below its
 * 200 propstat's prop. */
static const char *
prop(const char *href, const char *what)
{
	char e[512];

	snprintf(e, sizeof(e), "string(/D:multistatus/D:response[D:href="
		 "'%s']/D:propstat[D:status='HTTP/1.1 200 OK']/D:prop/%s)",
		 href, what);
	return xs(e);
}

static void
root_path(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", hw_root_dir, rel);
}

static void
check_size(const char *href, const char *rel)
{
	char p[512], want[32];
	struct stat st;

	root_path(p, sizeof(p), rel);
	assert_int_equal(stat(p, &st), 0);
	snprintf(want, sizeof(want), "%lld", (long long)st.st_size);
	assert_string_equal(prop(href, "D:getcontentlength"), want);
}

static void
make_tree(void)
{
	char p[512];

	root_path(p, sizeof(p), "dav");
	assert_int_equal(mkdir(p, 0755), 0);
	root_path(p, sizeof(p), "dav/sub");
	assert_int_equal(mkdir(p, 0755), 0);
	hw_file_make("dav/a.bin", 1000, NULL, NULL);
	hw_file_make("dav/" ODD, 4321, NULL, NULL);
	hw_file_make("dav/sub/inner", 10, NULL, NULL);
	/* what GET would not serve: none of it listed */
	hw_file_make("dav/.up.tusk-tmp.0123456789abcdef", 5, NULL, NULL);
	hw_file_make("dav/big.tusk-part", 5, NULL, NULL);
	root_path(p, sizeof(p), "dav/out");
	assert_int_equal(symlink("/etc", p), 0);
	root_path(p, sizeof(p), "dav/fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	/* a symlink inside the root is followed, as GET follows it */
	root_path(p, sizeof(p), "dav/link");
	assert_int_equal(symlink("a.bin", p), 0);
}

static void
test_depth1(void **state)
{
	static const char req[] = "PROPFIND /dav HTTP/1.1\r\nHost: t\r\n"
				  "Depth: 1\r\n\r\n";
	struct hw_reply rep[2];
	struct hw_client *cl;

	make_tree();
	cl = hw_ask(req, 'G', rep);
	assert_int_equal(rep[0].r.status, 207);
	assert_true(rep[0].r.keep_alive);
	load(&rep[0]);
	/* the directory itself, a.bin, link, ODD, sub: nothing else */
	assert_string_equal(xs("string(count(//D:response))"), "5");
	assert_string_equal(prop("/dav/", "D:displayname"), "dav");
	assert_string_equal(xs("string(count(//D:response[D:href='/dav/']"
			       "//D:resourcetype/D:collection))"), "1");
	assert_string_equal(xs("string(count(//D:response[D:href='/dav/sub/']"
			       "//D:resourcetype/D:collection))"), "1");
	check_size("/dav/a.bin", "dav/a.bin");
	check_size("/dav/link", "dav/a.bin");
	check_size(ODD_HREF, "dav/" ODD);
	assert_string_equal(prop(ODD_HREF, "D:displayname"), ODD);
	assert_string_equal(xs("string(count(//D:href[contains(., 'tusk')]"
			       "|//D:href[contains(., 'out')]"
			       "|//D:href[contains(., 'fifo')]))"), "0");
	/* no digest kept yet: none listed, none computed */
	assert_string_equal(xs("string(count(//C:Checksums))"), "0");
	unload();
	/* the connection goes on: a GET on it keeps the digest ... */
	cl->len = 0;
	hw_cl_send(cl, "GET /dav/a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 36);
	hw_cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 200);
	hw_cl_free(cl);
	/* hashed behind the answer, not before it */
	assert_true(hw_run_until(hw_digest_kept, (void *)"dav/a.bin",
				 60000 * NS_PER_MS));
	/* ... which the next listing shows, as GET's Repr-Digest has it */
	cl = hw_ask(req, 'G', rep);
	load(&rep[0]);
	{
		char want[64], got[64];
		const char *v = prop("/dav/a.bin", "C:Checksums");

		assert_int_equal(strncmp(v, "sha-256=", 8), 0);
		snprintf(got, sizeof(got), "%s", v + 8);
		hw_cl_free(cl);
		cl = hw_ask("HEAD /dav/a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'H',
			    rep);
		tusk_http_base64_encode(rep[0].r.digest, 32, want,
					sizeof(want));
		assert_string_equal(got, want);
	}
	unload();
	hw_cl_free(cl);
	hw_settle();
}

static void
test_depth0_and_prop(void **state)
{
	static const char body[] = "<?xml version=\"1.0\"?><D:propfind "
		"xmlns:D=\"DAV:\"><D:prop><D:getcontentlength/><x:y "
		"xmlns:x=\"urn:x\"/></D:prop></D:propfind>";
	struct hw_reply rep[1];
	struct hw_client *cl;
	char req[512];

	cl = hw_ask("PROPFIND /dav/sub/inner HTTP/1.1\r\nHost: t\r\n"
		    "Depth: 1\r\n\r\n", 'G', rep);
	assert_int_equal(rep[0].r.status, 207);
	load(&rep[0]);
	/* a file's Depth 1 is the file alone */
	assert_string_equal(xs("string(count(//D:response))"), "1");
	check_size("/dav/sub/inner", "dav/sub/inner");
	unload();
	hw_cl_free(cl);
	cl = hw_ask("PROPFIND / HTTP/1.1\r\nHost: t\r\nDepth: 0\r\n"
		    "Content-Length: 0\r\n\r\n", 'G', rep);
	load(&rep[0]);
	assert_string_equal(xs("string(//D:response/D:href)"), "/");
	assert_string_equal(xs("string(count(//D:response))"), "1");
	unload();
	hw_cl_free(cl);
	/* a prop body: only what was named, the unknown under 404 */
	snprintf(req, sizeof(req), "PROPFIND /dav/a.bin HTTP/1.1\r\nHost: t\r\n"
		 "Depth: 0\r\nContent-Type: application/xml\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	cl = hw_ask(req, 'G', rep);
	assert_int_equal(rep[0].r.status, 207);
	load(&rep[0]);
	check_size("/dav/a.bin", "dav/a.bin");
	assert_string_equal(xs("string(count(//D:propstat[D:status="
			       "'HTTP/1.1 200 OK']/D:prop/*))"), "1");
	assert_string_equal(xs("string(count(//D:propstat[D:status="
			       "'HTTP/1.1 404 Not Found']/D:prop/*))"), "1");
	unload();
	hw_cl_free(cl);
	hw_settle();
}

static void
test_refused(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "PROPFIND /dav HTTP/1.1\r\nHost: t\r\nDepth: 2\r\n\r\n",
		  400 },
		{ "PROPFIND /dav/../.. HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n"
		  "\r\n", 403 },
		{ "PROPFIND /dav/out HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n\r\n",
		  403 },
		{ "PROPFIND /dav/fifo HTTP/1.1\r\nHost: t\r\nDepth: 0\r\n\r\n",
		  403 },
		{ "PROPFIND /dav/%2e%2e HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n"
		  "\r\n", 403 },
		{ "PROPFIND /dav/big.tusk-part HTTP/1.1\r\nHost: t\r\n"
		  "Depth: 0\r\n\r\n", 404 },
		{ "PROPFIND /nothere HTTP/1.1\r\nHost: t\r\nDepth: 0\r\n\r\n",
		  404 },
		{ "PROPFIND /dav HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n"
		  "Content-Length: 5\r\n\r\nhello", 400 },
		{ "PROPFIND /dav HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n"
		  "Content-Length: 20000\r\n\r\n", 413 },
		{ "PROPFIND /dav HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411 },
	};
	struct hw_reply rep[1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hw_client *cl = hw_ask(cases[i].req, 'G', rep);

		if (rep[0].r.status != cases[i].status)
			fail_msg("case %zu: %d, want %d: %s", i,
				 rep[0].r.status, cases[i].status,
				 cases[i].req);
		hw_cl_free(cl);
	}
	hw_settle();
}

static void
test_infinity(void **state)
{
	const char *reqs[] = {
		"PROPFIND /dav HTTP/1.1\r\nHost: t\r\nDepth: infinity\r\n\r\n",
		"PROPFIND /dav HTTP/1.1\r\nHost: t\r\n\r\n",
	};
	struct hw_reply rep[1];

	for (size_t i = 0; i < 2; i++) {
		struct hw_client *cl = hw_ask(reqs[i], 'G', rep);

		assert_int_equal(rep[0].r.status, 403);
		load(&rep[0]);
		assert_string_equal(xs("string(count(/D:error/"
				       "D:propfind-finite-depth))"), "1");
		unload();
		hw_cl_free(cl);
	}
	hw_settle();
}

/* "many": 4200 empty files, more than one response holds (made once). */
static void
make_many(void)
{
	static bool made;
	char p[512];

	if (made)
		return;
	root_path(p, sizeof(p), "many");
	assert_int_equal(mkdir(p, 0755), 0);
	for (unsigned int i = 0; i < 4200; i++) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/many/f%05u", hw_root_dir, i);
		f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
	made = true;
}

/* More members than one response holds: the first 4096 and a 507. */
static void
test_member_bound(void **state)
{
	struct hw_reply rep[1];
	struct hw_client *cl;

	make_many();
	cl = hw_ask("PROPFIND /many/ HTTP/1.1\r\nHost: t\r\nDepth: 1\r\n\r\n",
		    'G', rep);
	assert_int_equal(rep[0].r.status, 207);
	load(&rep[0]);
	/* the directory, 4096 members, the 507 for the directory */
	assert_string_equal(xs("string(count(//D:response[D:propstat]))"),
			    "4097");
	assert_string_equal(xs("string(//D:response[D:status]/D:href)"),
			    "/many/");
	assert_string_equal(xs("string(//D:response/D:status)"),
			    "HTTP/1.1 507 Insufficient Storage");
	unload();
	hw_cl_free(cl);
	hw_settle();
}

static bool
all_answered(void *arg)
{
	struct hw_client **cl = arg;

	for (; *cl != NULL; cl++)
		if (memmem((*cl)->buf, (*cl)->len, "\r\n\r\n", 4) == NULL)
			return false;
	return true;
}

/* 24 clients list "many" (~2.1 MB each) and read nothing: together they
 * would hold ~75 MB of heap. Their source's share of the listing budget
 * (50% of 64 MiB) stops them: the others get 503 with Retry-After, the
 * reservation never passes the share; once they are gone a listing is
 * served whole again. */
static void
test_listing_budget(void **state)
{
	enum { N = 24 };
	static const char req[] = "PROPFIND /many/ HTTP/1.1\r\nHost: t\r\n"
				  "Depth: 1\r\n\r\n";
	const uint64_t share = (64ull << 20) / 2;
	struct hw_client *cl[N + 1] = { NULL };
	struct tusk_http_server_limits l;
	unsigned int ok = 0, busy = 0;
	struct hw_reply rep[1];

	make_many();
	for (int i = 0; i < N; i++) {
		cl[i] = hw_cl_open();
		cl[i]->hold = true;
		hw_cl_send(cl[i], req, strlen(req));
	}
	assert_true(hw_run_until(all_answered, cl, 60000 * NS_PER_MS));
	for (int i = 0; i < N; i++) {
		if (strncmp(cl[i]->buf, "HTTP/1.1 207 ", 13) == 0) {
			ok++;
			continue;
		}
		assert_memory_equal(cl[i]->buf, "HTTP/1.1 503 ", 13);
		assert_non_null(memmem(cl[i]->buf, cl[i]->len,
				       "\r\nRetry-After: 1\r\n", 17));
		busy++;
	}
	tusk_http_server_limits(hw_srv, &l);
	print_message("listings: %u served, %u refused; reserved peak %lu\n",
		      ok, busy, (unsigned long)l.dav_held_peak);
	assert_true(ok >= 8);
	assert_true(busy >= 1);
	assert_int_equal(l.dav_refused, busy);
	assert_true(l.dav_held_peak <= share);
	for (int i = 0; i < N; i++)
		hw_cl_free(cl[i]);
	hw_settle();
	tusk_http_server_limits(hw_srv, &l);
	assert_int_equal(l.dav_held, 0);
	/* the budget is back: a listing is served whole */
	cl[0] = hw_ask(req, 'G', rep);
	assert_int_equal(rep[0].r.status, 207);
	hw_cl_free(cl[0]);
	hw_settle();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth1),
		cmocka_unit_test(test_depth0_and_prop),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_infinity),
		cmocka_unit_test(test_member_bound),
		cmocka_unit_test(test_listing_budget),
	};

	if (hw_init("http_propfind") != 0)
		return 1;
	return cmocka_run_group_tests(tests, hw_setup, hw_teardown);
}
