/* SPDX-License-Identifier: BSD-3-Clause */
/* ctrl_err: see ctrl_err.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "ctrl_err.h"

int
tusk_ctrl_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
