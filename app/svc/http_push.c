/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The push client (http_push.h): one PUT of a local file.
 *
 *   tusk_push_start() -> tusk_tcp_connect()
 *   on_connected()    -> http: send_head() -> pump()
 *                        https: tls_start() (ClientHello; the server's
 *                        certificate verified against tls_ca, its name
 *                        checked) ... tls_recv() -> handshake done ->
 *                        send_head() -> pump()
 *   on_writable(), tusk_push_poll() -> pump() -> body_chunk(), out():
 *                        plaintext to TCP, or through tusk_tls_write()
 *                        and its ciphertext to TCP
 *   on_recv(), tls_recv() -> head_in() -> tusk_http_resp_parse()
 *                        -> response() -> finish()
 *   on_peer_closed(), on_closed(), timers -> finish() with a reason
 *
 * With verify (RequireChecksumVerification), tusk_push_start() also
 * hands the file to the digest workers (adler32, md5, sha-256 in one
 * read, kept ones taken as they are), and a 2xx to the PUT is followed,
 * on the same connection, by a HEAD with Want-Repr-Digest and
 * Want-Digest (ask()); its answer's digests are compared with ours
 * (compare()): every algorithm both have must match, and there must be
 * one. A destination that closes after its PUT answer, or answers with a
 * chunked body, cannot be asked: the copy fails, as one that offers no
 * digest does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "addr.h"
#include "digest.h"
#include "digest_ctx.h"
#include "file_read.h"
#include "http_msg.h"
#include "http_push.h"
#include "http_url.h"
#include "root.h"
#include "tcp_api.h"
#include "tls.h"

/* File bytes read into mbufs per read (the server's HS_SEND_CHUNK). */
#define PUSH_CHUNK (1u << 20)
/* A read of pages not cached yet is retried after this (readahead runs
 * meanwhile; the server's HS_COLD_RETRY_NS). */
#define PUSH_COLD_RETRY_NS (200 * 1000ull)
#define PUSH_REASON_MAX 256
/* TCP send buffer of a push: what it holds of the payload pool, sent and
 * unacknowledged. TCP's default (1 GiB, for the fattest path) would let
 * one push read the whole file into mbufs and starve every connection of
 * the lcore; 16 MiB fills 10 Gbit/s at 13 ms of RTT. */
#define PUSH_SND_BUF (16u << 20)
/* What a verified push compares: what grid storage offers (adler32,
 * FTS's default; md5; sha-256, tusk's and RFC 9530's). */
#define PUSH_VERIFY_ALGS (TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32) | \
	TUSK_DIGEST_BIT(TUSK_DIGEST_MD5) | TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256))
/* Plaintext decrypted per call: the response head is all we read. */
#define PUSH_TLS_READ_MAX TUSK_HTTP_HEAD_MAX

struct tusk_push {
	const struct tusk_svc_env *env;
	struct tusk_http_url u;
	struct tusk_tcp_conn *c;
	int fd;
	uint64_t size, off;       /* body: file bytes [0, size), sent to off */
	bool has_sha;
	struct tusk_digests kept; /* the file's kept sha-256, if any */
	char *extra;
	struct rte_mbuf *out;     /* read, not yet taken by TCP (or TLS) */
	struct tusk_tls_ctx *tls_ctx; /* https: the caller's */
	struct tusk_tls_conn *tls;    /* https: once TCP is up */
	bool connected, blocked;
	/* verify: our digests (a job), then the destination's (HEAD) */
	bool verify, asking, theirs_in;
	struct tusk_digest_job *job;
	struct tusk_digests theirs;
	uint64_t skip;            /* the PUT answer's body, not a head */
	uint64_t since;           /* connect, or the last progress */
	uint64_t retry_at;
	int rc;                   /* -EAGAIN running, 0 done, -errno */
	char why[PUSH_REASON_MAX];
	uint32_t head_len;
	char head[TUSK_HTTP_HEAD_MAX];
};

