/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client end to end in one process: its stack and a second
 * stack running a small HTTP/1.1 file server (written here, so that it can
 * misbehave on cue), joined by an in-process link in virtual time. The
 * digest worker and the data root are the real ones (a temp directory).
 *
 *   stack A 10.0.0.1: tusk_fetch  ---- link ----  stack B 10.0.0.2: server
 *
 * Checked: the file lands intact with N range streams; a server that
 * ignores Range (as python3 -m http.server) is fetched whole with one
 * stream; a server killed mid-transfer (connections reset, then refused)
 * is waited for and the fetch resumes without refetching finished blocks;
 * a client stopped half-way resumes from its record, re-reads finished
 * blocks and refetches only a corrupted one; a changed source starts
 * over; a wrong Repr-Digest fails and keeps nothing; 404 and a dead
 * server fail with their reasons; bad requests are refused.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "digest.h"
#include "http_fetch.h"
#include "http_msg.h"
#include "root.h"
#include "stack.h"
#include "tcp_api.h"
#include "testenv.h"
#include "unmet.h"

#define MS 1000000ull
#define MiB (1ull << 20)
/* Frames in flight per direction at most (the link drops past it). */
#define LINK_SLOTS 16384
/* One-way delay of the link: a LAN. */
#define LINK_DELAY (50 * 1000ull)
/* Loop bound: a stuck fetch fails the test instead of hanging it. */
#define MAX_STEPS 20000000ull
/* The server's send buffer per connection: keeps its mbufs bounded. */
#define SRV_SND_BUF (1u << 20)
/* The file served: 5 blocks of 8 MiB and a short one. */
#define FILE_SIZE (40 * MiB + 12345)
#define SRV_CONNS 128

/* ------------------------------------------------------------- link */

struct link_dir {
	uint64_t at[LINK_SLOTS];
	struct rte_mbuf *q[LINK_SLOTS];
	uint32_t head, n;
};

static struct rte_mempool *stack_pool, *data_pool;
static struct link_dir dirs[2];
static uint64_t vnow;
static struct tusk_stack *sta, *stb;

static uint16_t
link_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct link_dir *d = arg;

	for (uint16_t i = 0; i < n; i++) {
		if (d->n == LINK_SLOTS) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		d->q[(d->head + d->n) % LINK_SLOTS] = pkts[i];
		d->at[(d->head + d->n) % LINK_SLOTS] = vnow + LINK_DELAY;
		d->n++;
	}
	return n;
}

static void
deliver(struct link_dir *d, struct tusk_stack *to)
{
	while (d->n > 0 && d->at[d->head] <= vnow) {
		struct rte_mbuf *m = d->q[d->head];

		d->head = (d->head + 1) % LINK_SLOTS;
		d->n--;
		m->ol_flags &= ~(RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
				 RTE_MBUF_F_TX_IP_CKSUM);
		tusk_stack_input(to, 0, &m, 1, vnow);
	}
}

static struct tusk_stack *
make_stack(uint8_t host, struct link_dir *out)
{
	struct tusk_stack_conf sc = { .pool = stack_pool, .seed = host,
				      .max_conns = 256 };
	struct tusk_iface_conf ifc = { .prefix_len = 24, .mtu = 9000,
				       .tx = link_tx, .tx_arg = out };
	struct tusk_stack *st = tusk_stack_create(&sc);

	assert_non_null(st);
	ifc.mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, host}};
	ifc.addr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, host)));
	assert_int_equal(tusk_stack_add_iface(st, &ifc, vnow), 0);
	tusk_tcp_set_msl(st, 10 * MS);
	return st;
}

/* ----------------------------------------------------------- server */

static uint8_t
pattern(uint64_t off, uint32_t gen)
{
	return (uint8_t)(((off + gen * 7919u) * 2654435761u) >> 13);
}

