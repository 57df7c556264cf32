/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WebDAV namespace on the file endpoint (RFC 4918): MKCOL, DELETE and
 * MOVE, as davix-mkdir/-rm/-mv and gfal2's mkdir, unlink, rmdir and
 * rename send them.
 *
 *   hs_dav_start() -> common(): the root itself, internal names, a body
 *                  -> mkcol() / delete() / move() -> app/fileio root.h:
 *                     tusk_root_mkdir / _remove / _rename
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
 * The file system calls run on the lcore, as PUT's commit and PROPFIND's
 * stat do: each is one metadata operation in one directory plus the
 * directory's fsync (tens of microseconds to a few ms on ext4 here),
 * bounded, never a walk of a tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "http_server_priv.h"

/* Mode of a directory MKCOL creates (the umask applies). */
#define HS_DAV_DIR_MODE 0755

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
mkcol(struct hs_conn *hc, uint64_t now)
{
	int rc = tusk_root_mkdir(hc->srv->env->root, hc->rel,
				 HS_DAV_DIR_MODE);

	if (rc == -EEXIST)
		refuse(hc, 405, "exists", now);
	else if (rc == -ENOENT || rc == -ENOTDIR)
		refuse(hc, 409, "no parent directory", now);
	else if (rc < 0)
		refuse(hc, hs_status_of_errno(rc), strerror(-rc), now);
	else
		hs_respond_error(hc, 201, now);
}

static void
delete(struct hs_conn *hc, uint64_t now)
{
	const struct tusk_root *root = hc->srv->env->root;
	int rc = tusk_root_remove(root, hc->rel, false);

	/* unlinkat(2) of a directory without AT_REMOVEDIR: EISDIR */
	if (rc == -EISDIR)
		rc = tusk_root_remove(root, hc->rel, true);
	if (rc == -ENOTEMPTY || rc == -EEXIST)
		refuse(hc, 409, "directory not empty (no recursive DELETE)",
		       now);
	else if (rc < 0)
		refuse(hc, hs_status_of_errno(rc), strerror(-rc), now);
	else
		hs_respond_error(hc, 204, now);
}

/* "host[:port]" [a, a + n): the host's length and the port (80 when
 * absent: "h" and "h:80" name one server, RFC 3986 6.2.3). */
static size_t
authority_split(const char *a, size_t n, unsigned long *port)
{
	const char *c = memrchr(a, ':', n);

	*port = 80;
	if (c == NULL || memchr(c, ']', n - (size_t)(c - a)) != NULL)
		return n; /* no port (or an IPv6 literal's colons) */
	*port = strtoul(c + 1, NULL, 10);
	return (size_t)(c - a);
}

/* Is the absolute URI's authority ("http://host:port/...") ours (the
 * request's Host)? An absolute path has none and is ours. */
static bool
same_server(const char *dest, const char *host)
{
	const char *a = strstr(dest, "://"), *e;
	unsigned long dport, hport;
	size_t dn, hn;

	if (dest[0] == '/' || a == NULL)
		return true;
	a += 3;
	for (e = a; *e != '\0' && *e != '/' && *e != '?' && *e != '#'; e++)
		;
	dn = authority_split(a, (size_t)(e - a), &dport);
	hn = authority_split(host, strlen(host), &hport);
	return dn == hn && dport == hport && strncasecmp(a, host, dn) == 0;
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
	if (!same_server(v, hc->req.host)) {
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
move(struct hs_conn *hc, uint64_t now)
{
	const struct tusk_root *root = hc->srv->env->root;
	char to[TUSK_HTTP_PATH_MAX];
	bool noreplace, existed;
	struct stat st;
	int rc;

	if (move_dest(hc, to, sizeof(to), &noreplace, now) < 0 ||
	    move_check(hc, to, now) < 0)
		return;
	rc = tusk_root_stat(root, hc->rel, &st);
	if (rc < 0) {
		refuse(hc, hs_status_of_errno(rc), "no such source", now);
		return;
	}
	existed = tusk_root_stat(root, to, &st) == 0;
	rc = tusk_root_rename(root, hc->rel, to, noreplace);
	if (rc == -EEXIST && noreplace)
		refuse(hc, 412, "destination exists, Overwrite: F", now);
	else if (rc == -ENOENT || rc == -ENOTDIR || rc == -EISDIR ||
		 rc == -ENOTEMPTY || rc == -EEXIST)
		refuse(hc, 409, strerror(-rc), now);
	else if (rc < 0)
		refuse(hc, hs_status_of_errno(rc), strerror(-rc), now);
	else
		hs_respond_error(hc, existed ? 204 : 201, now);
}

void
hs_dav_start(struct hs_conn *hc, uint64_t now)
{
	if (common(hc, now) < 0)
		return;
	switch (hc->req.method) {
	case TUSK_HTTP_MKCOL:
		mkcol(hc, now);
		break;
	case TUSK_HTTP_DELETE:
		delete(hc, now);
		break;
	default:
		move(hc, now);
		break;
	}
}