static void finish(struct tusk_push *p, int rc, uint64_t now,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The push ends: the connection goes (aborted unless it succeeded). */
static void
finish(struct tusk_push *p, int rc, uint64_t now, const char *fmt, ...)
{
	va_list ap;

	if (p->rc != -EAGAIN)
		return;
	p->rc = rc;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	if (p->c != NULL) {
		tusk_tcp_conn_set_arg(p->c, NULL);
		if (rc == 0 && p->tls != NULL) {
			tusk_tls_close_notify(p->tls);
			if (tusk_tls_flush(p->tls) == 0)
				(void)tusk_tcp_send(p->c, tusk_tls_out(p->tls),
						    now);
		}
		if (rc == 0)
			tusk_tcp_close(p->c, now);
		else
			tusk_tcp_abort(p->c, now);
	}
	p->c = NULL;
	rte_pktmbuf_free(p->out);
	p->out = NULL;
}

/* The PUT's head, or (ask) the HEAD asking for the destination's
 * digests, into p->out. */
static int
send_head(struct tusk_push *p, uint64_t now)
{
	struct tusk_http_req_info ri = {
		.method = p->asking ? TUSK_HTTP_HEAD : TUSK_HTTP_PUT,
		.target = p->u.target, .host = p->u.authority,
		.has_content_length = !p->asking, .content_length = p->size,
		.extra = p->extra,
		.digest = !p->asking && p->has_sha ?
			  p->kept.v[TUSK_DIGEST_SHA256] : NULL,
		.want_repr_algs = p->asking ? PUSH_VERIFY_ALGS : 0,
		.want_legacy_algs = p->asking ? PUSH_VERIFY_ALGS : 0,
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->env->data_pool);
	int n;

	if (m == NULL)
		return -ENOBUFS;
	n = tusk_http_req_head(rte_pktmbuf_mtod(m, char *),
			       rte_pktmbuf_tailroom(m), &ri);
	if (n < 0 || rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		rte_pktmbuf_free(m);
		return n < 0 ? n : -ENOSPC;
	}
	p->out = m; /* sent ahead of the body by pump() */
	return 0;
}

/* The next file bytes into p->out; false to stop pumping for now. */
static bool
body_chunk(struct tusk_push *p, uint64_t now)
{
	uint64_t left = p->size - p->off;
	uint32_t len = left < PUSH_CHUNK ? (uint32_t)left : PUSH_CHUNK;
	uint32_t room = tusk_tcp_send_space(p->c);
	int64_t n;

	/* full: the next poll looks again (writable() is promised only
	 * after a send() that took less, and none was made) */
	if (room == 0)
		return false;
	if (len > room)
		len = room;
	n = tusk_file_read_mbufs_flags(p->fd, p->off, len, p->env->data_pool,
				       &p->out, NULL, TUSK_FILE_READ_NOWAIT);
	if (n == -ENOBUFS)
		return false; /* the next poll, as mbufs come back */
	if (n == -EAGAIN) {
		p->retry_at = now + PUSH_COLD_RETRY_NS;
		return false;
	}
	if (n <= 0) {
		finish(p, n == 0 ? -EIO : (int)n, now, "reading the file at "
		       "%lu: %s", (unsigned long)p->off,
		       n == 0 ? "it shrank" : strerror((int)-n));
		return false;
	}
	p->off += (uint64_t)n;
	return true;
}

/* Ciphertext waiting to TCP: 0, 1 when TCP left some (writable()
 * calls back), or -errno. What the write BIO still holds (tusk_tls_
 * write() leaves it there when the pool was empty) is moved to mbufs
 * first: every poll comes here (pump), so the last record of the body
 * cannot stay behind. */
static int
tls_push(struct tusk_push *p, uint64_t now)
{
	struct rte_mbuf **c = tusk_tls_out(p->tls);
	int64_t took;

	(void)tusk_tls_flush(p->tls); /* -ENOBUFS: the next poll again */
	if (*c == NULL)
		return 0;
	took = tusk_tcp_send(p->c, c, now);
	if (took < 0)
		return (int)took;
	if (took > 0)
		p->since = now;
	return *c != NULL;
}

/* p->out to TCP, through TLS for https: the bytes taken (0: none now,
 * p->blocked says whether writable() calls back), or -errno. */
static int64_t
out(struct tusk_push *p, uint64_t now)
{
	int64_t took;
	int rc;

	if (p->tls == NULL) {
		took = tusk_tcp_send(p->c, &p->out, now);
		if (took >= 0 && p->out != NULL)
			p->blocked = true;
		return took;
	}
	rc = tls_push(p, now); /* what is queued goes first */
	if (rc != 0) {
		p->blocked = rc > 0;
		return rc > 0 ? 0 : rc;
	}
	took = tusk_tls_write(p->tls, &p->out);
	if (took < 0)
		return -EPROTO;
	rc = tls_push(p, now);
	if (rc < 0)
		return rc;
	/* TCP full (it calls back), or TLS took nothing with nothing
	 * queued: the pool is empty, the next poll tries again */
	p->blocked = rc > 0;
	return took == 0 && rc == 0 ? -EAGAIN : took;
}

static void
pump(struct tusk_push *p, uint64_t now)
{
	int64_t took;
	int rc;

	/* https: ciphertext left in the BIO or unsent goes first, even
	 * when the whole body was written to TLS */
	if (p->tls != NULL && p->rc == -EAGAIN && p->connected &&
	    !p->blocked) {
		rc = tls_push(p, now);
		if (rc < 0) {
			finish(p, rc, now, "sending: %s", strerror(-rc));
			return;
		}
		p->blocked = rc > 0;
	}
	while (p->rc == -EAGAIN && p->connected && !p->blocked &&
	       now >= p->retry_at) {
		if (p->out == NULL) {
			if (p->off >= p->size || !body_chunk(p, now))
				return;
			continue;
		}
		took = out(p, now);
		if (took == -EAGAIN)
			return;
		if (took == -EPROTO) {
			finish(p, -EPROTO, now, "TLS with %s: %s",
			       p->u.authority, tusk_tls_error(p->tls));
			return;
		}
		if (took < 0) {
			finish(p, (int)took, now, "sending: %s",
			       strerror((int)-took));
			return;
		}
		if (took > 0)
			p->since = now;
		if (p->out != NULL && p->blocked)
			return; /* writable() calls back */
	}
}

static void
on_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct tusk_push *p = arg;
	int rc;

	if (p == NULL)
		return;
	p->connected = true;
	p->since = now;
	rc = send_head(p, now);
	if (rc < 0) {
		finish(p, rc, now, "cannot build the request: %s",
		       strerror(-rc));
		return;
	}
	pump(p, now);
}

