/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client end to end in one process, in the world of
 * fetch_world.h (a second stack serving files, misbehaving on cue).
 *
 * Checked: the file lands intact with N range streams; a server that
 * ignores Range (as python3 -m http.server) is fetched whole with one
 * stream; a server killed mid-transfer (connections reset, then refused)
 * is waited for and the fetch resumes without refetching finished blocks;
 * a client stopped half-way resumes from its record, re-reads finished
 * blocks and refetches only a corrupted one; a changed source starts
 * over; a wrong Repr-Digest fails and keeps nothing; 404 and a dead
 * server fail with their reasons; bad requests are refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_common.h>

#include "digest.h"
#include "fetch_world.h"
#include "root.h"
#include "unmet.h"

#define MiB (1ull << 20)
/* Each test in a fresh world. */
#define FW_TEST(t) cmocka_unit_test_setup_teardown(t, fw_before, fw_after)

static void
test_four_range_streams(void **state)
{
	uint32_t id;

	fw_srv.digest = true;
	id = fw_start("http://10.0.0.2/data/big.bin", NULL, 4);
	assert_string_equal(fw_xstr(id, "dest"), "big.bin");
	assert_string_equal(fw_xstr(id, "state"), "probing");
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	/* every state it went through, in order, for tuskd's `watch` */
	fw_assert_changes(0, (const struct tusk_fetch_change[]){
		{ .id = id, .from = -1, .to = TUSK_FETCH_PROBING },
		{ .id = id, .from = TUSK_FETCH_PROBING,
		  .to = TUSK_FETCH_RUNNING },
		{ .id = id, .from = TUSK_FETCH_RUNNING,
		  .to = TUSK_FETCH_VERIFYING },
		{ .id = id, .from = TUSK_FETCH_VERIFYING,
		  .to = TUSK_FETCH_DONE },
	}, 4);
	fw_assert_file("big.bin", 1);
	fw_assert_sha(id);
	assert_int_equal(fw_xint(id, "bytes"), FW_FILE_SIZE);
	assert_int_equal(fw_xint(id, "bytes_fetched"), FW_FILE_SIZE);
	assert_true(json_is_true(json_object_get(fw_xfer(id), "ranges")));
	/* HEAD, then 6 blocks in spans of 2 over 4 connections at once */
	assert_int_equal(fw_srv.range_requests, 3);
	assert_true(fw_srv.max_conns_seen >= 3);
	assert_false(fw_exists("big.bin.tusk-part"));
	assert_false(fw_exists("big.bin.tusk-part.state"));
}

/* verify=adler32 and crc32c: folded on the lcore from the blocks' sums
 * (http_fetch_verify.c), no digest job; the values are the file's, and
 * kept with it. */
static void
test_folded_checksums(void **state)
{
	static const enum tusk_fetch_verify modes[] = {
		TUSK_FETCH_VERIFY_ADLER32, TUSK_FETCH_VERIFY_CRC32C,
	};
	struct tusk_digests kept;
	uint32_t id;
	int fd;

	for (unsigned int i = 0; i < RTE_DIM(modes); i++) {
		struct tusk_fetch_req rq = {
			.url = "http://10.0.0.2/big.bin",
			.dest = i == 0 ? "a.bin" : "c.bin", .streams = 4,
			.verify = modes[i],
		};

		id = fw_start_req(&rq);
		fw_run(id, 0);
		assert_string_equal(fw_xstr(id, "state"), "done");
		fw_assert_file(rq.dest, 1);
		if (i == 0)
			fw_assert_digest32(id, "adler32", fw_srv.adler);
		else
			fw_assert_digest32(id, "crc32c", fw_srv.crc);
		assert_null(json_object_get(json_object_get(fw_xfer(id),
						"digests"), "sha-256"));
		fd = tusk_root_openat(fw_root, rq.dest, O_RDONLY, 0);
		assert_true(fd >= 0);
		assert_int_equal(tusk_digest_lookup(fd, TUSK_DIGEST_BIT(
			i == 0 ? TUSK_DIGEST_ADLER32 : TUSK_DIGEST_CRC32C),
			&kept), 0);
		assert_int_equal(tusk_digest_get32(kept.v[i == 0 ?
			TUSK_DIGEST_ADLER32 : TUSK_DIGEST_CRC32C]),
			i == 0 ? fw_srv.adler : fw_srv.crc);
		close(fd);
	}
}

