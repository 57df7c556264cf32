/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 head parsing (RFC 9112 2-6); formatting is in http_msg_fmt.c.
 *
 *   tusk_http_req_parse()  -> head_find() -> req_line()
 *                          -> each field: field_split() -> req_field()
 *                          -> req_finish() (framing and Host rules)
 *   tusk_http_resp_parse() -> head_find() -> status_line()
 *                          -> each field: field_split() -> resp_field()
 *
 * head_find() runs first over the whole head so that nothing is parsed
 * twice when bytes arrive a few at a time: until the blank line is there
 * the answer is just "need more" (or 431 past TUSK_HTTP_HEAD_MAX).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_msg.h"

/* Digits of a Content-Length / Content-Range position we accept: 18
 * cannot overflow uint64_t, and 10^18 bytes is an exabyte. */
#define LEN_DIGITS_MAX 18

struct head_cur {
	const char *p, *end;
};

/*
 * Find the end of the head in buf[0, len): skip leading blank lines
 * (RFC 9112 2.2), then look for an empty line. *start is where the
 * start line begins. Returns the head length, 0 (need more), -400 (a CR
 * not followed by LF, RFC 9112 2.2) or -431.
 */
static int
head_find(const char *buf, size_t len, size_t *start)
{
	size_t lim = len < TUSK_HTTP_HEAD_MAX ? len : TUSK_HTTP_HEAD_MAX;
	size_t i = 0;
	bool line_empty = true, leading = true;

	for (; i < lim; i++) {
		char c = buf[i];

		if (c == '\r') {
			if (i + 1 == lim)
				break;
			if (buf[i + 1] != '\n')
				return -400;
			continue;
		}
		if (c != '\n') {
			if (leading)
				*start = i;
			line_empty = leading = false;
			continue;
		}
		if (line_empty && !leading)
			return (int)i + 1;
		line_empty = true;
	}
	return len >= TUSK_HTTP_HEAD_MAX ? -431 : 0;
}

/* The next line of a complete head, without its CRLF/LF. */
static void
next_line(struct head_cur *c, const char **ls, const char **le)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	*ls = c->p;
	*le = nl > c->p && nl[-1] == '\r' ? nl - 1 : nl;
	c->p = nl + 1;
}

static bool
is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static bool
is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 5).
 * No whitespace before the colon (5.1), no obs-fold (5.2), value bytes
 * VCHAR / obs-text / SP / HTAB only (RFC 9110 5.5: NUL and other controls
 * are refused). Value returned trimmed.
 */
static int
field_split(const char *ls, const char *le, const char **name, size_t *nlen,
	    const char **val, size_t *vlen)
{
	const char *p = ls, *v, *ve;

	while (p < le && is_tchar(*p))
		p++;
	if (p == ls || p == le || *p != ':')
		return -400;
	*name = ls;
	*nlen = (size_t)(p - ls);
	for (v = p + 1; v < le && is_ows(*v); v++)
		;
	for (ve = le; ve > v && is_ows(ve[-1]); ve--)
		;
	for (p = v; p < ve; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return -400;
	}
	*val = v;
	*vlen = (size_t)(ve - v);
	return 0;
}

typedef int (*start_line_fn)(const char *ls, const char *le, void *st);
typedef int (*field_fn)(void *st, const char *name, size_t nlen,
			const char *v, size_t n);

/* Walk the lines of a complete head [p, end): the start line, then each
 * field line until the blank one. Returns 0 or the first -status. */
static int
head_lines(const char *p, const char *end, start_line_fn start_line,
	   field_fn field, void *st)
{
	struct head_cur c = { p, end };
	const char *ls, *le, *name, *v;
	size_t nlen, n;
	int rc;

	next_line(&c, &ls, &le);
	rc = start_line(ls, le, st);
	while (rc == 0) {
		next_line(&c, &ls, &le);
		if (ls == le)
			break;
		if (ls[0] == ' ' || ls[0] == '\t')
			return -400; /* obs-fold, RFC 9112 5.2 */
		rc = field_split(ls, le, &name, &nlen, &v, &n);
		if (rc == 0)
			rc = field(st, name, nlen, v, n);
	}
	return rc;
}

