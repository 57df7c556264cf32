/* SPDX-License-Identifier: BSD-3-Clause */
/* The segment tests' application (see tcp_sink.h). */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp_sink.h"

static int
sink_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	struct tusk_test_sink *s = larg;

	s->accepted++;
	s->last = c;
	*carg = s;
	return s->refuse ? -ECONNREFUSED : 0;
}

static void
sink_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct tusk_test_sink *s = arg;

	s->connected++;
}

static uint32_t
sink_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	  uint64_t now)
{
	struct tusk_test_sink *s = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	s->received += len;
	rte_pktmbuf_free(m);
	return len;
}

static void
sink_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct tusk_test_sink *s = arg;

	s->peer_closed++;
}

static void
sink_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct tusk_test_sink *s = arg;

	s->closed++;
	s->close_err = err;
	if (c == s->last)
		s->last = NULL;
}

const struct tusk_tcp_ops tusk_test_sink_ops = {
	.accepted = sink_accepted,
	.connected = sink_connected,
	.recv = sink_recv,
	.peer_closed = sink_peer_closed,
	.closed = sink_closed,
};

int
tusk_test_sink_setup(struct tusk_harness *h, const char *name, uint16_t port,
		     uint32_t backlog, struct tusk_test_sink *s)
{
	memset(s, 0, sizeof(*s));
	if (tusk_harness_init(h, name) != 0)
		return -1;
	tusk_harness_learn_peer(h, 0);
	return tusk_test_sink_listen(h, port, backlog, NULL, s);
}

int
tusk_test_sink_listen(struct tusk_harness *h, uint16_t port,
		      uint32_t backlog, const struct tusk_tcp_conn_opts *o,
		      struct tusk_test_sink *s)
{
	return tusk_tcp_listen(h->st, port, &tusk_test_sink_ops, s, backlog, o);
}
