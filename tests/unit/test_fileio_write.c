/* SPDX-License-Identifier: BSD-3-Clause */
/* mbufs to a file: whatever the segment sizes, batch size and start
 * offset, the file ends up holding exactly the bytes added, in order; a
 * full disk is reported (-ENOSPC), sticks, and every mbuf is freed. The
 * same through a writer queue's thread (file_writeq.h), and a writer
 * moved by seek() puts each span where it belongs. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_mbuf.h>

#include "file_write.h"
#include "file_writeq.h"
#include "testenv.h"
#include "unmet.h"

#define ROOM 2048
#define POOL_N 4096
#define DATA_LEN (4u << 20)
/* Segments in one chain at most (the tests use up to 1,500). */
#define MAX_SEGS 2048

static struct rte_mempool *pool;
static uint8_t *data;
/* the writer queue the writers of a test use (NULL: none) */
static struct tusk_file_writeq *wq;

/* Flush, and with a queue wait until it is all written. */
static int
flush_all(struct tusk_file_writer *w)
{
	int err = tusk_file_writer_flush(w);

	return err != 0 ? err : tusk_file_writer_drain(w);
}

static int
setup(void **state)
{
	uint32_t x = 777;

	if (tusk_testenv_init("fileio_write", 256) < 0)
		return -1;
	pool = tusk_testenv_pool("fileio_write", POOL_N, ROOM);
	data = malloc(DATA_LEN);
	if (pool == NULL || data == NULL)
		return -1;
	for (uint32_t i = 0; i < DATA_LEN; i++) {
		x = x * 1664525u + 1013904223u;
		data[i] = (uint8_t)(x >> 24);
	}
	return 0;
}

static int
teardown(void **state)
{
	free(data);
	rte_mempool_free(pool);
	return 0;
}

/* A chain of `n` segments of the given lengths holding src's bytes. */
static struct rte_mbuf *
chain_of(const uint8_t *src, const uint16_t *lens, unsigned int n)
{
	struct rte_mbuf *head = NULL;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *p;

		assert_non_null(m);
		p = rte_pktmbuf_append(m, lens[i]);
		assert_true(p != NULL || lens[i] == 0);
		memcpy(rte_pktmbuf_mtod(m, void *), src, lens[i]);
		src += lens[i];
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

static int
temp_file(char *path)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	return fd;
}

/* The file holds data[0, len) at `off`, zeros before. */
static void
assert_file_is(int fd, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(off + len + 1);

	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, off + len + 1, 0), off + len);
	for (uint64_t i = 0; i < off; i++)
		assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + off, data, len);
	free(buf);
}

/* Odd segment lengths, cycling: 1, 1499, 0 (empty), 2048, 333, 7... */
static uint16_t
seg_len(unsigned int i)
{
	static const uint16_t cyc[] = {1, 1499, 0, 2048, 333, 7, 1024, 2047};

	return cyc[i % (sizeof(cyc) / sizeof(cyc[0]))];
}

/* The next chain of at most segs segments (lengths seg_len(*k), ...) of
 * data from done, given to w; what it holds and wrote is all of it.
 * Returns the new done. */
static size_t
add_segs(struct tusk_file_writer *w, size_t done, size_t total,
	 unsigned int segs, unsigned int *k)
{
	uint16_t lens[MAX_SEGS];
	unsigned int n = 0;
	size_t bytes = 0;

	assert_true(segs <= MAX_SEGS);
	for (; n < segs && done + bytes < total; n++, (*k)++) {
		lens[n] = seg_len(*k);
		if (lens[n] > total - done - bytes)
			lens[n] = (uint16_t)(total - done - bytes);
		bytes += lens[n];
	}
	assert_int_equal(tusk_file_writer_add(w, chain_of(data + done, lens,
							  n)), 0);
	done += bytes;
	assert_int_equal(tusk_file_writer_written(w) + tusk_file_writer_held(w),
			 done);
	return done;
}

/* Write `total` bytes as chains of `segs` segments each through a writer
 * with `batch`, from file offset `off`. */
