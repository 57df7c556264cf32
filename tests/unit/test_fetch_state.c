/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's span scheduler and resume record: spans cover every
 * block exactly once, a stream that dies gives its blocks back, blocks a
 * record claims are held until verified, and a record survives a save and
 * load while a damaged one is refused with a reason (so the fetch starts
 * over instead of trusting it).
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
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"
#include "http_fetch_disk.h"
#include "http_fetch_sched.h"
#include "http_fetch_state.h"
#include "root.h"

#define MiB (1ull << 20)

static void
test_block_size(void **state)
{
	assert_int_equal(tusk_fetch_sched_block_size(0), TUSK_FETCH_BLOCK_MIN);
	assert_int_equal(tusk_fetch_sched_block_size(1ull << 30),
			 TUSK_FETCH_BLOCK_MIN);
	/* 512 GiB is exactly 65536 blocks of 8 MiB; one byte more doubles */
	assert_int_equal(tusk_fetch_sched_block_size(512ull << 30),
			 TUSK_FETCH_BLOCK_MIN);
	assert_int_equal(tusk_fetch_sched_block_size((512ull << 30) + 1),
			 2 * TUSK_FETCH_BLOCK_MIN);
	assert_int_equal(tusk_fetch_sched_block_size(1ull << 40), 16 * MiB);
}

static void
test_span_blocks(void **state)
{
	/* 1 GiB, 8 MiB blocks: 64 MiB spans whatever the streams */
	assert_int_equal(tusk_fetch_sched_span_blocks(1ull << 30, 8 * MiB, 4),
			 8);
	/* 100 MiB (13 blocks) over 4 streams: 4 blocks each, so all work */
	assert_int_equal(tusk_fetch_sched_span_blocks(100 * MiB, 8 * MiB, 4),
			 4);
	assert_int_equal(tusk_fetch_sched_span_blocks(1, 8 * MiB, 64), 1);
	assert_int_equal(tusk_fetch_sched_span_blocks(0, 8 * MiB, 4), 1);
}

/* With 4 streams the spans halve near the end, down to one block, and
 * still cover the file in order; with one stream they never shrink. */
static void
test_tail_spans_shrink(void **state)
{
	struct tusk_fetch_sched s;
	uint32_t first, count, want = 0, last = 0, n = 0;

	assert_int_equal(tusk_fetch_sched_init(&s, 2048 * MiB, 8 * MiB, 8),
			 0);
	tusk_fetch_sched_set_streams(&s, 4);
	while (tusk_fetch_sched_next(&s, &first, &count)) {
		assert_int_equal(first, want);
		assert_true(count >= 1 && count <= 8);
		/* the streams take turns: a span done as the next is asked */
		for (uint32_t b = first; b < first + count; b++)
			tusk_fetch_sched_done(&s, b, 0);
		/* never more than a stream's share of what is left */
		if (count > 1)
			assert_true(count <= (256 - first) / 4);
		want = first + count;
		last = count;
		n++;
	}
	assert_int_equal(want, 256);
	assert_int_equal(last, 1);
	assert_int_equal(n, 41); /* 32 spans of 8 blocks and 9 more */
	tusk_fetch_sched_fini(&s);
	assert_int_equal(tusk_fetch_sched_init(&s, 2048 * MiB, 8 * MiB, 8),
			 0);
	tusk_fetch_sched_set_streams(&s, 1);
	for (n = 0; tusk_fetch_sched_next(&s, &first, &count); n++)
		assert_int_equal(count, 8);
	assert_int_equal(n, 32);
	tusk_fetch_sched_fini(&s);
}

static void
test_init_rejects(void **state)
{
	struct tusk_fetch_sched s;

	assert_int_equal(tusk_fetch_sched_init(&s, 10, 0, 1), -EINVAL);
	assert_int_equal(tusk_fetch_sched_init(&s, 10, 4097, 1), -EINVAL);
	assert_int_equal(tusk_fetch_sched_init(&s, 10, 4096, 0), -EINVAL);
	assert_int_equal(tusk_fetch_sched_init(&s, 4096ull *
					       (TUSK_FETCH_BLOCKS_MAX + 1),
					       4096, 1), -EINVAL);
}

