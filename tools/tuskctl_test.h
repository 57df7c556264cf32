/* SPDX-License-Identifier: BSD-3-Clause */
/* tuskctl_test: `tuskctl test ...`, tusk-ctrld's scheduled tests. */
#ifndef TUSKCTL_TEST_H
#define TUSKCTL_TEST_H

#include <stdbool.h>

/* argv after "test"; sock: -s when given, else NULL. Exit status. */
int tuskctl_test(int argc, char **argv, const char *sock, bool as_json);

#endif
