/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 head formatting (RFC 9112 3-4): the heads tusk sends, into a
 * caller's buffer, with the reason phrases of RFC 9110 15.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_msg.h"

/* Product token (RFC 9110 10.1.5 Server, 10.1.5 User-Agent). */
#define TUSK_HTTP_PRODUCT "tusk/0.1"
/* snprintf scratch for a date: 7 ints of up to 11 chars and the names */
#define DATE_TMP_LEN 96

struct fmt {
	char *buf;
	size_t len, off;
	bool full;
};

static void __attribute__((format(printf, 2, 3)))
put(struct fmt *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (f->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->buf + f->off, f->len - f->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= f->len - f->off)
		f->full = true;
	else
		f->off += (size_t)n;
}

static int
fmt_end(struct fmt *f)
{
	put(f, "\r\n");
	return f->full ? -ENOSPC : (int)f->off;
}

const char *
tusk_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 207: return "Multi-Status";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	default: return "";
	}
}

const char *
tusk_http_method_name(enum tusk_http_method m)
{
	switch (m) {
	case TUSK_HTTP_GET: return "GET";
	case TUSK_HTTP_HEAD: return "HEAD";
	case TUSK_HTTP_PUT: return "PUT";
	case TUSK_HTTP_PROPFIND: return "PROPFIND";
	default: return "OTHER";
	}
}

void
tusk_http_date_format(int64_t secs, char out[TUSK_HTTP_DATE_LEN])
{
	/* RFC 9110 5.6.7: names are fixed English, never the locale's */
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
					   "Jun", "Jul", "Aug", "Sep", "Oct",
					   "Nov", "Dec" };
	/* room for any int the compiler imagines; years past 9999 are cut */
	char tmp[DATE_TMP_LEN];
	time_t t = (time_t)secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 wday[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(out, tmp, TUSK_HTTP_DATE_LEN - 1);
	out[TUSK_HTTP_DATE_LEN - 1] = '\0';
}

/* Content-Length is forbidden for 1xx and 204 (RFC 9110 8.6). */
static bool
status_has_length(int status)
{
	return status >= 200 && status != 204;
}

static void
resp_validators(struct fmt *f, const struct tusk_http_resp_info *r)
{
	char date[TUSK_HTTP_DATE_LEN];
	char dig[TUSK_HTTP_DIGEST_STRLEN];

	if (r->etag != NULL)
		put(f, "ETag: %s\r\n", r->etag);
	if (r->last_modified != 0) {
		tusk_http_date_format(r->last_modified, date);
		put(f, "Last-Modified: %s\r\n", date);
	}
	if (r->digest != NULL) {
		tusk_http_digest_format(dig, sizeof(dig), r->digest);
		put(f, "Repr-Digest: %s\r\n", dig);
	}
}

int
tusk_http_resp_head(char *buf, size_t len, const struct tusk_http_resp_info *r)
{
	struct fmt f = { buf, len, 0, false };
	char date[TUSK_HTTP_DATE_LEN];

	if (r->status < 100 || r->status > 599)
		return -EINVAL;
	put(&f, "HTTP/1.1 %d %s\r\n", r->status, tusk_http_reason(r->status));
	if (r->status < 200)
		return fmt_end(&f); /* 100 Continue: nothing else */
	if (r->date != 0) {
		tusk_http_date_format(r->date, date);
		put(&f, "Date: %s\r\n", date);
	}
	put(&f, "Server: " TUSK_HTTP_PRODUCT "\r\n");
	if (r->allow != NULL)
		put(&f, "Allow: %s\r\n", r->allow);
	if (r->location != NULL)
		put(&f, "Location: %s\r\n", r->location);
	if (r->www_authenticate != NULL)
		put(&f, "WWW-Authenticate: %s\r\n", r->www_authenticate);
	if (r->retry_after != 0)
		put(&f, "Retry-After: %u\r\n", (unsigned int)r->retry_after);
	if (r->accept_ranges)
		put(&f, "Accept-Ranges: bytes\r\n");
	if (r->content_range)
		put(&f, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64
		    "\r\n", r->range_first, r->range_last, r->size);
	else if (r->range_unsatisfied)
		put(&f, "Content-Range: bytes */%" PRIu64 "\r\n", r->size);
	resp_validators(&f, r);
	if (r->content_type != NULL)
		put(&f, "Content-Type: %s\r\n", r->content_type);
	else if (r->content_length > 0)
		put(&f, "Content-Type: application/octet-stream\r\n");
	if (status_has_length(r->status))
		put(&f, "Content-Length: %" PRIu64 "\r\n", r->content_length);
	if (r->close)
		put(&f, "Connection: close\r\n");
	return fmt_end(&f);
}

int
tusk_http_req_head(char *buf, size_t len, const struct tusk_http_req_info *r)
{
	struct fmt f = { buf, len, 0, false };
	char dig[TUSK_HTTP_DIGEST_STRLEN];

	if (r->method == TUSK_HTTP_OTHER || r->target == NULL ||
	    r->target[0] != '/' || r->host == NULL)
		return -EINVAL;
	put(&f, "%s %s HTTP/1.1\r\nHost: %s\r\n",
	    tusk_http_method_name(r->method), r->target, r->host);
	put(&f, "User-Agent: " TUSK_HTTP_PRODUCT "\r\n");
	if (r->has_range && r->range_open)
		put(&f, "Range: bytes=%" PRIu64 "-\r\n", r->range_first);
	else if (r->has_range)
		put(&f, "Range: bytes=%" PRIu64 "-%" PRIu64 "\r\n",
		    r->range_first, r->range_last);
	if (r->if_range != NULL)
		put(&f, "If-Range: %s\r\n", r->if_range);
	if (r->has_content_length)
		put(&f, "Content-Length: %" PRIu64 "\r\n", r->content_length);
	if (r->digest != NULL) {
		tusk_http_digest_format(dig, sizeof(dig), r->digest);
		put(&f, "Repr-Digest: %s\r\n", dig);
	}
	if (r->bearer != NULL)
		put(&f, "Authorization: Bearer %s\r\n", r->bearer);
	if (r->close)
		put(&f, "Connection: close\r\n");
	return fmt_end(&f);
}
