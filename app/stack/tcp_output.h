/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments out (tcp_output.c): data cut zero-copy from the send queue,
 * control segments, ACKs with SACK/D-SACK blocks and timestamps, resets.
 */
#ifndef TUSK_TCP_OUTPUT_H
#define TUSK_TCP_OUTPUT_H

#include <stdint.h>

#include "tcp_conn.h"

struct tusk_tcp_seg_in;

/* When the pool is empty, try sending again after this long: about a
 * burst's time at 10 Gbit/s, long enough for the driver to free some. */
#define TUSK_TCP_NOBUF_RETRY_NS (1000ULL * 1000)
/* Pacing credit: a sender the pacer held that comes late for its slots
 * (its poller shares the core and was not scheduled: a scheduler
 * slice is a few ms to ~20 ms) sends what it missed, up to this much
 * time's worth (Linux gives a late sender credit too, tcp_output.c "OS
 * jitter", for smaller gaps). Without it the rate delivered fell below
 * the pacing rate, BBR took that for the path's bandwidth and paced
 * slower: a tuskd-to-tuskd push sank to 0.03 Gbit/s (README, "Pacing on
 * a shared core"). The burst stays bounded by cwnd; a sender
 * held by cwnd or restarting from idle gets no credit. */
#define TUSK_TCP_PACE_CREDIT_NS (10ULL * 1000 * 1000)

/*
 * Send what may be sent now: lost segments first (RFC 6675 NextSeg rule
 * 1), then new data and FIN, within cwnd, the peer's window and the pacing
 * schedule; then a pending ACK if nothing carried it. Arms the pacing and
 * persist timers as needed.
 */
void tusk_tcp_output(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
		     uint64_t now);

/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with our options. */
int tusk_tcp_output_syn(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			uint64_t now);

/* A pure ACK now (clears the delayed-ACK state). */
int tusk_tcp_output_ack(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			uint64_t now);

/* RST for a connection (ABORT, RFC 9293 3.10.5): <SEQ=SND.NXT><CTL=RST>. */
int tusk_tcp_output_rst(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			uint64_t now);

/* RST answering a segment with no connection (RFC 9293 3.10.7.1). */
void tusk_tcp_output_reset_reply(struct tusk_tcp *tcp,
				 const struct tusk_tcp_seg_in *seg,
				 uint64_t now);

/* A SYN-ACK carrying a SYN cookie, with no connection block. */
void tusk_tcp_output_cookie_synack(struct tusk_tcp *tcp,
				   const struct tusk_tcp_seg_in *seg,
				   uint32_t cookie, uint16_t mss,
				   uint32_t tsval, uint64_t now);

/* Resend scoreboard record `id` (RTO, TLP, lost). Returns 0 or -errno. */
int tusk_tcp_output_retransmit(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			       uint32_t id, uint64_t now);

/* One segment of new data (or a pending FIN) regardless of cwnd and
 * pacing, for a tail loss probe. Returns 0 if one went out. */
int tusk_tcp_output_new_segment(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
				uint64_t now);

/* A segment of one new byte beyond the window, or an empty keepalive
 * (<SEQ=SND.UNA-1>), to elicit an ACK (RFC 9293 3.8.6.1, RFC 1122
 * 4.2.3.6). */
int tusk_tcp_output_probe(struct tusk_tcp *tcp, struct tusk_tcp_conn *c,
			  bool keepalive, uint64_t now);

/* Unsent data, nothing in flight, and no window to send it into: the
 * persist timer's condition. */
bool tusk_tcp_output_window_stuck(const struct tusk_tcp_conn *c);

/* Our timestamp clock (RFC 7323 5.4: 1 ms ticks). */
static inline uint32_t
tusk_tcp_ts_now(uint64_t now)
{
	return (uint32_t)(now / 1000000ULL);
}

#endif /* TUSK_TCP_OUTPUT_H */
