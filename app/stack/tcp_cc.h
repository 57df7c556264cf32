/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: a table of operations per algorithm, selectable per
 * connection by name ("newreno", "cubic", "bbr").
 *
 * The TCP core owns a struct tusk_tcp_cc per connection. It keeps the
 * "core" fields current (mss, in_flight, srtt, min_rtt, in_recovery) and
 * calls the hooks through the tusk_tcp_cc_*() wrappers below:
 *
 *   connection established           tusk_tcp_cc_init()
 *   every ACK that advances snd_una or SACKs data
 *                                    tusk_tcp_cc_on_ack()   (rate sample)
 *   loss detected, entering recovery tusk_tcp_cc_on_congestion_event()
 *   recovery point acknowledged      tusk_tcp_cc_on_recovery_exit()
 *   retransmission timeout           tusk_tcp_cc_on_rto()
 *   loss found spurious (D-SACK, RFC 3708 / Eifel; RACK undo)
 *                                    tusk_tcp_cc_on_spurious()
 *   each data segment sent           tusk_tcp_cc_on_sent()
 *
 * and reads the controller's outputs: cwnd (the most bytes in flight, RFC
 * 6675 "pipe" < cwnd), pacing_rate (bytes/s; every sender is paced, the
 * next segment leaves at last_send + len / pacing_rate) and send_quantum
 * (bytes that may leave back to back in one pacing slot).
 *
 * Window-based controllers (NewReno, CUBIC) get Linux's default pacing via
 * tusk_tcp_cc_pace_default(): 2 x cwnd / srtt in slow start, 1.2 x after.
 * Everything is bytes and nanoseconds.
 */
#ifndef TUSK_TCP_CC_H
#define TUSK_TCP_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp_rate.h"

/* Room for an algorithm's private state; BBR's is the largest (filters
 * and phase state). A static assert in each algorithm checks it fits. */
#define TUSK_TCP_CC_PRIV_SIZE 256

/* Longest controller name, including NUL ("newreno", "cubic", "bbr"). */
#define TUSK_TCP_CC_NAME_MAX 16

struct tusk_tcp_cc;

struct tusk_tcp_cc_ops {
	const char *name;
	/* Set cwnd, ssthresh, pacing_rate and the private state. */
	void (*init)(struct tusk_tcp_cc *cc, uint64_t now);
	/* Data newly delivered (rs->acked_sacked > 0) or lost. */
	void (*on_ack)(struct tusk_tcp_cc *cc,
		       const struct tusk_tcp_rate_sample *rs, uint64_t now);
	/* Fast retransmit / RACK loss: once per recovery episode. */
	void (*on_congestion_event)(struct tusk_tcp_cc *cc, uint64_t now);
	/* Recovery point (RFC 6582 "recover") cumulatively acknowledged. */
	void (*on_recovery_exit)(struct tusk_tcp_cc *cc, uint64_t now);
	/* Retransmission timer expired (RFC 5681 section 3.1, eq. 4). */
	void (*on_rto)(struct tusk_tcp_cc *cc, uint64_t now);
	/* Optional: the last congestion event was spurious; undo it. */
	void (*on_spurious)(struct tusk_tcp_cc *cc, uint64_t now);
	/* Optional: a data segment of `len` bytes left (idle restart). */
	void (*on_sent)(struct tusk_tcp_cc *cc, uint32_t len, uint64_t now);
};

struct tusk_tcp_cc {
	const struct tusk_tcp_cc_ops *ops;

	/* Written by the controller, read by the core. */
	uint32_t cwnd;          /* bytes */
	uint32_t ssthresh;      /* bytes; UINT32_MAX = none yet */
	uint64_t pacing_rate;   /* bytes per second; 0 = unpaced */
	uint32_t send_quantum;  /* bytes that may leave back to back */

