/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP-Control server, unauthenticated mode (RFC 5357 3, RFC 4656 3.1):
 *
 *   accept -> Server Greeting (Modes = 1)
 *   Set-Up-Response (Mode 1)        -> Server-Start (Accept 0)
 *   Request-TW-Session (5)          -> Accept-Session (port, SID)
 *   Start-Sessions (2)              -> Start-Ack; the sessions reflect
 *   Stop-Sessions (3)               -> sessions end after their Timeout
 *
 *   on_recv() -> ctrl_input() -> on_setup() | on_request() | on_start()
 *                                | on_stop()
 *   session_recv() -> twamp_reflect()
 *   twamp_ctrl_poll() -> the greeting, deadlines, lingering sessions
 *
 * A hostile client gets no more than TWAMP_CTRL_PER_SOURCE_MAX of the
 * TWAMP_CTRL_CONNS_MAX slots, TWAMP_CTRL_SETUP_NS to finish the set-up,
 * and is closed on any message it should not send (counted as
 * malformed). When every slot is taken, a newcomer closes the connection
 * holding no session that spoke last the longest ago (an idle or a
 * stalled one): clients idling on connections cannot lock others out
 * for SERVWAIT (900 s), renewed forever by a message now and then.
 */
#include <errno.h>
#include <string.h>

#include <rte_random.h>

#include "twamp_priv.h"

static int
conn_write(struct twamp_conn *k, const void *msg, uint16_t len, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(k->s->env.data_pool);
	void *p = m != NULL ? rte_pktmbuf_append(m, len) : NULL;
	int64_t took;

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memcpy(p, msg, len);
	took = tusk_tcp_send(k->c, &m, now);
	if (m != NULL) {
		/* a fresh connection's send buffer holds a 64-byte message */
		rte_pktmbuf_free(m);
		return took < 0 ? (int)took : -ENOBUFS;
	}
	return 0;
}

static void
session_free(struct twamp_session *ss)
{
	tusk_udp_unbind(ss->s->env.st, ss->port);
	memset(ss, 0, sizeof(*ss));
}

/* Forget the connection and end its sessions now. */
static void
conn_free(struct twamp_conn *k)
{
	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++)
		if (k->s->sessions[i].owner == k)
			session_free(&k->s->sessions[i]);
	k->c = NULL;
}

static void
conn_close(struct twamp_conn *k, bool malformed, uint64_t now)
{
	struct tusk_tcp_conn *c = k->c;

	if (malformed)
		k->s->c.ctrl_malformed++;
	conn_free(k);
	tusk_tcp_close(c, now);
}

/* Set-Up-Response: Mode 1 is all we offer; Mode 0 is the client saying
 * it will not go on (RFC 4656 3.1), anything else a protocol error. */
static int
on_setup(struct twamp_conn *k, uint64_t now)
{
	struct twamp_setup su;
	struct twamp_server_start ss;
	uint64_t t = tusk_twamp_ntp_now(k->s->conf.clock, now);

	memcpy(&su, k->in, sizeof(su));
	if (rte_be_to_cpu_32(su.mode) != TWAMP_MODE_UNAUTH)
		return -EPROTO;
	memset(&ss, 0, sizeof(ss));
	ss.accept = TWAMP_ACCEPT_OK;
	ss.start_time.sec = rte_cpu_to_be_32((uint32_t)(t >> 32));
	ss.start_time.frac = rte_cpu_to_be_32((uint32_t)t);
	k->state = TWAMP_CONN_READY;
	k->deadline = now + TWAMP_CTRL_SERVWAIT_NS;
	return conn_write(k, &ss, sizeof(ss), now);
}

/* Test packets of a session: from the control connection's peer, after
 * Start-Sessions, until the session ends. */
