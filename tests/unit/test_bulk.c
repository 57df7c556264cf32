/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bulk service (app/svc/bulk.h) between two stacks in virtual time,
 * joined by two impairment stages (drivers/impair.h) as the path:
 *
 *   stack A 10.0.0.1 (source)  --stage a->b-->  stack B 10.0.0.2 (sink,
 *                              <--stage b->a--   checking receiver)
 *
 * What a benchmark user relies on: the sink counts every byte the source
 * sent and the source counts them acknowledged; the stream is the
 * documented pattern; a time-limited source stops near its deadline; bad
 * requests are refused with a reason; failures and stops are reported;
 * nothing is leaked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "bulk.h"
#include "impair.h"
#include "stack.h"
#include "tcp_api.h"
#include "testenv.h"

#define MS (1000ull * 1000)
#define SEC (1000ull * MS)
#define IP_A RTE_IPV4(10, 0, 0, 1)
#define IP_B RTE_IPV4(10, 0, 0, 2)
/* The checking receiver's port on B. */
#define CHECK_PORT 5001
/* Frames per stage burst. */
#define BURST 32
/* Idle steps when no event is due (a source waiting for clones). */
#define IDLE_STEP (100 * 1000ull)
/* Bound on loop iterations: a stuck transfer fails, never hangs. */
#define MAX_STEPS 20000000ull

struct host {
	struct tusk_stack *st;
	struct tusk_impair *out; /* the path from this host */
	struct tusk_bulk *bulk;
};

static struct rte_mempool *pool_a, *pool_b, *data_a, *data_b;
static struct host ha, hb;
static uint64_t vnow;
static unsigned int world;

/* The checking receiver: every byte must be the pattern's. */
static uint64_t check_off, check_bad;
static bool check_eof;

static uint16_t
host_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct host *h = arg;

	tusk_impair_enqueue(h->out, pkts, n, vnow);
	return n;
}

static struct tusk_stack *
make_stack(struct rte_mempool *mp, uint32_t ip, uint8_t mac, struct host *h)
{
	struct tusk_stack_conf sc = { .pool = mp, .socket_id = SOCKET_ID_ANY,
				      .seed = mac };
	struct tusk_iface_conf ic = {
		.mac = {{ 0x02, 0, 0, 0, 0, mac }},
		.addr = tusk_addr_v4(rte_cpu_to_be_32(ip)),
		.prefix_len = 24,
		.mtu = 9000,
		.tx = host_tx,
		.tx_arg = h,
	};
	struct tusk_stack *st = tusk_stack_create(&sc);

	assert_non_null(st);
	assert_true(tusk_stack_add_iface(st, &ic, vnow) >= 0);
	return st;
}

static uint32_t
check_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	   uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *s;

	for (s = m; s != NULL; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);
		uint16_t i;

		for (i = 0; i < s->data_len; i++)
			check_bad += d[i] != tusk_bulk_pattern_byte(check_off++);
	}
	rte_pktmbuf_free(m);
	return len;
}

static void
check_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	check_eof = true;
	tusk_tcp_close(c, now);
}

static const struct tusk_tcp_ops check_ops = {
	.recv = check_recv,
	.peer_closed = check_peer_closed,
};

/* A fresh world: both stacks, both stages with `path`, bulk on both. */
static void
world_up(const struct tusk_impair_conf *path)
{
	struct tusk_bulk_conf sink = { .sink_port = TUSK_BULK_PORT_DEFAULT };
	struct tusk_bulk_conf none = { 0 };
	struct tusk_svc_env ea = { .lcore_id = 0, .data_pool = data_a };
	struct tusk_svc_env eb = { .lcore_id = 1, .data_pool = data_b };
	char name[32];

	world++;
	vnow = 0;
	check_off = check_bad = 0;
	check_eof = false;
	snprintf(name, sizeof(name), "ab%u", world);
	ha.out = tusk_impair_create(name, path, 9100, 1, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "ba%u", world);
	hb.out = tusk_impair_create(name, path, 9100, 2, SOCKET_ID_ANY);
	assert_non_null(ha.out);
	assert_non_null(hb.out);
	/* as tuskd's rx stages do: frames TCP keeps weigh on its pool */
	tusk_impair_release_to(ha.out, pool_b);
	tusk_impair_release_to(hb.out, pool_a);
	ha.st = make_stack(pool_a, IP_A, 1, &ha);
	hb.st = make_stack(pool_b, IP_B, 2, &hb);
	ea.st = ha.st;
	eb.st = hb.st;
	ha.bulk = tusk_bulk_create(&ea, &none);
	hb.bulk = tusk_bulk_create(&eb, &sink);
	assert_non_null(ha.bulk);
	assert_non_null(hb.bulk);
	assert_int_equal(tusk_tcp_listen(hb.st, CHECK_PORT, &check_ops, NULL,
					 16, NULL), 0);
}

