/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP file endpoint on one stack, driven by a client on a second
 * stack over an in-process link (no delay, no loss) in virtual time, with
 * a real data root in a temporary directory and the real digest worker:
 *
 *   stack A 10.0.0.1: raw HTTP client  <-- link -->  stack B 10.0.0.2:
 *                                                   tusk_http_server
 *
 * Each test sends request bytes and asserts the exact statuses, fields
 * and body bytes, the files left in the root (and no temporary file),
 * and that no connection or mbuf is left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/sha.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "digest.h"
#include "http_msg.h"
#include "http_server.h"
#include "root.h"
#include "stack.h"
#include "tcp_api.h"
#include "pair.h"
#include "testenv.h"

#define NS_PER_MS 1000000ULL
#define SRV_PORT 8080
/* Bounds so a stuck exchange fails, not hangs. */
#define MAX_STEPS 5000000ULL
#define WALL_LIMIT_NS (60ULL * 1000 * NS_PER_MS)
/* Test PUT limit, to see 413. */
#define PUT_MAX (64u << 20)
/* Received bytes a client keeps. */
#define CLIENT_BUF (32u << 20)
#define MAX_REPLIES 8

static struct tusk_pair pr; /* a: the client, b: the server */
static struct rte_mempool *stack_pool, *data_pool;
static struct tusk_http_server *srv;
static struct tusk_root *root;
static struct tusk_digest_svc *dsvc;
static struct tusk_svc_env env;
static char root_dir[] = "/tmp/tusk_http_srv.XXXXXX";

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Run the world until done(arg) or it goes quiet for `quiet_ns` of
 * virtual time. The digest worker runs in real time: when nothing is
 * due the loop sleeps a little and moves virtual time by 1 ms. */
static bool
run_until(bool (*done)(void *), void *arg, uint64_t quiet_ns)
{
	uint64_t start = wall_ns(), quiet_since = pr.now;

	for (uint64_t step = 0; step < MAX_STEPS; step++) {
		uint64_t t;

		tusk_pair_step(&pr);
		if (srv != NULL)
			tusk_http_server_poll(srv, pr.now);
		if (done != NULL && done(arg))
			return true;
		t = tusk_pair_next_event(&pr);
		if (tusk_pair_in_flight(&pr) > 0)
			quiet_since = pr.now;
		if (t <= pr.now)
			continue;
		if (t > pr.now + NS_PER_MS) {
			usleep(20);
			t = pr.now + NS_PER_MS;
		}
		pr.now = t;
		if (pr.now - quiet_since > quiet_ns ||
		    wall_ns() - start > WALL_LIMIT_NS)
			return done == NULL;
	}
	return false;
}

/* ---- a raw HTTP client on stack A ---- */

struct client {
	struct tusk_tcp_conn *c;
	bool connected, eof, closed;
	int err;
	char *buf;               /* everything received */
	size_t len;
	const char *tx;          /* bytes to send */
	size_t tx_len, tx_sent;
};

struct reply {
	struct tusk_http_resp r;
	const char *head;
	size_t head_len;
	const char *body;
	size_t body_len;
};

static void
cl_fill(struct client *cl)
{
	while (cl->c != NULL && cl->connected && cl->tx_sent < cl->tx_len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
		size_t n = cl->tx_len - cl->tx_sent;
		char *p;

		assert_non_null(m);
		if (n > rte_pktmbuf_tailroom(m))
			n = rte_pktmbuf_tailroom(m);
		p = rte_pktmbuf_append(m, (uint16_t)n);
		memcpy(p, cl->tx + cl->tx_sent, n);
		if (tusk_tcp_send(cl->c, &m, pr.now) < 0 || m != NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		cl->tx_sent += n;
	}
}

static void
cl_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct client *cl = arg;

	cl->connected = true;
	cl_fill(cl);
}

static void
cl_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	cl_fill(arg);
}

static uint32_t
cl_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m, uint64_t now)
{
	struct client *cl = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	const void *p;

	assert_true(cl->len + len <= CLIENT_BUF);
	/* a pointer into m when contiguous, else copied into the buffer */
	p = rte_pktmbuf_read(m, 0, len, cl->buf + cl->len);
	if (p != cl->buf + cl->len)
		memcpy(cl->buf + cl->len, p, len);
	cl->len += len;
	rte_pktmbuf_free(m);
	return len;
}

