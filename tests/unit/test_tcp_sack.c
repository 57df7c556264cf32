/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's scoreboard (RFC 6675 pipe, SACK marking), RACK loss
 * detection with its reordering window (RFC 8985), and the receiver's
 * reassembly queue that produces SACK and D-SACK blocks (RFC 2018, 2883).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "tcp_mbuf.h"
#include "tcp_ofo.h"
#include "tcp_rack.h"
#include "tcp_sack.h"
#include "testenv.h"

#define MS TUSK_NS_PER_MS
#define MSS 1000u
/* Start near the wrap so every test crosses it. */
#define ISS 0xfffff000u

static struct rte_mempool *pool;

/* 10 segments of MSS, sent 1 ms apart. */
static void
fill(struct tusk_tcp_sb *sb, unsigned int n)
{
	tusk_tcp_sb_init(sb, 0);
	for (unsigned int i = 0; i < n; i++)
		assert_non_null(tusk_tcp_sb_push(sb, ISS + i * MSS,
						 ISS + (i + 1) * MSS, 0, i * MS));
}

static void
count(void *ctx, struct tusk_tcp_seg *s, bool was_sacked)
{
	(*(unsigned int *)ctx)++;
}

static void
test_pipe_and_sack(void **state)
{
	struct tusk_tcp_sb sb;
	unsigned int n = 0;

	fill(&sb, 10);
	assert_int_equal(tusk_tcp_sb_pipe(&sb), 10 * MSS);
	/* SACK segments 3..5 (RFC 6675: SACKed bytes leave the pipe). */
	assert_int_equal(tusk_tcp_sb_sack(&sb, ISS + 3 * MSS, ISS + 6 * MSS,
					  count, &n), 3);
	assert_int_equal(n, 3);
	assert_int_equal(tusk_tcp_sb_pipe(&sb), 7 * MSS);
	assert_int_equal(sb.high_sacked, ISS + 6 * MSS);
	/* The same block again changes nothing. */
	assert_int_equal(tusk_tcp_sb_sack(&sb, ISS + 3 * MSS, ISS + 6 * MSS,
					  NULL, NULL), 0);
	/* A block covering half a segment marks nothing (no partial
	 * records). */
	assert_int_equal(tusk_tcp_sb_sack(&sb, ISS + 7 * MSS,
					  ISS + 7 * MSS + MSS / 2, NULL, NULL),
			 0);
	/* Lost records leave the pipe until resent. */
	tusk_tcp_sb_mark_lost(&sb, sb.head);
	assert_int_equal(tusk_tcp_sb_pipe(&sb), 6 * MSS);
	assert_int_equal(tusk_tcp_sb_next_lost(&sb), sb.head);
	tusk_tcp_sb_sent(&sb, sb.head, 20 * MS);
	assert_int_equal(tusk_tcp_sb_pipe(&sb), 7 * MSS);
	assert_int_equal(tusk_tcp_sb_next_lost(&sb), TUSK_TCP_SEG_NIL);
	assert_true(tusk_tcp_sb_at(&sb, sb.head)->flags &
		    TUSK_TCP_SEG_RETRANS);
	/* Cumulative ACK through segment 5: 6 records go, 3 were SACKed. */
	n = 0;
	assert_int_equal(tusk_tcp_sb_ack(&sb, ISS + 6 * MSS, count, &n), 6);
	assert_int_equal(tusk_tcp_sb_count(&sb), 4);
	assert_int_equal(tusk_tcp_sb_pipe(&sb), 4 * MSS);
	assert_int_equal(sb.sacked, 0);
	/* A partial ACK trims the head record. */
	tusk_tcp_sb_ack(&sb, ISS + 6 * MSS + 100, NULL, NULL);
	assert_int_equal(tusk_tcp_sb_at(&sb, sb.head)->start,
			 ISS + 6 * MSS + 100);
	assert_int_equal(tusk_tcp_sb_pipe(&sb), 4 * MSS - 100);
	tusk_tcp_sb_free(&sb);
}

