/* SPDX-License-Identifier: BSD-3-Clause */
/* The world of the fetch client tests (see fetch_world.h). */
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
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "adler32.h"
#include "crc32c.h"
#include "digest.h"
#include "fetch_world.h"
#include "http_msg.h"
#include "pair.h"
#include "root.h"
#include "stack.h"
#include "tcp_api.h"
#include "testenv.h"

#define MS 1000000ull
/* One-way delay of the link: a LAN. */
#define LINK_DELAY (50 * 1000ull)
/* Frames the stacks build from (the link holds them in flight too). */
#define STACK_MBUFS 16383
/* Loop bound: a stuck fetch fails the test instead of hanging it. */
#define MAX_STEPS 20000000ull
/* The server's send buffer per connection: keeps its mbufs bounded. */
#define SRV_SND_BUF (1u << 20)
#define SRV_CONNS 128

struct tusk_pair fw_pair;
static struct rte_mempool *stack_pool, *data_pool;

/* ----------------------------------------------------------- server */

static uint8_t
pattern(uint64_t off, uint32_t gen)
{
	return (uint8_t)(((off + gen * 7919u) * 2654435761u) >> 13);
}

struct fw_server fw_srv;

struct sconn {
	struct tusk_tcp_conn *c;
	bool used;
	uint32_t head_len;
	char head[TUSK_HTTP_HEAD_MAX];
	uint64_t off, left;
	bool close_after;
};

static struct sconn sconns[SRV_CONNS];
static struct tusk_http_req sreq;

static void srv_listen(void);

static void
sconn_free(struct sconn *s)
{
	s->used = false;
	s->c = NULL;
	fw_srv.open_conns--;
}

static void
srv_kill(void)
{
	for (unsigned int i = 0; i < SRV_CONNS; i++) {
		if (!sconns[i].used)
			continue;
		tusk_tcp_abort(sconns[i].c, fw_pair.now);
		sconn_free(&sconns[i]);
	}
	tusk_tcp_unlisten(fw_pair.b, 80);
	fw_srv.listening = false;
	fw_srv.relisten_at = fw_pair.now + fw_srv.down_ns;
	fw_srv.kill_at = 0;
}

static void
sconn_fill(struct sconn *s)
{
	while (s->left > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
		uint32_t len = rte_pktmbuf_tailroom(m);
		uint8_t *p;

		if (len > s->left)
			len = (uint32_t)s->left;
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
		for (uint32_t i = 0; i < len; i++)
			p[i] = pattern(s->off + i, fw_srv.gen);
		if (tusk_tcp_send(s->c, &m, fw_pair.now) == 0) {
			/* full: writable() comes back */
			rte_pktmbuf_free(m);
			return;
		}
		assert_null(m);
		s->off += len;
		s->left -= len;
		fw_srv.body_sent += len;
		if (fw_srv.kill_at != 0 && fw_srv.body_sent >= fw_srv.kill_at) {
			srv_kill();
			return;
		}
	}
	if (s->left == 0 && s->close_after) {
		tusk_tcp_close(s->c, fw_pair.now);
		sconn_free(s);
	}
}