static bool
name_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

/* 1*DIGIT, whole value. */
static int
parse_u64(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > LEN_DIGITS_MAX)
		return -400;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -400;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

/* Walk a #list (RFC 9110 5.6.1): calls fn for each non-empty element,
 * trimmed; stops at the first negative return. */
static int
list_each(const char *v, size_t n,
	  int (*fn)(const char *e, size_t en, void *arg), void *arg)
{
	const char *p = v, *end = v + n, *e, *ee;
	int rc;

	while (p < end) {
		e = memchr(p, ',', (size_t)(end - p));
		if (e == NULL)
			e = end;
		ee = e;
		while (p < ee && is_ows(*p))
			p++;
		while (ee > p && is_ows(ee[-1]))
			ee--;
		if (ee > p && (rc = fn(p, (size_t)(ee - p), arg)) < 0)
			return rc;
		p = e + 1;
	}
	return 0;
}

/* Connection options (RFC 9110 7.6.1). */
struct conn_opts {
	bool close, keep_alive;
};

static int
conn_elem(const char *e, size_t n, void *arg)
{
	struct conn_opts *o = arg;

	if (name_is(e, n, "close"))
		o->close = true;
	else if (name_is(e, n, "keep-alive"))
		o->keep_alive = true;
	return 0;
}

/* Transfer codings (RFC 9112 6.1): only chunked, once, and last. */
struct te_state {
	int codings;
	bool chunked;   /* the last coding seen is chunked */
	bool unknown;
	bool twice;
};

static int
te_elem(const char *e, size_t n, void *arg)
{
	struct te_state *t = arg;

	t->codings++;
	if (name_is(e, n, "chunked")) {
		if (t->chunked)
			t->twice = true;
		t->chunked = true;
		return 0;
	}
	/* any coding after chunked, or one we do not decode */
	t->unknown = true;
	t->chunked = false;
	return 0;
}

static int
accept_ranges_elem(const char *e, size_t n, void *arg)
{
	if (name_is(e, n, "bytes"))
		*(bool *)arg = true;
	return 0;
}

/* Copy a value, or leave "" when it does not fit (a cut validator would
 * compare wrong; callers treat "" as absent). */
static void
copy_value(char *dst, size_t dlen, const char *v, size_t n)
{
	if (n >= dlen)
		n = 0;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3).
 * Returns TUSK_HTTP_10 / _11 (a higher 1.x counts as 1.1), -505 for
 * another major, -400 for anything else. */
static int
parse_version(const char *v, size_t n)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1')
		return -505;
	return v[7] == '0' ? TUSK_HTTP_10 : TUSK_HTTP_11;
}

/* ---- requests ---- */

struct req_state {
	struct tusk_http_req *req;
	const char *base;          /* the buffer parsed: authz_off from it */
	int n_host, n_cl, n_range, n_depth, n_authz;
	bool has_te;
	struct te_state te;
	struct conn_opts conn;
};

static void
req_method(struct tusk_http_req *req, const char *m, size_t n)
{
	static const char *const names[] = {
		"GET", "HEAD", "PUT", "PROPFIND",
	};
	unsigned int i;

	copy_value(req->method_text, sizeof(req->method_text), m, n);
	if (req->method_text[0] == '\0')
		memcpy(req->method_text, "?", 2); /* too long to keep */
	req->method = TUSK_HTTP_OTHER;
	/* methods are case-sensitive (RFC 9110 9.1) */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(m, names[i], n) == 0)
			req->method = (enum tusk_http_method)i;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
