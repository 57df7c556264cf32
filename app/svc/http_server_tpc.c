/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * COPY on the file endpoint: WLCG HTTP third-party copy (app/http/
 * http_tpc.h has the wire rules), as FTS, gfal2 and davix-cp drive it.
 *
 *   hs_tpc_start() -> begin(): Source: pull_target() (a file name
 *                     under the root, not internal, parent there,
 *                     Overwrite: F and it exists: 412); Destination:
 *                     push_target() (a file)
 *                  -> an IPv4 literal: launch() now; a host name:
 *                     tusk_resolve_start() (resolve.h: getaddrinfo on a
 *                     thread of its own, never on this lcore)
 *                  -> 202, chunked, text/plain: HS_WAIT
 *   hs_tpc_poll()  -> a name being resolved: resolved() -> launch(), or
 *                     "failure: cannot resolve HOST: ..." (also after
 *                     TUSK_RESOLVE_WAIT_NS without an answer)
 *                  -> launch(): pull: tusk_fetch_start() (the fetch
 *                     client: parallel range streams, resume, SHA-256
 *                     checked against the source's Repr-Digest when it
 *                     offers one); push: tusk_push_start() (http_push.h:
 *                     one PUT)
 *                  -> every HS_TPC_LOOK_NS: the transfer's state; a
 *                     performance marker every TUSK_TPC_MARKER_S; at the
 *                     end "success: Created" or "failure: <reason>" and
 *                     the last chunk (the connection stays for more)
 *   hs_tpc_free()  -> the client went away: the transfer is cancelled
 *                     (a pull keeps its part and record: the next COPY
 *                     of the same target resumes it)
 *
 * What is refused before the 202 gets a status of its own: 400 (no
 * Source/Destination or both, a URL the clients cannot use: an https
 * one with no TLS client context on this lcore (the fetch client's,
 * verified against tls_ca), a bad X-Number-Of-Streams), 403 (the root, an
 * internal name, a directory), 404 (push of a missing file), 409 (no
 * parent directory, a pull of that target already running), 412
 * (Overwrite: F), 503 (no fetch client on this lcore, or its table full,
 * or TUSK_RESOLVE_INFLIGHT_MAX names being resolved). What goes wrong
 * after a name is resolved is a "failure:" line in the 202's body.
 *
 * RequireChecksumVerification: true makes a copy fail unless a checksum
 * was compared end to end: a pull needs the source's Repr-Digest (sha-256
 * here; a pulled file without one is removed again and the copy fails),
 * a push asks the destination for its digests after the PUT (HEAD with
 * Want-Repr-Digest and Want-Digest) and compares them with the file's
 * (http_push.h): a mismatch, or no digest offered, fails the copy. The
 * PUT carries our Repr-Digest when the file has one kept: tusk and
 * servers that check Repr-Digest refuse a body that does not match.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_fetch.h"
#include "http_push.h"
#include "http_server_priv.h"
#include "http_tpc.h"
#include "http_url.h"
#include "resolve.h"

/* The transfer's state is looked at this often (markers need seconds;
 * the end is seen within this). */
#define HS_TPC_LOOK_NS (50 * HS_NS_PER_MS)
/* Attempts in a row without progress before a pull fails: FTS retries
 * whole transfers itself, and its client waits on our answer; the fetch
 * client's own default (a minute of backoff) is for unattended fetches. */
#define HS_TPC_RETRY_MAX 3
#define HS_TPC_CONTENT_TYPE "text/plain"

struct hs_tpc {
	bool push;
	bool require_checksum;
	bool noreplace;           /* Overwrite: F */
	uint32_t streams;         /* X-Number-Of-Streams (pull) */
	uint32_t fetch_id;        /* pull */
	struct tusk_push *p;      /* push */
	struct tusk_resolve *res; /* the other end's name, being resolved */
	uint64_t resolve_until;
	char url[TUSK_HTTP_URL_MAX]; /* the other end: Source or Destination */
	char host[TUSK_HTTP_HOST_MAX];
	uint64_t next_look;
	uint64_t next_marker;
	char fwd[TUSK_FETCH_EXTRA_MAX]; /* TransferHeader fields, sent on */
};

void
hs_tpc_free(struct hs_conn *hc)
{
	struct hs_tpc *t = hc->tpc;
	struct tusk_fetch *f = hc->srv->conf.fetch;

	if (t == NULL)
		return;
	if (!t->push && t->fetch_id != 0 && f != NULL)
		tusk_fetch_cancel(f, t->fetch_id, false, hc->last_active);
	tusk_push_free(t->p);
	tusk_resolve_free(t->res);
	free(t);
	hc->tpc = NULL;
}

