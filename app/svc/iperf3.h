/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3: a server for stock iperf3 clients (3.x, checked against 3.12)
 * on tuskd's own stack, so that perfSONAR and anyone with iperf3 measure
 * the path tuskd's transfers take, not the host kernel's.
 *
 * One test at a time, as iperf3's own server: a client that comes while a
 * test runs is answered ACCESS_DENIED. TCP (normal, -R, --bidir, -P, -O,
 * -C cubic|bbr|newreno|reno, --get-server-output) and UDP (-u -b -l, -R,
 * --udp-counters-64bit). Protocol facts, limits and what tuskd reports:
 * app/svc/iperf3.md.
 *
 * One instance on the first worker lcore (a struct tusk_lcore_service);
 * the control thread reads it through tusk_lcore_call().
 */
#ifndef TUSK_IPERF3_H
#define TUSK_IPERF3_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"
#include "svc.h"

#define TUSK_IPERF3_SERVICE "iperf3"
#define TUSK_IPERF3_PORT_DEFAULT 5201
/* Streams of one test: iperf3's own MAX_STREAMS (iperf.h), so --bidir
 * allows -P 64. */
#define TUSK_IPERF3_STREAMS_MAX 128
/* Congestion controller name room (tcp_cc.h names are shorter). */
#define TUSK_IPERF3_CC_MAX 16

struct tusk_iperf3;

/* Every step of the handshake and of the results exchange, and the test
 * itself past duration + omit, must finish within the timeout, or the
 * test is abandoned and everything of it freed. iperf3's own server
 * allows 4 s for each of its 10 state transitions (iperf_server_api.c,
 * create_server_timers): 40 s. */
#define TUSK_IPERF3_TIMEOUT_S_DEFAULT 40

struct tusk_iperf3_conf {
	uint16_t port;      /* TCP and UDP */
	uint32_t timeout_s; /* 0: TUSK_IPERF3_TIMEOUT_S_DEFAULT */
};

/* One stream of the current or last test, as tuskd counted it. Bytes and
 * times count from the end of the omitted seconds (-O), as iperf3's. */
struct tusk_iperf3_stream_info {
	uint32_t id;           /* iperf3's numbering: 1, 3, 4, ... */
	bool sender;           /* tuskd sends on it */
	uint16_t peer_port;
	uint64_t bytes;        /* TCP sender: acknowledged of what it
				* wrote; UDP sender: sent; receiver:
				* received */
	double seconds;
	uint64_t retransmits;  /* TCP sender: segments retransmitted */
	uint32_t snd_cwnd;     /* TCP sender: last, bytes */
	uint64_t rtt_us;       /* TCP sender: last smoothed RTT */
	uint64_t packets;      /* UDP: sent, or highest sequence received */
	uint64_t lost;         /* UDP receiver: iperf3's cnt_error */
	uint64_t out_of_order; /* UDP receiver */
	double jitter_ms;      /* UDP receiver: RFC 1889 */
};

struct tusk_iperf3_info {
	uint16_t port;
	uint64_t tests;        /* started (parameters accepted) */
	uint64_t completed;    /* results exchanged */
	uint64_t denied;       /* ACCESS_DENIED: busy, or a wrong cookie */
	uint64_t malformed;    /* control connections closed for bad input */
	uint64_t timeouts;     /* tests abandoned and cleaned up */
	uint64_t taken_over;   /* stalled before parameters, slot given to
				* another address */
	uint64_t udp_stray;    /* datagrams from no stream of the test */
	const char *state;     /* "idle", "params", "streams", "running",
				* "results" */
	const char *role;      /* of the current or last test: "server",
				* "client" */
	/* the current test, or the last one */
	bool udp, reverse, bidir;
	struct tusk_addr peer;
	uint32_t parallel, duration, omit, len;
	uint64_t bandwidth;
	char cc[TUSK_IPERF3_CC_MAX];
	unsigned int n_streams;
	struct tusk_iperf3_stream_info streams[TUSK_IPERF3_STREAMS_MAX];
};

/*
 * The client (tuskctl iperf3 host=H ...): a test from tuskd's own stack
 * against any iperf3 server, on the same instance as the server, so one
 * test at a time either way. Its result is iperf3 -J's document (start,
 * intervals, end), built when the test ends; the last one is kept.
 */
/* UDP streams of one client test: each needs its own local port, and the
 * stack binds TUSK_UDP_BINDS_MAX ports in all (iperf3's and TWAMP's
 * servers take some). */
#define TUSK_IPERF3_CLIENT_UDP_STREAMS_MAX 8

struct tusk_iperf3_client_req {
	struct tusk_addr host;
	uint16_t port;          /* 0: TUSK_IPERF3_PORT_DEFAULT */
	uint32_t time;          /* s, 1..86400 */
	uint32_t parallel;      /* 1..TUSK_IPERF3_STREAMS_MAX (/2 bidir) */
	uint32_t omit;          /* s */
	uint32_t len;           /* 0: iperf3's default (128 KiB, UDP 1460) */
	uint64_t bandwidth;     /* bits/s per stream; 0: unlimited (TCP),
				 * 1 Mbit/s (UDP, iperf3's default) */
	uint64_t window;        /* bytes, 0: default; our streams' buffers */
	bool reverse, bidir, udp;
	bool server_output;     /* --get-server-output */
	char cc[TUSK_IPERF3_CC_MAX]; /* "" default */
	uint64_t wall_start_ms; /* wall clock at the request (the service
				 * reads none): -J's start.timestamp */
};

/* Start a client test: 0 and its id, or -EBUSY (a test runs, either
 * role), -EINVAL (a bad request; reason in err), -errno. */
int tusk_iperf3_client_start(struct tusk_iperf3 *s,
			     const struct tusk_iperf3_client_req *req,
			     uint64_t now, uint32_t *id, char *err,
			     size_t errlen);
/* Client test `id`: 1 while it runs, 0 and *out (a new reference: the -J
 * document, with "error" when it failed) when done, -ENOENT when it is
 * not the last one. */
int tusk_iperf3_client_result(struct tusk_iperf3 *s, uint32_t id,
			      json_t **out);

/* Create the instance (listening on conf->port, TCP and UDP). NULL and
 * rte_errno set on failure. */
struct tusk_iperf3 *tusk_iperf3_create(const struct tusk_svc_env *env,
				       const struct tusk_iperf3_conf *conf);
/* struct tusk_lcore_service hooks (arg: the instance). */
void tusk_iperf3_poll(void *arg, uint64_t now);
void tusk_iperf3_free(void *arg);

/* Counters and the current or last test. */
void tusk_iperf3_info(struct tusk_iperf3 *s, struct tusk_iperf3_info *out,
		      uint64_t now);

#endif /* TUSK_IPERF3_H */
