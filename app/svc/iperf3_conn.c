/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3: the connections of the service and its client (control,
 * cookie, data streams, denied): a fixed table in struct tusk_iperf3,
 * their output held back while the stack's send queue is full, and the
 * I/O the server (iperf3.c) and the client (iperf3_client_io.c) share.
 *
 *   iperf3_conn_alloc() -> iperf3_conn_send() -> iperf3_conn_flush()
 *   writable() = iperf3_conn_writable() -> flush, iperf3_stream_fill()
 *   recv() -> iperf3_conn_data(): a running stream's bytes counted
 *   iperf3_conn_close() / iperf3_conn_free()
 */
#include <string.h>

#include "iperf3_priv.h"

struct iperf3_conn *
iperf3_conn_alloc(struct tusk_iperf3 *s, struct tusk_tcp_conn *c,
		  enum iperf3_conn_kind kind)
{
	for (unsigned int i = 0; i < IPERF3_CONNS_MAX; i++) {
		struct iperf3_conn *k = &s->conns[i];

		if (k->kind != CONN_FREE)
			continue;
		memset(k, 0, sizeof(*k));
		k->kind = kind;
		k->s = s;
		k->c = c;
		return k;
	}
	return NULL;
}

void
iperf3_conn_free(struct iperf3_conn *k)
{
	rte_pktmbuf_free(k->out);
	if (k->sp != NULL) {
		k->sp->c = NULL;
		k->sp->conn = NULL;
	}
	memset(k, 0, sizeof(*k));
}

/* Close (FIN after what is queued) and forget: no callback follows. */
void
iperf3_conn_close(struct iperf3_conn *k, uint64_t now)
{
	struct tusk_tcp_conn *c = k->c;

	iperf3_conn_free(k);
	if (c != NULL)
		tusk_tcp_close(c, now);
}

/* Push what the control connection holds back; the rest waits for
 * writable(). */
void
iperf3_conn_flush(struct iperf3_conn *k, uint64_t now)
{
	if (k->out != NULL && k->c != NULL &&
	    tusk_tcp_send(k->c, &k->out, now) < 0) {
		rte_pktmbuf_free(k->out);
		k->out = NULL;
	}
}

/* Bytes for a connection, copied into payload mbufs and queued. */
void
iperf3_conn_send(struct tusk_iperf3 *s, struct iperf3_conn *k,
		 const void *bytes, size_t len, uint64_t now)
{
	const uint8_t *p = bytes;

	while (len > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(s->env.data_pool);
		uint16_t n;

		if (m == NULL) {
			IPERF3_LOG(WARNING, "payload pool empty: control "
				   "bytes lost\n");
			return;
		}
		n = (uint16_t)RTE_MIN(len, (size_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, n), p, n);
		p += n;
		len -= n;
		if (k->out == NULL)
			k->out = m;
		else if (rte_pktmbuf_chain(k->out, m) != 0)
			rte_pktmbuf_free(m); /* over 65535 segments: no */
	}
	iperf3_conn_flush(k, now);
}

/* n bytes of data received on a stream: counted while the test runs and
 * the stream receives (the server's and the client's alike). */
void
iperf3_conn_data(struct iperf3_conn *k, uint32_t n, uint64_t now)
{
	if (k->kind == CONN_STREAM && k->sp != NULL &&
	    k->s->t.phase == PH_RUNNING && !k->sp->info.sender) {
		k->sp->bytes_all += n;
		k->sp->end_ns = now;
	}
}

/* tusk_tcp_ops.writable of every iperf3 connection: what was held back,
 * then a running stream's next bytes. */
void
iperf3_conn_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct iperf3_conn *k = arg;

	RTE_SET_USED(c);
	iperf3_conn_flush(k, now);
	if (k->kind == CONN_STREAM && k->sp != NULL &&
	    k->s->t.phase == PH_RUNNING)
		iperf3_stream_fill(k->s, k->sp, now);
}
