/* SPDX-License-Identifier: BSD-3-Clause */
/* tuskctl_session: `tuskctl session ...`, the client of tusk-ctrld. */
#ifndef TUSKCTL_SESSION_H
#define TUSKCTL_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* argv after "session"; sock: -s when given, else NULL. Exit status. */
int tuskctl_session(int argc, char **argv, const char *sock, bool as_json);
/* tusk-ctrld's socket: sock (-s), else $TUSK_CTRLD_SOCKET, else the
 * default. */
const char *tuskctl_ctrld_socket(const char *sock);
/* One command to tusk-ctrld (sock NULL: as tuskctl_ctrld_socket; req is
 * consumed): the answer when "ok", else NULL and the error in err. */
json_t *tuskctl_ctrld_call(const char *sock, json_t *req, char *err,
			   size_t errlen);

#endif
