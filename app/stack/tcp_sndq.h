/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The send queue: the service's payload mbufs, kept from send() until
 * acknowledged, in a ring indexed by sequence number. Segments are cut
 * from it zero-copy: mbufs attached to the payload's bytes as external
 * buffers, each holding a reference on its entry (tcp_sndq.c says how).
 * Segments must be freed on the lcore that owns the queue.
 */
#ifndef TUSK_TCP_SNDQ_H
#define TUSK_TCP_SNDQ_H

#include <stdint.h>

#include <rte_mbuf.h>

struct tusk_tcp_sndq_ent {
	struct rte_mbuf *m; /* one segment, m->next cleared */
	uint32_t seq;       /* sequence number of its first byte */
};

struct tusk_tcp_sndq {
	struct tusk_tcp_sndq_ent *ring;
	uint32_t mask;   /* ring size - 1; 0 before the first append */
	uint32_t head;   /* index of the oldest entry */
	uint32_t n;      /* entries */
	uint32_t una;    /* first unacknowledged byte */
	uint32_t end;    /* one past the last queued byte */
	int socket_id;
};

void tusk_tcp_sndq_init(struct tusk_tcp_sndq *q, uint32_t seq, int socket_id);
void tusk_tcp_sndq_free(struct tusk_tcp_sndq *q);

static inline uint32_t
tusk_tcp_sndq_bytes(const struct tusk_tcp_sndq *q)
{
	return q->end - q->una;
}

/* Append one mbuf segment (data_len > 0). Returns 0 or -ENOMEM. */
int tusk_tcp_sndq_append(struct tusk_tcp_sndq *q, struct rte_mbuf *seg);

/* Release everything before `ack`. */
void tusk_tcp_sndq_ack(struct tusk_tcp_sndq *q, uint32_t ack);

/*
 * An mbuf chain (from `pool`) attached to the queue's bytes [seq, seq + len),
 * which must lie inside the queue. Returns its head (pkt_len = len, tail in
 * *tail) or NULL when the pool is empty. Entries stay alive until every
 * segment cut from them is freed, even after tusk_tcp_sndq_ack() or
 * tusk_tcp_sndq_free().
 */
struct rte_mbuf *tusk_tcp_sndq_clone(const struct tusk_tcp_sndq *q,
				     uint32_t seq, uint32_t len,
				     struct rte_mempool *pool,
				     struct rte_mbuf **tail);

#endif /* TUSK_TCP_SNDQ_H */
