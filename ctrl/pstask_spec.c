/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_spec: a task as pScheduler writes one (TaskSpecification: test
 * {type, spec}, schedule, archives, reference), validated, with tuskd's
 * request built from the test's spec:
 *
 *   throughput (pscheduler-test-throughput spec): dest, duration, omit,
 *     parallel, reverse, udp, bandwidth, buffer-length, window-size,
 *     congestion, single-ended-port  -> iperf3_client {host, time, ...}
 *   latency (pscheduler-test-latency): dest, packet-count,
 *     packet-interval (s), dest-port  -> twamp {host, count, interval}
 *   rtt (pscheduler-test-rtt): dest, count, interval (ISO), port
 *                                    -> twamp {host, count, interval}
 *
 * Unknown keys are refused by name: a misspelt option must not silently
 * run a different test.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pstask_iso.h"
#include "pstask_priv.h"

/* pScheduler's defaults: throughput PT10S, slip PT5M (CLI default,
 * PSCHEDULER_SLIP); latency 100 packets 0.1 s apart; rtt 5 pings 1 s
 * apart (tool defaults). */
#define PSTASK_DURATION_DEFAULT 10.0
#define PSTASK_SLIP_DEFAULT 300.0
#define PSTASK_LAT_COUNT_DEFAULT 100
#define PSTASK_LAT_INTERVAL_DEFAULT 0.1
#define PSTASK_RTT_COUNT_DEFAULT 5
#define PSTASK_RTT_INTERVAL_DEFAULT 1.0
/* iperf3's own bounds: a day (MAX_TIME), 128 streams (MAX_STREAMS). */
#define PSTASK_DURATION_MAX 86400.0
#define PSTASK_PARALLEL_MAX 128
/* A TWAMP run: 100,000 packets at most (tuskd's sender's bound). */
#define PSTASK_COUNT_MAX 100000

static const char *const type_names[] = {
	[PS_THROUGHPUT] = "throughput", [PS_LATENCY] = "latency",
	[PS_RTT] = "rtt",
};

const char *
pstask_type_name(enum pstask_type t)
{
	return type_names[t];
}

/* Every key of o is one of keys (NULL-terminated). */
static int
keys_known(json_t *o, const char *what, const char *const *keys, char *err,
	   size_t errlen)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		unsigned int i;

		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL) {
			snprintf(err, errlen, "%s: unknown key \"%s\"", what, k);
			return -1;
		}
	}
	return 0;
}

/* An ISO duration member: *out when present (def otherwise). */
static int
duration(json_t *o, const char *key, double def, double *out, char *err,
	 size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || (*out = tusk_iso_duration(
					   json_string_value(v))) < 0) {
		snprintf(err, errlen, "%s: not an ISO 8601 duration "
			 "(PnDTnHnMnS)", key);
		return -1;
	}
	return 0;
}

/* An integer member in [min, max], copied into req as rkey. */
static int
integer(json_t *o, const char *key, int64_t min, int64_t max, json_t *req,
	const char *rkey, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		snprintf(err, errlen, "%s: an integer in %lld..%lld", key,
			 (long long)min, (long long)max);
		return -1;
	}
	json_object_set(req, rkey, v);
	return 0;
}

static int
boolean(json_t *o, const char *key, json_t *req, const char *rkey,
	char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "%s: true or false", key);
		return -1;
	}
	json_object_set(req, rkey, v);
	return 0;
}

