/* SPDX-License-Identifier: BSD-3-Clause */
/* The world of the HTTP endpoint tests (see http_world.h). */
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/sha.h>
#include <rte_mbuf.h>

#include "digest.h"
#include "http_world.h"
#include "root.h"
#include "stack.h"
#include "testenv.h"

/* Bounds so a stuck exchange fails, not hangs. */
#define MAX_STEPS 5000000ULL
#define WALL_LIMIT_NS (60ULL * 1000 * NS_PER_MS)
/* Received bytes a client keeps: a 64 MiB body (test_first_byte) and its
 * response head. */
#define CLIENT_BUF ((64u << 20) + (64u << 10))

struct tusk_pair hw_pair;
struct tusk_http_server *hw_srv;
struct rte_mempool *hw_data_pool;
struct tusk_svc_env hw_env;
char hw_root_dir[] = "/tmp/tusk_http_srv.XXXXXX";
struct tusk_tls_ctx *hw_tls;
void (*hw_poll_hook)(uint64_t now);
struct tusk_http_auth hw_auth;
enum tusk_http_auth_mode hw_auth_mode = TUSK_HTTP_AUTH_OFF;
static struct rte_mempool *stack_pool;
static struct tusk_root *root;
static struct tusk_digest_svc *dsvc;

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
bool
hw_run_until(bool (*done)(void *), void *arg, uint64_t quiet_ns)
{
	uint64_t start = wall_ns(), quiet_since = hw_pair.now;

	for (uint64_t step = 0; step < MAX_STEPS; step++) {
		uint64_t t;

		tusk_pair_step(&hw_pair);
		if (hw_srv != NULL)
			tusk_http_server_poll(hw_srv, hw_pair.now);
		if (hw_poll_hook != NULL)
			hw_poll_hook(hw_pair.now);
		if (done != NULL && done(arg))
			return true;
		t = tusk_pair_next_event(&hw_pair);
		if (tusk_pair_in_flight(&hw_pair) > 0)
			quiet_since = hw_pair.now;
		if (t <= hw_pair.now)
			continue;
		if (t > hw_pair.now + NS_PER_MS) {
			usleep(20);
			t = hw_pair.now + NS_PER_MS;
		}
		hw_pair.now = t;
		if (hw_pair.now - quiet_since > quiet_ns ||
		    wall_ns() - start > WALL_LIMIT_NS)
			return done == NULL;
	}
	return false;
}

/* ---- a raw HTTP client on stack a ---- */

static void
cl_fill(struct hw_client *cl)
{
	while (cl->c != NULL && cl->connected && cl->tx_sent < cl->tx_len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(hw_data_pool);
		size_t n = cl->tx_len - cl->tx_sent;
		char *p;

		assert_non_null(m);
		if (n > rte_pktmbuf_tailroom(m))
			n = rte_pktmbuf_tailroom(m);
		p = rte_pktmbuf_append(m, (uint16_t)n);
		memcpy(p, cl->tx + cl->tx_sent, n);
		if (tusk_tcp_send(cl->c, &m, hw_pair.now) < 0 || m != NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		cl->tx_sent += n;
	}
}

static void
cl_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct hw_client *cl = arg;

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
	struct hw_client *cl = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const void *p;

	assert_true(cl->len + len <= CLIENT_BUF);
	/* a pointer into m when contiguous, else copied into the buffer */
	p = rte_pktmbuf_read(m, 0, len, cl->buf + cl->len);
	if (p != cl->buf + cl->len)
		memcpy(cl->buf + cl->len, p, len);
	cl->len += len;
	rte_pktmbuf_free(m);
	if (cl->hold) {
		cl->held += len;
		return 0;
	}
	return len;
}

void
hw_cl_release(struct hw_client *cl)
{
	if (cl->c != NULL && cl->held > 0)
		tusk_tcp_recv_consumed(cl->c, cl->held, hw_pair.now);
	cl->held = 0;
}

static void
cl_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct hw_client *cl = arg;

	cl->eof = true;
}

static void
cl_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct hw_client *cl = arg;

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
connected_or_closed(void *arg)
{
	struct hw_client *cl = arg;

	return cl->connected || cl->closed;
}