static void
session_recv(void *arg, struct rte_mbuf *m, const struct tusk_udp_meta *meta,
	     uint64_t now)
{
	struct twamp_session *ss = arg;
	struct tusk_twamp *s = ss->s;

	if (!ss->started || (ss->stop_at != 0 && now >= ss->stop_at) ||
	    !tusk_addr_eq(&meta->src, &ss->peer)) {
		s->c.session_stray++;
		rte_pktmbuf_free(m);
		return;
	}
	if (rte_pktmbuf_pkt_len(m) < TWAMP_TEST_SEND_MIN) {
		s->c.short_pkts++;
		rte_pktmbuf_free(m);
		return;
	}
	ss->owner->deadline = now + TWAMP_CTRL_SERVWAIT_NS;
	twamp_reflect(s, m, meta, ss->seq++, now);
}

/* The port asked for when it is free, else one of ours (RFC 5357 3.5:
 * the server "MAY suggest an alternate and available port"). */
static int
session_bind(struct twamp_session *ss, uint16_t want)
{
	struct tusk_stack *st = ss->s->env.st;

	if (want != 0 && tusk_udp_bind(st, want, session_recv, ss) == 0) {
		ss->port = want;
		return 0;
	}
	for (uint16_t i = 0; i < TWAMP_SESSION_PORT_SPAN; i++) {
		uint16_t p = (uint16_t)(TWAMP_SESSION_PORT_BASE + i);

		if (tusk_udp_bind(st, p, session_recv, ss) == 0) {
			ss->port = p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

static struct twamp_session *
session_alloc(struct twamp_conn *k, const struct twamp_request *rq)
{
	struct tusk_addr la;
	uint16_t lp, rp;

	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++) {
		struct twamp_session *ss = &k->s->sessions[i];

		if (ss->owner != NULL)
			continue;
		ss->s = k->s;
		if (session_bind(ss, rte_be_to_cpu_16(rq->receiver_port)) < 0)
			return NULL;
		ss->owner = k;
		tusk_tcp_conn_tuple(k->c, &la, &lp, &ss->peer, &rp);
		/* Timeout (RFC 5357 3.5): how long to go on reflecting after
		 * Stop-Sessions */
		ss->linger_ns = RTE_MIN((uint64_t)rte_be_to_cpu_32(
						rq->timeout.sec) * TWAMP_NS_PER_S,
					TWAMP_SESSION_LINGER_MAX_NS);
		return ss;
	}
	return NULL;
}

/* SID (RFC 4656 3.5): our address, the time, 4 random bytes. */
static void
make_sid(struct twamp_conn *k, uint8_t sid[16], uint64_t now)
{
	struct tusk_addr la, ra;
	uint16_t lp, rp;
	uint64_t t = rte_cpu_to_be_64(tusk_twamp_ntp_now(k->s->conf.clock,
							  now));
	uint32_t r = (uint32_t)rte_rand();

	tusk_tcp_conn_tuple(k->c, &la, &lp, &ra, &rp);
	memcpy(sid, &la.v4, 4);
	memcpy(sid + 4, &t, 8);
	memcpy(sid + 12, &r, 4);
}

static int
on_request(struct twamp_conn *k, uint64_t now)
{
	struct twamp_request rq;
	struct twamp_accept_session as;
	struct twamp_session *ss;

	memcpy(&rq, k->in, sizeof(rq));
	memset(&as, 0, sizeof(as));
	/* IPv4 only, as the stack (IPVN, RFC 5357 3.5) */
	if ((rq.ipvn & 0x0f) != 4) {
		as.accept = TWAMP_ACCEPT_UNSUPPORTED;
		return conn_write(k, &as, sizeof(as), now);
	}
	ss = session_alloc(k, &rq);
	if (ss == NULL) {
		k->s->c.sessions_refused++;
		as.accept = TWAMP_ACCEPT_TEMPORARY;
		return conn_write(k, &as, sizeof(as), now);
	}
	k->s->c.sessions++;
	as.accept = TWAMP_ACCEPT_OK;
	as.port = rte_cpu_to_be_16(ss->port);
	make_sid(k, as.sid, now);
	return conn_write(k, &as, sizeof(as), now);
}

static int
on_start(struct twamp_conn *k, uint64_t now)
{
	struct twamp_start_ack ack;

	memset(&ack, 0, sizeof(ack));
	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++)
		if (k->s->sessions[i].owner == k)
			k->s->sessions[i].started = true;
	ack.accept = TWAMP_ACCEPT_OK;
	return conn_write(k, &ack, sizeof(ack), now);
}

/* Stop-Sessions: each session lingers for its Timeout (capped), then
 * goes (twamp_ctrl_poll()); no answer (RFC 5357 3.8). */
static int
on_stop(struct twamp_conn *k, uint64_t now)
{
	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++) {
		struct twamp_session *ss = &k->s->sessions[i];

		if (ss->owner == k && ss->stop_at == 0) {
			ss->stop_at = now + ss->linger_ns + 1;
			/* its port is free again when its linger ends */
			if (ss->stop_at < k->s->ctrl_next)
				k->s->ctrl_next = ss->stop_at;
		}
	}
	return 0;
}

