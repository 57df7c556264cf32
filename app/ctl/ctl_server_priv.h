/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the control-socket server shared by its files:
 * ctl_server.c (socket, clients, lines) and ctl_events.c (subscriptions).
 */
#ifndef TUSK_CTL_SERVER_PRIV_H
#define TUSK_CTL_SERVER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "ctl_events.h"
#include "ctl_server.h"

struct srv_client {
	int fd;              /* -1: slot free */
	bool discarding;     /* dropping the rest of an overlong line */
	uint64_t active_ms;  /* last byte read from or written to it */
	/* events (ctl_events.c) */
	bool subscribing;    /* asked to watch: subscribed after the answer */
	bool subscribed;
	bool resync;         /* fell behind: "lost" and a snapshot are due */
	uint64_t seq;        /* of the last event numbered for it */
	uint64_t dropped;    /* events not queued since the last re-sync */
	size_t in_len;
	char in[TUSK_CTL_REQUEST_MAX];
	char *out;
	size_t out_len, out_off, out_cap;
};

struct tusk_ctl_server {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct tusk_ctl_cmds cmds;
	tusk_ctl_snapshot_fn snapshot;
	struct srv_client *current;  /* whose request is being answered */
	unsigned int idle_timeout_ms;
	struct tusk_ctl_server_stats stats;
	struct srv_client clients[TUSK_CTL_SERVER_CLIENTS_MAX];
};

/* ctl_server.c: queue `a` then `b` (either may be empty) and a newline
 * for c; -ENOBUFS past TUSK_CTL_RESPONSE_MAX unread. */
int tusk_ctl_server_queue(struct srv_client *c, const char *a, size_t alen,
			  const char *b, size_t blen);

/* ctl_events.c: c's answer to `watch` is queued: subscribe it, queue the
 * snapshot. */
void tusk_ctl_events_begin(struct tusk_ctl_server *srv, struct srv_client *c);
/* c has read everything: a re-sync that is due is queued. */
void tusk_ctl_events_caught_up(struct tusk_ctl_server *srv,
			       struct srv_client *c);

#endif /* TUSK_CTL_SERVER_PRIV_H */