static void
cl_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct client *cl = arg;

	cl->eof = true;
}

static void
cl_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct client *cl = arg;

	cl->closed = true;
	cl->err = err;
	cl->c = NULL;
}

static const struct tusk_tcp_ops client_ops = {
	.connected = cl_connected,
	.recv = cl_recv,
	.writable = cl_writable,
	.peer_closed = cl_peer_closed,
	.closed = cl_closed,
};

static bool
is_connected(void *arg)
{
	return ((struct client *)arg)->connected;
}

static struct client *
cl_open(void)
{
	struct client *cl = calloc(1, sizeof(*cl));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(
		RTE_IPV4(10, 0, 0, 2)));

	assert_non_null(cl);
	cl->buf = malloc(CLIENT_BUF);
	assert_non_null(cl->buf);
	assert_int_equal(tusk_tcp_connect(pr.a, &dst, SRV_PORT, &client_ops, cl,
					  NULL, pr.now, &cl->c), 0);
	assert_true(run_until(is_connected, cl, 5000 * NS_PER_MS));
	return cl;
}

static void
cl_send(struct client *cl, const void *bytes, size_t len)
{
	cl->tx = bytes;
	cl->tx_len = len;
	cl->tx_sent = 0;
	cl_fill(cl);
}

/* Close (orderly) and free; the server must follow. */
static void
cl_free(struct client *cl)
{
	if (cl->c != NULL)
		tusk_tcp_close(cl->c, pr.now);
	free(cl->buf);
	free(cl);
}

/* Parse the replies in cl->buf: returns how many are complete. kinds[i]
 * is 'H' for the reply to a HEAD (no body). */
static int
parse_replies(struct client *cl, const char *kinds, struct reply *rep,
	      int max)
{
	size_t off = 0;
	int n = 0, k = 0;

	while (n < max && off < cl->len) {
		struct reply *r = &rep[n];
		int h = tusk_http_resp_parse(cl->buf + off, cl->len - off,
					     &r->r);
		size_t body;

		assert_true(h >= 0);
		if (h == 0)
			break;
		body = r->r.status < 200 || r->r.status == 204 ||
		       kinds[k] == 'H' ? 0 : r->r.content_length;
		if (cl->len - off < (size_t)h + body)
			break;
		r->head = cl->buf + off;
		r->head_len = (size_t)h;
		r->body = cl->buf + off + h;
		r->body_len = body;
		off += (size_t)h + body;
		if (r->r.status >= 200)
			k++; /* interim answers share the request's kind */
		n++;
	}
	return n;
}

struct want {
	struct client *cl;
	const char *kinds;
	int n;
	struct reply *rep;
};

static bool
replies_ready(void *arg)
{
	struct want *w = arg;

	return parse_replies(w->cl, w->kinds, w->rep, w->n) == w->n;
}

/* Wait for n replies to the requests sent (kinds: 'G'/'H'/'P'). */
static void
cl_wait(struct client *cl, const char *kinds, int n, struct reply *rep)
{
	struct want w = { cl, kinds, n, rep };

	/* long: a digest runs in real time while virtual time races */
	if (!run_until(replies_ready, &w, 60000 * NS_PER_MS))
		fail_msg("%d replies did not come; got %zu bytes: %.*s", n,
			 cl->len, (int)(cl->len < 400 ? cl->len : 400),
			 cl->buf);
}

/* One request on a fresh connection, one reply. */
static struct client *
ask(const char *req, char kind, struct reply *rep)
{
	struct client *cl = cl_open();
	char kinds[2] = { kind, 0 };

	cl_send(cl, req, strlen(req));
	cl_wait(cl, kinds, 1, rep);
	return cl;
}

static bool
server_idle(void *arg)
{
	json_t *j = tusk_http_server_json(srv);
	json_int_t n = json_integer_value(json_object_get(j, "connections"));

	json_decref(j);
	return n == 0 && tusk_tcp_conn_count(pr.b) == 0 &&
	       tusk_tcp_conn_count(pr.a) == 0;
}

