/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fair share of one lcore's HTTP endpoint among its clients, in the
 * spirit of nginx's client_header_timeout, client_body_timeout,
 * send_timeout and limit_conn, and of HAProxy's per-source tables. No
 * client, however slow, idle or malformed, holds a slot, the data pool
 * or a request's turn longer than a documented limit (README, "HTTP
 * endpoint under hostile clients"):
 *
 *   on_accepted() -> hs_limit_admit(): connections per source here
 *                    (exact) and on all lcores (http_share.h); a full
 *                    table closes its oldest idle connection, else one
 *                    of the largest source's, else resets the newcomer
 *   hs_pump() -> hs_limit_send_room(): what a response may read now:
 *                bounded by the peer's window and its source's share of
 *                the data pool
 *   hs_process_input() -> hs_limit_may_dispatch(): a pipelined request
 *                waits while HS_PIPE_DEPTH answers are unacknowledged
 *   poll -> hs_limit_scan() every HS_IDLE_SCAN_NS: send timeout (from
 *                the last acknowledged byte), head deadline, body rate,
 *                idle keep-alive, end of a lingering close
 *
 * Each limit counts what it did in srv->lim (`tuskctl http`).
 */
#include <errno.h>
#include <stdlib.h>

#include <jansson.h>
#include <rte_jhash.h>
#include <rte_random.h>

#include "http_server_priv.h"
#include "http_share.h"
#include "tls.h"

void
hs_limit_init(struct tusk_http_server *srv)
{
	unsigned int i;

	srv->seed = (uint32_t)rte_rand();
	for (i = 0; i < HS_SRC_BUCKETS; i++)
		LIST_INIT(&srv->src[i]);
	LIST_INIT(&srv->srcs);
	srv->pool_bytes = (uint64_t)srv->env->data_pool->size *
		rte_pktmbuf_data_room_size(srv->env->data_pool);
}

/* The source entry of a, made when `create` (NULL: out of memory). */
static struct hs_src *
src_find(struct tusk_http_server *srv, const struct tusk_addr *a,
	 bool create)
{
	uint32_t h = rte_jhash_1word(tusk_addr_hash(a), srv->seed);
	struct hs_src_list *b = &srv->src[h & (HS_SRC_BUCKETS - 1)];
	struct hs_src *s;

	LIST_FOREACH(s, b, link)
		if (tusk_addr_eq(&s->addr, a))
			return s;
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->addr = *a;
	TAILQ_INIT(&s->conns_of);
	LIST_INSERT_HEAD(b, s, link);
	LIST_INSERT_HEAD(&srv->srcs, s, all);
	srv->lim.sources++;
	return s;
}

/* hc now holds v payload bytes: its source's and the lcore's sums. */
static void
held_set(struct hs_conn *hc, uint64_t v)
{
	struct tusk_http_server_limits *l = &hc->srv->lim;

	if (hc->src != NULL)
		hc->src->held = hc->src->held - hc->held + v;
	l->pool_held = l->pool_held - hc->held + v;
	if (l->pool_held > l->pool_held_peak)
		l->pool_held_peak = l->pool_held;
	hc->held = v;
}

/* What the peer acknowledged: new bytes restart the send timer. */
static void
acked_refresh(struct hs_conn *hc, const struct tusk_tcp_conn_send_view *st,
	      uint64_t now)
{
	uint64_t acked = hc->tls != NULL ?
		tusk_tls_plain_acked(hc->tls, st->bytes_acked) :
		st->bytes_acked;
	uint64_t out = hc->out != NULL ? rte_pktmbuf_pkt_len(hc->out) : 0;

	if (acked > hc->tcp_queued)
		acked = hc->tcp_queued;
	if (acked > hc->tcp_acked) {
		hc->tcp_acked = acked;
		hc->acked_at = now;
	}
	held_set(hc, hc->tcp_queued - hc->tcp_acked + out);
}

static void
acked_poll(struct hs_conn *hc, uint64_t now)
{
	struct tusk_tcp_conn_send_view st;

	tusk_tcp_conn_send_view(hc->c, &st);
	acked_refresh(hc, &st, now);
}

/* TCP took `took` more bytes: a send timer starts when they are the
 * first outstanding ones. */
