/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP entry points called by the rest of the stack (tcp.h): create and
 * free the per-stack state, run timers, report the next event. Segment
 * input is tcp_input.c; the map of the other files is in tcp_conn.h.
 */
#include <errno.h>

#include <rte_malloc.h>

#include "stack_priv.h"
#include "tcp.h"
#include "tcp_conn.h"
#include "tcp_mbuf.h"

/* Labels that derive independent keys from the one stack seed. */
#define KEY_ISN 0x69736eULL
#define KEY_COOKIE 0x636f6f6b6965ULL
#define KEY_PORT 0x706f7274ULL
#define KEY_CHALLENGE 0x6368616c6cULL

struct tusk_tcp *
tusk_tcp_create(struct tusk_stack *st, const struct tusk_stack_conf *conf)
{
	uint32_t max = conf->max_conns != 0 ? conf->max_conns
					    : TUSK_TCP_DEFAULT_MAX_CONNS;
	struct tusk_tcp *tcp;

	if (tusk_tcp_mbuf_setup() != 0)
		return NULL;
	tcp = rte_zmalloc_socket("tusk_tcp", sizeof(*tcp), RTE_CACHE_LINE_SIZE,
				 conf->socket_id);
	if (tcp == NULL)
		return NULL;
	tcp->st = st;
	tcp->socket_id = conf->socket_id;
	tcp->msl = TUSK_TCP_MSL_DEFAULT_NS;
	tcp->port_shares = conf->tcp_shares > 1 ? conf->tcp_shares : 1;
	tcp->port_share = tcp->port_shares > 1 ? conf->tcp_share : 0;
	tcp->isn_key = tusk_tcp_key_derive(conf->seed, KEY_ISN);
	tcp->cookie_key = tusk_tcp_key_derive(conf->seed, KEY_COOKIE);
	tcp->port_key = tusk_tcp_key_derive(conf->seed, KEY_PORT);
	tcp->challenge.key = tusk_tcp_key_derive(conf->seed, KEY_CHALLENGE);
	if (tusk_tcp_conn_table_init(tcp, max) != 0 ||
	    tusk_tcp_timers_init(tcp, max, conf->socket_id) != 0) {
		tusk_tcp_free(tcp);
		return NULL;
	}
	return tcp;
}

void
tusk_tcp_free(struct tusk_tcp *tcp)
{
	if (tcp == NULL)
		return;
	tusk_tcp_conn_table_free(tcp);
	tusk_tcp_timers_free(tcp);
	rte_free(tcp);
}

void
tusk_tcp_poll(struct tusk_tcp *tcp, uint64_t now)
{
	tusk_tcp_timers_run(tcp, now);
}

uint64_t
tusk_tcp_next_event(const struct tusk_tcp *tcp)
{
	return tusk_tcp_timers_next(tcp);
}
