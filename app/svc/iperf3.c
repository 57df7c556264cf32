/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3: the service, its connections and the test's phases (iperf3.h).
 *
 *   accepted() -> iperf3_conn_alloc() (iperf3_conn.c): idle: the control connection (PH_COOKIE);
 *                 PH_STREAMS: a data stream once its cookie matches;
 *                 otherwise ACCESS_DENIED from poll (deny_flush)
 *   ctrl_input(): cookie -> PARAM_EXCHANGE -> params (iperf3_json.c)
 *                 -> CREATE_STREAMS -> streams (here, iperf3_udp.c)
 *                 -> iperf3_test_begin(): TEST_START, TEST_RUNNING
 *                 TEST_END -> test_end(): EXCHANGE_RESULTS
 *                 -> client's results -> ours, DISPLAY_RESULTS
 *                 IPERF_DONE (or close) -> idle
 *   tusk_iperf3_poll(): deadlines, omit end, samples, senders
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "iperf3_priv.h"
#include "tcp_cc.h"

RTE_LOG_REGISTER_DEFAULT(tusk_iperf3_logtype, INFO);

static const struct tusk_tcp_ops iperf3_ops;

static const char *const phase_names[] = {
	[PH_IDLE] = "idle", [PH_COOKIE] = "params", [PH_PARAMS] = "params",
	[PH_STREAMS] = "streams", [PH_RUNNING] = "running",
	[PH_RESULTS] = "results", [PH_DISPLAY] = "results",
};

/* ------------------------------------------------------------ ctrl */

void
iperf3_ctrl_send(struct tusk_iperf3 *s, const void *bytes, size_t len,
		 uint64_t now)
{
	if (s->t.ctrl != NULL)
		iperf3_conn_send(s, s->t.ctrl, bytes, len, now);
}

void
iperf3_ctrl_state(struct tusk_iperf3 *s, enum iperf3_state st, uint64_t now)
{
	int8_t b = (int8_t)st;

	iperf3_ctrl_send(s, &b, 1, now);
}

/* ------------------------------------------------------------ test */

static double
tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* Process CPU seconds (user, system), as iperf3's cpu_util reads it. */
void
iperf3_cpu_now(double *user, double *sys)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		*user = *sys = 0;
		return;
	}
	*user = tv_s(&ru.ru_utime);
	*sys = tv_s(&ru.ru_stime);
}

/* Free everything of the test; the counters and the streams' figures
 * stay for tusk_iperf3_info(). */
void
iperf3_test_release(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	for (unsigned int i = 0; i < IPERF3_CONNS_MAX; i++) {
		struct iperf3_conn *k = &s->conns[i];

		if (k->kind == CONN_CTRL || k->kind == CONN_STREAM ||
		    k->kind == CONN_COOKIE)
			iperf3_conn_close(k, now);
	}
	for (unsigned int i = 0; i < t->n_streams; i++) {
		rte_pktmbuf_free(t->streams[i].pending);
		t->streams[i].pending = NULL;
	}
	free(t->in);
	t->in = NULL;
	free(t->samples);
	t->samples = NULL;
	t->ctrl = NULL;
	t->phase = PH_IDLE;
}

void
iperf3_test_abort(struct tusk_iperf3 *s, const char *why, uint64_t now)
{
	struct tusk_addr la, ra;
	uint16_t lp, rp = 0;
	char peer[TUSK_ADDR_STRLEN] = "?";

	if (s->t.ctrl != NULL && s->t.ctrl->c != NULL) {
		tusk_tcp_conn_tuple(s->t.ctrl->c, &la, &lp, &ra, &rp);
		tusk_addr_format(&ra, peer, sizeof(peer));
	}
	IPERF3_LOG(NOTICE, "test %s %s:%u ended: %s\n",
		   s->t.client ? "to" : "from", peer, rp, why);
	if (s->t.phase == PH_RUNNING && s->t.t_end == 0)
		s->t.t_end = now;
	if (s->t.client)
		iperf3_client_failed(s, why, now);
	iperf3_test_release(s, now);
}

static void
malformed(struct tusk_iperf3 *s, const char *why, uint64_t now)
{
	s->counters.malformed++;
	iperf3_test_abort(s, why, now);
}

