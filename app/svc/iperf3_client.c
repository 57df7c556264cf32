/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3: the client, the control connection from our end
 * (iperf_client_api.c iperf_handle_message_client, iperf_run_client).
 *
 *   tusk_iperf3_client_start() -> connect -> connected(): the cookie
 *   ctrl_recv() -> state bytes:
 *      PARAM_EXCHANGE  -> send_params()
 *      CREATE_STREAMS  -> iperf3_client_streams() (iperf3_client_io.c)
 *      TEST_RUNNING    -> iperf3_test_clock_start(): count, send
 *      iperf3_client_poll(): omit + time over -> TEST_END
 *      EXCHANGE_RESULTS -> our results; the server's (JSON)
 *      DISPLAY_RESULTS -> IPERF_DONE, iperf3_client_report(): the -J
 *                         document, kept for tusk_iperf3_client_result()
 *   any failure -> iperf3_test_abort() -> iperf3_client_failed()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_random.h>

#include "iperf3_client.h"

/* iperf3's defaults (iperf_api.h): UDP 1 Mbit/s per stream. */
#define IPERF3_CLIENT_UDP_RATE_DEFAULT (1024ull * 1024)
/* iperf3's blksize defaults: TCP 128 KiB; UDP the path's MTU less the
 * headers, at most 1460 (DEFAULT_UDP_BLKSIZE). */
#define IPERF3_CLIENT_TCP_LEN_DEFAULT (128u * 1024)
#define IPERF3_CLIENT_UDP_LEN_DEFAULT 1460u
/* SERVER_ERROR's two ints (iperf_api.c). */
#define IPERF3_CLIENT_ERRNO_SIZE 8

static const char cookie_chars[] = "abcdefghijklmnopqrstuvwxyz234567";

static void
make_cookie(uint8_t *c)
{
	for (unsigned int i = 0; i < IPERF3_COOKIE_SIZE - 1; i++)
		c[i] = (uint8_t)cookie_chars[rte_rand_max(
			sizeof(cookie_chars) - 1)];
	c[IPERF3_COOKIE_SIZE - 1] = '\0';
}

void
iperf3_client_failed(struct tusk_iperf3 *s, const char *why, uint64_t now)
{
	struct iperf3_client *cl = s->cl;

	RTE_SET_USED(now);
	if (cl == NULL || !cl->running)
		return;
	iperf3_client_unbind(s);
	json_decref(cl->result);
	cl->result = iperf3_client_report(s, why, now);
	cl->running = false;
}

/* The whole test is done: the -J document, everything released. */
static void
finish(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_client *cl = s->cl;

	iperf3_client_unbind(s);
	json_decref(cl->result);
	cl->result = iperf3_client_report(s, NULL, now);
	cl->running = false;
	s->counters.completed++;
	iperf3_test_release(s, now);
}

/* send_parameters(): what a 3.12 client sends for the same options. */
static void
send_params(struct tusk_iperf3 *s, uint64_t now)
{
	const struct iperf3_params *p = &s->t.p;
	json_t *j = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
			      p->udp ? "udp" : "tcp", 1,
			      "omit", (json_int_t)p->omit,
			      "time", (json_int_t)p->duration,
			      "num", (json_int_t)0, "blockcount", (json_int_t)0,
			      "parallel", (json_int_t)p->parallel,
			      "len", (json_int_t)p->len,
			      "pacing_timer", (json_int_t)1000,
			      "client_version", "3.12");
	char *txt;

	if (p->reverse)
		json_object_set_new(j, "reverse", json_true());
	if (p->bidir)
		json_object_set_new(j, "bidirectional", json_true());
	if (p->bandwidth != 0)
		json_object_set_new(j, "bandwidth",
				    json_integer((json_int_t)p->bandwidth));
	if (p->window != 0)
		json_object_set_new(j, "window",
				    json_integer((json_int_t)p->window));
	if (p->cc[0] != '\0')
		json_object_set_new(j, "congestion", json_string(p->cc));
	if (p->server_output)
		json_object_set_new(j, "get_server_output", json_integer(1));
	txt = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (txt == NULL) {
		iperf3_test_abort(s, "no memory for the parameters", now);
		return;
	}
	iperf3_client_send_json(s, txt, strlen(txt), now);
	free(txt);
	s->t.phase = PH_PARAMS;
}

