/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift_object: containers and plain objects: ensure a container, PUT a
 * byte range with its ETag and SHA-256 metadata, HEAD, GET a range into a
 * file, and tusk_swift_upload (plain object or SLO by size).
 *
 * Swift answers a PUT with the MD5 of what it stored as ETag (README
 * "Swift storage"). The upload computes the MD5 (and SHA-256) of the bytes
 * in the same read that hands them to curl and compares the ETag after:
 * no hashing pass before the PUT. tusk_swift_put_range (a known MD5 in an
 * ETag header, which Swift checks itself: 422) stays for callers that
 * have the MD5 beforehand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "swift_priv.h"

/* Read in pieces this big while hashing: large enough to stay off syscall
 * overhead, small enough for the stack of a helper thread. */
#define HASH_CHUNK (1u << 20)

void swift_hex(const unsigned char *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int swift_req_hash(struct swift_req *r, bool sha)
{
	r->md5 = EVP_MD_CTX_new();
	if (sha)
		r->sha = EVP_MD_CTX_new();
	return r->md5 == NULL || (sha && r->sha == NULL) ? -ENOMEM : 0;
}

void swift_req_digests(struct swift_req *r, char md5_hex[33],
		char sha_hex[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl;

	EVP_DigestFinal_ex(r->md5, d, &dl);
	swift_hex(d, dl, md5_hex);
	if (sha_hex != NULL && r->sha != NULL) {
		EVP_DigestFinal_ex(r->sha, d, &dl);
		swift_hex(d, dl, sha_hex);
	}
}

/* MD5 of [off, off+len) of fd; the bytes also go into sha256_ctx (an
 * EVP_MD_CTX, or NULL). */
int swift_hash_range(struct tusk_swift *s, int fd, uint64_t off,
		uint64_t len, char md5_hex[33], void *sha256_ctx)
{
	uint64_t t0 = now_ms();
	EVP_MD_CTX *md5 = EVP_MD_CTX_new();
	unsigned char *buf = malloc(HASH_CHUNK), d[EVP_MAX_MD_SIZE];
	unsigned dl;
	int rc = 0;

	if (md5 == NULL || buf == NULL || !EVP_DigestInit_ex(md5, EVP_md5(), NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	while (len > 0) {
		size_t want = len < HASH_CHUNK ? (size_t)len : HASH_CHUNK;
		ssize_t got = pread(fd, buf, want, (off_t)off);

		if (got <= 0) {
			rc = got < 0 ? -errno : -EIO;	/* shrank under us */
			goto out;
		}
		EVP_DigestUpdate(md5, buf, (size_t)got);
		if (sha256_ctx != NULL)
			EVP_DigestUpdate(sha256_ctx, buf, (size_t)got);
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
	EVP_DigestFinal_ex(md5, d, &dl);
	swift_hex(d, dl, md5_hex);
out:
	EVP_MD_CTX_free(md5);
	free(buf);
	s->stats.hash_ms += now_ms() - t0;
	return rc;
}

static int expect(struct tusk_swift *s, struct swift_req *r, int rc)
{
	if (rc != 0)
		return rc;
	if (r->status / 100 == 2)
		return 0;
	if (r->status == 404)
		return swift_seterr(s, -ENOENT, "swift: %s %s: 404 Not Found",
			r->method, r->url);
	if (r->status == 422)
		return swift_seterr(s, -EBADMSG, "swift: %s %s: 422: the MD5 "
			"Swift computed differs from the ETag sent (data "
			"changed in flight or on disk)", r->method, r->url);
	return swift_seterr(s, -EIO, "swift: %s %s: %ld %.80s", r->method,
		r->url, r->status, r->resp != NULL ? r->resp : "");
}

/* A PUT of r's byte range, counted. */
static int put(struct tusk_swift *s, struct swift_req *r)
{
	int rc;

	s->stats.object_puts++;
	rc = expect(s, r, tusk_swift_request(s, r));
	if (rc == 0)
		s->stats.bytes_sent += r->len;
	return rc;
}

int tusk_swift_container_ensure(struct tusk_swift *s, const char *container)
{
	struct swift_req r;
	int rc = swift_req_authed(s, &r, "HEAD", container, NULL, NULL);

	if (rc == 0)
		rc = tusk_swift_request(s, &r);
	if (rc == 0 && r.status == 404) {
		r.method = "PUT";
		rc = tusk_swift_request(s, &r);
	}
	rc = expect(s, &r, rc);
	swift_req_free(&r);
	return rc;
}

int tusk_swift_put_range(struct tusk_swift *s, const char *container,
		const char *object, int fd, uint64_t off, uint64_t len,
		const char *md5_hex, const char *sha256_hex)
{
	struct swift_req r;
	int rc = swift_req_authed(s, &r, "PUT", container, object, NULL);

	r.fd = fd, r.off = off, r.len = len;
	if (rc == 0)
		rc = swift_req_header(&r, "ETag: %s", md5_hex);
	if (rc == 0 && sha256_hex != NULL)
		rc = swift_req_header(&r, "X-Object-Meta-Sha256: %s", sha256_hex);
	if (rc == 0)
		rc = put(s, &r);
	swift_req_free(&r);
	return rc;
}

int tusk_swift_stat(struct tusk_swift *s, const char *container,
		const char *object, struct tusk_swift_objinfo *info)
{
	struct swift_req r;
	int rc = swift_req_authed(s, &r, "HEAD", container, object, NULL);

	if (rc == 0)
		rc = expect(s, &r, tusk_swift_request(s, &r));
	if (rc == 0) {
		info->size = r.length;
		memcpy(info->etag, r.etag, sizeof(info->etag));
		memcpy(info->sha256, r.meta_sha256, sizeof(info->sha256));
		info->slo = r.slo;
	}
	swift_req_free(&r);
	return rc;
}

int tusk_swift_head(struct tusk_swift *s, const char *container,
		const char *object, uint64_t *size, char etag[64])
{
	struct tusk_swift_objinfo info;
	int rc = tusk_swift_stat(s, container, object, &info);

	if (rc == 0) {
		*size = info.size;
		memcpy(etag, info.etag, sizeof(info.etag));
	}
	return rc;
}

int tusk_swift_get(struct tusk_swift *s, const char *container,
		const char *object, uint64_t off, uint64_t len, const char *path)
{
	struct swift_req r;
	int rc = swift_req_authed(s, &r, "GET", container, object, NULL);

	if (rc != 0) {
		swift_req_free(&r);
		return rc;
	}
	r.out_start = off;
	r.out_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (r.out_fd < 0) {
		rc = swift_seterr(s, -errno, "swift: %s: %s", path,
			strerror(errno));
		swift_req_free(&r);
		return rc;
	}
	if (off > 0 || len > 0)
		rc = len > 0 ? swift_req_header(&r, "Range: bytes=%llu-%llu",
				(unsigned long long)off,
				(unsigned long long)(off + len - 1)) :
			swift_req_header(&r, "Range: bytes=%llu-",
				(unsigned long long)off);
	if (rc == 0)
		rc = expect(s, &r, tusk_swift_request(s, &r));
	if (rc == 0 && (off > 0 || len > 0) && r.status != 206)
		rc = swift_seterr(s, -EPROTO, "swift: GET %s: asked a range, "
			"got %ld", r.url, r.status);
	if (close(r.out_fd) != 0 && rc == 0)
		rc = swift_seterr(s, -errno, "swift: %s: %s", path, strerror(errno));
	swift_req_free(&r);
	return rc;
}

/* A request on object with no body (DELETE, POST of metadata). */
static int object_call(struct tusk_swift *s, const char *method,
		const char *container, const char *object, const char *hdr)
{
	struct swift_req r;
	int rc = swift_req_authed(s, &r, method, container, object, NULL);

	if (rc == 0 && hdr != NULL)
		rc = swift_req_header(&r, "%s", hdr);
	if (rc == 0)
		rc = expect(s, &r, tusk_swift_request(s, &r));
	swift_req_free(&r);
	return rc;
}

/* The PUT's answer against what was read: Swift's ETag is the MD5 of what
 * it stored; a SHA-256 known before must be what was read. On a mismatch
 * the object is deleted: Swift never keeps bytes that are not the file. */
static int plain_check(struct tusk_swift *s, const char *container,
		const char *object, const char *md5, const char *sha,
		const char *etag, const char *want_sha)
{
	char why[TUSK_SWIFT_ERROR_MAX];

	if (strcasecmp(etag, md5) != 0)
		snprintf(why, sizeof(why), "swift: PUT %s/%s: Swift's ETag %s "
			"is not the MD5 of the bytes sent (%s)", container,
			object, etag, md5);
	else if (want_sha != NULL && strcmp(want_sha, sha) != 0)
		snprintf(why, sizeof(why), "swift: %s/%s: the file read "
			"sha256 %.16s..., not the verified %.16s... (changed "
			"on disk)", container, object, sha, want_sha);
	else
		return 0;
	object_call(s, "DELETE", container, object, NULL);
	return swift_seterr(s, -EBADMSG, "%s", why);
}

static int upload_plain(struct tusk_swift *s, const char *container,
		const char *object, int fd, uint64_t size,
		const struct tusk_swift_upload_opts *o,
		struct tusk_swift_upload_result *res)
{
	const char *want = o != NULL ? o->sha256 : NULL;
	char md5[33], hdr[96];
	struct swift_req r;
	int rc = swift_req_authed(s, &r, "PUT", container, object, NULL);

	r.fd = fd, r.off = 0, r.len = size;
	if (rc == 0)
		rc = swift_req_hash(&r, true);
	if (rc == 0 && want != NULL)
		rc = swift_req_header(&r, "X-Object-Meta-Sha256: %s", want);
	if (rc == 0)
		rc = put(s, &r);
	if (rc == 0) {
		swift_req_digests(&r, md5, res->sha256);
		rc = plain_check(s, container, object, md5, res->sha256,
			r.etag, want);
	}
	swift_req_free(&r);
	/* the SHA-256 was not known before the PUT: set it now */
	snprintf(hdr, sizeof(hdr), "X-Object-Meta-Sha256: %s", res->sha256);
	if (rc == 0 && want == NULL)
		rc = object_call(s, "POST", container, object, hdr);
	if (rc == 0)
		strcpy(res->etag, md5);
	return rc;
}

int tusk_swift_upload_ex(struct tusk_swift *s, const char *container,
		const char *object, const char *path,
		const struct tusk_swift_upload_opts *o,
		struct tusk_swift_upload_result *res)
{
	struct stat st;
	int fd, rc;

	memset(res, 0, sizeof(*res));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = swift_seterr(s, -errno, "swift: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	res->size = (uint64_t)st.st_size;
	rc = tusk_swift_container_ensure(s, container);
	if (rc == 0)
		rc = res->size > s->cfg.segment_size ?
			tusk_swift_slo_upload(s, container, object, fd,
				res->size, o, res) :
			upload_plain(s, container, object, fd, res->size, o,
				res);
	close(fd);
	return rc;
}

int tusk_swift_upload(struct tusk_swift *s, const char *container,
		const char *object, const char *path,
		struct tusk_swift_upload_result *res)
{
	return tusk_swift_upload_ex(s, container, object, path, NULL, res);
}
