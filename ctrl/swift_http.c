/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift_http: one HTTP request to Swift (or Keystone) over libcurl.
 *   tusk_swift_request() -> swift_req_setup() -> curl_easy_perform()
 *                        -> swift_req_outcome(): retry, renew, or report
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "swift_priv.h"

void swift_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int swift_seterr(struct tusk_swift *s, int err, const char *fmt, ...)
{
	char line[TUSK_SWIFT_ERROR_MAX];	/* s->err may be an argument */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(s->err, line, sizeof(line));
	return err;
}

void swift_req_init(struct swift_req *r, const char *method)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->fd = -1;
	r->out_fd = -1;
}

void swift_req_free(struct swift_req *r)
{
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->all_hdrs);
	free(r->resp);
	EVP_MD_CTX_free(r->md5);
	EVP_MD_CTX_free(r->sha);
	r->hdrs = r->all_hdrs = NULL;
	r->resp = NULL;
	r->md5 = r->sha = NULL;
}

int swift_req_header(struct swift_req *r, const char *fmt, ...)
{
	char line[TUSK_SWIFT_TOKEN_MAX + 64];
	struct curl_slist *n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = curl_slist_append(r->hdrs, line);
	if (n == NULL)
		return -ENOMEM;
	r->hdrs = n;
	return 0;
}

/* name percent-encoded (RFC 3986 section 2.3: unreserved characters stay,
 * and '/' with keep_slash) after what dst holds; -ENAMETOOLONG past cap. */
int swift_url_escape(char *dst, size_t cap, const char *name, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(dst);

	for (; *name != '\0'; name++) {
		unsigned char c = (unsigned char)*name;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || strchr("-._~", c) != NULL ||
			(keep_slash && c == '/');

		if (n + 4 >= cap)
			return -ENAMETOOLONG;
		if (plain) {
			dst[n++] = (char)c;
		} else {
			dst[n++] = '%';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	dst[n] = '\0';
	return 0;
}

int swift_req_url(struct tusk_swift *s, struct swift_req *r,
		const char *container, const char *object, const char *query)
{
	size_t cap = sizeof(r->url);
	int rc = 0;

	if (snprintf(r->url, cap, "%s/", s->storage_url) >= (int)cap)
		return -ENAMETOOLONG;
	if (container != NULL)
		rc = swift_url_escape(r->url, cap, container, false);
	if (rc == 0 && object != NULL) {
		strcat(r->url, "/");
		rc = swift_url_escape(r->url, cap, object, true);
	}
	if (rc == 0 && query != NULL) {
		if (strlen(r->url) + strlen(query) + 2 > cap)
			return -ENAMETOOLONG;
		strcat(r->url, "?");
		strcat(r->url, query);
	}
	return rc == 0 ? 0 : swift_seterr(s, rc, "swift: name too long");
}

int swift_req_authed(struct tusk_swift *s, struct swift_req *r,
		const char *method, const char *container, const char *object,
		const char *query)
{
	/* the storage URL comes with the token */
	int rc = s->token[0] != '\0' ? 0 : swift_auth_renew(s, false);

	swift_req_init(r, method);
	r->authed = true;
	return rc != 0 ? rc : swift_req_url(s, r, container, object, query);
}

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct swift_req *r = arg;
	size_t len = size * n, vlen;
	const char *colon = memchr(buf, ':', len), *v;
	char *dst = NULL;
	size_t cap = 0;

	if (colon == NULL)
		return len;
	v = colon + 1;
	while (v < buf + len && (*v == ' ' || *v == '\t'))
		v++;
	vlen = (size_t)(buf + len - v);
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
			v[vlen - 1] == ' '))
		vlen--;
#define IS(name) ((size_t)(colon - buf) == sizeof(name) - 1 && \
		strncasecmp(buf, name, sizeof(name) - 1) == 0)
	if (IS("etag")) {
		dst = r->etag, cap = sizeof(r->etag);
	} else if (IS("x-auth-token") || IS("x-subject-token")) {
		dst = r->token, cap = sizeof(r->token);
	} else if (IS("x-storage-url")) {
		dst = r->storage_url, cap = sizeof(r->storage_url);
	} else if (IS("x-object-meta-sha256")) {
		dst = r->meta_sha256, cap = sizeof(r->meta_sha256);
	} else if (IS("x-static-large-object")) {
		r->slo = vlen == 4 && strncasecmp(v, "true", 4) == 0;
	} else if (IS("content-length")) {
		r->length = strtoull(v, NULL, 10);
	} else if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* a new answer (after 100 Continue) */
		r->etag[0] = r->meta_sha256[0] = '\0';
		r->slo = false;
	}
