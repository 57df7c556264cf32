/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The send queue: segments cut from it carry the queue's bytes, and the
 * payload mbufs live exactly as long as the queue or any segment holds
 * them - acknowledged or freed queues keep the bytes of segments still in
 * flight (a PMD or the impairment stage may hold them), and nothing leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_sndq.h"
#include "testenv.h"

#define ENT_LEN 1000u   /* payload mbufs of 1000 bytes ... */
#define ENTS 6u         /* ... six of them */
#define ISS 4294966000u /* the sequence space wraps inside the queue */

static struct rte_mempool *data_pool, *seg_pool;

static int
setup(void **state)
{
	(void)state;
	if (tusk_testenv_init("tcp_sndq", 64) != 0)
		return -1;
	data_pool = tusk_testenv_pool("sndq_data", 512, 2048);
	seg_pool = tusk_testenv_pool("sndq_seg", 512, 256);
	return data_pool != NULL && seg_pool != NULL ? 0 : -1;
}

static uint8_t
byte_at(uint32_t i)
{
	return (uint8_t)(i * 131u + 7u);
}

/* A queue of ENTS mbufs holding bytes byte_at(0 .. ENTS * ENT_LEN). */
static void
fill(struct tusk_tcp_sndq *q)
{
	tusk_tcp_sndq_init(q, ISS, SOCKET_ID_ANY);
	for (uint32_t e = 0; e < ENTS; e++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, ENT_LEN);
		assert_non_null(p);
		for (uint32_t i = 0; i < ENT_LEN; i++)
			p[i] = byte_at(e * ENT_LEN + i);
		assert_int_equal(tusk_tcp_sndq_append(q, m), 0);
	}
	assert_int_equal(tusk_tcp_sndq_bytes(q), ENTS * ENT_LEN);
}

/* The segment's bytes are the queue's bytes [off, off + len). */
static void
check_bytes(const struct rte_mbuf *seg, uint32_t off, uint32_t len)
{
	uint8_t buf[ENTS * ENT_LEN];
	const uint8_t *p = rte_pktmbuf_read(seg, 0, len, buf);

	assert_int_equal(rte_pktmbuf_pkt_len(seg), len);
	assert_non_null(p);
	for (uint32_t i = 0; i < len; i++)
		assert_int_equal(p[i], byte_at(off + i));
}

static void
test_clone_bytes(void **state)
{
	static const uint32_t cuts[][2] = {
		{ 0, 1 }, { 0, ENT_LEN }, { 999, 2 }, { 500, 1448 },
		{ 1448, 1448 }, { 0, ENTS * ENT_LEN }, { 5999, 1 },
	};
	struct tusk_tcp_sndq q;

	(void)state;
	fill(&q);
	for (size_t i = 0; i < RTE_DIM(cuts); i++) {
		struct rte_mbuf *tail, *seg;

		seg = tusk_tcp_sndq_clone(&q, ISS + cuts[i][0], cuts[i][1],
					  seg_pool, &tail);
		assert_non_null(seg);
		assert_null(tail->next);
		assert_int_equal(seg->nb_segs,
				 (cuts[i][0] + cuts[i][1] - 1) / ENT_LEN -
				 cuts[i][0] / ENT_LEN + 1);
		check_bytes(seg, cuts[i][0], cuts[i][1]);
		rte_pktmbuf_free(seg);
	}
	tusk_tcp_sndq_free(&q);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
	assert_int_equal(rte_mempool_in_use_count(seg_pool), 0);
}

/* Acknowledged entries stay while a segment holds them; the last free
 * releases them, whichever comes last. */
static void
test_ack_while_in_flight(void **state)
{
	struct rte_mbuf *tail, *a, *b;
	struct tusk_tcp_sndq q;

	(void)state;
	fill(&q);
	a = tusk_tcp_sndq_clone(&q, ISS + 500, 1448, seg_pool, &tail);
	b = tusk_tcp_sndq_clone(&q, ISS + 900, 200, seg_pool, &tail);
	assert_non_null(a);
	assert_non_null(b);
	/* Entries 0-2 acknowledged: 0 and 1 are held by the segments. */
	tusk_tcp_sndq_ack(&q, ISS + 3 * ENT_LEN);
	assert_int_equal(tusk_tcp_sndq_bytes(&q), 3 * ENT_LEN);
	assert_int_equal(rte_mempool_in_use_count(data_pool), ENTS - 1);
	/* Another tenant of the freed mbuf would overwrite the bytes. */
	struct rte_mbuf *other[ENTS];
	assert_int_equal(rte_pktmbuf_alloc_bulk(data_pool, other, ENTS), 0);
	for (unsigned int i = 0; i < ENTS; i++)
		memset(rte_pktmbuf_mtod(other[i], void *), 0xa5, 2048);
	check_bytes(a, 500, 1448);
	check_bytes(b, 900, 200);
	rte_pktmbuf_free(a);
	/* b still holds entries 0 and 1. */
	assert_int_equal(rte_mempool_in_use_count(data_pool), 2 * ENTS - 1);
	check_bytes(b, 900, 200);
	rte_pktmbuf_free(b);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 2 * ENTS - 3);
	rte_pktmbuf_free_bulk(other, ENTS);
	tusk_tcp_sndq_free(&q);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
	assert_int_equal(rte_mempool_in_use_count(seg_pool), 0);
}

/* A queue freed (connection gone) with segments still queued at a port. */
static void
test_free_while_in_flight(void **state)
{
	struct rte_mbuf *tail, *seg;
	struct tusk_tcp_sndq q;

	(void)state;
	fill(&q);
	seg = tusk_tcp_sndq_clone(&q, ISS + 2500, 3000, seg_pool, &tail);
	assert_non_null(seg);
	tusk_tcp_sndq_free(&q);
	/* Entries 2, 3, 4 and 5 are held. */
	assert_int_equal(rte_mempool_in_use_count(data_pool), 4);
	check_bytes(seg, 2500, 3000);
	rte_pktmbuf_free(seg);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
	assert_int_equal(rte_mempool_in_use_count(seg_pool), 0);
}

/* An empty segment pool: NULL, and nothing half-made is left behind. */
static void
test_pool_empty(void **state)
{
	struct rte_mbuf *hold[512], *tail, *seg;
	struct tusk_tcp_sndq q;
	unsigned int n = 0;

	(void)state;
	fill(&q);
	while (n < RTE_DIM(hold) && (hold[n] = rte_pktmbuf_alloc(seg_pool)))
		n++;
	rte_pktmbuf_free(hold[--n]); /* one left: a 4-piece cut fails */
	seg = tusk_tcp_sndq_clone(&q, ISS + 900, 2200, seg_pool, &tail);
	assert_null(seg);
	assert_int_equal(rte_mempool_in_use_count(seg_pool), n);
	rte_pktmbuf_free_bulk(hold, n);
	tusk_tcp_sndq_free(&q);
	assert_int_equal(rte_mempool_in_use_count(data_pool), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_bytes),
		cmocka_unit_test(test_ack_while_in_flight),
		cmocka_unit_test(test_free_while_in_flight),
		cmocka_unit_test(test_pool_empty),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
