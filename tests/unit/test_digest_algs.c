/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The four file digests (app/fileio/digest_alg.h): known vectors (RFC 1950
 * and zlib's adler32, RFC 9260 appendix A / RFC 3720 B.4 crc32c, RFC 1321
 * md5, FIPS 180-2 sha-256); one pass over several algorithms equals each
 * alone, fed in any cut of the bytes, next to independent oracles (the
 * RFC 1950 definition of adler32 and a bitwise CRC32C written out here);
 * both 32-bit checksums folded from pieces (tusk_adler32_combine,
 * tusk_crc32c_combine, how a fetch joins its blocks') equal them whole;
 * the workers compute all asked in one job, keep each one per
 * algorithm, and a later job reads only what is not kept.
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
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_common.h>

#include "adler32.h"
#include "crc32c.h"
#include "digest.h"
#include "digest_ctx.h"

#define LEN ((3u << 20) + 1001)

static char dir[] = "/tmp/tusk-test-digest-algs-XXXXXX";
static uint8_t *data;

static int
setup(void **state)
{
	uint32_t x = 7;

	data = malloc(LEN);
	if (data == NULL || mkdtemp(dir) == NULL)
		return -1;
	for (uint32_t i = 0; i < LEN; i++) {
		x = x * 1664525u + 1013904223u;
		data[i] = (uint8_t)(x >> 24);
	}
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	free(data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
digest_of(unsigned int algs, const void *p, size_t n, struct tusk_digests *d)
{
	struct tusk_digest_ctx c;

	memset(d, 0, sizeof(*d));
	assert_int_equal(tusk_digest_ctx_init(&c, algs), 0);
	assert_int_equal(tusk_digest_ctx_update(&c, p, n), 0);
	assert_int_equal(tusk_digest_ctx_final(&c, d), 0);
	assert_int_equal(d->have, algs);
}

static void
expect_hex(const char *msg, enum tusk_digest_alg a, const char *hex)
{
	struct tusk_digests d;
	char got[TUSK_DIGEST_HEXLEN];

	digest_of(TUSK_DIGEST_BIT(a), msg, strlen(msg), &d);
	tusk_digest_hex(&d, a, got);
	if (strcmp(got, hex) != 0)
		print_error("%s(\"%s\") = %s, want %s\n", tusk_digest_name(a),
			    msg, got, hex);
	assert_string_equal(got, hex);
}

static void
test_vectors(void **state)
{
	/* adler32: RFC 1950 starts at 1; zlib.adler32(b"abc") = 0x024d0127;
	 * IANA's HTTP digest registry: "Wiki" -> 03da0195 */
	expect_hex("", TUSK_DIGEST_ADLER32, "00000001");
	expect_hex("a", TUSK_DIGEST_ADLER32, "00620062");
	expect_hex("abc", TUSK_DIGEST_ADLER32, "024d0127");
	expect_hex("Wiki", TUSK_DIGEST_ADLER32, "03da0195");
	expect_hex("Wikipedia", TUSK_DIGEST_ADLER32, "11e60398");
	expect_hex("123456789", TUSK_DIGEST_ADLER32, "091e01de");
	/* crc32c: the check value of the Castagnoli CRC */
	expect_hex("", TUSK_DIGEST_CRC32C, "00000000");
	expect_hex("123456789", TUSK_DIGEST_CRC32C, "e3069283");
	/* md5: RFC 1321 A.5 */
	expect_hex("", TUSK_DIGEST_MD5, "d41d8cd98f00b204e9800998ecf8427e");
	expect_hex("abc", TUSK_DIGEST_MD5, "900150983cd24fb0d6963f7d28e17f72");
	expect_hex("message digest", TUSK_DIGEST_MD5,
		   "f96b697d7cb7938d525a2f31aaf161d0");
	/* sha-256: FIPS 180-2 B.1 */
	expect_hex("abc", TUSK_DIGEST_SHA256, "ba7816bf8f01cfea414140de5dae2223"
		   "b00361a396177a9cb410ff61f20015ad");
}

/* RFC 3720 B.4: 32 bytes of zeros, of ones, ascending. */
static void
test_crc32c_rfc3720(void **state)
{
	uint8_t buf[32];
	struct tusk_digests d;

	memset(buf, 0, sizeof(buf));
	digest_of(TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C), buf, 32, &d);
	assert_int_equal(tusk_digest_get32(d.v[TUSK_DIGEST_CRC32C]),
			 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	digest_of(TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C), buf, 32, &d);
	assert_int_equal(tusk_digest_get32(d.v[TUSK_DIGEST_CRC32C]),
			 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	digest_of(TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C), buf, 32, &d);
	assert_int_equal(tusk_digest_get32(d.v[TUSK_DIGEST_CRC32C]),
			 0x46dd794e);
}

/* RFC 1950 8.2 written out: the oracle for ISA-L's SIMD adler32. */
static uint32_t
adler32_ref(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

/* CRC32C bit by bit (RFC 3720 B.4, reflected polynomial 0x82F63B78):
 * the oracle for ISA-L's folding CRC. */
static uint32_t
crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

/* The data cut into pieces of these lengths (0: an empty piece, a block
 * the size of a jumbo segment, a page, a 1 MiB block), each summed alone
 * and folded in order, equals the whole; chained sums equal it too. */
static void
test_fold_pieces(void **state)
{
	static const size_t lens[] = { 0, 1, 8960, 4096, 7, 1 << 20, 65521,
				       65520, 3 };
	uint32_t crc = 0, adler = TUSK_ADLER32_INIT;
	uint32_t crc_chain = 0, adler_chain = TUSK_ADLER32_INIT;
	size_t off = 0;

	for (size_t i = 0; off < LEN; i++) {
		size_t n = lens[i % RTE_DIM(lens)];

		if (n > LEN - off)
			n = LEN - off;
		crc = tusk_crc32c_combine(crc, tusk_crc32c(data + off, n, 0),
					  n);
		adler = tusk_adler32_combine(adler,
			tusk_adler32(data + off, n, TUSK_ADLER32_INIT), n);
		crc_chain = tusk_crc32c(data + off, n, crc_chain);
		adler_chain = tusk_adler32(data + off, n, adler_chain);
		off += n;
	}
	assert_int_equal(crc, crc32c_ref(data, LEN));
	assert_int_equal(crc_chain, crc);
	assert_int_equal(adler, adler32_ref(data, LEN));
	assert_int_equal(adler_chain, adler);
	/* the "123456789" check values; a piece of 0xff bytes long enough
	 * that A wraps past the base; folding onto nothing */
	assert_int_equal(tusk_crc32c("123456789", 9, 0), 0xe3069283);
	assert_int_equal(tusk_adler32("123456789", 9, TUSK_ADLER32_INIT),
			 0x091e01de);
	{
		static uint8_t ff[300];

		memset(ff, 0xff, sizeof(ff));
		for (size_t cut = 0; cut <= sizeof(ff); cut += 37) {
			uint32_t a = tusk_adler32(ff, cut, 1);
			uint32_t b = tusk_adler32(ff + cut, sizeof(ff) - cut,
						  1);

			assert_int_equal(tusk_adler32_combine(a, b,
						sizeof(ff) - cut),
					 adler32_ref(ff, sizeof(ff)));
			assert_int_equal(tusk_crc32c_combine(
				tusk_crc32c(ff, cut, 0),
				tusk_crc32c(ff + cut, sizeof(ff) - cut, 0),
				sizeof(ff) - cut), crc32c_ref(ff, sizeof(ff)));
		}
	}
	assert_int_equal(tusk_crc32c_combine(0, crc, LEN), crc);
	assert_int_equal(tusk_adler32_combine(TUSK_ADLER32_INIT, adler, LEN),
			 adler);
}

/* All four in one pass, the bytes cut at odd places, equal each alone
 * and the oracles. */
static void
test_one_pass_equals_each(void **state)
{
	static const size_t cuts[] = { 1, 7, 4096, 65537, 1 << 20 };
	struct tusk_digests all, one;
	struct tusk_digest_ctx c;

	assert_int_equal(tusk_digest_ctx_init(&c, TUSK_DIGEST_ALL), 0);
	for (size_t off = 0, i = 0; off < LEN; i++) {
		size_t n = cuts[i % 5];

		if (n > LEN - off)
			n = LEN - off;
		assert_int_equal(tusk_digest_ctx_update(&c, data + off, n), 0);
		off += n;
	}
	memset(&all, 0, sizeof(all));
	assert_int_equal(tusk_digest_ctx_final(&c, &all), 0);
	for (int a = 0; a < TUSK_DIGEST_ALGS; a++) {
		digest_of(TUSK_DIGEST_BIT(a), data, LEN, &one);
		assert_memory_equal(all.v[a], one.v[a], tusk_digest_len(a));
	}
	assert_int_equal(tusk_digest_get32(all.v[TUSK_DIGEST_ADLER32]),
			 adler32_ref(data, LEN));
	assert_int_equal(tusk_digest_get32(all.v[TUSK_DIGEST_CRC32C]),
			 crc32c_ref(data, LEN));
	assert_int_equal(tusk_digest_ctx_init(&c, 0), -EINVAL);
	assert_int_equal(tusk_digest_ctx_init(&c, 1u << TUSK_DIGEST_ALGS),
			 -EINVAL);
}

static int
wait_job(struct tusk_digest_job *job, struct tusk_digests *d)
{
	int r = -EAGAIN;

	for (int i = 0; i < 10000 && r == -EAGAIN; i++) {
		r = tusk_digest_job_poll(job, d);
		if (r == -EAGAIN)
			usleep(1000);
	}
	tusk_digest_job_free(job);
	return r;
}

static int
file_with_data(const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, LEN, 0), LEN);
	return fd;
}

/* A whole-file job of every algorithm; each is kept in its own xattr;
 * a kept one is served without reading, even when it is not what the
 * bytes say (proof no read happened); the others are computed. */
static void
test_jobs_keep_each(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(1);
	struct tusk_digests want, got, fake;
	const unsigned int adler = TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32);
	int fd = file_with_data("f");
	char v[256];

	assert_non_null(svc);
	digest_of(TUSK_DIGEST_ALL, data, LEN, &want);
	assert_int_equal(tusk_digest_lookup(fd, TUSK_DIGEST_ALL, &got),
			 -ENOENT);
	assert_int_equal(wait_job(tusk_digest_file(svc, fd, TUSK_DIGEST_ALL),
				  &got), 0);
	assert_int_equal(got.have, TUSK_DIGEST_ALL);
	assert_memory_equal(got.v, want.v, sizeof(want.v));
	assert_int_equal(tusk_digest_lookup(fd, TUSK_DIGEST_ALL, &got), 0);
	assert_memory_equal(got.v, want.v, sizeof(want.v));
	assert_true(fgetxattr(fd, TUSK_DIGEST_XATTR_PREFIX "adler32", v,
			      sizeof(v)) > 8);
	assert_true(fgetxattr(fd, TUSK_DIGEST_XATTR_PREFIX "md5", v,
			      sizeof(v)) > 32);
	/* forget all; keep a wrong adler32 alone: a job of adler32+crc32c
	 * serves the kept (wrong) adler32 and computes crc32c */
	assert_int_equal(tusk_digest_forget(fd), 0);
	fake = want;
	fake.have = adler;
	fake.v[TUSK_DIGEST_ADLER32][0] ^= 0xff;
	assert_int_equal(tusk_digest_store(fd, &fake), 0);
	assert_int_equal(tusk_digest_lookup(fd, TUSK_DIGEST_ALL, &got),
			 -ENOENT);
	assert_int_equal(got.have, adler);
	assert_int_equal(wait_job(tusk_digest_file(svc, fd, adler |
			 TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C)), &got), 0);
	assert_memory_equal(got.v[TUSK_DIGEST_ADLER32],
			    fake.v[TUSK_DIGEST_ADLER32], 4);
	assert_memory_equal(got.v[TUSK_DIGEST_CRC32C],
			    want.v[TUSK_DIGEST_CRC32C], 4);
	/* a write makes every kept one stale */
	assert_int_equal(pwrite(fd, "x", 1, 5), 1);
	assert_int_equal(tusk_digest_lookup(fd, adler, &got), -ENOENT);
	assert_int_equal(got.have, 0);
	assert_null(tusk_digest_file(svc, fd, 0));
	assert_int_equal(errno, EINVAL);
	close(fd);
	tusk_digest_svc_free(svc);
}

