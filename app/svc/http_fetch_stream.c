/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One stream of a fetch: an HTTP/1.1 connection that asks for spans of the
 * file and writes their payload to the part file (see http_fetch.h).
 *
 *   fetch_stream_open() -> tusk_tcp_connect()
 *   stream_connected()  -> stream_request() -> tusk_http_req_head()
 *                                           -> tusk_tcp_send()
 *   stream_recv() -> head_in() -> tusk_http_resp_parse()
 *                              -> stream_response() -> fetch_xfer_*()
 *                 -> body_in() -> tusk_crc32c_mbuf() per block (and
 *                    tusk_adler32_mbuf() when the fetch folds adler32)
 *                              -> tusk_file_writer_add()
 *                              -> blocks_written() -> fetch_xfer_block_done()
 *                              -> body_complete() -> stream_request() ...
 *   stream_peer_closed(), stream_closed(), fetch_stream_timers()
 *                 -> stream_fail() -> fetch_stream_close()
 *                                  -> fetch_xfer_stream_failed()
 *
 * Only head bytes are copied (into the stream's head buffer); payload
 * mbufs go from the TCP receive path to the file writer as they are.
 *
 * https:// streams (stream_tls_ops) put the TLS layer (app/tls/tls.h)
 * under the same HTTP code: the handshake runs in STREAM_CONNECTING
 * (under the connect timeout), the server's certificate is verified
 * against tls_ca with its name or address checked (a rejected one fails
 * the transfer for good), and received records are decrypted into
 * data-pool mbufs at most STREAM_TLS_CHAIN_MAX at a time, which then take
 * the plaintext path above (stream_plain()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "adler32.h"
#include "crc32c.h"
#include "file_write.h"
#include "http_fetch_priv.h"
#include "tcp_api.h"
#include "tcp_mbuf.h"
#include "tls.h"

/* A received chain is one TCP segment (at most 64 KiB), far shorter than
 * a block (TUSK_FETCH_BLOCK_MIN), so it ends at most two blocks: the one
 * it finishes and a short last block. */
#define STREAM_ENDED_MAX 2
/* Decrypted bytes handed on at once: a chain as long as the longest TCP
 * segment, so the rule above holds over TLS too. */
#define STREAM_TLS_CHAIN_MAX (64u << 10)

static void stream_fail(struct fetch_stream *s, uint64_t now,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const char *
peer_name(const struct fetch_stream *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", s->x->u.host, s->x->u.port);
	return buf;
}

/* ------------------------------------------------------------ request */

/* The stream's writer, appending from `off` next: made at its first
 * span, through the O_DIRECT fd when the transfer has one (its ranges
 * start on block boundaries, 8 MiB and up, so all but a file's last
 * partial block go direct), and kept for the stream's life: a span's
 * last batches are still being written when the next span starts. 0 or
 * -errno. */
static int
stream_writer(struct fetch_stream *s, uint64_t off)
{
	const struct fetch_xfer *x = s->x;

	if (s->w != NULL)
		return tusk_file_writer_seek(s->w, off);
	if (x->part_dfd >= 0)
		s->w = tusk_file_writer_create_direct(x->part_fd, x->part_dfd,
						      off,
						      TUSK_FETCH_WRITE_BATCH);
	else
		s->w = tusk_file_writer_create(x->part_fd, off,
					       TUSK_FETCH_WRITE_BATCH);
	if (s->w == NULL)
		return -ENOMEM;
	tusk_file_writer_set_queue(s->w, x->f->writeq);
	return 0;
}

/* Blocks whose bytes the writer has written are done. */
static void
pend_done(struct fetch_stream *s)
{
	uint64_t written = tusk_file_writer_written(s->w);

	while (s->pend_n > 0 && s->pend[s->pend_head].until <= written) {
		const struct fetch_pend *p = &s->pend[s->pend_head];

		fetch_xfer_block_done(s->x, p->blk, p->crc, p->adler);
		s->pend_head = (s->pend_head + 1) % FETCH_STREAM_PEND_MAX;
		s->pend_n--;
	}
}

/* Reap the writer's finished batches and record the blocks they
 * completed. 0, or the writer's -errno. */
static int
stream_reap(struct fetch_stream *s)
{
	int ret;

	if (s->w == NULL)
		return 0;
	ret = tusk_file_writer_reap(s->w);
	if (ret == 0)
		pend_done(s);
	return ret;
}

/* The stream ends: wait for its writes, record the blocks they
 * completed, and give back those they did not (a failed write). */
static void
writer_close(struct fetch_stream *s)
{
	if (s->w == NULL)
		return;
	if (tusk_file_writer_drain(s->w) == 0)
		pend_done(s);
	for (; s->pend_n > 0; s->pend_n--) {
		tusk_fetch_sched_release(&s->x->sched,
					 s->pend[s->pend_head].blk);
		s->pend_head = (s->pend_head + 1) % FETCH_STREAM_PEND_MAX;
	}
	tusk_file_writer_free(s->w);
	s->w = NULL;
}

/* Forget the span without giving its blocks back (they are done, or
 * with the writer, or the caller hands them on). */
static void
span_drop(struct fetch_stream *s)
{
	s->count = 0;
}

/* The span this request asks for; false when there is nothing left. */
static bool
stream_assign(struct fetch_stream *s)
{
	struct tusk_fetch_sched *sc = &s->x->sched;
	uint32_t b;

	if (s->kind == STREAM_RANGE) {
		if (!tusk_fetch_sched_next(sc, &s->first, &s->count))
			return false;
	} else {
		/* the whole file in order: every block is ours */
		for (b = 0; b < sc->n_blocks; b++)
			tusk_fetch_sched_take(sc, b);
		s->first = 0;
		s->count = sc->n_blocks;
	}
	s->off = tusk_fetch_sched_block_off(sc, s->first);
	s->len = s->count == 0 ? 0 :
		 tusk_fetch_sched_block_off(sc, s->first + s->count - 1) +
		 tusk_fetch_sched_block_len(sc, s->first + s->count - 1) -
		 s->off;
	s->got = 0;
	s->blk = s->first;
	s->blk_crc = 0;
	s->blk_adler = TUSK_ADLER32_INIT;
	return true;
}

/* Ciphertext waiting (a request, a handshake answer, an alert) to TCP;
 * -EPIPE when TCP cannot take it all (its send buffer is far larger than
 * a request head: the connection is gone). */
static int
stream_tls_push(struct fetch_stream *s, uint64_t now)
{
	struct rte_mbuf **out = tusk_tls_out(s->tls);

	if (*out == NULL)
		return 0;
	if (tusk_tcp_send(s->conn, out, now) < 0 || *out != NULL)
		return -EPIPE;
	return 0;
}

/* A request head (m, one mbuf) over TLS. */
static int
stream_tls_send(struct fetch_stream *s, struct rte_mbuf *m, uint64_t now)
{
	int64_t took = tusk_tls_write(s->tls, &m);

	rte_pktmbuf_free(m); /* what TLS did not take */
	if (took <= 0 || m != NULL)
		return -EPIPE;
	return stream_tls_push(s, now);
}

static int
stream_send_head(struct fetch_stream *s, const struct tusk_http_req_info *ri,
		 uint64_t now)
{
	struct rte_mbuf *m;
	char *p;
	int n;

	m = rte_pktmbuf_alloc(s->x->f->env.data_pool);
	if (m == NULL)
		return -ENOBUFS;
	p = rte_pktmbuf_mtod(m, char *);
	n = tusk_http_req_head(p, rte_pktmbuf_tailroom(m), ri);
	if (n < 0 || rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		rte_pktmbuf_free(m);
		return n < 0 ? n : -ENOSPC;
	}
	if (s->tls != NULL)
		return stream_tls_send(s, m, now);
	if (tusk_tcp_send(s->conn, &m, now) != n || m != NULL) {
		rte_pktmbuf_free(m);
		return -EPIPE;
	}
	return 0;
}

/* Send the next request on the connection, or close it when there is no
 * work left for it. */
static void
stream_request(struct fetch_stream *s, uint64_t now)
{
	struct tusk_http_req_info ri = {
		.method = TUSK_HTTP_GET,
		.target = s->x->u.target,
		.host = s->x->u.authority,
		.extra = s->x->extra,
		.bearer = s->x->token,
	};
	int ret;

	if (s->kind == STREAM_PROBE) {
		ri.method = TUSK_HTTP_HEAD;
		fetch_verify_want(s->x, &ri);
	} else if (!stream_assign(s)) {
		fetch_stream_close(s, false, now);
		return;
	} else if (s->kind == STREAM_RANGE) {
		ri.has_range = true;
		ri.range_first = s->off;
		ri.range_last = s->off + s->len - 1;
	}
	if (s->kind != STREAM_PROBE) {
		ret = stream_writer(s, s->off);
		if (ret < 0) {
			stream_fail(s, now, "cannot write %s: %s", s->x->part,
				    strerror(-ret));
			return;
		}
	}
	ret = stream_send_head(s, &ri, now);
	if (ret < 0) {
		stream_fail(s, now, "cannot send the request: %s",
			    strerror(-ret));
		return;
	}
	s->phase = STREAM_HEAD;
	s->head_len = 0;
	s->since = now;
}

/* ----------------------------------------------------------- response */

/* Do the response's validators still name the probed source? */
static bool
same_source(const struct fetch_stream *s, const struct tusk_http_resp *r)
{
	const struct tusk_fetch_source *src = &s->x->src;

	if (r->etag[0] != '\0' && strcmp(r->etag, src->etag) != 0)
		return false;
	if (r->last_modified[0] != '\0' &&
	    strcmp(r->last_modified, src->last_modified) != 0)
		return false;
	return true;
}

/* A 206 must be exactly the range asked for, of a file of the probed
 * size (RFC 9110 14.4). */
static int
check_partial(struct fetch_stream *s, const struct tusk_http_resp *r,
	      uint64_t now)
{
	if (!r->has_content_range || r->range_first != s->off ||
	    r->range_last != s->off + s->len - 1 ||
	    (r->has_content_length && r->content_length != s->len)) {
		stream_fail(s, now, "server answered bytes %" PRIu64 "-%"
			    PRIu64 " to a request for %" PRIu64 "-%" PRIu64,
			    r->range_first, r->range_last, s->off,
			    s->off + s->len - 1);
		return -1;
	}
	if (r->range_size != s->x->src.size || !same_source(s, r)) {
		fetch_xfer_source_changed(s->x, "the server's file changed "
					  "(size or validators)", now);
		return -1;
	}
	return 0;
}

/* The server ignored our Range: this stream takes the whole body in
 * order, the others stop (fetch_xfer_no_ranges). */
static int
stream_go_full(struct fetch_stream *s, uint64_t now)
{
	int ret;

	span_drop(s);
	writer_close(s); /* its blocks are recorded before they are reset */
	fetch_xfer_no_ranges(s->x, s, now);
	s->kind = STREAM_FULL;
	stream_assign(s);
	ret = stream_writer(s, 0);
	if (ret < 0) {
		stream_fail(s, now, "cannot write %s: %s", s->x->part,
			    strerror(-ret));
		return -1;
	}
	return 0;
}

/* A 200 is the whole file: to a range request it means the server
 * ignores Range (RFC 9110 14.2 allows it). */
static int
check_full(struct fetch_stream *s, const struct tusk_http_resp *r,
	   uint64_t now)
{
	if (!r->has_content_length) {
		fetch_xfer_stream_failed(s->x, true, now, "server sent no "
					 "Content-Length (chunked bodies are "
					 "not fetched)");
		return -1;
	}
	if (r->content_length != s->x->src.size || !same_source(s, r)) {
		fetch_xfer_source_changed(s->x, "the server's file changed "
					  "(size or validators)", now);
		return -1;
	}
	if (s->kind == STREAM_RANGE)
		return stream_go_full(s, now);
	return 0;
}

/* Act on a final response head; 0 when a body follows. */
static int
stream_response(struct fetch_stream *s, const struct tusk_http_resp *r,
		uint64_t now)
{
	int st = r->status;

	s->keep_alive = r->keep_alive;
	if (s->kind == STREAM_PROBE) {
		struct fetch_xfer *x = s->x;

		fetch_stream_close(s, false, now);
		fetch_xfer_probed(x, r, now);
		return -1;
	}
	if (st == 206)
		return check_partial(s, r, now);
	if (st == 200)
		return check_full(s, r, now);
	if (st == 416) {
		fetch_xfer_source_changed(s->x, "server answered 416: the "
					  "file is shorter now", now);
		return -1;
	}
	if (st >= 500)
		stream_fail(s, now, "server answered %d %s", st,
			    tusk_http_reason(st));
	else
		fetch_xfer_stream_failed(s->x, true, now, "server answered "
					 "%d %s", st, tusk_http_reason(st));
	return -1;
}

/* Copy up to len bytes of the chain into buf. */
static void
chain_copy(const struct rte_mbuf *m, char *buf, uint32_t len)
{
	while (m != NULL && len > 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len, len);

		memcpy(buf, rte_pktmbuf_mtod(m, const char *), n);
		buf += n;
		len -= n;
		m = m->next;
	}
}

/* Head bytes into the head buffer; returns what of m is body (NULL when
 * nothing is, or the stream ended). 1xx heads are skipped (RFC 9110
 * 15.2: a client must accept them). */
static struct rte_mbuf *
head_in(struct fetch_stream *s, struct rte_mbuf *m, uint64_t now)
{
	struct tusk_http_resp r;

	for (;;) {
		uint32_t room = TUSK_HTTP_HEAD_MAX - s->head_len;
		uint32_t n = RTE_MIN(m->pkt_len, room), used;
		int hl;

		chain_copy(m, s->head + s->head_len, n);
		hl = tusk_http_resp_parse(s->head, s->head_len + n, &r);
		if (hl == 0 && s->head_len + n < TUSK_HTTP_HEAD_MAX) {
			s->head_len += n;
			break;
		}
		if (hl <= 0) {
			stream_fail(s, now, "malformed response head from "
				    "the server (%d)", -hl);
			break;
		}
		used = (uint32_t)hl - s->head_len;
		s->head_len = 0;
		if (r.status >= 200) {
			if (stream_response(s, &r, now) < 0)
				break;
			s->phase = STREAM_BODY;
			if (used == m->pkt_len)
				break;
			return tusk_tcp_mbuf_trim_front(m, used);
		}
		if (used == m->pkt_len)
			break;
		m = tusk_tcp_mbuf_trim_front(m, used);
	}
	rte_pktmbuf_free(m);
	return NULL;
}

/* --------------------------------------------------------------- body */

/* The blocks in ended[] are complete in what the writer was given:
 * have them written (and their write-back started), and record them
 * once they are (stream_reap). */
static int
blocks_written(struct fetch_stream *s, const uint32_t *blk,
	       const uint32_t *crc, const uint32_t *adler, unsigned int n)
{
	const struct tusk_fetch_sched *sc = &s->x->sched;
	unsigned int i;
	int ret;

	if (n == 0)
		return stream_reap(s);
	for (i = 0; i < n; i++)
		tusk_file_writer_writeback(s->w,
					   tusk_fetch_sched_block_off(sc, blk[i]),
					   tusk_fetch_sched_block_len(sc, blk[i]));
	ret = tusk_file_writer_flush(s->w);
	if (ret == 0 && s->pend_n + n > FETCH_STREAM_PEND_MAX)
		ret = tusk_file_writer_drain(s->w);
	if (ret == 0)
		pend_done(s);
	for (i = 0; ret == 0 && i < n; i++) {
		struct fetch_pend *p = &s->pend[(s->pend_head + s->pend_n++) %
						FETCH_STREAM_PEND_MAX];

		p->blk = blk[i];
		p->crc = crc[i];
		p->adler = adler[i];
		p->until = tusk_file_writer_added(s->w);
	}
	return ret == 0 ? stream_reap(s) : ret;
}

/* The whole span is here: next request, or close. */
static void
body_complete(struct fetch_stream *s, uint64_t now)
{
	span_drop(s);
	s->phase = STREAM_KEEP;
	if (s->kind == STREAM_RANGE && s->keep_alive && !s->peer_done)
		stream_request(s, now);
	else
		fetch_stream_close(s, false, now);
}

static void
body_in(struct fetch_stream *s, struct rte_mbuf *m, uint64_t now)
{
	const struct tusk_fetch_sched *sc = &s->x->sched;
	uint32_t ended_blk[STREAM_ENDED_MAX], ended_crc[STREAM_ENDED_MAX];
	uint32_t ended_adler[STREAM_ENDED_MAX];
	bool adler = s->x->fold_algs & TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32);
	uint32_t pos = 0, mlen, n_ended = 0;
	int ret;

	if (m->pkt_len > s->len - s->got) {
		/* more than Content-Length: do not reuse the connection */
		tusk_tcp_mbuf_trim_back(m, (uint32_t)(s->len - s->got));
		s->keep_alive = false;
	}
	mlen = m->pkt_len;
	while (pos < mlen) {
		uint64_t at = s->off + s->got;
		uint64_t end = tusk_fetch_sched_block_off(sc, s->blk) +
			       tusk_fetch_sched_block_len(sc, s->blk);
		uint32_t take = (uint32_t)RTE_MIN((uint64_t)(mlen - pos),
						  end - at);

		s->blk_crc = tusk_crc32c_mbuf(m, pos, take, s->blk_crc);
		if (adler)
			s->blk_adler = tusk_adler32_mbuf(m, pos, take,
							 s->blk_adler);
		pos += take;
		s->got += take;
		if (at + take == end) {
			if (n_ended == STREAM_ENDED_MAX) {
				rte_pktmbuf_free(m);
				stream_fail(s, now, "segment of %u bytes "
					    "spans too many blocks", mlen);
				return;
			}
			ended_blk[n_ended] = s->blk;
			ended_adler[n_ended] = s->blk_adler;
			ended_crc[n_ended++] = s->blk_crc;
			s->blk++;
			s->blk_crc = 0;
			s->blk_adler = TUSK_ADLER32_INIT;
		}
	}
	s->x->bytes_fetched += mlen;
	ret = tusk_file_writer_add(s->w, m);
	if (ret == 0)
		ret = blocks_written(s, ended_blk, ended_crc, ended_adler,
				     n_ended);
	if (ret < 0) {
		fetch_xfer_stream_failed(s->x, true, now, "cannot write %s: "
					 "%s", s->x->part, strerror(-ret));
		return;
	}
	if (s->got == s->len)
		body_complete(s, now);
}

/* ---------------------------------------------------------- callbacks */

static void
stream_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct fetch_stream *s = arg;

	s->peer_done = false;
	stream_request(s, now);
}

