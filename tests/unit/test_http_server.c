/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP file endpoint (app/svc/http_server.h) end to end, reading side:
 * GET and HEAD, byte ranges, pipelining, every error status and whether
 * the connection survives it, path escapes (encoded, symlinks), the idle
 * timeout and the statistics. The world is in http_world.h: the server
 * on one stack, a raw client on another, a real data root and digest
 * worker. Each test asserts exact statuses, fields and body bytes, and
 * that no connection or mbuf is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/sha.h>
#include <rte_errno.h>

#include "digest.h"
#include "http_server_priv.h"
#include "http_world.h"

/* GET of a whole file: the bytes, length, validators, answered at once
 * without Repr-Digest (never hashed yet) while the worker hashes it; then
 * pipelined GET, HEAD, GET on one connection answered in order, with the
 * SHA-256 now kept. */
static void
test_get(void **state)
{
	static const char pipelined[] =
		"GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n"
		"HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n"
		"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n";
	const size_t size = (3u << 20) + 123;
	uint8_t sha[32], sha_small[32], *data, *small;
	struct hw_reply rep[3];
	struct hw_client *cl;

	hw_file_make("a.bin", size, sha, &data);
	hw_file_make("small.txt", 5, sha_small, &small);
	cl = hw_ask("GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	hw_cl_free(hw_ask("HEAD /small.txt HTTP/1.1\r\nHost: t\r\n\r\n",
			  'H', &rep[1]));
	assert_int_equal(rep[1].r.status, 200);
	assert_false(rep[1].r.has_digest);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].r.content_length, size);
	assert_int_equal(rep[0].body_len, size);
	assert_memory_equal(rep[0].body, data, size);
	assert_false(rep[0].r.has_digest);
	assert_true(hw_run_until(hw_digest_kept, (void *)"a.bin",
				 60000 * NS_PER_MS));
	assert_true(hw_run_until(hw_digest_kept, (void *)"small.txt",
				 60000 * NS_PER_MS));
	assert_true(rep[0].r.accept_ranges);
	assert_true(rep[0].r.keep_alive);
	assert_true(rep[0].r.etag[0] == '"');
	assert_true(rep[0].r.last_modified[0] != '\0');
	assert_true(hw_has_field(&rep[0], "\r\nDate: "));
	cl->len = 0;
	hw_cl_send(cl, pipelined, strlen(pipelined));
	hw_cl_wait(cl, "GHG", 3, rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_memory_equal(rep[0].body, data, size);
	hw_assert_digest(&rep[0], sha);
	assert_int_equal(rep[1].r.status, 200);
	assert_int_equal(rep[1].r.content_length, size);
	hw_assert_digest(&rep[1], sha);
	assert_int_equal(rep[2].r.status, 200);
	assert_int_equal(rep[2].body_len, 5);
	assert_memory_equal(rep[2].body, small, 5);
	hw_assert_digest(&rep[2], sha_small);
	/* nothing after the three answers */
	assert_int_equal(cl->len, (size_t)(rep[2].body + 5 - cl->buf));
	hw_cl_free(cl);
	free(data);
	free(small);
	hw_settle();
}

struct range_case {
	const char *range;
	int status;
	uint64_t off, len; /* body expected */
};

/* Single byte ranges: 206 with Content-Range and exactly those bytes,
 * 416 with "bytes * /size", 200 when ignored; If-Range. */
