/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP file endpoint (app/svc/http_server.h) end to end, writing side:
 * PUT into a temporary file and atomic commit (201/204), the Repr-Digest
 * check (mismatch: 400, nothing kept), 100-continue, uploads pipelined
 * with other requests, and a client that resets mid-upload. The world is
 * in http_world.h. Each test asserts the files left in the root, that no
 * temporary file remains, and that no connection or mbuf is left behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/sha.h>
#include <rte_errno.h>

#include "http_world.h"
#include "unmet.h"

/* PUT: 201 new, 204 replaced, the Repr-Digest checked (mismatch: 400,
 * the old file untouched), empty bodies, no temporary file left. */
static void
test_put(void **state)
{
	const size_t n1 = (2u << 20) + 7, n2 = 100000;
	uint8_t *b1 = malloc(n1), *b2 = malloc(n2), sha1[32], sha2[32];
	char dig[TUSK_HTTP_DIGEST_STRLEN], extra[128];
	struct hw_reply rep[1];
	struct hw_client *cl;

	for (size_t i = 0; i < n1; i++)
		b1[i] = (uint8_t)(i * 7 + (i >> 9));
	for (size_t i = 0; i < n2; i++)
		b2[i] = (uint8_t)(i * 13 + 1);
	SHA256(b1, n1, sha1);
	SHA256(b2, n2, sha2);
	tusk_http_digest_format(dig, sizeof(dig), sha1);
	snprintf(extra, sizeof(extra), "Repr-Digest: %s\r\n", dig);
	hw_put_once("/up.bin", b1, n1, extra, 201);
	hw_assert_file("up.bin", b1, n1);
	hw_put_once("/up.bin", b2, n2, "", 204);
	hw_assert_file("up.bin", b2, n2);
	/* b1 with b1's digest, but one byte changed on the way */
	b1[12345] ^= 1;
	hw_put_once("/up.bin", b1, n1, extra, 400);
	hw_assert_file("up.bin", b2, n2);
	hw_put_once("/empty", b1, 0, "", 201);
	hw_assert_file("empty", b1, 0);
	hw_put_once("/sub/in.bin", b2, n2, "", 201);
	hw_assert_file("sub/in.bin", b2, n2);
	hw_assert_no_tmp("");
	hw_assert_no_tmp("sub");
	/* what was stored is served with its digest */
	cl = hw_ask("GET /up.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	hw_assert_digest(&rep[0], sha2);
	hw_cl_free(cl);
	free(b1);
	free(b2);
	hw_settle();
}

/* Expect: 100-continue: the interim answer comes before the body is
 * sent; an error comes at once instead (and the connection closes). */
static void
test_continue(void **state)
{
	static const char head[] = "PUT /c.bin HTTP/1.1\r\nHost: t\r\n"
		"Content-Length: 70000\r\nExpect: 100-continue\r\n\r\n";
	static const char bad[] = "PUT /nodir/c.bin HTTP/1.1\r\nHost: t\r\n"
		"Content-Length: 70000\r\nExpect: 100-continue\r\n\r\n";
	uint8_t *body = calloc(1, 70000);
	struct hw_reply rep[2];
	struct hw_client *cl = hw_cl_open();

	hw_cl_send(cl, head, strlen(head));
	hw_cl_wait(cl, "P", 1, rep);
	assert_int_equal(rep[0].r.status, 100);
	hw_cl_send(cl, body, 70000);
	hw_cl_wait(cl, "P", 2, rep);
	assert_int_equal(rep[1].r.status, 201);
	hw_assert_file("c.bin", body, 70000);
	hw_cl_free(cl);
	cl = hw_ask(bad, 'P', rep);
	assert_int_equal(rep[0].r.status, 409);
	assert_false(rep[0].r.keep_alive);
	hw_cl_free(cl);
	free(body);
	hw_settle();
}

/* A PUT and a GET of the same file pipelined in one send: the body ends
 * inside a segment that also carries the next request. */
static void
test_put_then_get(void **state)
{
	const size_t n = 30001;
	uint8_t *b = malloc(n);
	struct hw_reply rep[2];
	struct hw_client *cl;
	size_t len;
	char *req, *both;
	static const char get[] = "GET /pg.bin HTTP/1.1\r\nHost: t\r\n\r\n";

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i ^ (i >> 8));
	req = hw_put_req("/pg.bin", b, n, "", &len);
	both = malloc(len + sizeof(get));
	memcpy(both, req, len);
	memcpy(both + len, get, sizeof(get) - 1);
	cl = hw_cl_open();
	hw_cl_send(cl, both, len + sizeof(get) - 1);
	hw_cl_wait(cl, "PG", 2, rep);
	assert_int_equal(rep[0].r.status, 201);
	assert_int_equal(rep[1].r.status, 200);
	assert_int_equal(rep[1].body_len, n);
	assert_memory_equal(rep[1].body, b, n);
	hw_cl_free(cl);
	free(req);
	free(both);
	free(b);
	hw_settle();
}

/* Three uploads pipelined on one connection, the middle one with a
 * wrong Repr-Digest: 201, 400, 201, and only the good files stored. */
