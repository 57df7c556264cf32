/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iperf3 server's JSON input: the client's parameter block (accepted,
 * malformed, or a mode tuskd does not run) and its results, table-driven.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iperf3_priv.h"

/* What 3.12 sends for `iperf3 -c H -t 10 -P 2 -O 1 -Z -R -C reno`. */
#define PSCHED "{\"tcp\":true,\"omit\":1,\"time\":10,\"num\":0," \
	"\"blockcount\":0,\"parallel\":2,\"reverse\":true,\"len\":131072," \
	"\"congestion\":\"reno\",\"zerocopy\":1,\"client_version\":\"3.12\"}"

static int
params(const char *json, struct iperf3_params *p)
{
	char err[128] = "";
	int ret = iperf3_json_params((const uint8_t *)json, strlen(json), p,
				     err, sizeof(err));

	if (ret != 0 && err[0] == '\0')
		fail_msg("no reason given for %s", json);
	return ret;
}

static void
test_params_accepted(void **state)
{
	struct iperf3_params p;

	assert_int_equal(params(PSCHED, &p), 0);
	assert_false(p.udp);
	assert_true(p.reverse);
	assert_false(p.bidir);
	assert_int_equal(p.parallel, 2);
	assert_int_equal(p.duration, 10);
	assert_int_equal(p.omit, 1);
	assert_int_equal(p.len, 131072);
	assert_string_equal(p.cc, "newreno"); /* Linux's name for it */
	assert_string_equal(p.client_version, "3.12");

	assert_int_equal(params("{\"udp\":true,\"time\":2,\"parallel\":1,"
				"\"bandwidth\":100000000,\"udp_counters_64bit\""
				":1,\"get_server_output\":1,\"bidirectional\":"
				"true,\"congestion\":\"vegas\"}", &p), 0);
	assert_true(p.udp);
	assert_true(p.udp64);
	assert_true(p.server_output);
	assert_true(p.bidir);
	assert_int_equal(p.bandwidth, 100000000);
	assert_int_equal(p.len, 1460);      /* iperf3's UDP default */
	assert_string_equal(p.cc, "");      /* unknown: the default */
	assert_int_equal(params("{\"tcp\":true,\"time\":1,\"parallel\":64,"
				"\"bidirectional\":true}", &p), 0);
}

static void
test_params_refused(void **state)
{
	static const struct {
		const char *json;
		int ret;
	} cases[] = {
		{ "nope!", -EINVAL },
		{ "[1,2]", -EINVAL },
		{ "{\"tcp\":true,\"time\":1", -EINVAL },
		{ "{\"tcp\":true,\"parallel\":1}", -EINVAL },          /* time */
		{ "{\"time\":\"10\",\"parallel\":1}", -EINVAL },
		{ "{\"time\":10,\"parallel\":0}", -EINVAL },
		{ "{\"time\":10,\"parallel\":129}", -EINVAL },
		{ "{\"time\":10,\"parallel\":-1}", -EINVAL },
		{ "{\"time\":86401,\"parallel\":1}", -EINVAL },
		{ "{\"time\":10,\"parallel\":65,\"bidirectional\":true}",
		  -EINVAL },
		{ "{\"udp\":true,\"time\":10,\"len\":11}", -EINVAL },
		{ "{\"time\":10,\"len\":2000000}", -EINVAL },
		{ "{\"time\":0,\"num\":1000000}", -ENOTSUP },          /* -n */
		{ "{\"time\":0,\"blockcount\":10}", -ENOTSUP },        /* -k */
		{ "{\"time\":0}", -ENOTSUP },
		{ "{\"sctp\":true,\"time\":10}", -ENOTSUP },
		{ "{\"tcp\":true,\"time\":10,\"authtoken\":\"x\"}", -ENOTSUP },
	};
	struct iperf3_params p;

	for (size_t i = 0; i < RTE_DIM(cases); i++)
		if (params(cases[i].json, &p) != cases[i].ret)
			fail_msg("%s: not %d", cases[i].json, cases[i].ret);
}

static void
test_results(void **state)
{
	/* 3.12 writes a receiver's unused counters as 2^64 - 1 */
	static const char good[] = "{\"cpu_util_total\":1.5,\"cpu_util_user\""
		":1,\"cpu_util_system\":0.5,\"sender_has_retransmits\":-1,"
		"\"streams\":[{\"id\":1,\"bytes\":18446744073709551615,"
		"\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0}]}";
	static const char *const bad[] = {
		"", "{}", "{\"cpu_util_total\":1}", "{\"streams\":[]}",
		"{\"cpu_util_total\":\"1\",\"streams\":[]}", "[]",
	};
	char err[128];

	assert_int_equal(iperf3_json_check_results((const uint8_t *)good,
						   strlen(good), err,
						   sizeof(err)), 0);
	for (size_t i = 0; i < RTE_DIM(bad); i++)
		if (iperf3_json_check_results((const uint8_t *)bad[i],
					      strlen(bad[i]), err,
					      sizeof(err)) != -EINVAL)
			fail_msg("results %s accepted", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_accepted),
		cmocka_unit_test(test_params_refused),
		cmocka_unit_test(test_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
