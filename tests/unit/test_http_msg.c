/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 head parsing and formatting: every request a client may send
 * and every malformed or hostile head gets the exact status a server
 * answers with; heads split at any byte parse the same; what we format
 * parses back to what was said.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_msg.h"

/* A head and the exact result: its length (-1: strlen of the input) or
 * a negative status. */
struct req_case {
	const char *head;
	int want;
};

/* A head with a NUL inside a field value. */
static const char nul_head[] = "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n";

#define OK (-1)

/* Requests and the exact parse result. */
static const struct req_case req_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", OK },
	{ "GET / HTTP/1.1\nHost: a\n\n", OK },           /* bare LF */
	{ "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", OK }, /* 2.2 */
	{ "GET / HTTP/1.0\r\n\r\n", OK },                /* no Host */
	{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", OK },       /* empty */
	{ "GET / HTTP/1.2\r\nHost: a\r\n\r\n", OK },     /* 1.x */
	{ "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", OK }, /* 405 later */
	/* malformed request lines */
	{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400 },
	{ "GET /\r\nHost: a\r\n\r\n", -400 },            /* HTTP/0.9 */
	{ "GET / http/1.1\r\nHost: a\r\n\r\n", -400 },   /* case */
	{ "GET / HTTP/11\r\nHost: a\r\n\r\n", -400 },
	{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },   /* not token */
	{ "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505 },
	{ "GET / HTTP/0.9\r\nHost: a\r\n\r\n", -505 },
	/* header syntax */
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400 },  /* 5.1 */
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n y\r\n\r\n", -400 },
	/* a bare CR */
	{ "GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", -400 },
	/* Host rules (RFC 9112 3.2) */
	{ "GET / HTTP/1.1\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -400 },
	/* framing (RFC 9112 6) */
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	  "Content-Length: 5\r\n\r\n", -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
	  -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
	  -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n",
	  -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: "
	  "99999999999999999999\r\n\r\n", -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
	  -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", -400 },
	{ "PUT /f HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	  -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n", -501 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked, gzip\r\n\r\n", -501 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked, chunked\r\n\r\n", -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n",
	  -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
	  -417 },
	/* Repr-Digest that does not parse */
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	  "Repr-Digest: sha-256=:abc:\r\n\r\n", -400 },
	{ "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	  "Repr-Digest: sha-256=abc\r\n\r\n", -400 },
};

static void
test_req_status_table(void **state)
{
	struct tusk_http_req req0;
	size_t i;

	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];
		struct tusk_http_req req;
		size_t len = strlen(c->head);
		int want = c->want, rc;

		rc = tusk_http_req_parse(c->head, len, &req);
		if (want == OK)
			want = (int)len;
		if (rc != want)
			print_error("case %zu: %s -> %d, want %d\n", i,
				    c->head, rc, want);
		assert_int_equal(rc, want);
	}
	/* a NUL inside a field value */
	assert_int_equal(tusk_http_req_parse(nul_head, sizeof(nul_head) - 1,
					     &req0), -400);
}

static int
parse_ok(const char *head, struct tusk_http_req *req)
{
	int rc = tusk_http_req_parse(head, strlen(head), req);

	assert_int_equal(rc, (int)strlen(head));
	return rc;
}

