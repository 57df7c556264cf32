/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One call of Marathon's REST API v2 over libcurl (easy interface, one
 * handle per call: calls are rare, a few per job per poll interval).
 *
 *   tusk_marathon_http() -> auth_header() -> curl_easy_perform()
 *                        -> json_loadb() of the answer
 *
 * Every call is bounded by the section's timeout_ms (connect at most
 * MARATHON_HTTP_CONNECT_MS): ctrld's loop calls the launcher directly, so a
 * Marathon that does not answer costs one bounded wait per poll, never a
 * hang. Auth: HTTP basic (user/password, as Marathon's
 * --http_credentials) or "Authorization: Bearer <token>" read from
 * token_file at each call (a token renewed on disk is picked up).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "launch_marathon.h"

struct body {
	char *p;
	size_t n;
	bool too_big;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	char *np;

	if (b->n + n > MARATHON_BODY_MAX) {
		b->too_big = true;
		return 0;	/* curl aborts the transfer */
	}
	np = realloc(b->p, b->n + n + 1);
	if (np == NULL)
		return 0;
	memcpy(np + b->n, ptr, n);
	b->p = np;
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

/* The bearer token: the file's first line. */
static int
token_read(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fgets(out, (int)len, f) == NULL)
		rc = -ENODATA;
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return rc < 0 ? rc : (out[0] == '\0' ? -ENODATA : 0);
}

static int
auth_header(CURL *h, const struct marathon_conf *c, struct curl_slist **hdrs,
	    char *err, size_t errlen)
{
	char tok[4096], line[4200];
	int rc;

	if (c->user[0] != '\0') {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
		return 0;
	}
	if (c->token_file[0] == '\0')
		return 0;
	rc = token_read(c->token_file, tok, sizeof(tok));
	if (rc < 0) {
		snprintf(err, errlen, "token_file %s: %s", c->token_file,
			 rc == -ENODATA ? "empty" : strerror(-rc));
		return rc;
	}
	snprintf(line, sizeof(line), "Authorization: Bearer %s", tok);
	*hdrs = curl_slist_append(*hdrs, line);
	return 0;
}

static CURL *
handle_new(const struct marathon_conf *c, const char *method, const char *url,
	   struct body *b)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)MARATHON_HTTP_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	return h;
}

int
tusk_marathon_http(const struct marathon_conf *c, const char *method,
		   const char *path, const json_t *body, long *code,
		   json_t **out, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	struct body b = { 0 };
	char url[2048], *payload = NULL;
	CURLcode cc;
	CURL *h;
	int rc = 0;

	*out = NULL;
	snprintf(url, sizeof(url), "%s%s", c->url, path);
	h = handle_new(c, method, url, &b);
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = auth_header(h, c, &hdrs, err, errlen);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (rc == 0 && body != NULL) {
		payload = json_dumps(body, JSON_COMPACT);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload ?: "");
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (rc == 0) {
		cc = curl_easy_perform(h);
		if (cc != CURLE_OK) {
			snprintf(err, errlen, "Marathon %s %s: %s", method, c->url,
				 b.too_big ? "answer too large" : curl_easy_strerror(cc));
			rc = cc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EHOSTUNREACH;
		}
	}
	if (rc == 0) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
		if (b.n > 0)
			*out = json_loadb(b.p, b.n, 0, NULL);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(payload);
	free(b.p);
	return rc;
}

/* Marathon's error body (apps.raml, error.raml): {"message", "details":
 * [{"path", "errors": [...]}]}; the first detail is the useful one. */
void
tusk_marathon_http_reason(long code, const json_t *body, char *out, size_t len)
{
	const char *msg = json_string_value(json_object_get(body, "message"));
	json_t *d = json_array_get(json_object_get(body, "details"), 0);
	const char *path = json_string_value(json_object_get(d, "path"));
	const char *e = json_string_value(json_array_get(json_object_get(d,
							 "errors"), 0));

	if (path != NULL && e != NULL)
		snprintf(out, len, "Marathon HTTP %ld: %s: %s: %s", code,
			 msg ?: "error", path, e);
	else
		snprintf(out, len, "Marathon HTTP %ld: %s", code,
			 msg ?: "no message");
}