#undef IS
	if (dst != NULL && vlen < cap) {
		memcpy(dst, v, vlen);
		dst[vlen] = '\0';
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct swift_req *r = arg;
	size_t len = size * n;
	char *grown;

	/* only a 2xx body goes to the output file: an error page never
	 * lands in the data */
	if (r->status == 0)
		curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->out_fd >= 0 && r->status / 100 == 2) {
		for (size_t done = 0; done < len;) {
			ssize_t w = pwrite(r->out_fd, buf + done, len - done,
					(off_t)r->out_off);
			if (w < 0) {
				r->out_err = errno;
				return 0;
			}
			done += (size_t)w;
			r->out_off += (uint64_t)w;
		}
		return len;
	}
	if (r->resp_len + len > SWIFT_RESP_MAX)
		return 0;
	grown = realloc(r->resp, r->resp_len + len + 1);
	if (grown == NULL)
		return 0;
	r->resp = grown;
	memcpy(r->resp + r->resp_len, buf, len);
	r->resp_len += len;
	r->resp[r->resp_len] = '\0';
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct swift_req *r = arg;
	size_t want = size * n;
	ssize_t got;

	if (r->fd < 0) {
		if (want > r->body_len - r->sent)
			want = r->body_len - r->sent;
		memcpy(buf, r->body + r->sent, want);
		r->sent += want;
		return want;
	}
	if (want > r->len - r->sent)
		want = (size_t)(r->len - r->sent);
	if (want == 0)
		return 0;
	got = pread(r->fd, buf, want, (off_t)(r->off + r->sent));
	if (got <= 0)
		return CURL_READFUNC_ABORT;	/* file shrank: fail, not pad */
	/* the bytes hashed are the bytes handed to curl, in one pass */
	if (r->md5 != NULL)
		EVP_DigestUpdate(r->md5, buf, (size_t)got);
	if (r->sha != NULL)
		EVP_DigestUpdate(r->sha, buf, (size_t)got);
	r->sent += (uint64_t)got;
	return (size_t)got;
}

int swift_req_setup(struct tusk_swift *s, struct swift_req *r, CURL *h)
{
	struct curl_slist *l = NULL;
	bool upload = r->fd >= 0 || r->body != NULL;
	uint64_t blen = r->fd >= 0 ? r->len : r->body_len;

	curl_slist_free_all(r->all_hdrs);
	for (struct curl_slist *i = r->hdrs; i != NULL; i = i->next)
		l = curl_slist_append(l, i->data);
	if (r->authed) {
		char line[TUSK_SWIFT_TOKEN_MAX + 16];

		snprintf(line, sizeof(line), "X-Auth-Token: %s", s->token);
		l = curl_slist_append(l, line);
	}
	l = curl_slist_append(l, "Expect:");	/* no 100-continue round trip */
	r->all_hdrs = l;
	r->sent = 0;
	/* a retried GET writes its range again from its start: a body cut
	 * off half-way must not shift the next attempt's bytes */
	r->out_off = r->out_start;
	if (r->md5 != NULL)
		EVP_DigestInit_ex(r->md5, EVP_md5(), NULL);
	if (r->sha != NULL)
		EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL);
	r->resp_len = 0;
	r->status = 0;
	r->h = h;
	r->auth_gen = s->stats.auths;
	r->etag[0] = '\0';
	r->curl_err[0] = '\0';
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_PRIVATE, r);
	/* a stalled transfer: under 1 byte/s for timeout_s */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, s->cfg.timeout_s);
	if (strcmp(r->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (upload) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, r);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)blen);
		if (s->cfg.max_send_bps > 0)
			curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE,
					(curl_off_t)s->cfg.max_send_bps);
	}
	s->stats.requests++;
	return 0;
}

static bool retryable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
		rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR ||
		rc == CURLE_RECV_ERROR || rc == CURLE_PARTIAL_FILE;
}

int swift_req_outcome(struct tusk_swift *s, struct swift_req *r, CURLcode rc)
{
	if (rc != CURLE_OK) {
		if (r->out_err != 0)
			return swift_seterr(s, -r->out_err, "swift: %s %s: "
				"writing the output: %s", r->method, r->url,
				strerror(r->out_err));
		swift_seterr(s, retryable(rc) ? -EAGAIN : -EIO,
			"swift: %s %s: %s", r->method, r->url,
			r->curl_err[0] != '\0' ? r->curl_err : curl_easy_strerror(rc));
		return retryable(rc) ? -EAGAIN : -EIO;
	}
	if (r->status == 401 && r->authed)
		return swift_seterr(s, -EACCES, "swift: %s %s: 401 "
			"Unauthorized", r->method, r->url);
	if (r->status >= 500)
		return swift_seterr(s, -EAGAIN, "swift: %s %s: %ld from the "
			"server", r->method, r->url, r->status);
	return 0;
}

static int attempt(struct tusk_swift *s, struct swift_req *r, CURL *h)
{
	CURLcode rc;

	swift_req_setup(s, r, h);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	return swift_req_outcome(s, r, rc);
}

int tusk_swift_request(struct tusk_swift *s, struct swift_req *r)
{
	CURL *h = curl_easy_init();
	bool renewed = false;
	unsigned tries = 0;
	int rc;

	if (h == NULL)
		return swift_seterr(s, -ENOMEM, "swift: curl_easy_init failed");
	if (r->authed && s->token[0] == '\0' &&
			(rc = swift_auth_renew(s, false)) != 0)
		goto out;
	for (;;) {
		rc = attempt(s, r, h);
		if (rc == -EACCES && !renewed) {
			renewed = true;
			rc = swift_auth_renew(s, true);
			if (rc != 0)
				break;
			continue;
		}
		if (rc != -EAGAIN || tries++ >= s->cfg.retries)
			break;
		swift_sleep_ms(s->cfg.retry_delay_ms);
	}
	if (rc == -EAGAIN)
		swift_seterr(s, -EHOSTUNREACH, "%.160s (gave up after %u tries)",
			s->err, tries);
	if (rc == -EAGAIN)
		rc = -EHOSTUNREACH;
out:
	curl_easy_cleanup(h);
	return rc;
}
