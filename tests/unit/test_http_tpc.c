/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP third-party copy wire text (app/http/http_tpc.c) and the field
 * lookups COPY and MOVE read their headers with (http_msg.c): markers as
 * davix parses them, the final line kept on one line, forwarded fields
 * with the framing ones left out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_msg.h"
#include "http_tpc.h"

static void
test_marker(void **state)
{
	char buf[TUSK_TPC_MARKER_MAX];
	int n = tusk_tpc_marker(buf, sizeof(buf), 1700000000,
				UINT64_C(18446744073709551615));

	assert_true(n > 0);
	assert_string_equal(buf, "Perf Marker\n"
			    "Timestamp: 1700000000\n"
			    "Stripe Index: 0\n"
			    "Stripe Bytes Transferred: 18446744073709551615\n"
			    "Total Stripe Count: 1\n"
			    "End\n");
	/* davix reads the count at 26 characters past the label's start */
	assert_string_equal(strstr(buf, "Stripe Bytes Transferred:") + 26,
			    "18446744073709551615\nTotal Stripe Count: 1\n"
			    "End\n");
	assert_int_equal(tusk_tpc_marker(buf, 20, 1, 1), -ENOSPC);
}

static void
test_final(void **state)
{
	char buf[64];

	assert_int_equal(tusk_tpc_final(buf, sizeof(buf), NULL), 17);
	assert_string_equal(buf, "success: Created\n");
	assert_true(tusk_tpc_final(buf, sizeof(buf), "a\r\nb\tc") > 0);
	assert_string_equal(buf, "failure: a  b c\n");
	assert_int_equal(tusk_tpc_final(buf, 8, "long reason"), -ENOSPC);
}

static void
test_forward(void **state)
{
	static const char head[] =
		"COPY /x HTTP/1.1\r\nHost: t\r\n"
		"TransferHeaderAuthorization: Bearer abc.def\r\n"
		"transferheaderX-A:  v 1 \r\n"
		"TransferHeaderContent-Length: 5\r\n"
		"TransferHeaderHost: evil\r\n"
		"TransferHeaderTransfer-Encoding: chunked\r\n"
		"TransferHeader: empty name\r\n"
		"Source: http://10.0.0.1/x\r\n\r\n";
	static const char plain[] = "COPY / HTTP/1.1\r\nHost: t\r\n\r\n";
	char out[256];
	int n = tusk_tpc_forward(head, sizeof(head) - 1, out, sizeof(out));

	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "Authorization: Bearer abc.def\r\n"
			    "X-A: v 1\r\n");
	assert_int_equal(tusk_tpc_forward(head, sizeof(head) - 1, out, 20),
			 -ENOSPC);
	assert_int_equal(tusk_tpc_forward(plain, sizeof(plain) - 1, out,
					  sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void
test_head_field(void **state)
{
	static const char head[] =
		"\r\nMOVE /a HTTP/1.1\r\nHost: t\r\n"
		"destination:  http://t/b \r\nOverwrite: F\r\n"
		"Destination: /second\r\n\r\nBODY";
	char v[32];
	size_t len = strstr(head, "BODY") - head;

	assert_int_equal(tusk_http_head_field(head, len, "Destination", v,
					      sizeof(v)), 10);
	assert_string_equal(v, "http://t/b"); /* the first, trimmed */
	assert_int_equal(tusk_http_head_field(head, len, "overwrite", v,
					      sizeof(v)), 1);
	assert_string_equal(v, "F");
	assert_int_equal(tusk_http_head_field(head, len, "Source", v,
					      sizeof(v)), -ENOENT);
	assert_int_equal(tusk_http_head_field(head, len, "Destination", v,
					      5), -ENOSPC);
	/* not a complete head */
	assert_int_equal(tusk_http_head_field(head, 20, "Host", v,
					      sizeof(v)), -400);
}

static void
test_req_head_len(void **state)
{
	static const char req[] = "COPY /a HTTP/1.1\r\nHost: t\r\n\r\nnext";
	struct tusk_http_req r;
	int n = tusk_http_req_parse(req, sizeof(req) - 1, &r);

	assert_int_equal(n, (int)(sizeof(req) - 1 - 4));
	assert_int_equal(r.head_len, (uint32_t)n);
	assert_int_equal(r.method, TUSK_HTTP_COPY);
	assert_string_equal(tusk_http_method_name(r.method), "COPY");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker),
		cmocka_unit_test(test_final),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_head_field),
		cmocka_unit_test(test_req_head_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
