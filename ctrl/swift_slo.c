/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift_slo: a file bigger than segment_size as a Static Large Object.
 *
 *   tusk_swift_slo_upload
 *     -> sha_start: a thread reads the file once, in order, for its
 *        SHA-256, while the segments go (no hashing pass before sending)
 *     -> missing_segments: HEAD each segment in <container>_segments; one
 *        there with the same size and the MD5 of its byte range (from the
 *        caller's journal, else read here) is not sent again - this is
 *        what makes an upload resumable after a ctrld restart
 *     -> put_segments: the rest over `parallel` connections (curl multi),
 *        each hashed (MD5) in the read that feeds curl; Swift's ETag (the
 *        MD5 of what it stored) must equal it, else the segment is sent
 *        again (within `retries`)
 *     -> sha_join, then put_manifest: PUT ?multipart-manifest=put, the
 *        segments' path, etag and size_bytes, with X-Object-Meta-Sha256;
 *        last, so the object never exists with segments missing
 *
 * Segment names carry the file size and segment size
 * (<object>/slo/<size>/<segment size>/<index>), so a different cut never
 * matches; the ETag check catches a changed file of the same size.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "swift_priv.h"

#define SEGMENTS_SUFFIX "_segments"
#define CONTAINER_MAX 256
/* The SHA-256 thread reads this much at a time (as swift_hash_range). */
#define SHA_CHUNK (1u << 20)

struct seg {
	char name[TUSK_SWIFT_URL_MAX];
	char md5[33];
	uint64_t off, len;
	bool present;
	unsigned tries;
	struct swift_req r;
};

/* The file's SHA-256, read in order on a thread beside the segment PUTs. */
struct sha_pass {
	pthread_t t;
	bool started;
	int fd;
	uint64_t size, ms;
	atomic_bool stop;
	int rc;
	char hex[65];
};