static struct {
	uint64_t size;
	uint32_t gen;            /* content generation (source changes) */
	bool no_ranges;          /* as python3 -m http.server: 200, close */
	int status;              /* answer this instead (404) */
	bool digest, bad_digest; /* send Repr-Digest (wrong one) */
	uint8_t sha[32];
	char etag[32];
	/* kill: after kill_at body bytes, reset every connection and refuse
	 * new ones until relisten_at */
	uint64_t kill_at, relisten_at, down_ns;
	bool listening;
	uint64_t body_sent;      /* all connections */
	uint32_t requests, range_requests, conns, max_conns_seen;
	uint32_t open_conns;
} srv;

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
	srv.open_conns--;
}

static void
srv_kill(void)
{
	for (unsigned int i = 0; i < SRV_CONNS; i++) {
		if (!sconns[i].used)
			continue;
		tusk_tcp_abort(sconns[i].c, vnow);
		sconn_free(&sconns[i]);
	}
	tusk_tcp_unlisten(stb, 80);
	srv.listening = false;
	srv.relisten_at = vnow + srv.down_ns;
	srv.kill_at = 0;
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
			p[i] = pattern(s->off + i, srv.gen);
		if (tusk_tcp_send(s->c, &m, vnow) == 0) {
			/* full: writable() comes back */
			rte_pktmbuf_free(m);
			return;
		}
		assert_null(m);
		s->off += len;
		s->left -= len;
		srv.body_sent += len;
		if (srv.kill_at != 0 && srv.body_sent >= srv.kill_at) {
			srv_kill();
			return;
		}
	}
	if (s->left == 0 && s->close_after) {
		tusk_tcp_close(s->c, vnow);
		sconn_free(s);
	}
}

static void
srv_answer(struct sconn *s, const struct tusk_http_req *rq)
{
	struct tusk_http_resp_info ri = {
		.status = srv.status ? srv.status : 200,
		.accept_ranges = !srv.no_ranges,
		.etag = srv.no_ranges ? NULL : srv.etag,
		.last_modified = 1700000000,
		.close = srv.no_ranges || !rq->keep_alive,
	};
	uint8_t wrong[32];
	uint64_t off = 0, len = srv.size;
	struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
	int n;

	srv.requests++;
	if (rq->range.kind != TUSK_HTTP_RANGE_NONE)
		srv.range_requests++;
	if (srv.status == 0 && !srv.no_ranges &&
	    tusk_http_range_resolve(&rq->range, srv.size, &off, &len) == 206) {
		ri.status = 206;
		ri.content_range = true;
		ri.range_first = off;
		ri.range_last = off + len - 1;
		ri.size = srv.size;
	}
	if (srv.status != 0)
		len = 0;
	ri.content_length = len;
	memcpy(wrong, srv.sha, 32);
	wrong[0] ^= 1;
	if (srv.digest)
		ri.digest = srv.bad_digest ? wrong : srv.sha;
	n = tusk_http_resp_head(rte_pktmbuf_mtod(m, char *),
				rte_pktmbuf_tailroom(m), &ri);
	assert_true(n > 0);
	rte_pktmbuf_append(m, (uint16_t)n);
	assert_int_equal(tusk_tcp_send(s->c, &m, vnow), n);
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
		srv.conns++;
		if (++srv.open_conns > srv.max_conns_seen)
			srv.max_conns_seen = srv.open_conns;
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

	assert_int_equal(tusk_tcp_listen(stb, 80, &srv_ops, NULL, 64, &o), 0);
	srv.listening = true;
}

/* A new file generation: its SHA-256 and ETag. */
static void
srv_content(uint64_t size, uint32_t gen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static uint8_t buf[65536];

	srv.size = size;
	srv.gen = gen;
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		uint64_t n = RTE_MIN(size - off, (uint64_t)sizeof(buf));

		for (uint64_t i = 0; i < n; i++)
			buf[i] = pattern(off + i, gen);
		EVP_DigestUpdate(ctx, buf, n);
	}
	EVP_DigestFinal_ex(ctx, srv.sha, NULL);
	EVP_MD_CTX_free(ctx);
	snprintf(srv.etag, sizeof(srv.etag), "\"gen-%u\"", gen);
}

/* ------------------------------------------------------------ world */

static char dir[] = "/tmp/tusk-fetch.XXXXXX";
static struct tusk_root *root;
static struct tusk_digest_svc *digests;
static struct tusk_fetch *f;
static struct tusk_fetch_conf fconf;