/* Spans in order, each block once, lengths adding up to the size. */
static void
test_spans_cover_file(void **state)
{
	const uint64_t size = 100 * MiB + 123;
	struct tusk_fetch_sched s;
	uint32_t first, count, want = 0, b;
	uint64_t bytes = 0;

	assert_int_equal(tusk_fetch_sched_init(&s, size, 8 * MiB, 3), 0);
	assert_int_equal(s.n_blocks, 13);
	while (tusk_fetch_sched_next(&s, &first, &count)) {
		assert_int_equal(first, want);
		assert_true(count >= 1 && count <= 3);
		for (b = first; b < first + count; b++) {
			assert_int_equal(tusk_fetch_sched_state(&s, b),
					 TUSK_FETCH_BLK_ASSIGNED);
			bytes += tusk_fetch_sched_block_len(&s, b);
		}
		want = first + count;
	}
	assert_int_equal(want, 13);
	assert_int_equal(bytes, size);
	assert_int_equal(tusk_fetch_sched_block_len(&s, 12), 4 * MiB + 123);
	assert_int_equal(s.n_assigned, 13);
	assert_false(tusk_fetch_sched_complete(&s));
	for (b = 0; b < 13; b++)
		tusk_fetch_sched_done(&s, b, b);
	assert_true(tusk_fetch_sched_complete(&s));
	assert_int_equal(tusk_fetch_sched_bytes_done(&s), size);
	tusk_fetch_sched_fini(&s);
}

/* A stream that dies after two of its four blocks: the other two are
 * handed out again, first, and nothing done is handed out twice. */
static void
test_release_refetches_only_missing(void **state)
{
	struct tusk_fetch_sched s;
	uint32_t first, count;

	assert_int_equal(tusk_fetch_sched_init(&s, 16 * 4096, 4096, 4), 0);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));  /* 0-3 */
	assert_true(tusk_fetch_sched_next(&s, &first, &count));  /* 4-7 */
	assert_int_equal(first, 4);
	tusk_fetch_sched_done(&s, 0, 11);
	tusk_fetch_sched_done(&s, 1, 12);
	tusk_fetch_sched_release(&s, 2);
	tusk_fetch_sched_release(&s, 3);
	assert_int_equal(tusk_fetch_sched_bytes_done(&s), 2 * 4096);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	assert_int_equal(first, 2);
	assert_int_equal(count, 2);  /* stops at the assigned block 4 */
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	assert_int_equal(first, 8);
	assert_int_equal(count, 4);
	/* release of a DONE block is ignored */
	tusk_fetch_sched_release(&s, 0);
	assert_int_equal(tusk_fetch_sched_state(&s, 0), TUSK_FETCH_BLK_DONE);
	assert_int_equal(s.crc[1], 12);
	tusk_fetch_sched_fini(&s);
}

/* Claimed blocks are never assigned before verification; a bad one is
 * fetched again, a good one counts as done. */
static void
test_claim_verify(void **state)
{
	struct tusk_fetch_sched s;
	uint32_t first, count, b;

	assert_int_equal(tusk_fetch_sched_init(&s, 6 * 4096, 4096, 8), 0);
	tusk_fetch_sched_claim(&s, 1, 0xaa);
	tusk_fetch_sched_claim(&s, 2, 0xbb);
	tusk_fetch_sched_claim(&s, 4, 0xcc);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	assert_int_equal(first, 0);
	assert_int_equal(count, 1);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	assert_int_equal(first, 3);
	assert_int_equal(count, 1);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	assert_int_equal(first, 5);
	assert_false(tusk_fetch_sched_next(&s, &first, &count));

	assert_true(tusk_fetch_sched_verify_next(&s, 0, &b));
	assert_int_equal(b, 1);
	tusk_fetch_sched_verified(&s, 1, true);
	assert_true(tusk_fetch_sched_verify_next(&s, b + 1, &b));
	assert_int_equal(b, 2);
	tusk_fetch_sched_verified(&s, 2, false);
	assert_true(tusk_fetch_sched_verify_next(&s, b + 1, &b));
	assert_int_equal(b, 4);
	tusk_fetch_sched_verified(&s, 4, true);
	assert_false(tusk_fetch_sched_verify_next(&s, 0, &b));

	assert_int_equal(tusk_fetch_sched_state(&s, 1), TUSK_FETCH_BLK_DONE);
	assert_int_equal(s.crc[1], 0xaa);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	assert_int_equal(first, 2);
	assert_int_equal(count, 1);
	tusk_fetch_sched_fini(&s);
}

