/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unmet.h"

bool
tusk_unmet_ci(void)
{
	const char *ci = getenv("CI");

	return ci != NULL && strcmp(ci, "true") == 0;
}

void
tusk_unmet_at(const char *file, int line, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (tusk_unmet_ci()) {
		print_error("%s:%d: prerequisite missing under CI=true (a "
			    "failure, not a skip): %s\n", file, line, why);
		_fail(file, line);
	}
	print_message("%s:%d: skipped, prerequisite missing: %s\n", file,
		      line, why);
	_skip(file, line);
	abort(); /* _fail and _skip long-jump out of the test */
}
