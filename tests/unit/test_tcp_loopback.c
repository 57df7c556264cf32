/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two stacks joined by an in-process link (fixed delay and rate, FIFO) in
 * virtual time: a bulk transfer with every byte checked, then an orderly
 * close both ways. The simulator (tests/sim/) builds the impaired version
 * of the same idea.
 *
 *   stack A 10.0.0.1  --- link (delay, rate) ---  stack B 10.0.0.2
 *   client: connect, send N bytes, shutdown     server: check, close on EOF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "cksum.h"
#include "stack.h"
#include "tcp_api.h"
#include "tcp_cc.h"
#include "testenv.h"

#define NS_PER_MS 1000000ULL
/* Frames in flight on one direction of the link at most. */
#define LINK_SLOTS 65536
/* A bound on loop iterations so a stuck connection fails, not hangs. */
#define MAX_STEPS 50000000ULL

struct frame {
	uint64_t at;
	struct rte_mbuf *m;
};

struct link_dir {
	struct frame q[LINK_SLOTS];
	uint32_t head, n;
	uint64_t busy_until;   /* serialisation */
	uint64_t delay_ns;
	uint64_t rate_bps;
	uint64_t frames;
	uint32_t drop_every;   /* drop every Nth data frame (0: none) */
	uint64_t dropped;
	uint32_t swap_every;   /* hold every Nth data frame behind the next */
	struct rte_mbuf *held;
	uint32_t dup_every;    /* send every Nth data frame twice */
};

struct side {
	struct tusk_stack *st;
	struct link_dir *out;
	uint64_t *now;
};

static struct rte_mempool *stack_pool, *data_pool;
static struct link_dir dirs[2];
static uint64_t vnow;

static uint64_t bad_at_tx, bad_at_rx;
static bool tracing; /* TCP_TRACE set: print every segment */

/* Debug aid: is the frame's TCP checksum right? */
static bool
frame_ok(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t l4 = rte_be_to_cpu_16(ip->total_length) - 20, sum;

	if (ip->next_proto_id != IPPROTO_TCP)
		return true;
	sum = rte_ipv4_phdr_cksum(ip, 0);
	sum = (uint32_t)(uint16_t)~sum; /* undo: phdr returns folded sum */
	sum = rte_ipv4_phdr_cksum(ip, 0);
	sum += tusk_cksum_mbuf(m, 34, l4);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void
trace(const struct link_dir *d, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);

	if (ip->next_proto_id != IPPROTO_TCP)
		return;
	printf("%10.6f %s flags %02x seq %u ack %u len %u win %u\n",
	       (double)vnow / 1e9, d == &dirs[0] ? "A>B" : "B>A",
	       th->tcp_flags, rte_be_to_cpu_32(th->sent_seq),
	       rte_be_to_cpu_32(th->recv_ack),
	       rte_be_to_cpu_16(ip->total_length) - 20 -
	       (th->data_off >> 4) * 4, rte_be_to_cpu_16(th->rx_win));
}

static void
enqueue(struct link_dir *d, struct rte_mbuf *m, uint64_t start, uint32_t len)
{
	if (d->n == LINK_SLOTS) {
		d->dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (start < d->busy_until)
		start = d->busy_until;
	d->busy_until = start + (uint64_t)len * 8 * 1000000000ULL / d->rate_bps;
	d->q[(d->head + d->n) % LINK_SLOTS] =
		(struct frame){ .at = d->busy_until + d->delay_ns, .m = m };
	d->n++;
}

static uint16_t
link_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct link_dir *d = arg;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
		uint64_t start = d->busy_until > vnow ? d->busy_until : vnow;

		d->frames++;
		if (tracing)
			trace(d, pkts[i]);
		if (!frame_ok(pkts[i]))
			bad_at_tx++;
		if (d->drop_every != 0 && len > 200 &&
		    d->frames % d->drop_every == 0) {
			d->dropped++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		if (d->swap_every != 0 && len > 200 && d->held == NULL &&
		    d->frames % d->swap_every == 0) {
			d->held = pkts[i]; /* goes out after the next one */
			continue;
		}
		enqueue(d, pkts[i], start, len);
		if (d->held != NULL && len > 200) {
			struct rte_mbuf *h = d->held;

			d->held = NULL;
			enqueue(d, h, d->busy_until, rte_pktmbuf_pkt_len(h));
		}
		if (d->dup_every != 0 && len > 200 &&
		    d->frames % d->dup_every == 0) {
			struct rte_mbuf *c = rte_pktmbuf_copy(pkts[i],
				pkts[i]->pool, 0, UINT32_MAX);
			if (c != NULL)
				enqueue(d, c, d->busy_until, len);
		}
	}
	return n;
}

