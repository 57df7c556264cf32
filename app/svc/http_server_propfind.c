/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebDAV PROPFIND on the file endpoint (RFC 4918 9.1), Depth 0 and 1:
 * how davix-ls, gfal2 and tusk-ctrld list a directory. The XML is
 * app/http/http_dav.c's; this file finds what to put in it.
 *
 *   hs_propfind_start() -> Depth missing/bad, chunked, too big, internal
 *                          name, outside the root: the error answer
 *                       -> a body: HS_BODY, hs_propfind_body() keeps it
 *                       -> begin(): Depth infinity: 403 with
 *                          DAV:propfind-finite-depth; else the query, the
 *                          target's own response, and for Depth 1 on a
 *                          directory HS_WAIT: hs_propfind_poll() adds
 *                          HS_DAV_BATCH members per call
 *                       -> send_xml(): the document into a memfd, sent
 *                          from it as a GET sends a file (body_to_mbufs
 *                          in http_server_send.c)
 *
 * Same rules as GET: paths resolved beneath the root (a member whose
 * symlink leaves it is left out), internal names (uploads, fetches in
 * progress) hidden, FIFOs, sockets and devices left out; checksums only
 * where a digest is kept (never computed here: the lcore polls).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_dav.h"
#include "http_server_priv.h"

/* Members looked at per poll call. Each costs ~6 syscalls (stat beneath
 * the root, open, getxattr of the kept digest, close; ~10 us) and its
 * XML (~22 us: libxml2's writer took 90-100 ms for 4096 members on this
 * machine), so a call stays near 0.5 ms, the order of HS_SEND_BURST's
 * bound, and the lcore keeps serving the others while a large directory
 * is listed. */
#define HS_DAV_BATCH 16
/* Members in one response. The document costs ~520 bytes a member (held
 * twice while it is copied into the memfd): 4096 members is ~2.1 MB per
 * listing connection. Past it the listing ends with a 507 response for
 * the directory carrying DAV:number-of-matches-within-limits (RFC 5323
 * 5.2's signal for a result cut at a server limit). */
#define HS_DAV_MEMBERS_MAX 4096
/* Bytes of one document: with long names the member bound alone allows
 * ~20x more (hrefs up to TUSK_DAV_HREF_MAX); past it the listing ends
 * with the same 507. */
#define HS_DAV_DOC_MAX (4u << 20)
/* The most one member's <D:response> takes: its href (TUSK_DAV_HREF_MAX,
 * 12 KiB), the 404 propstat naming up to TUSK_DAV_FOREIGN_MAX properties
 * of TUSK_DAV_NAME_MAX + TUSK_DAV_NS_MAX bytes (12 KiB), live
 * properties; rounded up. */
#define HS_DAV_ENTRY_MAX (32u << 10)
/* Retry-After of a 503 for a listing over HS_DAV_BUDGET, seconds. */
#define HS_DAV_RETRY_S 1
#define HS_DAV_CONTENT_TYPE "application/xml; charset=utf-8"

struct hs_dav {
	struct tusk_dav_query q;
	struct tusk_dav_writer *w;
	struct stat st;          /* the target's */
	DIR *dir;                /* Depth 1 on a directory: being listed */
	unsigned int members;
	char *body;              /* the request body, while it arrives */
	uint32_t body_len, body_want;
	char path[TUSK_HTTP_PATH_MAX]; /* a member's relative path */
};

void
hs_propfind_free(struct hs_conn *hc)
{
	struct hs_dav *d = hc->dav;

	if (d == NULL)
		return;
	if (d->dir != NULL)
		closedir(d->dir);
	tusk_dav_writer_free(d->w);
	free(d->body);
	free(d);
	hc->dav = NULL;
}

static void
fail(struct hs_conn *hc, int status, const char *why, uint64_t now)
{
	HS_LOG(INFO, "PROPFIND /%s: %d: %s\n", hc->rel, status, why);
	hs_propfind_free(hc);
	hs_limit_dav_set(hc, 0);
	hs_respond_error(hc, status, now);
}

/* Over the listing budget (HS_DAV_BUDGET): 503, come back later. */
static void
busy(struct hs_conn *hc, uint64_t now)
{
	struct tusk_http_resp_info ri = {
		.status = 503, .retry_after = HS_DAV_RETRY_S,
	};

	HS_LOG(INFO, "PROPFIND /%s: 503: listing budget spent\n", hc->rel);
	hs_propfind_free(hc);
	hs_limit_dav_set(hc, 0);
	hs_respond(hc, &ri, now);
}

/* Reserve what the document may hold once `more` bytes are added to it
 * (twice the document while libxml2's buffer grows); false: over the
 * budget, answered with 503. */
static bool
reserve(struct hs_conn *hc, size_t more, uint64_t now)
{
	if (hs_limit_dav_reserve(hc, 2 * ((uint64_t)tusk_dav_writer_len(
					     hc->dav->w) + more)))
		return true;
	busy(hc, now);
	return false;
}