static void
test_find_and_grow(void **state)
{
	struct tusk_tcp_sb sb;

	/* More than the first ring (1024) forces a grow with wrap-around. */
	fill(&sb, 3000);
	assert_int_equal(tusk_tcp_sb_count(&sb), 3000);
	for (unsigned int i = 0; i < 3000; i += 7) {
		uint32_t id = tusk_tcp_sb_find(&sb, ISS + i * MSS + 10);

		assert_int_not_equal(id, TUSK_TCP_SEG_NIL);
		assert_int_equal(tusk_tcp_sb_at(&sb, id)->start, ISS + i * MSS);
	}
	assert_int_equal(tusk_tcp_sb_find(&sb, ISS - 1), TUSK_TCP_SEG_NIL);
	assert_int_equal(tusk_tcp_sb_find(&sb, ISS + 3000 * MSS),
			 TUSK_TCP_SEG_NIL);
	tusk_tcp_sb_free(&sb);
}

struct lost_log {
	uint32_t ids[16];
	unsigned int n;
};

static void
log_lost(void *ctx, uint32_t id)
{
	struct lost_log *l = ctx;

	l->ids[l->n++] = id;
}

/* Deliver segment `i` (SACK) at `now` through RACK. */
static void
deliver(struct tusk_tcp_sb *sb, struct tusk_tcp_rack *r,
	const struct tusk_tcp_rtt *rtt, unsigned int i, uint64_t now)
{
	uint32_t id = sb->head + i;
	struct tusk_tcp_seg *s = tusk_tcp_sb_at(sb, id);

	tusk_tcp_sb_sack(sb, s->start, s->end, NULL, NULL);
	tusk_tcp_rack_update(r, s, rtt, now);
}

static void
test_rack_detects_hole(void **state)
{
	struct tusk_tcp_sb sb;
	struct tusk_tcp_rack r;
	struct tusk_tcp_rtt rtt;
	struct lost_log log = { .n = 0 };
	uint64_t t;

	fill(&sb, 10);
	tusk_tcp_rack_init(&r, ISS);
	tusk_tcp_rtt_init(&rtt);
	tusk_tcp_rtt_sample(&rtt, 100 * MS, 0);
	/* Segments 1..4 arrive (sent at 1..4 ms), segment 0 does not. */
	for (unsigned int i = 1; i <= 4; i++)
		deliver(&sb, &r, &rtt, i, 100 * MS + i * MS);
	/* No reordering seen and 4 SACKed (>= DupThresh): window 0, so
	 * segment 0, sent before the newest delivered, is lost at once. */
	t = tusk_tcp_rack_detect(&r, &sb, &rtt, false, log_lost, &log,
				 104 * MS);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.ids[0], sb.head);
	assert_int_equal(t, 0);
	/* Segments 5..9 were sent after the newest delivered: not lost. */
	assert_int_equal(sb.lost, MSS);
	tusk_tcp_sb_free(&sb);
}

static void
test_rack_reordering_window(void **state)
{
	struct tusk_tcp_sb sb;
	struct tusk_tcp_rack r;
	struct tusk_tcp_rtt rtt;
	struct lost_log log = { .n = 0 };
	uint64_t t;

	fill(&sb, 10);
	tusk_tcp_rack_init(&r, ISS);
	tusk_tcp_rtt_init(&rtt);
	tusk_tcp_rtt_sample(&rtt, 100 * MS, 0);
	/* Earlier reordering was seen: the window is min_rtt / 4. */
	r.reordering_seen = true;
	deliver(&sb, &r, &rtt, 2, 102 * MS);
	t = tusk_tcp_rack_detect(&r, &sb, &rtt, false, log_lost, &log,
				 102 * MS);
	assert_int_equal(log.n, 0);
	/* Segment 0 sent at 0: deadline 0 + rtt (100) + 25 ms. */
	assert_int_equal(t, 125 * MS);
	/* Segment 0 shows up late: reordering, nothing was lost. */
	deliver(&sb, &r, &rtt, 0, 110 * MS);
	deliver(&sb, &r, &rtt, 1, 111 * MS);
	t = tusk_tcp_rack_detect(&r, &sb, &rtt, false, log_lost, &log,
				 126 * MS);
	assert_int_equal(log.n, 0);
	assert_int_equal(sb.lost, 0);
	/* D-SACKs widen the window, once per round trip (RFC 8985 6.2). */
	tusk_tcp_rack_dsack(&r, ISS, ISS + 10 * MSS);
	tusk_tcp_rack_dsack(&r, ISS, ISS + 10 * MSS);
	assert_int_equal(tusk_tcp_rack_reo_wnd(&r, &rtt, &sb, false), 50 * MS);
	tusk_tcp_rack_dsack(&r, ISS + 10 * MSS, ISS + 20 * MSS);
	assert_int_equal(tusk_tcp_rack_reo_wnd(&r, &rtt, &sb, false), 75 * MS);
	/* Never more than SRTT. */
	for (int i = 0; i < 10; i++)
		tusk_tcp_rack_dsack(&r, ISS + (20 + 10 * i) * MSS,
				    ISS + (30 + 10 * i) * MSS);
	assert_int_equal(tusk_tcp_rack_reo_wnd(&r, &rtt, &sb, false),
			 rtt.srtt);
	/* 16 recoveries later it falls back. */
	for (int i = 0; i < TUSK_TCP_RACK_REO_PERSIST; i++)
		tusk_tcp_rack_recovery_done(&r);
	assert_int_equal(tusk_tcp_rack_reo_wnd(&r, &rtt, &sb, false), 25 * MS);
	tusk_tcp_sb_free(&sb);
}

