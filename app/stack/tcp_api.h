/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP for services: listen/accept, connect, send, receive, close.
 *
 * Everything runs on the stack's lcore, inside tusk_stack_input() and
 * tusk_stack_poll() or the service's own calls; callbacks run there too.
 * Payload moves as mbufs in both directions and is never copied:
 *   - send: tusk_tcp_send() takes an mbuf chain (leading segments as send
 *     space allows) and keeps it until acknowledged; each transmitted
 *     segment is a small header mbuf chained to indirect mbufs that point
 *     into it.
 *   - receive: recv() gets the payload mbufs of each in-order segment and
 *     owns them. Its return value (bytes consumed now) drives flow control:
 *     bytes not consumed stay counted against the receive window until
 *     tusk_tcp_recv_consumed() releases them.
 * Partial progress is a return value, never a spin: send() says how much
 * it took, and writable() calls back when there is room again.
 */
#ifndef TUSK_TCP_API_H
#define TUSK_TCP_API_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;
struct tusk_tcp_conn;

/* RFC 9293 section 3.3.2 states. */
enum tusk_tcp_state {
	TUSK_TCP_CLOSED = 0,
	TUSK_TCP_LISTEN,
	TUSK_TCP_SYN_SENT,
	TUSK_TCP_SYN_RECEIVED,
	TUSK_TCP_ESTABLISHED,
	TUSK_TCP_FIN_WAIT_1,
	TUSK_TCP_FIN_WAIT_2,
	TUSK_TCP_CLOSE_WAIT,
	TUSK_TCP_CLOSING,
	TUSK_TCP_LAST_ACK,
	TUSK_TCP_TIME_WAIT,
	TUSK_TCP_STATE_MAX
};

/* "ESTABLISHED", ... */
const char *tusk_tcp_state_name(enum tusk_tcp_state s);

/*
 * Service callbacks. Only recv is required. `arg` is the per-connection
 * argument (the listener's arg until accepted() replaces it).
 */
struct tusk_tcp_ops {
	/* Passive open completed (listener). Return 0 to take the connection
	 * (and set *conn_arg), -errno to refuse it (it is reset). */
	int (*accepted)(struct tusk_tcp_conn *c, void *listen_arg,
			void **conn_arg, uint64_t now);
	/* Active open completed. */
	void (*connected)(struct tusk_tcp_conn *c, void *arg, uint64_t now);
	/* In-order payload; the callee owns m. Returns the bytes consumed
	 * (the rest hold the window until tusk_tcp_recv_consumed()). */
	uint32_t (*recv)(struct tusk_tcp_conn *c, void *arg,
			 struct rte_mbuf *m, uint64_t now);
	/* Send space opened after a send() took less than offered. */
	void (*writable)(struct tusk_tcp_conn *c, void *arg, uint64_t now);
	/* The peer sent FIN: no more data will come (CLOSE-WAIT, or after
	 * our own FIN: CLOSING / TIME-WAIT). */
	void (*peer_closed)(struct tusk_tcp_conn *c, void *arg, uint64_t now);
	/* The connection is gone; c is still readable here (statistics)
	 * and invalid after this returns. err is 0 (orderly close; after
	 * TIME-WAIT for the side that closed first), -ECONNRESET,
	 * -ECONNREFUSED or -ETIMEDOUT. Not called after tusk_tcp_close()
	 * or tusk_tcp_abort(): the service said it is done. */
	void (*closed)(struct tusk_tcp_conn *c, void *arg, int err,
		       uint64_t now);
};

