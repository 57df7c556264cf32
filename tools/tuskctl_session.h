/* SPDX-License-Identifier: BSD-3-Clause */
/* tuskctl_session: `tuskctl session ...`, the client of tusk-ctrld. */
#ifndef TUSKCTL_SESSION_H
#define TUSKCTL_SESSION_H

#include <stdbool.h>
#include <stddef.h>

/* argv after "session"; sock: -s when given, else NULL. Exit status. */
int tuskctl_session(int argc, char **argv, const char *sock, bool as_json);

/* One request to tusk-ctrld (sock NULL: $TUSK_CTRLD_SOCKET, else the
 * default); takes req. The response, or NULL with the reason in err. */
#include <jansson.h>
json_t *tuskctl_ctrld_call(const char *sock, json_t *req, char *err,
			   size_t errlen);

#endif