static void
srv_answer(struct sconn *s, const struct tusk_http_req *rq)
{
	struct tusk_http_resp_info ri = {
		.status = fw_srv.status ? fw_srv.status : 200,
		.accept_ranges = !fw_srv.no_ranges,
		.etag = fw_srv.no_ranges ? NULL : fw_srv.etag,
		.last_modified = 1700000000,
		.close = fw_srv.no_ranges || !rq->keep_alive,
	};
	uint8_t wrong[32];
	uint64_t off = 0, len = fw_srv.size;
	struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
	int n;

	fw_srv.requests++;
	if (rq->range.kind != TUSK_HTTP_RANGE_NONE)
		fw_srv.range_requests++;
	if (fw_srv.status == 0 && !fw_srv.no_ranges &&
	    tusk_http_range_resolve(&rq->range, fw_srv.size, &off,
				    &len) == 206) {
		ri.status = 206;
		ri.content_range = true;
		ri.range_first = off;
		ri.range_last = off + len - 1;
		ri.size = fw_srv.size;
	}
	if (fw_srv.status != 0)
		len = 0;
	ri.content_length = len;
	memcpy(wrong, fw_srv.sha, 32);
	wrong[0] ^= 1;
	if (fw_srv.digest)
		ri.digest = fw_srv.bad_digest ? wrong : fw_srv.sha;
	n = tusk_http_resp_head(rte_pktmbuf_mtod(m, char *),
				rte_pktmbuf_tailroom(m), &ri);
	assert_true(n > 0);
	rte_pktmbuf_append(m, (uint16_t)n);
	assert_int_equal(tusk_tcp_send(s->c, &m, fw_pair.now), n);
	s->off = off;
	s->left = rq->method == TUSK_HTTP_HEAD ? 0 : len;
	s->close_after = ri.close;
	sconn_fill(s);
}

static uint32_t
s_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m, uint64_t now)
{
	struct sconn *s = arg;
	uint32_t len = m->pkt_len;
	const void *p;
	int hl;

	assert_true(s->head_len + len <= sizeof(s->head));
	p = rte_pktmbuf_read(m, 0, len, s->head + s->head_len);
	if (p != s->head + s->head_len)
		memcpy(s->head + s->head_len, p, len);
	s->head_len += len;
	rte_pktmbuf_free(m);
	hl = tusk_http_req_parse(s->head, s->head_len, &sreq);
	assert_true(hl >= 0);
	if (hl > 0) {
		memmove(s->head, s->head + hl, s->head_len - hl);
		s->head_len -= hl;
		srv_answer(s, &sreq);
	}
	return len;
}

static void
s_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	sconn_fill(arg);
}

static void
s_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	tusk_tcp_close(c, now);
	sconn_free(arg);
}

static void
s_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	sconn_free(arg);
}

static int
s_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	for (unsigned int i = 0; i < SRV_CONNS; i++) {
		if (sconns[i].used)
			continue;
		memset(&sconns[i], 0, offsetof(struct sconn, head));
		sconns[i].used = true;
		sconns[i].c = c;
		*carg = &sconns[i];
		fw_srv.conns++;
		if (++fw_srv.open_conns > fw_srv.max_conns_seen)
			fw_srv.max_conns_seen = fw_srv.open_conns;
		return 0;
	}
	return -ENOMEM;
}

static const struct tusk_tcp_ops srv_ops = {
	.accepted = s_accepted,
	.recv = s_recv,
	.writable = s_writable,
	.peer_closed = s_peer_closed,
	.closed = s_closed,
};

static void
srv_listen(void)
{
	struct tusk_tcp_conn_opts o = { .snd_buf = SRV_SND_BUF };

	assert_int_equal(tusk_tcp_listen(fw_pair.b, 80, &srv_ops, NULL, 64, &o),
			 0);
	fw_srv.listening = true;
}

void
fw_srv_refuse(void)
{
	tusk_tcp_unlisten(fw_pair.b, 80);
	fw_srv.listening = false;
	fw_srv.relisten_at = UINT64_MAX;
}

/* A new file generation: its SHA-256 and ETag. */
void
fw_srv_content(uint64_t size, uint32_t gen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static uint8_t buf[65536];

	fw_srv.size = size;
	fw_srv.gen = gen;
	fw_srv.adler = TUSK_ADLER32_INIT;
	fw_srv.crc = 0;
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		uint64_t n = RTE_MIN(size - off, (uint64_t)sizeof(buf));

		for (uint64_t i = 0; i < n; i++)
			buf[i] = pattern(off + i, gen);
		EVP_DigestUpdate(ctx, buf, n);
		/* in one chain over the file: no folding here */
		fw_srv.adler = tusk_adler32(buf, n, fw_srv.adler);
		fw_srv.crc = tusk_crc32c(buf, n, fw_srv.crc);
	}
	EVP_DigestFinal_ex(ctx, fw_srv.sha, NULL);
	EVP_MD_CTX_free(ctx);
	snprintf(fw_srv.etag, sizeof(fw_srv.etag), "\"gen-%u\"", gen);
}

