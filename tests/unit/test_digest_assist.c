/* SPDX-License-Identifier: BSD-3-Clause */
/* Work stealing (tusk_digest_svc_assist): jobs advanced in chunks by the
 * submitting thread, alone (a service without threads: no worker is ever
 * scheduled) or interleaved with a worker thread, give the same digests
 * as one pass over the bytes, for each of the four algorithms and all
 * together, whole-file and follow jobs; an assist takes only its own
 * thread's jobs, jobs take turns, and a freed or stopped job is let go;
 * an idle-only job (tusk_digest_file_idle) is left to the assists. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "digest.h"
#include "digest_ctx.h"

/* Not a multiple of any chunk or page: the last chunk is partial. */
#define LEN ((3u << 20) + 4097)
/* An lcore's budget (app/tuskd/lcore.c uses 50 us by default). */
#define BUDGET_NS 50000u
/* Assist calls at most per job: 3 MiB in chunks of 16 KiB or more. */
#define MAX_CALLS 100000

static char dir[] = "/tmp/tusk-test-assist-XXXXXX";
static uint8_t *data;
static int files;

static const unsigned int alg_sets[] = {
	TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32),
	TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C),
	TUSK_DIGEST_BIT(TUSK_DIGEST_MD5),
	TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256),
	TUSK_DIGEST_ALL,
};

static int
setup(void **state)
{
	uint32_t x = 7;

	data = malloc(LEN);
	if (data == NULL || mkdtemp(dir) == NULL)
		return -1;
	for (uint32_t i = 0; i < LEN; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	return 0;
}

static int
teardown(void **state)
{
	char p[256];

	for (int i = 0; i < files; i++) {
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		unlink(p);
	}
	free(data);
	return rmdir(dir);
}

/* A new file (fresh inode: nothing kept) holding data[0, len). */
static int
new_file(size_t len)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/f%d", dir, files++);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	if (len > 0)
		assert_int_equal(pwrite(fd, data, len, 0), (ssize_t)len);
	return fd;
}

/* The one-pass digests of data[0, LEN): one update of a fresh context;
 * SHA-256 and MD5 checked against OpenSSL's one-shot EVP_Digest too. */
static void
one_pass(unsigned int algs, struct tusk_digests *want)
{
	struct tusk_digest_ctx c;
	uint8_t md[32];
	unsigned int len;

	memset(want, 0, sizeof(*want));
	assert_int_equal(tusk_digest_ctx_init(&c, algs), 0);
	assert_int_equal(tusk_digest_ctx_update(&c, data, LEN), 0);
	assert_int_equal(tusk_digest_ctx_final(&c, want), 0);
	if (algs & TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256)) {
		assert_int_equal(EVP_Digest(data, LEN, md, &len, EVP_sha256(),
					    NULL), 1);
		assert_memory_equal(md, want->v[TUSK_DIGEST_SHA256], 32);
	}
	if (algs & TUSK_DIGEST_BIT(TUSK_DIGEST_MD5)) {
		assert_int_equal(EVP_Digest(data, LEN, md, &len, EVP_md5(),
					    NULL), 1);
		assert_memory_equal(md, want->v[TUSK_DIGEST_MD5], 16);
	}
}