/* Bytes the next message needs: its first byte (in[0]) tells. */
static uint32_t
msg_len(const struct twamp_conn *k)
{
	if (k->state == TWAMP_CONN_SETUP)
		return TWAMP_SETUP_LEN;
	if (k->in[0] == TWAMP_CMD_REQUEST_TW_SESSION)
		return TWAMP_REQUEST_LEN;
	return TWAMP_CMD_LEN;
}

static int
ctrl_message(struct twamp_conn *k, uint64_t now)
{
	if (k->state == TWAMP_CONN_SETUP)
		return on_setup(k, now);
	k->deadline = now + TWAMP_CTRL_SERVWAIT_NS;
	k->active = now;
	switch (k->in[0]) {
	case TWAMP_CMD_REQUEST_TW_SESSION:
		return on_request(k, now);
	case TWAMP_CMD_START_SESSIONS:
		return on_start(k, now);
	case TWAMP_CMD_STOP_SESSIONS:
		return on_stop(k, now);
	default:
		return -EPROTO; /* OWAMP's 1 and 4, or no command at all */
	}
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	uint64_t now)
{
	struct twamp_conn *k = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 0;

	RTE_SET_USED(c);
	while (k->c != NULL && off < len) {
		uint32_t need, n;
		int ret;

		if (k->in_len == 0)
			k->in[0] = *(const uint8_t *)rte_pktmbuf_read(
				m, off, 1, k->in);
		need = msg_len(k);
		n = RTE_MIN(need - k->in_len, len - off);
		memcpy(k->in + k->in_len,
		       rte_pktmbuf_read(m, off, n, k->in + k->in_len), n);
		k->in_len += n;
		off += n;
		if (k->in_len < need)
			break;
		k->in_len = 0;
		ret = ctrl_message(k, now);
		if (ret < 0)
			conn_close(k, ret == -EPROTO, now);
	}
	rte_pktmbuf_free(m);
	return len;
}

static bool
conn_has_session(const struct twamp_conn *k)
{
	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++)
		if (k->s->sessions[i].owner == k)
			return true;
	return false;
}

/* A free slot for a connection from peer: NULL when peer already has
 * TWAMP_CTRL_PER_SOURCE_MAX; when the table is full, the slot of the
 * connection without a session that spoke last the longest ago, closed
 * (NULL when every one holds sessions). */
static struct twamp_conn *
slot_for(struct tusk_twamp *s, const struct tusk_addr *peer, uint64_t now)
{
	struct twamp_conn *free_k = NULL, *victim = NULL;
	unsigned int same = 0;

	for (unsigned int i = 0; i < TWAMP_CTRL_CONNS_MAX; i++) {
		struct twamp_conn *k = &s->conns[i];

		if (k->c == NULL) {
			free_k = free_k != NULL ? free_k : k;
			continue;
		}
		same += tusk_addr_eq(&k->peer, peer);
		if (!conn_has_session(k) &&
		    (victim == NULL || k->active < victim->active))
			victim = k;
	}
	if (same >= TWAMP_CTRL_PER_SOURCE_MAX) {
		s->c.ctrl_refused_source++;
		return NULL;
	}
	if (free_k != NULL || victim == NULL)
		return free_k;
	s->c.ctrl_evicted++;
	conn_close(victim, false, now);
	return victim;
}