/* Free what a world holds (also after a failed test: teardown). */
static int
world_free(void **state)
{
	tusk_bulk_free(ha.bulk);
	tusk_bulk_free(hb.bulk);
	tusk_stack_free(ha.st);
	tusk_stack_free(hb.st);
	ha.bulk = hb.bulk = NULL;
	ha.st = hb.st = NULL;
	/* released frames are all back once the stacks are gone */
	if (tusk_impair_free(ha.out) < 0 || tusk_impair_free(hb.out) < 0)
		return -1;
	ha.out = hb.out = NULL;
	return 0;
}

/* Tear down and check that every mbuf came home. */
static void
world_down(void)
{
	assert_int_equal(world_free(NULL), 0);
	assert_int_equal(rte_mempool_in_use_count(data_a), 0);
	assert_int_equal(rte_mempool_in_use_count(data_b), 0);
	assert_int_equal(rte_mempool_in_use_count(pool_a), 0);
	assert_int_equal(rte_mempool_in_use_count(pool_b), 0);
}

static void
deliver(struct tusk_impair *from, struct tusk_stack *to)
{
	struct rte_mbuf *m[BURST];
	uint16_t n;

	while ((n = tusk_impair_dequeue(from, m, BURST, vnow)) > 0)
		tusk_stack_input(to, 0, m, n, vnow);
}

static uint64_t
next_event(void)
{
	uint64_t t = RTE_MIN(tusk_stack_next_event(ha.st),
			     tusk_stack_next_event(hb.st));

	t = RTE_MIN(t, tusk_impair_next(ha.out));
	return RTE_MIN(t, tusk_impair_next(hb.out));
}

/* One step of the world at vnow. */
static void
step(void)
{
	deliver(ha.out, hb.st);
	deliver(hb.out, ha.st);
	tusk_stack_poll(ha.st, vnow);
	tusk_stack_poll(hb.st, vnow);
	tusk_bulk_poll(ha.bulk, vnow);
	tusk_bulk_poll(hb.bulk, vnow);
}

/* The info of transfer `id` on host h (asserts it exists). */
static struct tusk_bulk_info
info_of(struct host *h, uint32_t id)
{
	static struct tusk_bulk_info all[TUSK_BULK_XFERS_MAX];
	unsigned int n = tusk_bulk_list(h->bulk, all, TUSK_BULK_XFERS_MAX,
					vnow), i;

	for (i = 0; i < n; i++)
		if (all[i].id == id)
			return all[i];
	fail_msg("no transfer %u", id);
	return all[0];
}

/* The newest sink transfer on B. */
static struct tusk_bulk_info
sink_info(void)
{
	static struct tusk_bulk_info all[TUSK_BULK_XFERS_MAX];
	unsigned int n = tusk_bulk_list(hb.bulk, all, TUSK_BULK_XFERS_MAX,
					vnow);

	assert_true(n > 0);
	assert_int_equal(all[n - 1].role, TUSK_BULK_SINK);
	return all[n - 1];
}

/* Run until source `id` is done and the peer saw the end (or `until`). */
static void
run_until_done(uint32_t id, uint64_t until)
{
	uint64_t steps;

	for (steps = 0; steps < MAX_STEPS && vnow < until; steps++) {
		uint64_t t = next_event();

		step();
		if (info_of(&ha, id).done && tusk_impair_next(ha.out) ==
		    UINT64_MAX && tusk_impair_next(hb.out) == UINT64_MAX)
			break;
		vnow = t > vnow && t != UINT64_MAX ? RTE_MIN(t, vnow +
			IDLE_STEP) : vnow + IDLE_STEP;
	}
	assert_true(steps < MAX_STEPS);
}

