/* SPDX-License-Identifier: BSD-3-Clause */
/* pattern: clones of pattern mbufs as payload (pattern.h). */
#include <errno.h>
#include <string.h>

#include "pattern.h"

int
tusk_pattern_init(struct tusk_pattern *p, const char *name,
		  struct rte_mempool *data_pool, unsigned int clones,
		  unsigned int cache, int socket_id)
{
	memset(p, 0, sizeof(*p));
	/* bare mbuf headers: clones carry no data room of their own */
	p->clones = rte_pktmbuf_pool_create(name, clones, cache, 0, 0,
					    socket_id);
	if (p->clones == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < TUSK_PATTERN_MBUFS; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(data_pool);
		uint8_t *d;

		if (m == NULL || rte_pktmbuf_tailroom(m) < TUSK_PATTERN_CHUNK) {
			rte_pktmbuf_free(m);
			return -ENOMEM;
		}
		d = (uint8_t *)rte_pktmbuf_append(m, TUSK_PATTERN_CHUNK);
		for (unsigned int j = 0; j < TUSK_PATTERN_CHUNK; j++)
			d[j] = tusk_pattern_byte(j);
		p->pattern[i] = m;
	}
	return 0;
}

void
tusk_pattern_fini(struct tusk_pattern *p)
{
	for (unsigned int i = 0; i < TUSK_PATTERN_MBUFS; i++)
		rte_pktmbuf_free(p->pattern[i]);
	/* a clone still queued somewhere would come back to a freed pool:
	 * leave the pool to process exit rather than free it under it */
	if (p->clones != NULL && rte_mempool_in_use_count(p->clones) == 0)
		rte_mempool_free(p->clones);
	memset(p, 0, sizeof(*p));
}

/* A clone of the next pattern mbuf with room for another reference. */
static struct rte_mbuf *
next_clone(struct tusk_pattern *p)
{
	for (unsigned int i = 0; i < TUSK_PATTERN_MBUFS; i++) {
		struct rte_mbuf *m = p->pattern[p->next];

		p->next = (p->next + 1) % TUSK_PATTERN_MBUFS;
		if (rte_mbuf_refcnt_read(m) < UINT16_MAX - 1)
			return rte_pktmbuf_clone(m, p->clones);
	}
	return NULL;
}

struct rte_mbuf *
tusk_pattern_chain(struct tusk_pattern *p, unsigned int max_chunks,
		   uint64_t max_bytes)
{
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	uint64_t built = 0;

	for (unsigned int n = 0; n < max_chunks && built < max_bytes; n++) {
		if ((m = next_clone(p)) == NULL)
			break;
		if (max_bytes - built < m->data_len) {
			m->data_len = (uint16_t)(max_bytes - built);
			m->pkt_len = m->data_len;
		}
		built += m->data_len;
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		tail = m;
	}
	return head;
}

bool
tusk_pattern_queue_room(struct tusk_pattern_queue *q,
			const struct tusk_tcp_conn *c, uint32_t snd_buf,
			struct tusk_tcp_conn_stats *st, uint64_t now)
{
	uint32_t space = tusk_tcp_send_space(c);

	if (space < TUSK_PATTERN_CHUNK)
		return false;
	if (now >= q->cap_at) {
		/* what can be in flight: cwnd, or the peer's window when that
		 * is smaller (a controller may grow cwnd far past it while
		 * the window limits the sender: a queue of 2 such cwnds held
		 * 110 MB against a Linux receiver's 6 MB window) */
		uint32_t flight;

		tusk_tcp_conn_stats(c, st);
		flight = RTE_MIN(st->cwnd, st->snd_wnd);
		q->cap = RTE_MAX((uint64_t)TUSK_PATTERN_QUEUE_MIN,
				 (uint64_t)TUSK_PATTERN_QUEUE_CWNDS * flight);
		q->cap_at = now + TUSK_PATTERN_CWND_EVERY_NS;
	}
	return snd_buf - space < q->cap;
}