/* Answer with `status` and the XML document as the body. */
static void
send_xml(struct hs_conn *hc, int status, const char *xml, size_t len,
	 uint64_t now)
{
	struct tusk_http_resp_info ri = {
		.status = status, .content_length = len,
		.content_type = HS_DAV_CONTENT_TYPE,
	};
	int fd = memfd_create("tusk-propfind", MFD_CLOEXEC);
	size_t off = 0;

	while (fd >= 0 && off < len) {
		ssize_t n = write(fd, xml + off, len - off);

		if (n <= 0) {
			close(fd);
			fd = -1;
		} else {
			off += (size_t)n;
		}
	}
	hs_propfind_free(hc); /* xml is gone from here on */
	if (fd < 0) {
		HS_LOG(WARNING, "PROPFIND: memfd: %s\n", strerror(errno));
		hs_limit_dav_set(hc, 0);
		hs_respond_error(hc, 500, now);
		return;
	}
	hs_limit_dav_set(hc, len); /* the memfd's, until the response ends */
	hc->file.fd = fd;
	hc->file.size = len;
	hc->body_off = 0;
	hc->body_end = len;
	hs_respond(hc, &ri, now);
}

/* One resource's entry; `sha` holds the kept digest if there is one. */
static void
entry_of(struct tusk_dav_entry *e, const char *path, const struct stat *st,
	 int fd, struct tusk_digests *d, char etag[HS_ETAG_MAX])
{
	*e = (struct tusk_dav_entry){
		.path = path, .collection = S_ISDIR(st->st_mode),
		.size = (uint64_t)st->st_size, .mtime = st->st_mtim.tv_sec,
	};
	if (e->collection)
		return;
	hs_etag_format(etag, st);
	e->etag = etag;
	if (fd >= 0 && tusk_digest_lookup(fd, TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256),
					  d) == 0)
		e->sha256 = d->v[TUSK_DIGEST_SHA256];
}

/* Add the resource at `path` (stat'ed as st) to the document. */
static int
add(struct hs_conn *hc, const char *path, const struct stat *st)
{
	struct tusk_digests d;
	char etag[HS_ETAG_MAX];
	struct tusk_dav_entry e;
	int fd = -1, rc;

	if (S_ISREG(st->st_mode))
		fd = tusk_root_openat(hc->srv->env->root, path,
				      O_RDONLY | O_NONBLOCK, 0);
	entry_of(&e, path, st, fd, &d, etag);
	rc = tusk_dav_writer_add(hc->dav->w, &e);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* One directory member: stat'ed beneath the root, added if a file or a
 * directory. Returns false when the listing must stop (the bound). */
static bool
member(struct hs_conn *hc, const char *name)
{
	struct hs_dav *d = hc->dav;
	struct stat st;
	int n;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    tusk_root_is_internal(name))
		return true;
	if (d->members >= HS_DAV_MEMBERS_MAX ||
	    tusk_dav_writer_len(d->w) + HS_DAV_ENTRY_MAX > HS_DAV_DOC_MAX) {
		tusk_dav_writer_add_status(d->w, hc->rel, true, 507,
					   "number-of-matches-within-limits");
		return false;
	}
	n = snprintf(d->path, sizeof(d->path), "%s%s%s", hc->rel,
		     hc->rel[0] != '\0' ? "/" : "", name);
	if (n < 0 || (size_t)n >= sizeof(d->path))
		return true; /* a name GET could not reach either */
	/* a symlink that leaves the root, or a member gone meanwhile */
	if (tusk_root_stat(hc->srv->env->root, d->path, &st) < 0)
		return true;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return true;
	if (add(hc, d->path, &st) == 0)
		d->members++;
	return true;
}

static void
finish(struct hs_conn *hc, uint64_t now)
{
	const char *xml;
	size_t len;

	if (tusk_dav_writer_finish(hc->dav->w, &xml, &len) < 0) {
		fail(hc, 500, "XML writer failed", now);
		return;
	}
	/* the buffer (up to twice the document) and its memfd copy */
	if (!hs_limit_dav_reserve(hc, 3 * (uint64_t)len)) {
		busy(hc, now);
		return;
	}
	send_xml(hc, 207, xml, len, now);
}

/* Open the target directory for listing; NULL with errno set. */
static DIR *
open_dir(struct hs_conn *hc)
{
	const struct tusk_root *root = hc->srv->env->root;
	int fd = hc->rel[0] == '\0' ?
		 openat(tusk_root_fd(root), ".",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC) :
		 tusk_root_openat(root, hc->rel, O_RDONLY | O_DIRECTORY, 0);
	DIR *dir;

	if (fd < 0) {
		errno = hc->rel[0] == '\0' ? errno : -fd;
		return NULL;
	}
	dir = fdopendir(fd);
	if (dir == NULL)
		close(fd);
	return dir;
}