/* Response bytes (from TCP, or decrypted): head, then body. */
static void
stream_plain(struct fetch_stream *s, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = m->pkt_len;

	if (s->phase == STREAM_HEAD)
		m = head_in(s, m, now);
	if (m == NULL)
		return;
	if (s->phase == STREAM_BODY) {
		body_in(s, m, now);
		return;
	}
	rte_pktmbuf_free(m);
	stream_fail(s, now, "%u bytes from the server with no request "
		    "outstanding", len);
}

static uint32_t
stream_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	    uint64_t now)
{
	struct fetch_stream *s = arg;
	uint32_t len = m->pkt_len;

	s->since = now;
	stream_plain(s, m, now);
	return len;
}

static void
stream_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct fetch_stream *s = arg;
	char peer[TUSK_HTTP_HOST_MAX + 8];

	s->peer_done = true;
	if (s->phase == STREAM_KEEP) {
		fetch_stream_close(s, false, now);
	} else if (s->phase == STREAM_BODY) {
		stream_fail(s, now, "%s closed the connection after %" PRIu64
			    " of %" PRIu64 " bytes", peer_name(s, peer,
			    sizeof(peer)), s->got, s->len);
	} else {
		stream_fail(s, now, "%s closed the connection without an "
			    "answer", peer_name(s, peer, sizeof(peer)));
	}
}

