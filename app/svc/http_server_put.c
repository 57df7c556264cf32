/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PUT on the file endpoint: the body goes into a temporary file beside
 * the target and is renamed over it once complete and checked.
 *
 *   hs_put_start() -> checks (411, 413, 403, 507 when it cannot fit)
 *                  -> tusk_root_tmp_create(), file writer, digest follow
 *                  -> 100 Continue if asked
 *   hs_put_body()  -> input segments -> tusk_file_writer_add() (pwritev
 *                     from the mbufs) -> tusk_digest_follow_advance()
 *   body_done()    -> flush, follow_end -> HS_WAIT
 *   hs_put_poll()  -> digest: mismatch with the client's Repr-Digest ->
 *                     400, tmp removed; else tusk_root_commit() -> 201/204
 * Any failure on the way removes the temporary file (hs_put_cancel), and
 * so does a connection that goes away mid-body.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_server_priv.h"

/* Segments per chain handed to the writer: its vector holds 1024, and
 * nb_segs is 16-bit. */
#define HS_PUT_CHAIN_SEGS 256

static unsigned int put_algs(const struct tusk_http_req *req);

void
hs_put_cancel(struct hs_conn *hc)
{
	struct hs_put *p = &hc->put;

	tusk_file_writer_free(p->w);
	p->w = NULL;
	p->held_segs = 0;
	tusk_digest_job_free(p->job);
	p->job = NULL;
	/* The digest worker drops its dup() of the fd only at its next look
	 * (up to IDLE_WAIT_MS, longer on a loaded machine): emptied now, the
	 * discarded upload's space is free before the 507 goes out, not
	 * later (test_http_disk_full saw 32 MiB still held). */
	if (p->fd >= 0 && p->active && ftruncate(p->fd, 0) < 0)
		HS_LOG(WARNING, "%s: cannot empty the discarded upload: %s\n",
		       hc->rel, strerror(errno));
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->active)
		tusk_root_discard(hc->srv->env->root, p->tmp);
	p->active = false;
}

/* 0 when a PUT of hc->rel may go ahead, else the status to answer. */
static int
put_check(struct hs_conn *hc)
{
	const struct tusk_http_req *req = &hc->req;
	const struct tusk_root *root = hc->srv->env->root;
	uint64_t avail;
	struct stat st;
	int rc;

	if (hc->rel[0] == '\0' || tusk_root_is_internal(hc->rel))
		return 403;
	/* chunked uploads are refused (RFC 9110 15.5.12 allows it): every
	 * DTN client sends a length, and the length is what 413/507 are
	 * decided on before a byte is stored */
	if (req->chunked || !req->has_content_length)
		return 411;
	if (req->content_length > hc->srv->conf.put_max)
		return 413;
	if (tusk_root_free_bytes(root, &avail) == 0 &&
	    avail < req->content_length)
		return 507;
	rc = tusk_root_stat(root, hc->rel, &st);
	if (rc == 0 && S_ISDIR(st.st_mode))
		return 403;
	if (rc < 0 && rc != -ENOENT)
		return rc == -ENOTDIR ? 409 : hs_status_of_errno(rc);
	hc->put.existed = rc == 0;
	return 0;
}

/* Temporary file, writer and digest; 0 or the status to answer. */
static int
put_open(struct hs_conn *hc)
{
	struct hs_put *p = &hc->put;
	int rc;

	rc = tusk_root_tmp_create(hc->srv->env->root, hc->rel, &p->fd,
				  p->tmp, sizeof(p->tmp));
	if (rc < 0) {
		p->fd = -1;
		/* the directory must exist: no implicit mkdir -p */
		return rc == -ENOENT || rc == -ENOTDIR ? 409
						       : hs_status_of_errno(rc);
	}
	p->active = true;
	p->total = p->left = hc->req.content_length;
	p->flushed = 0;
	p->held_segs = 0;
	p->w = tusk_file_writer_create(p->fd, 0, 0);
	/* sha-256 is always kept; what the client sent is checked; what it
	 * wants back is computed in the same pass */
	p->job = tusk_digest_follow(hc->srv->env->digest, p->fd,
				    put_algs(&hc->req));
	if (p->w == NULL || p->job == NULL) {
		HS_LOG(WARNING, "%s: no writer or digest job for the upload\n",
		       hc->rel);
		return 503;
	}
	return 0;
}

/* The algorithms an upload is hashed with (see put_open). */
static unsigned int
put_algs(const struct tusk_http_req *req)
{
	unsigned int repr, legacy;

	hs_wanted(req, &repr, &legacy);
	return TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256) | req->digests.have |
	       repr | legacy;
}

