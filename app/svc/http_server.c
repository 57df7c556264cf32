/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP file endpoint as a service: listener, connections, the input
 * stream, dispatch of requests, poll, statistics (see http_server.h).
 *
 *   TCP recv()  -> in_append() -> hs_process_input()
 *                    HEAD: head_step() -> tusk_http_req_parse()
 *                          -> dispatch() -> hs_auth_check()
 *                             -> hs_get_start() / hs_put_start() / ...
 *                    BODY: hs_put_body()
 *   TCP writable() -> hs_pump() (http_server_send.c)
 *   tusk_http_server_poll() -> busy connections: pump, digests, release
 *                              of consumed bytes; hs_limit_scan()
 *                              (deadlines); free the dead
 * Admission, deadlines and shares are in http_server_limit.c.
 *
 * Connections are freed only from poll (or free): callbacks mark them
 * dead, so no code path touches freed memory on the way out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "file_read.h"
#include "http_dav.h"
#include "http_server_priv.h"

RTE_LOG_REGISTER(tusk_http_logtype, tusk.http, INFO);

/* SYN-RECEIVED connections per listener before SYN cookies answer. */
#define HS_BACKLOG 256

static const char *const phase_names[] = {
	[HS_HEAD] = "head", [HS_BODY] = "body", [HS_WAIT] = "wait",
	[HS_SEND] = "send", [HS_LINGER] = "linger",
};

void
hs_busy(struct hs_conn *hc, bool on)
{
	if (on == hc->busy)
		return;
	if (on)
		TAILQ_INSERT_TAIL(&hc->srv->busy, hc, busy_link);
	else
		TAILQ_REMOVE(&hc->srv->busy, hc, busy_link);
	hc->busy = on;
}

/* Consumed input bytes: told to TCP by recv()'s return value or from
 * poll (never from inside recv: see tcp_api.h). */
void
hs_consume(struct hs_conn *hc, uint64_t bytes)
{
	hc->owed += bytes;
	if (hc->owed > 0)
		hs_busy(hc, true);
}

/* Append the segments of chain m to the input stream. */
static void
in_append(struct hs_conn *hc, struct rte_mbuf *m)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);

	hc->in_bytes += rte_pktmbuf_pkt_len(m);
	if (hc->in_tail == NULL)
		hc->in_head = m;
	else
		hc->in_tail->next = m;
	hc->in_tail = last;
}

/* Drop up to `bytes` from the front of the input; returns how many. */
uint64_t
hs_in_drop(struct hs_conn *hc, uint64_t bytes)
{
	uint64_t done = 0;

	while (done < bytes && hc->in_head != NULL) {
		struct rte_mbuf *seg = hc->in_head;
		uint64_t want = bytes - done;

		if (seg->data_len > want) {
			seg->data_off += (uint16_t)want;
			seg->data_len -= (uint16_t)want;
			done += want;
			break;
		}
		done += seg->data_len;
		hc->in_head = seg->next;
		if (hc->in_head == NULL)
			hc->in_tail = NULL;
		seg->next = NULL;
		rte_pktmbuf_free_seg(seg);
	}
	hc->in_bytes -= done;
	hs_consume(hc, done);
	return done;
}

/* Mark dead: no more TCP calls on it; poll frees it. */
static void
kill(struct hs_conn *hc)
{
	if (!hc->dead)
		hc->srv->n_live--;
	hc->c = NULL;
	hc->dead = true;
	hs_put_cancel(hc);
	hs_busy(hc, true);
}

void
hs_close(struct hs_conn *hc, uint64_t now)
{
	if (hc->c != NULL)
		tusk_tcp_close(hc->c, now);
	kill(hc);
}

void
hs_abort(struct hs_conn *hc, uint64_t now)
{
	if (hc->c != NULL)
		tusk_tcp_abort(hc->c, now);
	kill(hc);
}

static void
conn_free(struct hs_conn *hc)
{
	struct tusk_http_server *srv = hc->srv;

	hs_busy(hc, false);
	TAILQ_REMOVE(&srv->conns, hc, link);
	srv->n_conns--;
	hs_limit_release(hc);
	hs_put_cancel(hc);
	hs_propfind_free(hc);
	hs_file_close(&hc->file);
	rte_pktmbuf_free(hc->out);
	while (hc->in_head != NULL) {
		struct rte_mbuf *seg = hc->in_head;

		hc->in_head = seg->next;
		seg->next = NULL;
		rte_pktmbuf_free_seg(seg);
	}
	free(hc);
}