static void
test_take_in_order(void **state)
{
	struct tusk_fetch_sched s;

	assert_int_equal(tusk_fetch_sched_init(&s, 3 * 4096, 4096, 1), 0);
	tusk_fetch_sched_claim(&s, 1, 5);
	tusk_fetch_sched_verified(&s, 1, true);
	assert_true(tusk_fetch_sched_take(&s, 0));
	assert_false(tusk_fetch_sched_take(&s, 0));
	assert_false(tusk_fetch_sched_take(&s, 1));
	assert_true(tusk_fetch_sched_take(&s, 2));
	assert_false(tusk_fetch_sched_take(&s, 3));
	tusk_fetch_sched_reset(&s);
	assert_int_equal(s.n_done, 0);
	assert_true(tusk_fetch_sched_take(&s, 1));
	tusk_fetch_sched_fini(&s);
}

/* ------------------------------------------------------ resume record */

static char dir[] = "/tmp/tusk-fetch-state.XXXXXX";
static struct tusk_root *root;

static int
setup_root(void **state)
{
	assert_non_null(mkdtemp(dir));
	return tusk_root_open(dir, &root);
}

static int
teardown_root(void **state)
{
	char cmd[128];

	tusk_root_close(root);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
fill_source(struct tusk_fetch_source *src, uint64_t size)
{
	memset(src, 0, sizeof(*src));
	snprintf(src->url, sizeof(src->url), "http://10.77.0.1:8000/d/big");
	src->size = size;
	snprintf(src->etag, sizeof(src->etag), "\"abc-def\"");
	snprintf(src->last_modified, sizeof(src->last_modified),
		 "Sun, 06 Nov 1994 08:49:37 GMT");
}

static void
test_record_round_trip(void **state)
{
	struct tusk_fetch_source src, got;
	struct tusk_fetch_sched s, t;
	char err[256], cmd[128];
	uint32_t first, count, b;

	fill_source(&src, 20 * 4096 + 1);
	assert_int_equal(tusk_fetch_sched_init(&s, src.size, 4096, 4), 0);
	assert_true(tusk_fetch_sched_next(&s, &first, &count));
	for (b = 0; b < 4; b++)
		tusk_fetch_sched_done(&s, b, 0xdead0000u + b);
	tusk_fetch_sched_claim(&s, 9, 0x12345678);  /* still unverified */
	assert_true(tusk_fetch_sched_take(&s, 20));
	tusk_fetch_sched_done(&s, 20, 0xffffffff);
	assert_true(tusk_fetch_sched_take(&s, 15)); /* assigned: not done */

	assert_int_equal(tusk_fetch_state_save(root, "big.tusk-part.state",
					       &src, &s), 0);
	assert_int_equal(tusk_fetch_state_load(root, "big.tusk-part.state",
					       4, &got, &t, err, sizeof(err)),
			 0);
	assert_string_equal(got.url, src.url);
	assert_int_equal(got.size, src.size);
	assert_string_equal(got.etag, src.etag);
	assert_string_equal(got.last_modified, src.last_modified);
	assert_int_equal(t.block_size, 4096);
	assert_int_equal(t.n_blocks, 21);
	assert_int_equal(t.n_verify, 6);
	assert_int_equal(t.n_done, 0);
	for (b = 0; b < 21; b++) {
		bool claimed = b < 4 || b == 9 || b == 20;

		assert_int_equal(tusk_fetch_sched_state(&t, b), claimed ?
				 TUSK_FETCH_BLK_VERIFY :
				 TUSK_FETCH_BLK_MISSING);
		if (claimed)
			assert_int_equal(t.crc[b], s.crc[b]);
	}
	/* saving again replaces it, and no temporary is left behind */
	assert_int_equal(tusk_fetch_state_save(root, "big.tusk-part.state",
					       &src, &t), 0);
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = "
		 "big.tusk-part.state", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tusk_fetch_state_remove(root, "big.tusk-part.state"),
			 0);
	assert_int_equal(tusk_fetch_state_remove(root, "big.tusk-part.state"),
			 0);
	assert_int_equal(tusk_fetch_state_load(root, "big.tusk-part.state",
					       4, &got, &t, err, sizeof(err)),
			 -ENOENT);
	tusk_fetch_sched_fini(&s);
	tusk_fetch_sched_fini(&t);
}

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Damaged records: each refused with -EBADMSG and a reason that names
 * what is wrong. */
