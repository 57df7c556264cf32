/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of a control socket (tuskctl; tusk-ctrld talking to
 * tuskd): connect, send a request line, read JSON lines back.
 *
 *   struct tusk_ctl_client c;
 *   char err[256];
 *   json_t *resp;
 *
 *   if (tusk_ctl_client_connect(&c, path, 10000, err, sizeof(err)) < 0)
 *       die("%s", err);
 *   resp = tusk_ctl_client_call(&c, req, err, sizeof(err));  // one answer
 *   ...
 *   tusk_ctl_client_close(&c);
 *
 * Lines are buffered in the client, so a stream of lines (events after
 * `watch`) can be read one at a time with tusk_ctl_client_recv(); on a
 * socket made non-blocking it returns -EAGAIN until a whole line is in.
 */
#ifndef TUSK_CTL_CLIENT_H
#define TUSK_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "ctl_proto.h"

struct tusk_ctl_client {
	int fd;
	char *buf;            /* bytes read and not yet returned as lines */
	size_t len, cap;
};

/* Connect to the socket at `path`; sends and receives give up after
 * timeout_ms (0: never). 0, or -errno with a reason in err. */
int tusk_ctl_client_connect(struct tusk_ctl_client *c, const char *path,
			    unsigned int timeout_ms, char *err,
			    size_t errlen);

/* How long sends and receives wait from now on (0: for ever, as a
 * subscriber waits for events). 0 or -errno. */
int tusk_ctl_client_timeout(struct tusk_ctl_client *c, unsigned int timeout_ms);

/* Send one request (compact JSON and a newline). 0 or -errno. */
int tusk_ctl_client_send(struct tusk_ctl_client *c, const json_t *req,
			 char *err, size_t errlen);

/* The next line, parsed: 0 and *msg (a new reference), or -errno with a
 * reason: -ECONNRESET closed, -EAGAIN no whole line within the timeout
 * (or yet, on a non-blocking socket: call again when it is readable),
 * -EMSGSIZE longer than TUSK_CTL_RESPONSE_MAX, -EBADMSG not JSON (that
 * line is consumed). */
int tusk_ctl_client_recv(struct tusk_ctl_client *c, json_t **msg, char *err,
			 size_t errlen);

/* Send req and read its response: the response (a new reference), or NULL
 * with a reason in err. */
json_t *tusk_ctl_client_call(struct tusk_ctl_client *c, const json_t *req,
			     char *err, size_t errlen);

/* Close the socket and free the buffer; the struct may be reused. */
void tusk_ctl_client_close(struct tusk_ctl_client *c);

#endif /* TUSK_CTL_CLIENT_H */
