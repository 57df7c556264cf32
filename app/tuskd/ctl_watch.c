/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `watch`: events of the fetch client on the control socket (issue 12;
 * the protocol: app/ctl/ctl_proto.h "Events").
 *
 *   {"cmd":"watch"} -> {"ok":true,"result":{"watching":true,...}}
 *   {"seq":1,"event":"snapshot","transfers":[...as `transfers`...]}
 *   {"seq":2,"event":"state","id":3,"state":"running","from":"probing"}
 *   {"seq":3,"event":"progress","id":3,"state":"running","bytes":...,
 *    "size":...,"rate":...,"eta_s":...}
 *   {"seq":9,"event":"state","id":3,"state":"done","from":"verifying",
 *    "transfer":{...,"sha256":"..."}}
 *
 * Every state a transfer enters is kept on the fetch lcore
 * (tusk_fetch_changes); tusk_ctl_watch_poll() reads them every
 * TUSK_CTL_WATCH_POLL_MS while anyone watches, so even a state held for a
 * millisecond is published, in order. Progress is sampled every
 * TUSK_CTL_WATCH_PROGRESS_MS and published for transfers whose bytes
 * moved. "transfer" is the transfer as `transfers` shows it, given with
 * the change that is its latest state (so its fields match that state).
 *
 *   tusk_ctl_watch_poll() -> watch_read() -> tusk_lcore_call(watch_on_lcore)
 *                         -> watch_publish_changes(), watch_publish_progress()
 *   tusk_ctl_watch_snapshot() -> watch_read() (with the list)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "services.h"

/* A read walks at most TUSK_FETCH_TRANSFERS_MAX transfers: microseconds;
 * a second means the lcore is stuck. */
#define WATCH_CALL_TIMEOUT_MS 1000

/* One read of the fetch lcore. On the heap: an lcore that answers after
 * the timeout still writes into it (then it is leaked, as lcore.h asks). */
struct watch_call {
	uint64_t after;          /* changes after this seq */
	bool want_list;          /* the transfers even with no change */
	unsigned int n;
	uint64_t lost, last;
	struct tusk_fetch_change changes[TUSK_FETCH_CHANGES_MAX];
	json_t *list;            /* tusk_fetch_list_json, or NULL */
};

static int
watch_on_lcore(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct tusk_fetch *f = tusk_lcore_service(lc, TUSK_SERVICE_FETCH);
	struct watch_call *c = arg;

	if (f == NULL)
		return -ENODEV;
	c->n = tusk_fetch_changes(f, c->after, c->changes,
				  TUSK_FETCH_CHANGES_MAX, &c->lost, &c->last);
	if (c->want_list || c->n > 0) {
		c->list = tusk_fetch_list_json(f, now);
		if (c->list == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* Read the changes after the cursor (and the list); NULL when there is
 * no fetch client (nothing to watch) or it did not answer (logged). */
static struct watch_call *
watch_read(struct tusk_ctl *ctl, bool want_list)
{
	struct tusk_lcore *lc = tusk_ctl_fetch_lcore(ctl);
	struct watch_call *c;
	int ret;

	if (lc == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->after = ctl->watch.cursor;
	c->want_list = want_list;
	ret = tusk_lcore_call(lc, watch_on_lcore, c, WATCH_CALL_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		CTL_LOG(WARNING, "watch: lcore %u did not answer within %u "
			"ms\n", lc->lcore_id, WATCH_CALL_TIMEOUT_MS);
		return NULL; /* c stays with the lcore */
	}
	if (ret < 0) {
		json_decref(c->list);
		free(c);
		return NULL;
	}
	return c;
}

static void
watch_free(struct watch_call *c)
{
	if (c == NULL)
		return;
	json_decref(c->list);
	free(c);
}

/* Transfer `id` of the list, or NULL. */
static json_t *
list_find(json_t *list, uint32_t id)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x)
		if (json_integer_value(json_object_get(x, "id")) == id)
			return x;
	return NULL;
}

/* Is change i the last one of its transfer in this read? */
static bool
latest_of_id(const struct watch_call *c, unsigned int i)
{
	unsigned int j;

	for (j = i + 1; j < c->n; j++)
		if (c->changes[j].id == c->changes[i].id)
			return false;
	return true;
}

static json_t *
state_event(const struct watch_call *c, unsigned int i)
{
	const struct tusk_fetch_change *ch = &c->changes[i];
	const char *to = tusk_fetch_xstate_name(ch->to);
	json_t *ev = json_pack("{s:s, s:I, s:s}", TUSK_CTL_KEY_EVENT,
			       TUSK_CTL_EVENT_STATE, "id", (json_int_t)ch->id,
			       "state", to);
	json_t *x = latest_of_id(c, i) ? list_find(c->list, ch->id) : NULL;

	if (ev == NULL)
		return NULL;
	json_object_set_new(ev, "from", ch->from < 0 ? json_null() :
			    json_string(tusk_fetch_xstate_name(
				    (enum tusk_fetch_xstate)ch->from)));
	/* its fields as they are now: only when now is this state */
	if (x != NULL && strcmp(json_string_value(json_object_get(x,
							"state")), to) == 0)
		json_object_set(ev, "transfer", x);
	return ev;
}

static void
watch_publish_changes(struct tusk_ctl *ctl, const struct watch_call *c)
{
	unsigned int i;

	if (c->lost > 0)
		tusk_ctl_events_lost(ctl->srv, c->lost);
	for (i = 0; i < c->n; i++) {
		json_t *ev = state_event(c, i);

		if (ev == NULL)
			tusk_ctl_events_lost(ctl->srv, 1);
		else
			tusk_ctl_events_publish(ctl->srv, ev);
		json_decref(ev);
	}
	ctl->watch.cursor = c->n > 0 ? c->changes[c->n - 1].seq : c->last;
}

/* Bytes of transfer id when its progress was last published, or -1. */
static int64_t
sent_bytes(const struct tusk_ctl_watch *w, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < w->n_sent; i++)
		if (w->sent[i].id == id)
			return w->sent[i].bytes;
	return -1;
}

static json_t *
progress_event(json_t *x)
{
	static const char *const keys[] = {
		"id", "state", "bytes", "size", "rate", "eta_s",
	};
	json_t *ev = json_pack("{s:s}", TUSK_CTL_KEY_EVENT,
			       TUSK_CTL_EVENT_PROGRESS);
	unsigned int k;

	for (k = 0; ev != NULL && k < RTE_DIM(keys); k++)
		json_object_set(ev, keys[k], json_object_get(x, keys[k]));
	return ev;
}

/* A progress event for each running (or verifying) transfer whose bytes
 * moved since the last one; the table is rebuilt from the list. */
static void
watch_publish_progress(struct tusk_ctl *ctl, json_t *list)
{
	struct tusk_ctl_watch *w = &ctl->watch;
	struct tusk_ctl_watch next = { .n_sent = 0 };
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x) {
		const char *st = json_string_value(json_object_get(x, "state"));
		uint32_t id = (uint32_t)json_integer_value(json_object_get(x,
									"id"));
		int64_t bytes = json_integer_value(json_object_get(x, "bytes"));

		if (st == NULL || next.n_sent == RTE_DIM(next.sent) ||
		    (strcmp(st, "running") != 0 &&
		     strcmp(st, "verifying") != 0))
			continue;
		if (sent_bytes(w, id) != bytes) {
			json_t *ev = progress_event(x);

			if (ev != NULL)
				tusk_ctl_events_publish(ctl->srv, ev);
			json_decref(ev);
		}
		next.sent[next.n_sent].id = id;
		next.sent[next.n_sent++].bytes = bytes;
	}
	memcpy(w->sent, next.sent, sizeof(w->sent));
	w->n_sent = next.n_sent;
}