/* A thread of this process has this name (/proc/self/task/TID/comm). */
static bool
thread_named(const char *name)
{
	char path[300], comm[32];
	struct dirent *e;
	bool found = false;
	DIR *d = opendir("/proc/self/task");
	FILE *fp;

	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		if (fgets(comm, sizeof(comm), fp) != NULL)
			found = strncmp(comm, name, strlen(name)) == 0;
		fclose(fp);
	}
	closedir(d);
	return found;
}

/* [tuskd] fetch_writer = lcore: no writer thread, the lcore writes each
 * batch; the same bytes and digests over 4 streams. */
static void
test_lcore_writes(void **state)
{
	uint32_t id;

	assert_true(thread_named("tusk-fetch-wr")); /* the default's */
	tusk_fetch_free(fw_fetch);
	fw_conf.write_on_lcore = true;
	fw_fetch = fw_fetch_new();
	fw_conf.write_on_lcore = false;
	assert_false(thread_named("tusk-fetch-wr"));
	id = fw_start("http://10.0.0.2/big.bin", "l.bin", 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("l.bin", 1);
	fw_assert_sha(id);
	assert_false(fw_exists("l.bin.tusk-part"));
}

/* python3 -m http.server (3.11): no Accept-Ranges, 200 to everything,
 * HTTP/1.0 close: one stream, whole body. */
static void
test_server_without_ranges(void **state)
{
	uint32_t id;

	fw_srv.no_ranges = true;
	id = fw_start("http://10.0.0.2/big.bin", "copy.bin", 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("copy.bin", 1);
	fw_assert_sha(id);
	assert_false(json_is_true(json_object_get(fw_xfer(id), "ranges")));
	assert_non_null(strstr(fw_xstr(id, "note"), "does not accept ranges"));
	assert_int_equal(fw_srv.requests, 2); /* HEAD, one GET */
	assert_int_equal(fw_srv.max_conns_seen, 1);
}

/* Accept-Ranges claimed, but Range ignored (200): the stream that got the
 * 200 takes the whole file, the others stop. */
static void
test_range_ignored_midway(void **state)
{
	uint32_t id;

	id = fw_start("http://10.0.0.2/big.bin", "x.bin", 4);
	fw_run(id, FW_RUN_PROBED);  /* Accept-Ranges seen; streams connecting */
	fw_srv.no_ranges = true; /* from now on: 200 + whole file */
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("x.bin", 1);
	assert_non_null(strstr(fw_xstr(id, "note"), "ignores Range"));
}

/* The server dies half-way (every connection reset, then refused for a
 * second): the fetch retries with backoff and resumes; finished blocks
 * are not fetched again. */
static void
test_server_killed_and_back(void **state)
{
	uint32_t id;

	fw_srv.kill_at = FW_FILE_SIZE / 2;
	id = fw_start("http://10.0.0.2/big.bin", "k.bin", 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("k.bin", 1);
	assert_true(fw_xint(id, "retries") >= 1);
	/* at most the unfinished block of each stream came twice */
	assert_true((uint64_t)fw_xint(id, "bytes_fetched") <
		    FW_FILE_SIZE + 4 * 8 * MiB);
	assert_true(fw_srv.conns > 5);
}

/* tuskd stopped half-way: the record is saved at free; a new client
 * lists it paused, and a fetch of the same URL re-reads the finished
 * blocks (one corrupted on disk meanwhile: fetched again) and fetches
 * only the rest. */
static void
test_restart_resumes_from_record(void **state)
{
	uint32_t id;
	json_t *list;
	int fd;

	id = fw_start("http://10.0.0.2/big.bin", "r.bin", 2);
	fw_run(id, FW_FILE_SIZE * 6 / 10);
	tusk_fetch_free(fw_fetch);
	assert_true(fw_exists("r.bin.tusk-part.state"));
	/* a flipped byte in block 0 (finished: spans start at block 0) */
	fd = tusk_root_openat(fw_root, "r.bin.tusk-part", O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff", 1, 1000), 1);
	close(fd);

	fw_conf.no_scan = false;
	fw_fetch = fw_fetch_new();
	list = tusk_fetch_list_json(fw_fetch, fw_pair.now);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "state")), "paused");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "url")), "http://10.0.0.2/big.bin");
	assert_true(json_integer_value(json_object_get(json_array_get(list,
		0), "bytes")) >= (json_int_t)(16 * MiB));
	json_decref(list);

	/* adler32 folded: the blocks read back give theirs */
	id = fw_start_req(&(struct tusk_fetch_req){
		.url = "http://10.0.0.2/big.bin", .dest = "r.bin",
		.streams = 2, .verify = TUSK_FETCH_VERIFY_ADLER32 });
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("r.bin", 1);
	fw_assert_digest32(id, "adler32", fw_srv.adler);
	assert_int_equal(fw_xint(id, "blocks_refetched"), 1);
	assert_true(fw_xint(id, "bytes_verified") >= (json_int_t)(8 * MiB));
	assert_true((uint64_t)fw_xint(id, "bytes_fetched") +
		    (uint64_t)fw_xint(id, "bytes_verified") == FW_FILE_SIZE);
	/* the last note: the source offers no adler32 to compare */
	assert_non_null(strstr(fw_xstr(id, "note"), "computed, not compared"));
}

