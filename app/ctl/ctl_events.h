/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event subscriptions on a control socket (the protocol: ctl_proto.h
 * "Events"). The daemon publishes; the server numbers each subscriber's
 * events, bounds what it holds for each (TUSK_CTL_SERVER_WATCH_MAX), and
 * re-syncs a subscriber that fell behind with "lost" and a snapshot.
 *
 *   static int cmd_watch(void *ctx, json_t *args, json_t **result,
 *                        char *err, size_t errlen)
 *   {
 *       if (tusk_ctl_events_subscribe(my->srv, err, errlen) < 0)
 *           return -1;
 *       *result = json_pack("{s:b}", "watching", 1);
 *       return 0;
 *   }
 *   ...
 *   if (tusk_ctl_events_subscribers(my->srv) > 0)
 *       tusk_ctl_events_publish(my->srv, ev);  // {"event": "state", ...}
 */
#ifndef TUSK_CTL_EVENTS_H
#define TUSK_CTL_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_server.h"

/*
 * Make the client whose request is being answered a subscriber: once the
 * answer is queued it gets the snapshot (conf.snapshot) as event 1. -1
 * with a reason when there is no such client (a request not from the
 * socket). Subscribers are exempt from the
 * idle timeout while they have nothing unread, and evicted last.
 */
int tusk_ctl_events_subscribe(struct tusk_ctl_server *srv, char *err,
			      size_t errlen);

/* Subscribers now. */
unsigned int
tusk_ctl_events_subscribers(const struct tusk_ctl_server *srv);

/* Queue `event` ({"event": NAME, ...}; the server numbers it) for every
 * subscriber; one that has TUSK_CTL_SERVER_WATCH_MAX unread drops it and
 * re-syncs once it has read everything. */
void tusk_ctl_events_publish(struct tusk_ctl_server *srv,
			     const json_t *event);

/* The daemon itself lost `n` events (its source overflowed): every
 * subscriber gets "lost" and a new snapshot. */
void tusk_ctl_events_lost(struct tusk_ctl_server *srv, uint64_t n);

#endif /* TUSK_CTL_EVENTS_H */
