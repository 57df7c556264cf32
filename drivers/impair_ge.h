/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gilbert-Elliott burst loss: a two-state Markov chain advanced once per
 * frame (E. N. Gilbert, "Capacity of a burst-noise channel", 1960; E. O.
 * Elliott, 1963). In the good state frames are lost with `loss_good`, in
 * the bad state with `loss_bad`; the chain moves good -> bad with `p_gb`
 * and bad -> good with `p_bg` before each frame's draw. With loss_bad = 1
 * and loss_good = 0 (Gilbert's model):
 *
 *   mean burst (run of losses)    1 / p_bg frames
 *   mean gap between bursts       1 / p_gb frames
 *   long-run loss rate            p_gb / (p_gb + p_bg)
 *
 * Shared by the impairment stage (drivers/impair.c) and the simulator's
 * link (tests/sim/link.c) so that both draw the same model. Pure code: the
 * caller supplies the uniform draw in [0, 1) from its own seeded
 * generator, and a zero probability draws nothing (a link without the
 * impairment consumes no random numbers for it).
 */
#ifndef TUSK_IMPAIR_GE_H
#define TUSK_IMPAIR_GE_H

#include <stdbool.h>

struct tusk_impair_ge {
	double p_gb;      /* good -> bad, per frame; 0: model off */
	double p_bg;      /* bad -> good, per frame */
	double loss_bad;  /* loss probability in the bad state */
	double loss_good; /* loss probability in the good state */
};

/* A uniform draw in [0, 1) from the caller's generator. */
typedef double (*tusk_impair_ge_uniform_fn)(void *rng);

static inline bool
tusk_impair_ge_chance(double p, tusk_impair_ge_uniform_fn uniform, void *rng)
{
	return p > 0 && uniform(rng) < p;
}

/* Advance the chain in *bad by one frame; true if the frame is lost. */
static inline bool
tusk_impair_ge_lost(const struct tusk_impair_ge *ge, bool *bad,
		    tusk_impair_ge_uniform_fn uniform, void *rng)
{
	if (ge->p_gb <= 0)
		return false;
	if (*bad) {
		if (tusk_impair_ge_chance(ge->p_bg, uniform, rng))
			*bad = false;
	} else if (tusk_impair_ge_chance(ge->p_gb, uniform, rng)) {
		*bad = true;
	}
	return tusk_impair_ge_chance(*bad ? ge->loss_bad : ge->loss_good,
				     uniform, rng);
}

#endif /* TUSK_IMPAIR_GE_H */