/* Both digests known: the push ends, verified or not. */
static void
compare(struct tusk_push *p, uint64_t now)
{
	struct tusk_digests ours;
	unsigned int both;
	int rc = tusk_digest_job_poll(p->job, &ours);
	char a[TUSK_DIGEST_HEXLEN], b[TUSK_DIGEST_HEXLEN];

	if (rc == -EAGAIN)
		return; /* tusk_push_poll() looks again */
	if (rc < 0) {
		finish(p, rc, now, "RequireChecksumVerification: cannot "
		       "compute the file's checksum: %s", strerror(-rc));
		return;
	}
	both = ours.have & p->theirs.have & PUSH_VERIFY_ALGS;
	if (both == 0) {
		finish(p, -EBADMSG, now, "RequireChecksumVerification: the "
		       "destination offered no checksum (Repr-Digest or "
		       "Digest: adler32, md5, sha-256)");
		return;
	}
	for (int i = 0; i < TUSK_DIGEST_ALGS; i++) {
		if (!(both & TUSK_DIGEST_BIT(i)) ||
		    memcmp(ours.v[i], p->theirs.v[i], tusk_digest_len(i)) == 0)
			continue;
		tusk_digest_hex(&p->theirs, i, a);
		tusk_digest_hex(&ours, i, b);
		finish(p, -EBADMSG, now, "checksum mismatch: %s %s at the "
		       "destination, %s here", tusk_digest_name(i), a, b);
		return;
	}
	finish(p, 0, now, "verified");
}

/* The PUT was taken: ask for the destination's digests (verify). */
static void
ask(struct tusk_push *p, const struct tusk_http_resp *r, uint64_t now)
{
	int rc;

	if (!r->keep_alive || r->chunked) {
		finish(p, -EPROTO, now, "RequireChecksumVerification: the "
		       "destination %s after its %d: cannot ask for its "
		       "checksum", r->chunked ? "sent a chunked body" :
		       "closes the connection", r->status);
		return;
	}
	p->skip = r->has_content_length ? r->content_length : 0;
	p->asking = true;
	rc = send_head(p, now);
	if (rc < 0) {
		finish(p, rc, now, "cannot build the HEAD: %s", strerror(-rc));
		return;
	}
	pump(p, now);
}

/* A complete response head: 1xx skipped, else the push ends (or, with
 * verify, asks for the destination's digests and compares them). */