void
iperf3_client_send_json(struct tusk_iperf3 *s, const char *txt, size_t len,
			uint64_t now)
{
	rte_be32_t n = rte_cpu_to_be_32((uint32_t)len);

	iperf3_ctrl_send(s, &n, sizeof(n), now);
	iperf3_ctrl_send(s, txt, len, now);
}

static void
send_results(struct tusk_iperf3 *s, uint64_t now)
{
	size_t len;
	char *ours = iperf3_json_results(s, &len, now);

	if (ours == NULL) {
		iperf3_test_abort(s, "no memory for the results", now);
		return;
	}
	iperf3_client_send_json(s, ours, len, now);
	free(ours);
	s->cl->want_json = true;
	iperf3_json_expect(&s->t);
}

static void
got_server_results(struct tusk_iperf3 *s, uint64_t now)
{
	char err[128];

	s->cl->want_json = false;
	if (iperf3_client_peer_results(s, err, sizeof(err)) < 0)
		iperf3_test_abort(s, err, now);
}

/* The test's time is over: stop counting, tell the server. */
static void
test_end(struct tusk_iperf3 *s, uint64_t now)
{
	iperf3_test_clock_stop(s, false, now);
	iperf3_ctrl_state(s, IPERF3_TEST_END, now);
	s->t.phase = PH_RESULTS;
	s->t.deadline = now + s->grace_ns;
}

static void
running(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	iperf3_test_clock_start(s, now);
	s->cl->t_stop = now + (uint64_t)(t->p.omit + t->p.duration) *
		NS_PER_SEC;
	t->deadline = s->cl->t_stop + s->grace_ns;
}

static const char *
state_error(int8_t b)
{
	switch (b) {
	case IPERF3_ACCESS_DENIED:
		return "the server is busy (ACCESS_DENIED)";
	case IPERF3_SERVER_TERMINATE:
		return "the server terminated the test";
	default:
		return NULL;
	}
}

static void
state_byte(struct tusk_iperf3 *s, int8_t b, uint64_t now)
{
	struct iperf3_test *t = &s->t;
	char why[64];

	if (b == IPERF3_PARAM_EXCHANGE && t->phase == PH_COOKIE) {
		send_params(s, now);
	} else if (b == IPERF3_CREATE_STREAMS && t->phase == PH_PARAMS) {
		t->phase = PH_STREAMS;
		iperf3_client_streams(s, now);
	} else if (b == IPERF3_TEST_START && t->phase == PH_STREAMS) {
		s->cl->started = true;
	} else if (b == IPERF3_TEST_RUNNING && t->phase == PH_STREAMS) {
		running(s, now);
	} else if (b == IPERF3_EXCHANGE_RESULTS && t->phase == PH_RESULTS) {
		send_results(s, now);
	} else if (b == IPERF3_DISPLAY_RESULTS && t->phase == PH_RESULTS &&
		   !s->cl->want_json) {
		iperf3_ctrl_state(s, IPERF3_IPERF_DONE, now);
		finish(s, now);
	} else if (b == IPERF3_SERVER_ERROR) {
		s->cl->want_errno = true;
	} else if (state_error(b) != NULL) {
		iperf3_test_abort(s, state_error(b), now);
	} else {
		snprintf(why, sizeof(why), "the server sent state %d "
			 "unexpectedly", b);
		iperf3_test_abort(s, why, now);
	}
}