/* A request head is in hc->req: answer it. */
static void
dispatch(struct hs_conn *hc, uint64_t now)
{
	struct tusk_http_req *req = &hc->req;
	int rc;

	hc->requests++;
	hc->head_since = 0;
	hc->rate_at = now;
	hc->rate_bytes = hc->bytes_in - hc->in_bytes;
	hc->body_pending = req->chunked ||
			   (req->has_content_length && req->content_length > 0);
	/* HTTP/1.0 persistence needs "Connection: keep-alive" echoed
	 * (RFC 9112 C.2.2); we close instead: 1.0 clients are rare here. */
	hc->close_after = !req->keep_alive || req->version == TUSK_HTTP_10;
	if (req->method == TUSK_HTTP_OTHER) {
		hs_respond_error(hc, 405, now);
		return;
	}
	rc = tusk_http_path_from_target(req->target, hc->rel,
					sizeof(hc->rel));
	if (rc < 0) {
		hs_respond_error(hc, -rc, now);
		return;
	}
	if (!hs_auth_check(hc, now))
		return;
	if (req->method == TUSK_HTTP_PUT)
		hs_put_start(hc, now);
	else if (req->method == TUSK_HTTP_PROPFIND)
		hs_propfind_start(hc, now);
	else
		hs_get_start(hc, now);
}

/* One step of head reading: copy one segment's worth into the head
 * buffer and parse. Returns false when the input is exhausted. */
static bool
head_step(struct hs_conn *hc, uint64_t now)
{
	struct rte_mbuf *seg = hc->in_head;
	uint32_t n, room = TUSK_HTTP_HEAD_MAX - hc->head_len;
	int rc;

	if (seg == NULL)
		return false;
	n = seg->data_len < room ? seg->data_len : room;
	memcpy(hc->head + hc->head_len, rte_pktmbuf_mtod(seg, char *), n);
	hc->head_len += n;
	rc = tusk_http_req_parse(hc->head, hc->head_len, &hc->req);
	if (rc == 0) {
		hs_in_drop(hc, n);
		return true;
	}
	/* the head ends inside this segment: the rest stays queued */
	hs_in_drop(hc, rc > 0 ? n - (hc->head_len - (uint32_t)rc) : n);
	hc->head_len = 0;
	if (rc > 0) {
		dispatch(hc, now);
	} else {
		/* a head we cannot read: no way to find the next one */
		hc->requests++;
		hc->close_after = true;
		hs_respond_error(hc, -rc, now);
	}
	return true;
}

/* A request body in: a PUT's to its file, a PROPFIND's to memory. */
static void
body_step(struct hs_conn *hc, uint64_t now)
{
	if (hc->dav != NULL)
		hs_propfind_body(hc, now);
	else
		hs_put_body(hc, now);
}

void
hs_process_input(struct hs_conn *hc, uint64_t now)
{
	if (hc->in_input)
		return; /* the outer call's loop picks up the new phase */
	hc->in_input = true;
	while (!hc->dead) {
		if (hc->phase == HS_LINGER) {
			hs_in_drop(hc, hc->in_bytes);
			break;
		}
		if (hc->phase == HS_BODY) {
			body_step(hc, now);
			break;
		}
		if (hc->phase != HS_HEAD)
			break;
		if (hc->discard > 0) {
			hc->discard -= hs_in_drop(hc, hc->discard);
			if (hc->discard > 0) {
				/* the peer closed: the rest never comes */
				if (hc->peer_fin)
					hs_close(hc, now);
				break;
			}
			hc->body_pending = false;
			hc->head_since = hc->in_bytes > 0 ? now : 0;
		}
		if (hc->in_head != NULL && !hs_limit_may_dispatch(hc, now))
			break;
		if (!head_step(hc, now)) {
			/* nothing more will come: done with this client */
			if (hc->peer_fin)
				hs_close(hc, now);
			break;
		}
	}
	hc->in_input = false;
}

/* ---- TCP callbacks ---- */

static int
on_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	struct tusk_http_server *srv = larg;
	struct hs_conn *hc = calloc(1, sizeof(*hc));
	int rc = hc == NULL ? -ENOMEM : hs_limit_admit(srv, hc, c, now);

	if (rc < 0) {
		free(hc);
		srv->refused++;
		return rc;
	}
	hc->srv = srv;
	hc->c = c;
	hc->file.fd = -1;
	hc->put.fd = -1;
	hc->last_active = now;
	hc->head_since = now; /* the first head's deadline runs from here */
	TAILQ_INSERT_TAIL(&srv->conns, hc, link);
	srv->n_conns++;
	srv->n_live++;
	srv->accepted++;
	*carg = hc;
	return 0;
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	uint64_t now)
{
	struct hs_conn *hc = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m), ret;

	hc->bytes_in += len;
	hc->srv->bytes_in += len;
	hc->last_active = now;
	if (hc->phase == HS_HEAD && hc->head_since == 0 && hc->discard == 0)
		hc->head_since = now;
	if (hc->dead) {
		rte_pktmbuf_free(m);
		return len;
	}
	in_append(hc, m);
	hs_process_input(hc, now);
	ret = hc->owed < len ? (uint32_t)hc->owed : len;
	hc->owed -= ret;
	return ret;
}

