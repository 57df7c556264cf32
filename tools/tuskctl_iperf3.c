/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskctl iperf3 host=H [port= time= parallel= reverse= bidir= udp=
 *                        bandwidth= len= cc= omit= window= server_output=]
 *
 * A test from tuskd's own stack against an iperf3 server: tuskd's
 * `iperf3_client` starts it, `iperf3_result` is asked until it is done,
 * and the result, iperf3 -J's document (start, intervals, end), is
 * printed as it is, so the tools that read iperf3's JSON read it. Exit
 * status 1 when the document carries "error". Without host=, `iperf3` is
 * tuskd's server report (tuskctl.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "tuskctl_iperf3.h"

/* tuskd answers each call from the lcore in microseconds. */
#define IPERF3_CALL_MS 10000
/* How often the result is asked for: the test takes seconds. */
#define IPERF3_POLL_MS 200
/* Past omit + time, the handshake and results exchange may take this
 * long before tuskd itself gives up (its iperf3 timeout, 40 s). */
#define IPERF3_SLACK_S 60
#define IPERF3_ERR_MAX 256

/* One call: the result object, or NULL with the reason on stderr. */
static json_t *
call(struct tusk_ctl_client *c, json_t *req)
{
	char err[IPERF3_ERR_MAX];
	json_t *resp = tusk_ctl_client_call(c, req, err, sizeof(err)), *res;
	const char *e;

	if (resp == NULL) {
		fprintf(stderr, "tuskctl: iperf3: no answer from tuskd: %s\n",
			err);
		return NULL;
	}
	if (!json_is_true(json_object_get(resp, TUSK_CTL_KEY_OK))) {
		e = json_string_value(json_object_get(resp, TUSK_CTL_KEY_ERROR));
		fprintf(stderr, "tuskctl: iperf3: %s\n", e ? e : "failed");
		json_decref(resp);
		return NULL;
	}
	res = json_incref(json_object_get(resp, TUSK_CTL_KEY_RESULT));
	json_decref(resp);
	return res;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Ask for test id's result until it is done; the -J document. */
static json_t *
wait_result(struct tusk_ctl_client *c, json_int_t id, long limit_ms)
{
	json_t *req = json_pack("{s:s, s:I}", TUSK_CTL_KEY_CMD,
				"iperf3_result", "id", id);
	json_t *doc = NULL;

	for (long waited = 0; waited <= limit_ms; waited += IPERF3_POLL_MS) {
		json_t *res = call(c, req);

		if (res == NULL)
			break;
		doc = json_incref(json_object_get(res, "result"));
		json_decref(res);
		if (doc != NULL)
			break;
		sleep_ms(IPERF3_POLL_MS);
	}
	if (doc == NULL)
		fprintf(stderr, "tuskctl: iperf3: no result from tuskd\n");
	json_decref(req);
	return doc;
}

/* Seconds the test may take at most: omit + time + slack. */
static long
limit_ms(json_t *req)
{
	long t = 10, omit = 0;
	const char *v = json_string_value(json_object_get(req, "time"));

	if (v != NULL)
		t = strtol(v, NULL, 10);
	v = json_string_value(json_object_get(req, "omit"));
	if (v != NULL)
		omit = strtol(v, NULL, 10);
	return (t + omit + IPERF3_SLACK_S) * 1000;
}

int
tuskctl_iperf3_client(const char *sock, json_t *req)
{
	struct tusk_ctl_client c;
	char err[IPERF3_ERR_MAX];
	json_t *res, *doc = NULL;
	int ret = 1;

	if (tusk_ctl_client_connect(&c, sock, IPERF3_CALL_MS, err,
				    sizeof(err)) < 0) {
		fprintf(stderr, "tuskctl: %s (is tuskd running?)\n", err);
		return 1;
	}
	json_object_set_new(req, TUSK_CTL_KEY_CMD, json_string("iperf3_client"));
	res = call(&c, req);
	if (res != NULL)
		doc = wait_result(&c, json_integer_value(json_object_get(res,
								 "id")),
				  limit_ms(req));
	if (doc != NULL) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		printf("\n");
		ret = json_object_get(doc, "error") != NULL;
		if (ret)
			fprintf(stderr, "tuskctl: iperf3: %s\n",
				json_string_value(json_object_get(doc,
								  "error")));
	}
	json_decref(res);
	json_decref(doc);
	tusk_ctl_client_close(&c);
	return ret;
}