static void
refuse(struct hs_conn *hc, int status, const char *why, uint64_t now)
{
	HS_LOG(INFO, "COPY /%s: %d: %s\n", hc->rel, status, why);
	hs_tpc_free(hc);
	hs_respond_error(hc, status, now);
}

/* A field's value into out; false when absent (or too long: refused). */
static bool
field(struct hs_conn *hc, const char *name, char *out, size_t len)
{
	return tusk_http_head_field(hc->head, hc->req.head_len, name, out,
				    len) > 0;
}

/* The request's options into hc->tpc; 0 or the status to answer. */
static int
options(struct hs_conn *hc)
{
	struct hs_tpc *t = hc->tpc;
	char v[32];
	char *end;
	long n;

	t->streams = 0;
	if (field(hc, "X-Number-Of-Streams", v, sizeof(v))) {
		n = strtol(v, &end, 10);
		/* 0: the default (gfal2 sends its nbstreams, 0 unless set) */
		if (*end != '\0' || n < 0 || n > TUSK_FETCH_STREAMS_MAX)
			return 400;
		t->streams = (uint32_t)n;
	}
	/* Credential (gridsite delegation, which gfal2 names even when it
	 * has no proxy to delegate) is not looked at: tuskd never uses
	 * delegated credentials, only the TransferHeader fields */
	t->require_checksum = field(hc, "RequireChecksumVerification", v,
				    sizeof(v)) && strcasecmp(v, "true") == 0;
	t->noreplace = field(hc, "Overwrite", v, sizeof(v)) &&
		     strcasecmp(v, "F") == 0;
	if (tusk_tpc_forward(hc->head, hc->req.head_len, t->fwd,
			     sizeof(t->fwd)) < 0)
		return 431;
	return 0;
}

/* The TLS client context of this lcore (the fetch client's: tls_ca),
 * or NULL. */
static struct tusk_tls_ctx *
tls_ctx(struct hs_conn *hc)
{
	return hc->srv->conf.fetch != NULL ?
	       tusk_fetch_tls(hc->srv->conf.fetch) : NULL;
}

/* The other end's URL into t->url (its host into t->host when a name);
 * 0 or the status to answer. */
static int
url_check(struct hs_conn *hc, const char *url)
{
	struct hs_tpc *t = hc->tpc;
	struct tusk_http_url u;

	if (tusk_http_url_parse(url, &u) < 0)
		return 400;
	/* https with nothing to verify the server with: refused, never
	 * sent in clear */
	if (u.tls && tls_ctx(hc) == NULL)
		return 400;
	snprintf(t->url, sizeof(t->url), "%s", url);
	if (!u.host_is_ipv4)
		snprintf(t->host, sizeof(t->host), "%s", u.host);
	return 0;
}

/* Where a pull may write hc->rel: 0 or the status to answer. */
static int
pull_target(struct hs_conn *hc, bool noreplace)
{
	const struct tusk_root *root = hc->srv->env->root;
	char dir[TUSK_HTTP_PATH_MAX];
	char *slash;
	struct stat st;
	int rc;

	if (hc->rel[0] == '\0' || tusk_root_is_internal(hc->rel))
		return 403;
	rc = tusk_root_stat(root, hc->rel, &st);
	if (rc == 0)
		return S_ISDIR(st.st_mode) ? 403 : noreplace ? 412 : 0;
	if (rc != -ENOENT)
		return rc == -ENOTDIR ? 409 : hs_status_of_errno(rc);
	snprintf(dir, sizeof(dir), "%s", hc->rel);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	rc = tusk_root_stat(root, dir, &st);
	return rc == 0 && S_ISDIR(st.st_mode) ? 0 : 409;
}

/* A push's file: 0 or the status to answer. */
static int
push_target(struct hs_conn *hc)
{
	struct stat st;
	int rc;

	if (hc->rel[0] == '\0' || tusk_root_is_internal(hc->rel))
		return hc->rel[0] == '\0' ? 403 : 404;
	rc = tusk_root_stat(hc->srv->env->root, hc->rel, &st);
	if (rc < 0)
		return hs_status_of_errno(rc);
	return S_ISREG(st.st_mode) ? 0 : 403;
}

/* The pull starts from addr (host order; 0: the URL's literal): 0, or
 * the status to answer and the reason in why. */
static int
launch_pull(struct hs_conn *hc, uint32_t addr, uint64_t now, char *why,
	    size_t len)
{
	struct hs_tpc *t = hc->tpc;
	struct tusk_fetch_req req = {
		.url = t->url, .addr = addr, .dest = hc->rel,
		.streams = t->streams,
		.extra = t->fwd[0] != '\0' ? t->fwd : NULL,
		.retry_max = HS_TPC_RETRY_MAX,
	};
	int rc = tusk_fetch_start(hc->srv->conf.fetch, &req, now,
				  &t->fetch_id, why, len);

	if (rc < 0)
		return rc == -EBUSY ? 409 : rc == -ENOSPC ? 503 :
		       rc == -ENOMEM ? 500 : 400;
	HS_LOG(INFO, "COPY /%s: pull from %s, transfer %u\n", hc->rel, t->url,
	       t->fetch_id);
	return 0;
}

