/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delivery-rate estimation, draft-cheng-iccrg-delivery-rate-estimation-02.
 * Section numbers below refer to that draft.
 */
#include <string.h>

#include "tcp_rate.h"

#define NSEC_PER_SEC 1000000000ull

void
tusk_tcp_rate_init(struct tusk_tcp_rate *r)
{
	memset(r, 0, sizeof(*r));
}

/* Section 3.2: snapshot the connection's delivery state into the segment. */
void
tusk_tcp_rate_on_send(struct tusk_tcp_rate *r, struct tusk_tcp_rate_seg *seg,
		      uint32_t len, uint32_t in_flight, bool is_retrans,
		      uint64_t now)
{
	/* A new flight starts from an empty pipe: its elapsed time must not
	 * include the idle time before it. */
	if (in_flight == 0) {
		r->first_send_time = now;
		r->delivered_time = now;
	}
	seg->delivered = r->delivered;
	seg->delivered_time = r->delivered_time;
	seg->first_send_time = r->first_send_time;
	seg->send_time = now;
	seg->lost = r->lost;
	seg->tx_in_flight = in_flight + len;
	seg->is_app_limited = r->app_limited != 0;
	seg->is_retrans = is_retrans;
	seg->done = 0;
}

void
tusk_tcp_rate_sample_begin(struct tusk_tcp_rate_sample *rs,
			   uint32_t prior_in_flight)
{
	memset(rs, 0, sizeof(*rs));
	rs->prior_in_flight = prior_in_flight;
}

/* Is `seg` sent after the segment the sample is currently built on? Ties
 * on P.delivered are broken by send time: the newest carries the most
 * recent view of the path. */
static bool
newer(const struct tusk_tcp_rate_sample *rs,
      const struct tusk_tcp_rate_seg *seg)
{
	if (!rs->has_seg)
		return true;
	if (seg->delivered != rs->prior_delivered)
		return seg->delivered > rs->prior_delivered;
	return seg->send_time >= rs->send_time;
}

/* Section 3.3, UpdateRateSample(). */
void
tusk_tcp_rate_on_seg_delivered(struct tusk_tcp_rate *r,
			       struct tusk_tcp_rate_sample *rs,
			       struct tusk_tcp_rate_seg *seg, uint32_t len,
			       uint64_t now)
{
	if (seg->done)
		return; /* SACKed before, now cumulatively ACKed */
	seg->done = 1;
	r->delivered += len;
	r->delivered_time = now;
	rs->acked_sacked += len;
	if (!newer(rs, seg))
		return;
	rs->has_seg = true;
	rs->prior_delivered = seg->delivered;
	rs->prior_time = seg->delivered_time;
	rs->is_app_limited = seg->is_app_limited;
	rs->is_retrans = seg->is_retrans;
	rs->send_elapsed = seg->send_time - seg->first_send_time;
	rs->ack_elapsed = r->delivered_time - seg->delivered_time;
	rs->send_time = seg->send_time;
	rs->tx_in_flight = seg->tx_in_flight;
	rs->lost = seg->lost; /* made relative in sample_end */
	/* Karn: a retransmitted segment's ACK may belong to either copy. */
	rs->rtt_ns = seg->is_retrans ? 0 : now - seg->send_time;
	/* The next flight's send interval starts at this segment's send. */
	r->first_send_time = seg->send_time;
}

void
tusk_tcp_rate_on_seg_lost(struct tusk_tcp_rate *r,
			  struct tusk_tcp_rate_sample *rs, uint32_t len)
{
	r->lost += len;
	rs->newly_lost += len;
}

/* Packet-timed rounds (BBR draft section 4.5.1): a round ends when a
 * segment sent after the round began is delivered. */
static void
update_round(struct tusk_tcp_rate *r, struct tusk_tcp_rate_sample *rs)
{
	if (rs->has_seg && rs->prior_delivered >= r->next_round_delivered) {
		r->next_round_delivered = r->delivered;
		r->round_count++;
		rs->round_start = true;
	}
}

/* Section 3.3, GenerateRateSample(). */
bool
tusk_tcp_rate_sample_end(struct tusk_tcp_rate *r,
			 struct tusk_tcp_rate_sample *rs, uint64_t min_rtt_ns)
{
	/* Section 3.4: the app-limited bubble is gone once everything sent
	 * inside it has been delivered. */
	if (r->app_limited != 0 && r->delivered > r->app_limited)
		r->app_limited = 0;
	update_round(r, rs);
	if (!rs->has_seg)
		return false;
	rs->lost = r->lost - rs->lost;
	rs->delivered = r->delivered - rs->prior_delivered;
	rs->interval_ns = rs->send_elapsed > rs->ack_elapsed ?
		rs->send_elapsed : rs->ack_elapsed;
	/* An interval shorter than the min RTT means ACK compression or a
	 * stretched ACK: the rate would be too high (section 3.3). */
	if (rs->interval_ns == 0 || rs->interval_ns < min_rtt_ns) {
		rs->delivery_rate = 0;
		return false;
	}
	rs->delivery_rate = (uint64_t)((double)rs->delivered * NSEC_PER_SEC /
				       (double)rs->interval_ns);
	return true;
}

/* Section 3.4, CheckIfApplicationLimited(). */
void
tusk_tcp_rate_check_app_limited(struct tusk_tcp_rate *r, uint64_t unsent_bytes,
				uint32_t in_flight, uint32_t cwnd, uint32_t mss,
				uint32_t lost_unretrans)
{
	uint64_t mark;

	if (unsent_bytes >= mss || in_flight >= cwnd || lost_unretrans != 0)
		return;
	mark = r->delivered + in_flight;
	r->app_limited = mark != 0 ? mark : 1;
}
