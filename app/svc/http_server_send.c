/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Responses of the HTTP file endpoint: heads, file bodies read into mbufs
 * and handed to TCP without copies, and the digests they carry.
 *
 *   hs_respond() -> head text into hc->rhead -> hs_pump()
 *   hs_pump():  pending chain -> tusk_tcp_send()
 *               head text -> one mbuf
 *               file range -> tusk_file_read_mbufs_flags(NOWAIT),
 *                             HS_SEND_CHUNK each
 *               all queued -> hs_response_done()
 * Partial progress waits: for writable() when TCP took less, for poll when
 * the pool is empty (back-pressure: mbufs come back as data is acked) or
 * the file's pages are not cached yet (readahead runs meanwhile).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file_read.h"
#include "http_server_priv.h"

int
hs_status_of_errno(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		return 404;
	case -EXDEV:     /* resolution would leave the root */
	case -ELOOP:     /* magic links */
	case -EACCES:
	case -EPERM:     /* not a regular file or directory */
	case -EISDIR:
	case -EROFS:
		return 403;
	case -EINVAL:
	case -ENAMETOOLONG:
		return 400;
	case -ENOSPC:
	case -EDQUOT:
		return 507;
	default:
		return 500;
	}
}

/* Append a head to the text waiting for an mbuf. */
static int
rhead_add(struct hs_conn *hc, const struct tusk_http_resp_info *ri)
{
	int n = tusk_http_resp_head(hc->rhead + hc->rhead_len,
				    sizeof(hc->rhead) - hc->rhead_len, ri);

	if (n < 0)
		return n;
	hc->rhead_len += (uint32_t)n;
	return 0;
}

int
hs_interim_continue(struct hs_conn *hc, uint64_t now)
{
	struct tusk_http_resp_info ri = { .status = 100 };
	int rc = rhead_add(hc, &ri);

	if (rc == 0) {
		hc->srv->requests[1]++;
		hs_pump(hc, now);
	}
	return rc;
}

/* The head of ri into the response, counted; then `phase`. */
static int
respond_in(struct hs_conn *hc, const struct tusk_http_resp_info *ri,
	   enum hs_phase phase, uint64_t now)
{
	struct tusk_http_resp_info r = *ri;
	int rc;

	r.date = (int64_t)time(NULL);
	r.close = r.close || hc->close_after;
	hc->close_after = r.close;
	hc->status = r.status;
	rc = rhead_add(hc, &r);
	if (rc < 0) {
		HS_LOG(ERR, "response head over %u bytes\n",
		       HS_RESP_HEAD_MAX);
		hs_abort(hc, now);
		return rc;
	}
	hc->srv->requests[r.status / 100]++;
	hc->phase = phase;
	hs_pump(hc, now);
	return 0;
}

/*
 * Answer the current request: ri's head, then for GET the file range
 * [hc->body_off, hc->body_end) the caller set (empty otherwise).
 */
int
hs_respond(struct hs_conn *hc, const struct tusk_http_resp_info *ri,
	   uint64_t now)
{
	return respond_in(hc, ri, HS_SEND, now);
}

/* A head whose body follows in chunks (hs_send_chunk) while the
 * connection stays in HS_WAIT: the response ends with the last chunk. */
int
hs_respond_open(struct hs_conn *hc, const struct tusk_http_resp_info *ri,
		uint64_t now)
{
	return respond_in(hc, ri, HS_WAIT, now);
}

int
hs_send_chunk(struct hs_conn *hc, const char *text, size_t n, bool last,
	       uint64_t now)
{
	size_t room = sizeof(hc->rhead) - hc->rhead_len;
	char *p = hc->rhead + hc->rhead_len;
	int w;

	/* RFC 9112 7.1: size in hex, CRLF, data, CRLF; "0" CRLF CRLF ends */
	w = snprintf(p, room, "%zx\r\n%.*s\r\n%s", n, (int)n, text,
		     last ? "0\r\n\r\n" : "");
	if (w < 0 || (size_t)w >= room)
		return -ENOSPC;
	hc->rhead_len += (uint32_t)w;
	if (last) {
		hc->body_off = hc->body_end = 0;
		hc->phase = HS_SEND;
	}
	hs_pump(hc, now);
	return 0;
}

/*
 * An error answer with no body. The request's own body, if any, is
 * dropped when small (the connection stays), else the connection closes
 * after the answer (so does a client waiting for 100-continue: it will
 * not send the body, and we could not tell where it ends).
 */
