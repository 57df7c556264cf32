/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command of the iperf3 server (app/svc/iperf3.h):
 *
 *   iperf3  -> {"port", "state", "tests", "completed", "denied",
 *              "malformed", "timeouts", "taken_over", "udp_stray", "test": {...}}:
 *              the counters, and the current or last test as tuskd
 *              counted it (per stream: bytes, seconds, bits_per_second,
 *              retransmits, snd_cwnd, rtt_us; UDP: packets, lost,
 *              out_of_order, jitter_ms)
 *   iperf3_client {"host", "port", "time", "parallel", "reverse", "bidir",
 *              "udp", "bandwidth", "len", "cc", "omit", "window",
 *              "server_output"} -> {"id", "state": "running"}: a test from
 *              tuskd's stack against an iperf3 server
 *   iperf3_result {"id"} -> {"id", "state": "running"} or
 *              {"id", "state": "done", "result": iperf3 -J's document}
 *              (with "error" when it failed); the last test's only
 *
 * The server runs on the first worker lcore; the call copies its state
 * between bursts through tusk_lcore_call().
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <time.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "iperf3.h"
#include "services.h"

/* A copy of at most TUSK_IPERF3_STREAMS_MAX streams: microseconds. */
#define IPERF3_CALL_TIMEOUT_MS 1000

static int
iperf3_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_iperf3 *s = tusk_lcore_service(lc, TUSK_IPERF3_SERVICE);

	if (s == NULL)
		return -ENODEV;
	tusk_iperf3_info(s, arg, now);
	return 0;
}

static json_t *
stream_json(const struct tusk_iperf3_stream_info *x)
{
	return json_pack("{s:I, s:b, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:f}",
		"id", (json_int_t)x->id, "sender", x->sender,
		"peer_port", (json_int_t)x->peer_port,
		"bytes", (json_int_t)x->bytes, "seconds", x->seconds,
		"bits_per_second", x->seconds > 0 ?
			(double)x->bytes * 8 / x->seconds : 0.0,
		"retransmits", (json_int_t)x->retransmits,
		"snd_cwnd", (json_int_t)x->snd_cwnd,
		"rtt_us", (json_int_t)x->rtt_us,
		"packets", (json_int_t)x->packets, "lost", (json_int_t)x->lost,
		"out_of_order", (json_int_t)x->out_of_order,
		"jitter_ms", x->jitter_ms);
}

static json_t *
info_json(const struct tusk_iperf3_info *in)
{
	char peer[TUSK_ADDR_STRLEN] = "";
	json_t *streams = json_array();

	if (in->peer.family != 0)
		tusk_addr_format(&in->peer, peer, sizeof(peer));
	for (unsigned int i = 0; i < in->n_streams; i++)
		json_array_append_new(streams, stream_json(&in->streams[i]));
	return json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, "
			 "s:{s:s, "
			 "s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:o}}",
		"port", (json_int_t)in->port, "state", in->state,
		"tests", (json_int_t)in->tests,
		"completed", (json_int_t)in->completed,
		"denied", (json_int_t)in->denied,
		"malformed", (json_int_t)in->malformed,
		"timeouts", (json_int_t)in->timeouts,
		"taken_over", (json_int_t)in->taken_over,
		"role", in->role,
		"udp_stray", (json_int_t)in->udp_stray,
		"test", "peer", peer, "protocol", in->udp ? "udp" : "tcp",
		"reverse", in->reverse, "bidir", in->bidir,
		"parallel", (json_int_t)in->parallel,
		"duration", (json_int_t)in->duration,
		"omit", (json_int_t)in->omit, "len", (json_int_t)in->len,
		"bandwidth", (json_int_t)in->bandwidth, "cc", in->cc,
		"streams", streams);
}

