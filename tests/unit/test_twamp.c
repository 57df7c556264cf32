/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP / STAMP (app/svc/twamp*.c): NTP timestamps and Error Estimates,
 * test packet encode/decode against the RFCs' byte offsets, the run
 * statistics on hand-computed records, and the reflector on a stack fed
 * crafted datagrams: a good one answered field by field, short ones
 * counted and dropped, 20,000 random ones never crashing it.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_random.h>

#include "harness.h"
#include "testenv.h"
#include "twamp.h"
#include "twamp_pkt.h"
#include "twamp_stats.h"
#include "twamp_wire.h"
#include "udp_wire.h"

#define NS 1000000000ull
#define MS 1000000ull
#define PEER_PORT 40000
#define PORT 862
/* Random datagrams the reflector is fed. */
#define FUZZ_ROUNDS 20000

static uint32_t
be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t
be64_at(const uint8_t *p)
{
	return (uint64_t)be32_at(p) << 32 | be32_at(p + 4);
}

/* RFC 5905 6: 1970 is 2208988800 s after 1900; half a second is 2^31. */
static void
test_ntp(void **state)
{
	(void)state;
	assert_int_equal(tusk_twamp_ntp_from_unix_ns(0),
			 TWAMP_NTP_UNIX_OFFSET << 32);
	assert_int_equal(tusk_twamp_ntp_from_unix_ns(NS + NS / 2),
			 (TWAMP_NTP_UNIX_OFFSET + 1) << 32 | 0x80000000u);
	/* 1 ns short of a second: 2^32 less 4.29 units, not the next second */
	assert_int_equal(tusk_twamp_ntp_from_unix_ns(NS - 1),
			 TWAMP_NTP_UNIX_OFFSET << 32 | 0xfffffffcu);
	assert_int_equal(tusk_twamp_ntp_to_unix_ns(0), 0);
	for (int i = 0; i < 100000; i++) {
		uint64_t ns = rte_rand() % (60ull * 365 * 86400 * NS);
		uint64_t back = tusk_twamp_ntp_to_unix_ns(
			tusk_twamp_ntp_from_unix_ns(ns));

		/* 2^-32 s is 0.23 ns: rounding twice stays within 1 ns */
		assert_true(back + 1 >= ns && back <= ns + 1);
	}
}

/* RFC 4656 4.1.2: Multiplier * 2^(Scale - 32) s, never below the error
 * asked for, and within one multiplier step (1/128 above 128) of it. */
static void
test_error_estimate(void **state)
{
	static const uint64_t errs[] = { 0, 1, 230, 1000, 100000, MS,
					 16 * NS + 100000, 3600 * NS };
	bool s;
	double e;

	(void)state;
	for (size_t i = 0; i < RTE_DIM(errs); i++) {
		uint16_t v = tusk_twamp_err_encode(i % 2 == 0, errs[i]);

		assert_int_equal(tusk_twamp_err_decode(v, &s, &e), 0);
		assert_int_equal(s, i % 2 == 0);
		assert_int_equal(v & TWAMP_ERR_Z, 0);
		assert_true(e >= (double)errs[i]);
		assert_true(e <= (double)errs[i] * (1 + 1 / 127.0) + 1);
	}
	/* 16 s + 100 us: the finest scale whose multiplier fits 8 bits,
	 * 29: 129 / 8 = 16.125 s (128 would say 16 s, too little) */
	assert_int_equal(tusk_twamp_err_encode(false, 16 * NS + 100000),
			 29 << 8 | 129);
	/* 584 years still fit (scale 59) */
	assert_int_equal(tusk_twamp_err_decode(tusk_twamp_err_encode(true,
			 UINT64_MAX), &s, &e), 0);
	assert_true(e >= (double)UINT64_MAX);
	assert_int_equal(tusk_twamp_err_decode(0x8000 | 5 << 8, &s, &e),
			 -EINVAL);
}