static void
stream_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct fetch_stream *s = arg;
	char peer[TUSK_HTTP_HOST_MAX + 8];
	bool was_connecting = s->phase == STREAM_CONNECTING;

	s->conn = NULL; /* gone: nothing to close */
	peer_name(s, peer, sizeof(peer));
	if (err == -ECONNREFUSED)
		stream_fail(s, now, "connection refused by %s", peer);
	else if (err == -ECONNRESET)
		stream_fail(s, now, "connection reset by %s", peer);
	else if (err == -ETIMEDOUT)
		stream_fail(s, now, "%s to %s timed out", was_connecting ?
			    "connecting" : "connection", peer);
	else if (s->phase != STREAM_KEEP && s->phase != STREAM_IDLE)
		stream_fail(s, now, "connection to %s closed", peer);
	else
		fetch_stream_close(s, false, now);
}

static const struct tusk_tcp_ops stream_ops = {
	.connected = stream_connected,
	.recv = stream_recv,
	.peer_closed = stream_peer_closed,
	.closed = stream_closed,
};

/* ------------------------------------------------------------ https */

/* TCP is up: the ClientHello goes out; the request waits for the
 * handshake (stream_tls_pull). */
static void
stream_tls_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct fetch_stream *s = arg;
	struct tusk_tls_ctx *ctx = s->x->f->conf.tls;

	s->peer_done = false;
	if (ctx == NULL) {
		fetch_stream_close(s, true, now);
		fetch_xfer_stream_failed(s->x, true, now, "https: tuskd has "
					 "no TLS client context (tls_ca)");
		return;
	}
	s->tls = tusk_tls_conn_new(ctx, s->x->f->env.data_pool,
				   s->x->u.host);
	if (s->tls == NULL || stream_tls_push(s, now) < 0)
		stream_fail(s, now, "cannot start TLS with %s",
			    s->x->u.host);
}