static struct tusk_fetch *
fetch_new(void)
{
	struct tusk_svc_env env = {
		.st = sta, .data_pool = data_pool, .root = root,
		.digest = digests,
	};
	struct tusk_fetch *nf = tusk_fetch_create(&env, &fconf);

	assert_non_null(nf);
	return nf;
}

static int
setup(void **state)
{
	if (tusk_testenv_init("fetch", 512) < 0)
		return -1;
	stack_pool = tusk_testenv_pool("fetch_stack", 16383, 2048);
	data_pool = tusk_testenv_pool("fetch_data", 8191,
				      16384 + RTE_PKTMBUF_HEADROOM);
	if (stack_pool == NULL || data_pool == NULL || mkdtemp(dir) == NULL)
		return -1;
	digests = tusk_digest_svc_create(1);
	return digests == NULL || tusk_root_open(dir, &root) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	tusk_digest_svc_free(digests);
	tusk_root_close(root);
	/* test_disk_full's tmpfs, if it failed before unmounting it */
	snprintf(cmd, sizeof(cmd), "umount %s/small 2>/dev/null; rm -rf %s",
		 dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Fresh stacks, server and client for each test. */
static int
before(void **state)
{
	char cmd[128];

	memset(&srv, 0, sizeof(srv));
	memset(sconns, 0, sizeof(sconns));
	memset(&fconf, 0, sizeof(fconf));
	fconf.no_scan = true;
	sta = make_stack(1, &dirs[0]);
	stb = make_stack(2, &dirs[1]);
	srv.down_ns = 1000 * MS;
	srv_content(FILE_SIZE, 1);
	srv_listen();
	f = fetch_new();
	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
drain(struct link_dir *d)
{
	while (d->n > 0) {
		rte_pktmbuf_free(d->q[d->head]);
		d->head = (d->head + 1) % LINK_SLOTS;
		d->n--;
	}
}

static int
after(void **state)
{
	tusk_fetch_free(f);
	f = NULL;
	tusk_stack_free(sta);
	tusk_stack_free(stb);
	drain(&dirs[0]);
	drain(&dirs[1]);
	return 0;
}

static json_t *xj;

/* The transfer's JSON (kept in xj for the asserts). */
static json_t *
xfer(uint32_t id)
{
	json_decref(xj);
	xj = tusk_fetch_xfer_json(f, id, vnow);
	assert_non_null(xj);
	return xj;
}

static const char *
xstr(uint32_t id, const char *key)
{
	return json_string_value(json_object_get(xfer(id), key));
}

static int64_t
xint(uint32_t id, const char *key)
{
	return json_integer_value(json_object_get(xfer(id), key));
}

static bool
finished(uint32_t id)
{
	const char *s = xstr(id, "state");

	return strcmp(s, "done") == 0 || strcmp(s, "failed") == 0;
}

/* Run the world until transfer id has fetched stop_at bytes (0: until it
 * is done or failed; RUN_PROBED: until it is past the probe). */
#define RUN_PROBED UINT64_MAX

static bool
reached(uint32_t id, uint64_t stop_at)
{
	if (stop_at == RUN_PROBED)
		return strcmp(xstr(id, "state"), "probing") != 0;
	if (stop_at != 0)
		return (uint64_t)xint(id, "bytes_fetched") >= stop_at;
	return finished(id);
}

static void
run(uint32_t id, uint64_t stop_at)
{
	for (uint64_t step = 0; step < MAX_STEPS; step++) {
		uint64_t t;

		deliver(&dirs[0], stb);
		deliver(&dirs[1], sta);
		tusk_stack_poll(sta, vnow);
		tusk_stack_poll(stb, vnow);
		tusk_fetch_poll(f, vnow);
		if (!srv.listening && vnow >= srv.relisten_at)
			srv_listen();
		if ((step % 64 == 0 || stop_at == RUN_PROBED) &&
		    reached(id, stop_at))
			return;
		t = tusk_stack_next_event(sta);
		if (tusk_stack_next_event(stb) < t)
			t = tusk_stack_next_event(stb);
		if (dirs[0].n > 0 && dirs[0].at[dirs[0].head] < t)
			t = dirs[0].at[dirs[0].head];
		if (dirs[1].n > 0 && dirs[1].at[dirs[1].head] < t)
			t = dirs[1].at[dirs[1].head];
		/* the fetch's own timers have no event: step by 1 ms */
		if (t > vnow + MS)
			t = vnow + MS;
		if (t > vnow)
			vnow = t;
	}
	fail_msg("fetch %u did not finish (server: %u requests, %llu "
		 "bytes): %s", id, srv.requests,
		 (unsigned long long)srv.body_sent,
		 json_dumps(xfer(id), JSON_COMPACT));
}

static uint32_t
start_req(const struct tusk_fetch_req *req)
{
	char err[256] = "";
	uint32_t id = 0;

	if (tusk_fetch_start(f, req, vnow, &id, err, sizeof(err)) < 0)
		fail_msg("start %s: %s", req->url, err);
	return id;
}

static uint32_t
start(const char *url, const char *dest, uint32_t streams)
{
	struct tusk_fetch_req rq = { .url = url, .dest = dest,
				     .streams = streams };

	return start_req(&rq);
}

/* The file under the root is the served content of generation gen. */
static void
assert_file(const char *rel, uint32_t gen)
{
	static uint8_t buf[1 << 20];
	uint64_t off = 0;
	int fd = tusk_root_openat(root, rel, O_RDONLY, 0);
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
	assert_int_equal(off, srv.size);
}

static bool
exists(const char *rel)
{
	struct stat st;

	return tusk_root_stat(root, rel, &st) == 0;
}

/* Records and part files are written and removed by the fetch's disk
 * thread: give it a moment (2 s at most). */
static bool
appears(const char *rel)
{
	for (int i = 0; i < 2000 && !exists(rel); i++)
		usleep(1000);
	return exists(rel);
}

static bool
disappears(const char *rel)
{
	for (int i = 0; i < 2000 && exists(rel); i++)
		usleep(1000);
	return !exists(rel);
}

static void
assert_sha(uint32_t id)
{
	char hex[65];

	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", srv.sha[i]);
	assert_string_equal(xstr(id, "sha256"), hex);
}

/* The state changes logged since seq `after` are exactly `want` (ids
 * and states, from -1: new), numbered after+1, after+2, ... */
static void
assert_changes(uint64_t after, const struct tusk_fetch_change *want,
	       unsigned int n)
{
	struct tusk_fetch_change got[TUSK_FETCH_CHANGES_MAX];
	uint64_t lost, last;
	unsigned int k = tusk_fetch_changes(f, after, got, RTE_DIM(got),
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

/* ------------------------------------------------------------ tests */

static void
test_four_range_streams(void **state)
{
	uint32_t id;

	srv.digest = true;
	id = start("http://10.0.0.2/data/big.bin", NULL, 4);
	assert_string_equal(xstr(id, "dest"), "big.bin");
	assert_string_equal(xstr(id, "state"), "probing");
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	/* every state it went through, in order, for tuskd's `watch` */
	assert_changes(0, (const struct tusk_fetch_change[]){
		{ .id = id, .from = -1, .to = TUSK_FETCH_PROBING },
		{ .id = id, .from = TUSK_FETCH_PROBING,
		  .to = TUSK_FETCH_RUNNING },
		{ .id = id, .from = TUSK_FETCH_RUNNING,
		  .to = TUSK_FETCH_VERIFYING },
		{ .id = id, .from = TUSK_FETCH_VERIFYING,
		  .to = TUSK_FETCH_DONE },
	}, 4);
	assert_file("big.bin", 1);
	assert_sha(id);
	assert_int_equal(xint(id, "bytes"), FILE_SIZE);
	assert_int_equal(xint(id, "bytes_fetched"), FILE_SIZE);
	assert_true(json_is_true(json_object_get(xfer(id), "ranges")));
	/* HEAD, then 6 blocks in spans of 2 over 4 connections at once */
	assert_int_equal(srv.range_requests, 3);
	assert_true(srv.max_conns_seen >= 3);
	assert_false(exists("big.bin.tusk-part"));
	assert_false(exists("big.bin.tusk-part.state"));
}

/* python3 -m http.server (3.11): no Accept-Ranges, 200 to everything,
 * HTTP/1.0 close: one stream, whole body. */
static void
test_server_without_ranges(void **state)
{
	uint32_t id;

	srv.no_ranges = true;
	id = start("http://10.0.0.2/big.bin", "copy.bin", 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_file("copy.bin", 1);
	assert_sha(id);
	assert_false(json_is_true(json_object_get(xfer(id), "ranges")));
	assert_non_null(strstr(xstr(id, "note"), "does not accept ranges"));
	assert_int_equal(srv.requests, 2); /* HEAD, one GET */
	assert_int_equal(srv.max_conns_seen, 1);
}

/* Accept-Ranges claimed, but Range ignored (200): the stream that got the
 * 200 takes the whole file, the others stop. */
static void
test_range_ignored_midway(void **state)
{
	uint32_t id;

	id = start("http://10.0.0.2/big.bin", "x.bin", 4);
	run(id, RUN_PROBED);  /* Accept-Ranges seen; streams connecting */
	srv.no_ranges = true; /* from now on: 200 + whole file */
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_file("x.bin", 1);
	assert_non_null(strstr(xstr(id, "note"), "ignores Range"));
}

/* The server dies half-way (every connection reset, then refused for a
 * second): the fetch retries with backoff and resumes; finished blocks
 * are not fetched again. */
static void
test_server_killed_and_back(void **state)
{
	uint32_t id;

	srv.kill_at = FILE_SIZE / 2;
	id = start("http://10.0.0.2/big.bin", "k.bin", 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_file("k.bin", 1);
	assert_true(xint(id, "retries") >= 1);
	/* at most the unfinished block of each stream came twice */
	assert_true((uint64_t)xint(id, "bytes_fetched") <
		    FILE_SIZE + 4 * 8 * MiB);
	assert_true(srv.conns > 5);
}

/* tuskd stopped half-way: the record is saved at free; a new client
 * lists it paused, and a fetch of the same URL re-reads the finished
 * blocks (one corrupted on disk meanwhile: fetched again) and fetches
 * only the rest. */
static void
test_restart_resumes_from_record(void **state)
{
	uint32_t id;
	json_t *list;
	int fd;

	id = start("http://10.0.0.2/big.bin", "r.bin", 2);
	run(id, FILE_SIZE * 6 / 10);
	tusk_fetch_free(f);
	assert_true(exists("r.bin.tusk-part.state"));
	/* a flipped byte in block 0 (finished: spans start at block 0) */
	fd = tusk_root_openat(root, "r.bin.tusk-part", O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff", 1, 1000), 1);
	close(fd);

	fconf.no_scan = false;
	f = fetch_new();
	list = tusk_fetch_list_json(f, vnow);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "state")), "paused");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "url")), "http://10.0.0.2/big.bin");
	assert_true(json_integer_value(json_object_get(json_array_get(list,
		0), "bytes")) >= (json_int_t)(16 * MiB));
	json_decref(list);

	id = start("http://10.0.0.2/big.bin", "r.bin", 2);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_file("r.bin", 1);
	assert_int_equal(xint(id, "blocks_refetched"), 1);
	assert_true(xint(id, "bytes_verified") >= (json_int_t)(8 * MiB));
	assert_true((uint64_t)xint(id, "bytes_fetched") +
		    (uint64_t)xint(id, "bytes_verified") == FILE_SIZE);
	assert_non_null(strstr(xstr(id, "note"), "resuming"));
}

/* A file beneath the root, as a crash (or a user) left it. */
static void
plant(const char *rel)
{
	int fd = tusk_root_openat(root, rel, O_WRONLY | O_CREAT | O_EXCL,
				  0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"fo", 4), 4);
	close(fd);
}

/* What a crash left of s.bin's record saves goes when a fetch of s.bin
 * starts again, before its first save; an upload of s.bin in progress,
 * another dest's temporary and the record itself stay, and the fetch
 * resumes (fileio sweep.h tusk_sweep_tmps_of). */
static void
test_start_sweeps_record_tmps(void **state)
{
	static const char *const kept[] = {
		".s.bin.tusk-tmp.0123456789abcdef",
		".o.bin.tusk-part.state.tusk-tmp.0123456789abcdef",
		"s.bin.tusk-part.state",
	};
	const char *cut = ".s.bin.tusk-part.state.tusk-tmp.fedcba9876543210";
	uint32_t id;

	id = start("http://10.0.0.2/big.bin", "s.bin", 2);
	run(id, FILE_SIZE / 2);
	tusk_fetch_free(f);
	f = fetch_new();
	plant(cut);
	plant(kept[0]);
	plant(kept[1]);
	id = start("http://10.0.0.2/big.bin", "s.bin", 2);
	assert_true(disappears(cut));
	for (size_t i = 0; i < RTE_DIM(kept); i++)
		if (!exists(kept[i]))
			fail_msg("%s removed", kept[i]);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_file("s.bin", 1);
	assert_non_null(strstr(xstr(id, "note"), "resuming"));
	assert_true(exists(kept[0]) && exists(kept[1]));
}

/* The source changed between the runs: start over, and say so. */
static void
test_changed_source_starts_over(void **state)
{
	uint32_t id;

	id = start("http://10.0.0.2/big.bin", "c.bin", 2);
	run(id, FILE_SIZE / 2);
	assert_int_equal(tusk_fetch_cancel(f, id, false, vnow), 0);
	assert_string_equal(xstr(id, "state"), "cancelled");
	assert_true(appears("c.bin.tusk-part.state"));
	srv_content(FILE_SIZE, 2);

	id = start("http://10.0.0.2/big.bin", "c.bin", 2);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_file("c.bin", 2);
	assert_non_null(strstr(xstr(id, "note"), "source changed"));
	assert_int_equal(xint(id, "bytes_fetched"), FILE_SIZE);
}

static void
test_digest_mismatch_keeps_nothing(void **state)
{
	uint32_t id;

	srv.digest = true;
	srv.bad_digest = true;
	id = start("http://10.0.0.2/big.bin", "d.bin", 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_non_null(strstr(xstr(id, "error"), "digest mismatch"));
	assert_true(disappears("d.bin.tusk-part"));
	assert_true(disappears("d.bin.tusk-part.state"));
	assert_false(exists("d.bin"));
}

static void
test_not_found(void **state)
{
	uint32_t id;

	srv.status = 404;
	id = start("http://10.0.0.2/nope", NULL, 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "server answered 404 Not Found");
	assert_int_equal(xint(id, "retries"), 0);
	assert_false(exists("nope.tusk-part"));
}

static void
test_refused_gives_up(void **state)
{
	uint32_t id;

	tusk_fetch_free(f);
	fconf.retry_max = 2;
	f = fetch_new();
	tusk_tcp_unlisten(stb, 80);
	srv.listening = false;
	srv.relisten_at = UINT64_MAX;
	id = start("http://10.0.0.2/big.bin", NULL, 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "connection refused by "
			    "10.0.0.2:80 (gave up after 2 attempts)");
}

/* A host on the link that never answers ARP: attempts time out. */
static void
test_unreachable(void **state)
{
	uint32_t id;

	tusk_fetch_free(f);
	fconf.retry_max = 2;
	f = fetch_new();
	id = start("http://10.0.0.3/big.bin", NULL, 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "no answer from 10.0.0.3:80 "
			    "within 5 s (gave up after 2 attempts)");
}

static void
test_no_route(void **state)
{
	uint32_t id;

	id = start("http://10.9.9.9:8080/big.bin", NULL, 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "no route to 10.9.9.9:8080 "
			    "(not on a port's subnet, no gateway)");
	assert_int_equal(xint(id, "retries"), 0);
}

static void
test_missing_directory(void **state)
{
	uint32_t id;

	id = start("http://10.0.0.2/big.bin", "no/such/dir/big.bin", 4);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "the directory of "
			    "no/such/dir/big.bin.tusk-part does not exist "
			    "under the data root");
}

/* A file larger than the free space: refused at the start (the part is
 * preallocated), part removed. Needs root to mount a small tmpfs. */
static void
test_disk_full(void **state)
{
	char cmd[256], small[256];
	uint32_t id;

	snprintf(small, sizeof(small), "%s/small", dir);
	assert_true(mkdir(small, 0755) == 0 || errno == EEXIST);
	if (mount("tusk-fetch-test", small, "tmpfs", 0, "size=16m") < 0)
		tusk_unmet("mount a 16 MiB tmpfs at %s (needs root): %s",
				small, strerror(errno));
	id = start("http://10.0.0.2/big.bin", "small/big.bin", 4);
	run(id, 0);
	assert_false(exists("small/big.bin.tusk-part"));
	assert_false(exists("small/big.bin.tusk-part.state"));
	snprintf(cmd, sizeof(cmd), "umount %s/small", dir);
	assert_int_equal(system(cmd), 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "no space for 41955385 bytes "
			    "under the data root (16777216 free): part "
			    "removed");
}

/* direct=1: the part written with O_DIRECT (the data root is on /tmp;
 * tmpfs takes O_DIRECT as buffered since Linux 6.6): the same bytes,
 * the same digest, over 4 streams and one short last block. */
static void
test_direct_fetch(void **state)
{
	struct tusk_fetch_req rq = { .url = "http://10.0.0.2/data/big.bin",
				     .dest = "direct.bin", .streams = 4,
				     .direct = true };
	uint32_t id;

	srv.digest = true;
	id = start_req(&rq);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "done");
	assert_true(json_is_true(json_object_get(xfer(id), "direct")));
	assert_file("direct.bin", 1);
	assert_sha(id);
	assert_false(exists("direct.bin.tusk-part"));
}

