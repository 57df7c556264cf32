/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command `conns`: every TCP connection of every lcore with
 * its statistics (app/stack/tcp_api.h struct tusk_tcp_conn_stats):
 *   {"cmd": "conns"}  ->  {"count": N, "truncated": false, "conns": [...]}
 * Each lcore builds its own list between bursts (tusk_lcore_call): the
 * connection table belongs to the lcore and is never read from here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "tcp_api.h"

/* Connections listed per request: a DTN runs tens of bulk flows; a table
 * of 100,000 half-open ones is an attack to count, not to print. */
#define CONNS_LIST_MAX 4096
/* A call walks the lcore's whole connection table: allow for that. */
#define CONNS_CALL_TIMEOUT_MS 1000

struct conns_walk {
	unsigned int lcore_id;
	json_t *list;
	unsigned int room; /* entries this lcore may still add */
	unsigned int seen;
};

static json_t *
conn_json(const struct tusk_tcp_conn *c, unsigned int lcore_id)
{
	struct tusk_tcp_conn_stats s;
	char la[TUSK_ADDR_STRLEN], ra[TUSK_ADDR_STRLEN];
	struct tusk_addr laddr, raddr;
	uint16_t lport, rport;

	tusk_tcp_conn_stats(c, &s);
	tusk_tcp_conn_tuple(c, &laddr, &lport, &raddr, &rport);
	tusk_addr_format(&laddr, la, sizeof(la));
	tusk_addr_format(&raddr, ra, sizeof(ra));
	return json_pack("{s:I, s:s, s:i, s:s, s:i, s:s, s:s, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I}",
		"lcore", (json_int_t)lcore_id,
		"local", la, "lport", (int)lport,
		"remote", ra, "rport", (int)rport,
		"state", tusk_tcp_state_name(s.state), "cc", s.cc,
		"mss", (json_int_t)s.mss, "cwnd", (json_int_t)s.cwnd,
		"ssthresh", (json_int_t)s.ssthresh,
		"in_flight", (json_int_t)s.in_flight,
		"srtt_us", (json_int_t)(s.srtt_ns / 1000),
		"rttvar_us", (json_int_t)(s.rttvar_ns / 1000),
		"min_rtt_us", (json_int_t)(s.min_rtt_ns / 1000),
		"rto_ms", (json_int_t)(s.rto_ns / 1000000),
		"pacing_rate_bps", (json_int_t)(s.pacing_rate * 8),
		"bytes_sent", (json_int_t)s.bytes_sent,
		"bytes_acked", (json_int_t)s.bytes_acked,
		"bytes_retrans", (json_int_t)s.bytes_retrans,
		"bytes_received", (json_int_t)s.bytes_received,
		"segs_sent", (json_int_t)s.segs_sent,
		"segs_received", (json_int_t)s.segs_received,
		"segs_retrans", (json_int_t)s.segs_retrans,
		"rto_count", (json_int_t)s.rto_count,
		"tlp_count", (json_int_t)s.tlp_count,
		"recoveries", (json_int_t)s.sack_recoveries,
		"spurious_undos", (json_int_t)s.spurious_undos,
		"dsacks_received", (json_int_t)s.dsacks_received,
		"snd_wnd", (json_int_t)s.snd_wnd,
		"rcv_wnd", (json_int_t)s.rcv_wnd,
		"rcv_space", (json_int_t)s.rcv_space,
		"ofo_bytes", (json_int_t)s.ofo_bytes);
}

static int
visit(const struct tusk_tcp_conn *c, void *arg)
{
	struct conns_walk *w = arg;

	w->seen++;
	if (w->room == 0)
		return 0; /* keep counting */
	if (json_array_append_new(w->list, conn_json(c, w->lcore_id)) < 0)
		return -ENOMEM;
	w->room--;
	return 0;
}

/* Runs on the lcore. */
static int
conns_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct conns_walk *w = arg;

	w->lcore_id = lc->lcore_id;
	return tusk_tcp_conn_foreach(lc->st, visit, w);
}

int
tusk_ctl_conns_cmd(void *arg, json_t *args, json_t **result,
		   char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	/* on the heap: an lcore that times out may still write into it */
	struct conns_walk *w = calloc(1, sizeof(*w));
	unsigned int i;
	int ret;

	if (w == NULL || (w->list = json_array()) == NULL) {
		free(w);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->room = CONNS_LIST_MAX;
	for (i = 0; i < ctl->ctx.n_lcores; i++) {
		ret = tusk_lcore_call(ctl->ctx.lcores[i], conns_on_lcore, w,
				      CONNS_CALL_TIMEOUT_MS);
		if (ret == -ETIMEDOUT) {
			/* w stays allocated: the lcore may still use it */
			snprintf(err, errlen, "lcore %u did not answer",
				 ctl->ctx.lcores[i]->lcore_id);
			return -1;
		}
		if (ret < 0) {
			json_decref(w->list);
			free(w);
			snprintf(err, errlen, "listing connections: %s",
				 strerror(-ret));
			return -1;
		}
	}
	*result = json_pack("{s:I, s:b, s:o}", "count", (json_int_t)w->seen,
			    "truncated", w->seen > json_array_size(w->list),
			    "conns", w->list);
	free(w);
	return 0;
}
