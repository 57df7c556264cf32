/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command of the iperf3 server (app/svc/iperf3.h):
 *
 *   iperf3  -> {"port", "state", "tests", "completed", "denied",
 *              "malformed", "timeouts", "udp_stray", "test": {...}}:
 *              the counters, and the current or last test as tuskd
 *              counted it (per stream: bytes, seconds, bits_per_second,
 *              retransmits, snd_cwnd, rtt_us; UDP: packets, lost,
 *              out_of_order, jitter_ms)
 *
 * The server runs on the first worker lcore; the call copies its state
 * between bursts through tusk_lcore_call().
 */
#include <errno.h>
#include <stdio.h>
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
	return json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:s, "
			 "s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:o}}",
		"port", (json_int_t)in->port, "state", in->state,
		"tests", (json_int_t)in->tests,
		"completed", (json_int_t)in->completed,
		"denied", (json_int_t)in->denied,
		"malformed", (json_int_t)in->malformed,
		"timeouts", (json_int_t)in->timeouts,
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
