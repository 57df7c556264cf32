/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol that tuskd, tusk-ctrld and tuskctl speak: one JSON
 * object per line each way over a local UNIX stream socket.
 *
 *   request:  {"cmd": "NAME", "key": value, ...}
 *   response: {"ok": true, "result": ...}
 *             {"ok": false, "error": "half-line reason"}
 *
 * Arguments are JSON values, or strings when they come from tuskctl's
 * key=value words (ctl_arg.h accepts both). A request gets exactly one
 * response line, in order. Limits and key names live here so that the
 * servers (ctl_server.h) and the client (ctl_client.h) cannot drift.
 */
#ifndef TUSK_CTL_PROTO_H
#define TUSK_CTL_PROTO_H

/* A request is a command name and a few arguments; a longer line is a
 * mistake (or an attack) and is refused without being buffered. */
#define TUSK_CTL_REQUEST_MAX 4096
/* The longest response line. The largest answer today (xstats of 8 ports)
 * is ~100 KiB; a server holds at most this much unsent per client (a
 * client that stops reading is dropped there), and a client refuses a
 * longer line. */
#define TUSK_CTL_RESPONSE_MAX (16u << 20)

/* Key names of requests and responses. */
#define TUSK_CTL_KEY_CMD "cmd"
#define TUSK_CTL_KEY_OK "ok"
#define TUSK_CTL_KEY_RESULT "result"
#define TUSK_CTL_KEY_ERROR "error"

/* Mode of a control socket file: root and the tusk group may drive the
 * daemons; nobody else (DESIGN.md "Who may do what"). */
#define TUSK_CTL_SOCKET_MODE 0660

/* tuskd's control socket when tuskd.conf names none ([tuskd]
 * control_socket), and where tuskctl looks without -s. */
#define TUSK_CTL_TUSKD_SOCKET "/run/tusk/tuskd.sock"

#endif /* TUSK_CTL_PROTO_H */
