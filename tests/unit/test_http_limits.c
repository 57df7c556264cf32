/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP endpoint's fair share (app/svc/http_server_limit.c) against
 * hostile clients, one test per limit, in the simulated world of
 * http_world.h (virtual time): the request-head deadline (a silent and a
 * trickling client both get 408 on time; a kept-alive one waits the idle
 * timeout), the body rate (a PUT at a byte a second is aborted, nothing
 * kept; one at 2 KiB/s completes), the send timeout from the last
 * acknowledged byte (a reader with a closed window is aborted although
 * it answers the probes, and holds ~5 mbufs meanwhile; a slow steady
 * reader completes), the rate of a body read to be dropped, per-source
 * connections on this server and on all (the shared count), eviction of
 * the oldest idle connection when the table is full, the source's share
 * of the data pool, and pipelined HEADs never read. Each test asserts the counter of
 * its limit and that every connection and mbuf is released.
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

#include <jansson.h>

#include "http_share.h"
#include "http_world.h"

static struct tusk_http_server_limits
limits(void)
{
	struct tusk_http_server_limits l;

	tusk_http_server_limits(hw_srv, &l);
	return l;
}

/* A fresh server with conf (the world's is replaced). */
static void
serve(struct tusk_http_server_conf conf)
{
	conf.port = HW_PORT;
	conf.auth = &hw_auth;
	tusk_http_server_free(hw_srv);
	hw_srv = NULL;
	hw_run_until(NULL, NULL, 100 * NS_PER_MS);
	hw_srv = tusk_http_server_create(&hw_env, &conf);
	assert_non_null(hw_srv);
}

static bool
time_reached(void *arg)
{
	return hw_pair.now >= *(uint64_t *)arg;
}

/* Run the world for `ns` of virtual time. */
static void
run_for(uint64_t ns)
{
	uint64_t until = hw_pair.now + ns;

	hw_run_until(time_reached, &until, ns + NS_PER_MS);
}

static bool
ended(void *arg)
{
	struct hw_client *cl = arg;

	return cl->eof || cl->closed;
}

/* The whole head within head_timeout_ns of the connection: a client
 * that sends nothing and one that trickles a byte every 100 ms both get
 * 408 and the close at 1 s; a kept-alive connection between requests
 * waits for the idle timeout instead. */
static void
test_head_deadline(void **state)
{
	static const char head[] = "GET /h.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	struct hw_client *quiet, *trickle, *kept;
	struct hw_reply rep[1];
	uint64_t t0;

	serve((struct tusk_http_server_conf){
		.head_timeout_ns = 1000 * NS_PER_MS,
		.idle_ns = 5000 * NS_PER_MS });
	hw_file_make("h.bin", 10, NULL, NULL);
	kept = hw_ask(head, 'G', rep);
	assert_int_equal(rep[0].r.status, 200);
	t0 = hw_pair.now;
	quiet = hw_cl_open();
	trickle = hw_cl_open();
	for (size_t i = 0; i < strlen(head) && !ended(trickle); i++) {
		hw_cl_send(trickle, head + i, 1);
		run_for(100 * NS_PER_MS);
	}
	hw_cl_wait(trickle, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 408);
	assert_false(rep[0].r.keep_alive);
	assert_true(hw_run_until(ended, trickle, 3000 * NS_PER_MS));
	assert_true(hw_pair.now - t0 >= 1000 * NS_PER_MS);
	assert_true(hw_pair.now - t0 < 1500 * NS_PER_MS);
	hw_cl_wait(quiet, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 408);
	assert_true(hw_run_until(ended, quiet, 3000 * NS_PER_MS));
	/* the kept-alive one is still there, past the head deadline */
	assert_false(ended(kept));
	assert_int_equal(limits().head_timeouts, 2);
	assert_true(hw_run_until(ended, kept, 6000 * NS_PER_MS));
	assert_int_equal(limits().idle_closed, 1);
	hw_cl_free(quiet);
	hw_cl_free(trickle);
	hw_cl_free(kept);
	hw_settle();
}

