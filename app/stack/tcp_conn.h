/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP connections: the transmission control block (RFC 9293 3.3.1), the
 * per-stack table of them (a hash of 4-tuples over a preallocated array,
 * sized at create for 100,000+ connections), listeners, ephemeral ports
 * (RFC 6056) and initial sequence numbers (RFC 6528).
 *
 * File map of TCP:
 *   tcp.c          entry points the stack calls (tcp.h)
 *   tcp_input.c    segment arrival: checks, demux, LISTEN, SYN-SENT, the
 *                  RFC 9293 3.10.7.4 sequence of checks, state changes
 *   tcp_ack.c      the ACK field: SND.UNA, SACK, RACK, RTT, congestion
 *   tcp_recv.c     the payload: in-order delivery, reassembly, FIN, ACK
 *                  policy, receive window autotuning
 *   tcp_output.c   segments out: data (zero-copy), SYN, ACK, RST, pacing
 *   tcp_timer.c    every timer
 *   tcp_api.c      the service API (tcp_api.h)
 *   tcp_sndq.c tcp_sack.c tcp_rack.c tcp_rtt.c tcp_ofo.c tcp_options.c
 *   tcp_syncookie.c tcp_challenge.c tcp_hash.c tcp_mbuf.c: the parts,
 *   each testable alone
 *   (congestion control and rate sampling: tcp_cc*.c, tcp_rate.c)
 */
#ifndef TUSK_TCP_CONN_H
#define TUSK_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"
#include "tcp_api.h"
#include "tcp_cc.h"
#include "tcp_challenge.h"
#include "tcp_hash.h"
#include "tcp_ofo.h"
#include "tcp_options.h"
#include "tcp_rack.h"
#include "tcp_rate.h"
#include "tcp_rtt.h"
#include "tcp_sack.h"
#include "tcp_sndq.h"
#include "tcp_timer.h"

struct tusk_stack;

/* No connection: end of a hash chain or free list. */
#define TUSK_TCP_NIL UINT32_MAX

/* Connection table size when the stack conf says 0. Each block is about
 * 1 KiB, so the default costs 16 MiB; tuskd sets 131072 for 100k+. */
#define TUSK_TCP_DEFAULT_MAX_CONNS 16384
/* Listening ports per stack: a DTN runs a handful of services. */
#define TUSK_TCP_MAX_LISTENERS 32
/* Ephemeral ports (RFC 6335 section 6: 49152-65535). */
#define TUSK_TCP_EPHEMERAL_LO 49152
#define TUSK_TCP_EPHEMERAL_HI 65535
/* SYN-RECEIVED connections per listener unless told: past it, cookies. */
#define TUSK_TCP_BACKLOG_DEFAULT 1024
/* SYN and SYN-ACK retransmissions before giving up (Linux: 6 and 5, a
 * minute or so with backoff from 1 s). */
#define TUSK_TCP_SYN_RETRIES 6
/* Largest TSO frame: IPv4's 64 KiB total length less headers, rounded
 * down to a round number of segments at setup. */
#define TUSK_TCP_TSO_MAX_BYTES 64000
/* Receive buffer a connection starts with (before autotuning): 128 KiB,
 * the same order as Linux's tcp_rmem default. */
#define TUSK_TCP_RCV_SPACE_INIT (128u << 10)
/* Quick ACKs at start and after idle: ACK every segment for this many
 * segments while the peer is in slow start (Linux TCP_MAX_QUICKACKS). */
#define TUSK_TCP_QUICKACKS 16

