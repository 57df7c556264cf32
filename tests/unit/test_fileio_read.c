/* SPDX-License-Identifier: BSD-3-Clause */
/* File data into mbuf chains: the chain holds exactly the file's bytes at
 * any offset and length, its CRC32C is the CRC of those bytes, EOF reads
 * short then zero, and an empty pool fails cleanly with nothing leaked.
 * CRC32C itself is checked against published vectors. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_mbuf.h>

#include "crc32c.h"
#include "file_read.h"
#include "testenv.h"
#include "unmet.h"

/* 1 MiB + 123: not a multiple of any mbuf room or page */
#define FILE_LEN ((1u << 20) + 123)
#define ROOM 16384
#define POOL_N 512

static struct rte_mempool *pool;
static uint8_t *data;
static int fd = -1;
static char path[] = "/tmp/tusk-test-read-XXXXXX";

static int
setup(void **state)
{
	uint32_t x = 12345;

	if (tusk_testenv_init("fileio_read", 256) < 0)
		return -1;
	pool = tusk_testenv_pool("fileio_read", POOL_N, ROOM);
	data = malloc(FILE_LEN);
	fd = mkstemp(path);
	if (pool == NULL || data == NULL || fd < 0)
		return -1;
	for (uint32_t i = 0; i < FILE_LEN; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	if (write(fd, data, FILE_LEN) != (ssize_t)FILE_LEN)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	close(fd);
	unlink(path);
	free(data);
	rte_mempool_free(pool);
	return 0;
}

/* Bitwise CRC32C (reflected polynomial 0x82F63B78), the definition the
 * hardware instruction must agree with. */
static uint32_t
crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static void
test_crc32c_vectors(void **state)
{
	uint8_t buf[32];

	/* RFC 3720 appendix B.4 */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(tusk_crc32c(buf, 32, 0), 0x8A9136AA);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(tusk_crc32c(buf, 32, 0), 0x62A8AB43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(tusk_crc32c(buf, 32, 0), 0x46DD794E);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(tusk_crc32c(buf, 32, 0), 0x113FDB5C);
	/* the common check value */
	assert_int_equal(tusk_crc32c("123456789", 9, 0), 0xE3069283);
	assert_int_equal(tusk_crc32c("", 0, 0), 0);
	/* every length through the three-lane paths and the tails, at
	 * every alignment */
	for (size_t len = 0; len < 20000; len += len < 800 ? 1 : 97)
		assert_int_equal(tusk_crc32c(data + len % 8, len, 0),
				 crc32c_ref(data + len % 8, len));
	/* continuing equals all at once, at every cut of odd lengths */
	for (size_t cut = 0; cut <= 1001; cut += 77)
		assert_int_equal(tusk_crc32c(data + cut, 1001 - cut,
					     tusk_crc32c(data, cut, 0)),
				 crc32c_ref(data, 1001));
}

/* The chain's bytes, segment by segment, equal the file's at off. */
static void
assert_chain_is(const struct rte_mbuf *m, uint64_t off, uint32_t len)
{
	uint32_t seen = 0, segs = 0;

	assert_int_equal(m->pkt_len, len);
	for (; m != NULL; m = m->next) {
		assert_true(m->data_len > 0);
		assert_memory_equal(rte_pktmbuf_mtod(m, const uint8_t *),
				    data + off + seen, m->data_len);
		seen += m->data_len;
		segs++;
	}
	assert_int_equal(seen, len);
	assert_int_equal(segs, (len + ROOM - 1) / ROOM);
}

static void
test_read_equals_file(void **state)
{
	static const struct {
		uint64_t off;
		uint32_t len;
	} cases[] = {
		{0, 1}, {0, ROOM}, {0, ROOM + 1}, {1, ROOM - 1}, {7, 100000},
		{0, FILE_LEN}, {4095, 65537}, {FILE_LEN - 200, 200},
		{123457, 3 * ROOM},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t tail = cases[i].len > 5 ? cases[i].len - 5 : 0;
		struct rte_mbuf *m;
		uint32_t crc = 0;
		int64_t got;

		got = tusk_file_read_mbufs(fd, cases[i].off, cases[i].len,
					   pool, &m, &crc);
		assert_int_equal(got, cases[i].len);
		assert_non_null(m);
		assert_int_equal(m->nb_segs, (cases[i].len + ROOM - 1) / ROOM);
		assert_chain_is(m, cases[i].off, cases[i].len);
		assert_int_equal(crc, crc32c_ref(data + cases[i].off,
						 cases[i].len));
		/* a range inside the chain, crossing segments */
		assert_int_equal(tusk_crc32c_mbuf(m, 5, tail, 0),
				 crc32c_ref(data + cases[i].off + 5, tail));
		rte_pktmbuf_free(m);
	}
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

static void
test_crc_continues_across_reads(void **state)
{
	struct rte_mbuf *a, *b;
	uint32_t crc = 0;

	assert_int_equal(tusk_file_read_mbufs(fd, 0, 50001, pool, &a, &crc),
			 50001);
	assert_int_equal(tusk_file_read_mbufs(fd, 50001, 70000, pool, &b, &crc),
			 70000);
	assert_int_equal(crc, crc32c_ref(data, 120001));
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
}

static void
test_eof(void **state)
{
	struct rte_mbuf *m;
	uint32_t crc = 0;

	/* short at EOF: only what is there, unused mbufs returned */
	assert_int_equal(tusk_file_read_mbufs(fd, FILE_LEN - 123, 4 * ROOM,
					      pool, &m, &crc), 123);
	assert_int_equal(m->nb_segs, 1);
	assert_chain_is(m, FILE_LEN - 123, 123);
	assert_int_equal(crc, crc32c_ref(data + FILE_LEN - 123, 123));
	rte_pktmbuf_free(m);
	/* at and past EOF: 0, no chain */
	assert_int_equal(tusk_file_read_mbufs(fd, FILE_LEN, ROOM, pool, &m,
					      NULL), 0);
	assert_null(m);
	assert_int_equal(tusk_file_read_mbufs(fd, FILE_LEN + 5000, ROOM, pool,
					      &m, NULL), 0);
	assert_null(m);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

static void
test_errors_leak_nothing(void **state)
{
	struct rte_mbuf *hold[POOL_N], *m = (struct rte_mbuf *)1;
	unsigned int keep = POOL_N - 3;

	/* the pool can give 3 mbufs, the read needs 4: nothing taken */
	assert_int_equal(rte_pktmbuf_alloc_bulk(pool, hold, keep), 0);
	assert_int_equal(tusk_file_read_mbufs(fd, 0, 4 * ROOM, pool, &m, NULL),
			 -ENOBUFS);
	assert_null(m);
	assert_int_equal(rte_mempool_avail_count(pool), 3);
	rte_pktmbuf_free_bulk(hold, keep);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	/* too long for one call */
	assert_int_equal(tusk_file_read_mbufs(fd, 0,
					      tusk_file_read_max_len(pool) + 1,
					      pool, &m, NULL), -EINVAL);
	assert_int_equal(tusk_file_read_max_len(pool),
			 ROOM * TUSK_FILE_READ_MAX_SEGS);
	/* a bad descriptor: the error, mbufs back */
	assert_int_equal(tusk_file_read_mbufs(-1, 0, ROOM, pool, &m, NULL),
			 -EBADF);
	assert_null(m);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

/* Is the first page of f's file in the page cache? */
static bool
cached(int f)
{
	unsigned char vec = 0;
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(mincore(p, 4096, &vec), 0);
	munmap(p, 4096);
	return vec & 1;
}

/* NOWAIT: cached data is read as usual; a cold range is not waited for
 * (-EAGAIN, nothing allocated) and becomes readable once the readahead
 * the call started is done. The cold file lives in /var/tmp: it persists
 * across reboots (FHS 3.0 5.15), so it is on a disk, where /tmp may be a
 * tmpfs whose pages can never be cold. */
static void
test_nowait(void **state)
{
	char cold_path[] = "/var/tmp/tusk-test-cold-XXXXXX";
	struct rte_mbuf *m;
	int64_t got = -EAGAIN;
	int cold;

	got = tusk_file_read_mbufs_flags(fd, 5, 100000, pool, &m, NULL,
					 TUSK_FILE_READ_NOWAIT);
	assert_int_equal(got, 100000);
	assert_chain_is(m, 5, 100000);
	rte_pktmbuf_free(m);

	cold = mkstemp(cold_path);
	assert_true(cold >= 0);
	unlink(cold_path);
	assert_int_equal(write(cold, data, 1u << 20), 1u << 20);
	assert_int_equal(fsync(cold), 0);
	assert_int_equal(posix_fadvise(cold, 0, 0, POSIX_FADV_DONTNEED), 0);
	if (cached(cold)) {
		close(cold);
		tusk_unmet("a cold page: /var/tmp kept its pages after fsync "
			   "and POSIX_FADV_DONTNEED (a tmpfs?)");
	}
	got = tusk_file_read_mbufs_flags(cold, 0, 1u << 20, pool, &m, NULL,
					 TUSK_FILE_READ_NOWAIT);
	assert_int_equal(got, -EAGAIN);
	assert_null(m);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	for (int i = 0; i < 5000 && got == -EAGAIN; i++) {
		usleep(1000);
		got = tusk_file_read_mbufs_flags(cold, 0, 1u << 20, pool, &m,
						 NULL, TUSK_FILE_READ_NOWAIT);
	}
	assert_true(got > 0);
	assert_chain_is(m, 0, (uint32_t)got);
	rte_pktmbuf_free(m);
	close(cold);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_read_equals_file),
		cmocka_unit_test(test_crc_continues_across_reads),
		cmocka_unit_test(test_eof),
		cmocka_unit_test(test_errors_leak_nothing),
		cmocka_unit_test(test_nowait),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
