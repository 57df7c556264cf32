/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scheduled tests' pure parts (ctrl/pstask*.c), table-driven: ISO 8601
 * durations as pScheduler's validator takes them and timestamps; tasks
 * accepted with the tuskd request they make, and refused naming the key;
 * iperf3 -J documents and TWAMP answers in pScheduler's result shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "pstask_iso.h"
#include "pstask_priv.h"

static void
test_durations(void **state)
{
	static const struct { const char *s; double want; } cases[] = {
		{ "PT10S", 10 }, { "PT0.5S", 0.5 }, { "PT1M", 60 },
		{ "PT1H30M", 5400 }, { "P1D", 86400 }, { "P1W", 604800 },
		{ "P1W2DT3H4M5.5S", 788645.5 }, { "PT", -1 },
		{ "P", -1 }, { "PT2", -1 }, { "PT1.5M", -1 }, { "P1H", -1 },
		{ "PT1S2M", -1 }, { "P1Y", -1 }, { "R5/PT1S", -1 },
		{ "pt1s", -1 }, { "", -1 }, { "PT-1S", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = tusk_iso_duration(cases[i].s);

		if (fabs(got - cases[i].want) > 1e-9)
			fail_msg("%s: %g, want %g", cases[i].s, got,
				 cases[i].want);
	}
}

static void
test_times(void **state)
{
	char buf[64];

	(void)state;
	assert_true(tusk_iso_time("2026-12-07T00:30:00Z") == 1796603400.0);
	assert_true(tusk_iso_time("2026-12-07T01:30:00.5+01:00") ==
		    1796603400.5);
	assert_true(tusk_iso_time("2026-12-06T23:00:00-01:30") ==
		    1796603400.0);
	assert_true(tusk_iso_time("2026-12-07") < 0);
	assert_true(tusk_iso_time("2026-12-07T00:30:00") < 0);
	assert_true(tusk_iso_time("2026-12-07T00:30:00Zjunk") < 0);
	assert_string_equal(tusk_iso_time_fmt(1796603400.25, buf, sizeof(buf)),
			    "2026-12-07T00:30:00.250Z");
}

/* task text -> NULL (accepted) or the reason's start */
static void
test_specs(void **state)
{
	static const struct { const char *task, *err; } cases[] = {
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}}}", NULL },
		{ "{\"test\":{\"type\":\"rtt\",\"spec\":{\"dest\":\"h\",\"count\":3}}}", NULL },
		{ "{\"test\":{\"type\":\"latency\",\"spec\":{\"dest\":\"h\",\"packet-interval\":0.01}}}", NULL },
		{ "{\"test\":{\"type\":\"trace\",\"spec\":{\"dest\":\"h\"}}}", "test.type" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{}}}", "test.spec.dest" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\",\"paralel\":2}}}", "test.spec: unknown key \"paralel\"" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\",\"parallel\":0}}}", "parallel" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\",\"duration\":\"10s\"}}}", "duration" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}},\"schedule\":{\"repeat\":\"PT5S\"}}", "schedule.repeat: shorter" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}},\"schedule\":{\"max-runs\":0}}", "schedule.max-runs" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}},\"schedule\":{\"start\":\"tomorrow\"}}", "schedule.start" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}},\"archives\":[{\"archiver\":\"kafka\"}]}", "archives[0].archiver" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}},\"archives\":[{\"archiver\":\"http\",\"data\":{\"_url\":\"ftp://x\"}}]}", "archives: data._url" },
		{ "{\"test\":{\"type\":\"throughput\",\"spec\":{\"dest\":\"h\"}},\"frobnicate\":1}", "task: unknown key" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *t = json_loads(cases[i].task, 0, NULL);
		struct pstask_spec sp;
		char err[256] = "";
		int rc;

		assert_non_null(t);
		rc = pstask_spec_parse(t, 1000, &sp, err, sizeof(err));
		if (cases[i].err == NULL && rc != 0)
			fail_msg("case %zu refused: %s", i, err);
		if (cases[i].err != NULL && (rc == 0 || strncmp(err,
				cases[i].err, strlen(cases[i].err)) != 0))
			fail_msg("case %zu: \"%s\", want \"%s...\"", i, err,
				 cases[i].err);
		if (rc == 0)
			pstask_spec_free(&sp);
		json_decref(t);
	}
}