/* Connection flags (struct tusk_tcp_conn.flags). */
#define TUSK_TCP_CF_TS        (1u << 0)  /* timestamps negotiated */
#define TUSK_TCP_CF_SACK      (1u << 1)  /* SACK-permitted negotiated */
#define TUSK_TCP_CF_WS        (1u << 2)  /* window scaling negotiated */
#define TUSK_TCP_CF_SHUT_WR   (1u << 3)  /* app shut down sending */
#define TUSK_TCP_CF_FIN_SENT  (1u << 4)  /* our FIN has a sequence number */
#define TUSK_TCP_CF_CLOSED    (1u << 5)  /* app closed: no more callbacks */
#define TUSK_TCP_CF_NODELAY   (1u << 6)
#define TUSK_TCP_CF_KEEPALIVE (1u << 7)
#define TUSK_TCP_CF_ACK_NOW   (1u << 8)  /* send an ACK before returning */
#define TUSK_TCP_CF_WANT_WRITE (1u << 9) /* send() ran out of room */
#define TUSK_TCP_CF_RECOVERY  (1u << 10) /* in loss recovery */
#define TUSK_TCP_CF_IN_TABLE  (1u << 11) /* hashed */
#define TUSK_TCP_CF_FIN_RCVD  (1u << 12) /* peer's FIN processed */
#define TUSK_TCP_CF_PASSIVE   (1u << 13) /* from a listener */
#define TUSK_TCP_CF_RTO_RECOVERY (1u << 14) /* recovering after an RTO */
#define TUSK_TCP_CF_ACCEPTED  (1u << 15) /* service took it */
#define TUSK_TCP_CF_FIN_QUEUED (1u << 16) /* peer's FIN seen, not reached */
#define TUSK_TCP_CF_NO_SACK   (1u << 17) /* do not offer/accept SACK */
#define TUSK_TCP_CF_NO_TS     (1u << 18) /* ... timestamps */
#define TUSK_TCP_CF_NO_WS     (1u << 19) /* ... window scaling */
#define TUSK_TCP_CF_DEFERRED  (1u << 20) /* output at the rx burst's end */

struct tusk_tcp_listener {
	uint16_t port;
	bool used;
	const struct tusk_tcp_ops *ops;
	void *arg;
	uint32_t backlog;
	uint32_t syn_queued;    /* connections in SYN-RECEIVED */
	struct tusk_tcp_conn_opts opts;
	const struct tusk_tcp_cc_ops *cc;
	/* When this listener last answered with a cookie (0: never): only
	 * then may an ACK with no connection be a cookie's, so only then
	 * is it checked (Linux: tcp_synq_no_recent_overflow). */
	uint64_t cookie_last;
};

struct tusk_tcp_conn {
	/* Identity and table links. */
	struct tusk_tcp_tuple t;
	uint32_t idx;
	uint32_t hnext;         /* hash chain / free list */
	uint32_t heap_pos;      /* timer heap slot, TUSK_TCP_NIL if none */
	uint8_t state;          /* enum tusk_tcp_state */
	uint8_t listener;       /* index, for SYN-RECEIVED accounting */
	uint32_t flags;         /* TUSK_TCP_CF_* */

	const struct tusk_tcp_ops *ops;
	void *arg;
	struct tusk_tcp *tcp;   /* the stack's TCP this block belongs to */

	/* Send sequence space (RFC 9293 3.3.1). SND.NXT only grows: data
	 * lost is resent from the scoreboard, not by rewinding. */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd;       /* bytes, scaled */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t max_snd_wnd;   /* largest window offered (RFC 5961 5.2) */
	uint32_t snd_buf;       /* send buffer limit, bytes */
	uint16_t mss;           /* payload per segment we send */
	uint32_t tso_max;       /* bytes per TSO frame; 0: no TSO */
	uint16_t rcv_mss;       /* what we advertised */
	uint16_t mss_max;       /* tusk_tcp_conn_opts.mss_max (0: none) */
	uint16_t rcv_seg_max;   /* largest segment received: the peer's
				 * "full-sized segment" (RFC 1122 4.2.3.2) */
	uint8_t snd_wscale;     /* shift for the peer's window field */
	uint8_t rcv_wscale;     /* shift we apply to ours */
	uint8_t syn_retries;
	uint8_t dupacks;        /* RFC 5681 counter when SACK is off */

	/* Receive sequence space. */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;       /* right edge we advertised */
	uint32_t rcv_space;     /* autotuned buffer (RCV.WND's ceiling) */
	uint32_t rcv_max;       /* cap for rcv_space */
	uint32_t rcv_pool_cap;  /* what the rx pool holds; 0: not yet known */
	struct rte_mempool *rcv_pool; /* the route's rx pool; NULL: none */
	uint32_t rcv_held;      /* delivered, not yet consumed by the app */
	uint32_t rcv_fin_seq;   /* sequence number of the peer's FIN */
	uint32_t segs_unacked;  /* full-sized segments since our last ACK */
	uint8_t quickacks;
	uint8_t keep_probes;
	uint16_t persist_backoff;

