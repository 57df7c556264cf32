/* SPDX-License-Identifier: BSD-3-Clause */
/* tusk-sim's JSON report and the bounds a test run checks. */
#ifndef TUSK_SIM_REPORT_H
#define TUSK_SIM_REPORT_H

#include <stdio.h>

#include "sim.h"

/* Bounds for a test run; a negative value is not checked. */
struct sim_expect {
	double util;       /* link utilisation at least */
	double share_min;  /* every flow's share at least */
	double share_max;  /* every flow's share at most */
	double max_share;  /* the first flow's share at most */
};

/* Print the run as one JSON object on `out`; returns the number of
 * failed checks (integrity always counts). */
int sim_report(const struct sim_world *w, const struct sim_expect *e,
	       double wall_s, FILE *out);

#endif /* TUSK_SIM_REPORT_H */