static int
req_line(const char *ls, const char *le, struct tusk_http_req *req)
{
	const char *p = ls, *t, *te;
	int v;

	while (p < le && is_tchar(*p))
		p++;
	if (p == ls || p == le || *p != ' ')
		return -400;
	req_method(req, ls, (size_t)(p - ls));
	t = ++p;
	while (p < le && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
		p++;
	te = p;
	if (te == t || p == le || *p != ' ')
		return -400;
	if ((size_t)(te - t) >= sizeof(req->target))
		return -414;
	memcpy(req->target, t, (size_t)(te - t));
	req->target[te - t] = '\0';
	v = parse_version(p + 1, (size_t)(le - p - 1));
	if (v < 0)
		return v;
	req->version = v;
	return 0;
}

static bool
host_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(is_tchar(v[i]) || strchr(":[]", v[i]) != NULL) ||
		    v[i] == '\0')
			return false;
	return n < TUSK_HTTP_HOST_MAX;
}

static int
req_field_framing(struct req_state *s, const char *name, size_t nlen,
		  const char *v, size_t n)
{
	struct tusk_http_req *req = s->req;

	if (name_is(name, nlen, "content-length")) {
		/* a second line or a list: refused (RFC 9112 6.3 item 5) */
		if (s->n_cl++ > 0 || parse_u64(v, n, &req->content_length))
			return -400;
		req->has_content_length = true;
		return 1;
	}
	if (name_is(name, nlen, "transfer-encoding")) {
		s->has_te = true;
		list_each(v, n, te_elem, &s->te);
		return 1;
	}
	if (name_is(name, nlen, "expect")) {
		/* RFC 9110 10.1.1: anything but 100-continue may get 417 */
		if (!name_is(v, n, "100-continue"))
			return -417;
		req->expect_continue = true;
		return 1;
	}
	return 0;
}

/* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
 * *"=" (RFC 6750 2.1). */
bool
tusk_http_is_b64token(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n && (isalnum((unsigned char)v[i]) ||
			 strchr("-._~+/", v[i]) != NULL) && v[i] != '\0')
		i++;
	if (i == 0)
		return false;
	while (i < n && v[i] == '=')
		i++;
	return i == n;
}

/* Authorization: Bearer <b64token>; the scheme is case-insensitive
 * (RFC 9110 11.1). One field only: two credentials are ambiguous. */
static void
authz_value(struct req_state *s, const char *v, size_t n)
{
	struct tusk_http_req *req = s->req;
	size_t sp = 6;

	if (s->n_authz++ > 0 || n <= sp + 1 || !name_is(v, sp, "bearer") ||
	    v[sp] != ' ') {
		req->authz_bad = true;
		return;
	}
	while (sp < n && v[sp] == ' ')
		sp++;
	if (!tusk_http_is_b64token(v + sp, n - sp)) {
		req->authz_bad = true;
		return;
	}
	req->authz_off = (uint32_t)(v + sp - s->base);
	req->authz_len = (uint32_t)(n - sp);
}

/* Depth = "0" | "1" | "infinity" (RFC 4918 10.2; tokens compare
 * case-insensitively, RFC 9110 5.5). */
static enum tusk_http_depth
depth_value(const char *v, size_t n)
{
	if (n == 1 && v[0] == '0')
		return TUSK_HTTP_DEPTH_0;
	if (n == 1 && v[0] == '1')
		return TUSK_HTTP_DEPTH_1;
	if (name_is(v, n, "infinity"))
		return TUSK_HTTP_DEPTH_INFINITY;
	return TUSK_HTTP_DEPTH_BAD;
}