/* Per-connection options (listen or connect); zeros mean defaults. */
struct tusk_tcp_conn_opts {
	const char *cc;        /* congestion controller name; NULL: default */
	uint32_t rcv_max;      /* receive window cap, bytes (1 GiB) */
	uint32_t snd_buf;      /* send buffer, bytes (TUSK_TCP_SND_BUF_DEFAULT) */
	bool nodelay;          /* no Nagle (RFC 1122 4.2.3.4) */
	bool keepalive;        /* RFC 1122 4.2.3.6 probes after 2 h idle */
	/* Largest segment payload, both ways: advertised in the SYN and the
	 * most we send (a socket's TCP_MAXSEG, iperf3 -M); 0: the route's */
	uint16_t mss_max;
	/* Leave options out of the SYN exchange (interop testing, and peers
	 * that mishandle them): */
	bool no_sack;          /* RFC 2018: recovery by RFC 5681/6582 */
	bool no_timestamps;    /* RFC 7323 timestamps and PAWS */
	bool no_wscale;        /* RFC 7323 window scaling: 64 KiB window */
};

/* The smallest mss_max taken (a smaller one is raised to it): RFC 9293
 * 3.7.1's default IPv4 MSS, what every host must accept; less would
 * only multiply headers. */
#define TUSK_TCP_MSS_MIN 536

/* Receive window cap unless told otherwise: 1 GiB, the most window
 * scaling can express (RFC 7323 2.3). The BDP of 10 Gbit/s over 200 ms is
 * 250 MB, and under loss the window must also cover the round trips a
 * hole takes to repair, or the sender stalls on it (measured: 1e-3 loss at
 * 10 Gbit/s, 150 ms: 63% of the link with 256 MiB, 96% with 1 GiB).
 * Autotuning grows toward the cap only as fast as data arrives. */
#define TUSK_TCP_RCV_MAX_DEFAULT (1u << 30)
/* Send buffer unless told otherwise: the same, so one flow can keep that
 * pipe full through loss recovery. */
#define TUSK_TCP_SND_BUF_DEFAULT (1u << 30)

/* Listen on `port` on every address. backlog bounds connections in
 * SYN-RECEIVED; past it, SYN cookies answer. Returns 0 or -errno. */
int tusk_tcp_listen(struct tusk_stack *st, uint16_t port,
		    const struct tusk_tcp_ops *ops, void *arg,
		    uint32_t backlog, const struct tusk_tcp_conn_opts *opts);
int tusk_tcp_unlisten(struct tusk_stack *st, uint16_t port);

/* Active open to dst:port from an ephemeral port. Returns 0 and *out, or
 * -ENETUNREACH, -EADDRNOTAVAIL (no free port), -ENOMEM (table full). */
int tusk_tcp_connect(struct tusk_stack *st, const struct tusk_addr *dst,
		     uint16_t port, const struct tusk_tcp_ops *ops, void *arg,
		     const struct tusk_tcp_conn_opts *opts, uint64_t now,
		     struct tusk_tcp_conn **out);

/*
 * Queue the mbuf chain *m for sending. Takes whole leading segments of the
 * chain while the send buffer has room; *m is left pointing at the rest
 * (NULL when all was taken) and stays the caller's. Returns the bytes
 * taken (0 when full: wait for writable()), or -ENOTCONN / -EPIPE (after
 * shutdown).
 */
int64_t tusk_tcp_send(struct tusk_tcp_conn *c, struct rte_mbuf **m,
		      uint64_t now);

/* Bytes send() would take now. */
uint32_t tusk_tcp_send_space(const struct tusk_tcp_conn *c);

/* The service consumed `bytes` it had held back; the window reopens. */
void tusk_tcp_recv_consumed(struct tusk_tcp_conn *c, uint32_t bytes,
			    uint64_t now);

/* Half-close: FIN after the queued data (RFC 9293 3.10.4). */
int tusk_tcp_shutdown(struct tusk_tcp_conn *c, uint64_t now);

/* Close: shutdown, and no more callbacks of any kind (the service may
 * free its state now); data arriving after this resets the connection
 * (RFC 1122 4.2.2.13). The FIN exchange finishes in the background. */
int tusk_tcp_close(struct tusk_tcp_conn *c, uint64_t now);

/* Reset now (RFC 9293 3.10.5 ABORT); no callback follows. */
void tusk_tcp_abort(struct tusk_tcp_conn *c, uint64_t now);