struct slo {
	struct tusk_swift *s;
	const struct tusk_swift_upload_opts *o;
	struct sha_pass sha;
	const char *object;
	char segc[CONTAINER_MAX + sizeof(SEGMENTS_SUFFIX)];
	int fd;
	struct seg *seg;
	unsigned n;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *sha_run(void *arg)
{
	struct sha_pass *p = arg;
	uint64_t t0 = mono_ms(), off = 0;
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	unsigned char *buf = malloc(SHA_CHUNK), d[EVP_MAX_MD_SIZE];
	unsigned dl;

	p->rc = sha == NULL || buf == NULL ||
		!EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ? -ENOMEM : 0;
	while (p->rc == 0 && off < p->size && !atomic_load(&p->stop)) {
		uint64_t left = p->size - off;
		ssize_t got = pread(p->fd, buf, left < SHA_CHUNK ?
			(size_t)left : SHA_CHUNK, (off_t)off);

		if (got <= 0)
			p->rc = got < 0 ? -errno : -EIO; /* shrank under us */
		else
			EVP_DigestUpdate(sha, buf, (size_t)got);
		off += got > 0 ? (uint64_t)got : 0;
	}
	if (p->rc == 0 && off == p->size) {
		EVP_DigestFinal_ex(sha, d, &dl);
		swift_hex(d, dl, p->hex);
	} else if (p->rc == 0) {
		p->rc = -ECANCELED;
	}
	EVP_MD_CTX_free(sha);
	free(buf);
	p->ms = mono_ms() - t0;
	return NULL;
}

static int sha_start(struct slo *u, uint64_t size)
{
	u->sha.fd = u->fd;
	u->sha.size = size;
	atomic_init(&u->sha.stop, false);
	if (pthread_create(&u->sha.t, NULL, sha_run, &u->sha) != 0)
		return swift_seterr(u->s, -EAGAIN, "swift: no thread for the "
			"SHA-256 of %s", u->object);
	u->sha.started = true;
	return 0;
}

/* Wait for the SHA-256 (stop it early when the upload failed). */
static int sha_join(struct slo *u, bool stop)
{
	const char *want = u->o != NULL ? u->o->sha256 : NULL;

	if (!u->sha.started)
		return 0;
	atomic_store(&u->sha.stop, stop);
	pthread_join(u->sha.t, NULL);
	u->sha.started = false;
	u->s->stats.sha_ms += u->sha.ms;
	if (stop)
		return 0;
	if (u->sha.rc != 0)
		return swift_seterr(u->s, u->sha.rc, "swift: reading %s: %s",
			u->object, strerror(-u->sha.rc));
	if (want != NULL && strcmp(want, u->sha.hex) != 0)
		return swift_seterr(u->s, -EBADMSG, "swift: %s: the file read "
			"sha256 %.16s..., not the verified %.16s... (changed on "
			"disk); no manifest written", u->object, u->sha.hex, want);
	return 0;
}

/* The MD5 of segment g's byte range: journaled by the caller, else read. */
static int seg_md5(struct slo *u, struct seg *g, bool *known)
{
	const struct tusk_swift_upload_opts *o = u->o;

	*known = o != NULL && o->seg_known != NULL &&
		o->seg_known(o->arg, u->segc, g->name, g->md5) == 1;
	if (*known)
		return 0;
	return swift_hash_range(u->s, u->fd, g->off, g->len, g->md5, NULL);
}

static int missing_segments(struct slo *u)
{
	for (unsigned i = 0; i < u->n; i++) {
		struct seg *g = &u->seg[i];
		char etag[64];
		uint64_t size;
		bool known;
		int rc = tusk_swift_head(u->s, u->segc, g->name, &size, etag);

		if (rc == -ENOENT)
			continue;
		if (rc != 0)
			return rc;
		if (size != g->len)
			continue;
		rc = seg_md5(u, g, &known);
		if (rc != 0)
			return swift_seterr(u->s, rc, "swift: reading %s: %s",
				u->object, strerror(-rc));
		g->present = strcasecmp(etag, g->md5) == 0;
		u->s->stats.segments_skipped += g->present;
		/* sent before the caller could note it (a crash): note it */
		if (g->present && !known && u->o != NULL &&
				u->o->seg_sent != NULL)
			u->o->seg_sent(u->o->arg, u->segc, g->name, g->md5);
	}
	return 0;
}

static int seg_start(struct slo *u, CURLM *m, struct seg *g)
{
	struct swift_req *r = &g->r;
	CURL *h = curl_easy_init();
	int rc;

	if (h == NULL)
		return -ENOMEM;
	if (r->method == NULL) {
		rc = swift_req_authed(u->s, r, "PUT", u->segc, g->name, NULL);
		r->fd = u->fd, r->off = g->off, r->len = g->len;
		if (rc == 0)
			rc = swift_req_hash(r, false);
		if (rc != 0) {
			curl_easy_cleanup(h);
			return rc;
		}
	}
	swift_req_setup(u->s, r, h);
	u->s->stats.object_puts++;
	curl_multi_add_handle(m, h);
	return 0;
}

/* A finished segment PUT: 0 done, 1 to send again, or -errno. */
static int seg_done(struct slo *u, struct seg *g, CURLcode cc, bool *renewed)
{
	struct tusk_swift *s = u->s;
	int rc = swift_req_outcome(s, &g->r, cc);

	/* sent with a token renewed since (by a sibling's 401): resend */
	if (rc == -EACCES && g->r.auth_gen != s->stats.auths)
		return 1;
	if (rc == -EACCES && !*renewed) {
		*renewed = true;
		return swift_auth_renew(s, true) == 0 ? 1 : -EACCES;
	}
	if (rc == 0 && g->r.status == 201) {
		swift_req_digests(&g->r, g->md5, NULL);
		if (strcasecmp(g->r.etag, g->md5) != 0) {
			/* Swift stored other bytes than were read: again */
			rc = swift_seterr(s, -EAGAIN, "swift: PUT %s: Swift's "
				"ETag %s is not the MD5 of the bytes sent (%s)",
				g->r.url, g->r.etag, g->md5);
		}
	}
	if (rc == -EAGAIN && g->tries++ < s->cfg.retries) {
		swift_sleep_ms(s->cfg.retry_delay_ms);
		return 1;
	}
	if (rc == -EAGAIN)
		return swift_seterr(s, -EHOSTUNREACH, "%.160s (gave up after "
			"%u tries)", s->err, g->tries);
	if (rc != 0)
		return rc;
	if (g->r.status != 201)
		return swift_seterr(s, -EIO, "swift: PUT %s: %ld %.80s",
			g->r.url, g->r.status, g->r.resp != NULL ? g->r.resp : "");
	s->stats.segments_sent++;
	s->stats.bytes_sent += g->len;
	if (u->o != NULL && u->o->seg_sent != NULL)
		u->o->seg_sent(u->o->arg, u->segc, g->name, g->md5);
	return 0;
}

static struct seg *seg_of(struct swift_req *r)
{
	return (struct seg *)((char *)r - offsetof(struct seg, r));
}

static int multi_reap(struct slo *u, CURLM *m, unsigned *active,
		bool *renewed)
{
	struct CURLMsg *msg;
	int left, rc = 0;

	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		struct swift_req *r;
		CURL *h = msg->easy_handle;
		int d;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&r);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		d = seg_done(u, seg_of(r), msg->data.result, renewed);
		curl_multi_remove_handle(m, h);
		curl_easy_cleanup(h);
		r->h = NULL;
		(*active)--;
		if (d == 1 && (d = seg_start(u, m, seg_of(r))) == 0)
			(*active)++;
		if (d != 0 && rc == 0)
			rc = d;
	}
	return rc;
}

static void multi_drop(struct slo *u, CURLM *m)
{
	for (unsigned i = 0; i < u->n; i++) {
		if (u->seg[i].r.h != NULL) {
			curl_multi_remove_handle(m, u->seg[i].r.h);
			curl_easy_cleanup(u->seg[i].r.h);
			u->seg[i].r.h = NULL;
		}
	}
	curl_multi_cleanup(m);
}

