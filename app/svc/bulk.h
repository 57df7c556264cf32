/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bulk: memory-to-memory TCP for benchmarks and path tests, the data path
 * of iperf3 without its protocol, so that any TCP peer is the other end.
 *
 *   sink    the discard service (RFC 863, port 9 by default): accepts any
 *           connection, frees every payload mbuf as it arrives (all bytes
 *           consumed, so the window stays open), counts bytes and the
 *           times of the first and last byte. `socat -u - TCP:tuskd:9`
 *           or another tuskd's source sends into it.
 *   source  connects to addr:port and sends `bytes` (or for `seconds`)
 *           of a fixed pattern, then FIN. The payload lives once in
 *           memory: a few mbufs of the lcore's data pool hold the pattern
 *           and each chunk sent is a clone (an indirect mbuf) of one of
 *           them, so no byte is written per segment. Goodput is
 *           bytes acknowledged over the time from connect() to the last
 *           acknowledgement (tusk_tcp_conn_stats bytes_acked), like
 *           iperf3's sender figure.
 *
 * Stream byte i is tusk_bulk_pattern_byte(i), so a receiver can check what
 * it got. One instance per lcore (a struct tusk_lcore_service): every
 * function runs on that lcore, the control thread reaches it through
 * tusk_lcore_call() (app/tuskd/ctl_bulk.c).
 */
#ifndef TUSK_BULK_H
#define TUSK_BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "pattern.h"
#include "svc.h"
#include "tcp_api.h"

/* The service's name on an lcore (tusk_lcore_service()). */
#define TUSK_BULK_SERVICE "bulk"
/* RFC 863: the discard service. */
#define TUSK_BULK_PORT_DEFAULT 9
/* Transfers (sources and sink connections, running or finished) an
 * instance remembers for tusk_bulk_list(): a benchmark runs a handful;
 * finished ones are forgotten oldest first to make room. */
#define TUSK_BULK_XFERS_MAX 64
/* Bytes per clone sent (pattern.h). */
#define TUSK_BULK_CHUNK TUSK_PATTERN_CHUNK
/* Congestion controller names: "newreno", "cubic", "bbr" (tcp_cc.h). */
#define TUSK_BULK_CC_MAX 16

struct tusk_bulk;

struct tusk_bulk_conf {
	uint16_t sink_port;  /* 0: no sink */
};

/* What a source sends. bytes 0: until `seconds`; seconds 0: until
 * `bytes`; not both 0. */
struct tusk_bulk_source_conf {
	struct tusk_addr dst;
	uint16_t port;
	uint64_t bytes;
	uint64_t seconds;
	char cc[TUSK_BULK_CC_MAX]; /* "" : the stack's default */
};

enum tusk_bulk_role {
	TUSK_BULK_SOURCE = 0,
	TUSK_BULK_SINK = 1,
};

/* One transfer as tusk_bulk_list() reports it. */
struct tusk_bulk_info {
	uint32_t id;
	enum tusk_bulk_role role;
	bool done;          /* finished (or failed: err) */
	int err;            /* 0, or -errno of a failed connection */
	struct tusk_addr peer;
	uint16_t peer_port;
	uint16_t local_port;
	/* source: acknowledged; sink: received */
	uint64_t bytes;
	uint64_t target;    /* source: bytes to send, 0: time-limited */
	/* ns: from connect (source) or the first byte (sink) to the last
	 * byte acknowledged / received, or to now while running */
	uint64_t elapsed_ns;
	double gbps;        /* bytes over elapsed */
	struct tusk_tcp_conn_stats tcp; /* last known */
};

/* Create the lcore's instance (listening on conf->sink_port). NULL and
 * rte_errno set on failure. */
struct tusk_bulk *tusk_bulk_create(const struct tusk_svc_env *env,
				   const struct tusk_bulk_conf *conf);
/* struct tusk_lcore_service hooks (arg: the instance). */
void tusk_bulk_poll(void *arg, uint64_t now);
void tusk_bulk_free(void *arg);

/*
 * Start a source. 0 and *id, or -EINVAL (bad conf: reason in err),
 * -ENOSPC (TUSK_BULK_XFERS_MAX transfers running), or what
 * tusk_tcp_connect() returned (-ENETUNREACH, ...).
 */
int tusk_bulk_source_start(struct tusk_bulk *b,
			   const struct tusk_bulk_source_conf *conf,
			   uint64_t now, uint32_t *id, char *err,
			   size_t errlen);

/* Stop transfer `id` now (reset). 0 or -ENOENT (unknown or finished). */
int tusk_bulk_stop(struct tusk_bulk *b, uint32_t id, uint64_t now);

/* Up to `max` transfers, oldest first. Returns how many were written. */
unsigned int tusk_bulk_list(struct tusk_bulk *b, struct tusk_bulk_info *out,
			    unsigned int max, uint64_t now);

/* Byte i of every stream a source sends (pattern.h). */
static inline uint8_t
tusk_bulk_pattern_byte(uint64_t i)
{
	return tusk_pattern_byte(i);
}

#endif /* TUSK_BULK_H */