/* ---- the applications ---------------------------------------------------- */

static uint8_t
pattern(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 13);
}

struct app {
	uint64_t total;      /* bytes to send (client) */
	uint64_t sent;
	uint64_t received;
	uint64_t bad;
	bool connected, eof, closed, done_sending;
	int close_err;
	struct tusk_tcp_conn *c;
	struct tusk_tcp_conn_stats st;
	uint32_t held;         /* hold mode: bytes not yet consumed */
	uint64_t release_every; /* hold mode: release period, 0 = off */
	uint64_t release_at;
	uint64_t min_snd_wnd_seen;
};

static struct app client, server;
static uint32_t swap_every, dup_every; /* set into dirs[0] by transfer */
/* Options the client connects with (tests set the no_* switches). */
static struct tusk_tcp_conn_opts client_opts;

static void
fill(struct app *a, uint64_t now)
{
	while (a->sent < a->total) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
		uint16_t room, len;
		int64_t took;

		if (m == NULL)
			return;
		room = rte_pktmbuf_tailroom(m);
		len = (uint16_t)(a->total - a->sent < room ? a->total - a->sent
							   : room);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
		for (uint16_t i = 0; i < len; i++)
			p[i] = pattern(a->sent + i);
		took = tusk_tcp_send(a->c, &m, now);
		if (m != NULL) {
			rte_pktmbuf_free(m);
			return; /* full: writable() brings us back */
		}
		a->sent += (uint64_t)took;
	}
	if (!a->done_sending) {
		a->done_sending = true;
		tusk_tcp_shutdown(a->c, now);
	}
}

static void
c_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct app *a = arg;

	a->connected = true;
	fill(a, now);
}

static void
c_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	fill(arg, now);
}

static uint32_t
any_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	 uint64_t now)
{
	struct app *a = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint16_t i = 0; i < s->data_len; i++)
			if (p[i] != pattern(a->received + i))
				a->bad++;
		a->received += s->data_len;
	}
	rte_pktmbuf_free(m);
	if (a->release_every != 0) {
		/* Flow control: keep it all until the next release. */
		a->held += len;
		return 0;
	}
	return len;
}

static void
any_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct app *a = arg;

	a->eof = true;
	tusk_tcp_conn_stats(c, &a->st);
	if (a == &server)
		tusk_tcp_close(c, now);
}

static void
any_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct app *a = arg;

	a->closed = true;
	a->close_err = err;
}

static int
s_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	server.c = c;
	server.connected = true;
	*carg = &server;
	return 0;
}

static const struct tusk_tcp_ops client_ops = {
	.connected = c_connected,
	.recv = any_recv,
	.writable = c_writable,
	.peer_closed = any_peer_closed,
	.closed = any_closed,
};

static const struct tusk_tcp_ops server_ops = {
	.accepted = s_accepted,
	.recv = any_recv,
	.peer_closed = any_peer_closed,
	.closed = any_closed,
};

/* ---- the world ------------------------------------------------------------ */

static struct tusk_stack *
make_stack(uint8_t host, struct link_dir *out, uint16_t mtu)
{
	struct tusk_stack_conf sc = { .pool = stack_pool, .seed = host,
				      .max_conns = 64 };
	struct tusk_iface_conf ifc = { .prefix_len = 24, .mtu = mtu,
				       .tx = link_tx, .tx_arg = out };
	struct tusk_stack *st = tusk_stack_create(&sc);

	assert_non_null(st);
	ifc.mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, host}};
	ifc.addr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, host)));
	assert_int_equal(tusk_stack_add_iface(st, &ifc, vnow), 0);
	tusk_tcp_set_msl(st, 10 * NS_PER_MS);
	return st;
}

static uint64_t
dir_next(const struct link_dir *d)
{
	return d->n == 0 ? UINT64_MAX : d->q[d->head].at;
}

