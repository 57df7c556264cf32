/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's scoreboard (RFC 6675 section 3, RFC 8985): one record per
 * transmitted segment, in sequence order, from SND.UNA to SND.NXT. Records
 * carry what SACK and RACK need (SACKed/lost/retransmitted, last send time)
 * and the delivery-rate snapshot (tcp_rate.h).
 *
 * Records live in a ring addressed by a 32-bit id that grows by one per
 * record; the ring doubles when full. A second order, by last transmission
 * time, threads the records that are in flight (neither SACKed nor marked
 * lost): RACK walks it from the oldest and stops at the first record sent
 * after the newest delivered one, so loss detection costs what it finds.
 *
 * Pipe (RFC 6675 "pipe", RFC 8985 in-flight): bytes between SND.UNA and
 * SND.NXT that are neither SACKed nor marked lost and not yet resent.
 */
#ifndef TUSK_TCP_SACK_H
#define TUSK_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_options.h"
#include "tcp_rate.h"

#define TUSK_TCP_SEG_SACKED  0x01 /* covered by a SACK block */
#define TUSK_TCP_SEG_LOST    0x02 /* marked lost, awaiting retransmission */
#define TUSK_TCP_SEG_RETRANS 0x04 /* sent more than once (Karn) */
#define TUSK_TCP_SEG_FIN     0x08 /* carries our FIN */
#define TUSK_TCP_SEG_TLP     0x10 /* sent as a tail loss probe */

/* No record: end of a list. */
#define TUSK_TCP_SEG_NIL UINT32_MAX

struct tusk_tcp_seg {
	uint32_t start;      /* first sequence number */
	uint32_t end;        /* one past the last (FIN counts one) */
	uint32_t tprev;      /* time order: ids, TUSK_TCP_SEG_NIL at ends */
	uint32_t tnext;
	uint64_t xmit_ts;    /* last (re)transmission */
	uint8_t flags;       /* TUSK_TCP_SEG_* */
	uint8_t xmits;       /* times sent */
	struct tusk_tcp_rate_seg rs;
};

struct tusk_tcp_sb {
	struct tusk_tcp_seg *ring;
	uint32_t mask;
	uint32_t head;       /* id of the oldest record (at SND.UNA) */
	uint32_t tail;       /* id one past the newest */
	uint32_t thead;      /* oldest in flight by time */
	uint32_t ttail;
	uint32_t lost_hint;  /* no LOST record below this id */
	uint32_t sacked;     /* bytes SACKed above SND.UNA */
	uint32_t lost;       /* bytes marked lost, not yet resent */
	uint32_t out;        /* bytes SND.NXT - SND.UNA in records */
	uint32_t high_sacked; /* highest SACKed sequence number + 1 */
	uint32_t nsacked;    /* records SACKed */
	int socket_id;
};

void tusk_tcp_sb_init(struct tusk_tcp_sb *sb, int socket_id);
void tusk_tcp_sb_free(struct tusk_tcp_sb *sb);

static inline uint32_t
tusk_tcp_sb_count(const struct tusk_tcp_sb *sb)
{
	return sb->tail - sb->head;
}

static inline struct tusk_tcp_seg *
tusk_tcp_sb_at(const struct tusk_tcp_sb *sb, uint32_t id)
{
	return &sb->ring[id & sb->mask];
}

/* RFC 6675 pipe / RFC 8985 in-flight, in bytes. */
static inline uint32_t
tusk_tcp_sb_pipe(const struct tusk_tcp_sb *sb)
{
	return sb->out - sb->sacked - sb->lost;
}

/* Record a new segment [start, end) sent at `now`; returns it or NULL
 * (-ENOMEM growing the ring). */
struct tusk_tcp_seg *tusk_tcp_sb_push(struct tusk_tcp_sb *sb, uint32_t start,
				      uint32_t end, uint8_t flags,
				      uint64_t now);

/* Id of the record holding `seq` (between head and tail), or NIL. */
uint32_t tusk_tcp_sb_find(const struct tusk_tcp_sb *sb, uint32_t seq);

/* The record was (re)sent at `now`: newest in time order, not lost. */
void tusk_tcp_sb_sent(struct tusk_tcp_sb *sb, uint32_t id, uint64_t now);

/* Mark a record lost (out of flight, awaiting retransmission). */
void tusk_tcp_sb_mark_lost(struct tusk_tcp_sb *sb, uint32_t id);

/* Visitor for newly delivered records (cumulatively ACKed or SACKed). */
typedef void (*tusk_tcp_sb_visit_fn)(void *ctx, struct tusk_tcp_seg *s,
				     bool was_sacked);

/*
 * Remove the records wholly below `ack`, calling fn for each (was_sacked
 * tells a record already counted by a SACK). A record split by `ack` is
 * trimmed. Returns the records removed.
 */
uint32_t tusk_tcp_sb_ack(struct tusk_tcp_sb *sb, uint32_t ack,
			 tusk_tcp_sb_visit_fn fn, void *ctx);

/* Mark SACKed the records wholly inside [start, end), calling fn for each
 * newly SACKed one. Returns how many. */
uint32_t tusk_tcp_sb_sack(struct tusk_tcp_sb *sb, uint32_t start,
			  uint32_t end, tusk_tcp_sb_visit_fn fn, void *ctx);

/* A spurious timeout (RFC 3522): the records marked lost by it and not
 * yet resent are in flight after all: back in flight, oldest first.
 * Returns how many. */
uint32_t tusk_tcp_sb_unmark_lost(struct tusk_tcp_sb *sb);

/* Forget SACK information: every SACKed record becomes unSACKed and in
 * flight again (RFC 2018 section 8: the receiver may have reneged). */
void tusk_tcp_sb_clear_sacks(struct tusk_tcp_sb *sb);

/* The oldest LOST record at or after lost_hint, or NIL. */
uint32_t tusk_tcp_sb_next_lost(struct tusk_tcp_sb *sb);

#endif /* TUSK_TCP_SACK_H */
