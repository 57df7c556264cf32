/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld_ctl: tusk-ctrld's control socket commands, a table for the shared
 * control-socket library (app/ctl/ctl_cmd.h). README "tusk-ctrld" lists
 * them with their arguments and results.
 */
#ifndef TUSK_CTRL_CTRLD_CTL_H
#define TUSK_CTRL_CTRLD_CTL_H

#include "ctl_cmd.h"
#include "session.h"

/* The command table; ctx must point at a struct tusk_ctrld_ctl. */
extern const struct tusk_ctl_cmd tusk_ctrld_ctl_cmds[];
extern const size_t tusk_ctrld_ctl_ncmds;

struct tusk_ctrld_ctl {
	struct tusk_ctrld *ctrld;
	const struct tusk_ctrld_conf *conf;
	struct tusk_xfer *xfer;
	/* the loop's clock at the time of the request */
	struct tusk_ctrld_clock (*clock)(void);
	bool quit;
};

#endif
