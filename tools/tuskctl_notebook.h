/* SPDX-License-Identifier: BSD-3-Clause */
/* tuskctl_notebook: `tuskctl notebook start|stop`, through tusk-ctrld. */
#ifndef TUSKCTL_NOTEBOOK_H
#define TUSKCTL_NOTEBOOK_H

#include <stdbool.h>

/* argv after "notebook"; sock: -s when given, else NULL. Exit status. */
int tuskctl_notebook(int argc, char **argv, const char *sock, bool as_json);

#endif