static void
test_req_fields(void **state)
{
	struct tusk_http_req req;

	parse_ok("PUT /data/x.bin?v=1 HTTP/1.1\r\nhOsT: dtn:8080\r\n"
		 "content-length:   1048576  \r\nExpect: 100-Continue\r\n"
		 "Content-Type: text/plain\r\n"
		 "Repr-Digest: md5=:AAAAAAAAAAAAAAAAAAAAAA==:, sha-256=:"
		 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\r\n\r\n", &req);
	assert_int_equal(req.method, TUSK_HTTP_PUT);
	assert_string_equal(req.method_text, "PUT");
	assert_string_equal(req.target, "/data/x.bin?v=1");
	assert_string_equal(req.host, "dtn:8080");
	assert_int_equal(req.version, TUSK_HTTP_11);
	assert_true(req.keep_alive);
	assert_true(req.has_content_length);
	assert_int_equal(req.content_length, 1048576);
	assert_true(req.expect_continue);
	assert_false(req.chunked);
	assert_int_equal(req.range.kind, TUSK_HTTP_RANGE_NONE);
	assert_true(req.has_digest);
	/* SHA-256 of the empty string starts e3b0c442 */
	assert_int_equal(req.digest[0], 0xe3);
	assert_int_equal(req.digest[31], 0x55);

	parse_ok("GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=10-19\r\n"
		 "If-Range: \"abc\"\r\nConnection: keep-alive, close\r\n\r\n",
		 &req);
	assert_int_equal(req.method, TUSK_HTTP_GET);
	assert_false(req.keep_alive);
	assert_int_equal(req.range.kind, TUSK_HTTP_RANGE_SPAN);
	assert_int_equal(req.range.first, 10);
	assert_int_equal(req.range.last, 19);
	assert_string_equal(req.if_range, "\"abc\"");
	assert_false(req.has_digest);

	/* two Range fields: ignored (whole file) */
	parse_ok("GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\n"
		 "Range: bytes=3-4\r\n\r\n", &req);
	assert_int_equal(req.range.kind, TUSK_HTTP_RANGE_IGNORED);

	parse_ok("PUT /f HTTP/1.1\r\nHost: a\r\n"
		 "Transfer-Encoding: Chunked\r\n\r\n", &req);
	assert_true(req.chunked);
	assert_false(req.has_content_length);

	parse_ok("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", &req);
	assert_int_equal(req.method, TUSK_HTTP_HEAD);
	/* methods are case-sensitive: "get" is some other method */
	parse_ok("get / HTTP/1.1\r\nHost: a\r\n\r\n", &req);
	assert_int_equal(req.method, TUSK_HTTP_OTHER);
	assert_string_equal(req.method_text, "get");

	/* WebDAV PROPFIND and its Depth (RFC 4918 9.1, 10.2) */
	parse_ok("PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n", &req);
	assert_int_equal(req.method, TUSK_HTTP_PROPFIND);
	assert_int_equal(req.depth, TUSK_HTTP_DEPTH_NONE);
	parse_ok("PROPFIND /d HTTP/1.1\r\nHost: a\r\nDepth: 0\r\n\r\n", &req);
	assert_int_equal(req.depth, TUSK_HTTP_DEPTH_0);
	parse_ok("PROPFIND /d HTTP/1.1\r\nHost: a\r\nDepth: 1 \r\n\r\n", &req);
	assert_int_equal(req.depth, TUSK_HTTP_DEPTH_1);
	parse_ok("PROPFIND /d HTTP/1.1\r\nHost: a\r\nDepth: Infinity\r\n\r\n",
		 &req);
	assert_int_equal(req.depth, TUSK_HTTP_DEPTH_INFINITY);
	parse_ok("PROPFIND /d HTTP/1.1\r\nHost: a\r\nDepth: 2\r\n\r\n", &req);
	assert_int_equal(req.depth, TUSK_HTTP_DEPTH_BAD);
	parse_ok("PROPFIND /d HTTP/1.1\r\nHost: a\r\nDepth: 0\r\n"
		 "Depth: 0\r\n\r\n", &req);
	assert_int_equal(req.depth, TUSK_HTTP_DEPTH_BAD);
	parse_ok("propfind / HTTP/1.1\r\nHost: a\r\n\r\n", &req);
	assert_int_equal(req.method, TUSK_HTTP_OTHER);
}

static void
test_req_persistence(void **state)
{
	static const struct {
		const char *head;
		bool keep_alive;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		  false },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n",
		  false },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n",
		  false },
	};
	struct tusk_http_req req;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].head, &req);
		assert_int_equal(req.keep_alive, cases[i].keep_alive);
	}
}

