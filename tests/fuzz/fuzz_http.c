/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzing the HTTP library (app/http/) with bytes from the network: the
 * request and response head parsers, the target -> path decoder, Range,
 * Repr-Digest, base64 and URLs. Aborts when an invariant breaks:
 *   - a parse result is need-more (0), a -status, or a head length within
 *     the input and TUSK_HTTP_HEAD_MAX; every prefix of a head that
 *     parses is "need more" (the answer does not depend on how the bytes
 *     were cut into segments);
 *   - a decoded path has no "", "." or ".." segment, no leading or
 *     trailing '/', no NUL or control byte (what the root opens);
 *   - a resolved range lies inside the file;
 *   - base64 that decodes encodes back to the same text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http_digest.h"
#include "http_msg.h"
#include "http_path.h"
#include "http_range.h"
#include "http_url.h"

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz_http: %s:%d: %s\n", __FILE__,   \
				__LINE__, #cond);                             \
			abort();                                              \
		}                                                             \
	} while (0)

/* Prefixes of a parsed head re-parsed: a few cut points per input. */
#define PREFIX_CUTS 4

static void
check_path(const char *target)
{
	static char out[TUSK_HTTP_PATH_MAX];
	size_t n, i;
	const char *seg;
	int rc = tusk_http_path_from_target(target, out, sizeof(out));

	CHECK(rc == 0 || rc == -400 || rc == -403 || rc == -414);
	if (rc != 0)
		return;
	n = strlen(out);
	CHECK(n < sizeof(out));
	if (n == 0)
		return;
	CHECK(out[0] != '/' && out[n - 1] != '/');
	for (i = 0; i < n; i++)
		CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
	for (seg = out; seg != NULL;) {
		const char *e = strchr(seg, '/');
		size_t len = e != NULL ? (size_t)(e - seg) : strlen(seg);

		CHECK(len > 0);
		CHECK(!(len == 1 && seg[0] == '.'));
		CHECK(!(len == 2 && seg[0] == '.' && seg[1] == '.'));
		seg = e != NULL ? e + 1 : NULL;
	}
}

static void
check_range(const struct tusk_http_range *r, uint64_t size)
{
	uint64_t off, len;
	int st = tusk_http_range_resolve(r, size, &off, &len);

	CHECK(st == 200 || st == 206 || st == 416);
	if (st == 206) {
		CHECK(len > 0 && off < size && len <= size - off);
	} else if (st == 200) {
		CHECK(off == 0 && len == size);
	}
}

static void
fuzz_req(const char *buf, size_t size)
{
	struct tusk_http_req req;
	int rc = tusk_http_req_parse(buf, size, &req);

	CHECK(rc <= (int)size && rc <= (int)TUSK_HTTP_HEAD_MAX);
	CHECK(rc >= 0 || rc == -400 || rc == -414 || rc == -417 ||
	      rc == -431 || rc == -501 || rc == -505);
	if (rc <= 0)
		return;
	CHECK(strlen(req.target) < sizeof(req.target));
	CHECK(req.version == TUSK_HTTP_10 || req.version == TUSK_HTTP_11);
	CHECK(!(req.chunked && req.has_content_length));
	for (int k = 1; k <= PREFIX_CUTS; k++) {
		struct tusk_http_req r2;

		CHECK(tusk_http_req_parse(buf, (size_t)rc * k /
					  (PREFIX_CUTS + 1), &r2) == 0);
	}
	check_path(req.target);
	check_range(&req.range, size);
	check_range(&req.range, 0);
	check_range(&req.range, UINT64_MAX);
}

static void
fuzz_resp(const char *buf, size_t size)
{
	struct tusk_http_resp resp;
	int rc = tusk_http_resp_parse(buf, size, &resp);

	CHECK(rc <= (int)size && rc <= (int)TUSK_HTTP_HEAD_MAX);
	CHECK(rc >= 0 || rc == -400 || rc == -431 || rc == -505);
	if (rc <= 0)
		return;
	CHECK(resp.status >= 100 && resp.status <= 599);
	if (resp.has_content_range && !resp.range_unsatisfied)
		CHECK(resp.range_first <= resp.range_last);
}

/* RFC 3230 and RFC 9530 digest fields: parsed values write back and
 * parse again to the same; preferences pick a named algorithm. */
static void
fuzz_digests(const char *buf, size_t size)
{
	struct tusk_digests d = { 0 }, again = { 0 };
	struct tusk_http_want w = { 0 };
	char text[TUSK_HTTP_DIGESTS_STRLEN];
	int rc, a;

	for (int f = TUSK_HTTP_REPR_DIGEST; f <= TUSK_HTTP_LEGACY_DIGEST; f++) {
		rc = f == TUSK_HTTP_REPR_DIGEST ?
		     tusk_http_repr_digest_parse(buf, size, &d) :
		     tusk_http_legacy_digest_parse(buf, size, &d);
		CHECK(rc == 0 || rc == -EINVAL);
		if (rc < 0 || d.have == 0)
			continue;
		rc = tusk_http_digests_format(text, sizeof(text), &d, d.have, f);
		CHECK(rc > 0);
		rc = f == TUSK_HTTP_REPR_DIGEST ?
		     tusk_http_repr_digest_parse(text, (size_t)rc, &again) :
		     tusk_http_legacy_digest_parse(text, (size_t)rc, &again);
		CHECK(rc == 0 && again.have == d.have);
		for (a = 0; a < TUSK_DIGEST_ALGS; a++)
			if (d.have & TUSK_DIGEST_BIT(a))
				CHECK(memcmp(d.v[a], again.v[a],
					     tusk_digest_len(a)) == 0);
	}
	tusk_http_want_digest_parse(buf, size, &w);
	tusk_http_want_repr_parse(buf, size, &w);
	a = tusk_http_want_pick(&w, TUSK_DIGEST_ALL);
	CHECK(a == -1 || (a >= 0 && a < TUSK_DIGEST_ALGS &&
			  (w.named & TUSK_DIGEST_BIT(a)) && w.weight[a] > 0));
}

static void
fuzz_fields(const char *buf, size_t size)
{
	static char text[TUSK_HTTP_URL_MAX + 1];
	uint8_t sha[TUSK_HTTP_SHA256_LEN], bin[TUSK_HTTP_URL_MAX];
	struct tusk_http_range r;
	struct tusk_http_url u;
	size_t n = size < TUSK_HTTP_URL_MAX ? size : TUSK_HTTP_URL_MAX;
	int rc;

	rc = tusk_http_digest_parse(buf, size, sha);
	CHECK(rc == 1 || rc == 0 || rc == -EINVAL);
	fuzz_digests(buf, size);
	tusk_http_range_parse(buf, size, &r);
	check_range(&r, size);
	rc = tusk_http_base64_decode(buf, n, bin, sizeof(bin));
	if (rc >= 0) {
		CHECK(tusk_http_base64_encode(bin, (size_t)rc, text,
					      sizeof(text)) == (int)n);
		CHECK(memcmp(text, buf, n) == 0);
	}
	memcpy(text, buf, n);
	text[n] = '\0';
	rc = tusk_http_url_parse(text, &u);
	if (rc == 0) {
		CHECK(u.host[0] != '\0' && u.port != 0 && u.target[0] == '/');
		check_path(u.target);
	}
	check_path(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	fuzz_req(buf, size);
	fuzz_resp(buf, size);
	fuzz_fields(buf, size);
	return 0;
}