static void
assert_same(unsigned int algs, const struct tusk_digests *got)
{
	struct tusk_digests want;

	one_pass(algs, &want);
	assert_int_equal(got->have & algs, algs);
	for (unsigned int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if (algs & TUSK_DIGEST_BIT(a))
			assert_memory_equal(got->v[a], want.v[a],
					    tusk_digest_len(a));
}

/* Assist until the job ends; returns its state, adds the bytes the
 * assists hashed to *assisted. */
static int
assist_until_done(struct tusk_digest_svc *svc, struct tusk_digest_job *job,
		  struct tusk_digests *d, uint64_t *assisted)
{
	int r = -EAGAIN;

	for (int i = 0; i < MAX_CALLS && r == -EAGAIN; i++) {
		*assisted += tusk_digest_svc_assist(svc, BUDGET_NS);
		r = tusk_digest_job_poll(job, d);
	}
	return r;
}

/* No worker thread: whole-file jobs end by assists alone, every byte
 * hashed by them, in chunks no larger than the bound. */
static void
test_file_by_assists_alone(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(0);
	int fd0 = new_file(LEN);

	assert_non_null(svc);
	/* a thread that never assisted has no lane: with no worker either,
	 * its job could never advance */
	errno = 0;
	assert_null(tusk_digest_file(svc, fd0, TUSK_DIGEST_ALL));
	assert_int_equal(errno, EAGAIN);
	close(fd0);
	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	for (size_t i = 0; i < sizeof(alg_sets) / sizeof(alg_sets[0]); i++) {
		int fd = new_file(LEN);
		struct tusk_digest_job *job = tusk_digest_file(svc, fd,
							       alg_sets[i]);
		struct tusk_digests d;
		uint64_t assisted = 0;

		assert_non_null(job);
		assert_int_equal(assist_until_done(svc, job, &d, &assisted),
				 0);
		assert_int_equal(assisted, LEN);
		assert_int_equal(tusk_digest_job_done(job), LEN);
		assert_same(alg_sets[i], &d);
		tusk_digest_job_free(job);
		/* kept: a second job ends without hashing */
		job = tusk_digest_file(svc, fd, alg_sets[i]);
		assisted = 0;
		assert_int_equal(assist_until_done(svc, job, &d, &assisted),
				 0);
		assert_int_equal(assisted, 0);
		assert_same(alg_sets[i], &d);
		tusk_digest_job_free(job);
		close(fd);
	}
	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	tusk_digest_svc_free(svc);
}

/* Write data[0, LEN) in steps of `step`, advancing the job after each;
 * between steps, `assists` assist calls. Returns the bytes they hashed. */
static uint64_t
write_followed(struct tusk_digest_svc *svc, struct tusk_digest_job *job,
	       int fd, size_t step, int assists)
{
	uint64_t assisted = 0;

	for (size_t off = 0; off < LEN; off += step) {
		size_t n = LEN - off < step ? LEN - off : step;

		assert_int_equal(pwrite(fd, data + off, n, (off_t)off),
				 (ssize_t)n);
		tusk_digest_follow_advance(job, off + n);
		for (int i = 0; i < assists; i++)
			assisted += tusk_digest_svc_assist(svc, BUDGET_NS);
	}
	tusk_digest_follow_end(job, LEN);
	return assisted;
}

/* No worker thread: follow jobs, fed in odd-sized steps, end by assists
 * alone; a job caught up with its writer gives the assist nothing. */
static void
test_follow_by_assists_alone(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(0);

	assert_non_null(svc);
	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	for (size_t i = 0; i < sizeof(alg_sets) / sizeof(alg_sets[0]); i++) {
		int fd = new_file(0);
		struct tusk_digest_job *job = tusk_digest_follow(svc, fd,
								 alg_sets[i]);
		struct tusk_digests d;
		uint64_t assisted;

		assert_non_null(job);
		assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
		assisted = write_followed(svc, job, fd, 100003, 2);
		assert_int_equal(assist_until_done(svc, job, &d, &assisted),
				 0);
		assert_int_equal(assisted, LEN);
		assert_same(alg_sets[i], &d);
		tusk_digest_job_free(job);
		close(fd);
	}
	tusk_digest_svc_free(svc);
}

/* A worker thread and this thread's assists both advance the job: the
 * writer steps 1 MiB, the assist takes the first chunk before the
 * worker wakes (it sleeps FOLLOW_WAIT_NS when caught up), the worker
 * the rest (this thread then only waits). Both hashed, result exact. */
static void
test_interleaved_with_worker(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(1);

	assert_non_null(svc);
	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	for (size_t i = 0; i < sizeof(alg_sets) / sizeof(alg_sets[0]); i++) {
		int fd = new_file(0);
		struct tusk_digest_job *job = tusk_digest_follow(svc, fd,
								 alg_sets[i]);
		struct tusk_digests d;
		uint64_t assisted = 0;
		int r = -EAGAIN;

		assert_non_null(job);
		for (size_t off = 0; off < LEN; off += 1u << 20) {
			size_t n = LEN - off < (1u << 20) ? LEN - off :
							    1u << 20;

			assert_int_equal(pwrite(fd, data + off, n, (off_t)off),
					 (ssize_t)n);
			tusk_digest_follow_advance(job, off + n);
			assisted += tusk_digest_svc_assist(svc, BUDGET_NS);
			for (int w = 0; w < 10000 &&
			     tusk_digest_job_done(job) < off + n; w++)
				usleep(100);
		}
		tusk_digest_follow_end(job, LEN);
		for (int w = 0; w < 10000 && r == -EAGAIN; w++) {
			r = tusk_digest_job_poll(job, &d);
			usleep(100);
		}
		assert_int_equal(r, 0);
		assert_same(alg_sets[i], &d);
		assert_true(assisted > 0);
		assert_true(assisted < LEN);
		tusk_digest_job_free(job);
		close(fd);
	}
	tusk_digest_svc_free(svc);
}

/* Several jobs of one thread take turns; a job freed while running is
 * let go (the next assists never touch it); stopping the service ends
 * the rest with -ECANCELED. */
static void
test_turns_free_and_stop(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(0);
	unsigned int sha = TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);
	int fd = new_file(LEN);
	struct tusk_digest_job *a, *b, *c;
	struct tusk_digests d;

	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	a = tusk_digest_file(svc, fd, sha);
	b = tusk_digest_file(svc, fd, sha);
	c = tusk_digest_file(svc, fd, sha);
	assert_true(a != NULL && b != NULL && c != NULL);
	for (int i = 0; i < 6; i++)
		assert_true(tusk_digest_svc_assist(svc, BUDGET_NS) > 0);
	assert_true(tusk_digest_job_done(a) > 0);
	assert_true(tusk_digest_job_done(b) > 0);
	assert_true(tusk_digest_job_done(c) > 0);
	tusk_digest_job_free(b);
	for (int i = 0; i < 4; i++)
		assert_true(tusk_digest_svc_assist(svc, BUDGET_NS) > 0);
	assert_int_equal(tusk_digest_job_poll(a, &d), -EAGAIN);
	tusk_digest_svc_free(svc);
	assert_int_equal(tusk_digest_job_poll(a, &d), -ECANCELED);
	assert_int_equal(tusk_digest_job_poll(c, &d), -ECANCELED);
	tusk_digest_job_free(a);
	tusk_digest_job_free(c);
	close(fd);
}