static void
test_ranges(void **state)
{
	static const struct range_case cases[] = {
		{ "bytes=0-0", 206, 0, 1 },
		{ "bytes=1000-1999", 206, 1000, 1000 },
		{ "bytes=100000-", 206, 100000, 100000 },
		{ "bytes=-10", 206, 199990, 10 },
		{ "bytes=199999-300000", 206, 199999, 1 },
		{ "bytes=200000-", 416, 0, 0 },
		{ "bytes=-0", 416, 0, 0 },
		{ "bytes=0-1,5-6", 200, 0, 200000 },
		{ "bytes=9-3", 200, 0, 200000 },
	};
	const size_t size = 200000;
	char req[256], etag[TUSK_HTTP_VALIDATOR_MAX];
	struct hw_reply rep[1];
	struct hw_client *cl;
	uint8_t *data;

	hw_file_make("r.bin", size, NULL, &data);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct range_case *c = &cases[i];

		snprintf(req, sizeof(req), "GET /r.bin HTTP/1.1\r\nHost: t\r\n"
			 "Range: %s\r\n\r\n", c->range);
		cl = hw_ask(req, 'G', rep);
		assert_int_equal(rep[0].r.status, c->status);
		assert_int_equal(rep[0].body_len, c->len);
		assert_memory_equal(rep[0].body, data + c->off, c->len);
		if (c->status == 206) {
			assert_true(rep[0].r.has_content_range);
			assert_int_equal(rep[0].r.range_first, c->off);
			assert_int_equal(rep[0].r.range_last,
					 c->off + c->len - 1);
			assert_int_equal(rep[0].r.range_size, size);
		} else if (c->status == 416) {
			assert_true(rep[0].r.range_unsatisfied);
			assert_int_equal(rep[0].r.range_size, size);
		}
		hw_cl_free(cl);
	}
	/* If-Range with our ETag: the range; with another: everything */
	cl = hw_ask("HEAD /r.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'H', rep);
	snprintf(etag, sizeof(etag), "%s", rep[0].r.etag);
	hw_cl_free(cl);
	snprintf(req, sizeof(req), "GET /r.bin HTTP/1.1\r\nHost: t\r\n"
		 "Range: bytes=5-9\r\nIf-Range: %s\r\n\r\n", etag);
	cl = hw_ask(req, 'G', rep);
	assert_int_equal(rep[0].r.status, 206);
	assert_memory_equal(rep[0].body, data + 5, 5);
	hw_cl_free(cl);
	cl = hw_ask("GET /r.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=5-9\r\n"
		 "If-Range: \"other\"\r\n\r\n", 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].body_len, size);
	hw_cl_free(cl);
	/* HEAD ignores Range (RFC 9110 14.2: defined for GET only) */
	cl = hw_ask("HEAD /r.bin HTTP/1.1\r\nHost: t\r\n"
		    "Range: bytes=0-0\r\n\r\n",
		 'H', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].r.content_length, size);
	hw_cl_free(cl);
	free(data);
	hw_settle();
}

struct err_case {
	const char *req;
	int status;
	bool closes;       /* the server ends the connection after it */
};

/* Every error has its exact status; the connection survives the ones
 * whose request could be delimited. */