static void
test_send_packet(void **state)
{
	struct tusk_twamp_send_pkt p = { .seq = 0x01020304,
		.ts = 0x1122334455667788ull, .err_est = 0x8123, .ssid = 0xbeef };
	struct tusk_twamp_send_pkt q;
	uint8_t buf[1000];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	tusk_twamp_send_encode(buf, 44, &p);
	assert_int_equal(be32_at(buf), 0x01020304);
	assert_int_equal(be64_at(buf + 4), 0x1122334455667788ull);
	assert_int_equal(buf[12] << 8 | buf[13], 0x8123);
	assert_int_equal(buf[14] << 8 | buf[15], 0xbeef); /* RFC 8972 SSID */
	for (int i = 16; i < 44; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[44], 0xee);
	assert_int_equal(tusk_twamp_send_decode(buf, 44, &q), 0);
	assert_int_equal(q.seq, p.seq);
	assert_int_equal(q.ts, p.ts);
	assert_int_equal(q.err_est, p.err_est);
	assert_int_equal(q.ssid, p.ssid);
	/* TWAMP without padding: no SSID */
	tusk_twamp_send_encode(buf, 14, &p);
	assert_int_equal(tusk_twamp_send_decode(buf, 14, &q), 0);
	assert_int_equal(q.ssid, 0);
	assert_int_equal(q.seq, p.seq);
	for (uint32_t n = 0; n < TWAMP_TEST_SEND_MIN; n++)
		assert_int_equal(tusk_twamp_send_decode(buf, n, &q), -EMSGSIZE);
}

static void
test_refl_packet(void **state)
{
	struct tusk_twamp_refl_pkt p = { .seq = 7, .ts = 0xa1a2a3a4a5a6a7a8ull,
		.err_est = 0x0203, .ssid = 0x0405, .rx_ts = 0xb1b2b3b4b5b6b7b8ull,
		.sender_seq = 0x0a0b0c0d, .sender_ts = 0xc1c2c3c4c5c6c7c8ull,
		.sender_err_est = 0x0e0f, .sender_ttl = 255 };
	struct tusk_twamp_refl_pkt q;
	uint8_t buf[64];

	(void)state;
	tusk_twamp_refl_encode(buf, 44, &p);
	/* RFC 5357 4.2.1 offsets */
	assert_int_equal(be32_at(buf), 7);
	assert_int_equal(be64_at(buf + 4), p.ts);
	assert_int_equal(buf[12] << 8 | buf[13], 0x0203);
	assert_int_equal(buf[14] << 8 | buf[15], 0x0405);
	assert_int_equal(be64_at(buf + 16), p.rx_ts);
	assert_int_equal(be32_at(buf + 24), 0x0a0b0c0d);
	assert_int_equal(be64_at(buf + 28), p.sender_ts);
	assert_int_equal(buf[36] << 8 | buf[37], 0x0e0f);
	assert_int_equal(buf[38] | buf[39], 0);
	assert_int_equal(buf[40], 255);
	assert_int_equal(buf[41] | buf[42] | buf[43], 0);
	assert_int_equal(tusk_twamp_refl_decode(buf, 44, &q), 0);
	assert_int_equal(q.seq, p.seq);
	assert_int_equal(q.ts, p.ts);
	assert_int_equal(q.err_est, p.err_est);
	assert_int_equal(q.ssid, p.ssid);
	assert_int_equal(q.rx_ts, p.rx_ts);
	assert_int_equal(q.sender_seq, p.sender_seq);
	assert_int_equal(q.sender_ts, p.sender_ts);
	assert_int_equal(q.sender_err_est, p.sender_err_est);
	assert_int_equal(q.sender_ttl, p.sender_ttl);
	assert_int_equal(tusk_twamp_refl_decode(buf, 40, &q), -EMSGSIZE);
	assert_int_equal(tusk_twamp_refl_len(14), 41);
	assert_int_equal(tusk_twamp_refl_len(41), 41);
	assert_int_equal(tusk_twamp_refl_len(44), 44);
	assert_int_equal(tusk_twamp_refl_len(1000), 1000);
}

