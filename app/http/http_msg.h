/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 message heads (RFC 9112): incremental parsing of request and
 * response heads, and formatting of the heads tusk sends. No I/O, no
 * clock: the caller hands in bytes and, for Date/Last-Modified, seconds.
 *
 * Parsing is strict where leniency has been the root of request
 * smuggling (RFC 9112 11.2): a bare CR, obs-fold, whitespace before the
 * colon, a repeated or listed Content-Length, Transfer-Encoding together
 * with Content-Length are all 400. A bare LF is accepted as a line end
 * (RFC 9112 2.2 allows it; `nc` sends them).
 *
 * Parse results are returned as a negative HTTP status so that a server
 * can answer with it directly: -400, -414 (target too long), -417
 * (Expect other than 100-continue), -431 (head over TUSK_HTTP_HEAD_MAX),
 * -501 (transfer coding other than chunked), -505 (major version not 1).
 */
#ifndef TUSK_HTTP_MSG_H
#define TUSK_HTTP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_digest.h"
#include "http_range.h"

/* Largest head (request/status line + fields + blank line). RFC 9110 5.4
 * leaves the limit to the server; 16 KiB holds any head curl, davix or a
 * browser sends, and bounds the per-connection copy buffer. Over it: 431
 * (RFC 6585 5). */
#define TUSK_HTTP_HEAD_MAX 16384u
/* Request target: RFC 9112 3 asks for at least 8000 octets. Over: 414. */
#define TUSK_HTTP_TARGET_MAX 8192u
/* Host value: a DNS name is at most 253 chars, plus ":65535". */
#define TUSK_HTTP_HOST_MAX 262u
/* Method text kept for logs and 405s (the longest registered is 17). */
#define TUSK_HTTP_METHOD_MAX 24u
/* Entity tags and HTTP-dates we keep (ours are < 64). A longer one from
 * a foreign server is dropped (kept as "", absent): a cut validator
 * would compare wrong. */
#define TUSK_HTTP_VALIDATOR_MAX 128u
/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", plus NUL. */
#define TUSK_HTTP_DATE_LEN 30u

enum tusk_http_method {
	TUSK_HTTP_GET = 0,
	TUSK_HTTP_HEAD,
	TUSK_HTTP_PUT,
	TUSK_HTTP_PROPFIND, /* WebDAV (RFC 4918 9.1) */
	TUSK_HTTP_OTHER, /* any other token: the server answers 405 */
};

/* Depth (RFC 4918 10.2), read on every request, used by PROPFIND. */
enum tusk_http_depth {
	TUSK_HTTP_DEPTH_NONE = 0,   /* absent: PROPFIND takes it as infinity */
	TUSK_HTTP_DEPTH_0,
	TUSK_HTTP_DEPTH_1,
	TUSK_HTTP_DEPTH_INFINITY,
	TUSK_HTTP_DEPTH_BAD,        /* another value, or more than one */
};

/* HTTP-version as 10 * major + minor; a higher 1.x is handled as 1.1
 * (RFC 9110 2.5). */
#define TUSK_HTTP_10 10
#define TUSK_HTTP_11 11

struct tusk_http_req {
	enum tusk_http_method method;
	char method_text[TUSK_HTTP_METHOD_MAX];
	char target[TUSK_HTTP_TARGET_MAX];  /* as sent, NUL terminated */
	char host[TUSK_HTTP_HOST_MAX];      /* "" when absent (1.0) */
	int version;                        /* TUSK_HTTP_10 / TUSK_HTTP_11 */
	/* Persistence (RFC 9112 9.3): 1.1 unless "Connection: close",
	 * 1.0 only with "Connection: keep-alive". */
	bool keep_alive;
	bool has_content_length;
	uint64_t content_length;
	bool chunked;              /* Transfer-Encoding: chunked */
	bool expect_continue;      /* Expect: 100-continue */
	struct tusk_http_range range;
	char if_range[TUSK_HTTP_VALIDATOR_MAX]; /* "" when absent */
	bool has_digest;           /* Repr-Digest with sha-256 */
	uint8_t digest[TUSK_HTTP_SHA256_LEN];
	enum tusk_http_depth depth;
	/* Authorization: Bearer (RFC 6750 2.1): the b64token's place in the
	 * parsed buffer (offset, length; 0: absent). Kept as a place, not a
	 * copy: a token is up to 8 kB and the head buffer holds it until
	 * the request is dispatched. authz_bad: a second Authorization
	 * field, another scheme, or a value that is no b64token. */
	uint32_t authz_off, authz_len;
	bool authz_bad;
};

/*
 * Parse the request head at the start of buf[0, len). Returns the head's
 * length (through the blank line; leading blank lines, RFC 9112 2.2,
 * are counted in it) when complete, 0 when more bytes are needed (and
 * len < TUSK_HTTP_HEAD_MAX), or a negative status (see the top). *req is
 * filled only on success.
 */
