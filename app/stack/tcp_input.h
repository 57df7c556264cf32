/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival (RFC 9293 section 3.10.7). A parsed segment travels
 * through tcp_input.c, tcp_ack.c and tcp_recv.c as struct tusk_tcp_seg_in.
 */
#ifndef TUSK_TCP_INPUT_H
#define TUSK_TCP_INPUT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "tcp_conn.h"

struct tusk_tcp_seg_in {
	struct rte_mbuf *m;   /* payload only (headers stripped); owned */
	struct tusk_tcp_tuple t; /* from our side: laddr = destination */
	uint32_t seq;
	uint32_t ack;
	uint32_t len;         /* payload bytes */
	uint16_t wnd;         /* raw window field */
	uint8_t flags;        /* TUSK_TCP_F_* */
	struct tusk_tcp_opts opt;
};

/* SEG.SEQ + SEG.LEN counting SYN and FIN (RFC 9293 3.4). */
static inline uint32_t
tusk_tcp_seg_end(const struct tusk_tcp_seg_in *s);

/* The ACK field of a segment in a synchronized state (tcp_ack.c).
 * Returns 0 to go on with the segment, -1 when it was dropped. */
int tusk_tcp_ack_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		       struct tusk_tcp_seg_in *seg, uint64_t now);

/* Timer expiries handled with the ACK machinery (tcp_ack.c): the RACK
 * reordering timer (RFC 8985 6.3), the tail loss probe (RFC 8985 7.3) and
 * the retransmission timeout (RFC 6298 5.4-5.7, RFC 8985 6.3). */
void tusk_tcp_ack_rack_timeout(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			       uint64_t now);
void tusk_tcp_ack_tlp(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		      uint64_t now);
void tusk_tcp_ack_rto(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		      uint64_t now);

/* Payload and FIN (tcp_recv.c); consumes seg->m. */
void tusk_tcp_recv_input(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			 struct tusk_tcp_seg_in *seg, uint64_t now);

/* The peer's FIN became in order: state change (tcp_input.c). */
void tusk_tcp_input_fin(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			uint64_t now);

/* ACK a segment not accepted (out of the window, PAWS-old, or acking
 * data never sent): always when it carries data, else at most once per
 * TUSK_TCP_OOW_ACK_GAP_NS per connection (tcp_challenge.h says why). */
void tusk_tcp_input_oow_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			    const struct tusk_tcp_seg_in *seg, uint64_t now);
/* Send a challenge ACK, rate-limited per connection and per stack
 * (RFC 5961 section 7, tcp_challenge.h). */
void tusk_tcp_input_challenge_ack(struct tusk_tcp *tcp,
				  struct tusk_tcp_conn *c, uint64_t now);

/* The window we advertise now, in bytes (tcp_recv.c). */
uint32_t tusk_tcp_recv_window(const struct tusk_tcp_conn *c);

/* The app consumed held bytes: reopen the window (tcp_recv.c). */
void tusk_tcp_recv_release(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			   uint32_t bytes, uint64_t now);

#include "tcp_wire.h"

static inline uint32_t
tusk_tcp_seg_end(const struct tusk_tcp_seg_in *s)
{
	return s->seq + s->len + ((s->flags & TUSK_TCP_F_SYN) ? 1 : 0) +
	       ((s->flags & TUSK_TCP_F_FIN) ? 1 : 0);
}

#endif /* TUSK_TCP_INPUT_H */