/* After each test: every connection gone, every mbuf back. */
static void
settle(void)
{
	assert_true(run_until(server_idle, NULL, 10000 * NS_PER_MS));
	run_until(NULL, NULL, 100 * NS_PER_MS);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
}

/* ---- files ---- */

static void
file_make(const char *rel, size_t size, uint8_t sha[32], uint8_t **data)
{
	char path[512];
	uint8_t *b = malloc(size + 1);
	int fd;

	assert_non_null(b);
	for (size_t i = 0; i < size; i++)
		b[i] = (uint8_t)((i * 2654435761u) >> 13 ^ i);
	snprintf(path, sizeof(path), "%s/%s", root_dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, size), (ssize_t)size);
	close(fd);
	if (sha != NULL)
		SHA256(b, size, sha);
	if (data != NULL)
		*data = b;
	else
		free(b);
}

/* The file's bytes (NULL if absent); *size set. */
static uint8_t *
file_read(const char *rel, size_t *size)
{
	char path[512];
	struct stat st;
	uint8_t *b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root_dir, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*size = (size_t)st.st_size;
	return b;
}

/* No temporary upload file anywhere in dir (relative to the root). */
static void
assert_no_tmp(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", root_dir, dir);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tusk-tmp") != NULL)
			fail_msg("temporary file left: %s", e->d_name);
	closedir(d);
}

static bool
has_field(const struct reply *r, const char *line)
{
	return memmem(r->head, r->head_len, line, strlen(line)) != NULL;
}

static void
assert_digest(const struct reply *r, const uint8_t sha[32])
{
	assert_true(r->r.has_digest);
	assert_memory_equal(r->r.digest, sha, 32);
}

/* ---- tests ---- */

/* GET of a whole file: the bytes, length, validators and the SHA-256
 * computed by the worker; then pipelined GET, HEAD, GET on one
 * connection answered in order, the digest now kept. */
