/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET and HEAD on the file endpoint.
 *
 *   hs_get_start() -> get_open() (internal names, openat2 beneath the
 *                     root, regular files only, validators)
 *                  -> range (RFC 9110 14.2, If-Range 13.1.5)
 *                  -> digest: kept (xattr) -> Repr-Digest in the head
 *                             else: answer at once without it, a job
 *                             queued to the digest service keeps it
 *                             for the next request
 *                  -> answer(): 200 / 206 / 416, body pumped by
 *                     http_server_send.c
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_range.h"
#include "http_server_priv.h"

void
hs_file_close(struct hs_file *f)
{
	if (f->wait != NULL)
		f->wait->refs--; /* hs_dwait_put(): freed by the next poll */
	f->wait = NULL;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* Open hc->rel for reading; 0 or an HTTP status to answer with. */
static int
get_open(struct hs_conn *hc)
{
	const struct tusk_root *root = hc->srv->env->root;
	struct hs_file *f = &hc->file;
	struct stat st;
	int fd;

	/* the root itself: directories are not listed */
	if (hc->rel[0] == '\0')
		return 403;
	/* uploads and fetches in progress do not exist for clients */
	if (tusk_root_is_internal(hc->rel))
		return 404;
	fd = tusk_root_openat(root, hc->rel, O_RDONLY, 0);
	if (fd < 0)
		return hs_status_of_errno(fd);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 500;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 403;
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		      st.st_mtim.tv_nsec;
	hs_etag_format(f->etag, &st);
	return 0;
}

void
hs_etag_format(char etag[HS_ETAG_MAX], const struct stat *st)
{
	int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
			   st->st_mtim.tv_nsec;

	/* strong validator: changes whenever the bytes may have (a PUT
	 * replaces the inode; an in-place write moves mtime) */
	snprintf(etag, HS_ETAG_MAX, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"",
		 (uint64_t)st->st_ino, (uint64_t)st->st_size,
		 (uint64_t)mtime_ns);
}

/* If-Range (RFC 9110 13.1.5): the range applies only when the validator
 * still matches: a strong ETag equal to ours, or exactly our
 * Last-Modified date. */
static bool
if_range_holds(const struct hs_conn *hc)
{
	char date[TUSK_HTTP_DATE_LEN];
	const char *v = hc->req.if_range;

	if (v[0] == '\0')
		return true;
	if (v[0] == '"')
		return strcmp(v, hc->file.etag) == 0;
	tusk_http_date_format(hc->file.mtime_ns / 1000000000, date);
	return strcmp(v, date) == 0;
}

void
hs_wanted(const struct tusk_http_req *req, unsigned int *repr,
	  unsigned int *legacy)
{
	int r = tusk_http_want_pick(&req->want_repr, TUSK_DIGEST_ALL);
	int l = tusk_http_want_pick(&req->want_digest, TUSK_DIGEST_ALL);

	*repr = r >= 0 ? TUSK_DIGEST_BIT(r) : 0;
	*legacy = l >= 0 ? TUSK_DIGEST_BIT(l) : 0;
}

/* Send the answer for the open file, with the digests of d it asks for
 * (those d has). */
static void
answer(struct hs_conn *hc, const struct tusk_digests *d, uint64_t now)
{
	struct tusk_http_resp_info ri = {
		.accept_ranges = true, .etag = hc->file.etag,
		.last_modified = hc->file.mtime_ns / 1000000000,
		.digests = d, .size = hc->file.size,
	};
	struct tusk_http_range none = { .kind = TUSK_HTTP_RANGE_NONE };
	const struct tusk_http_range *r = &hc->req.range;
	uint64_t off, len;

	/* Range is defined for GET only (RFC 9110 14.2) */
	if (hc->req.method != TUSK_HTTP_GET || !if_range_holds(hc))
		r = &none;
	hs_wanted(&hc->req, &ri.repr_algs, &ri.legacy_algs);
	ri.repr_algs |= TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);
	ri.status = tusk_http_range_resolve(r, hc->file.size, &off, &len);
	if (ri.status == 416) {
		ri.range_unsatisfied = true;
		ri.digests = NULL;
		len = 0;
	} else if (ri.status == 206) {
		ri.content_range = true;
		ri.range_first = off;
		ri.range_last = off + len - 1;
	}
	ri.content_length = len;
	ri.content_type = len == 0 ? NULL : "application/octet-stream";
	hc->body_off = off;
	hc->body_end = hc->req.method == TUSK_HTTP_GET ? off + len : off;
	hs_respond(hc, &ri, now);
}

void
hs_get_start(struct hs_conn *hc, uint64_t now)
{
	unsigned int repr, legacy, asked, need;
	struct tusk_digests d;
	struct hs_dwait *dw;
	int status;

	/* a body on GET/HEAD has no meaning here: skip it (RFC 9110 9.3.1) */
	if (hc->req.chunked)
		hc->close_after = true;
	else if (hc->req.has_content_length)
		hc->discard = hc->req.content_length;
	status = get_open(hc);
	if (status != 0) {
		hs_respond_error(hc, status, now);
		return;
	}
	hs_wanted(&hc->req, &repr, &legacy);
	asked = repr | legacy;
	need = asked | TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);
	if (tusk_digest_lookup(hc->file.fd, need, &d) == 0) {
		answer(hc, &d, now);
		return;
	}
	/* Never hash before the first byte: a GET goes now, without the
	 * digests not kept (README, HTTP endpoint: why not as a trailer),
	 * and the file is hashed behind the sender: by the digest worker,
	 * or where every core runs a poller by this lcore's idle iterations
	 * only (tusk_digest_file_idle: the worker would take its CPU from
	 * the sending poller, halving the transfer). A HEAD
	 * with an RFC 3230 Want-Digest has no first byte to delay and is a
	 * checksum query (gfal2, davix, FTS): it waits for the digest, and
	 * for what it asks only (adler32 of 4 GiB is ~0.3 s of a core,
	 * sha-256 ~4 s: a query for adler32 must not wait for sha-256). A
	 * Want-Repr-Digest is answered from what is kept (RFC 9530 lets a
	 * server ignore it), so a fetch's probe never waits for a hash. A
	 * job for the same file already running is joined, not repeated;
	 * when the service is full the answer goes without and the next
	 * request tries again. */
	if (hc->req.method == TUSK_HTTP_HEAD && (legacy & ~d.have) != 0) {
		dw = hs_dwait_get(hc->srv, &hc->file, asked, false);
		if (dw != NULL) {
			hc->file.wait = dw;
			hc->phase = HS_WAIT;
			hs_busy(hc, true);
			return;
		}
		answer(hc, &d, now);
		return;
	}
	dw = hs_dwait_get(hc->srv, &hc->file, need, true);
	if (dw != NULL)
		hs_dwait_put(hc->srv, dw);
	answer(hc, &d, now);
}

void
hs_get_poll(struct hs_conn *hc, uint64_t now)
{
	struct hs_dwait *dw = hc->file.wait;
	struct tusk_digests none = { 0 };

	if (dw == NULL)
		return;
	if (dw->rc == -EAGAIN) {
		hs_busy(hc, true);
		return;
	}
	hc->file.wait = NULL;
	dw->refs--;
	if (dw->rc < 0)
		HS_LOG(WARNING, "%s: digest failed: %s\n", hc->rel,
		       strerror(-dw->rc));
	answer(hc, dw->rc == 0 ? &dw->d : &none, now);
}
