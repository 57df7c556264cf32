/* SPDX-License-Identifier: BSD-3-Clause */
/* SHA-256 off the lcore: whole-file and follow jobs give OpenSSL's digest
 * of the same bytes; a kept digest is served only while the file is
 * unchanged (size, mtime, inode), from the xattr or, where xattrs are
 * refused (ramfs), from the in-process table; jobs fail cleanly (short
 * file, changed file, cancelled, stopped service, too many jobs). */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "digest.h"
#include "unmet.h"

#define BIG_LEN ((5u << 20) + 17)

static char dir[] = "/tmp/tusk-test-digest-XXXXXX";
static uint8_t *data;
static struct tusk_digest_svc *svc;

static int
setup(void **state)
{
	uint32_t x = 99;

	data = malloc(BIG_LEN);
	if (data == NULL || mkdtemp(dir) == NULL)
		return -1;
	for (uint32_t i = 0; i < BIG_LEN; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	svc = tusk_digest_svc_create(2);
	return svc == NULL ? -1 : 0;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int
teardown(void **state)
{
	tusk_digest_svc_free(svc);
	free(data);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* SHA-256 alone, as these tests were written for (test_digest_algs.c
 * covers the other algorithms). */
#define TUSK_DIGEST_LEN 32
#define SHA TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256)

static int
lookup_sha(int fd, uint8_t sha[TUSK_DIGEST_LEN])
{
	struct tusk_digests d;
	int r = tusk_digest_lookup(fd, SHA, &d);

	if (r == 0)
		memcpy(sha, d.v[TUSK_DIGEST_SHA256], TUSK_DIGEST_LEN);
	return r;
}

static int
store_sha(int fd, const uint8_t sha[TUSK_DIGEST_LEN])
{
	struct tusk_digests d = { .have = SHA };

	memcpy(d.v[TUSK_DIGEST_SHA256], sha, TUSK_DIGEST_LEN);
	return tusk_digest_store(fd, &d);
}

static int
poll_sha(struct tusk_digest_job *job, uint8_t sha[TUSK_DIGEST_LEN])
{
	struct tusk_digests d;
	int r = tusk_digest_job_poll(job, &d);

	if (r == 0)
		memcpy(sha, d.v[TUSK_DIGEST_SHA256], TUSK_DIGEST_LEN);
	return r;
}

static void
sha_of(const uint8_t *p, size_t n, uint8_t out[TUSK_DIGEST_LEN])
{
	unsigned int len;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, TUSK_DIGEST_LEN);
}

/* A new file in `in` holding data[0, len), open read-write. */
static int
file_with(const char *in, const char *name, size_t len)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", in, name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, 0), len);
	return fd;
}

/* Poll a job until it ends (10 s at most). */
static int
wait_job(struct tusk_digest_job *job, uint8_t sha[TUSK_DIGEST_LEN])
{
	int r = -EAGAIN;

	for (int i = 0; i < 10000 && r == -EAGAIN; i++) {
		r = poll_sha(job, sha);
		if (r == -EAGAIN)
			usleep(1000);
	}
	return r;
}

static void
set_mtime(int fd, time_t sec)
{
	struct timespec ts[2] = { { .tv_sec = sec }, { .tv_sec = sec } };

	assert_int_equal(futimens(fd, ts), 0);
}

/* Hash fd's file (data[0, len)) with a job; the digest is right and
 * kept afterwards. Leaves it in want. */
static void
hash_and_expect_kept(int fd, size_t len, uint8_t want[TUSK_DIGEST_LEN])
{
	struct tusk_digest_job *job = tusk_digest_file(svc, fd, SHA);
	uint8_t got[TUSK_DIGEST_LEN];

	assert_non_null(job);
	sha_of(data, len, want);
	assert_int_equal(wait_job(job, got), 0);
	assert_memory_equal(got, want, TUSK_DIGEST_LEN);
	tusk_digest_job_free(job);
	memset(got, 0, sizeof(got));
	assert_int_equal(lookup_sha(fd, got), 0);
	assert_memory_equal(got, want, TUSK_DIGEST_LEN);
}

static void
test_whole_file(void **state)
{
	static const size_t lens[] = {0, 1, 55, 64, 1000, 262144, 262145,
				      BIG_LEN};
	uint8_t want[TUSK_DIGEST_LEN], got[TUSK_DIGEST_LEN];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int fd = file_with(dir, "whole", lens[i]);
		struct tusk_digest_job *job = tusk_digest_file(svc, fd, SHA);

		assert_non_null(job);
		/* the job has its own descriptor */
		close(fd);
		sha_of(data, lens[i], want);
		assert_int_equal(wait_job(job, got), 0);
		assert_memory_equal(got, want, TUSK_DIGEST_LEN);
		assert_int_equal(tusk_digest_job_done(job), lens[i]);
		tusk_digest_job_free(job);
	}
}

