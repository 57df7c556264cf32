/* SPDX-License-Identifier: BSD-3-Clause */
/* Challenge-ACK throttling (RFC 5961 section 7); see tcp_challenge.h. */
#include "tcp_challenge.h"

uint32_t
tusk_tcp_challenge_budget(const struct tusk_tcp_key *key, uint64_t period)
{
	uint32_t half = (TUSK_TCP_CHALLENGE_ACK_LIMIT + 1) / 2;

	/* Modulo bias of a 64-bit hash over 1000 values: below 1e-16. */
	return half + (uint32_t)(tusk_tcp_siphash(key, &period,
						  sizeof(period)) %
				 TUSK_TCP_CHALLENGE_ACK_LIMIT);
}

enum tusk_tcp_challenge_verdict
tusk_tcp_challenge_check(struct tusk_tcp_challenge *g, uint64_t *conn_next,
			 uint64_t now)
{
	uint64_t period = now / TUSK_TCP_CHALLENGE_PERIOD_NS + 1;

	if (now < *conn_next)
		return TUSK_TCP_CHALLENGE_CONN_LIMITED;
	*conn_next = now + TUSK_TCP_CHALLENGE_CONN_GAP_NS;
	if (period != g->period) {
		g->period = period;
		g->left = tusk_tcp_challenge_budget(&g->key, period);
	}
	if (g->left == 0)
		return TUSK_TCP_CHALLENGE_GLOBAL_LIMITED;
	g->left--;
	return TUSK_TCP_CHALLENGE_SEND;
}

bool
tusk_tcp_challenge_oow_ok(uint64_t *next, uint64_t now)
{
	if (now < *next)
		return false;
	*next = now + TUSK_TCP_OOW_ACK_GAP_NS;
	return true;
}
