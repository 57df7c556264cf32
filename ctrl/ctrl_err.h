/* SPDX-License-Identifier: BSD-3-Clause */
/* ctrl_err: the one-line reasons of tusk-ctrld's checks (ctrld.conf,
 * session specs): formatted into the caller's buffer, -EINVAL returned,
 * so that a check reads `return tusk_ctrl_err(err, len, "...", ...);`. */
#ifndef TUSK_CTRL_ERR_H
#define TUSK_CTRL_ERR_H

#include <stddef.h>

int tusk_ctrl_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