static void
on_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct hs_conn *hc = arg;

	hc->send_blocked = false;
	hs_pump(hc, now);
}

static void
on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct hs_conn *hc = arg;

	hc->peer_fin = true;
	if (hc->dead)
		return;
	if (hc->phase == HS_LINGER) {
		/* unacked answer bytes: the scan closes once they are */
		if (hs_limit_all_acked(hc, now))
			hs_close(hc, now);
		return;
	}
	if (hc->phase == HS_BODY) {
		/* the body can no longer be complete */
		hs_abort(hc, now);
		return;
	}
	/* answer what was asked; then HEAD finds no more and closes */
	hs_process_input(hc, now);
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct hs_conn *hc = arg;

	if (err != 0)
		HS_LOG(DEBUG, "connection closed: %s\n", strerror(-err));
	kill(hc);
}

static const struct tusk_tcp_ops hs_ops = {
	.accepted = on_accepted,
	.recv = on_recv,
	.writable = on_writable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* ---- the service ---- */

static int
conf_defaults(struct tusk_http_server_conf *cf,
	      const struct tusk_http_server_conf *in)
{
	*cf = *in;
	if (cf->port == 0)
		cf->port = TUSK_HTTP_SERVER_PORT_DEFAULT;
	if (cf->put_max == 0)
		cf->put_max = TUSK_HTTP_SERVER_PUT_MAX_DEFAULT;
	if (cf->idle_ns == 0)
		cf->idle_ns = TUSK_HTTP_SERVER_IDLE_DEFAULT_NS;
	if (cf->max_conns == 0)
		cf->max_conns = TUSK_HTTP_SERVER_CONNS_DEFAULT;
	if (cf->head_timeout_ns == 0)
		cf->head_timeout_ns = TUSK_HTTP_SERVER_HEAD_TIMEOUT_DEFAULT_NS;
	if (cf->body_rate_min == 0)
		cf->body_rate_min = TUSK_HTTP_SERVER_BODY_RATE_DEFAULT;
	if (cf->send_timeout_ns == 0)
		cf->send_timeout_ns = TUSK_HTTP_SERVER_SEND_TIMEOUT_DEFAULT_NS;
	if (cf->source_conns == 0)
		cf->source_conns = TUSK_HTTP_SERVER_SOURCE_CONNS_DEFAULT;
	if (cf->source_total == 0)
		cf->source_total = TUSK_HTTP_SERVER_SOURCE_TOTAL_DEFAULT;
	if (cf->source_pool_pct == 0)
		cf->source_pool_pct = TUSK_HTTP_SERVER_SOURCE_POOL_PCT_DEFAULT;
	if (cf->source_pool_pct > 100)
		return -EINVAL;
	return 0;
}

struct tusk_http_server *
tusk_http_server_create(const struct tusk_svc_env *env,
			const struct tusk_http_server_conf *conf)
{
	struct tusk_tcp_conn_opts opts = { .nodelay = true };
	struct tusk_http_server *srv;
	int rc;

	if (env == NULL || conf == NULL || env->st == NULL ||
	    env->root == NULL || env->data_pool == NULL ||
	    env->digest == NULL || conf->auth == NULL) {
		HS_LOG(ERR, "create: needs a stack, a data root, a data pool, "
		       "the digest service and an access policy\n");
		rte_errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	srv->env = env;
	tusk_dav_init(); /* on the main thread, before lcores run */
	if (conf_defaults(&srv->conf, conf) < 0) {
		HS_LOG(ERR, "create: source_pool_pct over 100\n");
		free(srv);
		rte_errno = EINVAL;
		return NULL;
	}
	hs_limit_init(srv);
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->busy);
	TAILQ_INIT(&srv->dwaits);
	rc = tusk_tcp_listen(env->st, srv->conf.port, &hs_ops, srv,
			     HS_BACKLOG, &opts);
	if (rc < 0) {
		HS_LOG(ERR, "cannot listen on port %u: %s\n", srv->conf.port,
		       strerror(-rc));
		free(srv);
		rte_errno = -rc;
		return NULL;
	}
	srv->listening = true;
	return srv;
}

/* Work for one busy connection; it leaves the busy list when idle. */
static void
poll_conn(struct hs_conn *hc, uint64_t now)
{
	if (hc->dead) {
		conn_free(hc);
		return;
	}
	if (hc->owed > 0) {
		tusk_tcp_recv_consumed(hc->c, (uint32_t)hc->owed, now);
		hc->owed = 0;
	}
	hs_busy(hc, false);
	if (hc->phase == HS_WAIT) {
		hs_put_poll(hc, now);
		if (!hc->dead && hc->phase == HS_WAIT)
			hs_propfind_poll(hc, now);
	} else if (hc->phase == HS_BODY) {
		body_step(hc, now);
	} else if (hc->phase == HS_HEAD) {
		if (now < hc->retry_at) {
			hs_busy(hc, true); /* answers unread: look later */
			return;
		}
		hs_process_input(hc, now);
	}
	if (!hc->dead && !hc->send_blocked)
		hs_pump(hc, now);
}

void
tusk_http_server_poll(void *arg, uint64_t now)
{
	struct tusk_http_server *srv = arg;
	struct hs_conn *hc, *next, *last;

	hs_dwaits_poll(srv);
	/* connections made busy while polling wait for the next round */
	last = TAILQ_LAST(&srv->busy, hs_busy_list);
	hc = TAILQ_FIRST(&srv->busy);
	while (hc != NULL) {
		next = TAILQ_NEXT(hc, busy_link);
		poll_conn(hc, now);
		if (hc == last)
			break;
		hc = next;
	}
	if (now >= srv->next_idle_scan)
		hs_limit_scan(srv, now);
}

void
tusk_http_server_free(void *arg)
{
	struct tusk_http_server *srv = arg;
	struct hs_dwait *dw;

	if (srv == NULL)
		return;
	if (srv->listening)
		tusk_tcp_unlisten(srv->env->st, srv->conf.port);
	while (!TAILQ_EMPTY(&srv->conns)) {
		struct hs_conn *hc = TAILQ_FIRST(&srv->conns);

		if (!hc->dead)
			hs_abort(hc, 0);
		conn_free(hc);
	}
	while ((dw = TAILQ_FIRST(&srv->dwaits)) != NULL) {
		TAILQ_REMOVE(&srv->dwaits, dw, link);
		tusk_digest_job_free(dw->job);
		free(dw);
	}
	free(srv);
}

static json_t *
conn_json(const struct hs_conn *hc)
{
	char peer[TUSK_ADDR_STRLEN + 8] = "?";
	struct tusk_addr la, ra;
	uint16_t lp, rp;

	if (hc->c != NULL) {
		char a[TUSK_ADDR_STRLEN];

		tusk_tcp_conn_tuple(hc->c, &la, &lp, &ra, &rp);
		snprintf(peer, sizeof(peer), "%s:%u",
			 tusk_addr_format(&ra, a, sizeof(a)), rp);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I}",
		"peer", peer, "state", hc->dead ? "closed" :
		phase_names[hc->phase], "method", hc->requests == 0 ? "" :
		hc->req.method_text, "path", hc->rel, "status", hc->status,
		"requests", (json_int_t)hc->requests,
		"bytes_in", (json_int_t)hc->bytes_in,
		"bytes_out", (json_int_t)hc->bytes_out);
}

json_t *
tusk_http_server_json(const struct tusk_http_server *srv)
{
	const struct hs_conn *hc;
	json_t *o, *list = json_array();

	if (list == NULL)
		return NULL;
	TAILQ_FOREACH(hc, &srv->conns, link)
		if (json_array_append_new(list, conn_json(hc)) < 0) {
			json_decref(list);
			return NULL;
		}
	o = json_pack("{s:i, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, "
		"s:I, s:I, s:o, s:o, s:o}", "port", srv->conf.port,
		"connections", (json_int_t)srv->n_conns,
		"accepted", (json_int_t)srv->accepted,
		"refused", (json_int_t)srv->refused, "requests",
		"1xx", (json_int_t)srv->requests[1],
		"2xx", (json_int_t)srv->requests[2],
		"3xx", (json_int_t)srv->requests[3],
		"4xx", (json_int_t)srv->requests[4],
		"5xx", (json_int_t)srv->requests[5],
		"bytes_in", (json_int_t)srv->bytes_in,
		"bytes_out", (json_int_t)srv->bytes_out,
		"limits", hs_limit_json(srv), "auth", hs_auth_json(srv),
		"conns", list);
	return o;
}
