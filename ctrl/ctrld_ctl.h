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

struct tusk_pstask_sched;

/* The command table; ctx must point at a struct tusk_ctrld_ctl. */
extern const struct tusk_ctl_cmd tusk_ctrld_ctl_cmds[];
extern const size_t tusk_ctrld_ctl_ncmds;

struct tusk_ctrld_ctl {
	struct tusk_ctrld *ctrld;
	const struct tusk_ctrld_conf *conf;
	struct tusk_xfer *xfer;
	struct tusk_pstask_sched *pstask;   /* scheduled tests (pstask.h) */
	/* the loop's clock at the time of the request */
	struct tusk_ctrld_clock (*clock)(void);
	bool quit;
};

/* pstask_ctl.c: scheduled tests (test_submit, test_list, test_show) */
int tusk_pstask_cmd_submit(void *ctx, json_t *args, json_t **result,
			   char *err, size_t errlen);
int tusk_pstask_cmd_list(void *ctx, json_t *args, json_t **result,
			 char *err, size_t errlen);
int tusk_pstask_cmd_show(void *ctx, json_t *args, json_t **result,
			 char *err, size_t errlen);

#endif