/* A file beneath the root, as a crash (or a user) left it. */
static void
plant(const char *rel)
{
	int fd = tusk_root_openat(fw_root, rel, O_WRONLY | O_CREAT | O_EXCL,
				  0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"fo", 4), 4);
	close(fd);
}

/* What a crash left of s.bin's record saves goes when a fetch of s.bin
 * starts again, before its first save; an upload of s.bin in progress,
 * another dest's temporary and the record itself stay, and the fetch
 * resumes (fileio sweep.h tusk_sweep_tmps_of). */
static void
test_start_sweeps_record_tmps(void **state)
{
	static const char *const kept[] = {
		".s.bin.tusk-tmp.0123456789abcdef",
		".o.bin.tusk-part.state.tusk-tmp.0123456789abcdef",
		"s.bin.tusk-part.state",
	};
	const char *cut = ".s.bin.tusk-part.state.tusk-tmp.fedcba9876543210";
	uint32_t id;

	id = fw_start("http://10.0.0.2/big.bin", "s.bin", 2);
	fw_run(id, FW_FILE_SIZE / 2);
	tusk_fetch_free(fw_fetch);
	fw_fetch = fw_fetch_new();
	plant(cut);
	plant(kept[0]);
	plant(kept[1]);
	id = fw_start("http://10.0.0.2/big.bin", "s.bin", 2);
	assert_true(fw_disappears(cut));
	for (size_t i = 0; i < RTE_DIM(kept); i++)
		if (!fw_exists(kept[i]))
			fail_msg("%s removed", kept[i]);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("s.bin", 1);
	assert_non_null(strstr(fw_xstr(id, "note"), "resuming"));
	assert_true(fw_exists(kept[0]) && fw_exists(kept[1]));
}

/* The source changed between the runs: start over, and say so. */
static void
test_changed_source_starts_over(void **state)
{
	uint32_t id;

	id = fw_start("http://10.0.0.2/big.bin", "c.bin", 2);
	fw_run(id, FW_FILE_SIZE / 2);
	assert_int_equal(tusk_fetch_cancel(fw_fetch, id, false, fw_pair.now),
			 0);
	assert_string_equal(fw_xstr(id, "state"), "cancelled");
	assert_true(fw_appears("c.bin.tusk-part.state"));
	fw_srv_content(FW_FILE_SIZE, 2);

	id = fw_start("http://10.0.0.2/big.bin", "c.bin", 2);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("c.bin", 2);
	assert_non_null(strstr(fw_xstr(id, "note"), "source changed"));
	assert_int_equal(fw_xint(id, "bytes_fetched"), FW_FILE_SIZE);
}