/* A file system that refuses O_DIRECT (ramfs: EINVAL at open): the
 * transfer fails saying so and what to do, nothing is written. */
static void
test_direct_refused(void **state)
{
	struct tusk_fetch_req rq = { .url = "http://10.0.0.2/big.bin",
				     .dest = "ram/big.bin", .streams = 2,
				     .direct = true };
	char ram[256];
	uint32_t id;

	snprintf(ram, sizeof(ram), "%s/ram", dir);
	assert_true(mkdir(ram, 0755) == 0 || errno == EEXIST);
	if (mount("tusk-fetch-test", ram, "ramfs", 0, NULL) < 0)
		tusk_unmet("mount a ramfs at %s (needs root): %s", ram,
			   strerror(errno));
	id = start_req(&rq);
	run(id, 0);
	assert_string_equal(xstr(id, "state"), "failed");
	assert_string_equal(xstr(id, "error"), "direct=1: the file system of "
			    "ram/big.bin.tusk-part refuses O_DIRECT (EINVAL); "
			    "fetch it without direct=1");
	assert_int_equal(xint(id, "bytes_fetched"), 0);
	assert_int_equal(umount2(ram, MNT_DETACH), 0);
}

/* The log keeps the newest TUSK_FETCH_CHANGES_MAX changes; a reader
 * further behind is told how many it lost, and gets the rest in order. */
