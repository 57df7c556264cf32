/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event subscriptions (see ctl_events.h and ctl_proto.h "Events").
 *
 *   cmd_watch() -> tusk_ctl_events_subscribe()   marks the asking client
 *   client_line() -> tusk_ctl_events_begin()     answer queued: snapshot
 *   tusk_ctl_events_publish() -> events_offer()  each subscriber: queue,
 *                                                or drop and owe a re-sync
 *   client_serve() -> tusk_ctl_events_caught_up() -> events_resync()
 *                                                "lost", then a snapshot
 *
 * Each line is the event's JSON with {"seq":N, spliced in front, so the
 * event is serialised once however many subscribers there are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_server_priv.h"

/* "{"seq":18446744073709551615," */
#define EVENTS_PREFIX_MAX 40

/* Number the serialised event `s` (an object) for c and queue it; the
 * number is used up even when queueing fails (c then owes a re-sync). */
static int
events_queue(struct srv_client *c, const char *s, size_t n)
{
	char prefix[EVENTS_PREFIX_MAX];
	int p = snprintf(prefix, sizeof(prefix), "{\"%s\":%" PRIu64 ",",
			 TUSK_CTL_KEY_SEQ, ++c->seq);

	if (n < 2 || s[0] != '{')
		return -EINVAL;
	/* an event with no members ("{}") would leave a dangling comma */
	if (n == 2)
		return tusk_ctl_server_queue(c, prefix, (size_t)p - 1, "}", 1);
	return tusk_ctl_server_queue(c, prefix, (size_t)p, s + 1, n - 1);
}

static int
events_queue_json(struct srv_client *c, json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT);
	int ret;

	if (s == NULL)
		c->seq++;
	ret = s ? events_queue(c, s, strlen(s)) : -ENOMEM;

	free(s);
	return ret;
}

/* The snapshot as the next event; on failure a re-sync is owed. */
static void
events_snapshot(struct tusk_ctl_server *srv, struct srv_client *c)
{
	json_t *snap;

	if (srv->snapshot == NULL)
		return;
	snap = srv->snapshot(srv->cmds.ctx);
	if (snap == NULL)
		c->seq++; /* the snapshot's number, never delivered */
	if (snap == NULL || events_queue_json(c, snap) < 0) {
		c->resync = true;
		c->dropped++;
	}
	json_decref(snap);
}

/* "lost" and a fresh snapshot, once c has read everything. */
static void
events_resync(struct tusk_ctl_server *srv, struct srv_client *c)
{
	json_t *lost = json_pack("{s:s, s:I}", TUSK_CTL_KEY_EVENT,
				 TUSK_CTL_EVENT_LOST, "dropped",
				 (json_int_t)c->dropped);

	if (lost == NULL || events_queue_json(c, lost) < 0) {
		json_decref(lost);
		return; /* still owed: tried again when it has read more */
	}
	json_decref(lost);
	c->resync = false;
	c->dropped = 0;
	events_snapshot(srv, c);
}

int
tusk_ctl_events_subscribe(struct tusk_ctl_server *srv, char *err,
			  size_t errlen)
{
	if (srv == NULL || srv->current == NULL) {
		snprintf(err, errlen, "watch needs a connection to the "
			 "control socket");
		return -1;
	}
	srv->current->subscribing = true;
	return 0;
}

void
tusk_ctl_events_begin(struct tusk_ctl_server *srv, struct srv_client *c)
{
	c->subscribing = false;
	if (c->subscribed)
		return; /* watch again: already numbered, nothing changes */
	c->seq = 0;
	c->dropped = 0;
	c->resync = false;
	/* subscribed after its snapshot: what the daemon publishes while
	 * taking it is in it already */
	events_snapshot(srv, c);
	c->subscribed = true;
}

void
tusk_ctl_events_caught_up(struct tusk_ctl_server *srv, struct srv_client *c)
{
	if (c->subscribed && c->resync && c->out_len == 0)
		events_resync(srv, c);
}

unsigned int
tusk_ctl_events_subscribers(const struct tusk_ctl_server *srv)
{
	unsigned int i, n = 0;

	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++)
		n += srv->clients[i].fd >= 0 && srv->clients[i].subscribed;
	return n;
}

/* Queue one event for c, or drop it: it is behind (a re-sync is owed) or
 * has TUSK_CTL_SERVER_WATCH_MAX unread. */
static void
events_offer(struct tusk_ctl_server *srv, struct srv_client *c,
	     const char *s, size_t n)
{
	bool room = !c->resync &&
		    c->out_len - c->out_off + n <= TUSK_CTL_SERVER_WATCH_MAX;

	if (room && events_queue(c, s, n) == 0)
		return;
	if (!room)
		c->seq++; /* its number, never delivered */
	c->resync = true;
	c->dropped++;
	srv->stats.events_dropped++;
}

void
tusk_ctl_events_publish(struct tusk_ctl_server *srv, const json_t *event)
{
	char *s = NULL;
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		struct srv_client *c = &srv->clients[i];

		if (c->fd < 0 || !c->subscribed)
			continue;
		if (s == NULL) {
			s = json_dumps(event, JSON_COMPACT);
			if (s == NULL) {
				tusk_ctl_events_lost(srv, 1);
				return;
			}
			n = strlen(s);
		}
		events_offer(srv, c, s, n);
		tusk_ctl_events_caught_up(srv, c);
	}
	free(s);
}

void
tusk_ctl_events_lost(struct tusk_ctl_server *srv, uint64_t n)
{
	unsigned int i;

	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		struct srv_client *c = &srv->clients[i];

		if (c->fd < 0 || !c->subscribed)
			continue;
		c->resync = true;
		c->dropped += n;
		tusk_ctl_events_caught_up(srv, c);
	}
}