/* Fed a byte at a time, a head is "need more" until its last byte, and
 * pipelined bytes after it are not part of it. */
static void
test_req_incremental(void **state)
{
	static const char two[] =
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n";
	const size_t first = strlen("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	struct tusk_http_req req;
	size_t n;

	for (n = 0; n < first; n++)
		assert_int_equal(tusk_http_req_parse(two, n, &req), 0);
	for (n = first; n <= strlen(two); n++)
		assert_int_equal(tusk_http_req_parse(two, n, &req),
				 (int)first);
	assert_string_equal(req.target, "/a");
	/* a CR as the last byte so far: not yet a bare CR */
	assert_int_equal(tusk_http_req_parse("GET / HTTP/1.1\r", 15, &req),
			 0);
}

static void
test_req_limits(void **state)
{
	static char buf[TUSK_HTTP_HEAD_MAX + 64];
	struct tusk_http_req req;
	size_t n;

	/* a head with no end, at the limit: 431 */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', sizeof(buf) - n);
	assert_int_equal(tusk_http_req_parse(buf, TUSK_HTTP_HEAD_MAX - 1,
					     &req), 0);
	assert_int_equal(tusk_http_req_parse(buf, TUSK_HTTP_HEAD_MAX, &req),
			 -431);
	assert_int_equal(tusk_http_req_parse(buf, sizeof(buf), &req), -431);
	/* endless blank lines are not a way around the limit */
	memset(buf, '\n', sizeof(buf));
	assert_int_equal(tusk_http_req_parse(buf, sizeof(buf), &req), -431);

	/* a target of TUSK_HTTP_TARGET_MAX characters: 414 */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', TUSK_HTTP_TARGET_MAX - 1);
	n = 5 + TUSK_HTTP_TARGET_MAX - 1;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      " HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(tusk_http_req_parse(buf, n, &req), -414);
	/* one shorter fits */
	memmove(buf + 5, buf + 6, n - 6);
	assert_int_equal(tusk_http_req_parse(buf, n - 1, &req), (int)n - 1);
	assert_int_equal(strlen(req.target), TUSK_HTTP_TARGET_MAX - 1);
}

/* Parse a whole response head: 0 when all of it was the head. */
static int
resp_parse_all(const char *head, struct tusk_http_resp *r)
{
	int rc = tusk_http_resp_parse(head, strlen(head), r);

	return rc == (int)strlen(head) ? 0 : (rc == 0 ? -1 : rc);
}

static void
test_resp_parse(void **state)
{
	static const char h206[] =
		"HTTP/1.1 206 Partial Content\r\nServer: x\r\n"
		"Content-Range: bytes 100-199/1000\r\nContent-Length: 100\r\n"
		"Accept-Ranges: none, bytes\r\nETag: \"e1\"\r\n"
		"Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		"Repr-Digest: sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3"
		"hSuFU=:\r\n\r\nBODY";
	struct tusk_http_resp r;
	int n = (int)strlen(h206) - 4;

	assert_int_equal(tusk_http_resp_parse(h206, strlen(h206), &r), n);
	assert_int_equal(r.status, 206);
	assert_true(r.keep_alive);
	assert_true(r.has_content_length);
	assert_int_equal(r.content_length, 100);
	assert_true(r.has_content_range);
	assert_false(r.range_unsatisfied);
	assert_int_equal(r.range_first, 100);
	assert_int_equal(r.range_last, 199);
	assert_int_equal(r.range_size, 1000);
	assert_true(r.accept_ranges);
	assert_string_equal(r.etag, "\"e1\"");
	assert_string_equal(r.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_true(r.has_digest);
	assert_int_equal(r.digest[0], 0xe3);

	/* python http.server: HTTP/1.0, no Accept-Ranges */
	assert_int_equal(resp_parse_all("HTTP/1.0 200 OK\r\n"
		"Content-Length: 7\r\n\r\n", &r), 0);
	assert_int_equal(r.version, TUSK_HTTP_10);
	assert_false(r.keep_alive);
	assert_false(r.accept_ranges);
	assert_int_equal(resp_parse_all("HTTP/1.1 416 Range Not Satisfiable"
		"\r\nContent-Range: bytes */1000\r\n\r\n", &r), 0);
	assert_true(r.range_unsatisfied);
	assert_int_equal(r.range_size, 1000);
	/* a status line without a reason */
	assert_int_equal(resp_parse_all("HTTP/1.1 204\r\n\r\n", &r), 0);
	assert_int_equal(r.status, 204);
}

static void
test_resp_malformed(void **state)
{
	static const struct req_case cases[] = {
		{ "HTTP/1.1 20 OK\r\n\r\n", -400 },
		{ "HTTP/1.1 2000 OK\r\n\r\n", -400 },
		{ "HTTP/1.1 600 X\r\n\r\n", -400 },
		{ "HTTP/2.0 200 OK\r\n\r\n", -505 },
		{ "ICY 200 OK\r\n\r\n", -400 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		  "Content-Length: 2\r\n\r\n", -400 },
		{ "HTTP/1.1 206 P\r\nContent-Range: bytes 5-4/10\r\n\r\n",
		  -400 },
		{ "HTTP/1.1 206 P\r\nContent-Range: bytes 0-10/10\r\n\r\n",
		  -400 },
		{ "HTTP/1.1 206 P\r\nContent-Range: items 0-1/10\r\n\r\n",
		  -400 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", -400 },
		{ "HTTP/1.1 200 OK\r\nRepr-Digest: sha-256=:AA==:\r\n\r\n",
		  -400 },
	};
	struct tusk_http_resp r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = tusk_http_resp_parse(cases[i].head,
					      strlen(cases[i].head), &r);

		if (rc != cases[i].want)
			print_error("case %zu: %s -> %d\n", i, cases[i].head,
				    rc);
		assert_int_equal(rc, cases[i].want);
	}
	/* the same Content-Length twice is tolerated from a server */
	assert_int_equal(resp_parse_all("HTTP/1.1 200 OK\r\nContent-Length: 3"
		"\r\nContent-Length: 3\r\n\r\n", &r), 0);
	assert_int_equal(r.content_length, 3);
}

static void
test_resp_format(void **state)
{
	static const uint8_t sha[32] = { 0xe3, 0xb0, 0xc4, 0x42 };
	struct tusk_http_resp_info info = {
		.status = 206, .content_length = 100, .content_range = true,
		.range_first = 100, .range_last = 199, .size = 1000,
		.accept_ranges = true, .digest = sha, .etag = "\"x-1\"",
		.last_modified = 784111777, .date = 784111777,
	};
	struct tusk_http_resp r;
	char buf[1024];
	int n;

	n = tusk_http_resp_head(buf, sizeof(buf), &info);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 206 Partial Content\r\n"));
	assert_non_null(strstr(buf,
		"\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
	assert_int_equal(tusk_http_resp_parse(buf, (size_t)n, &r), n);
	assert_int_equal(r.status, 206);
	assert_int_equal(r.content_length, 100);
	assert_int_equal(r.range_first, 100);
	assert_int_equal(r.range_last, 199);
	assert_int_equal(r.range_size, 1000);
	assert_true(r.accept_ranges);
	assert_true(r.has_digest);
	assert_memory_equal(r.digest, sha, 32);
	assert_string_equal(r.etag, "\"x-1\"");
	assert_string_equal(r.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
	/* too small a buffer: -ENOSPC, never a cut head */
	assert_int_equal(tusk_http_resp_head(buf, (size_t)n - 1, &info),
			 -ENOSPC);
	/* 204 and 100 carry no Content-Length (RFC 9110 8.6) */
	info = (struct tusk_http_resp_info){ .status = 204 };
	n = tusk_http_resp_head(buf, sizeof(buf), &info);
	assert_null(strstr(buf, "Content-Length"));
	info.status = 100;
	n = tusk_http_resp_head(buf, sizeof(buf), &info);
	assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	info = (struct tusk_http_resp_info){ .status = 416,
		.range_unsatisfied = true, .size = 5, .close = true };
	n = tusk_http_resp_head(buf, sizeof(buf), &info);
	assert_int_equal(tusk_http_resp_parse(buf, (size_t)n, &r), n);
	assert_true(r.range_unsatisfied);
	assert_false(r.keep_alive);
	assert_int_equal(r.content_length, 0);
	info.status = 99;
	assert_int_equal(tusk_http_resp_head(buf, sizeof(buf), &info),
			 -EINVAL);
}

static void
test_req_format(void **state)
{
	static const uint8_t sha[32] = { 1, 2, 3 };
	struct tusk_http_req_info info = {
		.method = TUSK_HTTP_GET, .target = "/big?x=1",
		.host = "10.0.0.1:8080", .has_range = true,
		.range_first = 1 << 20, .range_last = (2 << 20) - 1,
		.if_range = "\"e\"",
	};
	struct tusk_http_req req;
	char buf[1024];
	int n;

	n = tusk_http_req_head(buf, sizeof(buf), &info);
	assert_int_equal(tusk_http_req_parse(buf, (size_t)n, &req), n);
	assert_int_equal(req.method, TUSK_HTTP_GET);
	assert_string_equal(req.target, "/big?x=1");
	assert_string_equal(req.host, "10.0.0.1:8080");
	assert_int_equal(req.range.kind, TUSK_HTTP_RANGE_SPAN);
	assert_int_equal(req.range.first, 1 << 20);
	assert_int_equal(req.range.last, (2 << 20) - 1);
	assert_string_equal(req.if_range, "\"e\"");
	assert_true(req.keep_alive);

	info = (struct tusk_http_req_info){ .method = TUSK_HTTP_PUT,
		.target = "/up", .host = "h", .has_content_length = true,
		.content_length = 5, .digest = sha, .close = true };
	n = tusk_http_req_head(buf, sizeof(buf), &info);
	assert_int_equal(tusk_http_req_parse(buf, (size_t)n, &req), n);
	assert_int_equal(req.method, TUSK_HTTP_PUT);
	assert_int_equal(req.content_length, 5);
	assert_true(req.has_digest);
	assert_memory_equal(req.digest, sha, 32);
	assert_false(req.keep_alive);
	info.has_range = true;
	info.range_open = true;
	info.range_first = 7;
	n = tusk_http_req_head(buf, sizeof(buf), &info);
	assert_int_equal(tusk_http_req_parse(buf, (size_t)n, &req), n);
	assert_int_equal(req.range.kind, TUSK_HTTP_RANGE_FROM);
	assert_int_equal(req.range.first, 7);
	/* a target that is not origin-form is refused */
	info.target = "up";
	assert_int_equal(tusk_http_req_head(buf, sizeof(buf), &info), -EINVAL);
}

static void
test_reason_and_date(void **state)
{
	char d[TUSK_HTTP_DATE_LEN];

	assert_string_equal(tusk_http_reason(416), "Range Not Satisfiable");
	assert_string_equal(tusk_http_reason(507), "Insufficient Storage");
	assert_string_equal(tusk_http_reason(299), "");
	tusk_http_date_format(0, d);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	tusk_http_date_format(1700000000, d);
	assert_string_equal(d, "Tue, 14 Nov 2023 22:13:20 GMT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_status_table),
		cmocka_unit_test(test_req_fields),
		cmocka_unit_test(test_req_persistence),
		cmocka_unit_test(test_req_incremental),
		cmocka_unit_test(test_req_limits),
		cmocka_unit_test(test_resp_parse),
		cmocka_unit_test(test_resp_malformed),
		cmocka_unit_test(test_resp_format),
		cmocka_unit_test(test_req_format),
		cmocka_unit_test(test_reason_and_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