/* ------------------------------------------------------------ world */

char fw_dir[] = "/tmp/tusk-fetch.XXXXXX";
struct tusk_root *fw_root;
static struct tusk_digest_svc *digests;
struct tusk_fetch *fw_fetch;
struct tusk_fetch_conf fw_conf;
/* The last fw_xfer() (freed by the next one). */
static json_t *xj;

struct tusk_fetch *
fw_fetch_new(void)
{
	struct tusk_svc_env env = {
		.st = fw_pair.a, .data_pool = data_pool, .root = fw_root,
		.digest = digests,
	};
	struct tusk_fetch *nf = tusk_fetch_create(&env, &fw_conf);

	assert_non_null(nf);
	return nf;
}

int
fw_setup(void **state)
{
	if (tusk_testenv_init("fetch", 512) < 0)
		return -1;
	stack_pool = tusk_testenv_pool("fetch_stack", STACK_MBUFS, 2048);
	data_pool = tusk_testenv_pool("fetch_data", 8191,
				      16384 + RTE_PKTMBUF_HEADROOM);
	if (stack_pool == NULL || data_pool == NULL || mkdtemp(fw_dir) == NULL)
		return -1;
	digests = tusk_digest_svc_create(1);
	return digests == NULL || tusk_root_open(fw_dir, &fw_root) < 0 ? -1 : 0;
}