/* A PUT body under body_rate_min over a 10 s window is aborted and
 * nothing is kept; one just above the rate completes intact. */
static void
test_body_rate(void **state)
{
	const size_t size = 24000;
	struct hw_client *cl;
	struct hw_reply rep[1];
	uint8_t *body;
	size_t n, at;
	char *req;
	uint64_t t0;

	serve((struct tusk_http_server_conf){ .put_max = HW_PUT_MAX,
					      .body_rate_min = 1000 });
	hw_file_make("src.bin", size, NULL, &body);
	req = hw_put_req("/slow.bin", body, size, "", &n);
	cl = hw_cl_open();
	at = n - size + 100;
	hw_cl_send(cl, req, at);
	t0 = hw_pair.now;
	while (!ended(cl) && hw_pair.now - t0 < 30000 * NS_PER_MS) {
		run_for(1000 * NS_PER_MS);
		if (!ended(cl))
			hw_cl_send(cl, req + at++, 1);
	}
	assert_true(cl->closed);
	assert_int_equal(cl->err, -ECONNRESET);
	assert_true(hw_pair.now - t0 >= 10000 * NS_PER_MS);
	assert_true(hw_pair.now - t0 <= 21000 * NS_PER_MS);
	assert_int_equal(limits().body_too_slow, 1);
	hw_cl_free(cl);
	hw_settle();
	hw_assert_no_tmp(".");
	assert_null(hw_file_read("slow.bin", &at));

	/* 2 KiB/s: 200 bytes every 100 ms, 12 s */
	cl = hw_cl_open();
	hw_cl_send(cl, req, n - size);
	for (at = n - size; at < n; at += 200) {
		run_for(100 * NS_PER_MS);
		hw_cl_send(cl, req + at, n - at < 200 ? n - at : 200);
	}
	hw_cl_wait(cl, "P", 1, rep);
	assert_int_equal(rep[0].r.status, 201);
	hw_assert_file("slow.bin", body, size);
	assert_int_equal(limits().body_too_slow, 1);
	hw_cl_free(cl);
	free(req);
	free(body);
	hw_settle();
}

/* The body of a request we answer without it (a GET with a body, read
 * and dropped) is held to the same rate: answered at once, then
 * aborted when it trickles. */
static void
test_discard_rate(void **state)
{
	static const char get[] = "GET /d.bin HTTP/1.1\r\nHost: t\r\n"
				  "Content-Length: 5000\r\n\r\n0123456789";
	struct hw_reply rep[1];
	struct hw_client *cl;
	uint64_t t0;

	serve((struct tusk_http_server_conf){ .body_rate_min = 1000 });
	hw_file_make("d.bin", 10, NULL, NULL);
	cl = hw_cl_open();
	hw_cl_send(cl, get, strlen(get));
	hw_cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].r.status, 200);
	t0 = hw_pair.now;
	while (!ended(cl) && hw_pair.now - t0 < 30000 * NS_PER_MS) {
		hw_cl_send(cl, "x", 1);
		run_for(1000 * NS_PER_MS);
	}
	assert_true(cl->closed);
	assert_true(hw_pair.now - t0 <= 21000 * NS_PER_MS);
	assert_int_equal(limits().body_too_slow, 1);
	hw_cl_free(cl);
	hw_settle();
}

/* A reader with a tiny window that never opens it: the server holds a
 * few mbufs for it (its window, not megabytes), and aborts it when
 * nothing new was acknowledged for send_timeout, although the client's
 * stack answers every zero-window probe. A slow but steady reader with
 * the same window gets the whole file. */