struct other {
	struct tusk_digest_svc *svc;
	uint64_t assisted;
};

static void *
other_thread(void *arg)
{
	struct other *o = arg;

	for (int i = 0; i < 100; i++)
		o->assisted += tusk_digest_svc_assist(o->svc, BUDGET_NS);
	return NULL;
}

/* Another thread's assists leave this thread's jobs alone (lanes are
 * per submitting thread). */
static void
test_only_own_jobs(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(0);
	int fd = new_file(LEN);
	struct tusk_digest_job *job;
	struct other o = { .svc = svc };
	struct tusk_digests d;
	uint64_t assisted = 0;
	pthread_t t;

	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	job = tusk_digest_file(svc, fd, TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C));
	assert_non_null(job);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(o.assisted, 0);
	assert_int_equal(tusk_digest_job_done(job), 0);
	assert_int_equal(assist_until_done(svc, job, &d, &assisted), 0);
	assert_same(TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C), &d);
	tusk_digest_job_free(job);
	tusk_digest_svc_free(svc);
	close(fd);
}

struct idle_sub {
	struct tusk_digest_svc *svc;
	int fd;
	int r;
	struct tusk_digests d;
};

/* A thread that never assists (no lane) submits an idle-only job: a
 * worker hashes it after all. */
static void *
laneless_thread(void *arg)
{
	struct idle_sub *o = arg;
	struct tusk_digest_job *job = tusk_digest_file_idle(o->svc, o->fd,
		TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256));

	o->r = job == NULL ? -errno : -EAGAIN;
	for (int w = 0; job != NULL && w < 20000 && o->r == -EAGAIN; w++) {
		o->r = tusk_digest_job_poll(job, &o->d);
		usleep(100);
	}
	tusk_digest_job_free(job);
	return NULL;
}

/* tusk_digest_file_idle: with a worker thread idle beside it, the job
 * waits for its lcore's assists (a source's digest behind the sender on
 * a host whose cores all poll), every byte hashed by them; from a thread
 * without a lane a worker does it. */
static void
test_idle_only_job(void **state)
{
	unsigned int sha = TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);
	struct tusk_digest_svc *svc = tusk_digest_svc_create(1);
	struct idle_sub o = { .svc = svc };
	struct tusk_digest_job *job;
	struct tusk_digests d;
	uint64_t assisted = 0;
	pthread_t t;
	int fd;

	assert_non_null(svc);
	o.fd = new_file(LEN);
	assert_int_equal(pthread_create(&t, NULL, laneless_thread, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(o.r, 0);
	assert_same(sha, &o.d);
	close(o.fd);

	assert_int_equal(tusk_digest_svc_assist(svc, BUDGET_NS), 0);
	fd = new_file(LEN);
	job = tusk_digest_file_idle(svc, fd, sha);
	assert_non_null(job);
	usleep(50000); /* the worker, awake and idle, leaves it alone */
	assert_int_equal(tusk_digest_job_done(job), 0);
	assert_int_equal(tusk_digest_job_poll(job, &d), -EAGAIN);
	assert_int_equal(assist_until_done(svc, job, &d, &assisted), 0);
	assert_int_equal(assisted, LEN);
	assert_same(sha, &d);
	tusk_digest_job_free(job);
	close(fd);
	tusk_digest_svc_free(svc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_by_assists_alone),
		cmocka_unit_test(test_follow_by_assists_alone),
		cmocka_unit_test(test_interleaved_with_worker),
		cmocka_unit_test(test_turns_free_and_stop),
		cmocka_unit_test(test_only_own_jobs),
		cmocka_unit_test(test_idle_only_job),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