void
hs_limit_sent(struct hs_conn *hc, uint64_t took, uint64_t now)
{
	uint64_t out = hc->out != NULL ? rte_pktmbuf_pkt_len(hc->out) : 0;

	if (hc->tcp_queued - took == hc->tcp_acked)
		hc->acked_at = now;
	held_set(hc, hc->tcp_queued - hc->tcp_acked + out);
}

/* Bytes of file hc may read ahead now; 0: wait (retry_at says when, or
 * the queue is full and acks make room). */
uint64_t
hs_limit_send_room(struct hs_conn *hc, uint64_t now)
{
	struct tusk_http_server *srv = hc->srv;
	struct tusk_tcp_conn_send_view st;
	uint64_t lim, room, cap;
	uint32_t w;

	tusk_tcp_conn_send_view(hc->c, &st);
	acked_refresh(hc, &st, now);
	w = st.cwnd < st.snd_wnd ? st.cwnd : st.snd_wnd;
	if (st.snd_wnd >= HS_SEND_SMALL) {
		/* a reading peer: twice the path, a chunk, the floor */
		lim = 2ull * w + HS_SEND_CHUNK;
		if (lim < HS_QUEUE_FLOOR)
			lim = HS_QUEUE_FLOOR;
		room = hc->held < lim ? HS_SEND_CHUNK : 0;
	} else {
		/* a slow or stopped reader: its window, no floor */
		lim = 2ull * st.snd_wnd + HS_SEND_SMALL;
		room = hc->held < lim ? lim - hc->held : 0;
		if (room == 0)
			hc->retry_at = now + HS_SHARE_RETRY_NS;
	}
	cap = srv->pool_bytes * srv->conf.source_pool_pct / 100;
	if (room > 0 && hc->src->held + room > cap) {
		room = hc->src->held < cap ? cap - hc->src->held : 0;
		if (room == 0) {
			srv->lim.share_waits++;
			hc->retry_at = now + HS_SHARE_RETRY_NS;
		}
	}
	return room;
}

/* A pipelined request is read only while fewer than HS_PIPE_DEPTH
 * answers are unacknowledged (resp_end[] holds where the last ones
 * ended); else the input stays unread and the peer's window closes. */
bool
hs_limit_may_dispatch(struct hs_conn *hc, uint64_t now)
{
	uint64_t oldest = hc->resp_end[hc->requests % HS_PIPE_DEPTH];

	if (hc->requests < HS_PIPE_DEPTH || oldest <= hc->tcp_acked)
		return true;
	acked_poll(hc, now);
	if (oldest <= hc->tcp_acked)
		return true;
	hc->srv->lim.pipeline_waits++;
	hc->retry_at = now + HS_SHARE_RETRY_NS;
	hs_busy(hc, true);
	return false;
}

/* The current answer is all in TCP. */
void
hs_limit_answered(struct hs_conn *hc)
{
	if (hc->requests > 0)
		hc->resp_end[(hc->requests - 1) % HS_PIPE_DEPTH] =
			hc->tcp_queued;
}

/* Everything sent was acknowledged (asks TCP). */
bool
hs_limit_all_acked(struct hs_conn *hc, uint64_t now)
{
	if (hc->tcp_queued > hc->tcp_acked && hc->c != NULL)
		acked_poll(hc, now);
	return hc->tcp_queued == hc->tcp_acked;
}

/* ---- admission ---- */

static bool
is_idle(const struct hs_conn *hc)
{
	return !hc->dead && hc->phase == HS_HEAD && hc->in_bytes == 0 &&
	       hc->head_len == 0 && hc->discard == 0;
}

static void
evict(struct hs_conn *hc, uint64_t *counter, uint64_t now)
{
	(*counter)++;
	HS_LOG(DEBUG, "table full: closing a connection for a newcomer\n");
	if (hs_limit_all_acked(hc, now))
		hs_close(hc, now);
	else
		hs_abort(hc, now); /* only RST frees what it holds */
}

/* Not an upload being stored or checked. */
static bool
is_evictable(const struct hs_conn *hc)
{
	return !hc->dead && (hc->phase == HS_HEAD || hc->phase == HS_SEND ||
			     hc->phase == HS_LINGER ||
			     (hc->phase == HS_WAIT &&
			      hc->req.method != TUSK_HTTP_PUT));
}