/* SERVER_ERROR's i_errno and errno. */
static uint32_t
errno_input(struct tusk_iperf3 *s, const struct rte_mbuf *m, uint32_t off,
	    uint64_t now)
{
	struct iperf3_client *cl = s->cl;
	uint32_t n = RTE_MIN(rte_pktmbuf_pkt_len(m) - off,
			     IPERF3_CLIENT_ERRNO_SIZE - cl->errno_got);
	char why[96];
	rte_be32_t e[2];

	iperf3_take(m, off, cl->errno_buf + cl->errno_got, n);
	cl->errno_got += n;
	if (cl->errno_got < IPERF3_CLIENT_ERRNO_SIZE)
		return n;
	memcpy(e, cl->errno_buf, sizeof(e));
	snprintf(why, sizeof(why), "the server reported an error (iperf3 "
		 "i_errno %d, errno %d)", (int)rte_be_to_cpu_32(e[0]),
		 (int)rte_be_to_cpu_32(e[1]));
	iperf3_test_abort(s, why, now);
	return n;
}

static uint32_t
ctrl_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	  uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_iperf3 *s = k->s;
	uint32_t off = 0, len = rte_pktmbuf_pkt_len(m);

	RTE_SET_USED(c);
	while (off < len && s->t.ctrl == k) {
		int8_t b;

		if (s->cl->want_errno) {
			off += errno_input(s, m, off, now);
		} else if (s->cl->want_json) {
			off += iperf3_json_input(s, m, off, IPERF3_RESULTS_MAX,
						 got_server_results, now);
		} else {
			iperf3_take(m, off++, &b, 1);
			state_byte(s, b, now);
		}
	}
	rte_pktmbuf_free(m);
	return len;
}

static void
ctrl_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct iperf3_conn *k = arg;

	RTE_SET_USED(c);
	iperf3_ctrl_send(k->s, k->s->t.cookie, IPERF3_COOKIE_SIZE, now);
}

static void
ctrl_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	RTE_SET_USED(c);
	iperf3_conn_flush(arg, now);
}

static void
ctrl_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct iperf3_conn *k = arg;

	RTE_SET_USED(c);
	iperf3_test_abort(k->s, "the server closed the control connection",
			  now);
}

static void
ctrl_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_iperf3 *s = k->s;
	char why[80];

	RTE_SET_USED(c);
	k->c = NULL;
	iperf3_conn_free(k);
	s->t.ctrl = NULL;
	snprintf(why, sizeof(why), "control connection to the server: %s",
		 strerror(-err));
	iperf3_test_abort(s, why, now);
}

static const struct tusk_tcp_ops ctrl_ops = {
	.connected = ctrl_connected,
	.recv = ctrl_recv,
	.writable = ctrl_writable,
	.peer_closed = ctrl_peer_closed,
	.closed = ctrl_closed,
};

void
iperf3_client_poll(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	if (t->phase == PH_STREAMS && t->p.udp)
		iperf3_client_udp_hello(s, now);
	if (t->phase != PH_RUNNING)
		return;
	iperf3_running_poll(s, now);
	if (now >= s->cl->t_stop)
		test_end(s, now);
}

/* The request as iperf3's parameters, defaults filled in. */
static int
params(struct tusk_iperf3 *s, const struct tusk_iperf3_client_req *r,
       char *err, size_t errlen)
{
	struct iperf3_params *p = &s->t.p;
	uint32_t streams = r->parallel * (r->bidir ? 2 : 1);
	uint32_t mtu_len = tusk_udp_max_payload(s->env.st, &r->host);

	if (r->time == 0 || r->time > IPERF3_TIME_MAX ||
	    r->omit > IPERF3_TIME_MAX) {
		snprintf(err, errlen, "time must be 1..%u s (omit at most "
			 "that)", IPERF3_TIME_MAX);
		return -EINVAL;
	}
	if (r->parallel == 0 || streams > TUSK_IPERF3_STREAMS_MAX ||
	    (r->udp && streams > TUSK_IPERF3_CLIENT_UDP_STREAMS_MAX)) {
		snprintf(err, errlen, "parallel: %u streams in all at most "
			 "(%u with udp)", TUSK_IPERF3_STREAMS_MAX,
			 TUSK_IPERF3_CLIENT_UDP_STREAMS_MAX);
		return -EINVAL;
	}
	if (mtu_len == 0) {
		snprintf(err, errlen, "no route to the host");
		return -ENETUNREACH;
	}
	memset(p, 0, sizeof(*p));
	p->udp = r->udp;
	p->reverse = r->reverse;
	p->bidir = r->bidir;
	p->server_output = r->server_output;
	p->parallel = r->parallel;
	p->duration = r->time;
	p->omit = r->omit;
	p->window = r->window;
	p->bandwidth = r->bandwidth;
	if (p->udp && p->bandwidth == 0)
		p->bandwidth = IPERF3_CLIENT_UDP_RATE_DEFAULT;
	p->len = r->len != 0 ? r->len : p->udp ?
		RTE_MIN(IPERF3_CLIENT_UDP_LEN_DEFAULT, mtu_len) :
		IPERF3_CLIENT_TCP_LEN_DEFAULT;
	if (p->udp && (p->len < IPERF3_UDP_LEN_MIN || p->len > mtu_len)) {
		snprintf(err, errlen, "len: %u outside %u..%u (the path's MTU "
			 "less the headers) for udp", p->len,
			 IPERF3_UDP_LEN_MIN, mtu_len);
		return -EINVAL;
	}
	memcpy(p->cc, r->cc, sizeof(p->cc));
	return 0;
}