static void
dir_deliver(struct link_dir *d, struct tusk_stack *to)
{
	while (d->n > 0 && d->q[d->head].at <= vnow) {
		struct rte_mbuf *m = d->q[d->head].m;

		d->head = (d->head + 1) % LINK_SLOTS;
		d->n--;
		if (!frame_ok(m))
			bad_at_rx++;
		m->ol_flags &= ~(RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
				 RTE_MBUF_F_TX_IP_CKSUM);
		tusk_stack_input(to, 0, &m, 1, vnow);
	}
}

/* The slow reader: consume what it held, every release_every ns. */
static uint64_t
reader_step(void)
{
	if (server.release_every == 0 || server.c == NULL)
		return UINT64_MAX;
	if (vnow >= server.release_at) {
		if (server.held > 0 &&
		    tusk_tcp_conn_state(server.c) != TUSK_TCP_CLOSED)
			tusk_tcp_recv_consumed(server.c, server.held, vnow);
		server.held = 0;
		server.release_at = vnow + server.release_every;
	}
	return server.received == client.total ? UINT64_MAX : server.release_at;
}

/* A's poller shares its core (test_descheduled_sender): it runs a_run_ns
 * of every a_run_ns + a_gap_ns; off, it neither reads frames nor fires
 * timers. 0: always on. */
static uint64_t a_run_ns, a_gap_ns;

/* When A can next act, at or after t. */
static uint64_t
a_wakes(uint64_t t)
{
	uint64_t period = a_run_ns + a_gap_ns;

	if (a_gap_ns == 0 || t == UINT64_MAX || t % period < a_run_ns)
		return t;
	return t - t % period + period;
}

static uint64_t
min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Run until both sides are closed and every timer is done. */
/* The client's statistics, and the cheap view the HTTP server sizes its
 * reads from (http_server_limit.c): the same figures at every step. */
static void
client_stats(void)
{
	struct tusk_tcp_conn_send_view v;

	tusk_tcp_conn_stats(client.c, &client.st);
	tusk_tcp_conn_send_view(client.c, &v);
	assert_int_equal(v.bytes_acked, client.st.bytes_acked);
	assert_int_equal(v.cwnd, client.st.cwnd);
	assert_int_equal(v.snd_wnd, client.st.snd_wnd);
	/* the controller is chosen when the connection is established */
	if (client.connected)
		assert_string_equal(client.st.cc,
				    tusk_tcp_cc_default()->name);
}

static void
run(struct tusk_stack *a, struct tusk_stack *b, uint64_t limit_ns)
{
	for (uint64_t step = 0; step < MAX_STEPS; step++) {
		uint64_t t;

		if (client.c != NULL &&
		    tusk_tcp_conn_state(client.c) != TUSK_TCP_CLOSED)
			client_stats();
		uint64_t r = reader_step();

		if (client.c != NULL && client.connected && !client.closed &&
		    tusk_tcp_conn_state(client.c) != TUSK_TCP_CLOSED &&
		    client.st.snd_wnd < client.min_snd_wnd_seen)
			client.min_snd_wnd_seen = client.st.snd_wnd;
		dir_deliver(&dirs[0], b);
		if (a_wakes(vnow) == vnow) {
			dir_deliver(&dirs[1], a);
			tusk_stack_poll(a, vnow);
		}
		tusk_stack_poll(b, vnow);
		t = min3(dir_next(&dirs[0]), a_wakes(dir_next(&dirs[1])),
			 a_wakes(tusk_stack_next_event(a)));
		t = t < tusk_stack_next_event(b) ? t : tusk_stack_next_event(b);
		t = t < r ? t : r;
		if (t == UINT64_MAX || t > limit_ns)
			return;
		if (t > vnow)
			vnow = t;
	}
	fail_msg("loop did not settle");
}

static void
dump(struct tusk_stack *st, const char *name)
{
	const struct tusk_stack_stats *s = tusk_stack_stats(st);

	print_message("%s: rx %llu tx %llu tcp_rx %llu tcp_tx %llu\n", name,
		      (unsigned long long)s->rx_frames,
		      (unsigned long long)s->tx_frames,
		      (unsigned long long)s->tcp_rx,
		      (unsigned long long)s->tcp_tx);
	for (int i = 0; i < TUSK_DROP_MAX; i++)
		if (s->drops[i] != 0)
			print_message("  drop %s %llu\n",
				      tusk_stats_drop_name(i),
				      (unsigned long long)s->drops[i]);
}

