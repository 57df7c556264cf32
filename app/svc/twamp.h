/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP on tuskd's stack (app/svc/twamp.md has the protocol facts, the
 * limits and the error estimate):
 *   - a TWAMP-Light / STAMP session-reflector on UDP `port` (RFC 5357
 *     Appendix I, RFC 8762), unauthenticated, on every worker lcore;
 *   - the TWAMP-Control server on TCP `port` (RFC 5357 3, unauthenticated
 *     mode), whose accepted sessions the reflector then serves on their
 *     own UDP ports (first worker lcore);
 *   - a session-sender run by the control thread (`tuskctl twamp`):
 *     count packets every interval to a reflector, the reflections
 *     collected per sequence number (first worker lcore).
 * Timestamps are the time of the rx burst that brought a packet and of
 * the tx burst it leaves in (the same loop iteration), turned into NTP
 * time with the offset the control thread keeps (struct
 * tusk_twamp_clock).
 */
#ifndef TUSK_TWAMP_H
#define TUSK_TWAMP_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "svc.h"
#include "twamp_pkt.h"
#include "twamp_stats.h"

#define TUSK_TWAMP_SERVICE "twamp"
/* TWAMP-Control and TWAMP-Test/STAMP (RFC 8545, RFC 8762 4.1). */
#define TUSK_TWAMP_PORT_DEFAULT 862

struct tusk_twamp;

/* How far a timestamp may be from the packet's time on the wire, beyond
 * the host clock's own error and beyond the loop's gap (a received frame
 * waited at most from the previous iteration to this one, which each
 * Error Estimate adds): rx is stamped right after the burst that holds
 * the frame is read, tx when the answer is queued, to leave at the end of
 * that iteration. Measured in the lab (twamp.md "Error estimate"). */
#define TUSK_TWAMP_STAMP_ERR_NS 100000ull

/*
 * The wall clock as lcores see it, kept by the control thread (tuskd's
 * main loop refreshes it every TUSKD_POLL_MS): Unix time in ns is the
 * lcore's monotonic ns + off_ns; err_ns and synced are the kernel's own
 * estimate of that clock (adjtimex), to which each packet's Error
 * Estimate (RFC 4656 4.1.2) adds the timestamping's (twamp.md). Read and
 * written with relaxed atomics, field by field.
 */
struct tusk_twamp_clock {
	int64_t off_ns;
	uint64_t err_ns;
	bool synced;
};

struct tusk_twamp_conf {
	uint16_t port;      /* UDP reflector, and TCP control if `control` */
	bool control;       /* TWAMP-Control and the sender live here */
	const struct tusk_twamp_clock *clock;
};

/* Counters of one lcore's instance. */
struct tusk_twamp_counters {
	uint64_t reflected;       /* test packets answered */
	uint64_t short_pkts;      /* below 14 bytes: counted and dropped */
	uint64_t refl_fail;       /* no mbuf, no route */
	uint64_t ctrl_conns;      /* TWAMP-Control connections accepted */
	uint64_t ctrl_refused;    /* turned away: TWAMP_CTRL_CONNS_MAX */
	uint64_t ctrl_refused_source; /* of those, TWAMP_CTRL_PER_SOURCE_MAX */
	uint64_t ctrl_evicted;    /* closed, holding no session, for a
				   * newcomer when every slot was taken */
	uint64_t ctrl_malformed;  /* closed on a bad or unsupported message */
	uint64_t ctrl_timeouts;   /* closed for silence */
	uint64_t sessions;        /* Request-TW-Session accepted */
	uint64_t sessions_refused;
	uint64_t session_stray;   /* test packets to a session's port from
				   * another address, or before Start */
	uint64_t runs;            /* sender runs started */
	uint64_t run_stray;       /* reflections that matched no packet */
};

struct tusk_twamp_info {
	uint16_t port;
	bool control;
	uint32_t ctrl_open;       /* control connections now */
	uint32_t sessions_open;   /* test sessions now */
	struct tusk_twamp_counters c;
};

/* ---- the session-sender ---- */

/* Packets of one run: 10,000 records are 440 KiB, a minute at 6 ms. */
#define TUSK_TWAMP_COUNT_MAX 10000
/* A run's schedule at most (count x interval): the control thread waits
 * for it. */
#define TUSK_TWAMP_RUN_MAX_MS 60000u
/* After the last packet, reflections are waited for this long; later
 * ones count as lost (RFC 5357 4.1.1 leaves the timeout to the sender;
 * twping's default is 2 s). */
#define TUSK_TWAMP_WAIT_MS 2000u

struct tusk_twamp_run_conf {
	struct tusk_addr dst;
	uint16_t port;
	uint32_t count;
	uint64_t interval_ns;
	uint32_t size;            /* UDP payload: 14 .. the route's MTU */
	uint8_t tos;              /* DSCP << 2 */
};

/* A run, allocated by the control thread, filled by the lcore. */
struct tusk_twamp_run {
	struct tusk_twamp_run_conf conf;
	/* lcore -> control thread */
	bool done;
	int err;                  /* 0, or -errno: why the run stopped */
	uint16_t sport;
	uint32_t sent;
	uint32_t arrivals;        /* first copies received */
	uint32_t max_seq;         /* highest sequence number come back + 1 */
	uint64_t stray;
	uint16_t our_err_est;     /* as sent in the last packet */
	uint64_t rx_gap_max_ns;   /* the longest loop gap a reflection
				   * waited in (part of our t4's error) */
	uint16_t refl_err_est;    /* the reflector's, last reflection */
	uint64_t t_start, t_next, t_last_tx;
	struct tusk_twamp_rec recs[];
};

/* Create the instance (bind the UDP port, and listen on the TCP one when
 * conf->control). NULL and rte_errno set on failure. */
struct tusk_twamp *tusk_twamp_create(const struct tusk_svc_env *env,
				     const struct tusk_twamp_conf *conf);
/* struct tusk_lcore_service hooks. */
void tusk_twamp_poll(void *arg, uint64_t now);
void tusk_twamp_free(void *arg);
void tusk_twamp_info(const struct tusk_twamp *s, struct tusk_twamp_info *out);

/* Start a run (on the lcore): 0, -EBUSY (one at a time), -EINVAL (not
 * the control instance), -EMSGSIZE (size past the route's MTU),
 * -ENETUNREACH, -EADDRINUSE (no source port). */
int tusk_twamp_run_start(struct tusk_twamp *s, struct tusk_twamp_run *run,
			 uint64_t now);
/* 1 when the run is over (the instance has let go of it), 0 while it
 * runs. `abandon` ends it now (the control thread gives up). */
int tusk_twamp_run_check(struct tusk_twamp *s, struct tusk_twamp_run *run,
			 bool abandon);

/* NTP time of lcore time `now` under clock c. */
uint64_t tusk_twamp_ntp_now(const struct tusk_twamp_clock *c, uint64_t now);

#endif /* TUSK_TWAMP_H */