/* The push starts to addr, as launch_pull(). */
static int
launch_push(struct hs_conn *hc, uint32_t addr, uint64_t now, char *why,
	    size_t len)
{
	struct hs_tpc *t = hc->tpc;
	struct tusk_push_req req = {
		.url = t->url, .addr = addr, .rel = hc->rel,
		.extra = t->fwd[0] != '\0' ? t->fwd : NULL,
		.tls = tls_ctx(hc), .verify = t->require_checksum,
	};
	int rc = tusk_push_start(hc->srv->env, &req, now, &t->p);

	if (rc < 0) {
		snprintf(why, len, "cannot start the push: %s",
			 strerror(-rc));
		return rc == -ENOMEM || rc == -EADDRNOTAVAIL ||
		       rc == -EBUSY ? 503 :
		       rc == -EPROTONOSUPPORT ? 400 : hs_status_of_errno(rc);
	}
	HS_LOG(INFO, "COPY /%s: push to %s\n", hc->rel, t->url);
	return 0;
}

static int
launch(struct hs_conn *hc, uint32_t addr, uint64_t now, char *why,
       size_t len)
{
	return hc->tpc->push ? launch_push(hc, addr, now, why, len) :
			       launch_pull(hc, addr, now, why, len);
}

/* The other end is a name: its lookup starts (off the lcore); 0 or the
 * status to answer. */
static int
resolve_start(struct hs_conn *hc, uint64_t now)
{
	struct hs_tpc *t = hc->tpc;

	int err;

	t->res = tusk_resolve_start(t->host);
	if (t->res == NULL) {
		err = errno;
		HS_LOG(INFO, "COPY /%s: cannot resolve %s: %s\n", hc->rel,
		       t->host, strerror(err));
		return err == EBUSY ? 503 : err == ENOMEM ? 500 : 400;
	}
	t->resolve_until = now + TUSK_RESOLVE_WAIT_NS;
	return 0;
}

/* Source or Destination, one of them; 0 or the status. */
static int
begin(struct hs_conn *hc, uint64_t now)
{
	struct hs_tpc *t = hc->tpc;
	char src[TUSK_HTTP_URL_MAX], dst[TUSK_HTTP_URL_MAX];
	char why[TUSK_FETCH_REASON_MAX];
	bool has_src = field(hc, "Source", src, sizeof(src));
	bool has_dst = field(hc, "Destination", dst, sizeof(dst));
	int status;

	if (has_src == has_dst) {
		HS_LOG(INFO, "COPY /%s: needs Source or Destination (one)\n",
		       hc->rel);
		return 400;
	}
	t->push = has_dst;
	status = options(hc);
	if (status != 0) {
		HS_LOG(INFO, "COPY /%s: bad X-Number-Of-Streams, or "
		       "forwarded fields too long\n", hc->rel);
		return status;
	}
	status = url_check(hc, has_src ? src : dst);
	if (status != 0) {
		HS_LOG(INFO, "COPY /%s: %s: an http[s]://host[:port]/path URL "
		       "wanted (https: with a TLS client context)\n", hc->rel,
		       has_src ? src : dst);
		return status;
	}
	if (!t->push && hc->srv->conf.fetch == NULL)
		return 503;
	status = t->push ? push_target(hc) : pull_target(hc, t->noreplace);
	if (status != 0)
		return status;
	if (t->host[0] != '\0')
		return resolve_start(hc, now);
	status = launch(hc, 0, now, why, sizeof(why));
	if (status != 0)
		HS_LOG(INFO, "COPY /%s: %s\n", hc->rel, why);
	return status;
}

void
hs_tpc_start(struct hs_conn *hc, uint64_t now)
{
	struct tusk_http_resp_info ri = {
		.status = 202, .chunked = true,
		.content_type = HS_TPC_CONTENT_TYPE,
	};
	int status;

	if (hc->req.chunked || hc->req.content_length > 0) {
		refuse(hc, 415, "COPY with a body", now);
		return;
	}
	hc->tpc = calloc(1, sizeof(*hc->tpc));
	if (hc->tpc == NULL) {
		hs_respond_error(hc, 500, now);
		return;
	}
	status = begin(hc, now);
	if (status != 0) {
		refuse(hc, status, "refused before the copy", now);
		return;
	}
	hc->tpc->next_look = now + HS_TPC_LOOK_NS;
	hc->tpc->next_marker = now + TUSK_TPC_MARKER_S * HS_NS_PER_S;
	/* the body streams in chunks while the copy runs (HS_WAIT) */
	if (hs_respond_open(hc, &ri, now) == 0)
		hs_busy(hc, true);
}

