/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation).
 *
 * The TCP core embeds a struct tusk_tcp_rate_seg in every transmitted
 * segment record and calls, in this order:
 *
 *   on every (re)transmission:   tusk_tcp_rate_on_send()
 *   on every ACK:                tusk_tcp_rate_sample_begin()
 *     for each segment newly cumulatively ACKed or SACKed:
 *                                tusk_tcp_rate_on_seg_delivered()
 *     for each segment newly marked lost:
 *                                tusk_tcp_rate_on_seg_lost()
 *                                tusk_tcp_rate_sample_end()
 *   then the congestion controller's on_ack with the sample (tcp_cc.h);
 *   when the sender runs out of data (before sending or after an ACK):
 *                                tusk_tcp_rate_check_app_limited()
 *
 * All quantities are bytes and nanoseconds. The sampler also counts
 * round trips (BBR's "packet-timed rounds"): a round ends when a segment sent
 * after the previous round started is delivered.
 */
#ifndef TUSK_TCP_RATE_H
#define TUSK_TCP_RATE_H

#include <stdbool.h>
#include <stdint.h>

/* Per-connection delivery state (the draft's C.* variables). */
struct tusk_tcp_rate {
	uint64_t delivered;       /* C.delivered: bytes delivered so far */
	uint64_t delivered_time;  /* C.delivered_time: when it last grew */
	uint64_t first_send_time; /* C.first_send_time: start of the flight */
	uint64_t app_limited;     /* C.app_limited: delivered mark, 0 = no */
	uint64_t lost;            /* bytes marked lost so far (BBR loss rate) */
	uint64_t next_round_delivered; /* delivered mark that ends the round */
	uint64_t round_count;     /* packet-timed round trips so far */
};

/* Per-segment snapshot taken at (re)transmission (the draft's P.*). */
struct tusk_tcp_rate_seg {
	uint64_t delivered;       /* C.delivered when sent */
	uint64_t delivered_time;  /* C.delivered_time when sent */
	uint64_t first_send_time; /* C.first_send_time when sent */
	uint64_t send_time;       /* when sent */
	uint64_t lost;            /* C.lost when sent */
	uint32_t tx_in_flight;    /* bytes in flight including this one */
	uint8_t is_app_limited;
	uint8_t is_retrans;
	uint8_t done;             /* delivered already: counts once */
};

/* One rate sample: what an ACK told us (the draft's rs.*). */
struct tusk_tcp_rate_sample {
	uint64_t prior_delivered; /* P.delivered of the newest delivered seg */
	uint64_t prior_time;      /* P.delivered_time of that seg */
	uint64_t send_elapsed;    /* its send_time - P.first_send_time */
	uint64_t ack_elapsed;     /* C.delivered_time - P.delivered_time */
	uint64_t interval_ns;     /* max(send_elapsed, ack_elapsed) */
	uint64_t delivered;       /* bytes delivered over interval_ns */
	uint64_t delivery_rate;   /* bytes/s; 0 when the sample is invalid */
	uint64_t rtt_ns;          /* RTT of the newest delivered seg; 0 if it
				   * was a retransmission (Karn) */
	uint64_t lost;            /* bytes lost since that seg was sent */
	uint32_t tx_in_flight;    /* bytes in flight when that seg was sent */
	uint32_t acked_sacked;    /* bytes newly delivered by this ACK */
	uint32_t newly_lost;      /* bytes newly marked lost by this ACK */
	uint32_t prior_in_flight; /* bytes in flight before this ACK */
	uint64_t send_time;       /* send time of the newest delivered seg */
	bool has_seg;             /* some segment was newly delivered */
	bool is_app_limited;
	bool is_retrans;
	bool round_start;         /* this ACK ended a packet-timed round */
};

/* Zero the connection state (at connection set-up). */
void tusk_tcp_rate_init(struct tusk_tcp_rate *r);

/*
 * Snapshot a segment as it is sent. `in_flight` counts the bytes in
 * flight BEFORE this segment (0: the pipe was empty, a new flight starts).
 */
void tusk_tcp_rate_on_send(struct tusk_tcp_rate *r,
			   struct tusk_tcp_rate_seg *seg, uint32_t len,
			   uint32_t in_flight, bool is_retrans, uint64_t now);

/* Start the sample for one incoming ACK. */
void tusk_tcp_rate_sample_begin(struct tusk_tcp_rate_sample *rs,
				uint32_t prior_in_flight);

/* A segment of `len` bytes was delivered (cumulative ACK or SACK). Each
 * segment counts once: the snapshot is marked done. */
void tusk_tcp_rate_on_seg_delivered(struct tusk_tcp_rate *r,
				    struct tusk_tcp_rate_sample *rs,
				    struct tusk_tcp_rate_seg *seg,
				    uint32_t len, uint64_t now);

/* A segment of `len` bytes was marked lost. */
void tusk_tcp_rate_on_seg_lost(struct tusk_tcp_rate *r,
			       struct tusk_tcp_rate_sample *rs, uint32_t len);

/*
 * Finish the sample (draft section 3.3). Returns true if rs->delivery_rate
 * is valid; rs->round_start and rs->acked_sacked are set either way.
 * `min_rtt_ns` discards intervals shorter than the path's min RTT, which
 * would over-estimate the rate (ACK compression); 0 disables that check.
 */
bool tusk_tcp_rate_sample_end(struct tusk_tcp_rate *r,
			      struct tusk_tcp_rate_sample *rs,
			      uint64_t min_rtt_ns);

/*
 * Mark the flight application-limited (draft section 3.4) when the sender
 * has nothing to send: no unsent data, in flight below cwnd and no lost
 * segment waiting for retransmission. Call when the send queue drains.
 */
void tusk_tcp_rate_check_app_limited(struct tusk_tcp_rate *r,
				     uint64_t unsent_bytes,
				     uint32_t in_flight, uint32_t cwnd,
				     uint32_t mss, uint32_t lost_unretrans);

#endif /* TUSK_TCP_RATE_H */