	/* Timestamps (RFC 7323). */
	uint32_t ts_recent;
	uint64_t ts_recent_age;
	uint32_t last_ack_sent;
	uint32_t ts_offset;     /* per-connection (RFC 7323 5.4, 7.1) */

	/* Autotuning (Dynamic Right-Sizing): bytes delivered per RTT. */
	uint64_t rcvq_start;    /* start of the measuring interval */
	uint32_t rcvq_seq;      /* rcv_nxt at its start */
	uint32_t rcvq_prev;     /* bytes in the previous interval */
	bool rcvq_holes;        /* out-of-order data seen in the interval */
	uint32_t rcv_rtt_seq;   /* rcv_nxt + window when the RTT probe began */
	uint64_t rcv_rtt_ts;
	uint64_t rcv_rtt;       /* receiver's RTT estimate, ns */

	/* Timers. */
	uint64_t timer[TUSK_TCP_T_MAX];
	uint64_t deadline;      /* min of timer[] */
	uint8_t rtx_mode;       /* enum tusk_tcp_rtx_mode */
	uint64_t last_rx;       /* for keepalive */
	uint64_t syn_ts;        /* first SYN / SYN-ACK sent (RTT sample) */
	uint64_t pace_ts;       /* next paced send may leave at this time */
	bool pace_held;         /* the last output stopped on pacing */
	uint64_t challenge_next; /* next challenge ACK allowed (RFC 5961 7) */
	uint64_t oow_ack_next;   /* next ACK for an out-of-window segment */

	/* Loss recovery and congestion control. */
	uint32_t recovery_point; /* RFC 6582 "recover" */
	uint32_t undo_retrans;  /* retransmissions not yet D-SACKed */
	uint64_t reo_ts;        /* RACK reordering timer, 0 = not needed */
	uint32_t rto_tsval;     /* our TSval when the timer fired (Eifel) */
	bool rto_undo_ok;       /* a first timeout may still prove spurious */
	/* Proportional rate reduction (RFC 6937) for window-based
	 * controllers during recovery. */
	uint64_t prr_delivered;
	uint64_t prr_out;
	uint32_t recover_fs;
	int64_t prr_quota;      /* bytes that may be sent now */
	struct tusk_tcp_rtt rtt;
	struct tusk_tcp_rack rack;
	struct tusk_tcp_sb sb;
	struct tusk_tcp_rate rate;
	struct tusk_tcp_cc cc;

	/* Queues. */
	struct tusk_tcp_sndq sq;
	struct tusk_tcp_ofo ofo;

	/* The SACK blocks of the previous ACK: only what they did not cover
	 * is looked at again (Linux's recv_sack_cache), so a block that
	 * grows by a segment per ACK costs a segment per ACK, not its
	 * length. */
	struct tusk_tcp_sack_block sack_cache[TUSK_TCP_MAX_SACK];
	uint8_t sack_cache_n;

	/* D-SACK to report in our next ACK (RFC 2883). */
	uint32_t dsack_start;
	uint32_t dsack_end;

	struct tusk_tcp_conn_stats_raw {
		uint64_t bytes_sent, bytes_acked, bytes_delivered;
		uint64_t bytes_retrans, bytes_received;
		uint64_t segs_sent, segs_received, segs_retrans;
		uint64_t rto_count, tlp_count, recoveries, undos, dsacks;
	} s;
};

/* Connections one rx burst can defer output for (tusk_tcp.deferred). */
#define TUSK_TCP_DEFER_MAX 64