static void
test_put_keepalive(void **state)
{
	static const char bad_dig[] = "Repr-Digest: sha-256=:"
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\r\n";
	const size_t n = 100000;
	uint8_t *b = malloc(n);
	size_t len[3], off = 0;
	char *req[3], *all;
	struct hw_reply rep[3];
	struct hw_client *cl;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31);
	req[0] = hw_put_req("/k1", b, n, "", &len[0]);
	req[1] = hw_put_req("/k2", b, n, bad_dig, &len[1]);
	req[2] = hw_put_req("/k3", b, n / 2, "", &len[2]);
	all = malloc(len[0] + len[1] + len[2]);
	for (int i = 0; i < 3; i++) {
		memcpy(all + off, req[i], len[i]);
		off += len[i];
		free(req[i]);
	}
	cl = hw_cl_open();
	hw_cl_send(cl, all, off);
	hw_cl_wait(cl, "PPP", 3, rep);
	assert_int_equal(rep[0].r.status, 201);
	assert_int_equal(rep[1].r.status, 400);
	assert_int_equal(rep[2].r.status, 201);
	assert_true(rep[2].r.keep_alive);
	hw_assert_file("k1", b, n);
	assert_null(hw_file_read("k2", &off));
	hw_assert_file("k3", b, n / 2);
	hw_assert_no_tmp("");
	hw_cl_free(cl);
	free(all);
	free(b);
	hw_settle();
}

/* A refused upload whose body comes after the answer (a client that
 * does not wait for 100-continue): the connection is closed by FIN and
 * the body drained, never by a RST that could destroy the answer. */
static void
test_refused_body_drained(void **state)
{
	static const char head[] = "PUT /nodir/x HTTP/1.1\r\nHost: t\r\n"
		"Content-Length: 2097152\r\n\r\n";
	uint8_t *body = calloc(1, 2u << 20);
	struct hw_reply rep[1];
	struct hw_client *cl = hw_cl_open();

	hw_cl_send(cl, head, strlen(head));
	hw_cl_wait(cl, "P", 1, rep);
	assert_int_equal(rep[0].r.status, 409);
	assert_false(rep[0].r.keep_alive);
	hw_cl_send(cl, body, 2u << 20);
	assert_true(hw_run_until(hw_client_eof, cl, 1000 * NS_PER_MS));
	hw_run_until(NULL, NULL, 100 * NS_PER_MS);
	assert_int_equal(cl->tx_sent, 2u << 20);
	assert_false(cl->closed); /* no reset came */
	hw_cl_free(cl);
	hw_settle();
	free(body);
}

/* The disk fills mid-upload (a 1 MiB tmpfs inside the root, so the free
 * space check of the root's file system lets the PUT start): 507, the
 * connection closes, the partial file is removed and the space is free
 * again, and the server goes on serving. Needs mount(2) (root): see
 * tusk_test_unmet. */
static void
test_put_enospc(void **state)
{
	static const char get[] = "GET /small/ok HTTP/1.1\r\nHost: t\r\n\r\n";
	const size_t n = 4u << 20;
	uint8_t *b = calloc(1, n);
	struct hw_reply rep[2];
	struct hw_client *cl;
	struct statvfs vfs;
	char dir[512], *req;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/small", hw_root_dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0) {
		free(b);
		tusk_unmet("mount a 1 MiB tmpfs at %s (needs root): %s",
				dir, strerror(errno));
	}
	hw_file_make("small/ok", 1000, NULL, NULL);
	req = hw_put_req("/small/big", b, n, "", &len);
	cl = hw_cl_open();
	hw_cl_send(cl, req, len);
	hw_cl_wait(cl, "P", 1, rep);
	assert_int_equal(rep[0].r.status, 507);
	assert_false(rep[0].r.keep_alive);
	assert_true(hw_run_until(hw_client_eof, cl, 5000 * NS_PER_MS));
	hw_cl_free(cl);
	hw_settle();
	hw_assert_no_tmp("small");
	assert_null(hw_file_read("small/big", &len));
	assert_int_equal(statvfs(dir, &vfs), 0);
	assert_true(vfs.f_bfree * vfs.f_bsize >= (1u << 20) - 2 * 4096);
	/* still serving, on a new connection */
	cl = hw_ask(get, 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].body_len, 1000);
	hw_cl_free(cl);
	hw_settle();
	assert_int_equal(umount(dir), 0);
	free(req);
	free(b);
}

/* The client resets mid-upload: the temporary file is removed, nothing
 * is stored, and the server keeps serving. */
static void
test_reset_mid_put(void **state)
{
	static const char head[] = "PUT /cut.bin HTTP/1.1\r\nHost: t\r\n"
		"Content-Length: 8388608\r\n\r\n";
	uint8_t *body = calloc(1, 1 << 20);
	struct hw_reply rep[1];
	struct hw_client *cl = hw_cl_open();
	size_t n;

	hw_cl_send(cl, head, strlen(head));
	hw_run_until(NULL, NULL, 10 * NS_PER_MS);
	hw_cl_send(cl, body, 1 << 20);
	hw_run_until(NULL, NULL, 10 * NS_PER_MS);
	assert_int_equal(cl->tx_sent, 1 << 20);
	tusk_tcp_abort(cl->c, hw_pair.now);
	cl->c = NULL;
	hw_cl_free(cl);
	hw_settle();
	hw_assert_no_tmp("");
	assert_null(hw_file_read("cut.bin", &n));
	hw_file_make("a.bin", 1000, NULL, NULL);
	cl = hw_ask("HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'H', rep);
	assert_int_equal(rep[0].r.status, 200);
	hw_cl_free(cl);
	free(body);
	hw_settle();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_put_then_get),
		cmocka_unit_test(test_put_keepalive),
		cmocka_unit_test(test_reset_mid_put),
		cmocka_unit_test(test_refused_body_drained),
		cmocka_unit_test(test_put_enospc),
	};

	if (hw_init("http_put") != 0)
		return 1;
	return cmocka_run_group_tests(tests, hw_setup, hw_teardown);
}