static void
transfer_opts(uint16_t mtu, uint64_t bytes, uint32_t drop_every,
	      uint64_t rate, uint64_t release_every, uint32_t rcv_max)
{
	struct tusk_tcp_conn_opts copts = client_opts;
	struct tusk_tcp_conn_opts sopts = { .rcv_max = rcv_max };

	copts.snd_buf = 4u << 20;
	struct tusk_stack *a, *b;
	struct tusk_addr dst;

	memset(&client, 0, sizeof(client));
	memset(&server, 0, sizeof(server));
	memset(dirs, 0, sizeof(dirs));
	vnow = 1000;
	bad_at_tx = bad_at_rx = 0;
	for (int i = 0; i < 2; i++) {
		dirs[i].delay_ns = 5 * NS_PER_MS;
		dirs[i].rate_bps = rate;
	}
	dirs[0].drop_every = drop_every;
	dirs[0].swap_every = swap_every;
	dirs[0].dup_every = dup_every;
	a = make_stack(1, &dirs[0], mtu);
	b = make_stack(2, &dirs[1], mtu);
	assert_int_equal(tusk_tcp_listen(b, 5001, &server_ops, NULL, 0,
					 &sopts), 0);
	server.release_every = release_every;
	client.min_snd_wnd_seen = UINT64_MAX;
	client.total = bytes;
	dst = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2)));
	assert_int_equal(tusk_tcp_connect(a, &dst, 5001, &client_ops, &client,
					  &copts, vnow, &client.c), 0);
	run(a, b, 600ULL * 1000 * NS_PER_MS);

	print_message("bad at tx %llu rx %llu\n",
		      (unsigned long long)bad_at_tx,
		      (unsigned long long)bad_at_rx);
	print_message("client state %s\n", tusk_tcp_state_name(client.st.state));
	print_message("client: retrans %llu tlp %llu rto %llu rec %llu "
		      "cwnd %u srtt %llu us\n",
		      (unsigned long long)client.st.segs_retrans,
		      (unsigned long long)client.st.tlp_count,
		      (unsigned long long)client.st.rto_count,
		      (unsigned long long)client.st.sack_recoveries,
		      client.st.cwnd,
		      (unsigned long long)client.st.srtt_ns / 1000);
	dump(a, "A");
	dump(b, "B");
	print_message("mtu %u: %llu bytes in %.3f s virtual, dropped %llu, "
		      "bad %llu\n", mtu, (unsigned long long)server.received,
		      (double)vnow / 1e9, (unsigned long long)dirs[0].dropped,
		      (unsigned long long)server.bad);
	assert_int_equal(bad_at_tx + bad_at_rx, 0); /* no buffer reused early */
	assert_true(client.connected);
	assert_true(server.connected);
	assert_int_equal(server.received, bytes);
	assert_int_equal(server.bad, 0);
	assert_true(server.eof);
	assert_true(client.eof);
	assert_true(client.closed);
	assert_int_equal(client.close_err, 0);
	assert_int_equal(tusk_tcp_conn_count(a), 0);
	assert_int_equal(tusk_tcp_conn_count(b), 0);
	tusk_stack_free(a);
	tusk_stack_free(b);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
}

static void
transfer(uint16_t mtu, uint64_t bytes, uint32_t drop_every, uint64_t rate)
{
	transfer_opts(mtu, bytes, drop_every, rate, 0, 0);
}

static void
test_small_1500(void **state)
{
	transfer(1500, 100000, 0, 1000000000ULL);
}

/* Without SACK and timestamps (the client leaves them out of its SYN):
 * loss recovery by RFC 5681 fast retransmit and RFC 6582 partial ACKs. */
static void
test_loss_nosack(void **state)
{
	client_opts = (struct tusk_tcp_conn_opts){ .no_sack = true,
						   .no_timestamps = true };
	transfer(1500, 8ULL << 20, 97, 1000000000ULL);
	client_opts = (struct tusk_tcp_conn_opts){ .snd_buf = 0 };
	assert_true(client.st.segs_retrans >= dirs[0].dropped);
	assert_true(client.st.sack_recoveries > 0);
}

/* Without window scaling the window is 64 KiB: slower, still intact. */
static void
test_no_wscale(void **state)
{
	client_opts = (struct tusk_tcp_conn_opts){ .no_wscale = true };
	transfer(1500, 4ULL << 20, 0, 1000000000ULL);
	client_opts = (struct tusk_tcp_conn_opts){ .snd_buf = 0 };
	assert_true(client.st.snd_wnd <= 65535);
}