static void
test_digest_mismatch_keeps_nothing(void **state)
{
	uint32_t id;

	fw_srv.digest = true;
	fw_srv.bad_digest = true;
	id = fw_start("http://10.0.0.2/big.bin", "d.bin", 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_non_null(strstr(fw_xstr(id, "error"), "digest mismatch"));
	assert_true(fw_disappears("d.bin.tusk-part"));
	assert_true(fw_disappears("d.bin.tusk-part.state"));
	assert_false(fw_exists("d.bin"));
}

static void
test_not_found(void **state)
{
	uint32_t id;

	fw_srv.status = 404;
	id = fw_start("http://10.0.0.2/nope", NULL, 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"),
			    "server answered 404 Not Found");
	assert_int_equal(fw_xint(id, "retries"), 0);
	assert_false(fw_exists("nope.tusk-part"));
}

static void
test_refused_gives_up(void **state)
{
	uint32_t id;

	tusk_fetch_free(fw_fetch);
	fw_conf.retry_max = 2;
	fw_fetch = fw_fetch_new();
	fw_srv_refuse();
	id = fw_start("http://10.0.0.2/big.bin", NULL, 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"), "connection refused by "
			    "10.0.0.2:80 (gave up after 2 attempts)");
}

/* A host on the link that never answers ARP: attempts time out. */
static void
test_unreachable(void **state)
{
	uint32_t id;

	tusk_fetch_free(fw_fetch);
	fw_conf.retry_max = 2;
	fw_fetch = fw_fetch_new();
	id = fw_start("http://10.0.0.3/big.bin", NULL, 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"), "no answer from 10.0.0.3:80 "
			    "within 5 s (gave up after 2 attempts)");
}

static void
test_no_route(void **state)
{
	uint32_t id;

	id = fw_start("http://10.9.9.9:8080/big.bin", NULL, 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"), "no route to 10.9.9.9:8080 "
			    "(not on a port's subnet, no gateway)");
	assert_int_equal(fw_xint(id, "retries"), 0);
}

static void
test_missing_directory(void **state)
{
	uint32_t id;

	id = fw_start("http://10.0.0.2/big.bin", "no/such/dir/big.bin", 4);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"), "the directory of "
			    "no/such/dir/big.bin.tusk-part does not exist "
			    "under the data root");
}

/* A tmpfs mounted at fw_dir/NAME with `opts` (needs root: unmet
 * otherwise); its path in dir. */
static void
tmpfs_under(const char *name, const char *opts, char *dir, size_t len)
{
	snprintf(dir, len, "%s/%s", fw_dir, name);
	assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
	if (mount("tusk-fetch-test", dir, "tmpfs", 0, opts) < 0)
		tusk_unmet("mount a tmpfs (%s) at %s (needs root): %s", opts,
			   dir, strerror(errno));
}

/* Unmount it; the fetch's disk thread closes the part's fds after the
 * transfer ended (EBUSY meanwhile): 2 s at most. */
static void
tmpfs_gone(const char *dir)
{
	int ret = -1;

	for (int i = 0; i < 200 && ret < 0; i++) {
		ret = umount(dir);
		if (ret < 0 && errno != EBUSY)
			break;
		if (ret < 0)
			usleep(10000);
	}
	assert_int_equal(ret, 0);
}

/* A tmpfs without a size limit (size=0) reports no blocks at all: its
 * free space is not compared, the fetch goes through. */
static void
test_unlimited_tmpfs(void **state)
{
	char dir[256];
	uint32_t id;

	tmpfs_under("nolimit", "size=0", dir, sizeof(dir));
	id = fw_start("http://10.0.0.2/big.bin", "nolimit/big.bin", 2);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	fw_assert_file("nolimit/big.bin", 1);
	tmpfs_gone(dir);
}

/* tmpfs is not preallocated (it would zero every page: http_fetch_disk.c
 * reserve()): a file that fits at the start, with the space taken by
 * another writer meanwhile, fails on its write with ENOSPC, nothing
 * committed under its name. */