static void
test_changes_overflow(void **state)
{
	struct tusk_fetch_change got[TUSK_FETCH_CHANGES_MAX];
	const unsigned int cycles = TUSK_FETCH_CHANGES_MAX / 2 + 2;
	uint64_t lost, last, total = 2 * (uint64_t)cycles;
	unsigned int i, k;
	uint32_t id = 0;

	for (i = 0; i < cycles; i++) {
		id = start("http://10.0.0.2/data/big.bin", "x.bin", 1);
		assert_int_equal(tusk_fetch_cancel(f, id, true, vnow), 0);
	}
	k = tusk_fetch_changes(f, 0, got, RTE_DIM(got), &lost, &last);
	assert_int_equal(last, total);
	assert_int_equal(lost, total - TUSK_FETCH_CHANGES_MAX);
	assert_int_equal(k, TUSK_FETCH_CHANGES_MAX);
	assert_int_equal(got[0].seq, lost + 1);
	assert_int_equal(got[k - 1].seq, total);
	assert_int_equal(got[k - 1].id, id);
	assert_int_equal(got[k - 1].to, TUSK_FETCH_CANCELLED);
	/* a reader that kept up gets only what is new */
	assert_changes(total - 2, (const struct tusk_fetch_change[]){
		{ .id = id, .from = -1, .to = TUSK_FETCH_PROBING },
		{ .id = id, .from = TUSK_FETCH_PROBING,
		  .to = TUSK_FETCH_CANCELLED },
	}, 2);
	assert_changes(total, NULL, 0);
}