static void
test_rack_lost_retransmission(void **state)
{
	struct tusk_tcp_sb sb;
	struct tusk_tcp_rack r;
	struct tusk_tcp_rtt rtt;
	struct lost_log log = { .n = 0 };

	fill(&sb, 4);
	tusk_tcp_rack_init(&r, ISS);
	tusk_tcp_rtt_init(&rtt);
	tusk_tcp_rtt_sample(&rtt, 100 * MS, 0);
	deliver(&sb, &r, &rtt, 1, 101 * MS);
	deliver(&sb, &r, &rtt, 2, 102 * MS);
	deliver(&sb, &r, &rtt, 3, 103 * MS);
	tusk_tcp_rack_detect(&r, &sb, &rtt, true, log_lost, &log, 103 * MS);
	assert_int_equal(log.n, 1);
	/* Resent at 103 ms; new data sent at 104 is delivered at 205 ms,
	 * the retransmission is not: RACK finds the lost retransmission,
	 * which duplicate-ACK counting cannot. */
	tusk_tcp_sb_sent(&sb, sb.head, 103 * MS);
	assert_non_null(tusk_tcp_sb_push(&sb, ISS + 4 * MSS, ISS + 5 * MSS, 0,
					 104 * MS));
	deliver(&sb, &r, &rtt, 4, 205 * MS);
	tusk_tcp_rack_detect(&r, &sb, &rtt, true, log_lost, &log, 205 * MS);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ids[1], sb.head);
	tusk_tcp_sb_free(&sb);
}

/* ---- reassembly ---------------------------------------------------------- */

static struct rte_mbuf *
pkt(uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, (uint16_t)len));
	return m;
}