static void
test_disk_full_midway(void **state)
{
	char small[256], filler[300];
	static char buf[1 << 20];
	uint32_t id;
	int fd;

	tmpfs_under("small", "size=48m", small, sizeof(small));
	id = fw_start("http://10.0.0.2/big.bin", "small/big.bin", 1);
	fw_run(id, 1u << 20);
	snprintf(filler, sizeof(filler), "%s/filler", small);
	fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_non_null(strstr(fw_xstr(id, "error"), "No space left"));
	assert_false(fw_exists("small/big.bin"));
	tmpfs_gone(small);
}

/* A file larger than the free space: refused at the start (the part is
 * preallocated), part removed. Needs root to mount a small tmpfs. */
static void
test_disk_full(void **state)
{
	char small[256];
	uint32_t id;

	tmpfs_under("small", "size=16m", small, sizeof(small));
	id = fw_start("http://10.0.0.2/big.bin", "small/big.bin", 4);
	fw_run(id, 0);
	assert_false(fw_exists("small/big.bin.tusk-part"));
	assert_false(fw_exists("small/big.bin.tusk-part.state"));
	tmpfs_gone(small);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"), "no space for 41955385 bytes "
			    "under the data root (16777216 free): part "
			    "removed");
}

/* direct=1: the part written with O_DIRECT (the data root is on /tmp;
 * tmpfs takes O_DIRECT as buffered since Linux 6.6): the same bytes,
 * the same digest, over 4 streams and one short last block. */
static void
test_direct_fetch(void **state)
{
	struct tusk_fetch_req rq = { .url = "http://10.0.0.2/data/big.bin",
				     .dest = "direct.bin", .streams = 4,
				     .direct = true };
	uint32_t id;

	fw_srv.digest = true;
	id = fw_start_req(&rq);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "done");
	assert_true(json_is_true(json_object_get(fw_xfer(id), "direct")));
	fw_assert_file("direct.bin", 1);
	fw_assert_sha(id);
	assert_false(fw_exists("direct.bin.tusk-part"));
}

/* A file system that refuses O_DIRECT (ramfs: EINVAL at open): the
 * transfer fails saying so and what to do, nothing is written. */
static void
test_direct_refused(void **state)
{
	struct tusk_fetch_req rq = { .url = "http://10.0.0.2/big.bin",
				     .dest = "ram/big.bin", .streams = 2,
				     .direct = true };
	char ram[256];
	uint32_t id;

	snprintf(ram, sizeof(ram), "%s/ram", fw_dir);
	assert_true(mkdir(ram, 0755) == 0 || errno == EEXIST);
	if (mount("tusk-fetch-test", ram, "ramfs", 0, NULL) < 0)
		tusk_unmet("mount a ramfs at %s (needs root): %s", ram,
			   strerror(errno));
	id = fw_start_req(&rq);
	fw_run(id, 0);
	assert_string_equal(fw_xstr(id, "state"), "failed");
	assert_string_equal(fw_xstr(id, "error"), "direct=1: the file system "
			    "of ram/big.bin.tusk-part refuses O_DIRECT "
			    "(EINVAL); fetch it without direct=1");
	assert_int_equal(fw_xint(id, "bytes_fetched"), 0);
	assert_int_equal(umount2(ram, MNT_DETACH), 0);
}

/* The log keeps the newest TUSK_FETCH_CHANGES_MAX changes; a reader
 * further behind is told how many it lost, and gets the rest in order. */