/* 1% of data frames overtaken by the next one, and 1% duplicated: RACK
 * sees the reordering and widens its window (RFC 8985), the receiver
 * reports duplicates as D-SACKs (RFC 2883): no loss recovery is needed,
 * so nearly nothing is resent and cwnd is not cut. */
static void
test_reorder_and_dup(void **state)
{
	memset(dirs, 0, sizeof(dirs));
	swap_every = 100;
	dup_every = 101;
	transfer(1500, 16ULL << 20, 0, 1000000000ULL);
	swap_every = dup_every = 0;
	print_message("retrans %llu recoveries %llu dsacks %llu\n",
		      (unsigned long long)client.st.segs_retrans,
		      (unsigned long long)client.st.sack_recoveries,
		      (unsigned long long)client.st.dsacks_received);
	assert_true(client.st.dsacks_received > 50);
	assert_true(client.st.segs_retrans <= 3);
}

static void
test_64mb_jumbo(void **state)
{
	transfer(9000, 64ULL << 20, 0, 10000000000ULL);
}

static void
test_16mb_1500(void **state)
{
	transfer(1500, 16ULL << 20, 0, 10000000000ULL);
}

static void
test_loss_1500(void **state)
{
	transfer(1500, 8ULL << 20, 97, 1000000000ULL);
}

/* A reader that consumes only every 100 ms through a 64 KiB window: the
 * window closes (zero window), the persist timer probes it, and the
 * transfer still completes intact (RFC 9293 3.8.6.1). */
static void
test_slow_reader(void **state)
{
	transfer_opts(1500, 2ULL << 20, 0, 1000000000ULL, 100 * NS_PER_MS,
		      64u << 10);
	/* The window closed to less than a segment (SWS avoidance keeps a
	 * sliver of the old right edge rather than shrinking it). */
	assert_true(client.min_snd_wnd_seen < 1448);
	/* 2 MiB through a 64 KiB window at ~64 KiB per 100 ms. */
	assert_true(vnow > 2500 * NS_PER_MS);
}

/* The sender's poller runs 4 ms of every 12 (two pollers and more
 * sharing 2 cores, as in test_grid_tpc's lab): BBR paces, and without
 * pacing credit the slots it missed were lost, the rate it delivered
 * fell below its pacing rate, its bandwidth estimate followed, and 32
 * MiB over 1 Gbit/s took tens of seconds (a tuskd-to-tuskd push at
 * 0.03 Gbit/s). With TUSK_TCP_PACE_CREDIT_NS it keeps a good part of
 * the link. */
static void
test_descheduled_sender(void **state)
{
	a_run_ns = 4 * NS_PER_MS;
	a_gap_ns = 8 * NS_PER_MS;
	transfer(9000, 32ULL << 20, 0, 1000000000ULL);
	a_run_ns = a_gap_ns = 0;
	print_message("descheduled sender: %.3f Gbit/s\n",
		      (32.0 * 8 * 1048576) / (double)vnow);
	/* 0.27 s at line rate; at least 0.25 Gbit/s */
	assert_true(vnow < 1074 * NS_PER_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_1500),
		cmocka_unit_test(test_64mb_jumbo),
		cmocka_unit_test(test_16mb_1500),
		cmocka_unit_test(test_loss_1500),
		cmocka_unit_test(test_slow_reader),
		cmocka_unit_test(test_loss_nosack),
		cmocka_unit_test(test_no_wscale),
		cmocka_unit_test(test_reorder_and_dup),
		cmocka_unit_test(test_descheduled_sender),
	};

	if (tusk_testenv_init("tcp_loopback", 512) != 0)
		return 1;
	tracing = getenv("TCP_TRACE") != NULL;
	/* One test by name (profiling: valgrind --tool=callgrind). */
	if (getenv("TCP_LOOPBACK_ONLY") != NULL)
		cmocka_set_test_filter(getenv("TCP_LOOPBACK_ONLY"));
	stack_pool = tusk_testenv_pool("loop_stack", 32767, 2048);
	data_pool = tusk_testenv_pool("loop_data", 8191, 2048);
	if (stack_pool == NULL || data_pool == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