static int
req_field(struct req_state *s, const char *name, size_t nlen,
	  const char *v, size_t n)
{
	struct tusk_http_req *req = s->req;
	int rc = req_field_framing(s, name, nlen, v, n);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (name_is(name, nlen, "host")) {
		/* RFC 9112 3.2: one Host, valid, or 400 */
		if (s->n_host++ > 0 || !host_ok(v, n))
			return -400;
		memcpy(req->host, v, n);
		req->host[n] = '\0';
	} else if (name_is(name, nlen, "connection")) {
		list_each(v, n, conn_elem, &s->conn);
	} else if (name_is(name, nlen, "range")) {
		if (s->n_range++ == 0)
			tusk_http_range_parse(v, n, &req->range);
		else
			req->range.kind = TUSK_HTTP_RANGE_IGNORED;
	} else if (name_is(name, nlen, "if-range")) {
		copy_value(req->if_range, sizeof(req->if_range), v, n);
		if (req->if_range[0] == '\0')
			memcpy(req->if_range, "\"\"", 3); /* never matches */
	} else if (name_is(name, nlen, "depth")) {
		req->depth = s->n_depth++ > 0 ? TUSK_HTTP_DEPTH_BAD :
			     depth_value(v, n);
	} else if (name_is(name, nlen, "repr-digest")) {
		rc = tusk_http_digest_parse(v, n, req->digest);
		if (rc < 0)
			return -400;
		req->has_digest |= rc > 0;
	} else if (name_is(name, nlen, "authorization")) {
		authz_value(s, v, n);
	}
	return 0;
}

/* Message framing and persistence once every field is in. */
static int
req_finish(struct req_state *s)
{
	struct tusk_http_req *req = s->req;

	if (req->version == TUSK_HTTP_11 && s->n_host == 0)
		return -400; /* RFC 9112 3.2 */
	if (s->has_te) {
		/* RFC 9112 6.1: Transfer-Encoding in 1.0 is faulty framing;
		 * 6.3: with Content-Length it is a smuggling attempt */
		if (req->version == TUSK_HTTP_10 || req->has_content_length ||
		    s->te.twice || s->te.codings == 0)
			return -400;
		if (s->te.unknown || !s->te.chunked)
			return -501;
		req->chunked = true;
	}
	if (req->version == TUSK_HTTP_11)
		req->keep_alive = !s->conn.close;
	else
		req->keep_alive = s->conn.keep_alive && !s->conn.close;
	return 0;
}

static int
req_line_cb(const char *ls, const char *le, void *st)
{
	return req_line(ls, le, ((struct req_state *)st)->req);
}

static int
req_field_cb(void *st, const char *name, size_t nlen, const char *v,
	     size_t n)
{
	return req_field(st, name, nlen, v, n);
}

int
tusk_http_req_parse(const char *buf, size_t len, struct tusk_http_req *req)
{
	struct req_state s;
	size_t start = 0;
	int hlen, rc;

	hlen = head_find(buf, len, &start);
	if (hlen <= 0)
		return hlen;
	memset(req, 0, sizeof(*req));
	memset(&s, 0, sizeof(s));
	s.req = req;
	s.base = buf;
	rc = head_lines(buf + start, buf + hlen, req_line_cb, req_field_cb,
			&s);
	if (rc == 0)
		rc = req_finish(&s);
	return rc < 0 ? rc : hlen;
}

/* ---- responses ---- */

struct resp_state {
	struct tusk_http_resp *resp;
	bool has_te;
	struct te_state te;
	struct conn_opts conn;
};

/* status-line = HTTP-version SP status-code SP [ reason-phrase ]; a
 * missing SP after the code is tolerated (RFC 9112 4). */
static int
status_line(const char *ls, const char *le, struct tusk_http_resp *resp)
{
	const char *p = ls;
	int v;

	if (le - ls < 12 || ls[8] != ' ')
		return -400;
	v = parse_version(ls, 8);
	if (v < 0)
		return v;
	resp->version = v;
	p = ls + 9;
	if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || (p + 3 < le && p[3] != ' '))
		return -400;
	resp->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return 0;
}

/* "bytes first-last/size", "bytes * /size", size may be "*" (RFC 9110
 * 14.4). */