static void
test_changes_overflow(void **state)
{
	struct tusk_fetch_change got[TUSK_FETCH_CHANGES_MAX];
	const unsigned int cycles = TUSK_FETCH_CHANGES_MAX / 2 + 2;
	uint64_t lost, last, total = 2 * (uint64_t)cycles;
	unsigned int i, k;
	uint32_t id = 0;

	for (i = 0; i < cycles; i++) {
		id = fw_start("http://10.0.0.2/data/big.bin", "x.bin", 1);
		assert_int_equal(tusk_fetch_cancel(fw_fetch, id, true,
						   fw_pair.now), 0);
	}
	k = tusk_fetch_changes(fw_fetch, 0, got, RTE_DIM(got), &lost, &last);
	assert_int_equal(last, total);
	assert_int_equal(lost, total - TUSK_FETCH_CHANGES_MAX);
	assert_int_equal(k, TUSK_FETCH_CHANGES_MAX);
	assert_int_equal(got[0].seq, lost + 1);
	assert_int_equal(got[k - 1].seq, total);
	assert_int_equal(got[k - 1].id, id);
	assert_int_equal(got[k - 1].to, TUSK_FETCH_CANCELLED);
	/* a reader that kept up gets only what is new */
	fw_assert_changes(total - 2, (const struct tusk_fetch_change[]){
		{ .id = id, .from = -1, .to = TUSK_FETCH_PROBING },
		{ .id = id, .from = TUSK_FETCH_PROBING,
		  .to = TUSK_FETCH_CANCELLED },
	}, 2);
	fw_assert_changes(total, NULL, 0);
}

static void
test_bad_requests(void **state)
{
	static const struct {
		struct tusk_fetch_req rq;
		int ret;
		const char *reason;
	} cases[] = {
		{ { .url = "ftp://10.0.0.2/x" }, -EPROTONOSUPPORT,
		  "bad URL" },
		{ { .url = "http://10.0.0.2/" }, -EINVAL,
		  "the URL has no file name: give a dest" },
		{ { .url = "http://files.example/x" }, -EINVAL,
		  "is a name: resolve it first" },
		{ { .url = "http://10.0.0.2/x", .dest = "../x" }, -EINVAL,
		  "not a plain relative path" },
		{ { .url = "http://10.0.0.2/x", .dest = "/etc/passwd" },
		  -EINVAL, "not a plain relative path" },
		{ { .url = "http://10.0.0.2/x", .dest = "a.tusk-part" },
		  -EINVAL, "not a plain relative path" },
		{ { .url = "http://10.0.0.2/x", .streams = 65 }, -EINVAL,
		  "streams must be 1..64" },
	};
	char err[256];
	uint32_t id;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(tusk_fetch_start(fw_fetch, &cases[i].rq,
						  fw_pair.now, &id, err,
						  sizeof(err)),
				 cases[i].ret);
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("case %u: \"%s\", want \"%s\"", i, err,
				 cases[i].reason);
	}
	id = fw_start("http://10.0.0.2/big.bin", "busy.bin", 1);
	assert_int_equal(id, 1); /* refused requests take no id */
	{
		struct tusk_fetch_req rq = { .url = "http://10.0.0.2/big.bin",
					     .dest = "busy.bin" };

		assert_int_equal(tusk_fetch_start(fw_fetch, &rq, fw_pair.now,
						  &id, err, sizeof(err)),
				 -EBUSY);
	}
	assert_int_equal(tusk_fetch_cancel(fw_fetch, 999, false, fw_pair.now),
			 -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FW_TEST(test_four_range_streams),
		FW_TEST(test_folded_checksums),
		FW_TEST(test_lcore_writes),
		FW_TEST(test_server_without_ranges),
		FW_TEST(test_range_ignored_midway),
		FW_TEST(test_server_killed_and_back),
		FW_TEST(test_restart_resumes_from_record),
		FW_TEST(test_start_sweeps_record_tmps),
		FW_TEST(test_changed_source_starts_over),
		FW_TEST(test_digest_mismatch_keeps_nothing),
		FW_TEST(test_not_found),
		FW_TEST(test_refused_gives_up),
		FW_TEST(test_unreachable),
		FW_TEST(test_no_route),
		FW_TEST(test_missing_directory),
		FW_TEST(test_disk_full),
		FW_TEST(test_disk_full_midway),
		FW_TEST(test_unlimited_tmpfs),
		FW_TEST(test_direct_fetch),
		FW_TEST(test_direct_refused),
		FW_TEST(test_changes_overflow),
		FW_TEST(test_bad_requests),
	};

	return cmocka_run_group_tests(tests, fw_setup, fw_teardown);
}