static struct tusk_bulk_source_conf
to_b(uint16_t port, uint64_t bytes, uint64_t seconds, const char *cc)
{
	struct tusk_bulk_source_conf c = {
		.dst = tusk_addr_v4(rte_cpu_to_be_32(IP_B)),
		.port = port, .bytes = bytes, .seconds = seconds,
	};

	snprintf(c.cc, sizeof(c.cc), "%s", cc);
	return c;
}

static uint32_t
start(const struct tusk_bulk_source_conf *c)
{
	char err[128] = "";
	uint32_t id = 0;

	assert_int_equal(tusk_bulk_source_start(ha.bulk, c, vnow, &id, err,
						sizeof(err)), 0);
	assert_true(id != 0);
	return id;
}

/* A world over path, source c started and run to its end (60 s of
 * virtual time at most), without an error: its figures. */
static struct tusk_bulk_info
run_ok(const struct tusk_impair_conf *path,
       const struct tusk_bulk_source_conf *c)
{
	struct tusk_bulk_info src;
	uint32_t id;

	world_up(path);
	id = start(c);
	run_until_done(id, 60 * SEC);
	src = info_of(&ha, id);
	assert_true(src.done);
	assert_int_equal(src.err, 0);
	return src;
}

static int
setup(void **state)
{
	if (tusk_testenv_init("bulk", 1024) < 0)
		return -1;
	pool_a = tusk_testenv_pool("bulk_a", 16384, 2048);
	pool_b = tusk_testenv_pool("bulk_b", 16384, 2048);
	data_a = tusk_testenv_pool("bulk_da", 512, TUSK_BULK_CHUNK);
	data_b = tusk_testenv_pool("bulk_db", 512, TUSK_BULK_CHUNK);
	return pool_a && pool_b && data_a && data_b ? 0 : -1;
}

/* 1 Gbit/s, 1 ms each way: an odd byte count arrives whole, counted on
 * both ends, and the goodput is under the line rate but near it. */
static void
test_bytes_to_sink(void **state)
{
	struct tusk_impair_conf path = { .delay_ns = 1 * MS,
					 .rate_bps = 1000000000ull,
					 .limit = 8192 };
	const uint64_t bytes = 32ull * 1024 * 1024 + 12345;
	struct tusk_bulk_source_conf c = to_b(TUSK_BULK_PORT_DEFAULT, bytes,
					      0, "cubic");
	struct tusk_bulk_info src, snk;

	src = run_ok(&path, &c);
	snk = sink_info();
	assert_int_equal(src.role, TUSK_BULK_SOURCE);
	assert_int_equal(src.bytes, bytes);
	assert_int_equal(src.target, bytes);
	assert_string_equal(src.tcp.cc, "cubic");
	assert_int_equal(snk.bytes, bytes);
	assert_true(snk.done);
	assert_int_equal(snk.err, 0);
	assert_int_equal(snk.local_port, TUSK_BULK_PORT_DEFAULT);
	assert_int_equal(snk.peer_port, src.local_port);
	/* 32 MiB at 1 Gbit/s is 0.28 s of wire time, plus slow start */
	assert_true(src.gbps > 0.5 && src.gbps < 1.0);
	assert_true(snk.gbps > 0.5 && snk.gbps < 1.0);
	world_down();
}

/* Every byte is the documented pattern, through loss and reordering. */
static void
test_pattern_under_loss(void **state)
{
	struct tusk_impair_conf path = { .delay_ns = 1 * MS,
					 .rate_bps = 1000000000ull,
					 .loss_ppm = 10000, .reorder_ppm = 10000,
					 .limit = 8192 };
	const uint64_t bytes = 8ull * 1024 * 1024 + 1;
	struct tusk_bulk_source_conf c = to_b(CHECK_PORT, bytes, 0, "bbr");
	struct tusk_bulk_info src;

	src = run_ok(&path, &c);
	assert_int_equal(src.bytes, bytes);
	assert_true(src.tcp.segs_retrans > 0);
	assert_int_equal(check_off, bytes);
	assert_int_equal(check_bad, 0);
	assert_true(check_eof);
	world_down();
}

