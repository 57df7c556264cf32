/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dav_list: PROPFIND Depth 1.
 *
 *   tusk_dav_list() -> propfind() (libcurl; the bearer token if any)
 *     -> tusk_dav_parse() -> each DAV:response: href, resourcetype
 *        -> absolute()
 *     -> with a token: tusk_dav_foreign() (no file on another origin)
 *
 * The token is a credential: it appears in no reason written to why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "dav_list.h"

static const char PROPFIND_BODY[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<D:propfind xmlns:D=\"DAV:\"><D:prop>"
	"<D:resourcetype/><D:getcontentlength/>"
	"</D:prop></D:propfind>\n";

struct body {
	char *buf;
	size_t len;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *nb;

	if (b->len + add > TUSK_DAV_BODY_MAX)
		return 0; /* libcurl fails the transfer: CURLE_WRITE_ERROR */
	nb = realloc(b->buf, b->len + add + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + b->len, p, add);
	b->buf = nb;
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

/* "Authorization: Bearer <token>" */
#define AUTHZ_PREFIX "Authorization: Bearer "

static int
propfind(const char *url, const char *token, struct body *b, char *why,
	 size_t len)
{
	char authz[sizeof(AUTHZ_PREFIX) + TUSK_DAV_TOKEN_MAX];
	struct curl_slist *h = NULL;
	CURL *c;
	CURLcode rc;
	long status = 0;

	if (token != NULL && strlen(token) > TUSK_DAV_TOKEN_MAX) {
		snprintf(why, len, "PROPFIND %.200s: the source_token is "
			 "longer than %d bytes", url, TUSK_DAV_TOKEN_MAX);
		return -EINVAL;
	}
	c = curl_easy_init();
	if (c == NULL)
		return -ENOMEM;
	h = curl_slist_append(h, "Depth: 1");
	h = curl_slist_append(h, "Content-Type: application/xml");
	if (token != NULL) {
		snprintf(authz, sizeof(authz), AUTHZ_PREFIX "%s", token);
		h = curl_slist_append(h, authz);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PROPFIND");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, PROPFIND_BODY);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TUSK_DAV_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	explicit_bzero(authz, sizeof(authz));
	if (rc != CURLE_OK) {
		snprintf(why, len, "PROPFIND %.200s: %s", url,
			 curl_easy_strerror(rc));
		return -EAGAIN;
	}
	if (status >= 500) {
		snprintf(why, len, "PROPFIND %.200s: HTTP %ld", url, status);
		return -EAGAIN;
	}
	if (status != 207) {
		snprintf(why, len, "PROPFIND %.200s: HTTP %ld (not a WebDAV "
			 "collection?)", url, status);
		return -EIO;
	}
	return 0;
}

/* scheme://host[:port] of url, its length. */
static size_t
origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	return (size_t)(p + strcspn(p, "/") - url);
}

/* href (absolute path or URL) as an absolute URL. */
static char *
absolute(const char *url, const char *href)
{
	char *out = NULL;

	if (strstr(href, "://") != NULL)
		return strdup(href);
	if (asprintf(&out, "%.*s%s", (int)origin_len(url), url, href) < 0)
		return NULL;
	return out;
}

/* Same resource: trailing '/' and the origin aside. */
static bool
same_path(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

static int
add_response(xmlXPathContextPtr x, xmlNodePtr resp, const char *url,
	     json_t *files)
{
	xmlXPathObjectPtr href, coll;
	char *abs = NULL;
	int rc = 0;

	x->node = resp;
	href = xmlXPathEvalExpression(BAD_CAST "string(D:href)", x);
	coll = xmlXPathEvalExpression(BAD_CAST
		"count(D:propstat/D:prop/D:resourcetype/D:collection)", x);
	if (href == NULL || coll == NULL || href->stringval == NULL)
		rc = -EPROTO;
	else if (coll->floatval == 0)
		abs = absolute(url, (const char *)href->stringval);
	if (abs != NULL && !same_path(abs, url))
		rc = json_array_append_new(files, json_string(abs));
	free(abs);
	xmlXPathFreeObject(href);
	xmlXPathFreeObject(coll);
	return rc;
}

int
tusk_dav_parse(const char *url, const char *body, size_t blen,
	       json_t **files, char *why, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(body, (int)blen, "propfind.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR |
				      XML_PARSE_NOWARNING);
	xmlXPathContextPtr x = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr r = NULL;
	int i, rc = 0;

	why[0] = '\0';
	*files = json_array();
	if (x != NULL && xmlXPathRegisterNs(x, BAD_CAST "D",
					    BAD_CAST "DAV:") == 0)
		r = xmlXPathEvalExpression(BAD_CAST
					   "/D:multistatus/D:response", x);
	if (r == NULL || r->nodesetval == NULL) {
		snprintf(why, len, "PROPFIND %.200s: the answer is not a "
			 "DAV:multistatus document", url);
		rc = -EPROTO;
	}
	for (i = 0; rc == 0 && i < r->nodesetval->nodeNr; i++)
		rc = add_response(x, r->nodesetval->nodeTab[i], url, *files);
	if (rc < 0 && why[0] == '\0')
		snprintf(why, len, "PROPFIND %.200s: a response without an "
			 "href", url);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	if (rc < 0) {
		json_decref(*files);
		*files = NULL;
	}
	return rc;
}

const char *
tusk_dav_foreign(const char *url, const json_t *files)
{
	size_t n = origin_len(url), i;
	const char *f;

	for (i = 0; i < json_array_size(files); i++) {
		f = json_string_value(json_array_get(files, i));
		if (f == NULL || origin_len(f) != n ||
		    strncasecmp(f, url, n) != 0)
			return f != NULL ? f : "(not a string)";
	}
	return NULL;
}

int
tusk_dav_list(const char *url, const char *token, json_t **files,
	      char *why, size_t len)
{
	struct body b = { 0 };
	const char *f;
	int rc;

	why[0] = '\0';
	*files = NULL;
	rc = propfind(url, token, &b, why, len);
	if (rc == 0)
		rc = tusk_dav_parse(url, b.buf ? b.buf : "", b.len, files, why,
				    len);
	free(b.buf);
	if (rc == 0 && token != NULL &&
	    (f = tusk_dav_foreign(url, *files)) != NULL) {
		snprintf(why, len, "PROPFIND %.200s lists %.200s, on another "
			 "origin: the source_token is not sent there", url, f);
		json_decref(*files);
		*files = NULL;
		rc = -EIO;
	}
	return rc;
}
