/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3's JSON messages (jansson): the client's parameters in
 * (iperf_api.c get_parameters), its results checked, ours out
 * (send_results), with --get-server-output an iperf3 -J-shaped report of
 * tuskd's side (start, intervals, end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "iperf3_priv.h"
#include "tcp_cc.h"

/* iperf3's blksize bounds (iperf.h MAX_BLOCKSIZE, MAX_UDP_BLOCKSIZE) and
 * defaults (iperf_api.h) when a client leaves len out. */
#define IPERF3_TCP_LEN_MAX (1u << 20)
#define IPERF3_UDP_LEN_MAX (65535u - 8 - 20)
#define IPERF3_TCP_LEN_DEFAULT (128u * 1024)
#define IPERF3_UDP_LEN_DEFAULT 1460u

/* An integer field: absent leaves *out, present must be in [min, max]. */
static int
get_uint(json_t *j, const char *key, uint64_t min, uint64_t max,
	 uint64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
	    (uint64_t)json_integer_value(v) > max) {
		snprintf(err, errlen, "parameter %s: not an integer in "
			 "%" PRIu64 "..%" PRIu64, key, min, max);
		return -EINVAL;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static bool
flag(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return v != NULL && (json_is_true(v) ||
			     (json_is_integer(v) && json_integer_value(v)));
}

/* -C: tuskd's controllers by name; Linux calls NewReno "reno", and a
 * Linux client must name a controller its own kernel has to use -C. An
 * unknown name leaves the default, as iperf3's server does (a warning). */
static void
congestion(json_t *j, struct iperf3_params *p)
{
	const char *cc = json_string_value(json_object_get(j, "congestion"));

	if (cc == NULL)
		return;
	if (strcmp(cc, "reno") == 0)
		cc = "newreno";
	if (tusk_tcp_cc_find(cc) != NULL)
		snprintf(p->cc, sizeof(p->cc), "%s", cc);
	else
		IPERF3_LOG(WARNING, "congestion \"%s\" unknown: default\n", cc);
}

static int
numbers(json_t *j, struct iperf3_params *p, char *err, size_t errlen)
{
	uint64_t v[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	uint64_t num = 0, blocks = 0;
	int ret = 0;

	v[0] = UINT64_MAX; /* time: required */
	ret |= get_uint(j, "time", 0, IPERF3_TIME_MAX, &v[0], err, errlen);
	ret |= get_uint(j, "parallel", 1, TUSK_IPERF3_STREAMS_MAX, &v[1],
			err, errlen);
	ret |= get_uint(j, "omit", 0, IPERF3_TIME_MAX, &v[2], err, errlen);
	ret |= get_uint(j, "len", 0, IPERF3_TCP_LEN_MAX, &v[3], err, errlen);
	ret |= get_uint(j, "bandwidth", 0, UINT64_MAX >> 1, &v[4], err,
			errlen);
	ret |= get_uint(j, "MSS", 0, UINT16_MAX, &v[5], err, errlen);
	ret |= get_uint(j, "window", 0, UINT32_MAX, &v[6], err, errlen);
	ret |= get_uint(j, "num", 0, UINT64_MAX >> 1, &num, err, errlen);
	ret |= get_uint(j, "blockcount", 0, UINT64_MAX >> 1, &blocks, err,
			errlen);
	if (ret != 0)
		return -EINVAL;
	if (v[0] == UINT64_MAX) {
		snprintf(err, errlen, "parameter time missing");
		return -EINVAL;
	}
	p->duration = (uint32_t)v[0];
	p->parallel = (uint32_t)v[1];
	p->omit = (uint32_t)v[2];
	p->len = (uint32_t)v[3];
	p->bandwidth = v[4];
	p->mss = (uint32_t)v[5];
	p->window = v[6];
	if (num != 0 || blocks != 0 || p->duration == 0) {
		snprintf(err, errlen, "only timed tests (-t) are run, not "
			 "-n or -k");
		return -ENOTSUP;
	}
	return 0;
}

static int
modes(json_t *j, struct iperf3_params *p, char *err, size_t errlen)
{
	if (json_object_get(j, "sctp") != NULL) {
		snprintf(err, errlen, "SCTP is not supported");
		return -ENOTSUP;
	}
	if (json_object_get(j, "authtoken") != NULL) {
		snprintf(err, errlen, "authentication is not supported");
		return -ENOTSUP;
	}
	p->udp = json_object_get(j, "udp") != NULL;
	p->reverse = flag(j, "reverse");
	p->bidir = flag(j, "bidirectional");
	p->udp64 = flag(j, "udp_counters_64bit");
	p->server_output = flag(j, "get_server_output");
	if (p->bidir && p->parallel * 2 > TUSK_IPERF3_STREAMS_MAX) {
		snprintf(err, errlen, "parameter parallel: at most %u with "
			 "--bidir", TUSK_IPERF3_STREAMS_MAX / 2);
		return -EINVAL;
	}
	if (p->len == 0)
		p->len = p->udp ? IPERF3_UDP_LEN_DEFAULT :
			IPERF3_TCP_LEN_DEFAULT;
	if (p->udp && (p->len < IPERF3_UDP_LEN_MIN ||
		       p->len > IPERF3_UDP_LEN_MAX)) {
		snprintf(err, errlen, "parameter len: %u outside %u..%u for "
			 "UDP", p->len, IPERF3_UDP_LEN_MIN, IPERF3_UDP_LEN_MAX);
		return -EINVAL;
	}
	return 0;
}

int
iperf3_json_params(const uint8_t *buf, size_t len, struct iperf3_params *p,
		   char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)buf, len, 0, &je);
	const char *ver;
	int ret;

	memset(p, 0, sizeof(*p));
	if (j == NULL || !json_is_object(j)) {
		snprintf(err, errlen, "parameters: not a JSON object%s%s",
			 j == NULL ? ": " : "", j == NULL ? je.text : "");
		json_decref(j);
		return -EINVAL;
	}
	ret = numbers(j, p, err, errlen);
	if (ret == 0)
		ret = modes(j, p, err, errlen);
	congestion(j, p);
	ver = json_string_value(json_object_get(j, "client_version"));
	snprintf(p->client_version, sizeof(p->client_version), "%s",
		 ver != NULL ? ver : "");
	json_decref(j);
	return ret;
}

int
iperf3_json_check_results(const uint8_t *buf, size_t len, char *err,
			  size_t errlen)
{
	json_error_t je;
	/* 3.12 writes a receiver's unused counters as 2^64 - 1, past
	 * jansson's integers: read every number as a double */
	json_t *j = json_loadb((const char *)buf, len,
			       JSON_DECODE_INT_AS_REAL, &je);
	int ret = 0;

	if (j == NULL || !json_is_object(j) ||
	    !json_is_number(json_object_get(j, "cpu_util_total")) ||
	    !json_is_array(json_object_get(j, "streams"))) {
		snprintf(err, errlen, "results: not iperf3's results object%s%s",
			 j == NULL ? ": " : "", j == NULL ? je.text : "");
		ret = -EINVAL;
	}
	json_decref(j);
	return ret;
}