/* A time-limited source stops queuing at its deadline and finishes once
 * that is acknowledged: 100 Mbit/s for 2 s is ~25 MB. */
static void
test_seconds(void **state)
{
	struct tusk_impair_conf path = { .delay_ns = 5 * MS,
					 .rate_bps = 100000000ull,
					 .limit = 8192 };
	struct tusk_bulk_source_conf c = to_b(TUSK_BULK_PORT_DEFAULT, 0, 2,
					      "");
	struct tusk_bulk_info src;

	src = run_ok(&path, &c);
	assert_int_equal(src.target, 0);
	assert_int_equal(sink_info().bytes, src.bytes);
	/* the deadline, then what was queued drains: at most 2 cwnd + a
	 * 1 MiB batch beyond the acknowledged, ~0.15 s here */
	assert_in_range(src.elapsed_ns, 2 * SEC, 2 * SEC + 300 * MS);
	/* 100 Mbit/s less headers (8948 of 9024 wire bytes) and slow start */
	assert_true(src.gbps > 0.095 && src.gbps < 0.0992);
	assert_in_range(src.bytes, 23000000, 28000000);
	world_down();
}

/* Bad requests are refused with the reason; nothing is started. */
static void
test_bad_requests(void **state)
{
	struct tusk_impair_conf path = { .delay_ns = 1 * MS };
	struct tusk_bulk_source_conf c;
	struct tusk_bulk_info all[4];
	char err[128];
	uint32_t id = 0;

	world_up(&path);
	c = to_b(9, 0, 0, "");
	assert_int_equal(tusk_bulk_source_start(ha.bulk, &c, vnow, &id, err,
						sizeof(err)), -EINVAL);
	assert_string_equal(err, "give bytes or seconds (or both)");
	c = to_b(9, 1000, 0, "vegas");
	assert_int_equal(tusk_bulk_source_start(ha.bulk, &c, vnow, &id, err,
						sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown cc \"vegas\" (newreno, cubic, bbr)");
	c = to_b(0, 1000, 0, "");
	assert_int_equal(tusk_bulk_source_start(ha.bulk, &c, vnow, &id, err,
						sizeof(err)), -EINVAL);
	c.dst.v4 = 0;
	c.port = 9;
	assert_int_equal(tusk_bulk_source_start(ha.bulk, &c, vnow, &id, err,
						sizeof(err)), -EINVAL);
	assert_int_equal(tusk_bulk_list(ha.bulk, all, 4, vnow), 0);
	world_down();
}

/* No listener: the source reports the refusal. A stop ends a running
 * transfer on both sides. */
static void
test_refused_and_stop(void **state)
{
	struct tusk_impair_conf path = { .delay_ns = 1 * MS,
					 .rate_bps = 100000000ull };
	struct tusk_bulk_source_conf c = to_b(4444, 1000, 0, "");
	struct tusk_bulk_info src;
	uint32_t id;

	world_up(&path);
	id = start(&c);
	run_until_done(id, 5 * SEC);
	src = info_of(&ha, id);
	assert_true(src.done);
	assert_int_equal(src.err, -ECONNREFUSED);
	c = to_b(TUSK_BULK_PORT_DEFAULT, 1ull << 40, 0, "");
	id = start(&c);
	run_until_done(id, vnow + 1 * SEC);
	assert_false(info_of(&ha, id).done);
	assert_true(sink_info().bytes > 0);
	assert_int_equal(tusk_bulk_stop(ha.bulk, id, vnow), 0);
	assert_int_equal(tusk_bulk_stop(ha.bulk, id, vnow), -ENOENT);
	src = info_of(&ha, id);
	assert_true(src.done);
	assert_int_equal(src.err, -ECANCELED);
	run_until_done(id, vnow + 100 * MS);
	assert_true(sink_info().done);
	assert_int_equal(sink_info().err, -ECONNRESET);
	world_down();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_bytes_to_sink, world_free),
		cmocka_unit_test_teardown(test_pattern_under_loss, world_free),
		cmocka_unit_test_teardown(test_seconds, world_free),
		cmocka_unit_test_teardown(test_bad_requests, world_free),
		cmocka_unit_test_teardown(test_refused_and_stop, world_free),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