static void
test_record_corrupt(void **state)
{
	static const struct {
		const char *text;
		const char *reason;
	} cases[] = {
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":8192,\"etag\":\"\",\"last_modified\":\"\","
		  "\"block_size\":4096,\"done\":\"03\",\"crc32c\":\"0000",
		  "not JSON" },  /* truncated mid-write */
		{ "", "not JSON" },
		{ "[1,2]", "not a tusk-fetch-state record" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":2}",
		  "version is not 1" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":-1,\"etag\":\"\",\"last_modified\":\"\","
		  "\"block_size\":4096,\"done\":\"03\",\"crc32c\":\"\"}",
		  "\"size\" missing or not a non-negative integer" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":8192,\"last_modified\":\"\","
		  "\"block_size\":4096,\"done\":\"03\",\"crc32c\":\"\"}",
		  "\"etag\" missing or not a string" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":8192,\"etag\":\"\",\"last_modified\":\"\","
		  "\"block_size\":4000,\"done\":\"03\",\"crc32c\":\"\"}",
		  "block_size 4000 does not fit size 8192" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":8192,\"etag\":\"\",\"last_modified\":\"\","
		  "\"block_size\":4096,\"done\":\"0003\","
		  "\"crc32c\":\"0000000100000002\"}",
		  "\"done\" has 4 hex digits, 2 expected for 2 blocks" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":8192,\"etag\":\"\",\"last_modified\":\"\","
		  "\"block_size\":4096,\"done\":\"03\","
		  "\"crc32c\":\"00000001\"}",
		  "\"crc32c\" has 8 hex digits, 16 expected for 2 blocks" },
		{ "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		  "\"size\":8192,\"etag\":\"\",\"last_modified\":\"\","
		  "\"block_size\":4096,\"done\":\"03\","
		  "\"crc32c\":\"00000001000X0002\"}",
		  "block 1: not lower-case hex" },
	};
	struct tusk_fetch_source src;
	struct tusk_fetch_sched s;
	char err[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		write_file("x.tusk-part.state", cases[i].text);
		assert_int_equal(tusk_fetch_state_load(root,
				"x.tusk-part.state", 4, &src, &s, err,
				sizeof(err)), -EBADMSG);
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("case %u: reason \"%s\", want \"%s\"", i, err,
				 cases[i].reason);
	}
	/* and a good one in the same shape loads */
	write_file("x.tusk-part.state",
		   "{\"format\":\"tusk-fetch-state\",\"version\":1,\"url\":\"u\","
		   "\"size\":8192,\"etag\":\"\",\"last_modified\":\"\","
		   "\"block_size\":4096,\"done\":\"02\","
		   "\"crc32c\":\"000000000000abcd\"}");
	assert_int_equal(tusk_fetch_state_load(root, "x.tusk-part.state", 4,
					       &src, &s, err, sizeof(err)), 0);
	assert_int_equal(tusk_fetch_sched_state(&s, 0), TUSK_FETCH_BLK_MISSING);
	assert_int_equal(tusk_fetch_sched_state(&s, 1), TUSK_FETCH_BLK_VERIFY);
	assert_int_equal(s.crc[1], 0xabcd);
	tusk_fetch_sched_fini(&s);
}

