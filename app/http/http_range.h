/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte ranges (RFC 9110 section 14): one range per request.
 *
 * Only a single byte-range-spec is served. A Range with several ranges
 * (multipart/byteranges, RFC 9110 14.6) is ignored and the whole
 * representation is sent with 200: RFC 9110 14.2 lets a server ignore
 * Range, and a DTN's clients (curl, davix, the fetch client) ask for one
 * span per request. A Range header that does not parse, or names another
 * unit, is ignored the same way (RFC 9110 14.2: "MAY ignore"). So a client
 * only ever sees 200, 206 or 416.
 */
#ifndef TUSK_HTTP_RANGE_H
#define TUSK_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>

enum tusk_http_range_kind {
	TUSK_HTTP_RANGE_NONE = 0, /* no Range header */
	TUSK_HTTP_RANGE_SPAN,     /* "bytes=first-last" */
	TUSK_HTTP_RANGE_FROM,     /* "bytes=first-" (to the end) */
	TUSK_HTTP_RANGE_SUFFIX,   /* "bytes=-n" (the last n bytes) */
	TUSK_HTTP_RANGE_IGNORED,  /* several ranges, bad syntax, other unit */
};

struct tusk_http_range {
	enum tusk_http_range_kind kind;
	uint64_t first; /* SPAN, FROM; SUFFIX: the suffix length n */
	uint64_t last;  /* SPAN only, inclusive */
};

/*
 * Parse a Range field value (OWS already trimmed). Never fails: what is
 * not one valid byte range comes back as TUSK_HTTP_RANGE_IGNORED, and
 * "bytes=5-3" (last < first, invalid per RFC 9110 14.1.1) too.
 */
void tusk_http_range_parse(const char *val, size_t len,
			   struct tusk_http_range *r);

/*
 * Resolve a range against a representation of `size` bytes for GET.
 * Returns 200 (send everything: no or ignored range, or a suffix range of
 * an empty file), 206 (send [*off, *off + *len)), or 416 (unsatisfiable:
 * first >= size, or "-0"; answer with "Content-Range: bytes * /size").
 * *off and *len are set for 200 too (0, size).
 */
int tusk_http_range_resolve(const struct tusk_http_range *r, uint64_t size,
			    uint64_t *off, uint64_t *len);

#endif /* TUSK_HTTP_RANGE_H */