static void
test_many_files_at_once(void **state)
{
	struct tusk_digest_job *jobs[8];
	uint8_t want[TUSK_DIGEST_LEN], got[TUSK_DIGEST_LEN];
	int fds[8];

	for (int i = 0; i < 8; i++) {
		char name[16];

		snprintf(name, sizeof(name), "many%d", i);
		fds[i] = file_with(dir, name, BIG_LEN - (size_t)i * 333333);
		jobs[i] = tusk_digest_file(svc, fds[i], SHA);
		assert_non_null(jobs[i]);
	}
	for (int i = 0; i < 8; i++) {
		sha_of(data, BIG_LEN - (size_t)i * 333333, want);
		assert_int_equal(wait_job(jobs[i], got), 0);
		assert_memory_equal(got, want, TUSK_DIGEST_LEN);
		tusk_digest_job_free(jobs[i]);
		close(fds[i]);
	}
}

/* The worker keeps what it computed; any change of size or mtime, or
 * a new inode, makes the kept value a miss. */
static void
test_kept_until_changed(void **state)
{
	uint8_t want[TUSK_DIGEST_LEN], got[TUSK_DIGEST_LEN];
	int fd = file_with(dir, "kept", 100000);
	char v[256];

	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	hash_and_expect_kept(fd, 100000, want);
	/* stored as an xattr on this file system */
	assert_true(fgetxattr(fd, TUSK_DIGEST_XATTR_PREFIX "sha256", v, sizeof(v)) > 64);
	/* mtime changed, same size */
	set_mtime(fd, 1000000000);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	assert_int_equal(store_sha(fd, want), 0);
	assert_int_equal(lookup_sha(fd, got), 0);
	/* size changed */
	assert_int_equal(pwrite(fd, "x", 1, 100000), 1);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	/* forgotten */
	assert_int_equal(store_sha(fd, want), 0);
	assert_int_equal(tusk_digest_forget(fd), 0);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	/* a garbled attribute is a miss, not a crash or a digest */
	assert_int_equal(fsetxattr(fd, TUSK_DIGEST_XATTR_PREFIX "sha256", "zz 1 2 3", 8, 0), 0);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	close(fd);
}

/* A valid kept digest is answered without reading the file. */
static void
test_kept_served_without_reading(void **state)
{
	uint8_t fake[TUSK_DIGEST_LEN], got[TUSK_DIGEST_LEN];
	int fd = file_with(dir, "served", 4096);
	struct tusk_digest_job *job;

	memset(fake, 0x42, sizeof(fake));
	assert_int_equal(store_sha(fd, fake), 0);
	job = tusk_digest_file(svc, fd, SHA);
	assert_int_equal(wait_job(job, got), 0);
	assert_memory_equal(got, fake, TUSK_DIGEST_LEN);
	assert_int_equal(tusk_digest_job_done(job), 0);
	tusk_digest_job_free(job);
	close(fd);
}

