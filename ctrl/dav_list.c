/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dav_list: PROPFIND Depth 1.
 *
 *   tusk_dav_list() -> propfind() (libcurl) -> tusk_dav_parse()
 *     -> each DAV:response: href, resourcetype -> absolute()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int
propfind(const char *url, struct body *b, char *why, size_t len)
{
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;
	long status = 0;

	if (c == NULL)
		return -ENOMEM;
	h = curl_slist_append(h, "Depth: 1");
	h = curl_slist_append(h, "Content-Type: application/xml");
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

int
tusk_dav_list(const char *url, json_t **files, char *why, size_t len)
{
	struct body b = { 0 };
	int rc;

	why[0] = '\0';
	rc = propfind(url, &b, why, len);
	if (rc == 0)
		rc = tusk_dav_parse(url, b.buf ? b.buf : "", b.len, files, why,
				    len);
	free(b.buf);
	return rc;
}