bool
iperf3_all_streams_in(struct tusk_iperf3 *s)
{
	return s->t.n_streams == s->t.want_streams;
}

/* The test's clock starts: TEST_START sent (server) or received
 * (client); the streams start counting and sending. */
void
iperf3_test_clock_start(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	t->t_start = now;
	t->omitting = t->p.omit > 0;
	t->t_omit_end = now + (uint64_t)t->p.omit * NS_PER_SEC;
	t->deadline = t->t_omit_end + (uint64_t)t->p.duration * NS_PER_SEC +
		      s->grace_ns;
	t->next_sample = now + IPERF3_INTERVAL_NS;
	iperf3_cpu_now(&t->cpu_user0, &t->cpu_sys0);
	t->phase = PH_RUNNING;
	for (uint32_t i = 0; i < t->n_streams; i++)
		iperf3_stream_start(s, &t->streams[i], now);
}

void
iperf3_test_begin(struct tusk_iperf3 *s, uint64_t now)
{
	iperf3_ctrl_state(s, IPERF3_TEST_START, now);
	iperf3_test_clock_start(s, now);
	iperf3_ctrl_state(s, IPERF3_TEST_RUNNING, now);
}

/* Interval samples of every stream: one a second, and the last, partial
 * one at the end of the test (iperf3's stats callback at TEST_END). */
void
iperf3_sample_all(struct tusk_iperf3 *s, uint64_t at)
{
	struct iperf3_test *t = &s->t;
	uint32_t slot = t->n_samples;
	bool keep = t->samples != NULL && slot < IPERF3_INTERVALS_MAX;

	for (uint32_t i = 0; i < t->n_streams; i++)
		iperf3_stream_sample(s, &t->streams[i], slot, keep);
	if (keep) {
		t->sample_end[slot] = (double)(at - t->t_start) / NS_PER_SEC;
		t->n_samples++;
	}
}

/* The test's clock stops: the last interval, the streams' last figures;
 * close: the streams too (the server; the client keeps them open until
 * the server has its figures). */
void
iperf3_test_clock_stop(struct tusk_iperf3 *s, bool close, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	t->t_end = now;
	/* the last, partial interval; the client leaves out one shorter
	 * than a tenth of an interval, as iperf3's does (iperf_api.c
	 * iperf_print_intermediate) */
	if (now > t->next_sample - IPERF3_INTERVAL_NS +
	    (t->client ? IPERF3_INTERVAL_NS / 10 : 0))
		iperf3_sample_all(s, now);
	if (t->omitting) { /* ended inside the omitted seconds */
		for (uint32_t i = 0; i < t->n_streams; i++)
			iperf3_stream_omit_end(&t->streams[i], now);
		t->omitting = false;
	}
	for (uint32_t i = 0; i < t->n_streams; i++)
		iperf3_stream_stop(s, &t->streams[i], close, now);
	iperf3_cpu_now(&t->cpu_user, &t->cpu_sys);
}

static void
test_end(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	iperf3_test_clock_stop(s, true, now);
	iperf3_ctrl_state(s, IPERF3_EXCHANGE_RESULTS, now);
	t->phase = PH_RESULTS;
	t->deadline = now + s->grace_ns;
}

/* ------------------------------------------------------------ control */

/* Copy n bytes of m from off into dst. */
void
iperf3_take(const struct rte_mbuf *m, uint32_t off, void *dst, uint32_t n)
{
	const void *p = rte_pktmbuf_read(m, off, n, dst);

	if (p != dst)
		memcpy(dst, p, n);
}

/* A 36-character cookie of iperf3's alphabet and a NUL (iperf_api.c
 * make_cookie: [a-z2-7]). */
static bool
cookie_valid(const uint8_t *c)
{
	for (unsigned int i = 0; i < IPERF3_COOKIE_SIZE - 1; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') ||
		      (c[i] >= '2' && c[i] <= '7')))
			return false;
	return c[IPERF3_COOKIE_SIZE - 1] == '\0';
}

void
iperf3_json_expect(struct iperf3_test *t)
{
	t->in_len = 0;
	t->in_want = IPERF3_JSON_LEN_SIZE;
	t->in_have_len = false;
}

/* A SERVER_ERROR with iperf3's error number, then close: the client says
 * "error - ..." instead of a bare disconnect. */
