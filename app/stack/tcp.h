/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP: the hooks the rest of the stack calls. The service API (listen,
 * connect, send, receive callbacks) lives in tcp_api.h.
 */
#ifndef TUSK_TCP_H
#define TUSK_TCP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;
struct tusk_stack_conf;
struct tusk_tcp;

/* Per-stack TCP state (connection table, listeners, timers). */
struct tusk_tcp *tusk_tcp_create(struct tusk_stack *st,
				 const struct tusk_stack_conf *conf);
void tusk_tcp_free(struct tusk_tcp *tcp);

/*
 * A segment addressed to us: m->data points at the TCP header and
 * rte_pktmbuf_pkt_len(m) is the TCP length (IP padding already trimmed).
 * The IPv4 layer has not checked the TCP checksum; RTE_MBUF_F_RX_L4_CKSUM_*
 * flags from the port say whether hardware did. Takes ownership of m.
 */
void tusk_tcp_input(struct tusk_stack *st, struct rte_mbuf *m,
		    const struct tusk_addr *src, const struct tusk_addr *dst,
		    uint64_t now);

/*
 * An rx burst: between begin and end, output that a segment makes due waits
 * for the end when nothing in it is urgent (tcp_input.c, output_or_defer):
 * one ACK covers the burst's in-order data and new data leaves in one batch.
 */
void tusk_tcp_burst_begin(struct tusk_tcp *tcp);
void tusk_tcp_burst_end(struct tusk_tcp *tcp, uint64_t now);

/* Timers and pacing due at `now`. */
void tusk_tcp_poll(struct tusk_tcp *tcp, uint64_t now);

/* Earliest time tusk_tcp_poll() has work, UINT64_MAX if none. */
uint64_t tusk_tcp_next_event(const struct tusk_tcp *tcp);

#endif /* TUSK_TCP_H */