static void
response(struct tusk_push *p, const struct tusk_http_resp *r, int len,
	 uint64_t now)
{
	memmove(p->head, p->head + len, p->head_len - (uint32_t)len);
	p->head_len -= (uint32_t)len;
	if (r->status < 200)
		return;
	if (p->asking) {
		if (r->status != 200) {
			finish(p, -EREMOTEIO, now, "destination answered "
			       "the HEAD after the PUT with %d %s", r->status,
			       tusk_http_reason(r->status));
			return;
		}
		p->theirs = r->digests;
		p->theirs_in = true;
		compare(p, now);
		return;
	}
	if (r->status >= 300)
		finish(p, -EREMOTEIO, now, "destination answered %d %s",
		       r->status, tusk_http_reason(r->status));
	else if (p->off < p->size || p->out != NULL)
		finish(p, -EREMOTEIO, now, "destination answered %d before "
		       "the whole body", r->status);
	else if (p->verify)
		ask(p, r, now);
	else
		finish(p, 0, now, "%d", r->status);
}

/* Response bytes (plaintext, the chain is ours) into the head. */
static void
head_in(struct tusk_push *p, struct rte_mbuf *m, uint64_t now)
{
	struct tusk_http_resp r;
	int n;

	for (struct rte_mbuf *s = m; p != NULL && s != NULL; s = s->next) {
		uint32_t k = RTE_MIN((uint32_t)s->data_len,
				     (uint32_t)sizeof(p->head) - p->head_len);

		memcpy(p->head + p->head_len, rte_pktmbuf_mtod(s, char *), k);
		p->head_len += k;
	}
	rte_pktmbuf_free(m);
	while (p != NULL && p->rc == -EAGAIN) {
		p->since = now;
		if (p->skip > 0) {
			uint32_t k = (uint32_t)RTE_MIN(p->skip,
						       (uint64_t)p->head_len);

			memmove(p->head, p->head + k, p->head_len - k);
			p->head_len -= k;
			p->skip -= k;
			if (p->skip > 0)
				break;
		}
		n = tusk_http_resp_parse(p->head, p->head_len, &r);
		if (n == 0)
			break;
		if (n < 0) {
			finish(p, -EPROTO, now, "bad response head (%d)", -n);
			break;
		}
		response(p, &r, n, now);
	}
}

static uint32_t
on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	uint64_t now)
{
	struct tusk_push *p = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	head_in(p, m, now);
	return len;
}

static void
on_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct tusk_push *p = arg;

	if (p == NULL)
		return;
	p->blocked = false;
	pump(p, now);
}

static void
on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct tusk_push *p = arg;

	if (p != NULL)
		finish(p, -ECONNRESET, now, "destination closed the "
		       "connection before answering");
}

static void
on_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct tusk_push *p = arg;

	if (p == NULL)
		return;
	p->c = NULL;
	finish(p, err < 0 ? err : -ECONNRESET, now, "connection to %s: %s",
	       p->u.authority, err < 0 ? strerror(-err) : "closed");
}

static const struct tusk_tcp_ops push_ops = {
	.connected = on_connected,
	.recv = on_recv,
	.writable = on_writable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* ------------------------------------------------------------ https */

/* TCP is up: the ClientHello goes out; the request waits for the
 * handshake (tls_recv). */
static void
tls_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct tusk_push *p = arg;

	if (p == NULL)
		return;
	p->since = now;
	p->tls = tusk_tls_conn_new(p->tls_ctx, p->env->data_pool, p->u.host);
	if (p->tls == NULL || tusk_tls_flush(p->tls) < 0 ||
	    tls_push(p, now) != 0)
		finish(p, -ENOMEM, now, "cannot start TLS with %s",
		       p->u.authority);
}

/* Decrypt what came; the handshake's end starts the request. */
static uint32_t
tls_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	 uint64_t now)
{
	struct tusk_push *p = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *plain;
	uint64_t used = 0;
	int64_t n;

	if (p == NULL || p->tls == NULL) {
		rte_pktmbuf_free(m);
		return len;
	}
	tusk_tls_input(p->tls, m);
	do {
		plain = NULL;
		n = tusk_tls_read(p->tls, &plain, PUSH_TLS_READ_MAX, &used);
		if (n > 0)
			head_in(p, plain, now);
		else
			rte_pktmbuf_free(plain);
		if (p->rc == -EAGAIN && tls_push(p, now) < 0)
			finish(p, -EPIPE, now, "connection to %s lost",
			       p->u.authority);
		if (p->rc == -EAGAIN && !p->connected &&
		    tusk_tls_ready(p->tls))
			on_connected(c, p, now); /* the request, the body */
	} while (n > 0 && p->rc == -EAGAIN);
	if (p->rc == -EAGAIN && n == -EPROTO)
		finish(p, -EPROTO, now, "TLS with %s: %s", p->u.authority,
		       tusk_tls_error(p->tls));
	else if (p->rc == -EAGAIN && n == -EPIPE)
		on_peer_closed(c, p, now);
	return len;
}