static void
refuse(struct tusk_iperf3 *s, const char *why, uint64_t now)
{
	rte_be32_t e[2] = { rte_cpu_to_be_32(IPERF3_IEUNIMP), 0 };

	iperf3_ctrl_state(s, IPERF3_SERVER_ERROR, now);
	iperf3_ctrl_send(s, e, sizeof(e), now);
	malformed(s, why, now);
}

/* The listener again, with the streams' receive window capped at
 * rcv_max and their MSS at mss_max (0: the defaults). iperf3's server
 * does the same for -w and -M: it listens anew with SO_RCVBUF and
 * TCP_MAXSEG set (iperf_tcp.c iperf_tcp_listen), so the streams it
 * accepts next have them. Established connections (the control one) are
 * not touched; only embryonic ones die with the old listener, and
 * between the parameters and CREATE_STREAMS there are none of ours. */
static void
relisten(struct tusk_iperf3 *s, uint32_t rcv_max, uint16_t mss_max)
{
	struct tusk_tcp_conn_opts opts = { .rcv_max = rcv_max,
					   .mss_max = mss_max };

	if (rcv_max == s->rcv_max && mss_max == s->mss_max)
		return;
	tusk_tcp_unlisten(s->env.st, s->port);
	if (tusk_tcp_listen(s->env.st, s->port, &iperf3_ops, s,
			    IPERF3_BACKLOG, &opts) == 0) {
		s->rcv_max = rcv_max;
		s->mss_max = mss_max;
		return;
	}
	IPERF3_LOG(ERR, "cannot listen on %u again\n", s->port);
	s->rcv_max = UINT32_MAX; /* tried again at the next test */
}

static void
got_params(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;
	char err[128];
	int ret = iperf3_json_params(t->in, t->in_len, &t->p, err,
				     sizeof(err));

	if (ret == -ENOTSUP) {
		refuse(s, err, now);
		return;
	}
	if (ret < 0) {
		malformed(s, err, now);
		return;
	}
	s->counters.tests++;
	/* -w: the streams' receive buffers (not their send buffers: the
	 * pattern sender keeps its own bound, pattern.h) */
	relisten(s, !t->p.udp && t->p.window != 0 ?
		 (uint32_t)RTE_MIN(t->p.window, (uint64_t)TUSK_TCP_RCV_MAX_DEFAULT) :
		 0, t->p.udp ? 0 : (uint16_t)t->p.mss);
	t->want_streams = t->p.parallel * (t->p.bidir ? 2 : 1);
	if (t->p.server_output) {
		t->samples = calloc((size_t)t->want_streams *
				    IPERF3_INTERVALS_MAX, sizeof(*t->samples));
		if (t->samples == NULL) {
			malformed(s, "no memory for interval samples", now);
			return;
		}
	}
	iperf3_ctrl_state(s, IPERF3_CREATE_STREAMS, now);
	t->phase = PH_STREAMS;
	t->deadline = now + s->grace_ns;
}

static void
got_results(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;
	char err[128];
	size_t len;
	char *ours;
	rte_be32_t n;

	if (iperf3_json_check_results(t->in, t->in_len, err,
				      sizeof(err)) < 0) {
		malformed(s, err, now);
		return;
	}
	ours = iperf3_json_results(s, &len, now);
	if (ours == NULL) {
		malformed(s, "no memory for the results", now);
		return;
	}
	n = rte_cpu_to_be_32((uint32_t)len);
	iperf3_ctrl_send(s, &n, sizeof(n), now);
	iperf3_ctrl_send(s, ours, len, now);
	free(ours);
	iperf3_ctrl_state(s, IPERF3_DISPLAY_RESULTS, now);
	t->phase = PH_DISPLAY;
	t->deadline = now + s->grace_ns;
}

/* Length-prefixed JSON: up to `max` bytes. Returns bytes of m used; a
 * complete block calls done(). */
