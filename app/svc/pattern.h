/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pattern: payload for memory-to-memory senders (bulk sources, iperf3's
 * sender streams) that costs nothing per byte. A few mbufs of the lcore's
 * data pool hold a fixed pattern; each chunk sent is a clone (an indirect
 * mbuf) of one of them, so no byte is written per segment and no memory
 * that ever held file data goes out. Byte i of a stream built from
 * consecutive chunks is tusk_pattern_byte(i).
 */
#ifndef TUSK_PATTERN_H
#define TUSK_PATTERN_H

#include <stdint.h>

#include <stdbool.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tcp_api.h"

/* Bytes per pattern mbuf, and so per clone: the data pool's room
 * (svc.h TUSK_SVC_DATA_ROOM) less headroom. */
#define TUSK_PATTERN_CHUNK 16384u
/* Pattern mbufs cloned in turn. A clone adds a reference to its pattern
 * mbuf, and so does every segment the stack cuts from it while a NIC
 * holds it; references are 16 bits: 8 x 65535 is far above any clone
 * pool plus a NIC ring's worth of segments. */
#define TUSK_PATTERN_MBUFS 8

struct tusk_pattern {
	struct rte_mempool *clones; /* bare mbuf headers */
	struct rte_mbuf *pattern[TUSK_PATTERN_MBUFS];
	unsigned int next;
};

/* Clones chained per send() call: 1 MiB, so the stack's output runs once
 * per MiB rather than once per chunk. */
#define TUSK_PATTERN_BATCH 64u
/* A sender queues beyond what is acknowledged at most this many cwnds (or
 * peer's windows, when smaller), or
 * TUSK_PATTERN_QUEUE_MIN (one batch) while cwnd is small: enough to never
 * idle the sender (Linux sizes sndbuf at ~2 cwnd), little enough that a
 * time-limited run ends within a few round trips of its deadline instead
 * of draining a deep queue, and that what it reports as sent is near what
 * the peer received. */
#define TUSK_PATTERN_QUEUE_CWNDS 2u
#define TUSK_PATTERN_QUEUE_MIN (TUSK_PATTERN_BATCH * TUSK_PATTERN_CHUNK)
/* How often the bound re-reads the connection's cwnd: the statistics copy
 * costs a formatted string (the cc name). */
#define TUSK_PATTERN_CWND_EVERY_NS 1000000ull

/* A sender's queue bound (tusk_pattern_queue_room()). */
struct tusk_pattern_queue {
	uint64_t cap;    /* bytes */
	uint64_t cap_at; /* when cwnd is read again */
};

/*
 * Room to queue more on c: send space for a chunk, and no more than the
 * bound beyond what the peer acknowledged. The stack's send queue holds
 * what is sent and unacknowledged plus what is unsent: its length is the
 * send buffer (snd_buf, as the connection was opened with) less the send
 * space. Statistics read for the bound are left in *st.
 */
bool tusk_pattern_queue_room(struct tusk_pattern_queue *q,
			     const struct tusk_tcp_conn *c, uint32_t snd_buf,
			     struct tusk_tcp_conn_stats *st, uint64_t now);

/* Fill the pattern mbufs from data_pool and create a pool of `clones`
 * clone headers named `name` (unique in the process) with a per-lcore
 * cache of `cache`. 0 or -ENOMEM; tusk_pattern_fini() either way. */
int tusk_pattern_init(struct tusk_pattern *p, const char *name,
		      struct rte_mempool *data_pool, unsigned int clones,
		      unsigned int cache, int socket_id);
void tusk_pattern_fini(struct tusk_pattern *p);

/* Up to max_chunks clones chained, max_bytes in all (the last one cut);
 * NULL when max_bytes is 0 or the clone pool is spent. */
struct rte_mbuf *tusk_pattern_chain(struct tusk_pattern *p,
				    unsigned int max_chunks,
				    uint64_t max_bytes);

/* Byte i of every stream: a multiplicative hash of the offset in the
 * chunk (every chunk is the same, so clones of one pattern mbuf serve any
 * offset), so a receiver sees a shift or a hole. */
static inline uint8_t
tusk_pattern_byte(uint64_t i)
{
	return (uint8_t)(((uint32_t)(i % TUSK_PATTERN_CHUNK) * 2654435761u) >>
			 24);
}

#endif /* TUSK_PATTERN_H */
