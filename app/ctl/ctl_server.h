/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server side of a control socket, shared by tuskd and tusk-ctrld: a
 * UNIX stream socket, non-blocking clients, JSON lines (ctl_proto.h), and
 * the daemon's command table (ctl_cmd.h). No threads, no clock of its own
 * beyond poll(): the daemon calls it from its loop.
 *
 * A second daemon needs four calls:
 *
 *   static int cmd_status(void *ctx, json_t *args, json_t **result,
 *                         char *err, size_t errlen);
 *   static const char *const args_none[] = { NULL };
 *   static const struct tusk_ctl_cmd cmds[] = {
 *       { "status", cmd_status, args_none, "what I am doing" },
 *   };                                  // `help` is added by ctl_cmd.c
 *   struct tusk_ctl_server_conf conf = {
 *       .path = "/run/tusk/ctrld.sock",
 *       .cmds = { .cmd = cmds, .n = 1, .ctx = &my_state },
 *   };
 *   char err[256];
 *   if (tusk_ctl_server_open(&conf, &srv, err, sizeof(err)) < 0)
 *       die("%s", err);      // e.g. "PATH exists and is not a socket"
 *   while (!stopping)
 *       tusk_ctl_server_poll(srv, 100); // or pollfds()/serve() in your poll()
 *   tusk_ctl_server_close(srv);
 *
 * Opening creates the socket's directory (mode 0755), removes a stale
 * socket file left by a dead server but never a live one (-EADDRINUSE) or
 * a file that is not a socket (-EEXIST), and sets the socket's mode to
 * TUSK_CTL_SOCKET_MODE. A bad request (not JSON, not an object, unknown
 * command or argument, a line longer than TUSK_CTL_REQUEST_MAX) gets an
 * error response and the connection stays open; a client that leaves more
 * than TUSK_CTL_RESPONSE_MAX unread is dropped. A client that neither
 * sends nor takes a byte for idle_timeout_ms is closed; when every slot is
 * taken, a new client takes the slot of the one idle the longest. Either
 * way the closed client is told why in an error line, when no half-sent
 * line is in the way. Idleness is checked whenever the server is served:
 * tusk_ctl_server_poll() wakes for it by itself; a daemon with its own
 * poll() should call tusk_ctl_server_serve() at least every second.
 */
#ifndef TUSK_CTL_SERVER_H
#define TUSK_CTL_SERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_cmd.h"
#include "ctl_proto.h"

/* Concurrent clients: an operator or two, tusk-ctrld, a monitoring agent. */
#define TUSK_CTL_SERVER_CLIENTS_MAX 16
/* pollfd entries a server can ask for: the listener and every client. */
#define TUSK_CTL_SERVER_POLLFDS (TUSK_CTL_SERVER_CLIENTS_MAX + 1)
/* Unread event bytes held per subscriber: ~25 s of tuskd's busiest
 * stream (64 transfers' progress each second, ~150 bytes each), so a
 * subscriber only loses events when it has stopped reading. */
#define TUSK_CTL_SERVER_WATCH_MAX (256u << 10)

/* The first event of a subscription, and of each re-sync: a new object
 * {"event": "snapshot", ...} (the server adds "seq"), or NULL when out of
 * memory (the subscriber gets "lost" and a re-sync later). */
typedef json_t *(*tusk_ctl_snapshot_fn)(void *ctx);

struct tusk_ctl_server_conf {
	const char *path;         /* NULL: no socket (tests of the commands) */
	struct tusk_ctl_cmds cmds;
	unsigned int idle_timeout_ms; /* 0: idle clients stay */
	tusk_ctl_snapshot_fn snapshot; /* NULL: subscriptions get none */
};

/* What the server did with its clients, since it opened. */
struct tusk_ctl_server_stats {
	unsigned int clients;     /* connected now */
	uint64_t accepted;
	uint64_t evicted;         /* for a new client, every slot taken */
	uint64_t idle_closed;     /* idle past the timeout */
	uint64_t dropped_unread;  /* left TUSK_CTL_RESPONSE_MAX unread */
	uint64_t events_dropped;  /* not queued: a subscriber too slow */
};

struct tusk_ctl_server;

/* Listen on conf->path. 0, or -errno with a half-line reason in err. */
int tusk_ctl_server_open(const struct tusk_ctl_server_conf *conf,
			 struct tusk_ctl_server **out, char *err,
			 size_t errlen);

/* Serve clients for at most timeout_ms. 0, or -errno if poll() fails
 * (EINTR is not a failure). */
int tusk_ctl_server_poll(struct tusk_ctl_server *srv, int timeout_ms);

/* The same, for a daemon with its own poll(): fill at most `max` entries
 * (TUSK_CTL_SERVER_POLLFDS is always enough) and return how many; after
 * poll(), hand back exactly those entries. */
unsigned int tusk_ctl_server_pollfds(const struct tusk_ctl_server *srv,
				     struct pollfd *pfd, unsigned int max);
void tusk_ctl_server_serve(struct tusk_ctl_server *srv,
			   const struct pollfd *pfd, unsigned int n);

void tusk_ctl_server_stats(const struct tusk_ctl_server *srv,
			   struct tusk_ctl_server_stats *out);

/* The clock idleness is measured with (CLOCK_MONOTONIC, milliseconds),
 * for a daemon's own timers beside the server's. */
uint64_t tusk_ctl_server_clock_ms(void);

/* Flush what each client takes now, close them all, remove the socket
 * file. NULL is a no-op. */
void tusk_ctl_server_close(struct tusk_ctl_server *srv);

#endif /* TUSK_CTL_SERVER_H */