uint32_t
iperf3_json_input(struct tusk_iperf3 *s, const struct rte_mbuf *m, uint32_t off,
	   uint32_t max, void (*done)(struct tusk_iperf3 *, uint64_t),
	   uint64_t now)
{
	struct iperf3_test *t = &s->t;
	uint32_t n = RTE_MIN(rte_pktmbuf_pkt_len(m) - off,
			     t->in_want - t->in_len);

	iperf3_take(m, off, t->in + t->in_len, n);
	t->in_len += n;
	if (t->in_len < t->in_want)
		return n;
	if (!t->in_have_len) {
		rte_be32_t be;

		memcpy(&be, t->in, sizeof(be));
		t->in_want = rte_be_to_cpu_32(be);
		t->in_len = 0;
		t->in_have_len = true;
		if (t->in_want == 0 || t->in_want > max) {
			malformed(s, "JSON block length out of range", now);
			return n;
		}
		return n;
	}
	done(s, now);
	iperf3_json_expect(t);
	return n;
}

static void
state_byte(struct tusk_iperf3 *s, int8_t b, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	if (b == IPERF3_CLIENT_TERMINATE) {
		iperf3_test_abort(s, "the client terminated", now);
	} else if (b == IPERF3_TEST_END && t->phase == PH_RUNNING) {
		test_end(s, now);
		iperf3_json_expect(t);
	} else if (b == IPERF3_IPERF_DONE && t->phase == PH_DISPLAY) {
		s->counters.completed++;
		iperf3_test_release(s, now);
	} else {
		char why[48];

		snprintf(why, sizeof(why), "state %d unexpected in %s", b,
			 phase_names[t->phase]);
		malformed(s, why, now);
	}
}

static uint32_t
cookie_input(struct tusk_iperf3 *s, struct iperf3_conn *k,
	     const struct rte_mbuf *m, uint32_t off, uint64_t now)
{
	uint32_t n = RTE_MIN(rte_pktmbuf_pkt_len(m) - off,
			     IPERF3_COOKIE_SIZE - k->got);

	iperf3_take(m, off, k->cookie + k->got, n);
	k->got += n;
	if (k->got < IPERF3_COOKIE_SIZE)
		return n;
	if (!cookie_valid(k->cookie)) {
		malformed(s, "malformed cookie", now);
		return n;
	}
	memcpy(s->t.cookie, k->cookie, IPERF3_COOKIE_SIZE);
	iperf3_ctrl_state(s, IPERF3_PARAM_EXCHANGE, now);
	s->t.phase = PH_PARAMS;
	s->t.in = malloc(IPERF3_RESULTS_MAX);
	if (s->t.in == NULL)
		malformed(s, "no memory", now);
	iperf3_json_expect(&s->t);
	return n;
}

/* Everything the client says on the control connection. */
static void
ctrl_input(struct tusk_iperf3 *s, struct iperf3_conn *k,
	   const struct rte_mbuf *m, uint64_t now)
{
	uint32_t off = 0, len = rte_pktmbuf_pkt_len(m);

	while (off < len && s->t.ctrl == k) {
		int8_t b;

		switch (s->t.phase) {
		case PH_COOKIE:
			off += cookie_input(s, k, m, off, now);
			break;
		case PH_PARAMS:
			off += iperf3_json_input(s, m, off, IPERF3_PARAMS_MAX,
					  got_params, now);
			break;
		case PH_RESULTS:
			off += iperf3_json_input(s, m, off, IPERF3_RESULTS_MAX,
					  got_results, now);
			break;
		default:
			iperf3_take(m, off++, &b, 1);
			state_byte(s, b, now);
			break;
		}
	}
}

/* A would-be data stream's cookie: ours, while streams are awaited, makes
 * it the next stream; anything else is refused (iperf_tcp_accept). */
static uint32_t
stream_cookie(struct tusk_iperf3 *s, struct iperf3_conn *k,
	      const struct rte_mbuf *m, uint64_t now)
{
	uint32_t n = RTE_MIN(rte_pktmbuf_pkt_len(m), IPERF3_COOKIE_SIZE -
			     k->got);
	struct tusk_addr la, ra;
	uint16_t lp, rp;

	iperf3_take(m, 0, k->cookie + k->got, n);
	k->got += n;
	if (k->got < IPERF3_COOKIE_SIZE)
		return n;
	tusk_tcp_conn_tuple(k->c, &la, &lp, &ra, &rp);
	if (s->t.phase != PH_STREAMS || s->t.p.udp ||
	    memcmp(k->cookie, s->t.cookie, IPERF3_COOKIE_SIZE) != 0 ||
	    (k->sp = iperf3_stream_add(s, &ra, rp)) == NULL) {
		k->kind = CONN_DENY;
		s->deny_pending = 1;
		return n;
	}
	k->kind = CONN_STREAM;
	k->sp->c = k->c;
	k->sp->conn = k;
	if (iperf3_all_streams_in(s))
		iperf3_test_begin(s, now);
	return n;
}