struct hw_client *
hw_cl_try(const struct tusk_tcp_conn_opts *opts)
{
	struct hw_client *cl = calloc(1, sizeof(*cl));
	struct tusk_addr dst = tusk_addr_v4(rte_cpu_to_be_32(
		RTE_IPV4(10, 0, 0, 2)));

	assert_non_null(cl);
	cl->buf = malloc(CLIENT_BUF);
	assert_non_null(cl->buf);
	assert_int_equal(tusk_tcp_connect(hw_pair.a, &dst, HW_PORT, &client_ops,
					  cl, opts, hw_pair.now, &cl->c), 0);
	hw_run_until(connected_or_closed, cl, 5000 * NS_PER_MS);
	return cl;
}

struct hw_client *
hw_cl_open(void)
{
	struct hw_client *cl = hw_cl_try(NULL);

	assert_true(cl->connected);
	return cl;
}

void
hw_cl_send(struct hw_client *cl, const void *bytes, size_t len)
{
	cl->tx = bytes;
	cl->tx_len = len;
	cl->tx_sent = 0;
	cl_fill(cl);
}

/* Close (orderly) and free; the server must follow. */
void
hw_cl_free(struct hw_client *cl)
{
	if (cl->c != NULL)
		tusk_tcp_close(cl->c, hw_pair.now);
	free(cl->buf);
	free(cl);
}

/* Parse the replies in cl->buf: returns how many are complete. kinds[i]
 * is 'H' for the reply to a HEAD (no body). */
