/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's log of state changes (see http_fetch.h
 * tusk_fetch_changes): every state a transfer enters goes through
 * fetch_xfer_set_state(), which keeps it in a ring indexed by seq. All on
 * the service's lcore: the control thread reads it through
 * tusk_lcore_call().
 */
#include "http_fetch_priv.h"

void
fetch_xfer_set_state(struct fetch_xfer *x, enum tusk_fetch_xstate state)
{
	struct tusk_fetch *f = x->f;
	struct tusk_fetch_change *c;

	if (x->stated && x->state == state)
		return;
	c = &f->changes[++f->change_seq % TUSK_FETCH_CHANGES_MAX];
	*c = (struct tusk_fetch_change){
		.seq = f->change_seq,
		.id = x->id,
		.from = x->stated ? (int)x->state : -1,
		.to = state,
	};
	/* phase times (the list's "phase_s"): the service's poll time */
	if (x->stated && x->state <= TUSK_FETCH_VERIFYING)
		x->phase_ns[x->state] += f->now - x->state_at;
	x->state_at = f->now;
	x->state = state;
	x->stated = true;
}

unsigned int
tusk_fetch_changes(const struct tusk_fetch *f, uint64_t after,
		   struct tusk_fetch_change *out, unsigned int n,
		   uint64_t *lost, uint64_t *last)
{
	uint64_t oldest = f->change_seq >= TUSK_FETCH_CHANGES_MAX ?
			  f->change_seq - TUSK_FETCH_CHANGES_MAX + 1 : 1;
	unsigned int k = 0;
	uint64_t s;

	*last = f->change_seq;
	*lost = after + 1 < oldest ? oldest - after - 1 : 0;
	for (s = after + 1 > oldest ? after + 1 : oldest;
	     s <= f->change_seq && k < n; s++)
		out[k++] = f->changes[s % TUSK_FETCH_CHANGES_MAX];
	return k;
}
