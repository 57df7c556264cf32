/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WebDAV namespace on the file endpoint (RFC 4918): MKCOL, DELETE and
 * MOVE, as davix-mkdir/-rm/-mv and gfal2's mkdir, unlink, rmdir and
 * rename send them.
 *
 *   hs_dav_start() -> common(): the root itself, internal names, a body
 *                  -> MOVE: move_dest(), move_check() (Destination,
 *                     Overwrite, refusals that need no file system)
 *                  -> submit(): a job for the namespace worker
 *                     (app/fileio fsop.h: tusk_root_mkdir / _remove /
 *                     _rename off the lcore), HS_WAIT
 *   hs_dav_poll()  -> the job's result -> mkcol_done() / delete_done() /
 *                     move_done(): the status
 *
 * Same rules as GET and PUT: the target is decoded by http_path.c (no
 * "..", no %2f), resolved beneath the root by root.c (a symlink that
 * leaves it: 403), tuskd's own names (uploads and fetches in progress)
 * are refused as PUT refuses them (403), and so is the root itself.
 *
 *   MKCOL   201; 405 when the name exists (RFC 4918 9.3.1), 409 when the
 *           parent is missing (no mkdir -p), 415 with a body.
 *   DELETE  a file or symlink: 204. A directory only when empty: 204,
 *           else 409 and nothing removed. RFC 4918 9.6.1 asks a DELETE
 *           of a collection to remove all it holds; tuskd does not: a
 *           recursive removal of a large tree would run for minutes on
 *           the lcore that serves the transfers, and a half-done one
 *           leaves a 207 of partial failures nobody reads. Clients that
 *           remove trees (gfal-rm -r, davix-rm on a directory's members)
 *           list and delete member by member, which works.
 *   MOVE    Destination (an absolute URI naming this server, or an
 *           absolute path), Overwrite T (default) or F. One atomic
 *           rename(2): readers see the old name or the new one. 201 (new
 *           name) or 204 (replaced); 412 with Overwrite: F and the
 *           destination there (RENAME_NOREPLACE: no window between the
 *           check and the rename); 409 for a missing destination parent,
 *           a non-empty directory in the way or a kind mismatch (file
 *           onto directory: the destination is never removed first, so
 *           a refused MOVE changes nothing); 403 onto itself, into
 *           itself, onto the root; 502 for another server's URI (RFC
 *           4918 9.9.4).
 *
 * The file system calls run on the server's namespace worker thread
 * (fsop.h): each is one metadata operation in one directory plus that
 * directory's fsync, which can take tens of ms; the lcore polls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fsop.h"
#include "http_server_priv.h"

static void
refuse(struct hs_conn *hc, int status, const char *why, uint64_t now)
{
	HS_LOG(INFO, "%s /%s: %d: %s\n", hc->req.method_text, hc->rel,
	       status, why);
	hs_respond_error(hc, status, now);
}

/* 0 when the request may go on, else the status answered. */
static int
common(struct hs_conn *hc, uint64_t now)
{
	const struct tusk_http_req *req = &hc->req;

	if (hc->rel[0] == '\0') {
		/* the root exists (MKCOL 405) and is never removed or moved */
		refuse(hc, req->method == TUSK_HTTP_MKCOL ? 405 : 403,
		       "the data root itself", now);
		return -1;
	}
	if (tusk_root_is_internal(hc->rel)) {
		refuse(hc, 403, "tuskd's own name", now);
		return -1;
	}
	/* RFC 4918 9.3.1: a MKCOL body we do not understand is 415 */
	if (req->method == TUSK_HTTP_MKCOL &&
	    (req->chunked || req->content_length > 0)) {
		refuse(hc, 415, "MKCOL with a body", now);
		return -1;
	}
	return 0;
}

static void
mkcol_done(struct hs_conn *hc, const struct tusk_fsop_result *r,
	   uint64_t now)
{
	if (r->rc == -EEXIST)
		refuse(hc, 405, "exists", now);
	else if (r->rc == -ENOENT || r->rc == -ENOTDIR)
		refuse(hc, 409, "no parent directory", now);
	else if (r->rc < 0)
		refuse(hc, hs_status_of_errno(r->rc), strerror(-r->rc), now);
	else
		hs_respond_error(hc, 201, now);
}

static void
delete_done(struct hs_conn *hc, const struct tusk_fsop_result *r,
	    uint64_t now)
{
	if (r->rc == -ENOTEMPTY || r->rc == -EEXIST)
		refuse(hc, 409, "directory not empty (no recursive DELETE)",
		       now);
	else if (r->rc < 0)
		refuse(hc, hs_status_of_errno(r->rc), strerror(-r->rc), now);
	else
		hs_respond_error(hc, 204, now);
}

/* "host[:port]" [a, a + n): the host's length and the port (the
 * scheme's default when absent: "h" and "h:80" name one http server,
 * "h" and "h:443" one https server, RFC 3986 6.2.3). */
static size_t
authority_split(const char *a, size_t n, unsigned long dflt,
		unsigned long *port)
{
	const char *c = memrchr(a, ':', n);

	*port = dflt;
	if (c == NULL || memchr(c, ']', n - (size_t)(c - a)) != NULL)
		return n; /* no port (or an IPv6 literal's colons) */
	*port = strtoul(c + 1, NULL, 10);
	return (size_t)(c - a);
}

/* Is the absolute URI's authority ("http://host:port/...") ours: the
 * request's Host (on an https connection when tls), at that port or at
 * our other listener's (one namespace is served on both)? An absolute
 * path has none and is ours. */