/* An upload still receiving its body (a PUT's, a PROPFIND's). */
static bool
is_receiving(const struct hs_conn *hc)
{
	return !hc->dead && hc->phase == HS_BODY;
}

/* Source s's receiving connection quiet the longest (NULL: none). */
static struct hs_conn *
quietest_upload(struct hs_src *s)
{
	struct hs_conn *hc, *q = NULL;

	TAILQ_FOREACH(hc, &s->conns_of, src_link)
		if (is_receiving(hc) &&
		    (q == NULL || hc->last_active < q->last_active))
			q = hc;
	return q;
}

/* a is a better victim than b: idle before busy, then quiet longer. */
static bool
worse(const struct hs_conn *a, const struct hs_conn *b)
{
	if (b == NULL || is_idle(a) != is_idle(b))
		return b == NULL || is_idle(a);
	return a->last_active < b->last_active;
}

/* The source with the most connections here (NULL: none). */
static struct hs_src *
largest_source(struct tusk_http_server *srv)
{
	struct hs_src *s, *big = NULL;

	LIST_FOREACH(s, &srv->srcs, all)
		if (big == NULL || s->conns > big->conns)
			big = s;
	return big;
}

/*
 * May a newcomer from `mine` (holding `have` connections here) take idle
 * connection hc's slot? Its own, always (a host's idle connections make
 * room for it); another source's only if that source holds more than the
 * newcomer's and hc has been quiet for HS_IDLE_GRACE_NS, so that a host
 * with many idle connections cannot push out a client that has just
 * connected and is about to send its request.
 */
static bool
may_take_idle(const struct hs_conn *hc, const struct hs_src *mine,
	      uint32_t have, uint64_t now)
{
	if (hc->src == mine && mine != NULL)
		return true;
	return hc->src != NULL && hc->src->conns > have &&
	       now - hc->last_active >= HS_IDLE_GRACE_NS;
}

/*
 * The table is full and a source (`mine`, NULL when it holds nothing
 * here) knocks. The victim comes from the source with the most
 * connections: its idle connection quiet the longest, else (when the
 * newcomer's source has fewer) its busy one quiet the longest (slowloris
 * heads, stalled readers); failing that, the idle connection quiet the
 * longest that may_take_idle() allows; failing that (when the newcomer's
 * source has fewer) the largest source's upload quiet the longest, which
 * is aborted and nothing of it kept, as a body too slow would be: uploads
 * each just over http_body_rate_min (1,088 of them from 17 hosts, 2 MiB/s
 * in all) otherwise kept every newcomer out for as long as their bodies
 * last (http_put_max_mb, 4 TiB: for ever; test_hostile_net). Many hosts
 * together cannot keep a newcomer out of a table each of them holds more
 * of, and the largest host refused is the fair outcome. The usual case
 * looks at the sources and one source's connections (at most
 * source_conns), not the table. False: refuse.
 */
static bool
evict_for(struct tusk_http_server *srv, const struct hs_src *mine,
	  uint64_t now)
{
	uint32_t have = mine != NULL ? mine->conns : 0;
	struct hs_src *s = largest_source(srv);
	struct hs_conn *hc, *big = NULL, *idle = NULL;

	if (s != NULL)
		TAILQ_FOREACH(hc, &s->conns_of, src_link)
			if (is_evictable(hc) && worse(hc, big))
				big = hc;
	if (big != NULL && (is_idle(big) || s->conns > have + 1)) {
		evict(big, is_idle(big) ? &srv->lim.evicted
					: &srv->lim.evicted_fair, now);
		return true;
	}
	TAILQ_FOREACH(hc, &srv->conns, link)
		if (is_idle(hc) && may_take_idle(hc, mine, have, now) &&
		    worse(hc, idle))
			idle = hc;
	if (idle != NULL) {
		evict(idle, &srv->lim.evicted, now);
		return true;
	}
	big = s != NULL && s->conns > have + 1 ? quietest_upload(s) : NULL;
	if (big == NULL)
		return false;
	srv->lim.evicted_upload++;
	hs_abort(big, now);
	return true;
}

/* May connection c in? 0 and hc counted with its source, or -ENOBUFS
 * (reset it). */
