/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6298 estimator. Kept in ns with the RFC's alpha = 1/8 and beta = 1/4
 * as shifts; RTO = SRTT + max(G, 4 * RTTVAR), clamped to [min, max].
 */
#include "tcp_rtt.h"

void
tusk_tcp_rtt_init(struct tusk_tcp_rtt *r)
{
	*r = (struct tusk_tcp_rtt){ .rto = TUSK_TCP_RTO_INIT };
}

static uint64_t
clamp_rto(uint64_t rto)
{
	if (rto < TUSK_TCP_RTO_MIN)
		return TUSK_TCP_RTO_MIN;
	if (rto > TUSK_TCP_RTO_MAX)
		return TUSK_TCP_RTO_MAX;
	return rto;
}

void
tusk_tcp_rtt_sample(struct tusk_tcp_rtt *r, uint64_t rtt, uint64_t now)
{
	uint64_t var;

	if (rtt == 0)
		rtt = 1; /* a zero sample would read as "no estimate" */
	r->latest = rtt;
	if (r->srtt == 0) {
		/* RFC 6298 2.2: first measurement. */
		r->srtt = rtt;
		r->rttvar = rtt / 2;
	} else {
		/* RFC 6298 2.3: RTTVAR first, with the old SRTT. */
		uint64_t err = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
		r->rttvar = r->rttvar - (r->rttvar >> 2) + (err >> 2);
		r->srtt = r->srtt - (r->srtt >> 3) + (rtt >> 3);
	}
	var = 4 * r->rttvar;
	r->rto = clamp_rto(r->srtt + (var > TUSK_TCP_RTT_G ? var : TUSK_TCP_RTT_G));
	/* RFC 6298 5.7 leaves backoff to be reset by a new sample. */
	r->backoff = 0;
	if (r->min_rtt == 0 || rtt <= r->min_rtt ||
	    now - r->min_rtt_ts > TUSK_TCP_MIN_RTT_WIN) {
		r->min_rtt = rtt;
		r->min_rtt_ts = now;
	}
}

uint64_t
tusk_tcp_rtt_rto(const struct tusk_tcp_rtt *r)
{
	uint64_t rto = r->rto;

	for (unsigned int i = 0; i < r->backoff && rto < TUSK_TCP_RTO_MAX; i++)
		rto *= 2;
	return clamp_rto(rto);
}

bool
tusk_tcp_rtt_backoff(struct tusk_tcp_rtt *r)
{
	if (r->backoff >= TUSK_TCP_RTO_MAX_BACKOFF)
		return false;
	r->backoff++;
	return true;
}