static char *
text(const char *s)
{
	char *t = strdup(s);

	assert_non_null(t);
	return t;
}

/* The disk thread keeps the order of what the lcore queued: a removal
 * never overtakes an earlier save of the same record, nor a save an
 * earlier removal; and queued jobs are done by free. */
static void
test_disk_thread_order(void **state)
{
	struct tusk_fetch_disk *d = tusk_fetch_disk_create(root);
	char buf[64] = "";
	FILE *fp;
	int i;

	assert_non_null(d);
	for (i = 0; i < 50; i++)
		assert_int_equal(tusk_fetch_disk_save(d, "a.tusk-part.state",
						      text("{\"n\":1}")), 0);
	assert_int_equal(tusk_fetch_disk_remove(d, "a.tusk-part.state"), 0);
	assert_int_equal(tusk_fetch_disk_remove(d, "b.tusk-part.state"), 0);
	assert_int_equal(tusk_fetch_disk_save(d, "b.tusk-part.state",
					      text("first")), 0);
	assert_int_equal(tusk_fetch_disk_save(d, "b.tusk-part.state",
					      text("last")), 0);
	tusk_fetch_disk_free(d);
	snprintf(buf, sizeof(buf), "%s/a.tusk-part.state", dir);
	assert_int_equal(access(buf, F_OK), -1);
	snprintf(buf, sizeof(buf), "%s/b.tusk-part.state", dir);
	fp = fopen(buf, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "last");
	assert_int_equal(tusk_fetch_state_remove(root, "b.tusk-part.state"),
			 0);
}

/* A commit renames the part over dest, keeps the digest, removes the
 * record; the lcore polls it. */
static void
test_disk_thread_commit(void **state)
{
	static const uint8_t sha[32] = { 1, 2, 3 };
	struct tusk_fetch_disk *d = tusk_fetch_disk_create(root);
	struct tusk_fetch_disk_job *j;
	struct tusk_digests kept = { 0 }, got;
	int fd, ret, i;

	assert_non_null(d);
	fd = tusk_root_openat(root, "f.tusk-part", O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data", 4), 4);
	assert_int_equal(tusk_fetch_disk_save(d, "f.tusk-part.state",
					      text("{}")), 0);
	kept.have = TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);
	memcpy(kept.v[TUSK_DIGEST_SHA256], sha, 32);
	j = tusk_fetch_disk_commit(d, "f.tusk-part", "f", "f.tusk-part.state",
				   fd, &kept);
	assert_non_null(j);
	for (i = 0; i < 5000 && (ret = tusk_fetch_disk_job_poll(j)) ==
	     -EAGAIN; i++)
		usleep(1000);
	assert_int_equal(ret, 0);
	tusk_fetch_disk_job_free(j);
	tusk_fetch_disk_free(d);
	assert_int_equal(tusk_root_openat(root, "f.tusk-part", O_RDONLY, 0),
			 -ENOENT);
	assert_int_equal(tusk_root_openat(root, "f.tusk-part.state",
					  O_RDONLY, 0), -ENOENT);
	assert_int_equal(tusk_digest_lookup(fd, kept.have, &got), 0);
	assert_memory_equal(got.v[TUSK_DIGEST_SHA256], sha, 32);
	close(fd);
	assert_int_equal(tusk_root_discard(root, "f"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_size),
		cmocka_unit_test(test_span_blocks),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_tail_spans_shrink),
		cmocka_unit_test(test_spans_cover_file),
		cmocka_unit_test(test_release_refetches_only_missing),
		cmocka_unit_test(test_claim_verify),
		cmocka_unit_test(test_take_in_order),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_record_corrupt),
		cmocka_unit_test(test_disk_thread_order),
		cmocka_unit_test(test_disk_thread_commit),
	};

	return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
