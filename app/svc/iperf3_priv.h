/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iperf3 server's internals, shared by app/svc/iperf3*.c only:
 *   iperf3.c         the service, the control connection, the test's states
 *   iperf3_conn.c    the connection table, held-back output, the stream
 *                    I/O the server and the client share
 *   iperf3_stream.c  TCP data streams: counting, sending, interval samples
 *   iperf3_udp.c     UDP streams: hello, receive statistics, paced sending
 *   iperf3_json.c    parameters in, results and server output out (jansson)
 *   iperf3_report.c  results out, -J-shaped reports (both roles)
 *   iperf3_client.c  the client: the control connection from our end
 *   iperf3_client_io.c  the client's streams: connect, UDP hello
 *   iperf3_client_report.c  the client's -J document, the server's results
 *
 * One test at a time per instance, either role: the same struct
 * iperf3_test, streams and counting serve the server and the client
 * (t.client says which); only the control connection's driver differs.
 */
#ifndef TUSK_IPERF3_PRIV_H
#define TUSK_IPERF3_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "iperf3.h"
#include "iperf3_wire.h"
#include "pattern.h"
#include "tcp_api.h"
#include "udp.h"

#define NS_PER_SEC 1000000000ull
#define NS_PER_US 1000ull

/* The parameter block a client may send: iperf3's own is a few hundred
 * bytes (title and extra_data make it longer). */
#define IPERF3_PARAMS_MAX 8192u
/* The client's results: ~170 bytes a stream, 128 streams. */
#define IPERF3_RESULTS_MAX 65536u
/* Longest test accepted (iperf3's MAX_TIME, iperf.h). */
#define IPERF3_TIME_MAX 86400u
/* Connections at once: every stream of a test, plus room for clients
 * that wait for ACCESS_DENIED or have not sent their cookie yet. */
#define IPERF3_CONNS_MAX (TUSK_IPERF3_STREAMS_MAX + 16)
/* Connections in SYN-RECEIVED the listener allows (then cookies). */
#define IPERF3_BACKLOG 64
/* Interval samples (1 s each) kept per stream for the server output:
 * ten minutes; a longer test's later intervals are summed into the end
 * figures only. */
#define IPERF3_INTERVALS_MAX 600u
#define IPERF3_INTERVAL_NS NS_PER_SEC

/* TCP sending (-R, --bidir): clones of pattern mbufs, queued within
 * pattern.h's bound. Clones for all sender streams: 16 KiB each, 256 MiB
 * queued at most. */
#define IPERF3_CLONES 16384u
#define IPERF3_CLONE_CACHE 256
/* A sender waiting on its queue bound, or on clones, retries this often. */
#define IPERF3_RETRY_NS 20000ull

/* UDP sending: datagrams per stream per poll at most, so that catching
 * up after a stall (or -b 0, unlimited) never holds the lcore long. */
#define IPERF3_UDP_BURST 32u
/* Smallest UDP datagram (iperf.h: the 64-bit head). */
#define IPERF3_UDP_LEN_MIN IPERF3_UDP_HEAD_64

enum iperf3_phase {
	PH_IDLE = 0,
	PH_COOKIE,   /* control accepted, cookie not complete */
	PH_PARAMS,   /* PARAM_EXCHANGE sent */
	PH_STREAMS,  /* CREATE_STREAMS sent */
	PH_RUNNING,  /* TEST_START, TEST_RUNNING sent */
	PH_RESULTS,  /* EXCHANGE_RESULTS sent, the client's results due */
	PH_DISPLAY,  /* DISPLAY_RESULTS sent, IPERF_DONE due */
};

enum iperf3_conn_kind {
	CONN_FREE = 0,
	CONN_CTRL,     /* the test's control connection */
	CONN_COOKIE,   /* a would-be data stream, cookie not complete */
	CONN_STREAM,   /* a TCP data stream */
	CONN_DENY,     /* to be answered ACCESS_DENIED and closed (poll) */
};

/* The client's parameters (iperf_api.c get_parameters). */
struct iperf3_params {
	bool udp;
	bool reverse;
	bool bidir;
	bool udp64;           /* udp_counters_64bit */
	bool server_output;   /* get_server_output */
	uint32_t parallel;
	uint32_t duration;    /* s */
	uint32_t omit;        /* s */
	uint32_t len;         /* blksize */
	uint64_t bandwidth;   /* bits/s per stream; UDP 0: unlimited */
	uint32_t mss;         /* -M: the streams' MSS cap */
	uint64_t window;      /* -w: the streams' receive window cap */
	char cc[TUSK_IPERF3_CC_MAX];         /* tuskd's name, "" default */
	char client_version[16];
};

/* One interval sample of a stream (server output). */
struct iperf3_sample {
	uint64_t bytes;
	uint32_t retransmits;
	uint32_t snd_cwnd;
	uint32_t snd_wnd;
	uint32_t rtt_us;
	uint32_t rttvar_us;
	uint32_t pmtu;
};