int tusk_http_req_parse(const char *buf, size_t len,
			struct tusk_http_req *req);

struct tusk_http_resp {
	int version;
	int status;                /* 100..599 */
	bool keep_alive;
	bool has_content_length;
	uint64_t content_length;
	bool chunked;
	/* Content-Range (RFC 9110 14.4): "bytes first-last/size" or, with
	 * 416, "bytes * /size" (range_unsatisfied). size is UINT64_MAX
	 * for "/ *" (unknown). */
	bool has_content_range;
	bool range_unsatisfied;
	uint64_t range_first, range_last, range_size;
	bool accept_ranges;        /* Accept-Ranges lists "bytes" */
	char etag[TUSK_HTTP_VALIDATOR_MAX];          /* "" when absent */
	char last_modified[TUSK_HTTP_VALIDATOR_MAX]; /* "" when absent */
	bool has_digest;
	uint8_t digest[TUSK_HTTP_SHA256_LEN];
	char location[TUSK_HTTP_TARGET_MAX];         /* "" when absent */
};

/*
 * Parse a response head (for the client). Returns the head length, 0
 * when more bytes are needed, -400 for a malformed head (also: a
 * Content-Range or Repr-Digest that does not parse, conflicting
 * Content-Length), -431 over TUSK_HTTP_HEAD_MAX, -505 for another
 * major version. 1xx heads parse like any other (the caller skips them).
 */
int tusk_http_resp_parse(const char *buf, size_t len,
			 struct tusk_http_resp *resp);

/* What a response head says; zero-initialise and fill what applies. */
struct tusk_http_resp_info {
	int status;
	/* Content-Length: sent unless the status forbids it (1xx, 204,
	 * RFC 9110 8.6); for HEAD it is the length a GET would send. */
	uint64_t content_length;
	bool content_range;        /* 206: range_first-range_last/size */
	bool range_unsatisfied;    /* 416: bytes * /size */
	uint64_t range_first, range_last, size;
	bool accept_ranges;        /* "Accept-Ranges: bytes" */
	const uint8_t *digest;     /* Repr-Digest sha-256, or NULL */
	const char *etag;          /* quoted entity tag, or NULL */
	int64_t last_modified;     /* Unix seconds; 0: omitted */
	int64_t date;              /* Unix seconds; 0: no Date (no clock) */
	const char *allow;         /* 405: "GET, HEAD, PUT"; NULL: omitted */
	const char *content_type;  /* NULL: application/octet-stream if a
				    * body is described, else omitted */
	const char *location;      /* 201: the new resource, or NULL */
	uint32_t retry_after;      /* 503: seconds (RFC 9110 10.2.3); 0: none */
	const char *www_authenticate; /* 401/403: the challenge, or NULL */
	bool close;                /* "Connection: close" */
};

/* Write a status line and fields, ending with the blank line. Returns
 * the length written (no NUL counted) or -ENOSPC / -EINVAL (status out
 * of 100..599). */
int tusk_http_resp_head(char *buf, size_t len,
			const struct tusk_http_resp_info *r);

/* What a request head says (for the client). */
struct tusk_http_req_info {
	enum tusk_http_method method;  /* GET, HEAD or PUT */
	const char *target;            /* origin-form, "/path?query" */
	const char *host;              /* Host value, "host[:port]" */
	/* Range: bytes=range_first-range_last when has_range; with
	 * range_open "bytes=range_first-" */
	bool has_range;
	bool range_open;
	uint64_t range_first, range_last;
	const char *if_range;          /* validator or NULL */
	bool has_content_length;       /* PUT */
	uint64_t content_length;
	const uint8_t *digest;         /* Repr-Digest sha-256, or NULL */
	const char *bearer;            /* Authorization: Bearer, or NULL */
	bool close;                    /* "Connection: close" */
};

/* Write a request line and fields, ending with the blank line (User-Agent
 * tusk/<version>). Returns the length or -ENOSPC / -EINVAL. */
int tusk_http_req_head(char *buf, size_t len,
		       const struct tusk_http_req_info *r);

/* Is v (n bytes) a b64token (RFC 6750 2.1), what a bearer token is made
 * of: no blank, no CR or LF, nothing a head could be split with? */
bool tusk_http_is_b64token(const char *v, size_t n);

/* Reason phrase for a status ("Partial Content"); "" if unknown. */
const char *tusk_http_reason(int status);

/* Method name ("GET"); "OTHER" for TUSK_HTTP_OTHER. */
const char *tusk_http_method_name(enum tusk_http_method m);

/* IMF-fixdate (RFC 9110 5.6.7) of Unix seconds into out. */
void tusk_http_date_format(int64_t secs, char out[TUSK_HTTP_DATE_LEN]);

#endif /* TUSK_HTTP_MSG_H */
