/* SPDX-License-Identifier: BSD-3-Clause */
/* tuskctl_session: `tuskctl session ...`, the client of tusk-ctrld. */
#ifndef TUSKCTL_SESSION_H
#define TUSKCTL_SESSION_H

#include <stdbool.h>

/* argv after "session"; sock: -s when given, else NULL. Exit status. */
int tuskctl_session(int argc, char **argv, const char *sock, bool as_json);

#endif
