/* SPDX-License-Identifier: BSD-3-Clause */
/* scratch_dir: see scratch_dir.h. */
#include <stdio.h>
#include <stdlib.h>

#include "scratch_dir.h"

int
scratch_dir_run(char *tmpl, const struct CMUnitTest *tests, size_t n)
{
	char cmd[512];
	int rc;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	rc = _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	return system(cmd) != 0 ? 1 : rc;
}