static int
throughput(json_t *sp, struct pstask_spec *s, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"schema", "dest", "duration", "omit", "parallel", "reverse",
		"udp", "bandwidth", "buffer-length", "window-size",
		"congestion", "single-ended", "single-ended-port", NULL,
	};
	const char *cc = json_string_value(json_object_get(sp, "congestion"));
	double omit;

	if (keys_known(sp, "test.spec", keys, err, errlen) < 0 ||
	    duration(sp, "duration", PSTASK_DURATION_DEFAULT, &s->run_s, err,
		     errlen) < 0 ||
	    duration(sp, "omit", 0, &omit, err, errlen) < 0 ||
	    integer(sp, "parallel", 1, PSTASK_PARALLEL_MAX, s->req,
		    "parallel", err, errlen) < 0 ||
	    integer(sp, "bandwidth", 1, INT64_MAX >> 1, s->req, "bandwidth",
		    err, errlen) < 0 ||
	    integer(sp, "buffer-length", 1, 1 << 20, s->req, "len", err,
		    errlen) < 0 ||
	    integer(sp, "window-size", 1, 1 << 30, s->req, "window", err,
		    errlen) < 0 ||
	    integer(sp, "single-ended-port", 1, 65535, s->req, "port", err,
		    errlen) < 0 ||
	    boolean(sp, "reverse", s->req, "reverse", err, errlen) < 0 ||
	    boolean(sp, "udp", s->req, "udp", err, errlen) < 0)
		return -1;
	if (s->run_s < 1 || s->run_s > PSTASK_DURATION_MAX) {
		snprintf(err, errlen, "duration: 1 s to a day");
		return -1;
	}
	/* iperf3 counts whole seconds */
	json_object_set_new(s->req, "cmd", json_string("iperf3_client"));
	json_object_set_new(s->req, "time", json_integer((json_int_t)ceil(
								  s->run_s)));
	if (omit > 0)
		json_object_set_new(s->req, "omit", json_integer(
					    (json_int_t)ceil(omit)));
	if (cc != NULL)
		json_object_set_new(s->req, "cc", json_string(cc));
	s->run_s += omit;
	return 0;
}

/* latency and rtt: tuskd's TWAMP session-sender. */
static int
twamp(json_t *sp, struct pstask_spec *s, char *err, size_t errlen)
{
	static const char *const lat_keys[] = {
		"schema", "dest", "packet-count", "packet-interval",
		"dest-port", NULL,
	};
	static const char *const rtt_keys[] = {
		"schema", "dest", "count", "interval", "port", NULL,
	};
	bool lat = s->type == PS_LATENCY;
	json_t *iv = json_object_get(sp, "packet-interval");
	double interval = lat ? PSTASK_LAT_INTERVAL_DEFAULT : 0;
	int64_t count = lat ? PSTASK_LAT_COUNT_DEFAULT :
		PSTASK_RTT_COUNT_DEFAULT;
	char ms[32];

	if (keys_known(sp, "test.spec", lat ? lat_keys : rtt_keys, err,
		       errlen) < 0 ||
	    integer(sp, lat ? "packet-count" : "count", 1, PSTASK_COUNT_MAX,
		    s->req, "count", err, errlen) < 0 ||
	    integer(sp, lat ? "dest-port" : "port", 1, 65535, s->req, "port",
		    err, errlen) < 0 ||
	    (!lat && duration(sp, "interval", PSTASK_RTT_INTERVAL_DEFAULT,
			      &interval, err, errlen) < 0))
		return -1;
	if (lat && iv != NULL && (!json_is_number(iv) ||
				  (interval = json_number_value(iv)) <= 0)) {
		snprintf(err, errlen, "packet-interval: seconds, above 0");
		return -1;
	}
	if (json_object_get(s->req, "count") != NULL)
		count = json_integer_value(json_object_get(s->req, "count"));
	json_object_set_new(s->req, "count", json_integer(count));
	snprintf(ms, sizeof(ms), "%.3fms", interval * 1000);
	json_object_set_new(s->req, "interval", json_string(ms));
	json_object_set_new(s->req, "cmd", json_string("twamp"));
	s->run_s = (double)count * interval;
	return 0;
}