static void
test_send_timeout(void **state)
{
	static const char get[] = "GET /z.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	const struct tusk_tcp_conn_opts tiny = { .rcv_max = 4096 };
	size_t size = 1u << 20;
	struct hw_client *cl;
	struct hw_reply rep[1];
	uint8_t *data;
	unsigned int in_use;
	size_t len;
	uint64_t t0;

	serve((struct tusk_http_server_conf){
		.send_timeout_ns = 2000 * NS_PER_MS });
	hw_file_make("z.bin", size, NULL, &data);
	cl = hw_cl_try(&tiny);
	cl->hold = true;
	hw_cl_send(cl, get, strlen(get));
	assert_true(hw_run_until(hw_client_got_bytes, cl, 60000 * NS_PER_MS));
	run_for(500 * NS_PER_MS);
	len = cl->len;
	t0 = hw_pair.now;
	in_use = rte_mempool_in_use_count(hw_data_pool);
	print_message("closed window at %zu bytes; %u mbufs held, "
		      "pool_held %lu\n", len, in_use,
		      (unsigned long)limits().pool_held);
	assert_true(in_use <= 8);
	assert_true(limits().pool_held <= 2 * 4096 + (64u << 10));
	assert_true(hw_run_until(ended, cl, 5000 * NS_PER_MS));
	assert_true(cl->closed);
	assert_int_equal(cl->err, -ECONNRESET);
	assert_true(hw_pair.now - t0 <= 2100 * NS_PER_MS);
	assert_int_equal(cl->len, len);
	assert_int_equal(limits().send_timeouts, 1);
	hw_cl_free(cl);
	hw_settle();

	/* the same window, read every 500 ms: 64 KiB in 8 s, slow, never
	 * stalled for 2 s */
	free(data);
	hw_file_make("z.bin", size = 64u << 10, NULL, &data);
	cl = hw_cl_try(&tiny);
	cl->hold = true;
	hw_cl_send(cl, get, strlen(get));
	while (!ended(cl) && cl->len < size + 100) {
		run_for(500 * NS_PER_MS);
		hw_cl_release(cl);
	}
	cl->hold = false;
	hw_cl_release(cl);
	hw_cl_wait(cl, "G", 1, rep);
	assert_int_equal(rep[0].body_len, size);
	assert_memory_equal(rep[0].body, data, size);
	assert_int_equal(limits().send_timeouts, 1);
	hw_cl_free(cl);
	free(data);
	hw_settle();
}

/* HEAD on a fresh connection; the client stays open. */
static struct hw_client *
served(void)
{
	struct hw_reply rep[1];
	struct hw_client *cl = hw_ask("HEAD /s.bin HTTP/1.1\r\nHost: t\r\n\r\n",
				      'H', rep);

	assert_int_equal(rep[0].r.status, 200);
	return cl;
}

/* At most source_conns connections of one address: the next is reset
 * (after the handshake: accepted() refuses it); one leaving makes room. */
static void
test_source_conns(void **state)
{
	struct hw_client *cl[4];

	serve((struct tusk_http_server_conf){ .source_conns = 3 });
	hw_file_make("s.bin", 100, NULL, NULL);
	for (int i = 0; i < 3; i++)
		cl[i] = served();
	cl[3] = hw_cl_try(NULL);
	assert_true(hw_run_until(ended, cl[3], 1000 * NS_PER_MS));
	assert_true(cl[3]->closed);
	assert_int_equal(limits().refused_source, 1);
	assert_int_equal(limits().sources, 1);
	hw_cl_free(cl[3]);
	hw_cl_free(cl[0]);
	run_for(200 * NS_PER_MS);
	cl[0] = served();
	assert_int_equal(limits().refused_source, 1);
	for (int i = 0; i < 3; i++)
		hw_cl_free(cl[i]);
	hw_settle();
	assert_int_equal(limits().sources, 0);
}

/* A full table takes a newcomer by closing its oldest idle connection
 * (no request in progress), never one with a request half-received;
 * when none is idle the newcomer is reset. */