/* The upload failed at `err`: answer and close (the rest of the body is
 * drained by the lingering close). */
static void
put_fail(struct hs_conn *hc, int err, uint64_t now)
{
	int status = hs_status_of_errno(err);

	HS_LOG(WARNING, "%s: upload failed at %lu bytes: %s\n", hc->rel,
	       (unsigned long)(hc->put.total - hc->put.left),
	       strerror(-err));
	hs_put_cancel(hc);
	hc->close_after = true;
	hs_respond_error(hc, status, now);
}

/* Bytes are on the file: the digest follows, writeback starts. */
static void
written_so_far(struct hs_conn *hc)
{
	struct hs_put *p = &hc->put;
	uint64_t w = tusk_file_writer_written(p->w);

	tusk_digest_follow_advance(p->job, w);
	if (w - p->flushed >= HS_WRITEBACK_STEP ||
	    (p->left == 0 && w > p->flushed)) {
		sync_file_range(p->fd, (off64_t)p->flushed,
				(off64_t)(w - p->flushed),
				SYNC_FILE_RANGE_WRITE);
		p->flushed = w;
	}
}

static void
body_done(struct hs_conn *hc, uint64_t now)
{
	struct hs_put *p = &hc->put;
	int rc = tusk_file_writer_flush(p->w);

	if (rc < 0) {
		put_fail(hc, rc, now);
		return;
	}
	written_so_far(hc);
	tusk_digest_follow_end(p->job, p->total);
	hc->body_pending = false;
	hc->phase = HS_WAIT;
	hs_busy(hc, true);
}

void
hs_put_start(struct hs_conn *hc, uint64_t now)
{
	int status = put_check(hc);

	if (status == 0)
		status = put_open(hc);
	if (status != 0) {
		hs_put_cancel(hc);
		if (status == 507)
			hc->close_after = true;
		hs_respond_error(hc, status, now);
		return;
	}
	hc->phase = HS_BODY;
	/* RFC 9110 10.1.1: the client waits for this before the body */
	if (hc->req.expect_continue && hc->put.left > 0)
		hs_interim_continue(hc, now);
	if (hc->put.left == 0)
		body_done(hc, now);
}

/* A reference to the first `len` bytes of seg (an indirect mbuf), for a
 * segment that holds the end of this body and the start of the next
 * request. */
static struct rte_mbuf *
seg_head(struct hs_conn *hc, struct rte_mbuf *seg, uint16_t len)
{
	struct rte_mbuf *mi = rte_pktmbuf_alloc(hc->srv->env->data_pool);

	if (mi == NULL)
		return NULL;
	rte_pktmbuf_attach(mi, seg);
	mi->data_len = len;
	mi->pkt_len = len;
	seg->data_off += len;
	seg->data_len -= len;
	return mi;
}

/* Take up to `left` body bytes off the input as one chain. */
static struct rte_mbuf *
take_body(struct hs_conn *hc, uint64_t left, uint64_t *bytes)
{
	struct rte_mbuf *head = NULL, *tail = NULL, *seg;
	uint32_t n = 0, segs = 0;

	while (n < left && segs < HS_PUT_CHAIN_SEGS &&
	       (seg = hc->in_head) != NULL) {
		if (seg->data_len > left - n) {
			seg = seg_head(hc, seg, (uint16_t)(left - n));
			if (seg == NULL)
				break;
		} else {
			hc->in_head = seg->next;
			if (hc->in_head == NULL)
				hc->in_tail = NULL;
			seg->next = NULL;
		}
		n += seg->data_len;
		segs++;
		if (head == NULL)
			head = seg;
		else
			tail->next = seg;
		tail = seg;
	}
	if (head != NULL) {
		head->nb_segs = (uint16_t)segs;
		head->pkt_len = n;
	}
	hc->in_bytes -= n;
	*bytes = n;
	return head;
}

void
hs_put_flush(struct hs_conn *hc, uint64_t now)
{
	struct hs_put *p = &hc->put;
	int rc;

	if (p->w == NULL || p->held_segs == 0)
		return;
	p->held_segs = 0;
	hc->srv->lim.put_early_flushes++;
	rc = tusk_file_writer_flush(p->w);
	if (rc < 0) {
		put_fail(hc, rc, now);
		return;
	}
	written_so_far(hc);
}

/* The writer took `segs` more frames from pool mp: flush them early
 * when they are many or the pool runs low (HS_PUT_HELD_SEGS_MAX). */
