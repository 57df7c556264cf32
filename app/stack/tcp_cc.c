/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control registry and the helpers every controller shares:
 * initial window, default pacing, send quantum.
 */
#include <errno.h>
#include <string.h>

#include "tcp_cc.h"

#define NSEC_PER_SEC 1000000000ull

/* RTT assumed for pacing before the first sample: 1 ms, as Linux BBR's
 * initial pacing does. Short enough that the initial window leaves fast;
 * the cwnd still bounds it. */
#define CC_INIT_RTT_NS 1000000ull

/* Linux tcp_pacing_ss_ratio / tcp_pacing_ca_ratio, in percent: pacing
 * must outrun the window's growth (x2 per RTT in slow start). */
#define CC_PACE_SS_PCT 200
#define CC_PACE_CA_PCT 120

/* Send quantum: about this much time at the pacing rate (Linux's TSO
 * autosizing aims at 1 ms of data per burst). */
#define CC_QUANTUM_NS 1000000ull

static const struct tusk_tcp_cc_ops *const registry[] = {
	&tusk_tcp_cc_bbr,
	&tusk_tcp_cc_cubic,
	&tusk_tcp_cc_newreno,
};

const struct tusk_tcp_cc_ops *
tusk_tcp_cc_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct tusk_tcp_cc_ops *
tusk_tcp_cc_default(void)
{
	/* Model-based: the only one that keeps a lossy long path full. */
	return &tusk_tcp_cc_bbr;
}

int
tusk_tcp_cc_init(struct tusk_tcp_cc *cc, const struct tusk_tcp_cc_ops *ops,
		 uint32_t mss, uint64_t now)
{
	if (mss == 0)
		return -EINVAL;
	memset(cc, 0, sizeof(*cc));
	cc->ops = ops != NULL ? ops : tusk_tcp_cc_default();
	cc->mss = mss;
	cc->cwnd = TUSK_TCP_CC_INIT_SEGS * mss;
	cc->ssthresh = UINT32_MAX;
	cc->ops->init(cc, now);
	return 0;
}

uint32_t
tusk_tcp_cc_quantum(const struct tusk_tcp_cc *cc, uint64_t rate)
{
	uint64_t bytes = rate * CC_QUANTUM_NS / NSEC_PER_SEC;
	uint64_t segs = bytes / cc->mss;
	uint64_t max_segs = TUSK_TCP_CC_QUANTUM_MAX / cc->mss;

	if (max_segs < TUSK_TCP_CC_MIN_SEGS)
		max_segs = TUSK_TCP_CC_MIN_SEGS;
	if (segs > max_segs)
		segs = max_segs;
	if (segs < TUSK_TCP_CC_MIN_SEGS)
		segs = TUSK_TCP_CC_MIN_SEGS;
	return (uint32_t)(segs * cc->mss);
}

void
tusk_tcp_cc_pace_default(struct tusk_tcp_cc *cc)
{
	uint64_t rtt = cc->srtt_ns != 0 ? cc->srtt_ns : CC_INIT_RTT_NS;
	uint64_t wnd = cc->cwnd > cc->in_flight ? cc->cwnd : cc->in_flight;
	unsigned int pct = cc->cwnd < cc->ssthresh / 2 ?
		CC_PACE_SS_PCT : CC_PACE_CA_PCT;

	cc->pacing_rate = (uint64_t)((double)wnd * pct / 100 *
				     NSEC_PER_SEC / (double)rtt);
	cc->send_quantum = tusk_tcp_cc_quantum(cc, cc->pacing_rate);
}
