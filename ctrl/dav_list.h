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

/* The files (not collections) directly in the collection `url` (ending
 * in '/'), as a JSON array of absolute URLs in the order served. 0, or
 * -errno with the reason in why: -EAGAIN when a retry may mend it (no
 * connection, a timeout, a 5xx), -EIO when it will not (another status,
 * not a collection), -ENOMEM. */
int tusk_dav_list(const char *url, json_t **files, char *why, size_t len);

/* The multistatus XML `body` of a PROPFIND of `url`, parsed (the part
 * without the network, for tests). */
int tusk_dav_parse(const char *url, const char *body, size_t blen,
		   json_t **files, char *why, size_t len);

#endif