/* A record sent at i * 10 ms, forward f ms, residence 1 ms, back b ms. */
static void
rec(struct tusk_twamp_rec *r, uint32_t i, double f, double b,
    uint32_t arrival)
{
	r->t1 = 1000 * NS + i * 10 * MS;
	r->t2 = r->t1 + (uint64_t)(f * MS);
	r->t3 = r->t2 + MS;
	r->t4 = r->t3 + (uint64_t)(b * MS);
	r->arrival = arrival;
	r->ttl = (uint8_t)(60 + i);
}

/* Ten packets: 3 and 7 lost, 5 duplicated, 6 came before 4 (4 is
 * reordered); RTTs 2, 3, 4, 6, 3, 5, 2, 4 ms in arrival order. */
static void
test_stats(void **state)
{
	struct tusk_twamp_rec r[10];
	struct tusk_twamp_result o;
	double rtts[] = { 2, 3, 4, 6, 3, 5, 2, 4 }, j = 0, mean = 29 / 8.0;
	double var = 0;

	(void)state;
	memset(r, 0, sizeof(r));
	rec(&r[0], 0, 1, 1, 1);
	rec(&r[1], 1, 1, 2, 2);
	rec(&r[2], 2, 2, 2, 3);
	rec(&r[6], 6, 3, 3, 4);      /* arrival order: 0 1 2 6 4 5 8 9 */
	rec(&r[4], 4, 1, 2, 5);
	r[4].reordered = true;
	rec(&r[5], 5, 2, 3, 6);
	r[5].dups = 1;
	rec(&r[8], 8, 0.5, 1.5, 7);
	rec(&r[9], 9, 1, 3, 8);
	assert_int_equal(tusk_twamp_stats(r, 10, &o), 0);
	assert_int_equal(o.sent, 10);
	assert_int_equal(o.received, 8);
	assert_int_equal(o.lost, 2);
	assert_true(fabs(o.loss_pct - 20) < 1e-9);
	assert_int_equal(o.duplicates, 1);
	assert_int_equal(o.reordered, 1);
	assert_int_equal(o.ttl_min, 60);
	assert_int_equal(o.ttl_max, 69);
	assert_int_equal(o.rtt.n, 8);
	assert_true(fabs(o.rtt.min - 2) < 1e-9 && fabs(o.rtt.max - 6) < 1e-9);
	assert_true(fabs(o.rtt.mean - mean) < 1e-9);
	for (int i = 0; i < 8; i++)
		var += (rtts[i] - mean) * (rtts[i] - mean);
	assert_true(fabs(o.rtt.stddev - sqrt(var / 8)) < 1e-9);
	/* nearest rank over 2 2 3 3 4 4 5 6: p50 = 4th, p90 = 8th */
	assert_true(fabs(o.rtt.p50 - 3) < 1e-9);
	assert_true(fabs(o.rtt.p90 - 6) < 1e-9);
	assert_true(fabs(o.rtt.p99 - 6) < 1e-9);
	/* RFC 3550 A.8 over the arrival order */
	for (int i = 1; i < 8; i++)
		j += (fabs(rtts[i] - rtts[i - 1]) - j) / 16;
	assert_true(fabs(o.jitter_rtt - j) < 1e-9);
	assert_true(fabs(o.fwd.min - 0.5) < 1e-9 && fabs(o.fwd.max - 3) < 1e-9);
	assert_true(fabs(o.back.min - 1) < 1e-9 && fabs(o.back.max - 3) < 1e-9);
	/* nothing came back */
	memset(r, 0, sizeof(r));
	assert_int_equal(tusk_twamp_stats(r, 10, &o), 0);
	assert_int_equal(o.lost, 10);
	assert_int_equal(o.rtt.n, 0);
	assert_int_equal(o.ttl_min, 0);
}

/* ---- the reflector on a stack ---- */

static struct tusk_harness h;
static struct rte_mempool *data_pool;
static struct tusk_twamp_clock clk;
static struct tusk_twamp *tw;

