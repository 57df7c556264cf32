/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dav_list: the files of a WebDAV collection, by PROPFIND with Depth: 1
 * (RFC 4918 section 9.1), through libcurl; the multistatus answer read
 * with libxml2. What tuskd's HTTP endpoint, davix-ls and gfal2 speak.
 */
#ifndef TUSK_CTRL_DAV_LIST_H
#define TUSK_CTRL_DAV_LIST_H

#include <stddef.h>

#include <jansson.h>

/* How long a listing may take: a collection of thousands of entries
 * answers in well under a second on a LAN; 30 s covers a long path. */
#define TUSK_DAV_TIMEOUT_S 30
/* Largest multistatus body read: ~300 bytes per entry, 10000 entries. */
#define TUSK_DAV_BODY_MAX (16u << 20)

/* Longest bearer token sent: a WLCG JWT is 1-2 kB; tuskd's own limit on
 * a token it verifies is 8 kB (TUSK_AUTH_JWT_TOKEN_MAX). */
#define TUSK_DAV_TOKEN_MAX 8192

/* The files (not collections) directly in the collection `url` (ending
 * in '/'), as a JSON array of absolute URLs in the order served. With a
 * `token` (a b64token, or NULL) the PROPFIND carries "Authorization:
 * Bearer <token>", as the session's fetches do, and every file listed
 * must be on the listing's own origin (scheme://host:port): the
 * fetches would carry the token there, and a source that lists another
 * host's URLs must not get the token sent to that host (-EIO). 0, or
 * -errno with the reason in why: -EAGAIN when a retry may mend it (no
 * connection, a timeout, a 5xx), -EIO when it will not (another status,
 * not a collection, a file on another origin with a token), -ENOMEM,
 * -EINVAL (a token too long). */
int tusk_dav_list(const char *url, const char *token, json_t **files,
		  char *why, size_t len);

/* Is every URL of files on url's origin (scheme://host[:port],
 * compared case-insensitively)? NULL, or the first one that is not. */
const char *tusk_dav_foreign(const char *url, const json_t *files);

/* The multistatus XML `body` of a PROPFIND of `url`, parsed (the part
 * without the network, for tests). */
int tusk_dav_parse(const char *url, const char *body, size_t blen,
		   json_t **files, char *why, size_t len);

#endif