/* The handshake or a record failed. */
static void
stream_tls_failed(struct fetch_stream *s, uint64_t now)
{
	char peer[TUSK_HTTP_HOST_MAX + 8];
	char why[TUSK_TLS_ERR_MAX];
	bool cert = tusk_tls_cert_rejected(s->tls);

	snprintf(why, sizeof(why), "%s", tusk_tls_error(s->tls));
	peer_name(s, peer, sizeof(peer));
	if (!cert) {
		stream_fail(s, now, "TLS with %s: %s", peer, why);
		return;
	}
	fetch_stream_close(s, true, now);
	fetch_xfer_stream_failed(s->x, true, now, "TLS with %s: %s", peer,
				 why);
}

/* Decrypt what came, a chain at a time, into the plaintext path; the
 * first request goes once the handshake is done. */
static void
stream_tls_pull(struct fetch_stream *s, struct tusk_tcp_conn *c,
		uint64_t now)
{
	uint64_t used = 0;
	int64_t n;

	do {
		struct rte_mbuf *plain = NULL;

		n = tusk_tls_read(s->tls, &plain, STREAM_TLS_CHAIN_MAX, &used);
		if (stream_tls_push(s, now) < 0 && n >= 0) {
			rte_pktmbuf_free(plain);
			stream_fail(s, now, "connection to %s lost",
				    s->x->u.host);
			return;
		}
		if (s->phase == STREAM_CONNECTING && tusk_tls_ready(s->tls))
			stream_request(s, now);
		if (n > 0 && s->conn == c)
			stream_plain(s, plain, now);
		else
			rte_pktmbuf_free(plain);
	} while (n > 0 && s->conn == c && s->tls != NULL);
	if (s->conn != c || s->tls == NULL)
		return; /* closed on the way */
	if (n == -EPROTO)
		stream_tls_failed(s, now);
	else if (n == -EPIPE)
		stream_peer_closed(c, s, now); /* close_notify */
}

