/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File data path figures (printed, not asserted), on a tmpfs file:
 *   read   preadv into mbufs (tusk_file_read_mbufs, with and without
 *          CRC32C) next to read() into one buffer, 1 MiB per call
 *   write  pwritev from mbufs (tusk_file_writer, 1 MiB batches of jumbo
 *          and of 1500-MTU segments) next to write() of one buffer
 *   digest the worker on a whole file and following a writer, next to
 *          OpenSSL SHA-256 over memory; pread+hash at several block sizes
 *          (the choice of DIGEST_BLOCK); CRC32C over memory
 * Each figure is the median of --runs runs; ratios are within one run.
 *
 * usage: tusk-bench-fileio [--mib N (1024)] [--dir D (/dev/shm)] [--runs R (3)]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_mbuf.h>

#include "crc32c.h"
#include "digest.h"
#include "digest_ctx.h"
#include "file_read.h"
#include "file_write.h"
#include "testenv.h"

#define MIB (1u << 20)
#define ROOM 16384          /* TUSK_SVC_DATA_ROOM less headroom */
#define POOL_N 8192         /* 128 MiB of mbufs */
#define MAX_RUNS 9
#define SEG_JUMBO 8960      /* MSS at MTU 9000 */
#define SEG_1500 1448       /* MSS at MTU 1500 with timestamps */

static struct {
	uint64_t bytes;
	const char *dir;
	int runs;
	char path[256];     /* the source file */
	char out[264];      /* written files */
	struct rte_mempool *pool;
	uint8_t *buf;       /* MIB */
} b = { .bytes = 1024ull * MIB, .dir = "/dev/shm", .runs = 3 };

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

