/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_archive: where a run's result goes, as pScheduler's archivers
 * take it (archive spec: archiver, data; pstask.md). One archiver here,
 * `http` (pscheduler-archiver-http): data {_url, op post|put, _headers,
 * timeout, verify-ssl, retry-policy [{attempts, wait}]}; the body is the
 * run's record (pstask_run.c), Content-Type application/json; any 2xx is
 * success. Runs on a worker thread (libcurl, blocking).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "pstask_iso.h"
#include "pstask_priv.h"

/* pScheduler's http archiver default timeout (PT30S). */
#define ARCHIVE_TIMEOUT_DEFAULT_S 30.0
/* Attempts in all a retry policy may ask for: a run's archiving must
 * end while the next runs wait on the same worker. */
#define ARCHIVE_ATTEMPTS_MAX 10
#define ARCHIVE_WAIT_MAX_S 60.0

static int
check_data(json_t *d, char *err, size_t errlen)
{
	static const char *const ops[] = { "post", "put" };
	const char *url = json_string_value(json_object_get(d, "_url"));
	const char *op = json_string_value(json_object_get(d, "op"));
	json_t *t = json_object_get(d, "timeout");
	json_t *h = json_object_get(d, "_headers"), *v;
	const char *k;

	if (url == NULL || (strncmp(url, "http://", 7) != 0 &&
			    strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "archives: data._url: an http(s) URL");
		return -1;
	}
	if (op != NULL && strcmp(op, ops[0]) != 0 && strcmp(op, ops[1]) != 0) {
		snprintf(err, errlen, "archives: data.op: post or put");
		return -1;
	}
	if (t != NULL && tusk_iso_duration(json_string_value(t)) <= 0) {
		snprintf(err, errlen, "archives: data.timeout: an ISO 8601 "
			 "duration");
		return -1;
	}
	json_object_foreach(h, k, v)
		if (!json_is_string(v)) {
			snprintf(err, errlen, "archives: data._headers.%s: a "
				 "string", k);
			return -1;
		}
	return 0;
}

int
pstask_archive_check(json_t *archives, char *err, size_t errlen)
{
	json_t *a;
	size_t i;

	if (!json_is_array(archives)) {
		snprintf(err, errlen, "archives: an array");
		return -1;
	}
	json_array_foreach(archives, i, a) {
		const char *name = json_string_value(json_object_get(
						a, "archiver"));

		if (name == NULL || strcmp(name, "http") != 0) {
			snprintf(err, errlen, "archives[%zu].archiver: only "
				 "\"http\" is supported", i);
			return -1;
		}
		if (json_object_get(a, "transform") != NULL) {
			snprintf(err, errlen, "archives[%zu].transform: jq "
				 "transforms are not supported", i);
			return -1;
		}
		if (check_data(json_object_get(a, "data"), err, errlen) < 0)
			return -1;
	}
	return 0;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* One attempt: 0 on a 2xx. */
static int
http_once(json_t *d, const char *body, char *err, size_t errlen)
{
	const char *op = json_string_value(json_object_get(d, "op"));
	double t = tusk_iso_duration(json_string_value(json_object_get(
						d, "timeout")));
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: "
						   "application/json");
	CURL *c = curl_easy_init();
	long code = 0;
	const char *k;
	json_t *v;
	CURLcode rc;

	json_object_foreach(json_object_get(d, "_headers"), k, v) {
		char line[1024];

		snprintf(line, sizeof(line), "%s: %s", k, json_string_value(v));
		hdr = curl_slist_append(hdr, line);
	}
	curl_easy_setopt(c, CURLOPT_URL, json_string_value(json_object_get(
							d, "_url")));
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, op && !strcmp(op, "put") ?
			 "PUT" : "POST");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)((t > 0 ? t :
				ARCHIVE_TIMEOUT_DEFAULT_S) * 1000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	/* verify-ssl: pScheduler's default is false */
	if (!json_is_true(json_object_get(d, "verify-ssl"))) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "http archiver: %s", curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		snprintf(err, errlen, "http archiver: HTTP %ld", code);
	return rc == CURLE_OK && code >= 200 && code <= 299 ? 0 : -1;
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) *
						 1e9) };

	nanosleep(&ts, NULL);
}

/* The retry policy's attempts (after the first) and their waits. */
static int
http_archive(json_t *d, const char *body, char *err, size_t errlen)
{
	json_t *p;
	size_t i;
	int tries = 1;

	if (http_once(d, body, err, errlen) == 0)
		return 0;
	json_array_foreach(json_object_get(d, "retry-policy"), i, p) {
		double wait = tusk_iso_duration(json_string_value(
				json_object_get(p, "wait")));
		json_int_t n = json_integer_value(json_object_get(p,
								  "attempts"));

		for (; n > 0 && tries < ARCHIVE_ATTEMPTS_MAX; n--, tries++) {
			sleep_s(wait > 0 ? (wait < ARCHIVE_WAIT_MAX_S ? wait :
					      ARCHIVE_WAIT_MAX_S) :
				0);
			if (http_once(d, body, err, errlen) == 0)
				return 0;
		}
	}
	return -1;
}

int
pstask_archive(json_t *archives, json_t *body, char *err, size_t errlen)
{
	char *txt = json_dumps(body, JSON_COMPACT);
	int rc = 0;
	json_t *a;
	size_t i;

	if (txt == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(archives, i, a) {
		char why[PSTASK_REASON_MAX];

		if (http_archive(json_object_get(a, "data"), txt, why,
				 sizeof(why)) < 0 && rc == 0) {
			snprintf(err, errlen, "archives[%zu]: %s", i, why);
			rc = -1;
		}
	}
	free(txt);
	return rc;
}
