/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path and activity checks for token grants (auth_scope.h).
 * tusk_auth_allows() -> tusk_auth_act_implied(), tusk_auth_path_covers()
 */
#include <string.h>

#include "auth_scope.h"

/* One component of a path starting at p (after a '/'), length n. */
static bool
component_ok(const char *p, size_t n)
{
	if (n == 1 && p[0] == '.')
		return false;
	if (n == 2 && p[0] == '.' && p[1] == '.')
		return false;
	return memchr(p, '\0', n) == NULL;
}

bool
tusk_auth_path_valid(const char *path, size_t len)
{
	size_t i = 1, start;

	if (len == 0 || len >= TUSK_AUTH_PATH_MAX || path[0] != '/')
		return false;
	while (i < len) {
		start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i == start) /* "//": empty component */
			return false;
		if (!component_ok(path + start, i - start))
			return false;
		i++; /* the '/' (or one past the end) */
	}
	return true;
}

/* Length of p without one trailing '/' ("/" becomes 0: the root). */
static size_t
trimmed_len(const char *p)
{
	size_t n = strlen(p);

	return n > 0 && p[n - 1] == '/' ? n - 1 : n;
}

bool
tusk_auth_path_covers(const char *grant, const char *req)
{
	size_t gn = trimmed_len(grant), rn = trimmed_len(req);

	if (gn == 0) /* "/": the whole root */
		return true;
	if (rn < gn || memcmp(grant, req, gn) != 0)
		return false;
	/* /foo/bar must not cover /foo/bargain: the match ends a component */
	return rn == gn || req[gn] == '/';
}

uint32_t
tusk_auth_act_implied(uint32_t acts)
{
	if (acts & TUSK_AUTH_MODIFY)
		acts |= TUSK_AUTH_CREATE;
	if (acts != 0)
		acts |= TUSK_AUTH_STAT;
	return acts;
}

bool
tusk_auth_allows(const struct tusk_auth_grant *g, unsigned n, uint32_t act,
		 const char *path)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if ((tusk_auth_act_implied(g[i].acts) & act) == act &&
		    tusk_auth_path_covers(g[i].path, path))
			return true;
	return false;
}