/* The copy ended: the final line and the last chunk. */
static void
end(struct hs_conn *hc, const char *failure, uint64_t now)
{
	char line[TUSK_FETCH_REASON_MAX + 16];
	int n = tusk_tpc_final(line, sizeof(line), failure);

	if (n < 0 || hs_send_chunk(hc, line, (size_t)n, true, now) < 0) {
		hs_busy(hc, true); /* the peer reads slowly: again later */
		return;
	}
	HS_LOG(INFO, "COPY /%s: %s", hc->rel, line);
	hc->tpc->fetch_id = 0; /* ended: nothing to cancel at free */
	hs_tpc_free(hc);
}

/* A pull's state: -EAGAIN running, else done (failure set or NULL). */
static int
pull_look(struct hs_conn *hc, uint64_t *bytes, char *why, size_t len)
{
	struct tusk_fetch *f = hc->srv->conf.fetch;
	struct tusk_fetch_progress p;

	if (tusk_fetch_progress(f, hc->tpc->fetch_id, &p) < 0) {
		snprintf(why, len, "the transfer is gone");
		return -ENOENT;
	}
	*bytes = p.bytes;
	if (p.state == TUSK_FETCH_DONE) {
		if (!hc->tpc->require_checksum || p.source_digest)
			return 0;
		/* nothing was compared: the copy cannot be called good */
		tusk_root_remove(hc->srv->env->root, hc->rel, false);
		snprintf(why, len, "RequireChecksumVerification: the source "
			 "offered no checksum (Repr-Digest sha-256)");
		return -EBADMSG;
	}
	if (p.state == TUSK_FETCH_FAILED || p.state == TUSK_FETCH_CANCELLED ||
	    p.state == TUSK_FETCH_PAUSED) {
		snprintf(why, len, "%s", p.error[0] != '\0' ? p.error :
			 tusk_fetch_xstate_name(p.state));
		return -EIO;
	}
	return -EAGAIN;
}

/* The other end's name: -EAGAIN while it is looked up or once the copy
 * started; else the copy failed, the reason in why. */
static int
resolve_look(struct hs_conn *hc, char *why, size_t len, uint64_t now)
{
	struct hs_tpc *t = hc->tpc;
	uint32_t addr = 0;
	int rc = tusk_resolve_poll(t->res, &addr, why, len);

	if (rc == -EAGAIN) {
		if (now < t->resolve_until)
			return -EAGAIN;
		snprintf(why, len, "cannot resolve %.200s: no answer within %llu s",
			 t->host, TUSK_RESOLVE_WAIT_NS / HS_NS_PER_S);
		rc = -ETIMEDOUT;
	}
	tusk_resolve_free(t->res);
	t->res = NULL;
	if (rc < 0)
		return rc;
	HS_LOG(INFO, "COPY /%s: %s is %u.%u.%u.%u\n", hc->rel, t->host,
	       addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
	       addr & 0xff);
	return launch(hc, addr, now, why, len) == 0 ? -EAGAIN : -EIO;
}

/* The copy's state: -EAGAIN running, 0 done, else failed (why). */
static int
look(struct hs_conn *hc, uint64_t *bytes, char *why, size_t len,
     uint64_t now)
{
	struct hs_tpc *t = hc->tpc;

	if (t->res != NULL)
		return resolve_look(hc, why, len, now);
	if (t->push)
		return tusk_push_state(t->p, bytes, why, len);
	return pull_look(hc, bytes, why, len);
}

void
hs_tpc_poll(struct hs_conn *hc, uint64_t now)
{
	struct hs_tpc *t = hc->tpc;
	char why[TUSK_FETCH_REASON_MAX], mark[TUSK_TPC_MARKER_MAX];
	uint64_t bytes = 0;
	int rc, n;

	if (t == NULL)
		return;
	hs_busy(hc, true);
	if (t->push)
		tusk_push_poll(t->p, now); /* sends: every iteration */
	if (now < t->next_look)
		return;
	t->next_look = now + HS_TPC_LOOK_NS;
	rc = look(hc, &bytes, why, sizeof(why), now);
	if (rc != -EAGAIN) {
		end(hc, rc == 0 ? NULL : why, now);
		return;
	}
	if (now < t->next_marker)
		return;
	t->next_marker = now + TUSK_TPC_MARKER_S * HS_NS_PER_S;
	n = tusk_tpc_marker(mark, sizeof(mark), (int64_t)time(NULL), bytes);
	/* a marker the peer has no room for is skipped, not queued */
	if (n > 0)
		hs_send_chunk(hc, mark, (size_t)n, false, now);
}