/* The request a throughput task makes of tuskd, and the schedule. */
static void
test_request(void **state)
{
	json_t *t = json_loads("{\"test\":{\"type\":\"throughput\",\"spec\":"
		"{\"dest\":\"10.0.0.1\",\"duration\":\"PT2.5S\",\"omit\":"
		"\"PT1S\",\"parallel\":4,\"reverse\":true,\"congestion\":\"bbr\","
		"\"single-ended-port\":5202}},\"schedule\":{\"repeat\":\"PT1M\","
		"\"start\":\"2026-12-07T00:30:00Z\",\"max-runs\":3}}", 0, NULL);
	struct pstask_spec sp;
	char err[256];

	(void)state;
	assert_int_equal(pstask_spec_parse(t, 5, &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.type, PS_THROUGHPUT);
	assert_string_equal(json_string_value(json_object_get(sp.req, "cmd")),
			    "iperf3_client");
	assert_string_equal(json_string_value(json_object_get(sp.req, "host")),
			    "10.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(sp.req, "time")), 3);
	assert_int_equal(json_integer_value(json_object_get(sp.req, "omit")), 1);
	assert_int_equal(json_integer_value(json_object_get(sp.req,
							    "parallel")), 4);
	assert_int_equal(json_integer_value(json_object_get(sp.req, "port")),
			 5202);
	assert_true(json_is_true(json_object_get(sp.req, "reverse")));
	assert_string_equal(json_string_value(json_object_get(sp.req, "cc")),
			    "bbr");
	assert_true(sp.start == 1796603400.0 && sp.repeat == 60 &&
		    sp.max_runs == 3 && sp.slip == 300);
	pstask_spec_free(&sp);
	json_decref(t);
}

/* iperf3 -J (a two-stream TCP document, trimmed) in pScheduler's shape. */
static void
test_throughput_result(void **state)
{
	json_t *doc = json_loads(
		"{\"intervals\":[{\"streams\":[{\"socket\":1,\"start\":0,"
		"\"end\":1,\"bytes\":100,\"bits_per_second\":800,"
		"\"retransmits\":2,\"snd_cwnd\":9000,\"rtt\":150,"
		"\"omitted\":false}],\"sum\":{\"start\":0,\"end\":1,"
		"\"bytes\":100,\"bits_per_second\":800,\"omitted\":false}}],"
		"\"end\":{\"streams\":[{\"sender\":{\"socket\":1,\"bytes\":100,"
		"\"bits_per_second\":800,\"retransmits\":2,\"mean_rtt\":200},"
		"\"receiver\":{\"socket\":1,\"bytes\":99}}],\"sum_sent\":{"
		"\"start\":0,\"end\":1,\"bytes\":100,\"bits_per_second\":800,"
		"\"retransmits\":2},\"sum_received\":{\"bytes\":99,"
		"\"bits_per_second\":792}}}", 0, NULL);
	struct pstask_figures f;
	json_t *r = pstask_result_throughput(doc, &f), *p;

	(void)state;
	assert_true(json_is_true(json_object_get(r, "succeeded")));
	p = json_array_get(json_object_get(json_array_get(json_object_get(r,
		"intervals"), 0), "streams"), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "stream-id")), 1);
	assert_int_equal(json_integer_value(json_object_get(p,
					"tcp-window-size")), 9000);
	assert_int_equal(json_integer_value(json_object_get(p, "rtt")), 150);
	assert_int_equal(json_integer_value(json_object_get(p,
					"retransmits")), 2);
	p = json_object_get(json_object_get(r, "summary"), "summary");
	assert_true(json_number_value(json_object_get(p, "throughput-bits")) ==
		    800);
	assert_true(json_number_value(json_object_get(p,
				"receiver-throughput-bits")) == 792);
	assert_true(f.succeeded && f.throughput == 800 && f.rtt_ms == 0.2 &&
		    f.lost == -1);
	json_decref(r);
	json_object_set_new(doc, "error", json_string("the server is busy"));
	r = pstask_result_throughput(doc, &f);
	assert_false(json_is_true(json_object_get(r, "succeeded")));
	assert_string_equal(json_string_value(json_object_get(r, "error")),
			    "the server is busy");
	json_decref(r);
	json_decref(doc);
}

static void
test_twamp_result(void **state)
{
	json_t *tw = json_loads("{\"sent\":10,\"received\":9,\"lost\":1,"
		"\"duplicates\":0,\"reordered\":0,\"rtt_ms\":{\"min\":1.0,"
		"\"mean\":2.0,\"max\":3.0,\"stddev\":0.5},\"jitter_ms\":{"
		"\"rtt\":0.25}}", 0, NULL);
	struct pstask_figures f;
	json_t *r = pstask_result_twamp(tw, PS_RTT, &f);

	(void)state;
	assert_true(f.succeeded && f.rtt_ms == 2.0 && f.jitter_ms == 0.25 &&
		    f.lost == 1);
	assert_string_equal(json_string_value(json_object_get(r, "mean")),
			    "PT0.002S");
	assert_true(json_number_value(json_object_get(r, "loss")) == 0.1);
	assert_int_equal(json_integer_value(json_object_get(r,
						"packets-received")), 9);
	json_decref(r);
	json_decref(tw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_throughput_result),
		cmocka_unit_test(test_twamp_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