static void
test_bad_requests(void **state)
{
	static const struct {
		struct tusk_fetch_req rq;
		int ret;
		const char *reason;
	} cases[] = {
		{ { .url = "ftp://10.0.0.2/x" }, -EPROTONOSUPPORT,
		  "bad URL" },
		{ { .url = "http://10.0.0.2/" }, -EINVAL,
		  "the URL has no file name: give a dest" },
		{ { .url = "http://files.example/x" }, -EINVAL,
		  "is a name: resolve it first" },
		{ { .url = "http://10.0.0.2/x", .dest = "../x" }, -EINVAL,
		  "not a plain relative path" },
		{ { .url = "http://10.0.0.2/x", .dest = "/etc/passwd" },
		  -EINVAL, "not a plain relative path" },
		{ { .url = "http://10.0.0.2/x", .dest = "a.tusk-part" },
		  -EINVAL, "not a plain relative path" },
		{ { .url = "http://10.0.0.2/x", .streams = 65 }, -EINVAL,
		  "streams must be 1..64" },
	};
	char err[256];
	uint32_t id;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(tusk_fetch_start(f, &cases[i].rq, vnow, &id,
						  err, sizeof(err)),
				 cases[i].ret);
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("case %u: \"%s\", want \"%s\"", i, err,
				 cases[i].reason);
	}
	id = start("http://10.0.0.2/big.bin", "busy.bin", 1);
	assert_int_equal(id, 1); /* refused requests take no id */
	{
		struct tusk_fetch_req rq = { .url = "http://10.0.0.2/big.bin",
					     .dest = "busy.bin" };

		assert_int_equal(tusk_fetch_start(f, &rq, vnow, &id, err,
						  sizeof(err)), -EBUSY);
	}
	assert_int_equal(tusk_fetch_cancel(f, 999, false, vnow), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_four_range_streams,
						before, after),
		cmocka_unit_test_setup_teardown(test_server_without_ranges,
						before, after),
		cmocka_unit_test_setup_teardown(test_range_ignored_midway,
						before, after),
		cmocka_unit_test_setup_teardown(test_server_killed_and_back,
						before, after),
		cmocka_unit_test_setup_teardown(
			test_restart_resumes_from_record, before, after),
		cmocka_unit_test_setup_teardown(
			test_start_sweeps_record_tmps, before, after),
		cmocka_unit_test_setup_teardown(
			test_changed_source_starts_over, before, after),
		cmocka_unit_test_setup_teardown(
			test_digest_mismatch_keeps_nothing, before, after),
		cmocka_unit_test_setup_teardown(test_not_found, before, after),
		cmocka_unit_test_setup_teardown(test_refused_gives_up, before,
						after),
		cmocka_unit_test_setup_teardown(test_unreachable, before,
						after),
		cmocka_unit_test_setup_teardown(test_no_route, before, after),
		cmocka_unit_test_setup_teardown(test_missing_directory, before,
						after),
		cmocka_unit_test_setup_teardown(test_disk_full, before, after),
		cmocka_unit_test_setup_teardown(test_direct_fetch, before,
						after),
		cmocka_unit_test_setup_teardown(test_direct_refused, before,
						after),
		cmocka_unit_test_setup_teardown(test_changes_overflow, before,
						after),
		cmocka_unit_test_setup_teardown(test_bad_requests, before,
						after),
	};
	int ret = cmocka_run_group_tests(tests, setup, teardown);

	json_decref(xj);
	return ret;
}