static int
on_accepted(struct tusk_tcp_conn *c, void *listen_arg, void **conn_arg,
	    uint64_t now)
{
	struct tusk_iperf3 *s = listen_arg;
	enum iperf3_conn_kind kind = CONN_DENY;
	struct iperf3_conn *k;

	if (s->t.phase == PH_IDLE)
		kind = CONN_CTRL;
	else if (s->t.phase == PH_STREAMS && !s->t.p.udp && !s->t.client)
		kind = CONN_COOKIE;
	k = iperf3_conn_alloc(s, c, kind);
	if (k == NULL)
		return -ENOSPC; /* reset */
	if (kind == CONN_CTRL) {
		uint16_t lp, rp;
		struct tusk_addr la;

		memset(&s->t, 0, sizeof(s->t));
		tusk_tcp_conn_tuple(c, &la, &lp, &s->t.peer, &rp);
		s->t.ctrl = k;
		s->t.phase = PH_COOKIE;
		s->t.deadline = now + s->grace_ns;
		/* control messages are single bytes: no Nagle (iperf3 sets
		 * TCP_NODELAY on it) */
		tusk_tcp_set_nodelay(c, true);
	} else if (kind == CONN_DENY) {
		s->deny_pending = 1;
	}
	*conn_arg = k;
	return 0;
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_iperf3 *s = k->s;
	uint32_t len = rte_pktmbuf_pkt_len(m), used = 0;

	RTE_SET_USED(c);
	if (k->kind == CONN_CTRL)
		ctrl_input(s, k, m, now);
	else if (k->kind == CONN_COOKIE)
		used = stream_cookie(s, k, m, now);
	/* after its cookie, a stream's bytes are data */
	iperf3_conn_data(k, len - used, now);
	rte_pktmbuf_free(m);
	return len;
}

/* The peer is done sending: a control connection's end is the test's
 * (normal after DISPLAY_RESULTS); a stream's is the client's business. */
static void
on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_iperf3 *s = k->s;

	RTE_SET_USED(c);
	if (k->kind == CONN_CTRL) {
		if (s->t.phase == PH_DISPLAY) {
			s->counters.completed++;
			iperf3_test_release(s, now);
		} else {
			iperf3_test_abort(s, "the client closed the control "
					  "connection", now);
		}
		return;
	}
	if (k->kind != CONN_STREAM || s->t.phase != PH_RUNNING)
		iperf3_conn_close(k, now);
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct iperf3_conn *k = arg;
	struct tusk_iperf3 *s = k->s;

	RTE_SET_USED(c);
	k->c = NULL;
	if (k->kind == CONN_CTRL) {
		char why[64];

		snprintf(why, sizeof(why), "control connection lost: %s",
			 strerror(-err));
		iperf3_conn_free(k);
		s->t.ctrl = NULL;
		iperf3_test_abort(s, why, now);
		return;
	}
	iperf3_conn_free(k);
}