static bool
same_server(const struct hs_conn *hc, const char *dest)
{
	const struct tusk_http_server_conf *cf = &hc->srv->conf;
	const char *host = hc->req.host;
	bool tls = hc->tls != NULL;
	const char *a = strstr(dest, "://"), *e;
	unsigned long dport, hport;
	size_t dn, hn;

	if (dest[0] == '/' || a == NULL)
		return true;
	a += 3;
	for (e = a; *e != '\0' && *e != '/' && *e != '?' && *e != '#'; e++)
		;
	dn = authority_split(a, (size_t)(e - a),
			     strncasecmp(dest, "https://", 8) == 0 ? 443 : 80,
			     &dport);
	hn = authority_split(host, strlen(host), tls ? 443 : 80, &hport);
	return dn == hn && strncasecmp(a, host, dn) == 0 &&
	       (dport == hport || dport == cf->port ||
		dport == (cf->https_port != 0 ? cf->https_port : 443u));
}

/* The MOVE destination as a path under the root into to[]; 0 or the
 * status answered. */
static int
move_dest(struct hs_conn *hc, char *to, size_t len, bool *noreplace,
	  uint64_t now)
{
	char v[TUSK_HTTP_TARGET_MAX], ow[8];
	int rc;

	rc = tusk_http_head_field(hc->head, hc->req.head_len, "Destination",
				  v, sizeof(v));
	if (rc <= 0) {
		refuse(hc, rc == -ENOSPC ? 414 : 400, "no Destination", now);
		return -1;
	}
	if (!same_server(hc, v)) {
		refuse(hc, 502, "Destination on another server", now);
		return -1;
	}
	rc = tusk_http_path_from_target(v, to, len);
	if (rc < 0) {
		refuse(hc, -rc, "Destination refused", now);
		return -1;
	}
	/* RFC 4918 10.6: "T" or "F", T when absent */
	rc = tusk_http_head_field(hc->head, hc->req.head_len, "Overwrite",
				  ow, sizeof(ow));
	*noreplace = rc > 0 && strcasecmp(ow, "F") == 0;
	if (rc != -ENOENT && !(rc > 0 && (*noreplace ||
					  strcasecmp(ow, "T") == 0))) {
		refuse(hc, 400, "Overwrite is not T or F", now);
		return -1;
	}
	return 0;
}

/* Refusals that need no file system: 0 or the status answered. */
static int
move_check(struct hs_conn *hc, const char *to, uint64_t now)
{
	size_t n = strlen(hc->rel);

	if (to[0] == '\0')
		refuse(hc, 403, "onto the data root", now);
	else if (tusk_root_is_internal(to))
		refuse(hc, 403, "onto tuskd's own name", now);
	else if (strcmp(to, hc->rel) == 0)
		refuse(hc, 403, "onto itself", now);
	else if (strncmp(to, hc->rel, n) == 0 && to[n] == '/')
		refuse(hc, 403, "into itself", now);
	else
		return 0;
	return -1;
}

static void
move_done(struct hs_conn *hc, const struct tusk_fsop_result *r,
	  uint64_t now)
{
	int rc = r->rc;

	if (r->src_missing)
		refuse(hc, 404, "no such source", now);
	else if (r->kept)
		refuse(hc, 412, "destination exists, Overwrite: F", now);
	else if (rc == -ENOENT || rc == -ENOTDIR || rc == -EISDIR ||
		 rc == -ENOTEMPTY || rc == -EEXIST)
		refuse(hc, 409, strerror(-rc), now);
	else if (rc < 0)
		refuse(hc, hs_status_of_errno(rc), strerror(-rc), now);
	else
		hs_respond_error(hc, r->replaced ? 204 : 201, now);
}

/* Hand the change to the namespace worker; HS_WAIT until it is done. */
static void
submit(struct hs_conn *hc, enum tusk_fsop_kind kind, const char *to,
       bool noreplace, uint64_t now)
{
	hc->fsjob = tusk_fsop_submit(hc->srv->fsop, kind, hc->rel, to,
				     noreplace);
	if (hc->fsjob == NULL) {
		refuse(hc, errno == ENOBUFS ? 503 : 500, strerror(errno), now);
		return;
	}
	hc->phase = HS_WAIT;
	hs_busy(hc, true);
}

void
hs_dav_poll(struct hs_conn *hc, uint64_t now)
{
	struct tusk_fsop_result r;

	if (hc->fsjob == NULL)
		return;
	if (tusk_fsop_poll(hc->fsjob, &r) < 0) {
		hs_busy(hc, true);
		return;
	}
	hs_dav_free(hc);
	if (hc->req.method == TUSK_HTTP_MKCOL)
		mkcol_done(hc, &r, now);
	else if (hc->req.method == TUSK_HTTP_DELETE)
		delete_done(hc, &r, now);
	else
		move_done(hc, &r, now);
}

void
hs_dav_free(struct hs_conn *hc)
{
	tusk_fsop_job_free(hc->fsjob);
	hc->fsjob = NULL;
}

void
hs_dav_start(struct hs_conn *hc, uint64_t now)
{
	char to[TUSK_HTTP_PATH_MAX];
	bool noreplace = false;

	if (common(hc, now) < 0)
		return;
	if (hc->req.method == TUSK_HTTP_MKCOL) {
		submit(hc, TUSK_FSOP_MKDIR, NULL, false, now);
	} else if (hc->req.method == TUSK_HTTP_DELETE) {
		submit(hc, TUSK_FSOP_REMOVE, NULL, false, now);
	} else if (move_dest(hc, to, sizeof(to), &noreplace, now) == 0 &&
		   move_check(hc, to, now) == 0 &&
		   hs_auth_check_dest(hc, to, now)) {
		/* a token that may create the destination but not replace
		 * it: no replacing what appeared since the check either */
		submit(hc, TUSK_FSOP_RENAME, to,
		       noreplace || hc->put.no_replace, now);
	}
}