/* A follow job of several algorithms, advanced in uneven steps as a
 * fetch's contiguous prefix grows. */
static void
test_follow_all(void **state)
{
	struct tusk_digest_svc *svc = tusk_digest_svc_create(1);
	struct tusk_digests want, got;
	struct tusk_digest_job *job;
	int fd = file_with_data("g");

	digest_of(TUSK_DIGEST_ALL, data, LEN, &want);
	job = tusk_digest_follow(svc, fd, TUSK_DIGEST_ALL);
	assert_non_null(job);
	for (uint64_t off = 0; off < LEN; off += 777777) {
		tusk_digest_follow_advance(job, off);
		usleep(2000);
	}
	tusk_digest_follow_end(job, LEN);
	assert_int_equal(wait_job(job, &got), 0);
	assert_int_equal(got.have, TUSK_DIGEST_ALL);
	assert_memory_equal(got.v, want.v, sizeof(want.v));
	/* kept for the next reader */
	assert_int_equal(tusk_digest_lookup(fd, TUSK_DIGEST_ALL, &got), 0);
	close(fd);
	tusk_digest_svc_free(svc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_crc32c_rfc3720),
		cmocka_unit_test(test_fold_pieces),
		cmocka_unit_test(test_one_pass_equals_each),
		cmocka_unit_test(test_jobs_keep_each),
		cmocka_unit_test(test_follow_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