int
hs_limit_admit(struct tusk_http_server *srv, struct hs_conn *hc,
	       struct tusk_tcp_conn *c, uint64_t now)
{
	struct tusk_http_share *share = srv->conf.share;
	struct tusk_addr la, ra;
	struct hs_src *s;
	uint16_t lp, rp;

	tusk_tcp_conn_tuple(c, &la, &lp, &ra, &rp);
	s = src_find(srv, &ra, false);
	if (s != NULL && s->conns >= srv->conf.source_conns) {
		srv->lim.refused_source++;
		return -ENOBUFS;
	}
	if (share != NULL &&
	    !tusk_http_share_take(share, &ra, srv->conf.source_total)) {
		srv->lim.refused_total++;
		return -ENOBUFS;
	}
	if ((srv->n_live >= srv->conf.max_conns &&
	     !evict_for(srv, s, now)) ||
	    (s = src_find(srv, &ra, true)) == NULL) {
		srv->lim.refused_full++;
		if (share != NULL)
			tusk_http_share_drop(share, &ra);
		return -ENOBUFS;
	}
	s->conns++;
	hc->src = s;
	TAILQ_INSERT_TAIL(&s->conns_of, hc, src_link);
	return 0;
}

/* The connection is freed: uncount it. */
void
hs_limit_dav_set(struct hs_conn *hc, uint64_t v)
{
	struct tusk_http_server_limits *l = &hc->srv->lim;

	if (hc->src != NULL)
		hc->src->dav_held = hc->src->dav_held - hc->dav_held + v;
	l->dav_held = l->dav_held - hc->dav_held + v;
	if (l->dav_held > l->dav_held_peak)
		l->dav_held_peak = l->dav_held;
	hc->dav_held = v;
}

bool
hs_limit_dav_reserve(struct hs_conn *hc, uint64_t v)
{
	struct tusk_http_server *srv = hc->srv;
	uint64_t cap = HS_DAV_BUDGET * srv->conf.source_pool_pct / 100;
	uint64_t more = v > hc->dav_held ? v - hc->dav_held : 0;

	if (srv->lim.dav_held + more > HS_DAV_BUDGET ||
	    (hc->src != NULL && hc->src->dav_held + more > cap)) {
		srv->lim.dav_refused++;
		return false;
	}
	hs_limit_dav_set(hc, v > hc->dav_held ? v : hc->dav_held);
	return true;
}

void
hs_limit_release(struct hs_conn *hc)
{
	struct tusk_http_server *srv = hc->srv;
	struct hs_src *s = hc->src;

	hs_limit_dav_set(hc, 0);
	if (s == NULL)
		return;
	held_set(hc, 0);
	hc->src = NULL;
	if (srv->conf.share != NULL)
		tusk_http_share_drop(srv->conf.share, &s->addr);
	TAILQ_REMOVE(&s->conns_of, hc, src_link);
	if (--s->conns == 0) {
		LIST_REMOVE(s, link);
		LIST_REMOVE(s, all);
		free(s);
		srv->lim.sources--;
	}
}

/* ---- deadlines ---- */

/* A body under body_rate_min over the last window, with nothing of it
 * waiting on us (unread input means we are the slow side). */
static bool
body_too_slow(struct hs_conn *hc, uint64_t now)
{
	uint64_t need = (uint64_t)hc->srv->conf.body_rate_min *
			(TUSK_HTTP_SERVER_BODY_WINDOW_NS / HS_NS_PER_S);
	bool slow;

	if (now - hc->rate_at < TUSK_HTTP_SERVER_BODY_WINDOW_NS)
		return false;
	slow = hc->in_bytes == 0 && hc->bytes_in - hc->rate_bytes < need;
	hc->rate_at = now;
	hc->rate_bytes = hc->bytes_in;
	return slow;
}

/* No whole head in time: 408 and close (RFC 9110 15.5.9). */
static void
head_timeout(struct hs_conn *hc, uint64_t now)
{
	if (hs_tls_handshaking(hc)) {
		/* nothing can be encrypted yet: no 408, a reset */
		hc->srv->lim.tls_handshake_timeouts++;
		HS_LOG(DEBUG, "TLS handshake not complete in time\n");
		hs_abort(hc, now);
		return;
	}
	hc->srv->lim.head_timeouts++;
	HS_LOG(DEBUG, "request head not complete in time: 408\n");
	memset(&hc->req, 0, sizeof(hc->req));
	hc->rel[0] = '\0';
	hc->head_len = 0;
	hc->head_since = 0;
	hc->close_after = true;
	hs_respond_error(hc, 408, now);
}