void
tusk_ctl_watch_poll(struct tusk_ctl *ctl)
{
	struct tusk_ctl_watch *w = &ctl->watch;
	struct watch_call *c;
	bool progress;
	uint64_t now;

	if (tusk_ctl_events_subscribers(ctl->srv) == 0)
		return;
	now = tusk_ctl_server_clock_ms();
	if (now - w->polled_ms < TUSK_CTL_WATCH_POLL_MS)
		return;
	w->polled_ms = now;
	progress = now - w->progress_ms >= TUSK_CTL_WATCH_PROGRESS_MS;
	c = watch_read(ctl, progress);
	if (c == NULL)
		return;
	watch_publish_changes(ctl, c);
	if (progress) {
		w->progress_ms = now;
		watch_publish_progress(ctl, c->list);
	}
	watch_free(c);
}

json_t *
tusk_ctl_watch_snapshot(void *arg)
{
	struct tusk_ctl *ctl = arg;
	struct watch_call *c;
	json_t *snap;

	if (tusk_ctl_fetch_lcore(ctl) == NULL)
		return json_pack("{s:s, s:[]}", TUSK_CTL_KEY_EVENT,
				 TUSK_CTL_EVENT_SNAPSHOT, "transfers");
	c = watch_read(ctl, true);
	if (c == NULL)
		return NULL;
	/* what changed before it goes to those already watching; the new
	 * subscriber starts from the list, which has it */
	watch_publish_changes(ctl, c);
	snap = json_pack("{s:s, s:O}", TUSK_CTL_KEY_EVENT,
			 TUSK_CTL_EVENT_SNAPSHOT, "transfers", c->list);
	watch_free(c);
	return snap;
}

int
tusk_ctl_watch_cmd(void *arg, json_t *args, json_t **result, char *err,
		   size_t errlen)
{
	struct tusk_ctl *ctl = arg;

	if (tusk_ctl_events_subscribe(ctl->srv, err, errlen) < 0)
		return -1;
	*result = json_pack("{s:b, s:[s, s, s, s]}", "watching", 1, "events",
			    TUSK_CTL_EVENT_SNAPSHOT, TUSK_CTL_EVENT_STATE,
			    TUSK_CTL_EVENT_PROGRESS, TUSK_CTL_EVENT_LOST);
	return 0;
}
