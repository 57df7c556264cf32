/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a token grants: activities on a path prefix. Shared by the token
 * kinds (appliance macaroons today, WLCG JWTs next), so both answer the
 * same question the same way: may this activity touch this path?
 *
 * Rules from the WLCG common JWT profile (WLCG-AuthZ-WG/common-jwt-profile
 * profile.md, "Storage scopes"; see app/auth/README.md):
 * - the path is mandatory and absolute;
 * - it matches as a prefix per whole path component: /foo/bar covers
 *   /foo/bar and /foo/bar/x, never /foo/bargain;
 * - create is upload of a new file only (no overwrite, no delete);
 *   modify includes create.
 * No I/O, no clock.
 */
#ifndef TUSK_AUTH_SCOPE_H
#define TUSK_AUTH_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Activities, as bits so a grant holds several. */
enum tusk_auth_act {
	TUSK_AUTH_READ = 1u << 0,   /* GET, HEAD (storage.read, DOWNLOAD) */
	TUSK_AUTH_CREATE = 1u << 1, /* PUT of a new file (storage.create, UPLOAD) */
	TUSK_AUTH_MODIFY = 1u << 2, /* PUT over a file (storage.modify, MANAGE) */
	TUSK_AUTH_STAGE = 1u << 3,  /* storage.stage: bring online */
	TUSK_AUTH_LIST = 1u << 4,   /* PROPFIND of a collection (LIST) */
	TUSK_AUTH_DELETE = 1u << 5, /* DELETE (macaroon DELETE) */
	TUSK_AUTH_STAT = 1u << 6,   /* PROPFIND Depth 0 (READ_METADATA):
				     * implied by any other activity */
};

/* Longest path a grant carries: the HTTP endpoint's own path limit is
 * shorter, so a longer scope could never match anything anyway. */
#define TUSK_AUTH_PATH_MAX 1024
/* Grants per token: a WLCG token lists a handful of scopes; 16 leaves
 * room without letting one token make every check a long scan. */
#define TUSK_AUTH_GRANTS_MAX 16

struct tusk_auth_grant {
	uint32_t acts; /* enum tusk_auth_act bits */
	char path[TUSK_AUTH_PATH_MAX];
};

/* Is path a valid grant path: absolute, no "." or ".." component, no
 * empty component except a trailing "/", no NUL within len? */
bool tusk_auth_path_valid(const char *path, size_t len);

/* Does the grant path cover the request path (both absolute and valid),
 * by whole components? A trailing "/" on either is ignored. */
bool tusk_auth_path_covers(const char *grant, const char *req);

/* Activities the bits in acts imply: modify implies create, and any
 * activity implies stat (profile; XRootD's READ_METADATA). */
uint32_t tusk_auth_act_implied(uint32_t acts);

/* Does any of n grants allow activity act (one bit) on path? */
bool tusk_auth_allows(const struct tusk_auth_grant *g, unsigned n,
		      uint32_t act, const char *path);

#endif