static int
on_accepted(struct tusk_tcp_conn *c, void *listen_arg, void **conn_arg,
	    uint64_t now)
{
	struct tusk_twamp *s = listen_arg;
	struct tusk_addr la, ra;
	uint16_t lp, rp;
	struct twamp_conn *k;

	tusk_tcp_conn_tuple(c, &la, &lp, &ra, &rp);
	k = slot_for(s, &ra, now);
	if (k != NULL) {
		*k = (struct twamp_conn){
			.s = s, .c = c, .state = TWAMP_CONN_SETUP,
			.greet = true, .deadline = now + TWAMP_CTRL_SETUP_NS,
			.active = now, .peer = ra,
		};
		/* messages are small and answered one by one */
		tusk_tcp_set_nodelay(c, true);
		*conn_arg = k;
		s->ctrl_next = 0; /* greet at the next poll */
		s->c.ctrl_conns++;
		return 0;
	}
	s->c.ctrl_refused++;
	return -ENOSPC;
}

static void
on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	RTE_SET_USED(c);
	conn_close(arg, false, now);
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	RTE_SET_USED(c);
	RTE_SET_USED(err);
	RTE_SET_USED(now);
	conn_free(arg);
}

static const struct tusk_tcp_ops ctrl_ops = {
	.accepted = on_accepted,
	.recv = on_recv,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

int
twamp_ctrl_listen(struct tusk_twamp *s)
{
	struct tusk_tcp_conn_opts o = { .nodelay = true };

	return tusk_tcp_listen(s->env.st, s->conf.port, &ctrl_ops, s,
			       TWAMP_CTRL_CONNS_MAX, &o);
}

/* Server Greeting (RFC 4656 3.1): Modes 1; Challenge, Salt unused in
 * unauthenticated mode but random as the RFC asks. */
static int
greet(struct twamp_conn *k, uint64_t now)
{
	struct twamp_greeting g;

	memset(&g, 0, sizeof(g));
	g.modes = rte_cpu_to_be_32(TWAMP_MODE_UNAUTH);
	for (unsigned int i = 0; i < sizeof(g.challenge); i += 8) {
		uint64_t r = rte_rand(), q = rte_rand();

		memcpy(g.challenge + i, &r, 8);
		memcpy(g.salt + i, &q, 8);
	}
	g.count = rte_cpu_to_be_32(TWAMP_GREETING_COUNT);
	k->greet = false;
	return conn_write(k, &g, sizeof(g), now);
}

void
twamp_ctrl_poll(struct tusk_twamp *s, uint64_t now)
{
	for (unsigned int i = 0; i < TWAMP_CTRL_CONNS_MAX; i++) {
		struct twamp_conn *k = &s->conns[i];

		if (k->c == NULL)
			continue;
		if (k->greet && greet(k, now) < 0) {
			conn_close(k, false, now);
		} else if (now >= k->deadline) {
			s->c.ctrl_timeouts++;
			conn_close(k, false, now);
		}
	}
	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++) {
		struct twamp_session *ss = &s->sessions[i];

		if (ss->owner != NULL && ss->stop_at != 0 && ss->stop_at <= now)
			session_free(ss);
	}
}

void
twamp_ctrl_free(struct tusk_twamp *s, uint64_t now)
{
	for (unsigned int i = 0; i < TWAMP_CTRL_CONNS_MAX; i++)
		if (s->conns[i].c != NULL)
			conn_close(&s->conns[i], false, now);
}
