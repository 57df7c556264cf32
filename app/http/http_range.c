/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte ranges (RFC 9110 14.1.2): ranges-specifier = "bytes=" range-spec,
 * one range-spec only (see http_range.h for why several are ignored).
 *
 *   int-range    = first-pos "-" [ last-pos ]
 *   suffix-range = "-" suffix-length
 */
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

#include "http_range.h"

/* Digits of UINT64_MAX: longer positions overflow and are ignored. */
#define POS_DIGITS_MAX 19

/* Parse 1*DIGIT at *p (bounded by end) into *v; false if none or over
 * POS_DIGITS_MAX digits. */
static bool
parse_pos(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (*p - s >= POS_DIGITS_MAX)
			return false;
		x = x * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	*v = x;
	return *p > s;
}

static void
skip_ows(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

void
tusk_http_range_parse(const char *val, size_t len, struct tusk_http_range *r)
{
	const char *p = val, *end = val + len;
	uint64_t a = 0, b = 0;
	bool has_a, has_b;

	r->kind = TUSK_HTTP_RANGE_IGNORED;
	r->first = r->last = 0;
	/* range-unit is case-insensitive (RFC 9110 14.1) */
	if (len < 6 || strncasecmp(p, "bytes", 5) != 0)
		return;
	p += 5;
	skip_ows(&p, end);
	if (p == end || *p++ != '=')
		return;
	skip_ows(&p, end);
	has_a = parse_pos(&p, end, &a);
	if (p == end || *p++ != '-')
		return;
	has_b = parse_pos(&p, end, &b);
	skip_ows(&p, end);
	/* anything left (",", a second range, junk) -> ignored */
	if (p != end)
		return;
	if (has_a && has_b) {
		if (b < a)
			return; /* invalid range-spec, RFC 9110 14.1.1 */
		r->kind = TUSK_HTTP_RANGE_SPAN;
		r->first = a;
		r->last = b;
	} else if (has_a) {
		r->kind = TUSK_HTTP_RANGE_FROM;
		r->first = a;
	} else if (has_b) {
		r->kind = TUSK_HTTP_RANGE_SUFFIX;
		r->first = b;
	}
}

int
tusk_http_range_resolve(const struct tusk_http_range *r, uint64_t size,
			uint64_t *off, uint64_t *len)
{
	*off = 0;
	*len = size;
	switch (r->kind) {
	case TUSK_HTTP_RANGE_SPAN:
	case TUSK_HTTP_RANGE_FROM:
		/* satisfiable iff first-pos < length (RFC 9110 14.1.1) */
		if (r->first >= size)
			return 416;
		*off = r->first;
		/* a last-pos past the end means "to the end" (14.1.2) */
		if (r->kind == TUSK_HTTP_RANGE_SPAN && r->last < size - 1)
			*len = r->last - r->first + 1;
		else
			*len = size - r->first;
		return 206;
	case TUSK_HTTP_RANGE_SUFFIX:
		if (r->first == 0)
			return 416; /* "-0": a zero suffix is unsatisfiable */
		/* An empty representation has no byte to send in a 206
		 * (Content-Range cannot say "bytes 0--1/0"): send it whole. */
		if (size == 0)
			return 200;
		if (r->first < size)
			*off = size - r->first;
		*len = size - *off;
		return 206;
	default:
		return 200;
	}
}