struct tusk_tcp {
	struct tusk_stack *st;
	int socket_id;
	struct tusk_tcp_conn *conns;
	uint32_t max_conns;
	uint32_t n_conns;
	uint32_t free_head;
	uint32_t *buckets;
	uint32_t bucket_mask;
	struct tusk_tcp_listener listeners[TUSK_TCP_MAX_LISTENERS];
	struct tusk_tcp_key isn_key;
	struct tusk_tcp_key cookie_key;
	struct tusk_tcp_key port_key;
	uint32_t port_offset;     /* RFC 6056 alg. 3 "next_ephemeral" */
	uint16_t port_shares;     /* stack conf tcp_shares (>= 1) */
	uint16_t port_share;      /* ours, < port_shares */
	uint64_t msl;
	struct tusk_tcp_challenge challenge; /* RFC 5961 7 budget */
	/* Timer heap of connection indices, by deadline. */
	uint32_t *heap;
	uint32_t heap_n;
	/* Connections whose output waits for the end of the rx burst
	 * (TUSK_TCP_CF_DEFERRED; tusk_tcp_burst_begin() in tcp.h). */
	bool in_burst;
	uint16_t n_deferred;
	uint32_t deferred[TUSK_TCP_DEFER_MAX];
};

static inline struct tusk_tcp_conn *
tusk_tcp_conn_at(const struct tusk_tcp *tcp, uint32_t idx)
{
	return &tcp->conns[idx];
}

/* Table. */
int tusk_tcp_conn_table_init(struct tusk_tcp *tcp, uint32_t max_conns);
void tusk_tcp_conn_table_free(struct tusk_tcp *tcp);
struct tusk_tcp_conn *tusk_tcp_conn_lookup(const struct tusk_tcp *tcp,
					   const struct tusk_tcp_tuple *t);
/* A zeroed block in CLOSED state, hashed under t; NULL when full. */
struct tusk_tcp_conn *tusk_tcp_conn_alloc(struct tusk_tcp *tcp,
					  const struct tusk_tcp_tuple *t,
					  uint64_t now);
/* Unhash, release queues and timers, return to the free list. */
void tusk_tcp_conn_free(struct tusk_tcp *tcp, struct tusk_tcp_conn *c);
/* Pick a local port for t (laddr, raddr, rport set) from this stack's
 * share of the ephemeral range; 0 or -EADDRNOTAVAIL. */
int tusk_tcp_conn_ephemeral(struct tusk_tcp *tcp, struct tusk_tcp_tuple *t);
/* The share (stack_conf tcp_shares) whose ephemeral port `port` is, or -1
 * for a port outside the ephemeral range (a listener's: anyone's). */
static inline int
tusk_tcp_port_share(const struct tusk_tcp *tcp, uint16_t port)
{
	if (port < TUSK_TCP_EPHEMERAL_LO)
		return -1;
	return (int)((port - TUSK_TCP_EPHEMERAL_LO) % tcp->port_shares);
}
/* RFC 6528 ISN: M + F(4-tuple, secret), M a 4 us clock. */
uint32_t tusk_tcp_conn_isn(const struct tusk_tcp *tcp,
			   const struct tusk_tcp_tuple *t, uint64_t now);
/* Our timestamp offset for a tuple (random per connection, RFC 7323
 * section 7.1, but derivable so SYN cookies find it again). */
uint32_t tusk_tcp_conn_ts_offset(const struct tusk_tcp *tcp,
				 const struct tusk_tcp_tuple *t);
/* Set up the sending and receiving machinery once the SYN exchange fixed
 * MSS and options (sequence numbers set). */
int tusk_tcp_conn_setup(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			const struct tusk_tcp_cc_ops *cc, uint64_t now);
/* Apply per-connection options. */
void tusk_tcp_conn_opts(struct tusk_tcp_conn *c,
			const struct tusk_tcp_conn_opts *o);
/* Our window scale for a receive cap (RFC 7323 2.3). */
uint8_t tusk_tcp_conn_wscale_for(uint32_t rcv_max);

/* v capped by the connection's mss_max, if any. */
static inline uint16_t
tusk_tcp_conn_mss_cap(const struct tusk_tcp_conn *c, uint16_t v)
{
	return c->mss_max != 0 && c->mss_max < v ? c->mss_max : v;
}
/* Tear down: tell the service (unless it closed or aborted) and free. */
void tusk_tcp_conn_drop(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			int err, uint64_t now);
void tusk_tcp_conn_set_state(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			     enum tusk_tcp_state s, uint64_t now);

struct tusk_tcp_listener *tusk_tcp_listener_find(struct tusk_tcp *tcp,
						 uint16_t port);

#endif /* TUSK_TCP_CONN_H */