static const struct tusk_tcp_ops push_tls_ops = {
	.connected = tls_connected,
	.recv = tls_recv,
	.writable = on_writable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* The file and what is sent of it; 0 or -errno. */
static int
open_file(struct tusk_push *p, const char *rel)
{
	struct stat st;

	p->fd = tusk_root_openat(p->env->root, rel, O_RDONLY, 0);
	if (p->fd < 0)
		return p->fd;
	if (fstat(p->fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EISDIR;
	p->size = (uint64_t)st.st_size;
	/* the kept digest, never computed here (the lcore polls) */
	p->has_sha = tusk_digest_lookup(p->fd,
					TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256),
					&p->kept) == 0;
	return 0;
}

int
tusk_push_start(const struct tusk_svc_env *env,
		const struct tusk_push_req *req, uint64_t now,
		struct tusk_push **out)
{
	struct tusk_tcp_conn_opts opts = { .snd_buf = PUSH_SND_BUF };
	struct tusk_push *p = calloc(1, sizeof(*p));
	struct tusk_addr dst;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	p->env = env;
	p->fd = -1;
	p->rc = -EAGAIN;
	p->since = now;
	rc = tusk_http_url_parse(req->url, &p->u);
	if (rc == 0 && !p->u.host_is_ipv4 && req->addr == 0)
		rc = -EINVAL;
	/* https without a client context (tls_ca) is refused, never sent
	 * in clear to its port */
	if (rc == 0 && p->u.tls && req->tls == NULL)
		rc = -EPROTONOSUPPORT;
	p->tls_ctx = req->tls;
	if (rc == 0)
		rc = open_file(p, req->rel);
	if (rc == 0 && req->extra != NULL &&
	    (p->extra = strdup(req->extra)) == NULL)
		rc = -ENOMEM;
	/* our digests, computed while the body goes (off the lcore) */
	p->verify = req->verify;
	if (rc == 0 && p->verify && env->digest == NULL)
		rc = -EOPNOTSUPP; /* no digest workers on this lcore */
	if (rc == 0 && p->verify &&
	    (p->job = tusk_digest_file(env->digest, p->fd,
				       PUSH_VERIFY_ALGS)) == NULL)
		rc = errno == EAGAIN ? -EBUSY : -errno;
	if (rc == 0) {
		dst = tusk_addr_v4(rte_cpu_to_be_32(p->u.host_is_ipv4 ?
						    p->u.ipv4 : req->addr));
		rc = tusk_tcp_connect(env->st, &dst, p->u.port,
				      p->u.tls ? &push_tls_ops : &push_ops, p,
				      &opts, now, &p->c);
	}
	if (rc < 0) {
		p->c = NULL;
		tusk_push_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void
tusk_push_poll(struct tusk_push *p, uint64_t now)
{
	if (p == NULL || p->rc != -EAGAIN)
		return;
	if (!p->connected && now - p->since > TUSK_PUSH_CONNECT_NS) {
		finish(p, -ETIMEDOUT, now, "connecting to %s timed out",
		       p->u.authority);
		return;
	}
	if (p->theirs_in) {
		compare(p, now); /* waiting for our own digest only */
		return;
	}
	if (p->connected && now - p->since > TUSK_PUSH_IDLE_NS) {
		finish(p, -ETIMEDOUT, now, "no progress for %llu s",
		       TUSK_PUSH_IDLE_NS / 1000000000ull);
		return;
	}
	pump(p, now);
}

int
tusk_push_state(const struct tusk_push *p, uint64_t *bytes, char *why,
		size_t len)
{
	uint64_t queued = p->out != NULL ? rte_pktmbuf_pkt_len(p->out) : 0;

	*bytes = p->off > queued ? p->off - queued : 0;
	if (p->rc != 0 && p->rc != -EAGAIN)
		snprintf(why, len, "%s", p->why);
	return p->rc;
}

void
tusk_push_free(struct tusk_push *p)
{
	if (p == NULL)
		return;
	if (p->c != NULL) {
		tusk_tcp_conn_set_arg(p->c, NULL);
		tusk_tcp_abort(p->c, 0);
	}
	rte_pktmbuf_free(p->out);
	tusk_tls_conn_free(p->tls);
	tusk_digest_job_free(p->job);
	if (p->fd >= 0)
		close(p->fd);
	free(p->extra);
	free(p);
}