static void
test_evict_idle(void **state)
{
	static const char part[] = "GET /s.bin HTTP/1.1\r\n";
	struct hw_client *a, *b, *c, *d, *e, *f;

	serve((struct tusk_http_server_conf){ .max_conns = 3,
					      .source_conns = 100 });
	hw_file_make("s.bin", 100, NULL, NULL);
	a = served();
	run_for(50 * NS_PER_MS);
	b = hw_cl_open();
	hw_cl_send(b, part, strlen(part));
	run_for(50 * NS_PER_MS);
	c = served();
	d = hw_cl_open();
	assert_true(hw_run_until(ended, a, 1000 * NS_PER_MS));
	run_for(50 * NS_PER_MS);
	assert_false(ended(b));
	assert_false(ended(c));
	assert_false(ended(d));
	assert_int_equal(limits().evicted, 1);
	hw_cl_send(d, part, strlen(part));
	run_for(50 * NS_PER_MS);
	e = hw_cl_open();
	assert_true(hw_run_until(ended, c, 1000 * NS_PER_MS));
	assert_int_equal(limits().evicted, 2);
	hw_cl_send(e, part, strlen(part));
	run_for(50 * NS_PER_MS);
	f = hw_cl_try(NULL);
	assert_true(hw_run_until(ended, f, 1000 * NS_PER_MS));
	assert_true(f->closed);
	assert_int_equal(limits().refused_full, 1);
	assert_false(ended(b) || ended(d) || ended(e));
	hw_cl_free(a);
	hw_cl_free(b);
	hw_cl_free(c);
	hw_cl_free(d);
	hw_cl_free(e);
	hw_cl_free(f);
	hw_settle();
}

/* Per source on all lcores (http_share.h): the shared count refuses past
 * source_total whatever the server's own limit, and counts sources
 * apart; the server gives its counts back as connections end. */
static void
test_source_total(void **state)
{
	struct tusk_http_share *sh = tusk_http_share_create(12345);
	struct tusk_addr a = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1)));
	struct tusk_addr b = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 9)));
	struct hw_client *cl[3];

	assert_non_null(sh);
	assert_true(tusk_http_share_take(sh, &b, 1));
	assert_false(tusk_http_share_take(sh, &b, 1));
	assert_int_equal(tusk_http_share_count(sh, &a), 0);
	serve((struct tusk_http_server_conf){ .source_conns = 10,
					      .source_total = 2,
					      .share = sh });
	hw_file_make("s.bin", 100, NULL, NULL);
	cl[0] = served();
	cl[1] = served();
	assert_int_equal(tusk_http_share_count(sh, &a), 2);
	cl[2] = hw_cl_try(NULL);
	assert_true(hw_run_until(ended, cl[2], 1000 * NS_PER_MS));
	assert_true(cl[2]->closed);
	assert_int_equal(limits().refused_total, 1);
	assert_int_equal(limits().refused_source, 0);
	for (int i = 0; i < 3; i++)
		hw_cl_free(cl[i]);
	hw_settle();
	assert_int_equal(tusk_http_share_count(sh, &a), 0);
	tusk_http_share_drop(sh, &b);
	assert_int_equal(tusk_http_share_count(sh, &b), 0);
	serve((struct tusk_http_server_conf){ 0 });
	tusk_http_share_free(sh);
}

static bool
all_got_bytes(void *arg)
{
	struct hw_client **cl = arg;

	for (int i = 0; cl[i] != NULL; i++)
		if (cl[i]->len == 0)
			return false;
	return true;
}

/* Readers that stop reading: together they hold at most source_pool_pct
 * of the data pool (2% here: they wait for their share), and get every
 * byte once they read again. */