static int
setup(void **state)
{
	struct tusk_svc_env env;
	struct tusk_twamp_conf conf = { .port = PORT, .clock = &clk };

	(void)state;
	if (tusk_harness_init(&h, "twamp") != 0)
		return -1;
	if (data_pool == NULL)
		data_pool = tusk_testenv_pool("twamp_data", 1023,
					      RTE_MBUF_DEFAULT_BUF_SIZE);
	if (data_pool == NULL)
		return -1;
	tusk_harness_learn_peer(&h, 0);
	tusk_harness_clear(&h);
	memset(&env, 0, sizeof(env));
	env.st = h.st;
	env.data_pool = data_pool;
	/* the wall clock 1.7e9 s after 1970, 1 ms of error, synchronised */
	clk.off_ns = (int64_t)(1700000000ull * NS);
	clk.err_ns = MS;
	clk.synced = true;
	tw = tusk_twamp_create(&env, &conf);
	return tw == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	tusk_twamp_free(tw);
	tusk_harness_fini(&h);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
	return 0;
}

/* A datagram (checksum 0: none, RFC 768) of `plen` payload bytes from
 * the peer to our port `dport`, fed to the stack at `now`. */
static void
feed(const uint8_t *payload, size_t plen, uint16_t dport, uint64_t now)
{
	static uint8_t udp[2048], frame[2100];
	struct tusk_udp_hdr *uh = (struct tusk_udp_hdr *)udp;

	uh->sport = rte_cpu_to_be_16(PEER_PORT);
	uh->dport = rte_cpu_to_be_16(dport);
	uh->len = rte_cpu_to_be_16((uint16_t)(plen + 8));
	uh->cksum = 0;
	memcpy(udp + 8, payload, plen);
	tusk_harness_input(&h, frame, tusk_harness_ipv4_frame(frame,
			   HARNESS_PEER_IP, HARNESS_OUR_IP, IPPROTO_UDP, udp,
			   plen + 8), now);
}

/* The reflection's UDP payload in frame i, and its length. */
static const uint8_t *
reflection(unsigned int i, uint32_t *len)
{
	struct rte_mbuf *m = h.sent[i];
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const void *)(f + 14);
	const struct tusk_udp_hdr *uh = (const void *)(f + 34);

	assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
	assert_int_equal(rte_be_to_cpu_32(ip->dst_addr), HARNESS_PEER_IP);
	assert_int_equal(rte_be_to_cpu_16(uh->sport), PORT);
	assert_int_equal(rte_be_to_cpu_16(uh->dport), PEER_PORT);
	*len = rte_be_to_cpu_16(uh->len) - 8u;
	return f + 42;
}

static void
test_reflect(void **state)
{
	struct tusk_twamp_send_pkt p = { .seq = 41, .ts = 0x0123456789abcdefull,
		.err_est = 0x0102, .ssid = 0x7777 };
	struct tusk_twamp_refl_pkt r;
	struct tusk_twamp_info in;
	uint8_t buf[100];
	uint64_t now = 5 * NS + 250 * MS;
	uint32_t len;

	(void)state;
	tusk_twamp_send_encode(buf, 44, &p);
	feed(buf, 44, PORT, now);
	feed(buf, 44, PORT, now + MS);
	assert_int_equal(h.n_sent, 2);
	for (unsigned int i = 0; i < 2; i++) {
		const uint8_t *d = reflection(i, &len);

		assert_int_equal(len, 44);
		assert_int_equal(tusk_twamp_refl_decode(d, len, &r), 0);
		assert_int_equal(r.seq, i);   /* its own count per sender */
		assert_int_equal(r.sender_seq, 41);
		assert_int_equal(r.sender_ts, p.ts);
		assert_int_equal(r.sender_err_est, 0x0102);
		assert_int_equal(r.sender_ttl, 64);  /* harness frames' TTL */
		assert_int_equal(r.ssid, 0x7777);
		/* the clock's 1 ms, the stamping's, and no loop gap: the
		 * instance was never polled */
		assert_int_equal(r.err_est, tusk_twamp_err_encode(true,
				 MS + TUSK_TWAMP_STAMP_ERR_NS));
		assert_int_equal(r.rx_ts, tusk_twamp_ntp_from_unix_ns(
				 now + i * MS + 1700000000ull * NS));
		assert_int_equal(r.ts, r.rx_ts);
		assert_int_equal(d[41] | d[42] | d[43], 0);
	}
	tusk_twamp_info(tw, &in);
	assert_int_equal(in.c.reflected, 2);
	assert_int_equal(in.c.short_pkts, 0);
}