static void
test_get(void **state)
{
	static const char pipelined[] =
		"GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n"
		"HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n"
		"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n";
	const size_t size = (3u << 20) + 123;
	uint8_t sha[32], sha_small[32], *data, *small;
	struct reply rep[3];
	struct client *cl;

	file_make("a.bin", size, sha, &data);
	file_make("small.txt", 5, sha_small, &small);
	cl = ask("GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].r.content_length, size);
	assert_int_equal(rep[0].body_len, size);
	assert_memory_equal(rep[0].body, data, size);
	assert_digest(&rep[0], sha);
	assert_true(rep[0].r.accept_ranges);
	assert_true(rep[0].r.keep_alive);
	assert_true(rep[0].r.etag[0] == '"');
	assert_true(rep[0].r.last_modified[0] != '\0');
	assert_true(has_field(&rep[0], "\r\nDate: "));
	cl->len = 0;
	cl_send(cl, pipelined, strlen(pipelined));
	cl_wait(cl, "GHG", 3, rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_memory_equal(rep[0].body, data, size);
	assert_digest(&rep[0], sha);
	assert_int_equal(rep[1].r.status, 200);
	assert_int_equal(rep[1].r.content_length, size);
	assert_digest(&rep[1], sha);
	assert_int_equal(rep[2].r.status, 200);
	assert_int_equal(rep[2].body_len, 5);
	assert_memory_equal(rep[2].body, small, 5);
	assert_digest(&rep[2], sha_small);
	/* nothing after the three answers */
	assert_int_equal(cl->len, (size_t)(rep[2].body + 5 - cl->buf));
	cl_free(cl);
	free(data);
	free(small);
	settle();
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
	struct reply rep[1];
	struct client *cl;
	uint8_t *data;

	file_make("r.bin", size, NULL, &data);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct range_case *c = &cases[i];

		snprintf(req, sizeof(req), "GET /r.bin HTTP/1.1\r\nHost: t\r\n"
			 "Range: %s\r\n\r\n", c->range);
		cl = ask(req, 'G', rep);
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
		cl_free(cl);
	}
	/* If-Range with our ETag: the range; with another: everything */
	cl = ask("HEAD /r.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'H', rep);
	snprintf(etag, sizeof(etag), "%s", rep[0].r.etag);
	cl_free(cl);
	snprintf(req, sizeof(req), "GET /r.bin HTTP/1.1\r\nHost: t\r\n"
		 "Range: bytes=5-9\r\nIf-Range: %s\r\n\r\n", etag);
	cl = ask(req, 'G', rep);
	assert_int_equal(rep[0].r.status, 206);
	assert_memory_equal(rep[0].body, data + 5, 5);
	cl_free(cl);
	cl = ask("GET /r.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=5-9\r\n"
		 "If-Range: \"other\"\r\n\r\n", 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].body_len, size);
	cl_free(cl);
	/* HEAD ignores Range (RFC 9110 14.2: defined for GET only) */
	cl = ask("HEAD /r.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-0\r\n\r\n",
		 'H', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_int_equal(rep[0].r.content_length, size);
	cl_free(cl);
	free(data);
	settle();
}

/* A PUT request (head and body) in a malloc'd buffer. */
static char *
put_req(const char *path, const uint8_t *body, size_t len,
	const char *extra, size_t *out_len)
{
	char head[512];
	int h = snprintf(head, sizeof(head), "PUT %s HTTP/1.1\r\nHost: t\r\n"
			 "Content-Length: %zu\r\n%s\r\n", path, len, extra);
	char *b = malloc((size_t)h + len);

	assert_non_null(b);
	memcpy(b, head, (size_t)h);
	memcpy(b + h, body, len);
	*out_len = (size_t)h + len;
	return b;
}

static void
put_once(const char *path, const uint8_t *body, size_t len,
	 const char *extra, int status)
{
	struct reply rep[1];
	struct client *cl = cl_open();
	size_t n;
	char *req = put_req(path, body, len, extra, &n);

	cl_send(cl, req, n);
	cl_wait(cl, "P", 1, rep);
	if (rep[0].r.status != status)
		fail_msg("PUT %s: %d, want %d", path, rep[0].r.status, status);
	cl_free(cl);
	free(req);
}

static void
assert_file(const char *rel, const uint8_t *data, size_t len)
{
	size_t n;
	uint8_t *b = file_read(rel, &n);

	assert_non_null(b);
	assert_int_equal(n, len);
	assert_memory_equal(b, data, len);
	free(b);
}

/* PUT: 201 new, 204 replaced, the Repr-Digest checked (mismatch: 400,
 * the old file untouched), empty bodies, no temporary file left. */
static void
test_put(void **state)
{
	const size_t n1 = (2u << 20) + 7, n2 = 100000;
	uint8_t *b1 = malloc(n1), *b2 = malloc(n2), sha1[32], sha2[32];
	char dig[TUSK_HTTP_DIGEST_STRLEN], extra[128];
	struct reply rep[1];
	struct client *cl;

	for (size_t i = 0; i < n1; i++)
		b1[i] = (uint8_t)(i * 7 + (i >> 9));
	for (size_t i = 0; i < n2; i++)
		b2[i] = (uint8_t)(i * 13 + 1);
	SHA256(b1, n1, sha1);
	SHA256(b2, n2, sha2);
	tusk_http_digest_format(dig, sizeof(dig), sha1);
	snprintf(extra, sizeof(extra), "Repr-Digest: %s\r\n", dig);
	put_once("/up.bin", b1, n1, extra, 201);
	assert_file("up.bin", b1, n1);
	put_once("/up.bin", b2, n2, "", 204);
	assert_file("up.bin", b2, n2);
	/* b1 with b1's digest, but one byte changed on the way */
	b1[12345] ^= 1;
	put_once("/up.bin", b1, n1, extra, 400);
	assert_file("up.bin", b2, n2);
	put_once("/empty", b1, 0, "", 201);
	assert_file("empty", b1, 0);
	put_once("/sub/in.bin", b2, n2, "", 201);
	assert_file("sub/in.bin", b2, n2);
	assert_no_tmp("");
	assert_no_tmp("sub");
	/* what was stored is served with its digest */
	cl = ask("GET /up.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	assert_digest(&rep[0], sha2);
	cl_free(cl);
	free(b1);
	free(b2);
	settle();
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
	struct reply rep[2];
	struct client *cl = cl_open();

	cl_send(cl, head, strlen(head));
	cl_wait(cl, "P", 1, rep);
	assert_int_equal(rep[0].r.status, 100);
	cl_send(cl, body, 70000);
	cl_wait(cl, "P", 2, rep);
	assert_int_equal(rep[1].r.status, 201);
	assert_file("c.bin", body, 70000);
	cl_free(cl);
	cl = ask(bad, 'P', rep);
	assert_int_equal(rep[0].r.status, 409);
	assert_false(rep[0].r.keep_alive);
	cl_free(cl);
	free(body);
	settle();
}

/* A PUT and a GET of the same file pipelined in one send: the body ends
 * inside a segment that also carries the next request. */
static void
test_put_then_get(void **state)
{
	const size_t n = 30001;
	uint8_t *b = malloc(n);
	struct reply rep[2];
	struct client *cl;
	size_t len;
	char *req, *both;
	static const char get[] = "GET /pg.bin HTTP/1.1\r\nHost: t\r\n\r\n";

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i ^ (i >> 8));
	req = put_req("/pg.bin", b, n, "", &len);
	both = malloc(len + sizeof(get));
	memcpy(both, req, len);
	memcpy(both + len, get, sizeof(get) - 1);
	cl = cl_open();
	cl_send(cl, both, len + sizeof(get) - 1);
	cl_wait(cl, "PG", 2, rep);
	assert_int_equal(rep[0].r.status, 201);
	assert_int_equal(rep[1].r.status, 200);
	assert_int_equal(rep[1].body_len, n);
	assert_memory_equal(rep[1].body, b, n);
	cl_free(cl);
	free(req);
	free(both);
	free(b);
	settle();
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
	{ "DELETE /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 405, false },
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

static bool
client_eof(void *arg)
{
	return ((struct client *)arg)->eof;
}

static void
test_errors(void **state)
{
	static const char follow[] = "HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	char path[512];

	file_make("a.bin", 1000, NULL, NULL);
	snprintf(path, sizeof(path), "%s/esc", root_dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/escdir", root_dir);
	assert_int_equal(symlink("/etc", path), 0);
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		char kind[2] = { c->req[0] == 'P' ? 'P' : 'G', 0 };
		struct reply rep[2];
		struct client *cl = ask(c->req, kind[0], rep);

		if (rep[0].r.status != c->status)
			fail_msg("case %zu: %d, want %d: %s", i,
				 rep[0].r.status, c->status, c->req);
		if (c->status == 405)
			assert_true(has_field(&rep[0],
					      "\r\nAllow: GET, HEAD, PUT\r\n"));
		if (c->closes) {
			assert_false(rep[0].r.keep_alive);
			assert_true(run_until(client_eof, cl,
					      1000 * NS_PER_MS));
		} else {
			/* the connection still answers */
			assert_true(rep[0].r.keep_alive);
			cl_send(cl, follow, strlen(follow));
			cl_wait(cl, "GH", 2, rep);
			assert_int_equal(rep[1].r.status, 200);
		}
		cl_free(cl);
		settle();
	}
	assert_no_tmp("");
	assert_null(file_read("nodir/x", &(size_t){0}));
}

/* A head over TUSK_HTTP_HEAD_MAX: 431 and the connection closes. */
static void
test_head_too_large(void **state)
{
	size_t n = TUSK_HTTP_HEAD_MAX + 100;
	char *req = malloc(n);
	struct reply rep[1];
	struct client *cl = cl_open();

	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	memset(req + 19, 'a', n - 19);
	cl_send(cl, req, n);
	cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 431);
	assert_true(run_until(client_eof, cl, 1000 * NS_PER_MS));
	cl_free(cl);
	free(req);
	settle();
}

/* The client resets mid-upload: the temporary file is removed, nothing
 * is stored, and the server keeps serving. */
static void
test_reset_mid_put(void **state)
{
	static const char head[] = "PUT /cut.bin HTTP/1.1\r\nHost: t\r\n"
		"Content-Length: 8388608\r\n\r\n";
	uint8_t *body = calloc(1, 1 << 20);
	struct reply rep[1];
	struct client *cl = cl_open();
	size_t n;

	cl_send(cl, head, strlen(head));
	run_until(NULL, NULL, 10 * NS_PER_MS);
	cl_send(cl, body, 1 << 20);
	run_until(NULL, NULL, 10 * NS_PER_MS);
	assert_int_equal(cl->tx_sent, 1 << 20);
	tusk_tcp_abort(cl->c, pr.now);
	cl->c = NULL;
	cl_free(cl);
	settle();
	assert_no_tmp("");
	assert_null(file_read("cut.bin", &n));
	cl = ask("HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'H', rep);
	assert_int_equal(rep[0].r.status, 200);
	cl_free(cl);
	free(body);
	settle();
}

/* An idle keep-alive connection is closed after the idle timeout. */
static void
test_idle_timeout(void **state)
{
	struct reply rep[1];
	struct client *cl = ask("HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'H',
				rep);
	uint64_t t0 = pr.now;

	assert_true(rep[0].r.keep_alive);
	assert_true(run_until(client_eof, cl, 10000 * NS_PER_MS));
	/* idle_ns is 2 s here; the scan runs every 100 ms */
	assert_true(pr.now - t0 >= 2000 * NS_PER_MS);
	assert_true(pr.now - t0 < 2500 * NS_PER_MS);
	cl_free(cl);
	settle();
}

/* Statistics: requests by class and bytes, per connection and total. */
static void
test_json(void **state)
{
	json_t *before = tusk_http_server_json(srv), *after, *req0, *req1;
	struct reply rep[1];
	struct client *cl;

	file_make("j.bin", 4096, NULL, NULL);
	cl = ask("GET /j.bin HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	after = tusk_http_server_json(srv);
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
	cl_free(cl);
	json_decref(after);
	cl = ask("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 'G', rep);
	cl_free(cl);
	settle();
	after = tusk_http_server_json(srv);
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

/* ---- the world ---- */

static int
setup(void **state)
{
	struct tusk_http_server_conf conf = {
		.port = SRV_PORT, .put_max = PUT_MAX,
		.idle_ns = 2000 * NS_PER_MS,
	};
	char sub[512];

	if (mkdtemp(root_dir) == NULL)
		return -1;
	snprintf(sub, sizeof(sub), "%s/sub", root_dir);
	if (mkdir(sub, 0755) < 0 || tusk_root_open(root_dir, &root) < 0)
		return -1;
	dsvc = tusk_digest_svc_create(1);
	if (dsvc == NULL)
		return -1;
	pr.now = 1000;
	if (tusk_pair_init(&pr, stack_pool, 9000, 256, 0) < 0)
		return -1;
	env = (struct tusk_svc_env){ .st = pr.b, .data_pool = data_pool,
				     .root = root, .digest = dsvc };
	srv = tusk_http_server_create(&env, &conf);
	return srv == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	tusk_http_server_free(srv);
	srv = NULL;
	if (pr.a != NULL)
		run_until(NULL, NULL, 100 * NS_PER_MS);
	tusk_pair_fini(&pr);
	tusk_digest_svc_free(dsvc);
	tusk_root_close(root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Bad configurations are refused with EINVAL, a port in use too. */
static void
test_create_errors(void **state)
{
	struct tusk_http_server_conf conf = { .port = SRV_PORT };
	struct tusk_svc_env bad = env;

	bad.root = NULL;
	assert_null(tusk_http_server_create(&bad, &conf));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(tusk_http_server_create(&env, &conf));
	assert_int_not_equal(rte_errno, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_put_then_get),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_head_too_large),
		cmocka_unit_test(test_reset_mid_put),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_json),
	};

	if (tusk_testenv_init("http_server", 512) != 0)
		return 1;
	stack_pool = tusk_testenv_pool("hs_stack", 16383, 2048);
	data_pool = tusk_testenv_pool("hs_data", 4095,
				      (uint16_t)TUSK_SVC_DATA_ROOM);
	if (stack_pool == NULL || data_pool == NULL)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