static int put_segments(struct slo *u)
{
	CURLM *m = curl_multi_init();
	unsigned active = 0, next = 0;
	bool renewed = false;
	int rc = 0, running;

	if (m == NULL)
		return -ENOMEM;
	while (rc == 0 && (active > 0 || next < u->n)) {
		while (rc == 0 && active < u->s->cfg.parallel && next < u->n) {
			struct seg *g = &u->seg[next++];

			if (g->present)
				continue;
			rc = seg_start(u, m, g);
			active += rc == 0;
		}
		if (rc != 0 || active == 0)
			break;
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 1000, NULL);
		curl_multi_perform(m, &running);
		rc = multi_reap(u, m, &active, &renewed);
	}
	multi_drop(u, m);
	return rc;
}

static int put_manifest(struct slo *u, const char *container,
		const char *sha256, struct tusk_swift_upload_result *res)
{
	json_t *list = json_array();
	struct swift_req r;
	char *text = NULL;
	int rc = list == NULL ? -ENOMEM : 0;

	for (unsigned i = 0; rc == 0 && i < u->n; i++) {
		char path[sizeof(u->segc) + TUSK_SWIFT_URL_MAX + 2];

		snprintf(path, sizeof(path), "/%s/%s", u->segc, u->seg[i].name);
		if (json_array_append_new(list, json_pack("{s:s,s:s,s:I}",
				"path", path, "etag", u->seg[i].md5, "size_bytes",
				(json_int_t)u->seg[i].len)) != 0)
			rc = -ENOMEM;
	}
	if (rc == 0 && (text = json_dumps(list, JSON_COMPACT)) == NULL)
		rc = -ENOMEM;
	json_decref(list);
	if (rc == 0)
		rc = swift_req_authed(u->s, &r, "PUT", container, u->object,
			"multipart-manifest=put");
	else
		swift_req_init(&r, "PUT");
	r.body = text;
	r.body_len = text != NULL ? strlen(text) : 0;
	if (rc == 0)
		rc = swift_req_header(&r, "X-Object-Meta-Sha256: %s", sha256);
	if (rc == 0)
		rc = tusk_swift_request(u->s, &r);
	if (rc == 0 && r.status != 201)
		rc = swift_seterr(u->s, -EIO, "swift: SLO manifest %s: %ld "
			"%.100s", r.url, r.status, r.resp != NULL ? r.resp : "");
	if (rc == 0)
		snprintf(res->etag, sizeof(res->etag), "%s", r.etag);
	swift_req_free(&r);
	free(text);
	return rc;
}

static int slo_plan(struct slo *u, uint64_t size)
{
	uint64_t segsz = u->s->cfg.segment_size;

	u->n = (unsigned)((size + segsz - 1) / segsz);
	if (u->n > TUSK_SWIFT_SLO_SEGMENTS_MAX)
		return swift_seterr(u->s, -EFBIG, "swift: %s: %u segments of "
			"%llu bytes, over Swift's %u: raise segment_size",
			u->object, u->n, (unsigned long long)segsz,
			TUSK_SWIFT_SLO_SEGMENTS_MAX);
	u->seg = calloc(u->n, sizeof(*u->seg));
	if (u->seg == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < u->n; i++) {
		struct seg *g = &u->seg[i];

		g->off = (uint64_t)i * segsz;
		g->len = size - g->off < segsz ? size - g->off : segsz;
		if (snprintf(g->name, sizeof(g->name), "%s/slo/%llu/%llu/%08u",
				u->object, (unsigned long long)size,
				(unsigned long long)segsz, i) >= (int)sizeof(g->name))
			return swift_seterr(u->s, -ENAMETOOLONG, "swift: %s: "
				"name too long", u->object);
	}
	return 0;
}

int tusk_swift_slo_upload(struct tusk_swift *s, const char *container,
		const char *object, int fd, uint64_t size,
		const struct tusk_swift_upload_opts *o,
		struct tusk_swift_upload_result *res)
{
	struct slo u = { .s = s, .o = o, .object = object, .fd = fd };
	int rc, joined;

	if (strlen(container) > CONTAINER_MAX)
		return swift_seterr(s, -ENAMETOOLONG, "swift: container name "
			"over %u bytes", CONTAINER_MAX);
	snprintf(u.segc, sizeof(u.segc), "%s" SEGMENTS_SUFFIX, container);
	rc = slo_plan(&u, size);
	if (rc == 0)
		rc = tusk_swift_container_ensure(s, u.segc);
	if (rc == 0)
		rc = sha_start(&u, size);
	if (rc == 0)
		rc = missing_segments(&u);
	if (rc == 0)
		rc = put_segments(&u);
	joined = sha_join(&u, rc != 0);
	if (rc == 0 && (rc = joined) == 0)
		snprintf(res->sha256, sizeof(res->sha256), "%s", u.sha.hex);
	if (rc == 0)
		rc = put_manifest(&u, container, res->sha256, res);
	if (rc == 0)
		res->segments = u.n;
	for (unsigned i = 0; u.seg != NULL && i < u.n; i++)
		swift_req_free(&u.seg[i].r);
	free(u.seg);
	return rc;
}