struct iperf3_stream {
	struct tusk_iperf3_stream_info info;
	struct tusk_tcp_conn *c;     /* TCP, while open */
	struct iperf3_conn *conn;    /* TCP */
	struct tusk_addr peer;
	uint16_t local_port;         /* UDP: ours (the server's port, or
				      * the client stream's own) */
	bool hello_done;             /* client UDP: the reply came */
	uint64_t hello_at;           /* client UDP: hello last sent */
	/* counters since the test started (omit included); a TCP sender's
	 * bytes are those acknowledged (iperf3_stream.c sent()) */
	uint64_t bytes_all;
	uint64_t bytes_omit;         /* bytes_all at the end of omit */
	uint64_t retrans_all, retrans_omit;
	uint64_t end_ns;             /* last byte, or the test's end */
	/* TCP sender */
	uint64_t taken;
	struct rte_mbuf *pending;
	uint64_t next_poll;
	struct tusk_pattern_queue q;
	struct tusk_tcp_conn_stats tcp;  /* last snapshot */
	uint32_t max_cwnd, max_snd_wnd;
	uint64_t max_rtt, min_rtt, sum_rtt, n_rtt; /* us, over samples */
	/* UDP */
	uint64_t seq_max;            /* receiver: highest; sender: sent */
	uint64_t lost, ooo;
	uint64_t lost_omit, ooo_omit, seq_omit;
	double jitter, prev_transit; /* s */
	bool got_first;
	uint64_t udp_sent_bytes;
	/* interval samples */
	uint64_t sample_bytes, sample_retrans;
};

struct iperf3_conn {
	enum iperf3_conn_kind kind;
	struct tusk_iperf3 *s;
	struct tusk_tcp_conn *c;
	uint8_t cookie[IPERF3_COOKIE_SIZE];
	uint32_t got;
	struct iperf3_stream *sp;    /* CONN_STREAM */
	struct rte_mbuf *out;        /* control bytes send() did not take */
};

struct iperf3_client;

struct iperf3_test {
	enum iperf3_phase phase;
	bool client;                 /* we are the client (iperf3_client.c) */
	struct iperf3_conn *ctrl;
	uint8_t cookie[IPERF3_COOKIE_SIZE];
	struct iperf3_params p;
	uint64_t deadline;           /* abandoned past it */
	uint64_t t_start;            /* TEST_START sent */
	uint64_t t_omit_end;
	uint64_t t_end;              /* TEST_END received */
	bool omitting;
	struct tusk_addr peer;       /* the client's address */
	uint32_t n_streams, want_streams;
	struct iperf3_stream streams[TUSK_IPERF3_STREAMS_MAX];
	/* control input being assembled: a JSON length, then the JSON */
	uint8_t *in;
	uint32_t in_len, in_want;
	bool in_have_len;
	/* server output: samples[stream * IPERF3_INTERVALS_MAX + i] */
	struct iperf3_sample *samples;
	uint32_t n_samples;
	uint64_t next_sample;
	double sample_end[IPERF3_INTERVALS_MAX]; /* s since TEST_START */
	/* process CPU at start and end (getrusage), for cpu_util */
	double cpu_user0, cpu_sys0, cpu_user, cpu_sys;
	char cc_used[TUSK_IPERF3_CC_MAX];
	uint32_t mss_used;
};

struct tusk_iperf3 {
	struct tusk_svc_env env;
	uint16_t port;
	uint64_t grace_ns;           /* conf timeout_s */
	bool udp_bound;
	struct tusk_iperf3_info counters; /* counters only */
	struct iperf3_test t;
	struct iperf3_conn conns[IPERF3_CONNS_MAX];
	uint64_t deny_pending;       /* conns waiting for ACCESS_DENIED */
	uint32_t rcv_max;            /* the listener's stream window cap
				      * (-w; 0: default) */
	uint16_t mss_max;            /* the listener's MSS cap (-M; 0: the
				      * route's) */
	struct iperf3_client *cl;    /* the client's request and result */
	uint32_t client_tests;       /* ids of client tests */
	struct tusk_pattern pat;     /* sender payload (pattern.h) */
};

extern int tusk_iperf3_logtype;
#define IPERF3_LOG(level, ...)                                              \
	rte_log(RTE_LOG_##level, tusk_iperf3_logtype, "iperf3: " __VA_ARGS__)

/* iperf3_conn.c */
struct iperf3_conn *iperf3_conn_alloc(struct tusk_iperf3 *s,
				      struct tusk_tcp_conn *c,
				      enum iperf3_conn_kind kind);
void iperf3_conn_free(struct iperf3_conn *k);
/* Close (FIN after what is queued) and forget: no callback follows. */
void iperf3_conn_close(struct iperf3_conn *k, uint64_t now);
/* Push what the connection holds back; the rest waits for writable(). */
void iperf3_conn_flush(struct iperf3_conn *k, uint64_t now);
void iperf3_conn_send(struct tusk_iperf3 *s, struct iperf3_conn *k,
		      const void *bytes, size_t len, uint64_t now);
/* n data bytes received on a running stream: counted if it receives. */
void iperf3_conn_data(struct iperf3_conn *k, uint32_t n, uint64_t now);
/* tusk_tcp_ops.writable of every iperf3 connection. */
void iperf3_conn_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now);

