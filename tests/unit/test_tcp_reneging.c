/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK reneging (RFC 2018 section 8), both ways: our receiver gives back
 * out-of-order data when the rx pool runs low (tcp_recv.c), and our
 * sender resends SACKed data a peer may have given back (tcp_ack.c).
 * Crafted segments from the harness's peer (tests/lib/tcp_segs.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tcp_api.h"
#include "tcp_options.h"
#include "tcp_segs.h"
#include "tcp_sink.h"
#include "tcp_wire.h"

#define MS 1000000ULL
#define PPORT 40000
#define LPORT 80
#define PISS 1000000u /* the peer's ISN */
#define F_ACK TUSK_TCP_F_ACK

static struct tusk_harness h;

/* The application: tests/lib/tcp_sink.h. */
static struct tusk_test_sink sink;

#define send_seg(...) tusk_test_seg_send(&h, PPORT, __VA_ARGS__)
#define sent(i, s) tusk_test_seg_sent(&h, (i), (s))
#define last(s) tusk_test_seg_last(&h, (s))

static int
setup(void **state)
{
	memset(&sink, 0, sizeof(sink));
	if (tusk_harness_init(&h, "tcp_reneging") != 0)
		return -1;
	tusk_harness_learn_peer(&h, 0);
	return tusk_test_sink_listen(&h, LPORT, 4, NULL, &sink);
}

static int
teardown(void **state)
{
	tusk_harness_fini(&h);
	return 0;
}

static uint32_t
establish(const struct tusk_tcp_opts *syn_opts)
{
	uint32_t iss = tusk_test_establish(&h, PPORT, LPORT, PISS, syn_opts);

	assert_non_null(sink.last);
	return iss;
}

/* The rx pool nearly empty: new out-of-order data is dropped and what
 * was queued out of order reneged (no SACK blocks left), while in-order
 * data is still taken; the connection goes on once the pool refills. */
static void
test_rx_pool_low(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_SACK_OK };
	const struct tusk_stack_stats *st = tusk_stack_stats(h.st);
	uint32_t iss = establish(&o), low = h.pool->size / 8;
	struct rte_mbuf **hog = calloc(h.pool->size, sizeof(*hog));
	unsigned int n_hog = 0;
	struct tusk_test_seg s;

	assert_non_null(hog);
	/* two holes: [1001, 2001) and [3001, 4001) queued out of order */
	send_seg(LPORT, F_ACK, PISS + 1001, iss + 1, 65535, NULL, 1000, 3 * MS);
	send_seg(LPORT, F_ACK, PISS + 3001, iss + 1, 65535, NULL, 1000, 3 * MS);
	last(&s);
	assert_int_equal(s.ack, PISS + 1);
	assert_int_equal(s.opt.nsack, 2);
	tusk_harness_clear(&h);
	while (rte_mempool_avail_count(h.pool) >= low) {
		hog[n_hog] = rte_pktmbuf_alloc(h.pool);
		assert_non_null(hog[n_hog]);
		n_hog++;
	}
	/* more out-of-order data: dropped, the queue given back */
	send_seg(LPORT, F_ACK, PISS + 5001, iss + 1, 65535, NULL, 1000, 4 * MS);
	assert_int_equal(st->drops[TUSK_DROP_TCP_RX_POOL_LOW], 1);
	assert_int_equal(st->drops[TUSK_DROP_TCP_OFO_PRUNED], 2);
	last(&s);
	assert_int_equal(s.ack, PISS + 1);
	assert_int_equal(s.opt.nsack, 0);
	tusk_harness_clear(&h);
	/* in-order data is taken even now */
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, NULL, 1000, 5 * MS);
	assert_int_equal(sink.received, 1000);
	while (n_hog > 0)
		rte_pktmbuf_free(hog[--n_hog]);
	free(hog);
	/* the peer resends what was reneged; it all arrives */
	for (uint32_t off = 1001; off < 6001; off += 1000)
		send_seg(LPORT, F_ACK, PISS + off, iss + 1, 65535, NULL, 1000,
			 6 * MS);
	assert_int_equal(sink.received, 6000);
	last(&s);
	assert_int_equal(s.ack, PISS + 6001);
	assert_int_equal(st->drops[TUSK_DROP_TCP_RX_POOL_LOW], 1);
}

static void
test_sack_reneging(void **state)
{
	struct tusk_tcp_opts o = { .present = TUSK_TCP_OPTF_MSS |
		TUSK_TCP_OPTF_SACK_OK, .mss = 1000 };
	struct tusk_tcp_opts sack = { .present = TUSK_TCP_OPTF_SACK,
				      .nsack = 1 };
	uint32_t iss = establish(&o);
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);
	bool seg2_again = false;
	struct tusk_test_seg s;

	assert_non_null(rte_pktmbuf_append(m, 5000));
	assert_int_equal(tusk_tcp_send(sink.last, &m, 3 * MS), 5000);
	tusk_harness_clear(&h);
	/* The peer SACKs segments 2..5, never the first. */
	sack.sack[0] = (struct tusk_tcp_sack_block){ iss + 1001, iss + 5001 };
	send_seg(LPORT, F_ACK, PISS + 1, iss + 1, 65535, &sack, 0, 10 * MS);
	/* Then silence: timeouts follow, backing off. Only after the second
	 * one in a row is SACKed data (segment 2) resent. */
	unsigned int rtos = 0;
	for (uint64_t t = 11 * MS; t < 60000 * MS && !seg2_again; t += MS) {
		tusk_stack_poll(h.st, t);
		for (unsigned int i = 0; i < h.n_sent; i++) {
			sent(i, &s);
			if (s.seq == iss + 1 && s.len > 0)
				rtos++;
			if (s.seq == iss + 1001 && s.len > 0)
				seg2_again = true;
		}
		tusk_harness_clear(&h);
	}
	assert_true(seg2_again);
	assert_true(rtos >= 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_pool_low, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sack_reneging, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