/* Switch congestion controller (before or during a transfer). */
int tusk_tcp_set_cc(struct tusk_tcp_conn *c, const char *name, uint64_t now);
void tusk_tcp_set_nodelay(struct tusk_tcp_conn *c, bool on);

void *tusk_tcp_conn_arg(const struct tusk_tcp_conn *c);
void tusk_tcp_conn_set_arg(struct tusk_tcp_conn *c, void *arg);
enum tusk_tcp_state tusk_tcp_conn_state(const struct tusk_tcp_conn *c);
void tusk_tcp_conn_tuple(const struct tusk_tcp_conn *c,
			 struct tusk_addr *laddr, uint16_t *lport,
			 struct tusk_addr *raddr, uint16_t *rport);

/* Per-connection statistics. */
struct tusk_tcp_conn_stats {
	enum tusk_tcp_state state;
	char cc[16];
	uint32_t mss;
	uint32_t cwnd;            /* bytes */
	uint32_t ssthresh;
	uint32_t in_flight;
	uint64_t srtt_ns;
	uint64_t rttvar_ns;
	uint64_t min_rtt_ns;
	uint64_t rto_ns;
	uint64_t pacing_rate;     /* bytes/s */
	uint64_t bytes_sent;      /* payload bytes, retransmissions included */
	uint64_t bytes_acked;     /* cumulatively acknowledged */
	uint64_t bytes_delivered; /* acknowledged or SACKed (delivery rate) */
	uint64_t bytes_retrans;
	uint64_t bytes_received;  /* in-order payload handed to recv() */
	uint64_t segs_sent;
	uint64_t segs_received;
	uint64_t segs_retrans;
	uint64_t rto_count;
	uint64_t tlp_count;
	uint64_t sack_recoveries; /* loss recovery episodes entered */
	uint64_t spurious_undos;  /* episodes undone by D-SACK */
	uint64_t dsacks_received;
	uint32_t snd_wnd;         /* peer's window, bytes */
	uint32_t rcv_wnd;         /* window we advertise, bytes */
	uint32_t rcv_space;       /* autotuned receive buffer, bytes */
	uint32_t ofo_bytes;       /* held out of order */
	uint64_t reo_wnd_ns;      /* RACK reordering window */
};

void tusk_tcp_conn_stats(const struct tusk_tcp_conn *c,
			 struct tusk_tcp_conn_stats *out);

/* The few figures a sender sizing its next read needs, on every pump of
 * a response: tusk_tcp_conn_stats() fills ~30 fields (the RACK window,
 * the pipe) and cost a GET over af_packet 14% of its lcore when the HTTP
 * server called it per pump. */
struct tusk_tcp_conn_send_view {
	uint64_t bytes_acked; /* cumulatively acknowledged payload */
	uint32_t cwnd;        /* bytes */
	uint32_t snd_wnd;     /* peer's window, bytes */
};

void tusk_tcp_conn_send_view(const struct tusk_tcp_conn *c,
			     struct tusk_tcp_conn_send_view *out);

/* Stack-wide TCP settings. TIME-WAIT lasts 2 x MSL (RFC 9293 3.4.2);
 * tests shorten it. */
void tusk_tcp_set_msl(struct tusk_stack *st, uint64_t msl_ns);
/* Connections in use (all states but CLOSED). */
uint32_t tusk_tcp_conn_count(const struct tusk_stack *st);

/* Call fn for every connection in use, in table order, until it returns
 * non-zero (which is then returned); 0 when all were visited. For the
 * control socket: it walks the whole table, O(max_conns). */
typedef int (*tusk_tcp_conn_visit_fn)(const struct tusk_tcp_conn *c,
				      void *arg);
int tusk_tcp_conn_foreach(const struct tusk_stack *st,
			  tusk_tcp_conn_visit_fn fn, void *arg);

#endif /* TUSK_TCP_API_H */
