/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order reassembly (RFC 9293 3.10.7.4 "should" queue segments
 * beyond RCV.NXT): a sorted array of extents, each a contiguous run of
 * received bytes held as a list of packets. The extents are exactly the
 * SACK blocks we report (RFC 2018), most recently changed first. Memory
 * is bounded by bytes (the caller's limit) and by extent count.
 */
#ifndef TUSK_TCP_OFO_H
#define TUSK_TCP_OFO_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "tcp_options.h"

/* Holes we track at most. 1% random loss over a 20k-segment window makes
 * ~200, but a queue overflowing at 10 Gbit/s x 150 ms punches 20,000+
 * (measured in the simulator: with a 4096 cap, 35,000 segments that had
 * arrived were dropped here and had to be resent). 65536 extents of 32
 * bytes bound the array at 2 MiB, grown only on demand. */
#define TUSK_TCP_OFO_MAX_EXT 65536

struct tusk_tcp_ofo_ext {
	uint32_t start;
	uint32_t end;
	struct rte_mbuf *head; /* packets linked by tusk_tcp_mbuf_link() */
	struct rte_mbuf *tail;
	uint32_t pkts;         /* packets in the list */
};

/* The extents live in ext[off .. off + n): a deque in an array, so that
 * inserting or removing near either end (where holes are filled and
 * data leaves) moves only the short side. */
struct tusk_tcp_ofo {
	struct tusk_tcp_ofo_ext *ext;
	uint32_t off;
	uint32_t n;
	uint32_t cap;
	uint32_t bytes;
	uint32_t pkts;  /* packets held: each an mbuf, however few its bytes */
	uint32_t recent[TUSK_TCP_MAX_SACK]; /* seqs of recent arrivals */
	uint8_t nrecent;
	int socket_id;
};

/* Results of tusk_tcp_ofo_insert(). */
#define TUSK_TCP_OFO_NEW 0   /* queued (maybe partly duplicate) */
#define TUSK_TCP_OFO_DUP 1   /* all duplicate, freed */

void tusk_tcp_ofo_init(struct tusk_tcp_ofo *o, int socket_id);
void tusk_tcp_ofo_free(struct tusk_tcp_ofo *o);

/*
 * Queue packet m (payload only) holding [seq, seq + pkt_len). Bytes that
 * are already queued are trimmed off and reported in dup_start, dup_end
 * (equal when none) for a D-SACK (RFC 2883). Returns TUSK_TCP_OFO_NEW,
 * TUSK_TCP_OFO_DUP, or -ENOBUFS when `limit` bytes or the extent cap
 * would be passed (m freed).
 */
int tusk_tcp_ofo_insert(struct tusk_tcp_ofo *o, uint32_t seq,
			struct rte_mbuf *m, uint32_t limit,
			uint32_t *dup_start, uint32_t *dup_end);

/*
 * If the first extent starts at or before rcv_nxt, remove it and return
 * its packets (bytes before rcv_nxt trimmed off), setting *end to its end.
 * NULL otherwise.
 */
struct rte_mbuf *tusk_tcp_ofo_pop(struct tusk_tcp_ofo *o, uint32_t rcv_nxt,
				  uint32_t *end);

/*
 * Free the extent farthest from RCV.NXT (the data that would be delivered
 * last), reneging on its SACK (RFC 2018 section 8 allows it; Linux's
 * tcp_prune_ofo_queue does the same under memory pressure). Returns the
 * bytes dropped, 0 if the queue was empty.
 */
uint32_t tusk_tcp_ofo_drop_last(struct tusk_tcp_ofo *o);

/* Up to max SACK blocks, the most recent arrival's first (RFC 2018 4). */
unsigned int tusk_tcp_ofo_sack(const struct tusk_tcp_ofo *o,
			       struct tusk_tcp_sack_block *b, unsigned int max);

#endif /* TUSK_TCP_OFO_H */