/* Median GB/s of `runs` runs of fn (which returns seconds). */
static double
median_gbs(double (*fn)(void *), void *arg, uint64_t bytes)
{
	double gbs[MAX_RUNS];

	for (int i = 0; i < b.runs; i++)
		gbs[i] = (double)bytes / fn(arg) / 1e9;
	qsort(gbs, (size_t)b.runs, sizeof(double), cmp_double);
	return gbs[b.runs / 2];
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_fileio: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
make_source(void)
{
	uint64_t x = 88172645463325252ull;
	int fd;

	snprintf(b.path, sizeof(b.path), "%s/tusk-bench-fileio.%d", b.dir,
		 (int)getpid());
	snprintf(b.out, sizeof(b.out), "%s.out", b.path);
	for (size_t i = 0; i < MIB / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(b.buf + i * 8, &x, 8);
	}
	fd = open(b.path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(b.path);
	for (uint64_t off = 0; off < b.bytes; off += MIB) {
		b.buf[0]++; /* no two MiB alike */
		if (pwrite(fd, b.buf, MIB, (off_t)off) != MIB)
			die("write source");
	}
	close(fd);
}

static double
run_read_buf(void *arg)
{
	int fd = open(b.path, O_RDONLY);
	double t0 = tusk_testenv_now_s();

	while (read(fd, b.buf, MIB) > 0)
		;
	t0 = tusk_testenv_now_s() - t0;
	close(fd);
	return t0;
}

static double
run_read_mbufs(void *arg)
{
	uint32_t crc = 0, *crcp = arg != NULL ? &crc : NULL;
	int fd = open(b.path, O_RDONLY);
	struct rte_mbuf *m;
	uint64_t off = 0;
	int64_t n;
	double t0 = tusk_testenv_now_s();

	while ((n = tusk_file_read_mbufs(fd, off, MIB, b.pool, &m, crcp)) > 0) {
		off += (uint64_t)n;
		rte_pktmbuf_free(m);
	}
	t0 = tusk_testenv_now_s() - t0;
	if (n < 0)
		die("tusk_file_read_mbufs");
	close(fd);
	return t0;
}

static double
run_write_buf(void *arg)
{
	int fd = open(b.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	double t0 = tusk_testenv_now_s();

	for (uint64_t off = 0; off < b.bytes; off += MIB)
		if (write(fd, b.buf, MIB) != MIB)
			die("write");
	t0 = tusk_testenv_now_s() - t0;
	close(fd);
	unlink(b.out);
	return t0;
}

/* Segments of `seg` bytes each as received (one mbuf a segment); a
 * reference is taken per add so the writer's free hands them back. */
static struct rte_mbuf *segs[MIB / SEG_1500 + 1];

static unsigned int
make_segments(uint32_t seg)
{
	unsigned int n = MIB / seg;

	for (unsigned int i = 0; i < n; i++) {
		segs[i] = rte_pktmbuf_alloc(b.pool);
		if (segs[i] == NULL || rte_pktmbuf_append(segs[i], seg) == NULL)
			die("segment mbufs");
		memcpy(rte_pktmbuf_mtod(segs[i], void *), b.buf + i * seg, seg);
	}
	return n;
}

static void
free_segments(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(segs[i]);
}

/* Bytes written from mbufs: whole segments per MiB, b.bytes / MiB times. */
static uint64_t
write_total(uint32_t seg)
{
	return b.bytes / MIB * (MIB / seg) * seg;
}

/* Write the segments over and over, telling `job` after each batch. */
static void
write_segments(struct tusk_file_writer *w, unsigned int n,
	       struct tusk_digest_job *job)
{
	for (uint64_t k = 0; k < b.bytes / MIB; k++) {
		for (unsigned int i = 0; i < n; i++) {
			rte_mbuf_refcnt_update(segs[i], 1);
			if (tusk_file_writer_add(w, segs[i]) < 0)
				die("tusk_file_writer_add");
		}
		if (job != NULL)
			tusk_digest_follow_advance(job,
					tusk_file_writer_written(w));
	}
	if (tusk_file_writer_flush(w) < 0)
		die("flush");
}

static double
run_write_mbufs(void *arg)
{
	uint32_t seg = *(const uint32_t *)arg;
	unsigned int n = make_segments(seg);
	int fd = open(b.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct tusk_file_writer *w = tusk_file_writer_create(fd, 0, MIB);
	double t0 = tusk_testenv_now_s();

	write_segments(w, n, NULL);
	t0 = tusk_testenv_now_s() - t0;
	tusk_file_writer_free(w);
	close(fd);
	unlink(b.out);
	free_segments(n);
	return t0;
}

static double
run_sha_mem(void *arg)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t sha[TUSK_DIGEST_MAXLEN];
	double t0 = tusk_testenv_now_s();

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (uint64_t off = 0; off < b.bytes; off += MIB)
		EVP_DigestUpdate(ctx, b.buf, MIB);
	EVP_DigestFinal_ex(ctx, sha, NULL);
	t0 = tusk_testenv_now_s() - t0;
	EVP_MD_CTX_free(ctx);
	return t0;
}

static double
run_crc_mem(void *arg)
{
	volatile uint32_t sink;
	uint32_t crc = 0;
	double t0 = tusk_testenv_now_s();

	for (uint64_t off = 0; off < b.bytes; off += MIB)
		crc = tusk_crc32c(b.buf, MIB, crc);
	sink = crc;
	(void)sink;
	return tusk_testenv_now_s() - t0;
}

/* The digests *arg (TUSK_DIGEST_BIT()s) of b.bytes, 1 MiB at a time from
 * one cached buffer, in one pass (digest_ctx.h), this thread. */
static double
run_algs_mem(void *arg)
{
	struct tusk_digest_ctx c;
	struct tusk_digests d;
	double t0 = tusk_testenv_now_s();

	if (tusk_digest_ctx_init(&c, *(const unsigned int *)arg) < 0)
		die("tusk_digest_ctx_init");
	for (uint64_t off = 0; off < b.bytes; off += MIB)
		tusk_digest_ctx_update(&c, b.buf, MIB);
	tusk_digest_ctx_final(&c, &d);
	return tusk_testenv_now_s() - t0;
}

/* pread + SHA-256 in blocks of *arg bytes, this thread. */
static double
run_block(void *arg)
{
	size_t block = *(const size_t *)arg;
	uint8_t *buf = malloc(block), sha[TUSK_DIGEST_MAXLEN];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(b.path, O_RDONLY);
	ssize_t n;
	off_t off = 0;
	double t0 = tusk_testenv_now_s();

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = pread(fd, buf, block, off)) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
	}
	EVP_DigestFinal_ex(ctx, sha, NULL);
	t0 = tusk_testenv_now_s() - t0;
	EVP_MD_CTX_free(ctx);
	close(fd);
	free(buf);
	return t0;
}

static void
wait_job(struct tusk_digest_job *job)
{
	struct tusk_digests d;
	int r;

	while ((r = tusk_digest_job_poll(job, &d)) == -EAGAIN)
		usleep(100);
	if (r != 0) {
		errno = -r;
		die("digest job");
	}
	tusk_digest_job_free(job);
}

static double
run_digest_file(void *arg)
{
	int fd = open(b.path, O_RDONLY);
	double t0;

	tusk_digest_forget(fd); /* or the kept one is served */
	t0 = tusk_testenv_now_s();
	wait_job(tusk_digest_file(arg, fd, TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256)));
	t0 = tusk_testenv_now_s() - t0;
	close(fd);
	return t0;
}

/* Writer and digest worker together: the time until both are done. */
static double
run_follow(void *arg)
{
	unsigned int n = make_segments(SEG_JUMBO);
	int fd = open(b.out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct tusk_file_writer *w = tusk_file_writer_create(fd, 0, MIB);
	struct tusk_digest_job *job = tusk_digest_follow(arg, fd,
				TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256));
	double t0 = tusk_testenv_now_s();

	write_segments(w, n, job);
	tusk_digest_follow_end(job, tusk_file_writer_written(w));
	wait_job(job);
	t0 = tusk_testenv_now_s() - t0;
	tusk_file_writer_free(w);
	close(fd);
	unlink(b.out);
	free_segments(n);
	return t0;
}