static void
test_follow(void **state)
{
	uint8_t want[TUSK_DIGEST_LEN], got[TUSK_DIGEST_LEN];
	int fd = file_with(dir, "follow", 0);
	struct tusk_digest_job *job = tusk_digest_follow(svc, fd, SHA);
	size_t off = 0;

	assert_non_null(job);
	/* the writer appends in uneven pieces, saying so after each */
	for (size_t piece = 1; off < BIG_LEN; piece = piece * 3 + 1000) {
		size_t n = piece < BIG_LEN - off ? piece : BIG_LEN - off;

		assert_int_equal(pwrite(fd, data + off, n, (off_t)off), n);
		off += n;
		tusk_digest_follow_advance(job, off);
		/* never done before the writer says it ended */
		assert_int_equal(poll_sha(job, got), -EAGAIN);
	}
	tusk_digest_follow_end(job, BIG_LEN);
	sha_of(data, BIG_LEN, want);
	assert_int_equal(wait_job(job, got), 0);
	assert_memory_equal(got, want, TUSK_DIGEST_LEN);
	tusk_digest_job_free(job);
	/* kept for the file as written */
	assert_int_equal(lookup_sha(fd, got), 0);
	assert_memory_equal(got, want, TUSK_DIGEST_LEN);
	close(fd);
}

static void
test_follow_short_file(void **state)
{
	uint8_t got[TUSK_DIGEST_LEN];
	int fd = file_with(dir, "short", 1000);
	struct tusk_digest_job *job = tusk_digest_follow(svc, fd, SHA);

	/* the writer claims 2000 bytes; only 1000 are there */
	tusk_digest_follow_end(job, 2000);
	assert_int_equal(wait_job(job, got), -EIO);
	tusk_digest_job_free(job);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	close(fd);
}

/* A file changed while hashed never gets a wrong digest: the job fails
 * -ESTALE, or (if the change came first) hashes the new content. */
static void
test_changed_while_hashed(void **state)
{
	uint8_t want[TUSK_DIGEST_LEN], was[TUSK_DIGEST_LEN];
	uint8_t got[TUSK_DIGEST_LEN];
	int fd = file_with(dir, "changing", BIG_LEN - 1);
	struct tusk_digest_job *job = tusk_digest_file(svc, fd, SHA);
	int r;

	assert_int_equal(pwrite(fd, data + BIG_LEN - 1, 1, BIG_LEN - 1), 1);
	r = wait_job(job, got);
	sha_of(data, BIG_LEN, want);
	sha_of(data, BIG_LEN - 1, was);
	/* the worker may finish before the write lands (the old content's
	 * digest), or see the change (-ESTALE), or start after it */
	assert_true(r == -ESTALE || r == 0);
	if (r == 0 && memcmp(got, was, TUSK_DIGEST_LEN) != 0)
		assert_memory_equal(got, want, TUSK_DIGEST_LEN);
	/* what is kept never describes content the file no longer has */
	if (lookup_sha(fd, got) == 0)
		assert_memory_equal(got, want, TUSK_DIGEST_LEN);
	tusk_digest_job_free(job);
	close(fd);
}

static void
test_bounds_and_cancel(void **state)
{
	struct tusk_digest_svc *s2;
	struct tusk_digest_job **jobs;
	uint8_t got[TUSK_DIGEST_LEN];
	int fd = file_with(dir, "bound", 10);

	/* no threads: jobs advance by assists only (test_digest_assist.c) */
	s2 = tusk_digest_svc_create(0);
	assert_non_null(s2);
	tusk_digest_svc_free(s2);
	errno = 0;
	assert_null(tusk_digest_svc_create(TUSK_DIGEST_MAX_THREADS + 1));
	assert_int_equal(errno, EINVAL);
	s2 = tusk_digest_svc_create(1);
	assert_non_null(s2);
	errno = 0;
	assert_null(tusk_digest_file(s2, -1, SHA));
	assert_int_equal(errno, EBADF);
	/* follow jobs that never end fill the service */
	jobs = calloc(TUSK_DIGEST_MAX_JOBS, sizeof(*jobs));
	for (int i = 0; i < TUSK_DIGEST_MAX_JOBS; i++) {
		jobs[i] = tusk_digest_follow(s2, fd, SHA);
		assert_non_null(jobs[i]);
	}
	errno = 0;
	assert_null(tusk_digest_follow(s2, fd, SHA));
	assert_int_equal(errno, EAGAIN);
	/* one released (cancelled while running) makes room again */
	tusk_digest_job_free(jobs[0]);
	jobs[0] = NULL;
	for (int i = 0; i < 1000 && jobs[0] == NULL; i++) {
		jobs[0] = tusk_digest_follow(s2, fd, SHA);
		if (jobs[0] == NULL)
			usleep(1000);
	}
	assert_non_null(jobs[0]);
	/* stopping the service ends what is left */
	tusk_digest_svc_free(s2);
	for (int i = 0; i < TUSK_DIGEST_MAX_JOBS; i++) {
		assert_int_equal(poll_sha(jobs[i], got),
				 -ECANCELED);
		tusk_digest_job_free(jobs[i]);
	}
	free(jobs);
	tusk_digest_job_free(NULL);
	tusk_digest_svc_free(NULL);
	close(fd);
}

