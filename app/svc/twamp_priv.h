/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP internals shared by twamp.c (the instance, the reflector),
 * twamp_send.c (the session-sender) and twamp_ctrl.c (TWAMP-Control).
 */
#ifndef TUSK_TWAMP_PRIV_H
#define TUSK_TWAMP_PRIV_H

#include <rte_mbuf.h>

#include "tcp_api.h"
#include "twamp.h"
#include "twamp_pkt.h"
#include "twamp_wire.h"
#include "udp.h"

#define TWAMP_NS_PER_MS 1000000ull
#define TWAMP_NS_PER_S 1000000000ull

/* Senders the reflector keeps a sequence counter for (RFC 8762 4.3.2,
 * stateful mode); the least recently used makes room for a new one, whose
 * count restarts at 0. A flow is a sender address and port. */
#define TWAMP_FLOWS_MAX 64
/* TWAMP-Control connections at once: each may hold sessions; a new one
 * past this is reset (the UDP ports sessions take are few, below). */
#define TWAMP_CTRL_CONNS_MAX 8
/* Control connections from one address at once: with the slots few, one
 * host must not take them all (a client needs one; two let a test
 * overlap the next one's set-up). More are reset (ctrl_refused_source). */
#define TWAMP_CTRL_PER_SOURCE_MAX 2
/* Test sessions at once, over all connections: each binds a UDP port of
 * the stack's TUSK_UDP_BINDS_MAX (16), of which the reflector, iperf3 and
 * a sender run take three. */
#define TWAMP_SESSIONS_MAX 8
/* The greeting, set-up and server-start exchange must be over within
 * this (RFC 5357 3.1 leaves it to the server; a slow client must not
 * hold a slot). */
#define TWAMP_CTRL_SETUP_NS (30 * TWAMP_NS_PER_S)
/* An established control connection with no control message and no test
 * packet for this long is closed: RFC 5357 3.1 SERVWAIT, default 900 s. */
#define TWAMP_CTRL_SERVWAIT_NS (900 * TWAMP_NS_PER_S)
/* The control side's deadlines (above: tens of seconds) and lingering
 * sessions (a Timeout, which session_recv checks itself per packet) are
 * looked at this often, not every loop iteration: walking every slot on
 * each iteration cost a busy worker 8% (README "Files at network
 * speed"). A new connection's greeting goes at the next iteration. */
#define TWAMP_CTRL_POLL_NS (1000 * 1000)
/* After Stop-Sessions a session keeps reflecting for its Timeout (RFC
 * 5357 3.5), capped here so a client cannot hold a port for long. */
#define TWAMP_SESSION_LINGER_MAX_NS (10 * TWAMP_NS_PER_S)
/* Ports the server offers when the one asked for is taken (RFC 5357 3.5:
 * it "MAY suggest an alternate and available port"); above Linux's
 * ephemeral range of the peer namespaces, below 65535. */
#define TWAMP_SESSION_PORT_BASE 18760
#define TWAMP_SESSION_PORT_SPAN 1000
/* Source ports of sender runs: the IANA dynamic range (RFC 6335 6). */
#define TWAMP_SEND_PORT_BASE 49152
#define TWAMP_SEND_PORT_SPAN 16384
/* Packets a sender run sends per poll at most, when it has fallen behind
 * its schedule (a stalled loop): the rest go in the next iterations. */
#define TWAMP_SEND_BURST 32

enum twamp_conn_state {
	TWAMP_CONN_SETUP,        /* greeting sent, awaiting Set-Up-Response */
	TWAMP_CONN_READY,        /* requests, Start-Sessions, Stop-Sessions */
};

struct twamp_conn {
	struct tusk_twamp *s;
	struct tusk_tcp_conn *c;  /* NULL: slot free */
	enum twamp_conn_state state;
	uint32_t in_len;
	bool greet;               /* the greeting is still to send */
	uint8_t in[TWAMP_SETUP_LEN];
	uint64_t deadline;
	uint64_t active;          /* accepted, or its last control message */
	struct tusk_addr peer;
};

struct twamp_session {
	struct tusk_twamp *s;
	struct twamp_conn *owner; /* NULL: slot free */
	uint16_t port;
	struct tusk_addr peer;    /* the control connection's peer */
	bool started;
	uint64_t linger_ns;       /* its Timeout, capped */
	uint64_t stop_at;         /* 0: until Stop-Sessions */
	uint32_t seq;             /* reflector's own sequence numbers */
};

struct twamp_flow {
	struct tusk_addr addr;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint64_t used;
};

struct tusk_twamp {
	struct tusk_svc_env env;
	struct tusk_twamp_conf conf;
	struct tusk_twamp_counters c;
	struct twamp_flow flows[TWAMP_FLOWS_MAX];
	struct twamp_conn conns[TWAMP_CTRL_CONNS_MAX];
	struct twamp_session sessions[TWAMP_SESSIONS_MAX];
	struct tusk_twamp_run *run;
	uint32_t port_rot;        /* rotates the ports tried for runs */
	uint64_t last_poll;       /* `now` of the last tusk_twamp_poll() */
	uint64_t ctrl_next;       /* twamp_ctrl_poll() due (0: now) */
};

/* twamp.c: reflect the sender packet m (freed) with own sequence seq. */
void twamp_reflect(struct tusk_twamp *s, struct rte_mbuf *m,
		   const struct tusk_udp_meta *meta, uint32_t seq,
		   uint64_t now);
/* The Error Estimate of a timestamp taken at `now` (twamp.h). */
uint16_t twamp_err_est(const struct tusk_twamp *s, uint64_t now);
/* How long a frame received at `now` may have waited: since the last
 * poll of the instance, the previous loop iteration. */
uint64_t twamp_rx_gap(const struct tusk_twamp *s, uint64_t now);

/* twamp_send.c */
void twamp_send_poll(struct tusk_twamp *s, uint64_t now);

/* twamp_ctrl.c */
int twamp_ctrl_listen(struct tusk_twamp *s);
void twamp_ctrl_poll(struct tusk_twamp *s, uint64_t now);
void twamp_ctrl_free(struct tusk_twamp *s, uint64_t now);

#endif /* TUSK_TWAMP_PRIV_H */