/* Deadlines of a connection waiting for its peer's request. */
static void
scan_head(struct hs_conn *hc, bool quiet, uint64_t now)
{
	const struct tusk_http_server_conf *cf = &hc->srv->conf;

	if (hc->discard > 0) {
		if (body_too_slow(hc, now)) {
			hc->srv->lim.body_too_slow++;
			hs_abort(hc, now);
		}
	} else if (!quiet) {
		return; /* answers unread: the send timeout runs */
	} else if (hc->head_since != 0) {
		if (now - hc->head_since > cf->head_timeout_ns)
			head_timeout(hc, now);
	} else if (now - hc->last_active > cf->idle_ns) {
		HS_LOG(DEBUG, "closing an idle connection\n");
		hc->srv->lim.idle_closed++;
		hs_close(hc, now);
	}
}

static void
scan_conn(struct hs_conn *hc, uint64_t now)
{
	bool quiet = hs_limit_all_acked(hc, now);

	if (!quiet && now - hc->acked_at > hc->srv->conf.send_timeout_ns) {
		HS_LOG(DEBUG, "nothing acknowledged in time: aborting\n");
		hc->srv->lim.send_timeouts++;
		hs_abort(hc, now);
		return;
	}
	switch (hc->phase) {
	case HS_LINGER:
		if (now >= hc->linger_until && quiet)
			hs_close(hc, now);
		break;
	case HS_WAIT: /* our work, not the peer's */
		hc->last_active = now;
		hc->rate_at = now;
		hc->rate_bytes = hc->bytes_in;
		break;
	case HS_BODY:
		if (body_too_slow(hc, now)) {
			hc->srv->lim.body_too_slow++;
			hs_abort(hc, now);
		} else if (hc->put.held_segs > 0 &&
			   now - hc->put.held_since >= HS_PUT_HOLD_NS) {
			hs_put_flush(hc, now);
		}
		break;
	case HS_SEND:
		if (hc->discard > 0 && body_too_slow(hc, now)) {
			hc->srv->lim.body_too_slow++;
			hs_abort(hc, now);
		}
		break;
	case HS_HEAD:
		scan_head(hc, quiet, now);
		break;
	}
}

void
hs_limit_scan(struct tusk_http_server *srv, uint64_t now)
{
	struct hs_conn *hc;

	srv->next_idle_scan = now + HS_IDLE_SCAN_NS;
	TAILQ_FOREACH(hc, &srv->conns, link)
		if (!hc->dead)
			scan_conn(hc, now);
}

void
tusk_http_server_limits(const struct tusk_http_server *srv,
			struct tusk_http_server_limits *out)
{
	*out = srv->lim;
}

json_t *
hs_limit_json(const struct tusk_http_server *srv)
{
	const struct tusk_http_server_limits *l = &srv->lim;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"head_timeouts", (json_int_t)l->head_timeouts,
		"body_too_slow", (json_int_t)l->body_too_slow,
		"send_timeouts", (json_int_t)l->send_timeouts,
		"idle_closed", (json_int_t)l->idle_closed,
		"evicted", (json_int_t)l->evicted,
		"evicted_fair", (json_int_t)l->evicted_fair,
		"evicted_upload", (json_int_t)l->evicted_upload,
		"put_early_flushes", (json_int_t)l->put_early_flushes,
		"refused_full", (json_int_t)l->refused_full,
		"refused_source", (json_int_t)l->refused_source,
		"refused_total", (json_int_t)l->refused_total,
		"share_waits", (json_int_t)l->share_waits,
		"behind_skipped", (json_int_t)l->behind_skipped,
		"pipeline_waits", (json_int_t)l->pipeline_waits,
		"pool_held", (json_int_t)l->pool_held,
		"pool_held_peak", (json_int_t)l->pool_held_peak,
		"dav_refused", (json_int_t)l->dav_refused,
		"dav_held", (json_int_t)l->dav_held,
		"dav_held_peak", (json_int_t)l->dav_held_peak,
		"tls_handshake_timeouts",
		(json_int_t)l->tls_handshake_timeouts,
		"sources", (json_int_t)l->sources);
}