static void
held_more(struct hs_conn *hc, uint32_t segs, const struct rte_mempool *mp,
	  uint64_t now)
{
	struct hs_put *p = &hc->put;

	if (tusk_file_writer_held(p->w) == 0) {
		p->held_segs = 0; /* a full batch went out */
		return;
	}
	if (p->held_segs == 0)
		p->held_since = now;
	p->held_segs += segs;
	if (p->left > 0 && (p->held_segs >= HS_PUT_HELD_SEGS_MAX ||
	    rte_mempool_avail_count(mp) < mp->size / HS_PUT_POOL_LOW_DIV))
		hs_put_flush(hc, now);
}

void
hs_put_body(struct hs_conn *hc, uint64_t now)
{
	struct hs_put *p = &hc->put;
	struct rte_mempool *mp;
	struct rte_mbuf *chain;
	uint32_t segs;
	uint64_t n;
	int rc;

	while (p->left > 0 && hc->in_head != NULL) {
		chain = take_body(hc, p->left, &n);
		if (chain == NULL) {
			hs_busy(hc, true); /* no mbuf to split with: retry */
			return;
		}
		p->left -= n;
		hs_consume(hc, n);
		segs = chain->nb_segs;
		mp = chain->pool;
		rc = tusk_file_writer_add(p->w, chain);
		if (rc < 0) {
			put_fail(hc, rc, now);
			return;
		}
		written_so_far(hc);
		held_more(hc, segs, mp, now);
		if (!p->active)
			return; /* the early flush failed */
	}
	if (p->left == 0)
		body_done(hc, now);
}

/* Verified: make the upload the file; the answer carries the digests
 * the client asked for (Want-*) and sha-256. */
static void
put_commit(struct hs_conn *hc, const struct tusk_digests *d, uint64_t now)
{
	struct tusk_http_resp_info ri = { .digests = d };
	struct hs_put *p = &hc->put;
	int rc;

	hs_wanted(&hc->req, &ri.repr_algs, &ri.legacy_algs);
	ri.repr_algs |= TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);

	rc = p->no_replace ?
	     tusk_root_commit_new(hc->srv->env->root, p->tmp, hc->rel) :
	     tusk_root_commit(hc->srv->env->root, p->tmp, hc->rel);
	if (rc < 0) {
		HS_LOG(WARNING, "%s: commit: %s\n", hc->rel, strerror(-rc));
		hs_put_cancel(hc);
		/* created by another upload meanwhile: not ours to replace */
		hs_respond_error(hc, rc == -EEXIST ? 403 :
				 hs_status_of_errno(rc), now);
		return;
	}
	p->active = false; /* the tmp is the file now */
	hs_put_cancel(hc);
	ri.status = p->existed ? 204 : 201;
	hs_respond(hc, &ri, now);
}

/* The algorithms whose value the client sent and the bytes do not have. */
static unsigned int
put_mismatch(const struct tusk_digests *sent, const struct tusk_digests *got)
{
	unsigned int bad = 0;

	for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if ((sent->have & TUSK_DIGEST_BIT(a)) &&
		    memcmp(sent->v[a], got->v[a], tusk_digest_len(a)) != 0)
			bad |= TUSK_DIGEST_BIT(a);
	return bad;
}

/* Digest mismatch: the upload is discarded (never renamed into place)
 * and the answer, 400, carries the digests of the bytes that arrived in
 * the fields the client used, so it can see which one differs. */
static void
put_refuse(struct hs_conn *hc, const struct tusk_digests *d,
	   unsigned int bad, uint64_t now)
{
	struct tusk_http_resp_info ri = {
		.status = 400, .digests = d, .repr_algs = bad,
		.legacy_algs = bad,
	};

	for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if (bad & TUSK_DIGEST_BIT(a))
			HS_LOG(NOTICE, "%s: %s of the upload differs from the "
			       "client's digest: upload discarded\n", hc->rel,
			       tusk_digest_name(a));
	hc->srv->put_digest_refused++;
	hs_put_cancel(hc);
	hs_respond_error_info(hc, &ri, now);
}

/* In HS_WAIT for a PUT: the digests of what was written. */
void
hs_put_poll(struct hs_conn *hc, uint64_t now)
{
	struct tusk_digests d;
	unsigned int bad;
	int rc;

	if (hc->req.method != TUSK_HTTP_PUT || hc->put.job == NULL)
		return;
	rc = tusk_digest_job_poll(hc->put.job, &d);
	if (rc == -EAGAIN) {
		hs_busy(hc, true);
		return;
	}
	if (rc < 0) {
		put_fail(hc, rc == -ENOSPC ? -EIO : rc, now);
		return;
	}
	bad = put_mismatch(&hc->req.digests, &d);
	if (bad != 0) {
		put_refuse(hc, &d, bad, now);
		return;
	}
	put_commit(hc, &d, now);
}
