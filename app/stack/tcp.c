/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP entry points called by the rest of the stack (tcp.h). Placeholder
 * while the TCP core is being written: segments are dropped as if no
 * listener existed.
 */
#include <stdint.h>

#include <rte_malloc.h>

#include "stack_priv.h"
#include "tcp.h"

struct tusk_tcp {
	struct tusk_stack *st;
};

struct tusk_tcp *
tusk_tcp_create(struct tusk_stack *st, const struct tusk_stack_conf *conf)
{
	struct tusk_tcp *tcp;

	tcp = rte_zmalloc_socket("tusk_tcp", sizeof(*tcp), 0, conf->socket_id);
	if (tcp != NULL)
		tcp->st = st;
	return tcp;
}

void
tusk_tcp_free(struct tusk_tcp *tcp)
{
	rte_free(tcp);
}

void
tusk_tcp_input(struct tusk_stack *st, struct rte_mbuf *m,
	       const struct tusk_addr *src, const struct tusk_addr *dst,
	       uint64_t now)
{
	tusk_stack_drop(st, TUSK_DROP_TCP_NO_LISTENER, m);
}

void
tusk_tcp_poll(struct tusk_tcp *tcp, uint64_t now)
{
}

uint64_t
tusk_tcp_next_event(const struct tusk_tcp *tcp)
{
	return UINT64_MAX;
}