static int
parse_replies(struct hw_client *cl, const char *kinds, struct hw_reply *rep,
	      int max)
{
	size_t off = 0;
	int n = 0, k = 0;

	while (n < max && off < cl->len) {
		struct hw_reply *r = &rep[n];
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
	struct hw_client *cl;
	const char *kinds;
	int n;
	struct hw_reply *rep;
};

static bool
replies_ready(void *arg)
{
	struct want *w = arg;

	return parse_replies(w->cl, w->kinds, w->rep, w->n) == w->n;
}

/* Wait for n replies to the requests sent (kinds: 'G'/'H'/'P'). */
void
hw_cl_wait(struct hw_client *cl, const char *kinds, int n, struct hw_reply *rep)
{
	struct want w = { cl, kinds, n, rep };

	/* long: a digest runs in real time while virtual time races */
	if (!hw_run_until(replies_ready, &w, 60000 * NS_PER_MS))
		fail_msg("%d replies did not come; got %zu bytes: %.*s", n,
			 cl->len, (int)(cl->len < 400 ? cl->len : 400),
			 cl->buf);
}

/* One request on a fresh connection, one reply. */
struct hw_client *
hw_ask(const char *req, char kind, struct hw_reply *rep)
{
	struct hw_client *cl = hw_cl_open();
	char kinds[2] = { kind, 0 };

	hw_cl_send(cl, req, strlen(req));
	hw_cl_wait(cl, kinds, 1, rep);
	return cl;
}

static bool
server_idle(void *arg)
{
	json_t *j = tusk_http_server_json(hw_srv);
	json_int_t n = json_integer_value(json_object_get(j, "connections"));

	json_decref(j);
	return n == 0 && tusk_tcp_conn_count(hw_pair.b) == 0 &&
	       tusk_tcp_conn_count(hw_pair.a) == 0;
}

/* After each test: every connection gone, every mbuf back. */
void
hw_settle(void)
{
	assert_true(hw_run_until(server_idle, NULL, 10000 * NS_PER_MS));
	hw_run_until(NULL, NULL, 100 * NS_PER_MS);
	assert_int_equal(rte_mempool_in_use_count(hw_data_pool), 0);
}

/* ---- files ---- */

void
hw_file_make(const char *rel, size_t size, uint8_t sha[32], uint8_t **data)
{
	char path[512];
	uint8_t *b = malloc(size + 1);
	int fd;

	assert_non_null(b);
	for (size_t i = 0; i < size; i++)
		b[i] = (uint8_t)((i * 2654435761u) >> 13 ^ i);
	snprintf(path, sizeof(path), "%s/%s", hw_root_dir, rel);
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
uint8_t *
hw_file_read(const char *rel, size_t *size)
{
	char path[512];
	struct stat st;
	uint8_t *b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", hw_root_dir, rel);
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
void
hw_assert_no_tmp(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", hw_root_dir, dir);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tusk-tmp") != NULL)
			fail_msg("temporary file left: %s", e->d_name);
	closedir(d);
}

bool
hw_has_field(const struct hw_reply *r, const char *line)
{
	return memmem(r->head, r->head_len, line, strlen(line)) != NULL;
}

bool
hw_digest_kept(void *rel)
{
	char path[512];
	struct tusk_digests d;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", hw_root_dir, (const char *)rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	rc = tusk_digest_lookup(fd, TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256), &d);
	close(fd);
	return rc == 0;
}

void
hw_assert_digest(const struct hw_reply *r, const uint8_t sha[32])
{
	assert_true(r->r.has_digest);
	assert_memory_equal(r->r.digest, sha, 32);
}

/* A PUT request (head and body) in a malloc'd buffer. */
char *
hw_put_req(const char *path, const uint8_t *body, size_t len,
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

void
hw_put_once(const char *path, const uint8_t *body, size_t len,
	 const char *extra, int status)
{
	struct hw_reply rep[1];
	struct hw_client *cl = hw_cl_open();
	size_t n;
	char *req = hw_put_req(path, body, len, extra, &n);

	hw_cl_send(cl, req, n);
	hw_cl_wait(cl, "P", 1, rep);
	if (rep[0].r.status != status)
		fail_msg("PUT %s: %d, want %d", path, rep[0].r.status, status);
	hw_cl_free(cl);
	free(req);
}

void
hw_assert_file(const char *rel, const uint8_t *data, size_t len)
{
	size_t n;
	uint8_t *b = hw_file_read(rel, &n);

	assert_non_null(b);
	assert_int_equal(n, len);
	assert_memory_equal(b, data, len);
	free(b);
}

bool
hw_client_eof(void *arg)
{
	return ((struct hw_client *)arg)->eof;
}

bool
hw_client_got_bytes(void *arg)
{
	return ((struct hw_client *)arg)->len > 0;
}

int
hw_setup(void **state)
{
	struct tusk_http_server_conf conf = {
		.port = HW_PORT, .put_max = HW_PUT_MAX,
		.idle_ns = HW_IDLE_NS, .auth = &hw_auth, .tls = hw_tls,
		.https_port = HW_HTTPS_PORT,
	};
	char sub[512];

	/* the endpoint's own tests: no tokens unless a test asks for
	 * them (test_http_auth sets mode required and a secret) */
	if (tusk_http_auth_init(&hw_auth, HW_AUTH_NAME) < 0)
		return -1;
	hw_auth.mode = hw_auth_mode;
	if (mkdtemp(hw_root_dir) == NULL)
		return -1;
	snprintf(sub, sizeof(sub), "%s/sub", hw_root_dir);
	if (mkdir(sub, 0755) < 0 || tusk_root_open(hw_root_dir, &root) < 0)
		return -1;
	dsvc = tusk_digest_svc_create(1);
	if (dsvc == NULL)
		return -1;
	hw_pair.now = 1000;
	if (tusk_pair_init(&hw_pair, stack_pool, 9000, 256, 0) < 0)
		return -1;
	hw_env = (struct tusk_svc_env){ .st = hw_pair.b,
					.data_pool = hw_data_pool,
					.root = root, .digest = dsvc };
	hw_srv = tusk_http_server_create(&hw_env, &conf);
	hw_tls = NULL;
	return hw_srv == NULL ? -1 : 0;
}

int
hw_teardown(void **state)
{
	char cmd[600];

	tusk_http_server_free(hw_srv);
	hw_srv = NULL;
	tusk_http_auth_fini(&hw_auth);
	if (hw_pair.a != NULL)
		hw_run_until(NULL, NULL, 100 * NS_PER_MS);
	tusk_pair_fini(&hw_pair);
	tusk_digest_svc_free(dsvc);
	tusk_root_close(root);
	/* a tmpfs a failed test left mounted (test_put_enospc) */
	snprintf(cmd, sizeof(cmd), "%s/small", hw_root_dir);
	umount2(cmd, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", hw_root_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
hw_init(const char *name)
{
	if (tusk_testenv_init(name, 512) != 0)
		return -1;
	stack_pool = tusk_testenv_pool("hw_stack", 16383, 2048);
	hw_data_pool = tusk_testenv_pool("hw_data", 4095,
					 (uint16_t)TUSK_SVC_DATA_ROOM);
	return stack_pool == NULL || hw_data_pool == NULL ? -1 : 0;
}