static void
bench_read(void)
{
	double buf = median_gbs(run_read_buf, NULL, b.bytes);
	double mb = median_gbs(run_read_mbufs, NULL, b.bytes);
	double mbc = median_gbs(run_read_mbufs, &b, b.bytes);

	printf("read   read() into one 1 MiB buffer      %6.2f GB/s\n", buf);
	printf("read   preadv into mbufs (1 MiB calls)    %6.2f GB/s  %.2fx\n",
	       mb, mb / buf);
	printf("read   preadv into mbufs + CRC32C         %6.2f GB/s  %.2fx\n",
	       mbc, mbc / buf);
}

static void
bench_write(void)
{
	uint32_t jumbo = SEG_JUMBO, small = SEG_1500;
	double buf = median_gbs(run_write_buf, NULL, b.bytes);
	double wj = median_gbs(run_write_mbufs, &jumbo, write_total(jumbo));
	double ws = median_gbs(run_write_mbufs, &small, write_total(small));

	printf("write  write() of one 1 MiB buffer        %6.2f GB/s\n", buf);
	printf("write  pwritev from mbufs, %4u B segs    %6.2f GB/s  %.2fx\n",
	       jumbo, wj, wj / buf);
	printf("write  pwritev from mbufs, %4u B segs    %6.2f GB/s  %.2fx\n",
	       small, ws, ws / buf);
}

/* GB/s per file digest algorithm on one core (ISA-L adler32 and
 * crc32c, OpenSSL md5 and sha-256), and all four in one pass. */
static void
bench_algs(void)
{
	for (unsigned int a = 0; a <= TUSK_DIGEST_ALGS; a++) {
		unsigned int algs = a < TUSK_DIGEST_ALGS ? TUSK_DIGEST_BIT(a) :
						       TUSK_DIGEST_ALL;

		printf("digest %-8s one core, memory (1 MiB)  %6.2f GB/s\n",
		       a < TUSK_DIGEST_ALGS ? tusk_digest_name(a) : "all four",
		       median_gbs(run_algs_mem, &algs, b.bytes));
	}
}

static void
bench_digest(void)
{
	static const size_t blocks[] = {64 << 10, 256 << 10, 1 << 20, 4 << 20};
	struct tusk_digest_svc *svc = tusk_digest_svc_create(1);
	double mem, file, follow;

	if (svc == NULL)
		die("tusk_digest_svc_create");
	mem = median_gbs(run_sha_mem, NULL, b.bytes);
	file = median_gbs(run_digest_file, svc, b.bytes);
	follow = median_gbs(run_follow, svc, write_total(SEG_JUMBO));
	printf("digest SHA-256 over memory (1 MiB, L2)    %6.2f GB/s\n", mem);
	printf("digest worker, whole file                 %6.2f GB/s  %.2fx\n",
	       file, file / mem);
	printf("digest writer + worker following it       %6.2f GB/s\n", follow);
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		double g = median_gbs(run_block, (void *)&blocks[i], b.bytes);

		printf("digest pread + SHA-256, %4zu KiB blocks   %6.2f GB/s\n",
		       blocks[i] >> 10, g);
	}
	printf("crc32c over memory (1 MiB)                %6.2f GB/s\n",
	       median_gbs(run_crc_mem, NULL, b.bytes));
	tusk_digest_svc_free(svc);
	bench_algs();
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mib", required_argument, NULL, 'm'},
		{"dir", required_argument, NULL, 'd'},
		{"runs", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm')
			b.bytes = strtoull(optarg, NULL, 10) * MIB;
		else if (c == 'd')
			b.dir = optarg;
		else if (c == 'r')
			b.runs = atoi(optarg);
		else
			exit(2);
	}
	if (b.bytes == 0 || b.runs < 1 || b.runs > MAX_RUNS) {
		fprintf(stderr, "bench_fileio: --mib must be > 0, --runs 1..%d\n",
			MAX_RUNS);
		exit(2);
	}
}

/* EAL pins this thread to lcore 0's CPU, which every test process on
 * the machine shares (-l0): let it run anywhere, as the digest worker
 * does, so that both sides of each ratio get the same chance. */
static void
unpin(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t all;

	CPU_ZERO(&all);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, &all);
	if (sched_setaffinity(0, sizeof(all), &all) < 0)
		die("sched_setaffinity");
}

int
main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (tusk_testenv_init("bench_fileio", 512) < 0)
		return 1;
	unpin();
	b.pool = tusk_testenv_pool("bench_fileio", POOL_N, ROOM);
	b.buf = malloc(MIB);
	if (b.pool == NULL || b.buf == NULL)
		return 1;
	make_source();
	printf("file %s, %llu MiB, median of %d runs\n", b.path,
	       (unsigned long long)(b.bytes / MIB), b.runs);
	bench_read();
	bench_write();
	bench_digest();
	unlink(b.path);
	return 0;
}