static const struct tusk_tcp_ops iperf3_ops = {
	.accepted = on_accepted,
	.recv = on_recv,
	.writable = iperf3_conn_writable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* ACCESS_DENIED to every connection refused since the last poll. */
static void
deny_flush(struct tusk_iperf3 *s, uint64_t now)
{
	const int8_t b = IPERF3_ACCESS_DENIED;

	s->deny_pending = 0;
	for (unsigned int i = 0; i < IPERF3_CONNS_MAX; i++) {
		struct iperf3_conn *k = &s->conns[i];

		if (k->kind != CONN_DENY || k->c == NULL)
			continue;
		iperf3_conn_send(s, k, &b, 1, now);
		s->counters.denied++;
		iperf3_conn_close(k, now);
	}
}

/* ------------------------------------------------------------ service */

void
iperf3_running_poll(struct tusk_iperf3 *s, uint64_t now)
{
	struct iperf3_test *t = &s->t;

	if (t->omitting && now >= t->t_omit_end) {
		for (uint32_t i = 0; i < t->n_streams; i++)
			iperf3_stream_omit_end(&t->streams[i], now);
		t->omitting = false;
	}
	if (now >= t->next_sample) {
		iperf3_sample_all(s, t->next_sample);
		t->next_sample += IPERF3_INTERVAL_NS;
	}
	iperf3_poll_senders(s, now);
	if (t->p.udp)
		iperf3_udp_poll(s, now);
}

void
tusk_iperf3_poll(void *arg, uint64_t now)
{
	struct tusk_iperf3 *s = arg;

	if (unlikely(s->deny_pending))
		deny_flush(s, now);
	if (likely(s->t.phase == PH_IDLE))
		return;
	if (now >= s->t.deadline) {
		s->counters.timeouts++;
		iperf3_test_abort(s, "abandoned (timeout)", now);
		return;
	}
	if (s->t.client)
		iperf3_client_poll(s, now);
	else if (s->t.phase == PH_RUNNING)
		iperf3_running_poll(s, now);
}

struct tusk_iperf3 *
tusk_iperf3_create(const struct tusk_svc_env *env,
		   const struct tusk_iperf3_conf *conf)
{
	struct tusk_tcp_conn_opts opts = { .nodelay = false };
	struct tusk_iperf3 *s = calloc(1, sizeof(*s));
	char name[RTE_MEMPOOL_NAMESIZE];
	static unsigned int instances;
	int ret;

	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->env = *env;
	s->counters.port = conf->port;
	s->grace_ns = (uint64_t)(conf->timeout_s ? conf->timeout_s :
				 TUSK_IPERF3_TIMEOUT_S_DEFAULT) * NS_PER_SEC;
	snprintf(name, sizeof(name), "tusk_iperf3_%u_%u", env->lcore_id,
		 instances++);
	ret = tusk_pattern_init(&s->pat, name, env->data_pool, IPERF3_CLONES,
				IPERF3_CLONE_CACHE,
				(int)rte_lcore_to_socket_id(env->lcore_id));
	if (ret == 0)
		ret = tusk_tcp_listen(env->st, conf->port, &iperf3_ops, s,
				      IPERF3_BACKLOG, &opts);
	if (ret == 0) {
		s->port = conf->port;
		ret = tusk_udp_bind(env->st, conf->port, iperf3_udp_recv, s);
		s->udp_bound = ret == 0;
	}
	if (ret < 0) {
		tusk_iperf3_free(s);
		rte_errno = -ret;
		return NULL;
	}
	return s;
}

void
tusk_iperf3_free(void *arg)
{
	struct tusk_iperf3 *s = arg;

	if (s == NULL)
		return;
	iperf3_test_release(s, 0);
	for (unsigned int i = 0; i < IPERF3_CONNS_MAX; i++)
		if (s->conns[i].kind != CONN_FREE)
			iperf3_conn_close(&s->conns[i], 0);
	if (s->udp_bound)
		tusk_udp_unbind(s->env.st, s->port);
	if (s->port != 0)
		tusk_tcp_unlisten(s->env.st, s->port);
	tusk_pattern_fini(&s->pat);
	iperf3_client_free(s);
	free(s);
}

void
tusk_iperf3_info(struct tusk_iperf3 *s, struct tusk_iperf3_info *out,
		 uint64_t now)
{
	const struct iperf3_test *t = &s->t;

	*out = s->counters;
	out->state = phase_names[t->phase];
	out->role = t->client ? "client" : "server";
	out->udp = t->p.udp;
	out->reverse = t->p.reverse;
	out->bidir = t->p.bidir;
	out->parallel = t->p.parallel;
	out->duration = t->p.duration;
	out->omit = t->p.omit;
	out->len = t->p.len;
	out->bandwidth = t->p.bandwidth;
	memcpy(out->cc, t->cc_used, sizeof(out->cc));
	out->peer = t->peer;
	out->n_streams = t->n_streams;
	for (uint32_t i = 0; i < t->n_streams; i++)
		iperf3_stream_info(t, &t->streams[i], &out->streams[i], now);
}