static const struct err_case err_cases[] = {
	{ "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n", 404, false },
	{ "GET /../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 403,
	  false },
	{ "GET /sub/../../x HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "GET /a%2fb HTTP/1.1\r\nHost: t\r\n\r\n", 400, false },
	{ "GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", 400, false },
	{ "GET /esc HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "GET /escdir/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "GET /sub HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "GET /.x.tusk-tmp.1234 HTTP/1.1\r\nHost: t\r\n\r\n", 404, false },
	{ "GET /f.tusk-part HTTP/1.1\r\nHost: t\r\n\r\n", 404, false },
	{ "PATCH /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 405, false },
	/* the WebDAV namespace under the same path rules (http_server_dav.c) */
	{ "DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "DELETE /.x.tusk-tmp.1234 HTTP/1.1\r\nHost: t\r\n\r\n", 403,
	  false },
	{ "DELETE /f.tusk-part HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "DELETE /escdir/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "DELETE /missing HTTP/1.1\r\nHost: t\r\n\r\n", 404, false },
	{ "DELETE /../x HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "MKCOL / HTTP/1.1\r\nHost: t\r\n\r\n", 405, false },
	{ "MKCOL /sub HTTP/1.1\r\nHost: t\r\n\r\n", 405, false },
	{ "MKCOL /nodir/x HTTP/1.1\r\nHost: t\r\n\r\n", 409, false },
	{ "MKCOL /escdir/x HTTP/1.1\r\nHost: t\r\n\r\n", 403, false },
	{ "MKCOL /m HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx",
	  415, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 400, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /../x\r\n\r\n",
	  403, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /%2e%2e/x\r\n"
	  "\r\n", 403, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: http://u/x\r\n"
	  "\r\n", 502, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: http://t/\r\n"
	  "\r\n", 403, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /x.tusk-part\r\n"
	  "\r\n", 403, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /escdir/x\r\n"
	  "\r\n", 403, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /sub\r\n"
	  "Overwrite: F\r\n\r\n", 412, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /sub\r\n"
	  "Overwrite: X\r\n\r\n", 400, false },
	{ "MOVE /a.bin HTTP/1.1\r\nHost: t\r\nDestination: /nodir/x\r\n"
	  "\r\n", 409, false },
	{ "MOVE /sub HTTP/1.1\r\nHost: t\r\nDestination: /sub/in\r\n\r\n",
	  403, false },
	{ "MOVE /escdir/passwd HTTP/1.1\r\nHost: t\r\nDestination: /p\r\n"
	  "\r\n", 403, false },
	{ "MOVE /.x.tusk-tmp.1234 HTTP/1.1\r\nHost: t\r\nDestination: /p\r\n"
	  "\r\n", 403, false },
	/* third-party COPY refused before it starts (http_server_tpc.c) */
	{ "COPY /n HTTP/1.1\r\nHost: t\r\n\r\n", 400, false },
	{ "COPY /n HTTP/1.1\r\nHost: t\r\nSource: ftp://10.0.0.9/x\r\n"
	  "\r\n", 400, false },
	/* https with no TLS client context (no fetch client here) */
	{ "COPY /a.bin HTTP/1.1\r\nHost: t\r\n"
	  "Destination: https://10.0.0.9/x\r\n\r\n", 400, false },
	/* a name is resolved after the 202; a pull needs the fetch client
	 * first, and this world has none */
	{ "COPY /n HTTP/1.1\r\nHost: t\r\nSource: http://a.name/x\r\n\r\n",
	  503, false },
	{ "COPY /n HTTP/1.1\r\nHost: t\r\nSource: http://10.0.0.9/x\r\n"
	  "X-Number-Of-Streams: 65\r\n\r\n", 400, false },
	{ "COPY /n HTTP/1.1\r\nHost: t\r\nSource: http://10.0.0.9/x\r\n\r\n",
	  503, false },
	{ "COPY /missing HTTP/1.1\r\nHost: t\r\n"
	  "Destination: http://10.0.0.9/x\r\n\r\n", 404, false },
	{ "COPY /sub HTTP/1.1\r\nHost: t\r\n"
	  "Destination: http://10.0.0.9/x\r\n\r\n", 403, false },
	{ "COPY /f.tusk-part HTTP/1.1\r\nHost: t\r\n"
	  "Destination: http://10.0.0.9/x\r\n\r\n", 404, false },
	{ "PUT /n HTTP/1.1\r\nHost: t\r\n\r\n", 411, false },
	{ "PUT /n HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
	  411, true },
	{ "PUT /n HTTP/1.1\r\nHost: t\r\nContent-Length: 67108865\r\n\r\n",
	  413, true },
	{ "PUT /nodir/x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
	  409, false },
	{ "PUT /sub HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx", 403,
	  false },
	{ "PUT /.tusk-tmp.x HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n"
	  "x", 403, false },
	{ "PUT /../x HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx", 403,
	  false },
	{ "GET /a.bin HTTP/1.1\r\nHost: t\r\nExpect: x\r\n\r\n", 417, true },
	{ "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, true },
	{ "GARBAGE\r\n\r\n", 400, true },
	{ "GET / HTTP/1.1\r\n\r\n", 400, true },
	{ "GET /a.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
	  "Content-Length: 2\r\n\r\n", 400, true },
	{ "GET /a.bin HTTP/1.0\r\n\r\n", 200, true },
	{ "GET /a.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 200,
	  true },
};

static void
test_errors(void **state)
{
	static const char follow[] = "HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	char path[512];

	hw_file_make("a.bin", 1000, NULL, NULL);
	snprintf(path, sizeof(path), "%s/esc", hw_root_dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/escdir", hw_root_dir);
	assert_int_equal(symlink("/etc", path), 0);
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		char kind[2] = { c->req[0] == 'P' ? 'P' : 'G', 0 };
		struct hw_reply rep[2];
		struct hw_client *cl = hw_ask(c->req, kind[0], rep);

		if (rep[0].r.status != c->status)
			fail_msg("case %zu: %d, want %d: %s", i,
				 rep[0].r.status, c->status, c->req);
		if (c->status == 405)
			assert_true(hw_has_field(&rep[0],
					      "\r\nAllow: GET, HEAD, PUT, "
					      "PROPFIND, MKCOL, DELETE, MOVE, "
					      "COPY\r\n"));
		if (c->closes) {
			assert_false(rep[0].r.keep_alive);
			assert_true(hw_run_until(hw_client_eof, cl,
					      1000 * NS_PER_MS));
		} else {
			/* the connection still answers */
			assert_true(rep[0].r.keep_alive);
			hw_cl_send(cl, follow, strlen(follow));
			hw_cl_wait(cl, "GH", 2, rep);
			assert_int_equal(rep[1].r.status, 200);
		}
		hw_cl_free(cl);
		hw_settle();
	}
	hw_assert_no_tmp("");
	assert_null(hw_file_read("nodir/x", &(size_t){0}));
}

/* A head over TUSK_HTTP_HEAD_MAX: 431 and the connection closes. */
static void
test_head_too_large(void **state)
{
	size_t n = TUSK_HTTP_HEAD_MAX + 100;
	char *req = malloc(n);
	struct hw_reply rep[1];
	struct hw_client *cl = hw_cl_open();

	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	memset(req + 19, 'a', n - 19);
	hw_cl_send(cl, req, n);
	hw_cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 431);
	assert_true(hw_run_until(hw_client_eof, cl, 1000 * NS_PER_MS));
	hw_cl_free(cl);
	free(req);
	hw_settle();
}

/* An idle keep-alive connection is closed after the idle timeout. */
static void
test_idle_timeout(void **state)
{
	struct hw_reply rep[1];
	struct hw_client *cl = hw_ask("HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n",
				      'H', rep);
	uint64_t t0 = hw_pair.now;

	assert_true(rep[0].r.keep_alive);
	assert_true(hw_run_until(hw_client_eof, cl, 10000 * NS_PER_MS));
	/* idle_ns is 2 s here; the scan runs every 100 ms */
	assert_true(hw_pair.now - t0 >= 2000 * NS_PER_MS);
	assert_true(hw_pair.now - t0 < 2500 * NS_PER_MS);
	hw_cl_free(cl);
	hw_settle();
}

/* A slow reader (its window closed) holds a bounded part of the file in
 * the server, not the whole of it: the rest waits on the disk. */
static void
test_slow_reader(void **state)
{
	static const char get[] = "GET /slow.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	const size_t size = 48u << 20;
	struct hw_reply rep[1];
	struct hw_client *cl;
	uint8_t *data;
	json_t *j;
	json_int_t out;

	hw_file_make("slow.bin", size, NULL, &data);
	cl = hw_cl_open();
	cl->hold = true;
	hw_cl_send(cl, get, strlen(get));
	/* the answer starts at once: the digest is computed behind it */
	assert_true(hw_run_until(hw_client_got_bytes, cl, 60000 * NS_PER_MS));
	hw_run_until(NULL, NULL, 200 * NS_PER_MS);
	j = tusk_http_server_json(hw_srv);
	out = json_integer_value(json_object_get(json_array_get(
		json_object_get(j, "conns"), 0), "bytes_out"));
	json_decref(j);
	print_message("window closed at %zu bytes received; the server read "
		      "%lld\n", cl->len, (long long)out);
	assert_true(cl->len < size / 2);
	/* the queue floor, a chunk read ahead, and the pump's burst */
	assert_true((size_t)out <= cl->len + (4u << 20) + (5u << 20));
	while (cl->len < size + 200) {
		size_t before = cl->len;

		hw_cl_release(cl);
		hw_run_until(NULL, NULL, 10 * NS_PER_MS);
		assert_true(cl->len > before);
	}
	cl->hold = false;
	hw_cl_release(cl);
	hw_cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].body_len, size);
	assert_memory_equal(rep[0].body, data, size);
	hw_cl_free(cl);
	free(data);
	hw_settle();
}

/* Extra whole-file jobs the worker hashes round-robin with the server's:
 * they hold it back (each takes its share of the one worker), so the
 * server's job takes several times the file's hash time. */
#define DECOY_JOBS 3

/* Never hash before the first byte: the first bytes of a GET of a 64 MiB
 * file never hashed arrive while its digest is still being computed
 * (worker held back by decoy jobs); the body is the file's; once hashed,
 * the next GET carries Repr-Digest equal to its SHA-256. */
static void
test_first_byte(void **state)
{
	static const char get[] = "GET /fresh.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	const size_t size = 64u << 20;
	struct tusk_digest_job *decoy[DECOY_JOBS];
	char path[512];
	uint8_t sha[32], *data, *junk;
	struct hw_reply rep[1];
	struct hw_client *cl;
	int fd;

	hw_file_make("fresh.bin", size, sha, &data);
	hw_file_make("decoy.bin", size, NULL, &junk);
	snprintf(path, sizeof(path), "%s/decoy.bin", hw_root_dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	for (int i = 0; i < DECOY_JOBS; i++) {
		decoy[i] = tusk_digest_file(hw_env.digest, fd,
					    TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256));
		assert_non_null(decoy[i]);
	}
	close(fd);
	cl = hw_cl_open();
	hw_cl_send(cl, get, strlen(get));
	assert_true(hw_run_until(hw_client_got_bytes, cl, 60000 * NS_PER_MS));
	/* the head and first bytes are here; the digest is not */
	assert_false(hw_digest_kept((void *)"fresh.bin"));
	hw_cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].body_len, size);
	assert_memory_equal(rep[0].body, data, size);
	assert_false(rep[0].r.has_digest);
	hw_cl_free(cl);
	for (int i = 0; i < DECOY_JOBS; i++)
		tusk_digest_job_free(decoy[i]);
	/* hashed behind the sender and kept for the next request */
	assert_true(hw_run_until(hw_digest_kept, (void *)"fresh.bin",
				 60000 * NS_PER_MS));
	cl = hw_ask(get, 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_memory_equal(rep[0].body, data, size);
	hw_assert_digest(&rep[0], sha);
	hw_cl_free(cl);
	free(data);
	free(junk);
	hw_settle();
}

static json_int_t
behind_skipped(void)
{
	json_t *j = tusk_http_server_json(hw_srv);
	json_int_t n = json_integer_value(json_object_get(
		json_object_get(j, "limits"), "behind_skipped"));

	json_decref(j);
	return n;
}

/* A host whose cores all poll hashes behind a GET only in the lcore's
 * idle iterations (tusk_digest_file_idle). GETs of many files never
 * hashed, with the loop never idle (this test's thread has a lane and
 * never assists): at most HS_BEHIND_MAX such jobs start, the rest are
 * counted and answered alike; a checksum query (HEAD Want-Digest) still
 * finds room in the digest service and gets its digest from the worker.
 * Then the loop idles: the piled jobs finish and are kept. */
static void
test_behind_jobs_capped(void **state)
{
	static const char head[] = "HEAD /q.bin HTTP/1.1\r\nHost: t\r\n"
				   "Want-Digest: sha-256\r\n\r\n";
	json_int_t skipped = behind_skipped();
	struct hw_reply rep[1];
	struct hw_client *cl;
	char req[96], rel[32];
	uint8_t sha[32];
	int kept = 0;

	tusk_digest_svc_assist(hw_env.digest, 0); /* this thread's lane */
	hw_env.digest_behind_idle = true;
	for (int i = 0; i < HS_BEHIND_MAX + 3; i++) {
		snprintf(rel, sizeof(rel), "b%d.bin", i);
		hw_file_make(rel, 4096, NULL, NULL);
		snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: t\r\n"
			 "\r\n", rel);
		cl = hw_ask(req, 'G', rep);
		assert_int_equal(rep[0].r.status, 200);
		assert_false(rep[0].r.has_digest);
		hw_cl_free(cl);
	}
	assert_int_equal(behind_skipped() - skipped, 3);
	hw_file_make("q.bin", 4096, sha, NULL);
	cl = hw_ask(head, 'H', rep);
	assert_int_equal(rep[0].r.status, 200);
	hw_assert_digest(&rep[0], sha);
	hw_cl_free(cl);
	hw_env.digest_behind_idle = false;
	/* jobs take turns, a chunk (here the whole file) per assist */
	for (int i = 0; i < 100; i++)
		tusk_digest_svc_assist(hw_env.digest, 1000 * 1000);
	hw_settle();
	for (int i = 0; i < HS_BEHIND_MAX + 3; i++) {
		snprintf(rel, sizeof(rel), "b%d.bin", i);
		kept += hw_digest_kept(rel);
	}
	assert_int_equal(kept, HS_BEHIND_MAX);
}