static void
test_source_pool_share(void **state)
{
	enum { N = 8 };
	static const char get[] = "GET /p.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	const size_t size = 16u << 20;
	struct hw_client *cl[N + 1] = { NULL };
	struct tusk_http_server_limits l;
	struct hw_reply rep[1];
	uint64_t cap;
	uint8_t *data;

	serve((struct tusk_http_server_conf){ .source_pool_pct = 2 });
	cap = (uint64_t)hw_data_pool->size *
	      rte_pktmbuf_data_room_size(hw_data_pool) * 2 / 100;
	hw_file_make("p.bin", size, NULL, &data);
	for (int i = 0; i < N; i++) {
		cl[i] = hw_cl_open();
		cl[i]->hold = true;
		hw_cl_send(cl[i], get, strlen(get));
	}
	assert_true(hw_run_until(all_got_bytes, cl, 60000 * NS_PER_MS));
	run_for(1000 * NS_PER_MS);
	l = limits();
	print_message("pool share %lu: held %lu, peak %lu, waits %lu\n",
		      (unsigned long)cap, (unsigned long)l.pool_held,
		      (unsigned long)l.pool_held_peak,
		      (unsigned long)l.share_waits);
	/* file data stops at the share; response heads (one short mbuf
	 * each) are not held back */
	assert_true(l.pool_held_peak <= cap + N * 512);
	assert_true(l.share_waits > 0);
	for (int i = 0; i < N; i++) {
		cl[i]->hold = false;
		hw_cl_release(cl[i]);
	}
	for (int i = 0; i < N; i++) {
		hw_cl_wait(cl[i], "G", 1, rep);
		assert_int_equal(rep[0].body_len, size);
		assert_memory_equal(rep[0].body, data, size);
		hw_cl_free(cl[i]);
	}
	free(data);
	hw_settle();
}

/* Pipelined HEADs from a client that never reads: the server answers
 * HS_PIPE_DEPTH of them (each answer takes a 16 KiB mbuf) and reads no
 * further; once the client reads, all are answered in order. */
static void
test_pipeline_unread(void **state)
{
	enum { N = 50 };
	static const char head[] = "HEAD /q.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	const struct tusk_tcp_conn_opts tiny = { .rcv_max = 1024 };
	static char reqs[N * sizeof(head)];
	struct hw_reply rep[N];
	char kinds[N + 1];
	struct hw_client *cl;
	unsigned int in_use;

	serve((struct tusk_http_server_conf){ 0 });
	hw_file_make("q.bin", 100, NULL, NULL);
	for (int i = 0; i < N; i++) {
		memcpy(reqs + i * (sizeof(head) - 1), head, sizeof(head) - 1);
		kinds[i] = 'H';
	}
	kinds[N] = '\0';
	cl = hw_cl_try(&tiny);
	cl->hold = true;
	hw_cl_send(cl, reqs, N * (sizeof(head) - 1));
	assert_true(hw_run_until(hw_client_got_bytes, cl, 60000 * NS_PER_MS));
	run_for(1000 * NS_PER_MS);
	in_use = rte_mempool_in_use_count(hw_data_pool);
	print_message("%zu bytes of answers received, %u mbufs in use\n",
		      cl->len, in_use);
	assert_true(in_use <= 8);
	assert_true(limits().pipeline_waits > 0);
	cl->hold = false;
	hw_cl_release(cl);
	hw_cl_wait(cl, kinds, N, rep);
	for (int i = 0; i < N; i++)
		assert_int_equal(rep[i].r.status, 200);
	hw_cl_free(cl);
	hw_settle();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_deadline),
		cmocka_unit_test(test_body_rate),
		cmocka_unit_test(test_discard_rate),
		cmocka_unit_test(test_send_timeout),
		cmocka_unit_test(test_source_conns),
		cmocka_unit_test(test_evict_idle),
		cmocka_unit_test(test_source_total),
		cmocka_unit_test(test_source_pool_share),
		cmocka_unit_test(test_pipeline_unread),
	};

	if (hw_init("http_limits") != 0)
		return 1;
	return cmocka_run_group_tests(tests, hw_setup, hw_teardown);
}