static uint32_t
stream_tls_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
		uint64_t now)
{
	struct fetch_stream *s = arg;
	uint32_t len = m->pkt_len;

	s->since = now;
	if (s->tls == NULL) {
		rte_pktmbuf_free(m);
		return len;
	}
	tusk_tls_input(s->tls, m);
	stream_tls_pull(s, c, now);
	return len;
}

static const struct tusk_tcp_ops stream_tls_ops = {
	.connected = stream_tls_connected,
	.recv = stream_tls_recv,
	.peer_closed = stream_peer_closed,
	.closed = stream_closed,
};

/* ----------------------------------------------------------- lifetime */

int
fetch_stream_open(struct fetch_stream *s, uint64_t now)
{
	struct fetch_xfer *x = s->x;
	char peer[TUSK_HTTP_HOST_MAX + 8];
	int ret;

	if (s->head == NULL) {
		s->head = malloc(TUSK_HTTP_HEAD_MAX);
		if (s->head == NULL)
			return -ENOMEM;
	}
	s->phase = STREAM_CONNECTING;
	s->since = now;
	s->count = 0;
	ret = tusk_tcp_connect(x->f->env.st, &x->dst, x->u.port,
			       x->u.tls ? &stream_tls_ops : &stream_ops, s,
			       NULL, now, &s->conn);
	if (ret == 0)
		return 0;
	s->conn = NULL;
	peer_name(s, peer, sizeof(peer));
	if (ret == -ENETUNREACH) {
		/* no port's subnet and no gateway: waiting will not help */
		fetch_stream_close(s, true, now);
		fetch_xfer_stream_failed(x, true, now, "no route to %s (not on "
					 "a port's subnet, no gateway)", peer);
	} else {
		stream_fail(s, now, "cannot connect to %s: %s", peer,
			    strerror(-ret));
	}
	return ret;
}