/* Statistics: requests by class and bytes, per connection and total. */
static void
test_json(void **state)
{
	json_t *before = tusk_http_server_json(hw_srv), *after, *req0, *req1;
	struct hw_reply rep[1];
	struct hw_client *cl;

	hw_file_make("j.bin", 4096, NULL, NULL);
	cl = hw_ask("GET /j.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	after = tusk_http_server_json(hw_srv);
	assert_int_equal(json_integer_value(json_object_get(after,
		"connections")), 1);
	{
		json_t *c0 = json_array_get(json_object_get(after, "conns"), 0);

		assert_string_equal(json_string_value(json_object_get(c0,
			"path")), "j.bin");
		assert_int_equal(json_integer_value(json_object_get(c0,
			"status")), 200);
		assert_true(json_integer_value(json_object_get(c0,
			"bytes_out")) > 4096);
	}
	hw_cl_free(cl);
	json_decref(after);
	cl = hw_ask("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	hw_cl_free(cl);
	hw_settle();
	after = tusk_http_server_json(hw_srv);
	req0 = json_object_get(before, "requests");
	req1 = json_object_get(after, "requests");
	assert_int_equal(json_integer_value(json_object_get(req1, "2xx")) -
			 json_integer_value(json_object_get(req0, "2xx")), 1);
	assert_int_equal(json_integer_value(json_object_get(req1, "4xx")) -
			 json_integer_value(json_object_get(req0, "4xx")), 1);
	assert_true(json_integer_value(json_object_get(after, "bytes_out")) -
		    json_integer_value(json_object_get(before, "bytes_out")) >
		    4096);
	json_decref(before);
	json_decref(after);
}

/* Bad configurations are refused with EINVAL, a port in use too. */
static void
test_create_errors(void **state)
{
	struct tusk_http_server_conf conf = { .port = HW_PORT + 1 };
	struct tusk_svc_env bad = hw_env;

	/* no access policy: refused, never served unchecked */
	assert_null(tusk_http_server_create(&hw_env, &conf));
	assert_int_equal(rte_errno, EINVAL);
	conf.auth = &hw_auth;
	bad.root = NULL;
	assert_null(tusk_http_server_create(&bad, &conf));
	assert_int_equal(rte_errno, EINVAL);
	conf.port = HW_PORT;
	assert_null(tusk_http_server_create(&hw_env, &conf));
	assert_int_not_equal(rte_errno, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_head_too_large),
		cmocka_unit_test(test_slow_reader),
		cmocka_unit_test(test_first_byte),
		cmocka_unit_test(test_behind_jobs_capped),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_json),
	};

	if (hw_init("http_server") != 0)
		return 1;
	return cmocka_run_group_tests(tests, hw_setup, hw_teardown);
}