static int
test(json_t *t, struct pstask_spec *s, char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "spec", NULL };
	const char *type = json_string_value(json_object_get(t, "type"));
	json_t *sp = json_object_get(t, "spec");
	const char *dest = json_string_value(json_object_get(sp, "dest"));
	unsigned int i;

	if (!json_is_object(t) ||
	    keys_known(t, "test", keys, err, errlen) < 0)
		return json_is_object(t) ? -1 :
			(snprintf(err, errlen, "test: an object"), -1);
	for (i = 0; type && i < 3 && strcmp(type, type_names[i]) != 0; i++)
		;
	if (type == NULL || i == 3) {
		snprintf(err, errlen, "test.type: throughput, latency or rtt");
		return -1;
	}
	if (!json_is_object(sp) || dest == NULL || dest[0] == '\0') {
		snprintf(err, errlen, "test.spec.dest: required (the far "
			 "end's address)");
		return -1;
	}
	s->type = (enum pstask_type)i;
	json_object_set_new(s->req, "host", json_string(dest));
	return s->type == PS_THROUGHPUT ? throughput(sp, s, err, errlen) :
					  twamp(sp, s, err, errlen);
}

static int
schedule(json_t *o, double now, struct pstask_spec *s, char *err,
	 size_t errlen)
{
	static const char *const keys[] = {
		"start", "repeat", "until", "max-runs", "slip", NULL,
	};
	const char *start = json_string_value(json_object_get(o, "start"));
	const char *until = json_string_value(json_object_get(o, "until"));
	json_t *max = json_object_get(o, "max-runs");

	s->start = now;
	if (o == NULL)
		return duration(NULL, "slip", PSTASK_SLIP_DEFAULT, &s->slip,
				err, errlen);
	if (!json_is_object(o) ||
	    keys_known(o, "schedule", keys, err, errlen) < 0 ||
	    duration(o, "repeat", 0, &s->repeat, err, errlen) < 0 ||
	    duration(o, "slip", PSTASK_SLIP_DEFAULT, &s->slip, err,
		     errlen) < 0)
		return -1;
	if ((start && (s->start = tusk_iso_time(start)) < 0) ||
	    (until && (s->until = tusk_iso_time(until)) < 0)) {
		snprintf(err, errlen, "schedule.%s: not an ISO 8601 time "
			 "(2026-12-07T10:00:00Z)", start && s->start < 0 ?
			 "start" : "until");
		return -1;
	}
	if (max != NULL && (!json_is_integer(max) ||
			    (s->max_runs = json_integer_value(max)) < 1)) {
		snprintf(err, errlen, "schedule.max-runs: an integer, 1 or more");
		return -1;
	}
	/* a repeat shorter than a run would queue runs behind each other */
	if (s->repeat > 0 && s->repeat < s->run_s) {
		snprintf(err, errlen, "schedule.repeat: shorter than a run "
			 "(%.0f s)", s->run_s);
		return -1;
	}
	return 0;
}

int
pstask_spec_parse(json_t *task, double now, struct pstask_spec *out,
		  char *err, size_t errlen)
{
	static const char *const keys[] = {
		"schema", "test", "tool", "tools", "schedule", "archives",
		"reference", "priority", NULL,
	};
	json_t *archives = json_object_get(task, "archives");

	memset(out, 0, sizeof(*out));
	out->req = json_object();
	if (!json_is_object(task)) {
		snprintf(err, errlen, "the task: a JSON object");
		return -1;
	}
	if (keys_known(task, "task", keys, err, errlen) < 0 ||
	    test(json_object_get(task, "test"), out, err, errlen) < 0 ||
	    schedule(json_object_get(task, "schedule"), now, out, err,
		     errlen) < 0 ||
	    (archives != NULL && pstask_archive_check(archives, err,
						      errlen) < 0)) {
		pstask_spec_free(out);
		return -1;
	}
	out->task = json_incref(task);
	return 0;
}

void
pstask_spec_free(struct pstask_spec *s)
{
	json_decref(s->task);
	json_decref(s->req);
	s->task = s->req = NULL;
}