void
fetch_stream_close(struct fetch_stream *s, bool abort, uint64_t now)
{
	uint32_t b;

	/* bytes of a block not complete are of no use: the block is
	 * fetched again from its start */
	for (b = s->blk; s->count > 0 && b < s->first + s->count; b++)
		tusk_fetch_sched_release(&s->x->sched, b);
	span_drop(s);
	writer_close(s);
	if (s->tls != NULL) {
		if (!abort && s->conn != NULL) {
			tusk_tls_close_notify(s->tls);
			(void)stream_tls_push(s, now);
		}
		tusk_tls_conn_free(s->tls);
		s->tls = NULL;
	}
	if (s->conn != NULL) {
		if (abort)
			tusk_tcp_abort(s->conn, now);
		else
			tusk_tcp_close(s->conn, now);
		s->conn = NULL;
	}
	s->phase = STREAM_IDLE;
}

static void
stream_fail(struct fetch_stream *s, uint64_t now, const char *fmt, ...)
{
	char reason[TUSK_FETCH_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fetch_stream_close(s, true, now);
	fetch_xfer_stream_failed(s->x, false, now, "%s", reason);
}

bool
fetch_stream_timers(struct fetch_stream *s, uint64_t now)
{
	const struct tusk_fetch_conf *conf = &s->x->f->conf;
	char peer[TUSK_HTTP_HOST_MAX + 8];

	/* runs every loop iteration: the peer's name is formatted only for
	 * a failure (an snprintf per stream per iteration took 15-30% of a
	 * fetching lcore, perf in README "Files at network speed") */
	if (s->phase == STREAM_IDLE)
		return false;
	if (stream_reap(s) < 0) {
		fetch_xfer_stream_failed(s->x, true, now, "cannot write %s: "
					 "%s", s->x->part,
					 strerror(-tusk_file_writer_error(s->w)));
		return true;
	}
	/* ciphertext left when the pool was empty */
	if (s->tls != NULL && tusk_tls_input_bytes(s->tls) > 0)
		stream_tls_pull(s, s->conn, now);
	if (s->phase == STREAM_IDLE)
		return true;
	if (s->phase == STREAM_CONNECTING &&
	    now - s->since > conf->connect_ns) {
		stream_fail(s, now, "no answer from %s within %" PRIu64 " s",
			    peer_name(s, peer, sizeof(peer)),
			    conf->connect_ns / FETCH_NS_PER_S);
		return true;
	}
	if (s->phase != STREAM_CONNECTING && now - s->since > conf->idle_ns) {
		stream_fail(s, now, "no data from %s for %" PRIu64 " s",
			    peer_name(s, peer, sizeof(peer)),
			    conf->idle_ns / FETCH_NS_PER_S);
		return true;
	}
	return false;
}

uint64_t
fetch_stream_partial(const struct fetch_stream *s)
{
	if (s->phase != STREAM_BODY || s->blk >= s->x->sched.n_blocks)
		return 0;
	return s->off + s->got -
	       tusk_fetch_sched_block_off(&s->x->sched, s->blk);
}
