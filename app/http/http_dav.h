/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebDAV PROPFIND bodies (RFC 4918 9.1, 14): the property query a client
 * sends and the 207 Multi-Status document the server answers, both read
 * and written with libxml2 (its parser on a bounded buffer, its
 * xmlTextWriter into memory), never pasted together as strings. No I/O,
 * no clock: the server hands in what it found on disk.
 *
 * Properties (RFC 4918 15; the kept digest as dCache names it):
 *   DAV:resourcetype      <D:collection/> for directories, empty else
 *   DAV:getcontentlength  files only (mod_dav does the same)
 *   DAV:getlastmodified   IMF-fixdate (RFC 1123 date, RFC 9110 5.6.7)
 *   DAV:getetag           files: the ETag a GET of the file carries
 *   DAV:getcontenttype    files: application/octet-stream, as GET says
 *   DAV:displayname       the last path component, when it is UTF-8
 *                         text XML can carry (else absent)
 *   {http://www.dcache.org/2013/webdav}Checksums
 *                         files whose SHA-256 tuskd keeps: an RFC 3230
 *                         Digest value, "sha-256=<base64>", as dCache's
 *                         WebDAV door lists its checksums (davix and
 *                         gfal2 skip properties they do not know)
 * allprop returns every one a resource has (Checksums too: reading a
 * kept digest costs one getxattr); prop returns those named, with the
 * ones a resource lacks, and any the server does not know, under a
 * 404 propstat (RFC 4918 9.1); propname returns the names only.
 */
#ifndef TUSK_HTTP_DAV_H
#define TUSK_HTTP_DAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_digest.h"

/* Request body bound: a propfind naming every property above takes
 * ~400 bytes (davix sends ~300); 16 KiB leaves room for verbose clients
 * and bounds the copy per connection. Over it: 413. */
#define TUSK_DAV_BODY_MAX 16384u
/* Properties we do not have that one request may name (each answered
 * 404): clients name a handful; more is refused (-E2BIG: 400). */
#define TUSK_DAV_FOREIGN_MAX 32
/* A foreign property's local name and namespace URI as kept. */
#define TUSK_DAV_NAME_MAX 128
#define TUSK_DAV_NS_MAX 256
/* The namespace of dCache's WebDAV properties (Checksums). */
#define TUSK_DAV_DCACHE_NS "http://www.dcache.org/2013/webdav"
/* An href: '/' + each path byte as "%XX" at worst + '/' + NUL. */
#define TUSK_DAV_HREF_MAX (3 * 4096 + 3)

enum tusk_dav_prop {
	TUSK_DAV_RESOURCETYPE = 0,
	TUSK_DAV_GETCONTENTLENGTH,
	TUSK_DAV_GETLASTMODIFIED,
	TUSK_DAV_GETETAG,
	TUSK_DAV_GETCONTENTTYPE,
	TUSK_DAV_DISPLAYNAME,
	TUSK_DAV_CHECKSUMS,
	TUSK_DAV_PROP_MAX,
};

enum tusk_dav_kind {
	TUSK_DAV_ALLPROP = 0,   /* also: no body (RFC 4918 9.1) */
	TUSK_DAV_PROPNAME,
	TUSK_DAV_PROP,
};

struct tusk_dav_foreign {
	char ns[TUSK_DAV_NS_MAX];      /* "" for no namespace */
	char name[TUSK_DAV_NAME_MAX];
};

struct tusk_dav_query {
	enum tusk_dav_kind kind;
	uint32_t want;                 /* PROP: bit (1 << enum tusk_dav_prop) */
	unsigned int n_foreign;
	struct tusk_dav_foreign foreign[TUSK_DAV_FOREIGN_MAX];
};

/* Initialise libxml2 once, before any lcore uses this file: its first
 * use sets up global tables (xmlInitParser) that are not safe to build
 * from two threads at once. Idempotent. */
void tusk_dav_init(void);

/*
 * Parse a PROPFIND body (len 0: allprop). Returns 0, or
 *   -EINVAL  not well-formed XML, a DTD (never needed, and the door to
 *            entity expansion), a root other than DAV:propfind, or none
 *            of allprop/propname/prop in it
 *   -E2BIG   over TUSK_DAV_BODY_MAX, more than TUSK_DAV_FOREIGN_MAX
 *            foreign properties, or a name/namespace over its bound
 */
int tusk_dav_query_parse(const char *body, size_t len,
			 struct tusk_dav_query *q);

/* One resource of the answer. */
struct tusk_dav_entry {
	const char *path;        /* relative, decoded; "" is the root */
	bool collection;
	uint64_t size;           /* files */
	int64_t mtime;           /* Unix seconds */
	const char *etag;        /* files: quoted entity tag, or NULL */
	const uint8_t *sha256;   /* files: kept digest, or NULL */
};

/*
 * The href of a path: "/" + the path's bytes percent-encoded except
 * RFC 3986 unreserved ones and '/', + "/" for a collection other than
 * the root. Returns the length or -ENOSPC.
 */
int tusk_dav_href(const char *path, bool collection, char *out,
		  size_t outlen);

struct tusk_dav_writer;

/* Start a multistatus document answering q (copied). NULL: no memory. */
struct tusk_dav_writer *tusk_dav_writer_new(const struct tusk_dav_query *q);
/* One <D:response> with the resource's properties. 0 or -ENOMEM,
 * -ENOSPC (href too long), -EIO (libxml2 refused). */
int tusk_dav_writer_add(struct tusk_dav_writer *w,
			const struct tusk_dav_entry *e);
/* A <D:response> with a status only (RFC 4918 14.24), e.g. 507 for a
 * listing cut at the server's bound, with the precondition element
 * `error` (DAV: namespace, RFC 4918 16) when not NULL. */
int tusk_dav_writer_add_status(struct tusk_dav_writer *w, const char *path,
			       bool collection, int status,
			       const char *error);
/* Close the document: *xml and *len stay valid until the writer is
 * freed. 0 or -EIO. */
int tusk_dav_writer_finish(struct tusk_dav_writer *w, const char **xml,
			   size_t *len);
void tusk_dav_writer_free(struct tusk_dav_writer *w);
/* Bytes of the document so far (libxml2's buffer may hold up to twice
 * that while it grows). */
size_t tusk_dav_writer_len(struct tusk_dav_writer *w);

/*
 * A <D:error> body naming the precondition `condition` (RFC 4918 16),
 * e.g. "propfind-finite-depth" for a 403 to Depth: infinity. Returns the
 * length written into out (NUL terminated) or -ENOSPC / -EIO.
 */
int tusk_dav_error_xml(const char *condition, char *out, size_t outlen);

#endif /* TUSK_HTTP_DAV_H */