/* Workers do not inherit the pinning of the thread that starts them
 * (tuskd's main lcore): each may run on every online CPU here, where
 * EAL has no worker lcores. */
static void
test_workers_not_pinned(void **state)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t one, saved, got;
	struct tusk_digest_svc *s2;
	struct dirent *de;
	int seen = 0;
	DIR *d;

	assert_int_equal(sched_getaffinity(0, sizeof(saved), &saved), 0);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	s2 = tusk_digest_svc_create(2);
	assert_int_equal(sched_setaffinity(0, sizeof(saved), &saved), 0);
	assert_non_null(s2);
	d = opendir("/proc/self/task");
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char p[300], comm[32] = "";
		FILE *f;

		snprintf(p, sizeof(p), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(p, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL &&
		    strncmp(comm, "tusk-digest", 11) == 0) {
			assert_int_equal(sched_getaffinity(atoi(de->d_name),
							   sizeof(got), &got), 0);
			assert_int_equal(CPU_COUNT(&got), ncpu);
			seen++;
		}
		fclose(f);
	}
	closedir(d);
	/* this test's own service and the group's */
	assert_int_equal(seen, 2 + 2);
	tusk_digest_svc_free(s2);
}

static char ram_dir[] = "/tmp/tusk-test-ramfs-XXXXXX";
static bool ram_mounted;
static int ram_errno;

/* ramfs has no user xattrs (ENOTSUP): the table is used. */
static int
ramfs_up(void **state)
{
	if (mkdtemp(ram_dir) == NULL)
		return -1;
	ram_mounted = mount("ramfs", ram_dir, "ramfs", 0, NULL) == 0;
	ram_errno = errno;
	return 0;
}

static int
ramfs_down(void **state)
{
	if (ram_mounted && umount2(ram_dir, MNT_DETACH) < 0)
		return -1;
	return rmdir(ram_dir);
}

static void
test_table_without_xattrs(void **state)
{
	uint8_t want[TUSK_DIGEST_LEN], got[TUSK_DIGEST_LEN];
	int fd;

	if (!ram_mounted)
		tusk_unmet("mount a ramfs at %s (needs root): %s",
				ram_dir, strerror(ram_errno));
	fd = file_with(ram_dir, "f", 300000);
	assert_true(fsetxattr(fd, "user.x", "1", 1, 0) < 0 && errno == ENOTSUP);
	hash_and_expect_kept(fd, 300000, want);
	set_mtime(fd, 1000000000);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	assert_int_equal(store_sha(fd, want), 0);
	assert_int_equal(lookup_sha(fd, got), 0);
	assert_int_equal(ftruncate(fd, 10), 0);
	assert_int_equal(lookup_sha(fd, got), -ENOENT);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_file),
		cmocka_unit_test(test_many_files_at_once),
		cmocka_unit_test(test_kept_until_changed),
		cmocka_unit_test(test_kept_served_without_reading),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_follow_short_file),
		cmocka_unit_test(test_changed_while_hashed),
		cmocka_unit_test(test_bounds_and_cancel),
		cmocka_unit_test(test_workers_not_pinned),
		cmocka_unit_test_setup_teardown(test_table_without_xattrs,
						ramfs_up, ramfs_down),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
