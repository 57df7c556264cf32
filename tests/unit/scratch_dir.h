/* SPDX-License-Identifier: BSD-3-Clause */
/* scratch_dir: a cmocka group run inside a directory of its own. */
#ifndef TUSK_TEST_SCRATCH_DIR_H
#define TUSK_TEST_SCRATCH_DIR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* mkdtemp(tmpl) (the tests use tmpl as their directory), run the group,
 * remove the directory and all in it. The group's result, 1 on errors. */
int scratch_dir_run(char *tmpl, const struct CMUnitTest *tests, size_t n);

#define SCRATCH_DIR_RUN(tmpl, tests) \
	scratch_dir_run(tmpl, tests, sizeof(tests) / sizeof((tests)[0]))

#endif