/* The request is all in: answer, or start listing. */
static void
begin(struct hs_conn *hc, uint64_t now)
{
	struct hs_dav *d = hc->dav;
	char err[256];
	int n;

	if (hc->req.depth == TUSK_HTTP_DEPTH_INFINITY ||
	    hc->req.depth == TUSK_HTTP_DEPTH_NONE) {
		/* RFC 4918 9.1: may refuse, with this precondition (no
		 * Depth means infinity, 10.2) */
		n = tusk_dav_error_xml("propfind-finite-depth", err,
				       sizeof(err));
		if (n < 0)
			fail(hc, 500, "XML writer failed", now);
		else
			send_xml(hc, 403, err, (size_t)n, now);
		return;
	}
	if (tusk_dav_query_parse(d->body, d->body_len, &d->q) < 0) {
		fail(hc, 400, "malformed propfind body", now);
		return;
	}
	free(d->body);
	d->body = NULL;
	d->w = tusk_dav_writer_new(&d->q);
	if (d->w == NULL) {
		fail(hc, 500, "XML writer failed", now);
		return;
	}
	if (!reserve(hc, HS_DAV_ENTRY_MAX, now))
		return;
	if (add(hc, hc->rel, &d->st) < 0) {
		fail(hc, 500, "XML writer failed", now);
		return;
	}
	if (hc->req.depth == TUSK_HTTP_DEPTH_0 || !S_ISDIR(d->st.st_mode)) {
		finish(hc, now);
		return;
	}
	d->dir = open_dir(hc);
	if (d->dir == NULL) {
		fail(hc, hs_status_of_errno(-errno), strerror(errno), now);
		return;
	}
	hc->phase = HS_WAIT;
	hs_busy(hc, true);
}

void
hs_propfind_poll(struct hs_conn *hc, uint64_t now)
{
	struct hs_dav *d = hc->dav;
	struct dirent *de;

	if (d == NULL || d->dir == NULL)
		return;
	for (unsigned int i = 0; i < HS_DAV_BATCH; i++) {
		errno = 0;
		de = readdir(d->dir);
		if (de == NULL) {
			if (errno != 0)
				HS_LOG(WARNING, "PROPFIND /%s: readdir: %s; "
				       "listing cut\n", hc->rel,
				       strerror(errno));
			finish(hc, now);
			return;
		}
		if (!reserve(hc, HS_DAV_ENTRY_MAX, now))
			return;
		if (!member(hc, de->d_name)) {
			finish(hc, now);
			return;
		}
	}
	hs_busy(hc, true); /* more members: the next poll */
}

void
hs_propfind_body(struct hs_conn *hc, uint64_t now)
{
	struct hs_dav *d = hc->dav;

	while (d->body_len < d->body_want && hc->in_head != NULL) {
		struct rte_mbuf *seg = hc->in_head;
		uint32_t n = d->body_want - d->body_len;

		n = seg->data_len < n ? seg->data_len : n;
		memcpy(d->body + d->body_len, rte_pktmbuf_mtod(seg, char *), n);
		d->body_len += n;
		hs_in_drop(hc, n);
	}
	if (d->body_len < d->body_want)
		return; /* more comes with the next segments */
	hc->body_pending = false;
	begin(hc, now);
}

/* The target's stat, beneath the root; 0 or an HTTP status. */
static int
target_stat(struct hs_conn *hc, struct stat *st)
{
	const struct tusk_root *root = hc->srv->env->root;
	int rc;

	if (tusk_root_is_internal(hc->rel))
		return 404;
	rc = hc->rel[0] == '\0' ? fstat(tusk_root_fd(root), st) :
	     tusk_root_stat(root, hc->rel, st);
	if (rc < 0)
		return hs_status_of_errno(hc->rel[0] == '\0' ? -errno : rc);
	return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) ? 0 : 403;
}

void
hs_propfind_start(struct hs_conn *hc, uint64_t now)
{
	const struct tusk_http_req *req = &hc->req;
	struct stat st;
	int status;

	/* RFC 4918 10.2: no Depth means infinity, refused in begin() */
	if (req->depth == TUSK_HTTP_DEPTH_BAD) {
		fail(hc, 400, "Depth is not 0, 1 or infinity", now);
		return;
	}
	if (req->chunked) {
		fail(hc, 411, "chunked body", now);
		return;
	}
	if (req->has_content_length &&
	    req->content_length > TUSK_DAV_BODY_MAX) {
		fail(hc, 413, "body over 16 KiB", now);
		return;
	}
	status = target_stat(hc, &st);
	if (status != 0) {
		hs_respond_error(hc, status, now);
		return;
	}
	hc->dav = calloc(1, sizeof(*hc->dav));
	if (hc->dav == NULL) {
		hs_respond_error(hc, 500, now);
		return;
	}
	hc->dav->st = st;
	hc->dav->body_want = (uint32_t)req->content_length;
	if (hc->dav->body_want == 0) {
		begin(hc, now);
		return;
	}
	hc->dav->body = malloc(hc->dav->body_want);
	if (hc->dav->body == NULL) {
		fail(hc, 500, "out of memory", now);
		return;
	}
	hc->phase = HS_BODY;
	if (req->expect_continue && hs_interim_continue(hc, now) < 0)
		return;
	hs_propfind_body(hc, now);
}
