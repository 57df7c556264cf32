/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request target -> path under the root (see http_path.h for the rules).
 *
 * tusk_http_path_from_target() -> skip_authority() -> one segment at a
 * time: seg_decode() percent-decodes, seg_judge() accepts, drops or
 * refuses it, and accepted segments are appended with one '/' between.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "http_path.h"

/* A segment can be no longer than the path it is part of. */
#define SEG_MAX TUSK_HTTP_PATH_MAX

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Where the path of an absolute-form target starts ("http://h/p" -> "/p";
 * "http://h" -> ""), or NULL if target is neither form we accept. */
static const char *
skip_authority(const char *t)
{
	const char *p;

	if (t[0] == '/')
		return t;
	/* scheme "://" (RFC 9112 3.2.2; the scheme itself is not checked:
	 * an absolute-form target for another scheme still names a path) */
	p = strstr(t, "://");
	if (p == NULL || p == t)
		return NULL;
	for (const char *s = t; s < p; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '-' ||
		      *s == '.'))
			return NULL;
	p += 3;
	while (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		p++;
	return p;
}

/* Decode segment [s, e) into seg; returns its length or a -status. */
static int
seg_decode(const char *s, const char *e, char *seg)
{
	size_t n = 0;
	int hi, lo;
	unsigned char ch;

	for (; s < e; s++) {
		ch = (unsigned char)*s;
		if (ch == '%') {
			if (e - s < 3 || (hi = hex_value(s[1])) < 0 ||
			    (lo = hex_value(s[2])) < 0)
				return -400; /* bad escape */
			ch = (unsigned char)(hi << 4 | lo);
			s += 2;
			if (ch == '/')
				return -400; /* %2f: see http_path.h */
		}
		/* NUL and controls never name a file we serve */
		if (ch < 0x20 || ch == 0x7f)
			return -400;
		if (n + 1 >= SEG_MAX)
			return -414;
		seg[n++] = (char)ch;
	}
	seg[n] = '\0';
	return (int)n;
}

/* 1: keep, 0: drop ("" and "."), -403 for "..". */
static int
seg_judge(const char *seg, int n)
{
	if (n == 0 || strcmp(seg, ".") == 0)
		return 0;
	if (strcmp(seg, "..") == 0)
		return -403;
	return 1;
}

int
tusk_http_path_from_target(const char *target, char *out, size_t outlen)
{
	char seg[SEG_MAX];
	const char *p, *e;
	size_t o = 0;
	int n, r;

	p = skip_authority(target);
	if (p == NULL)
		return -400;
	if (outlen == 0)
		return -414;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0' || *p == '?' || *p == '#')
			break;
		for (e = p; *e != '\0' && *e != '/' && *e != '?' && *e != '#';
		     e++)
			;
		n = seg_decode(p, e, seg);
		if (n < 0)
			return n;
		r = seg_judge(seg, n);
		if (r < 0)
			return r;
		if (r > 0) {
			if (o + (o > 0) + (size_t)n + 1 > outlen)
				return -414;
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, seg, (size_t)n);
			o += (size_t)n;
		}
		p = e;
	}
	out[o] = '\0';
	return 0;
}