/* The test's state, and the control connection opened. */
static int
begin(struct tusk_iperf3 *s, const struct tusk_iperf3_client_req *r,
      uint64_t now)
{
	struct tusk_tcp_conn_opts opts = { .nodelay = true };
	struct iperf3_test *t = &s->t;
	struct iperf3_conn *k;
	int ret;

	t->want_streams = t->p.parallel * (t->p.bidir ? 2 : 1);
	t->samples = calloc((size_t)t->want_streams * IPERF3_INTERVALS_MAX,
			    sizeof(*t->samples));
	t->in = malloc(IPERF3_RESULTS_MAX);
	k = iperf3_conn_alloc(s, NULL, CONN_CTRL);
	if (t->samples == NULL || t->in == NULL || k == NULL)
		return -ENOMEM;
	t->ctrl = k;
	t->phase = PH_COOKIE;
	t->deadline = now + s->grace_ns;
	ret = tusk_tcp_connect(s->env.st, &r->host, s->cl->port, &ctrl_ops, k,
			       &opts, now, &k->c);
	return ret;
}

int
tusk_iperf3_client_start(struct tusk_iperf3 *s,
			 const struct tusk_iperf3_client_req *req,
			 uint64_t now, uint32_t *id, char *err,
			 size_t errlen)
{
	int ret;

	if (s->t.phase != PH_IDLE) {
		snprintf(err, errlen, "a test runs (%s): one at a time",
			 s->t.client ? "ours" : "a client's");
		return -EBUSY;
	}
	if (s->cl == NULL && (s->cl = calloc(1, sizeof(*s->cl))) == NULL)
		return -ENOMEM;
	memset(&s->t, 0, sizeof(s->t));
	s->t.client = true;
	ret = params(s, req, err, errlen);
	if (ret < 0)
		return ret;
	json_decref(s->cl->result);
	json_decref(s->cl->peer);
	memset(s->cl, 0, sizeof(*s->cl));
	s->cl->req = *req;
	s->cl->port = req->port != 0 ? req->port : TUSK_IPERF3_PORT_DEFAULT;
	s->cl->id = ++s->client_tests;
	s->cl->running = true;
	s->t.peer = req->host;
	make_cookie(s->t.cookie);
	s->counters.tests++;
	ret = begin(s, req, now);
	if (ret < 0) {
		snprintf(err, errlen, "cannot connect: %s", strerror(-ret));
		s->cl->running = false;
		iperf3_test_release(s, now);
		return ret;
	}
	*id = s->cl->id;
	return 0;
}

int
tusk_iperf3_client_result(struct tusk_iperf3 *s, uint32_t id, json_t **out)
{
	if (s->cl == NULL || s->cl->id != id)
		return -ENOENT;
	if (s->cl->running)
		return 1;
	*out = json_incref(s->cl->result);
	return *out != NULL ? 0 : -ENOMEM;
}

void
iperf3_client_free(struct tusk_iperf3 *s)
{
	if (s->cl == NULL)
		return;
	json_decref(s->cl->result);
	json_decref(s->cl->peer);
	free(s->cl);
	s->cl = NULL;
}
