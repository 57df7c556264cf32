/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift_object: containers and plain objects: ensure a container, PUT a
 * byte range with its ETag and SHA-256 metadata, HEAD, GET a range into a
 * file, and tusk_swift_upload (plain object or SLO by size).
 *
 * Swift checks a client ETag header against the MD5 of what it received
 * and answers 422 when they differ (README "Swift storage"), so the MD5 is
 * computed here, while reading the file, before the PUT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "swift_priv.h"

/* Read in pieces this big while hashing: large enough to stay off syscall
 * overhead, small enough for the stack of a helper thread. */
#define HASH_CHUNK (1u << 20)

static void hex(const unsigned char *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* MD5 of [off, off+len) of fd; the bytes also go into sha256_ctx (an
 * EVP_MD_CTX, or NULL). */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
	hex(d, dl, md5_hex);
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

static int ready(struct tusk_swift *s)
{
	return s->token[0] != '\0' ? 0 : swift_auth_renew(s, false);
}

int tusk_swift_container_ensure(struct tusk_swift *s, const char *container)
{
	struct swift_req r;
	int rc = ready(s);

	if (rc != 0)
		return rc;
	swift_req_init(&r, "HEAD");
	r.authed = true;
	rc = swift_req_url(s, &r, container, NULL, NULL);
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
	int rc = ready(s);

	if (rc != 0)
		return rc;
	swift_req_init(&r, "PUT");
	r.authed = true;
	r.fd = fd, r.off = off, r.len = len;
	rc = swift_req_url(s, &r, container, object, NULL);
	if (rc == 0)
		rc = swift_req_header(&r, "ETag: %s", md5_hex);
	if (rc == 0 && sha256_hex != NULL)
		rc = swift_req_header(&r, "X-Object-Meta-Sha256: %s", sha256_hex);
	if (rc == 0) {
		s->stats.object_puts++;
		rc = expect(s, &r, tusk_swift_request(s, &r));
	}
	if (rc == 0)
		s->stats.bytes_sent += len;
	swift_req_free(&r);
	return rc;
}

int tusk_swift_head(struct tusk_swift *s, const char *container,
		const char *object, uint64_t *size, char etag[64])
{
	struct swift_req r;
	int rc = ready(s);

	if (rc != 0)
		return rc;
	swift_req_init(&r, "HEAD");
	r.authed = true;
	rc = swift_req_url(s, &r, container, object, NULL);
	if (rc == 0)
		rc = expect(s, &r, tusk_swift_request(s, &r));
	if (rc == 0) {
		*size = r.length;
		strcpy(etag, r.etag);
	}
	swift_req_free(&r);
	return rc;
}

int tusk_swift_get(struct tusk_swift *s, const char *container,
		const char *object, uint64_t off, uint64_t len, const char *path)
{
	struct swift_req r;
	int rc = ready(s);

	if (rc != 0)
		return rc;
	swift_req_init(&r, "GET");
	r.authed = true;
	r.out_off = off;
	r.out_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (r.out_fd < 0)
		return swift_seterr(s, -errno, "swift: %s: %s", path, strerror(errno));
	rc = swift_req_url(s, &r, container, object, NULL);
	if (rc == 0 && (off > 0 || len > 0))
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

static int upload_plain(struct tusk_swift *s, const char *container,
		const char *object, int fd, uint64_t size,
		struct tusk_swift_upload_result *res)
{
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	unsigned char d[EVP_MAX_MD_SIZE];
	char md5[33];
	unsigned dl;
	int rc;

	if (sha == NULL || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(sha);
		return -ENOMEM;
	}
	rc = swift_hash_range(s, fd, 0, size, md5, sha);
	EVP_DigestFinal_ex(sha, d, &dl);
	EVP_MD_CTX_free(sha);
	if (rc != 0)
		return swift_seterr(s, rc, "swift: reading %s: %s", object,
			strerror(-rc));
	hex(d, dl, res->sha256);
	rc = tusk_swift_put_range(s, container, object, fd, 0, size, md5,
		res->sha256);
	if (rc == 0)
		strcpy(res->etag, md5);
	return rc;
}

int tusk_swift_upload(struct tusk_swift *s, const char *container,
		const char *object, const char *path,
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
				res->size, res) :
			upload_plain(s, container, object, fd, res->size, res);
	close(fd);
	return rc;
}