static int
content_range(const char *v, size_t n, struct tusk_http_resp *resp)
{
	const char *p, *end = v + n, *dash, *slash;

	if (n < 6 || strncasecmp(v, "bytes ", 6) != 0)
		return -400;
	p = v + 6;
	slash = memchr(p, '/', (size_t)(end - p));
	if (slash == NULL)
		return -400;
	if (end - slash == 2 && slash[1] == '*')
		resp->range_size = UINT64_MAX;
	else if (parse_u64(slash + 1, (size_t)(end - slash - 1),
			   &resp->range_size) < 0)
		return -400;
	if (slash - p == 1 && *p == '*') {
		resp->range_unsatisfied = true;
	} else {
		dash = memchr(p, '-', (size_t)(slash - p));
		if (dash == NULL ||
		    parse_u64(p, (size_t)(dash - p), &resp->range_first) < 0 ||
		    parse_u64(dash + 1, (size_t)(slash - dash - 1),
			      &resp->range_last) < 0 ||
		    resp->range_last < resp->range_first ||
		    (resp->range_size != UINT64_MAX &&
		     resp->range_last >= resp->range_size))
			return -400;
	}
	resp->has_content_range = true;
	return 0;
}

static int
resp_content_length(struct tusk_http_resp *resp, const char *v, size_t n)
{
	uint64_t cl;

	if (parse_u64(v, n, &cl) < 0)
		return -400;
	/* the same value repeated is harmless; different ones are not */
	if (resp->has_content_length && resp->content_length != cl)
		return -400;
	resp->has_content_length = true;
	resp->content_length = cl;
	return 0;
}

static int
resp_field(struct resp_state *s, const char *name, size_t nlen,
	   const char *v, size_t n)
{
	struct tusk_http_resp *resp = s->resp;
	int rc = 0;

	if (name_is(name, nlen, "content-length"))
		rc = resp_content_length(resp, v, n);
	else if (name_is(name, nlen, "transfer-encoding")) {
		s->has_te = true;
		list_each(v, n, te_elem, &s->te);
	} else if (name_is(name, nlen, "connection"))
		list_each(v, n, conn_elem, &s->conn);
	else if (name_is(name, nlen, "content-range"))
		rc = content_range(v, n, resp);
	else if (name_is(name, nlen, "accept-ranges"))
		list_each(v, n, accept_ranges_elem, &resp->accept_ranges);
	else if (name_is(name, nlen, "etag"))
		copy_value(resp->etag, sizeof(resp->etag), v, n);
	else if (name_is(name, nlen, "last-modified"))
		copy_value(resp->last_modified, sizeof(resp->last_modified),
			   v, n);
	else if (name_is(name, nlen, "location"))
		copy_value(resp->location, sizeof(resp->location), v, n);
	else if (name_is(name, nlen, "repr-digest")) {
		rc = tusk_http_digest_parse(v, n, resp->digest);
		if (rc > 0)
			resp->has_digest = true;
		rc = rc < 0 ? -400 : 0;
	}
	return rc;
}

static int
resp_finish(struct resp_state *s)
{
	struct tusk_http_resp *resp = s->resp;

	if (s->has_te) {
		/* a body we cannot delimit (RFC 9112 6.3 items 3-4) */
		if (!s->te.chunked || s->te.twice || s->te.unknown)
			return -400;
		resp->chunked = true;
		resp->has_content_length = false; /* TE overrides (6.3) */
	}
	if (resp->version == TUSK_HTTP_11)
		resp->keep_alive = !s->conn.close;
	else
		resp->keep_alive = s->conn.keep_alive && !s->conn.close;
	return 0;
}

static int
status_line_cb(const char *ls, const char *le, void *st)
{
	return status_line(ls, le, ((struct resp_state *)st)->resp);
}

static int
resp_field_cb(void *st, const char *name, size_t nlen, const char *v,
	      size_t n)
{
	return resp_field(st, name, nlen, v, n);
}

int
tusk_http_resp_parse(const char *buf, size_t len,
		     struct tusk_http_resp *resp)
{
	struct resp_state s;
	size_t start = 0;
	int hlen, rc;

	hlen = head_find(buf, len, &start);
	if (hlen <= 0)
		return hlen;
	memset(resp, 0, sizeof(*resp));
	memset(&s, 0, sizeof(s));
	s.resp = resp;
	rc = head_lines(buf + start, buf + hlen, status_line_cb,
			resp_field_cb, &s);
	if (rc == 0)
		rc = resp_finish(&s);
	return rc < 0 ? rc : hlen;
}