static void
test_ofo_blocks(void **state)
{
	struct tusk_tcp_ofo o;
	struct tusk_tcp_sack_block b[4];
	uint32_t ds, de, end, base = ISS;
	struct rte_mbuf *m;

	tusk_tcp_ofo_init(&o, 0);
	/* Holes at [0,1000) and [2000,3000): two extents. */
	assert_int_equal(tusk_tcp_ofo_insert(&o, base + 1000, pkt(1000),
					     1 << 20, &ds, &de), 0);
	assert_int_equal(tusk_tcp_ofo_insert(&o, base + 3000, pkt(1000),
					     1 << 20, &ds, &de), 0);
	assert_int_equal(o.n, 2);
	/* RFC 2018 4: the block holding the newest arrival comes first. */
	assert_int_equal(tusk_tcp_ofo_sack(&o, b, 4), 2);
	assert_int_equal(b[0].start, base + 3000);
	assert_int_equal(b[1].start, base + 1000);
	/* A duplicate is reported for D-SACK (RFC 2883) and freed. */
	assert_int_equal(tusk_tcp_ofo_insert(&o, base + 1000, pkt(1000),
					     1 << 20, &ds, &de),
			 TUSK_TCP_OFO_DUP);
	assert_int_equal(ds, base + 1000);
	assert_int_equal(de, base + 2000);
	/* Filling [2000,3000) joins the extents. */
	assert_int_equal(tusk_tcp_ofo_insert(&o, base + 2000, pkt(1000),
					     1 << 20, &ds, &de), 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.bytes, 3000);
	/* Overlap at both ends is trimmed. */
	assert_int_equal(tusk_tcp_ofo_insert(&o, base + 3500, pkt(1000),
					     1 << 20, &ds, &de), 0);
	assert_int_equal(o.ext[o.off].end, base + 4500);
	assert_int_equal(ds, base + 3500);
	assert_int_equal(de, base + 4000);
	/* Nothing in order yet. */
	assert_null(tusk_tcp_ofo_pop(&o, base, &end));
	/* The memory bound refuses what does not fit. */
	assert_int_equal(tusk_tcp_ofo_insert(&o, base + 6000, pkt(1000), 4000,
					     &ds, &de), -ENOBUFS);
	/* Once [0,1000) arrives, 3500 bytes come out as 4 packets. */
	m = tusk_tcp_ofo_pop(&o, base + 1000, &end);
	assert_non_null(m);
	assert_int_equal(end, base + 4500);
	unsigned int n = 0, bytes = 0;
	while (m != NULL) {
		struct rte_mbuf *next = *tusk_tcp_mbuf_link(m);

		bytes += m->pkt_len;
		n++;
		rte_pktmbuf_free(m);
		m = next;
	}
	assert_int_equal(bytes, 3500);
	assert_int_equal(n, 4);
	assert_int_equal(o.n, 0);
	assert_int_equal(o.bytes, 0);
	tusk_tcp_ofo_free(&o);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* Many holes filled in random order against a reference model: the
 * extents always match the set of received bytes, and everything comes
 * out once, in order. */
static void
test_ofo_random(void **state)
{
	enum { N = 900, L = 100 };
	static uint8_t have[N];
	uint32_t order[N], ds, de, end, rcv_nxt = ISS, x = 12345;
	struct tusk_tcp_ofo o;
	unsigned int delivered = 0;

	memset(have, 0, sizeof(have));
	for (uint32_t i = 0; i < N; i++)
		order[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		x = x * 1103515245u + 12345u;
		uint32_t j = (x >> 8) % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	tusk_tcp_ofo_init(&o, 0);
	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = order[k];
		struct rte_mbuf *m;

		if (ISS + i * L == rcv_nxt) {
			/* In order: "deliver" it, then what became in order. */
			rcv_nxt += L;
			delivered += L;
			have[i] = 1;
			while ((m = tusk_tcp_ofo_pop(&o, rcv_nxt, &end)) != NULL) {
				delivered += end - rcv_nxt;
				rcv_nxt = end;
				tusk_tcp_mbuf_free_list(m);
			}
			continue;
		}
		assert_int_equal(tusk_tcp_ofo_insert(&o, ISS + i * L, pkt(L),
						     1 << 30, &ds, &de), 0);
		assert_int_equal(ds, de);
		have[i] = 1;
		/* Model check: extents are the maximal runs above rcv_nxt. */
		uint32_t runs = 0, bytes = 0;
		for (uint32_t j = (rcv_nxt - ISS) / L; j < N; j++) {
			if (have[j]) {
				bytes += L;
				if (j == 0 || !have[j - 1] ||
				    ISS + j * L == rcv_nxt)
					runs++;
			}
		}
		assert_int_equal(o.n, runs);
		assert_int_equal(o.bytes, bytes);
	}
	assert_int_equal(delivered, N * L);
	assert_int_equal(o.n, 0);
	tusk_tcp_ofo_free(&o);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_and_sack),
		cmocka_unit_test(test_find_and_grow),
		cmocka_unit_test(test_rack_detects_hole),
		cmocka_unit_test(test_rack_reordering_window),
		cmocka_unit_test(test_rack_lost_retransmission),
		cmocka_unit_test(test_ofo_blocks),
		cmocka_unit_test(test_ofo_random),
	};

	if (tusk_testenv_init("tcp_sack", 128) != 0 ||
	    tusk_tcp_mbuf_setup() != 0)
		return 1;
	pool = tusk_testenv_pool("sack", 1023, 2048);
	if (pool == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