/* A frame that came while the lcore was away (5 ms since its last poll)
 * may have waited that long: its Error Estimate says so. */
static void
test_gap(void **state)
{
	struct tusk_twamp_send_pkt p = { .seq = 1 };
	struct tusk_twamp_refl_pkt r;
	uint8_t buf[44];
	const uint8_t *d;
	uint32_t len = 0;
	bool synced;
	double e;

	(void)state;
	tusk_twamp_poll(tw, 10 * NS);
	tusk_twamp_send_encode(buf, 44, &p);
	feed(buf, 44, PORT, 10 * NS + 5 * MS);
	assert_int_equal(h.n_sent, 1);
	d = reflection(0, &len);
	assert_int_equal(tusk_twamp_refl_decode(d, len, &r), 0);
	assert_int_equal(tusk_twamp_err_decode(r.err_est, &synced, &e), 0);
	assert_true(synced);
	assert_true(e >= (double)(MS + TUSK_TWAMP_STAMP_ERR_NS + 5 * MS));
	assert_true(e <= (double)(MS + TUSK_TWAMP_STAMP_ERR_NS + 5 * MS) *
			 1.01);
}

/* Below 14 bytes a datagram is no test packet: counted, not answered. */
static void
test_short(void **state)
{
	struct tusk_twamp_info in;
	uint8_t buf[TWAMP_TEST_SEND_MIN];

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	for (uint32_t n = 0; n < TWAMP_TEST_SEND_MIN; n++)
		feed(buf, n, PORT, NS);
	assert_int_equal(h.n_sent, 0);
	tusk_twamp_info(tw, &in);
	assert_int_equal(in.c.short_pkts, TWAMP_TEST_SEND_MIN);
	assert_int_equal(in.c.reflected, 0);
	/* 14 bytes of anything is a TWAMP packet: answered with 41 */
	feed(buf, TWAMP_TEST_SEND_MIN, PORT, NS);
	assert_int_equal(h.n_sent, 1);
}

/* Random lengths and bytes: every datagram is either answered with its
 * own length (41 at least) or counted short; nothing leaks. */
static void
test_fuzz(void **state)
{
	static uint8_t buf[1400];
	struct tusk_twamp_info in;
	uint64_t answered = 0, shorts = 0;
	uint32_t len;

	(void)state;
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		size_t n = rte_rand() % 2 ? rte_rand() % 64 :
			   rte_rand() % sizeof(buf);

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rte_rand();
		feed(buf, n, PORT, (uint64_t)i * MS);
		if (n < TWAMP_TEST_SEND_MIN) {
			shorts++;
			assert_int_equal(h.n_sent, 0);
		} else {
			answered++;
			assert_int_equal(h.n_sent, 1);
			reflection(0, &len);
			assert_int_equal(len, tusk_twamp_refl_len((uint32_t)n));
		}
		tusk_harness_clear(&h);
	}
	tusk_twamp_info(tw, &in);
	assert_int_equal(in.c.reflected, answered);
	assert_int_equal(in.c.short_pkts, shorts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntp),
		cmocka_unit_test(test_error_estimate),
		cmocka_unit_test(test_send_packet),
		cmocka_unit_test(test_refl_packet),
		cmocka_unit_test(test_stats),
		cmocka_unit_test_setup_teardown(test_reflect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