/* iperf3.c */
void iperf3_ctrl_send(struct tusk_iperf3 *s, const void *bytes, size_t len,
		      uint64_t now);
void iperf3_ctrl_state(struct tusk_iperf3 *s, enum iperf3_state st,
		       uint64_t now);
void iperf3_cpu_now(double *user, double *sys);
/* Free everything of the test but its figures; phase idle. */
void iperf3_test_release(struct tusk_iperf3 *s, uint64_t now);
void iperf3_test_clock_start(struct tusk_iperf3 *s, uint64_t now);
void iperf3_test_clock_stop(struct tusk_iperf3 *s, bool close, uint64_t now);
void iperf3_sample_all(struct tusk_iperf3 *s, uint64_t at);
void iperf3_running_poll(struct tusk_iperf3 *s, uint64_t now);
/* Control input: n bytes of m at off into dst; a length-prefixed JSON
 * block of at most max bytes into t->in (done() when complete). */
void iperf3_take(const struct rte_mbuf *m, uint32_t off, void *dst,
		 uint32_t n);
void iperf3_json_expect(struct iperf3_test *t);
uint32_t iperf3_json_input(struct tusk_iperf3 *s, const struct rte_mbuf *m,
			   uint32_t off, uint32_t max,
			   void (*done)(struct tusk_iperf3 *, uint64_t),
			   uint64_t now);
void iperf3_test_abort(struct tusk_iperf3 *s, const char *why, uint64_t now);
bool iperf3_all_streams_in(struct tusk_iperf3 *s);
void iperf3_test_begin(struct tusk_iperf3 *s, uint64_t now);

/* iperf3_stream.c */
/* The next stream of the test (receivers first, as iperf3's server
 * numbers them); NULL when all are in. */
struct iperf3_stream *iperf3_stream_add(struct tusk_iperf3 *s,
					const struct tusk_addr *peer,
					uint16_t peer_port);
void iperf3_stream_start(struct tusk_iperf3 *s, struct iperf3_stream *sp,
			 uint64_t now);
void iperf3_stream_fill(struct tusk_iperf3 *s, struct iperf3_stream *sp,
			uint64_t now);
void iperf3_stream_stop(struct tusk_iperf3 *s, struct iperf3_stream *sp,
			bool close, uint64_t now);
void iperf3_stream_omit_end(struct iperf3_stream *sp, uint64_t now);
void iperf3_stream_sample(struct tusk_iperf3 *s, struct iperf3_stream *sp,
			  uint32_t slot, bool take);
void iperf3_stream_info(const struct iperf3_test *t,
			const struct iperf3_stream *sp,
			struct tusk_iperf3_stream_info *out, uint64_t now);
void iperf3_poll_senders(struct tusk_iperf3 *s, uint64_t now);

/* iperf3_udp.c */
void iperf3_udp_recv(void *arg, struct rte_mbuf *m,
		     const struct tusk_udp_meta *meta, uint64_t now);
void iperf3_udp_poll(struct tusk_iperf3 *s, uint64_t now);
void iperf3_udp_data(struct iperf3_test *t, struct iperf3_stream *sp,
		     const struct rte_mbuf *m, uint64_t now);
int iperf3_udp_send_one(struct tusk_iperf3 *s, struct iperf3_stream *sp,
			uint64_t now);

/* iperf3_json.c: 0, or -EINVAL with a reason in err (malformed block),
 * -ENOTSUP (a mode tuskd does not run; reason in err) */
int iperf3_json_params(const uint8_t *buf, size_t len,
		       struct iperf3_params *p, char *err, size_t errlen);
/* The client's results: 0 or -EINVAL. */
int iperf3_json_check_results(const uint8_t *buf, size_t len, char *err,
			      size_t errlen);
/* Our results (send_results), malloc'd; NULL on allocation failure. */
char *iperf3_json_results(const struct tusk_iperf3 *s, size_t *len,
			  uint64_t now);

/* iperf3_report.c: pieces of an -J document both roles build */
double iperf3_report_bps(uint64_t bytes, double seconds);
void iperf3_report_cpu(const struct iperf3_test *t, double out[3]);
json_t *iperf3_report_intervals(const struct iperf3_test *t);
/* One side of a stream at the end; sp NULL: the peer's side (what its
 * results said), without our TCP extremes. */
json_t *iperf3_report_side(const struct iperf3_test *t,
			   const struct iperf3_stream *sp,
			   const struct tusk_iperf3_stream_info *in);
json_t *iperf3_report_sum(uint64_t bytes, double seconds, bool sender);
json_t *iperf3_report_test_start(const struct iperf3_test *t);

/* iperf3_client.c */
void iperf3_client_poll(struct tusk_iperf3 *s, uint64_t now);
/* The test failed: the result says why (before the release). */
void iperf3_client_failed(struct tusk_iperf3 *s, const char *why,
			  uint64_t now);
void iperf3_client_free(struct tusk_iperf3 *s);

#endif /* TUSK_IPERF3_PRIV_H */