int
fw_teardown(void **state)
{
	char cmd[160];

	json_decref(xj);
	xj = NULL;
	tusk_digest_svc_free(digests);
	tusk_root_close(fw_root);
	/* test_disk_full's tmpfs, if it failed before unmounting it */
	snprintf(cmd, sizeof(cmd), "umount %s/small 2>/dev/null; rm -rf %s",
		 fw_dir, fw_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Fresh stacks, server and client for each test. */
int
fw_before(void **state)
{
	char cmd[128];

	memset(&fw_srv, 0, sizeof(fw_srv));
	memset(sconns, 0, sizeof(sconns));
	memset(&fw_conf, 0, sizeof(fw_conf));
	fw_conf.no_scan = true;
	assert_int_equal(tusk_pair_init(&fw_pair, stack_pool, 9000, 256,
					LINK_DELAY), 0);
	fw_srv.down_ns = 1000 * MS;
	fw_srv_content(FW_FILE_SIZE, 1);
	srv_listen();
	fw_fetch = fw_fetch_new();
	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", fw_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
fw_after(void **state)
{
	tusk_fetch_free(fw_fetch);
	fw_fetch = NULL;
	tusk_pair_fini(&fw_pair);
	return 0;
}

/* The transfer's JSON (kept in xj for the asserts). */
json_t *
fw_xfer(uint32_t id)
{
	json_decref(xj);
	xj = tusk_fetch_xfer_json(fw_fetch, id, fw_pair.now);
	assert_non_null(xj);
	return xj;
}

const char *
fw_xstr(uint32_t id, const char *key)
{
	return json_string_value(json_object_get(fw_xfer(id), key));
}

int64_t
fw_xint(uint32_t id, const char *key)
{
	return json_integer_value(json_object_get(fw_xfer(id), key));
}

static bool
finished(uint32_t id)
{
	const char *s = fw_xstr(id, "state");

	return strcmp(s, "done") == 0 || strcmp(s, "failed") == 0;
}

static bool
reached(uint32_t id, uint64_t stop_at)
{
	if (stop_at == FW_RUN_PROBED)
		return strcmp(fw_xstr(id, "state"), "probing") != 0;
	if (stop_at != 0)
		return (uint64_t)fw_xint(id, "bytes_fetched") >= stop_at;
	return finished(id);
}

void
fw_run(uint32_t id, uint64_t stop_at)
{
	for (uint64_t step = 0; step < MAX_STEPS; step++) {
		uint64_t t;

		tusk_pair_step(&fw_pair);
		tusk_fetch_poll(fw_fetch, fw_pair.now);
		if (!fw_srv.listening && fw_pair.now >= fw_srv.relisten_at)
			srv_listen();
		if ((step % 64 == 0 || stop_at == FW_RUN_PROBED) &&
		    reached(id, stop_at))
			return;
		t = tusk_pair_next_event(&fw_pair);
		/* the fetch's own timers have no event: step by 1 ms */
		if (t > fw_pair.now + MS)
			t = fw_pair.now + MS;
		if (t > fw_pair.now)
			fw_pair.now = t;
	}
	fail_msg("fetch %u did not finish (server: %u requests, %llu "
		 "bytes): %s", id, fw_srv.requests,
		 (unsigned long long)fw_srv.body_sent,
		 json_dumps(fw_xfer(id), JSON_COMPACT));
}

uint32_t
fw_start_req(const struct tusk_fetch_req *req)
{
	char err[256] = "";
	uint32_t id = 0;

	if (tusk_fetch_start(fw_fetch, req, fw_pair.now, &id, err,
			     sizeof(err)) < 0)
		fail_msg("start %s: %s", req->url, err);
	return id;
}

uint32_t
fw_start(const char *url, const char *dest, uint32_t streams)
{
	struct tusk_fetch_req rq = { .url = url, .dest = dest,
				     .streams = streams };

	return fw_start_req(&rq);
}

/* The file under the root is the served content of generation gen. */
void
fw_assert_file(const char *rel, uint32_t gen)
{
	static uint8_t buf[1 << 20];
	uint64_t off = 0;
	int fd = tusk_root_openat(fw_root, rel, O_RDONLY, 0);
	ssize_t n;

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(off + i, gen))
				fail_msg("%s: byte %llu differs", rel,
					 (unsigned long long)(off + i));
		off += (uint64_t)n;
	}
	close(fd);
	assert_int_equal(off, fw_srv.size);
}

bool
fw_exists(const char *rel)
{
	struct stat st;

	return tusk_root_stat(fw_root, rel, &st) == 0;
}

/* Records and part files are written and removed by the fetch's disk
 * thread: give it a moment (2 s at most). */
bool
fw_appears(const char *rel)
{
	for (int i = 0; i < 2000 && !fw_exists(rel); i++)
		usleep(1000);
	return fw_exists(rel);
}

bool
fw_disappears(const char *rel)
{
	for (int i = 0; i < 2000 && fw_exists(rel); i++)
		usleep(1000);
	return !fw_exists(rel);
}

void
fw_assert_sha(uint32_t id)
{
	char hex[65];

	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", fw_srv.sha[i]);
	assert_string_equal(fw_xstr(id, "sha256"), hex);
}

void
fw_assert_digest32(uint32_t id, const char *name, uint32_t want)
{
	json_t *d = json_object_get(fw_xfer(id), "digests");
	char hex[9];

	snprintf(hex, sizeof(hex), "%08x", want);
	assert_non_null(json_object_get(d, name));
	assert_string_equal(json_string_value(json_object_get(d, name)), hex);
}

/* The state changes logged since seq `after` are exactly `want` (ids
 * and states, from -1: new), numbered after+1, after+2, ... */
void
fw_assert_changes(uint64_t after, const struct tusk_fetch_change *want,
	       unsigned int n)
{
	struct tusk_fetch_change got[TUSK_FETCH_CHANGES_MAX];
	uint64_t lost, last;
	unsigned int k = tusk_fetch_changes(fw_fetch, after, got, RTE_DIM(got),
					    &lost, &last);

	assert_int_equal(lost, 0);
	assert_int_equal(k, n);
	assert_int_equal(last, after + n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(got[i].seq, after + 1 + i);
		assert_int_equal(got[i].id, want[i].id);
		assert_int_equal(got[i].from, want[i].from);
		assert_int_equal(got[i].to, want[i].to);
	}
}

