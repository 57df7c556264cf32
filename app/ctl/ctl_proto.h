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
 * response line, in order.
 *
 * Events: after {"cmd": "watch"} is answered, the connection also carries
 * one line per event, {"seq": N, "event": "NAME", ...}. seq counts this
 * subscription's events from 1 and grows by exactly 1 from line to line
 * unless events were dropped; the first event is a "snapshot" of
 * everything watched. A subscriber that does not keep up (more than
 * TUSK_CTL_SERVER_WATCH_MAX unread: ctl_server.h) loses events and is
 * told: a "lost" event ("dropped": how many) then a fresh "snapshot",
 * from which it re-syncs. A slow subscriber never slows the server.
 * Requests may still be sent on a watching connection: their answers
 * (with "ok") come in between the events (with "event").
 *
 * Limits and key names live here so that the servers (ctl_server.h,
 * ctl_events.h) and the client (ctl_client.h) cannot drift.
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
#define TUSK_CTL_KEY_EVENT "event"
#define TUSK_CTL_KEY_SEQ "seq"

/* Event names. Every server: */
#define TUSK_CTL_EVENT_SNAPSHOT "snapshot"  /* the whole state, first */
#define TUSK_CTL_EVENT_LOST "lost"          /* "dropped": N, re-sync */
/* tuskd's (app/tuskd/ctl_watch.c): a fetch changed state ("id", "state",
 * "from"; "transfer" as `transfers` shows it when that is its latest
 * state), a running fetch made progress (at most once a second). */
#define TUSK_CTL_EVENT_STATE "state"
#define TUSK_CTL_EVENT_PROGRESS "progress"

/* Mode of a control socket file: root and the tusk group may drive the
 * daemons; nobody else (DESIGN.md "Who may do what"). */
#define TUSK_CTL_SOCKET_MODE 0660

/* tuskd's control socket when tuskd.conf names none ([tuskd]
 * control_socket), and where tuskctl looks without -s. */
#define TUSK_CTL_TUSKD_SOCKET "/run/tusk/tuskd.sock"

#endif /* TUSK_CTL_PROTO_H */