int
hs_respond_error(struct hs_conn *hc, int status, uint64_t now)
{
	struct tusk_http_resp_info ri = { .status = status };

	if (status == 405)
		ri.allow = HS_ALLOW;
	return hs_respond_error_info(hc, &ri, now);
}

int
hs_respond_error_info(struct hs_conn *hc, struct tusk_http_resp_info *ri,
		      uint64_t now)
{
	const struct tusk_http_req *req = &hc->req;

	if (req->chunked || (req->has_content_length &&
			     (req->expect_continue ||
			      req->content_length > HS_DISCARD_MAX)))
		hc->close_after = true;
	else if (req->has_content_length && hc->phase == HS_HEAD)
		hc->discard = req->content_length;
	return hs_respond(hc, ri, now);
}

/* Queue the pending chain; false when TCP took less (wait). */
static bool
send_out(struct hs_conn *hc, uint64_t now)
{
	bool blocked = true;
	int64_t took = hc->tls != NULL ? hs_tls_send(hc, &blocked, now)
				       : tusk_tcp_send(hc->c, &hc->out, now);

	if (took < 0) {
		hs_abort(hc, now);
		return false;
	}
	if (took > 0) {
		hc->last_active = now;
		hc->tcp_queued += (uint64_t)took;
		hs_limit_sent(hc, (uint64_t)took, now);
	}
	if (hc->out != NULL && !blocked) {
		/* TLS found no mbuf for ciphertext: poll retries */
		hc->retry_at = now + HS_SHARE_RETRY_NS;
		hs_busy(hc, true);
		return false;
	}
	if (hc->out != NULL) {
		hc->send_blocked = true; /* writable() calls back */
		return false;
	}
	return true;
}

/* The head text into one mbuf; false when the pool is empty. */
static bool
head_to_mbuf(struct hs_conn *hc)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(hc->srv->env->data_pool);
	char *p;

	if (m == NULL)
		return false;
	p = rte_pktmbuf_append(m, (uint16_t)hc->rhead_len);
	memcpy(p, hc->rhead, hc->rhead_len);
	hc->bytes_out += hc->rhead_len;
	hc->srv->bytes_out += hc->rhead_len;
	hc->rhead_len = 0;
	hc->out = m;
	return true;
}

/* The next chunk of the file into mbufs; false to stop pumping. */
static bool
body_to_mbufs(struct hs_conn *hc, uint64_t room, uint64_t now)
{
	uint64_t left = hc->body_end - hc->body_off;
	uint32_t len;
	int64_t n;

	if (room < left)
		left = room;
	len = left < HS_SEND_CHUNK ? (uint32_t)left : HS_SEND_CHUNK;
	n = tusk_file_read_mbufs_flags(hc->file.fd, hc->body_off, len,
				       hc->srv->env->data_pool, &hc->out,
				       NULL, TUSK_FILE_READ_NOWAIT);
	if (n == -ENOBUFS)
		return false; /* poll retries when mbufs come back */
	if (n == -EAGAIN) {
		/* not in the page cache: readahead started; never wait
		 * for the disk on the lcore */
		hc->retry_at = now + HS_COLD_RETRY_NS;
		return false;
	}
	if (n <= 0) {
		/* the file shrank or cannot be read: the head promised
		 * more than we can send, so the connection must end */
		HS_LOG(WARNING, "%s: read at %lu: %s\n", hc->rel,
		       (unsigned long)hc->body_off,
		       n == 0 ? "file shrank" : strerror((int)-n));
		hs_abort(hc, now);
		return false;
	}
	hc->body_off += (uint64_t)n;
	hc->bytes_out += (uint64_t)n;
	hc->srv->bytes_out += (uint64_t)n;
	return true;
}

void
hs_pump(struct hs_conn *hc, uint64_t now)
{
	unsigned int budget = HS_SEND_BURST;
	uint64_t room;

	if (now < hc->retry_at) {
		hs_busy(hc, true);
		return;
	}
	while (!hc->dead && !hc->send_blocked) {
		if (hc->out != NULL) {
			if (!send_out(hc, now))
				return;
			continue;
		}
		if (hc->rhead_len > 0) {
			if (!head_to_mbuf(hc))
				break;
			continue;
		}
		if (hc->phase != HS_SEND)
			return;
		if (hc->body_off >= hc->body_end) {
			hs_response_done(hc, now);
			return;
		}
		if (budget-- == 0 ||
		    (room = hs_limit_send_room(hc, now)) == 0 ||
		    !body_to_mbufs(hc, room, now))
			break;
	}
	if (!hc->dead && !hc->send_blocked)
		hs_busy(hc, true); /* more to do: poll brings us back */
}