int
tusk_ctl_iperf3_cmd(void *arg, json_t *args, json_t **result,
		    char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	struct tusk_iperf3_info *in;
	int ret = -ENODEV;

	(void)args;
	/* on the heap: an lcore that answers late still writes into it */
	in = calloc(1, sizeof(*in));
	if (in == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < ctl->ctx.n_lcores && ret == -ENODEV; i++)
		ret = tusk_lcore_call(ctl->ctx.lcores[i], iperf3_on_lcore, in,
				      IPERF3_CALL_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		snprintf(err, errlen, "the iperf3 lcore did not answer within "
			 "%u ms", IPERF3_CALL_TIMEOUT_MS);
		return -1;
	}
	if (ret < 0) {
		snprintf(err, errlen, "the iperf3 server is not running "
			 "(iperf3_port = 0)");
		free(in);
		return -1;
	}
	*result = info_json(in);
	free(in);
	return 0;
}

/* ------------------------------------------------------------ client */

/* iperf3's own option bounds: -t at most a day (MAX_TIME), -b and -w
 * as 64-bit counts (tuskd's buffers cap -w at 1 GiB, tcp_api.h). */
#define IPERF3_CLIENT_TIME_MAX 86400
#define IPERF3_CLIENT_WINDOW_MAX (1ll << 30)
#define IPERF3_CLIENT_LEN_MAX (1ll << 20)
/* -t 10, iperf3's default */
#define IPERF3_CLIENT_TIME_DEFAULT 10

struct client_call {
	bool result;           /* iperf3_result, else iperf3_client */
	struct tusk_iperf3_client_req req;
	uint32_t id;
	json_t *doc;
	int state;             /* tusk_iperf3_client_result() */
	char err[160];
};

static int
client_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_iperf3 *s = tusk_lcore_service(lc, TUSK_IPERF3_SERVICE);
	struct client_call *c = arg;

	if (s == NULL)
		return -ENODEV;
	if (!c->result)
		return tusk_iperf3_client_start(s, &c->req, now, &c->id,
						c->err, sizeof(c->err));
	c->state = tusk_iperf3_client_result(s, c->id, &c->doc);
	return c->state < 0 ? c->state : 0;
}

/* An IPv4 address, or a name resolved here on the control thread (the
 * stack has no DNS). */