	/* Written by the core before each hook, read by the controller. */
	uint32_t mss;           /* sender MSS (payload bytes per segment) */
	uint32_t in_flight;     /* bytes in flight (RFC 6675 pipe) */
	uint64_t srtt_ns;       /* smoothed RTT, 0 = no sample yet */
	uint64_t min_rtt_ns;    /* windowed or lifetime min RTT, 0 = none */
	bool in_recovery;       /* between congestion event and exit */

	/* Algorithm state (e.g. struct cubic in tcp_cc_cubic.c). */
	uint64_t priv[TUSK_TCP_CC_PRIV_SIZE / sizeof(uint64_t)];
};

/* Initial window: 10 segments as Linux does (RFC 6928 caps it at 14600
 * bytes, which would be under 2 jumbo segments on a 9000-byte MTU). */
#define TUSK_TCP_CC_INIT_SEGS 10

/* Smallest cwnd after a loss (RFC 5681 section 3.1: 2 x SMSS) and after
 * an RTO (loss window, 1 x SMSS). */
#define TUSK_TCP_CC_MIN_SEGS 2

/* Send quantum cap: 64 KB as Linux's TSO autosizing (bursts longer than
 * that build queues in the bottleneck for no gain). */
#define TUSK_TCP_CC_QUANTUM_MAX 65536

/* The controllers tusk has. */
extern const struct tusk_tcp_cc_ops tusk_tcp_cc_newreno;
extern const struct tusk_tcp_cc_ops tusk_tcp_cc_cubic;
extern const struct tusk_tcp_cc_ops tusk_tcp_cc_bbr;

/* Look a controller up by name; NULL if there is none. */
const struct tusk_tcp_cc_ops *tusk_tcp_cc_find(const char *name);

/* The controller new connections get unless told otherwise ("bbr"). */
const struct tusk_tcp_cc_ops *tusk_tcp_cc_default(void);

/* Set up `cc` for a connection with sender MSS `mss`; ops NULL = default.
 * Returns 0 or -EINVAL (mss 0). */
int tusk_tcp_cc_init(struct tusk_tcp_cc *cc, const struct tusk_tcp_cc_ops *ops,
		     uint32_t mss, uint64_t now);

/* Pacing for window-based controllers: a multiple of cwnd / srtt (Linux
 * tcp_update_pacing_rate) and a send quantum of about 1 ms at that rate. */
void tusk_tcp_cc_pace_default(struct tusk_tcp_cc *cc);

/* Send quantum for a pacing rate: ~1 ms of data, 2..64 KB (in MSS). */
uint32_t tusk_tcp_cc_quantum(const struct tusk_tcp_cc *cc, uint64_t rate);

static inline void
tusk_tcp_cc_on_ack(struct tusk_tcp_cc *cc,
		   const struct tusk_tcp_rate_sample *rs, uint64_t now)
{
	cc->ops->on_ack(cc, rs, now);
}

static inline void
tusk_tcp_cc_on_congestion_event(struct tusk_tcp_cc *cc, uint64_t now)
{
	cc->in_recovery = true;
	cc->ops->on_congestion_event(cc, now);
}

static inline void
tusk_tcp_cc_on_recovery_exit(struct tusk_tcp_cc *cc, uint64_t now)
{
	cc->in_recovery = false;
	cc->ops->on_recovery_exit(cc, now);
}

static inline void
tusk_tcp_cc_on_rto(struct tusk_tcp_cc *cc, uint64_t now)
{
	cc->in_recovery = false;
	cc->ops->on_rto(cc, now);
}

static inline void
tusk_tcp_cc_on_spurious(struct tusk_tcp_cc *cc, uint64_t now)
{
	if (cc->ops->on_spurious != NULL)
		cc->ops->on_spurious(cc, now);
}

static inline void
tusk_tcp_cc_on_sent(struct tusk_tcp_cc *cc, uint32_t len, uint64_t now)
{
	if (cc->ops->on_sent != NULL)
		cc->ops->on_sent(cc, len, now);
}

#endif /* TUSK_TCP_CC_H */