static void
write_pattern(uint32_t batch, uint64_t off, unsigned int segs, size_t total)
{
	char path[] = "/tmp/tusk-test-write-XXXXXX";
	int fd = temp_file(path);
	struct tusk_file_writer *w = tusk_file_writer_create(fd, off, batch);
	size_t done = 0;
	unsigned int k = 0;

	assert_non_null(w);
	tusk_file_writer_set_queue(w, wq);
	while (done < total) {
		done = add_segs(w, done, total, segs, &k);
	}
	assert_int_equal(flush_all(w), 0);
	assert_int_equal(tusk_file_writer_written(w), total);
	assert_int_equal(tusk_file_writer_held(w), 0);
	tusk_file_writer_free(w);
	assert_file_is(fd, off, total);
	close(fd);
	unlink(path);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

static void
test_contents_equal_input(void **state)
{
	/* flush after every chain, small batches, the default */
	write_pattern(1, 0, 3, 200000);
	write_pattern(10000, 7, 5, 300001);
	write_pattern(0, 4096, 8, DATA_LEN - 5);
	/* chains longer than one pwritev's vector: flushed part by part */
	write_pattern(UINT32_MAX, 0, 1500, DATA_LEN / 2);
}

static void
test_held_until_batch(void **state)
{
	char path[] = "/tmp/tusk-test-write-XXXXXX";
	int fd = temp_file(path);
	struct tusk_file_writer *w = tusk_file_writer_create(fd, 0, 10000);
	uint16_t lens[] = {2000, 0, 2000, 2000};
	uint16_t none[] = {0, 0};

	assert_int_equal(tusk_file_writer_add(w, chain_of(data, lens, 4)), 0);
	assert_int_equal(tusk_file_writer_held(w), 6000);
	assert_int_equal(tusk_file_writer_written(w), 0);
	/* nothing on the file until the batch fills */
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	assert_int_equal(tusk_file_writer_add(w, NULL), 0);
	/* an empty chain is taken and freed */
	assert_int_equal(tusk_file_writer_add(w, chain_of(data, none, 2)), 0);
	assert_int_equal(tusk_file_writer_add(w, chain_of(data + 6000, lens, 2)),
			 0);
	assert_int_equal(tusk_file_writer_add(w, chain_of(data + 8000, lens, 1)),
			 0);
	assert_int_equal(tusk_file_writer_held(w), 0);
	assert_int_equal(tusk_file_writer_written(w), 10000);
	assert_file_is(fd, 0, 10000);
	/* free drops what is held, unwritten */
	assert_int_equal(tusk_file_writer_add(w, chain_of(data, lens, 1)), 0);
	tusk_file_writer_free(w);
	assert_int_equal(lseek(fd, 0, SEEK_END), 10000);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	tusk_file_writer_free(NULL);
	close(fd);
	unlink(path);
}

static void
test_bad_fd_sticks(void **state)
{
	struct tusk_file_writer *w = tusk_file_writer_create(-1, 0, 1);
	uint16_t len = 100;

	assert_int_equal(tusk_file_writer_add(w, chain_of(data, &len, 1)),
			 -EBADF);
	assert_int_equal(tusk_file_writer_error(w), -EBADF);
	assert_int_equal(tusk_file_writer_add(w, chain_of(data, &len, 1)),
			 -EBADF);
	assert_int_equal(tusk_file_writer_flush(w), -EBADF);
	assert_int_equal(tusk_file_writer_held(w), 0);
	tusk_file_writer_free(w);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

/* Bytes of whole TUSK_FILE_DIRECT_ALIGN blocks in [a, b). */
static uint64_t
blocks_in(uint64_t a, uint64_t b)
{
	uint64_t lo = RTE_ALIGN_CEIL(a, (uint64_t)TUSK_FILE_DIRECT_ALIGN);
	uint64_t hi = RTE_ALIGN_FLOOR(b, (uint64_t)TUSK_FILE_DIRECT_ALIGN);

	return hi > lo ? hi - lo : 0;
}

/*
 * Through an O_DIRECT writer (on /var/tmp: the disk; tmpfs would take
 * O_DIRECT as buffered on Linux >= 6.6): `total` bytes from `off` as
 * chains of `segs` segments, a hard flush once `mid` bytes are in (0:
 * none). The file holds exactly the bytes, and every whole block but
 * those cut by the start, the mid flush and the end went direct.
 */
static void
write_direct(uint32_t batch, uint64_t off, unsigned int segs, size_t total,
	     size_t mid)
{
	char path[] = "/var/tmp/tusk-test-direct-XXXXXX";
	int fd = temp_file(path), dfd = open(path, O_WRONLY | O_DIRECT);
	struct tusk_file_writer *w;
	size_t done = 0, flushed_at = 0;
	unsigned int k = 0;

	if (dfd < 0)
		fail_msg("O_DIRECT open of %s: %s", path, strerror(errno));
	w = tusk_file_writer_create_direct(fd, dfd, off, batch);
	assert_non_null(w);
	tusk_file_writer_set_queue(w, wq);
	while (done < total) {
		done = add_segs(w, done, total, segs, &k);
		if (mid != 0 && flushed_at == 0 && done >= mid) {
			assert_int_equal(flush_all(w), 0);
			assert_int_equal(tusk_file_writer_held(w), 0);
			flushed_at = done;
		}
	}
	assert_int_equal(flush_all(w), 0);
	assert_int_equal(tusk_file_writer_written(w), total);
	assert_int_equal(tusk_file_writer_held(w), 0);
	if (flushed_at == 0)
		assert_int_equal(tusk_file_writer_direct_bytes(w),
				 blocks_in(off, off + total));
	else
		assert_int_equal(tusk_file_writer_direct_bytes(w),
				 blocks_in(off, off + flushed_at) +
				 blocks_in(off + flushed_at, off + total));
	tusk_file_writer_free(w);
	close(dfd);
	assert_file_is(fd, off, total);
	close(fd);
	unlink(path);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

static void
test_direct_equal_input(void **state)
{
	/* aligned start, an unaligned end (its tail buffered) */
	write_direct(0, 0, 8, DATA_LEN - 5, 0);
	/* a batch that is not a whole number of blocks, small batches */
	write_direct(10000, 0, 5, 300001, 0);
	write_direct(1, 4096, 3, 200000, 0);
	/* an unaligned start: buffered up to the first boundary */
	write_direct(0, 7, 8, DATA_LEN / 2 + 3, 0);
	/* a hard flush off a boundary, then back to direct */
	write_direct(65536, 8192, 6, DATA_LEN / 2, 100001);
	/* a huge batch: the staging buffer is capped, flushed part by part */
	write_direct(UINT32_MAX, 0, 60, DATA_LEN / 2 + 1, 0);
	/* exactly whole blocks: all of it direct */
	write_direct(0, 0, 4, 64 * TUSK_FILE_DIRECT_ALIGN, 0);
}

static char small_dir[] = "/tmp/tusk-test-enospc-XXXXXX";
static bool small_mounted;
static int small_errno;

/* A 1 MiB tmpfs, unmounted in teardown even if the test fails. */
static int
small_fs_up(void **state)
{
	if (mkdtemp(small_dir) == NULL)
		return -1;
	small_mounted = mount("tmpfs", small_dir, "tmpfs", 0, "size=1m") == 0;
	small_errno = errno;
	return 0;
}

static int
small_fs_down(void **state)
{
	if (small_mounted && umount2(small_dir, MNT_DETACH) < 0)
		return -1;
	return rmdir(small_dir);
}

/* Fill the small tmpfs: -ENOSPC, sticky, nothing leaked. */
static void
test_enospc(void **state)
{
	struct tusk_file_writer *w;
	int fd, err = 0;
	size_t added = 0;
	char path[64];

	if (!small_mounted)
		tusk_unmet("mount a 1 MiB tmpfs at %s (needs root): %s",
				small_dir, strerror(small_errno));
	snprintf(path, sizeof(path), "%s/f", small_dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	w = tusk_file_writer_create(fd, 0, 64 * 1024);
	while (err == 0 && added < DATA_LEN) {
		uint16_t lens[8];

		for (int i = 0; i < 8; i++)
			lens[i] = 2000;
		err = tusk_file_writer_add(w, chain_of(data + added, lens, 8));
		added += 16000;
	}
	assert_int_equal(err, -ENOSPC);
	assert_true(tusk_file_writer_written(w) <= (1u << 20));
	assert_true(tusk_file_writer_written(w) < added);
	/* the bytes that did land are the right ones */
	assert_file_is(fd, 0, tusk_file_writer_written(w));
	assert_int_equal(tusk_file_writer_held(w), 0);
	/* later data is dropped with the same error */
	assert_int_equal(tusk_file_writer_add(w, chain_of(data, (uint16_t[]){1},
							  1)), -ENOSPC);
	assert_int_equal(tusk_file_writer_flush(w), -ENOSPC);
	tusk_file_writer_free(w);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	close(fd);
	unlink(path);
}

/* The same cases with the writes on a writer queue's thread. */
static int
queue_up(void **state)
{
	wq = tusk_file_writeq_create("test-writeq");
	return wq == NULL ? -1 : 0;
}

static int
queue_down(void **state)
{
	tusk_file_writeq_free(wq);
	wq = NULL;
	return 0;
}

/* Spans written out of order by one writer moved with seek(), through
 * the queue: each lands at its offset, nothing in between is touched. */
static void
test_queue_seek_spans(void **state)
{
	char path[] = "/tmp/tusk-test-write-XXXXXX";
	int fd = temp_file(path);
	struct tusk_file_writer *w = tusk_file_writer_create(fd, 0, 4096);
	const size_t span = 1u << 20;
	static const unsigned int order[] = {2, 0, 3, 1};
	uint16_t lens[4] = {1000, 2000, 1096, 0};
	uint8_t *back = malloc(4 * span);

	assert_non_null(w);
	assert_non_null(back);
	tusk_file_writer_set_queue(w, wq);
	for (unsigned int i = 0; i < 4; i++) {
		size_t at = order[i] * span;

		assert_int_equal(tusk_file_writer_seek(w, at), 0);
		for (size_t o = 0; o < span; o += 4096) {
			assert_int_equal(tusk_file_writer_add(
				w, chain_of(data + at + o, lens, 4)), 0);
			/* the lcore's side never waits for a batch unless
			 * all of them are in flight */
			assert_int_equal(tusk_file_writer_reap(w), 0);
		}
		tusk_file_writer_writeback(w, at, span);
	}
	assert_int_equal(flush_all(w), 0);
	assert_int_equal(tusk_file_writer_written(w), 4 * span);
	assert_int_equal(tusk_file_writer_added(w), 4 * span);
	tusk_file_writer_free(w);
	assert_int_equal(pread(fd, back, 4 * span, 0), 4 * span);
	assert_memory_equal(back, data, 4 * span);
	free(back);
	close(fd);
	unlink(path);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

/* A write the thread fails shows at the next reap, sticks, and every
 * mbuf is freed. */
static void
test_queue_error_sticks(void **state)
{
	struct tusk_file_writer *w = tusk_file_writer_create(-1, 0, 1);
	uint16_t len = 100;

	tusk_file_writer_set_queue(w, wq);
	(void)tusk_file_writer_add(w, chain_of(data, &len, 1));
	assert_int_equal(tusk_file_writer_drain(w), -EBADF);
	assert_int_equal(tusk_file_writer_error(w), -EBADF);
	assert_int_equal(tusk_file_writer_add(w, chain_of(data, &len, 1)),
			 -EBADF);
	assert_int_equal(tusk_file_writer_flush(w), -EBADF);
	assert_int_equal(tusk_file_writer_held(w), 0);
	assert_int_equal(tusk_file_writer_written(w), 0);
	tusk_file_writer_free(w);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_equal_input),
		cmocka_unit_test(test_contents_equal_input),
		cmocka_unit_test(test_held_until_batch),
		cmocka_unit_test(test_bad_fd_sticks),
		cmocka_unit_test_setup_teardown(test_enospc, small_fs_up,
						small_fs_down),
		cmocka_unit_test_setup_teardown(test_contents_equal_input,
						queue_up, queue_down),
		cmocka_unit_test_setup_teardown(test_direct_equal_input,
						queue_up, queue_down),
		cmocka_unit_test_setup_teardown(test_queue_seek_spans,
						queue_up, queue_down),
		cmocka_unit_test_setup_teardown(test_queue_error_sticks,
						queue_up, queue_down),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