void
hs_response_done(struct hs_conn *hc, uint64_t now)
{
	hs_file_close(&hc->file);
	hs_limit_dav_set(hc, 0); /* a PROPFIND document's memfd is gone */
	hc->body_off = hc->body_end = 0;
	hs_limit_answered(hc);
	if (hc->close_after) {
		bool drained = hc->peer_fin ||
			       (hc->in_bytes == 0 && !hc->body_pending);

		if (drained && hs_limit_all_acked(hc, now)) {
			hs_close(hc, now);
			return;
		}
		/* request bytes unread or still coming: closing now would
		 * answer them with a RST that can destroy the response
		 * before the client reads it; FIN, then drain a while.
		 * Answer bytes unacknowledged: closing would leave them to
		 * TCP, held as long as the peer keeps its window shut;
		 * linger until acked, under the send timeout. */
		if (hc->tls != NULL)
			hs_tls_close_notify(hc, now);
		tusk_tcp_shutdown(hc->c, now);
		hc->phase = HS_LINGER;
		hc->linger_until = drained ? now : now + HS_LINGER_NS;
		hs_in_drop(hc, hc->in_bytes);
		return;
	}
	hc->phase = HS_HEAD;
	hc->head_since = hc->in_bytes > 0 ? now : 0;
	hs_process_input(hc, now);
}

/* ---- digests shared by connections ---- */

static struct hs_dwait *
dwait_find(struct tusk_http_server *srv, const struct hs_file *f,
	   unsigned int algs, bool behind)
{
	struct hs_dwait *dw;

	TAILQ_FOREACH(dw, &srv->dwaits, link)
		if ((behind || !dw->idle) &&
		    dw->dev == f->dev && dw->ino == f->ino &&
		    dw->size == f->size && dw->mtime_ns == f->mtime_ns &&
		    (dw->algs & algs) == algs &&
		    (dw->rc == -EAGAIN || dw->rc == 0))
			return dw;
	return NULL;
}

struct hs_dwait *
hs_dwait_get(struct tusk_http_server *srv, const struct hs_file *f,
	     unsigned int algs, bool behind)
{
	struct hs_dwait *dw = dwait_find(srv, f, algs, behind);
	bool idle = behind && srv->env->digest_behind_idle;

	if (dw != NULL) {
		dw->refs++;
		return dw;
	}
	if (behind && srv->n_behind >= HS_BEHIND_MAX) {
		srv->lim.behind_skipped++;
		return NULL;
	}
	dw = calloc(1, sizeof(*dw));
	if (dw == NULL)
		return NULL;
	dw->job = idle ? tusk_digest_file_idle(srv->env->digest, f->fd, algs) :
			 tusk_digest_file(srv->env->digest, f->fd, algs);
	if (dw->job == NULL) {
		HS_LOG(WARNING, "digest service busy: %s\n", strerror(errno));
		free(dw);
		return NULL;
	}
	dw->algs = algs;
	dw->idle = idle;
	dw->behind = behind;
	srv->n_behind += behind;
	dw->dev = f->dev;
	dw->ino = f->ino;
	dw->size = f->size;
	dw->mtime_ns = f->mtime_ns;
	dw->rc = -EAGAIN;
	dw->refs = 1;
	TAILQ_INSERT_TAIL(&srv->dwaits, dw, link);
	return dw;
}

void
hs_dwait_put(struct tusk_http_server *srv, struct hs_dwait *dw)
{
	dw->refs--;
}

/* Poll running jobs; free finished ones nobody waits for. */
void
hs_dwaits_poll(struct tusk_http_server *srv)
{
	struct hs_dwait *dw, *next;

	for (dw = TAILQ_FIRST(&srv->dwaits); dw != NULL; dw = next) {
		next = TAILQ_NEXT(dw, link);
		if (dw->rc == -EAGAIN)
			dw->rc = tusk_digest_job_poll(dw->job, &dw->d);
		if (dw->rc != -EAGAIN && dw->refs <= 0) {
			srv->n_behind -= dw->behind;
			TAILQ_REMOVE(&srv->dwaits, dw, link);
			tusk_digest_job_free(dw->job);
			free(dw);
		}
	}
}