static int
resolve_host(const char *host, struct tusk_addr *out, char *err,
	     size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_INET };
	struct addrinfo *res = NULL;
	int ret;

	if (tusk_addr_parse(host, out) == 0 && out->family == TUSK_AF_INET)
		return 0;
	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret != 0 || res == NULL) {
		snprintf(err, errlen, "host: cannot resolve \"%.100s\": %s",
			 host, gai_strerror(ret));
		return -1;
	}
	*out = tusk_addr_v4(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

static int
client_numbers(json_t *args, struct tusk_iperf3_client_req *r, char *err,
	       size_t errlen)
{
	int64_t v[7];

	v[0] = tusk_ctl_arg_uint(args, "port", TUSK_IPERF3_PORT_DEFAULT,
				 UINT16_MAX, err, errlen);
	v[1] = tusk_ctl_arg_uint(args, "time", IPERF3_CLIENT_TIME_DEFAULT,
				 IPERF3_CLIENT_TIME_MAX, err, errlen);
	v[2] = tusk_ctl_arg_uint(args, "parallel", 1, TUSK_IPERF3_STREAMS_MAX,
				 err, errlen);
	v[3] = tusk_ctl_arg_uint(args, "omit", 0, IPERF3_CLIENT_TIME_MAX, err,
				 errlen);
	v[4] = tusk_ctl_arg_uint(args, "len", 0, IPERF3_CLIENT_LEN_MAX, err,
				 errlen);
	v[5] = tusk_ctl_arg_uint(args, "bandwidth", 0, INT64_MAX >> 1, err,
				 errlen);
	v[6] = tusk_ctl_arg_uint(args, "window", 0, IPERF3_CLIENT_WINDOW_MAX,
				 err, errlen);
	for (unsigned int i = 0; i < RTE_DIM(v); i++)
		if (v[i] < 0)
			return -1;
	if (v[0] == 0 || v[1] == 0 || v[2] == 0) {
		snprintf(err, errlen, "port, time and parallel must be at "
			 "least 1");
		return -1;
	}
	r->port = (uint16_t)v[0];
	r->time = (uint32_t)v[1];
	r->parallel = (uint32_t)v[2];
	r->omit = (uint32_t)v[3];
	r->len = (uint32_t)v[4];
	r->bandwidth = (uint64_t)v[5];
	r->window = (uint64_t)v[6];
	return 0;
}

static int
client_req(json_t *args, struct tusk_iperf3_client_req *r, char *err,
	   size_t errlen)
{
	char host[256];
	struct timespec ts;

	if (tusk_ctl_arg_string(args, "host", true, host, sizeof(host), err,
				errlen) < 0 ||
	    resolve_host(host, &r->host, err, errlen) < 0 ||
	    client_numbers(args, r, err, errlen) < 0 ||
	    tusk_ctl_arg_bool(args, "reverse", &r->reverse, err, errlen) < 0 ||
	    tusk_ctl_arg_bool(args, "bidir", &r->bidir, err, errlen) < 0 ||
	    tusk_ctl_arg_bool(args, "udp", &r->udp, err, errlen) < 0 ||
	    tusk_ctl_arg_bool(args, "server_output", &r->server_output, err,
			      errlen) < 0 ||
	    tusk_ctl_arg_string(args, "cc", false, r->cc, sizeof(r->cc), err,
				errlen) < 0)
		return -1;
	if (r->reverse && r->bidir) {
		snprintf(err, errlen, "reverse and bidir exclude each other");
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	r->wall_start_ms = (uint64_t)ts.tv_sec * 1000 +
			   (uint64_t)ts.tv_nsec / 1000000;
	return 0;
}

/* Run c on the iperf3 lcore. */
static int
client_call(struct tusk_ctl *ctl, struct client_call *c, char *err,
	    size_t errlen)
{
	int ret = -ENODEV;

	for (unsigned int i = 0; i < ctl->ctx.n_lcores && ret == -ENODEV; i++)
		ret = tusk_lcore_call(ctl->ctx.lcores[i], client_on_lcore, c,
				      IPERF3_CALL_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		snprintf(err, errlen, "the iperf3 lcore did not answer within "
			 "%u ms", IPERF3_CALL_TIMEOUT_MS);
		return -1; /* c stays with the lcore */
	}
	if (ret == -ENODEV)
		snprintf(err, errlen, "the iperf3 service is not running "
			 "(iperf3_port = 0)");
	else if (ret == -ENOENT)
		snprintf(err, errlen, "no client test %u (only the last one "
			 "is kept)", c->id);
	else if (ret < 0)
		snprintf(err, errlen, "%s", c->err[0] ? c->err : strerror(-ret));
	if (ret < 0)
		free(c);
	return ret < 0 ? -1 : 0;
}

int
tusk_ctl_iperf3_client_cmd(void *arg, json_t *args, json_t **result,
			   char *err, size_t errlen)
{
	struct client_call *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (client_req(args, &c->req, err, errlen) < 0) {
		free(c);
		return -1;
	}
	if (client_call(arg, c, err, errlen) < 0)
		return -1;
	*result = json_pack("{s:I, s:s}", "id", (json_int_t)c->id,
			    "state", "running");
	free(c);
	return 0;
}

int
tusk_ctl_iperf3_result_cmd(void *arg, json_t *args, json_t **result,
			   char *err, size_t errlen)
{
	struct client_call *c = calloc(1, sizeof(*c));
	int64_t id;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	id = tusk_ctl_arg_uint(args, "id", -1, UINT32_MAX, err, errlen);
	if (id == -1 && json_object_get(args, "id") == NULL)
		snprintf(err, errlen, "\"id\" (a client test id) is required");
	if (id < 0) {
		free(c);
		return -1;
	}
	c->result = true;
	c->id = (uint32_t)id;
	if (client_call(arg, c, err, errlen) < 0)
		return -1;
	*result = json_pack("{s:I, s:s}", "id", id,
			    "state", c->state == 1 ? "running" : "done");
	if (c->doc != NULL)
		json_object_set_new(*result, "result", c->doc);
	free(c);
	return 0;
}
