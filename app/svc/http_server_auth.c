/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every request's authority, before anything touches the data root
 * (http_auth.h has the policy):
 *
 *   dispatch() -> hs_auth_check() -> credentials(): Authorization: Bearer
 *                                    or ?authz=
 *                                 -> activity(): by method; PUT and a
 *                                    COPY pull look whether the target
 *                                    exists (create or modify); a
 *                                    PROPFIND of Depth 0 is a stat
 *                                 -> tusk_http_auth_decide()
 *                                 -> a create-only PUT: may_modify()
 *                                    says whether its commit may replace
 *                                 -> counted; 401 / 403 answered here
 *
 * Tokens are never logged: the log lines of the endpoint name hc->rel,
 * the path without its query, and this file logs only outcomes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_server_priv.h"

/* "/proc/self/fd/" and an int. */
#define HS_AUTH_FDLINK_MAX 32

/* The absolute path fd names (its symlinks resolved by the kernel). */
static int
fd_path(int fd, char *out, size_t len)
{
	char link[HS_AUTH_FDLINK_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, len - 1);
	if (n < 0 || (size_t)n >= len - 1)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/* Where rel really is beneath the root, as "/a/b": the directories'
 * symlinks resolved, and the last component's too when `follow` (a read
 * goes through it; a write, a removal or a rename acts on the name
 * itself). 0, or -errno when there is nothing there to resolve (the
 * request then fails on its own: 404, 409). */
static int
real_path(const struct tusk_root *root, const char *rel, bool follow,
	  char *out, size_t len)
{
	char rootp[TUSK_HTTP_PATH_MAX + 1], dir[TUSK_HTTP_PATH_MAX + 1];
	char got[2 * TUSK_HTTP_PATH_MAX];
	const char *name = NULL, *slash = strrchr(rel, '/');
	size_t rn;
	int fd, rc;

	if (fd_path(tusk_root_fd(root), rootp, sizeof(rootp)) < 0)
		return -ENAMETOOLONG;
	fd = follow ? tusk_root_openat(root, rel, O_RDONLY, 0) : -ENOENT;
	if (fd == -EISDIR)
		fd = tusk_root_openat(root, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) { /* the directory it is (or would be) in */
		name = slash != NULL ? slash + 1 : rel;
		snprintf(dir, sizeof(dir), "%.*s",
			 slash != NULL ? (int)(slash - rel) : 0, rel);
		fd = dir[0] == '\0' ? dup(tusk_root_fd(root)) :
		     tusk_root_openat(root, dir, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return fd == -1 ? -errno : fd;
	}
	rc = fd_path(fd, got, sizeof(got));
	close(fd);
	rn = strlen(rootp);
	if (rc < 0 || strncmp(got, rootp, rn) != 0 ||
	    (got[rn] != '/' && got[rn] != '\0'))
		return -EXDEV; /* cannot be: openat2 stays beneath */
	rc = snprintf(out, len, "%s%s%s", got[rn] == '\0' ? "/" : got + rn,
		      name != NULL && got[rn] != '\0' ? "/" : "",
		      name != NULL ? name : "");
	return rc < 0 || (size_t)rc >= len ? -ENAMETOOLONG : 0;
}

/* WWW-Authenticate value: Bearer, the realm (the appliance's name,
 * TUSK_AUTH_JWT_NAME_MAX) and an error code (RFC 6750 3). */
#define HS_AUTH_CHALLENGE_MAX (TUSK_AUTH_JWT_NAME_MAX + 64)

/* What writing `rel` asks: create a file, or modify one there is. */
static uint32_t
write_act(const struct hs_conn *hc, const char *rel)
{
	struct stat st;

	if (tusk_root_stat(hc->srv->env->root, rel, &st) == 0)
		return TUSK_AUTH_MODIFY;
	return TUSK_AUTH_CREATE;
}

/* Is the field there at all, empty or too long to read included? The
 * copy code (http_server_tpc.c) decides pull or push from the same
 * fields; judging presence, not validity, keeps a value the two read
 * differently (empty, longer than a URL) from turning a push into what
 * was authorised as a pull. */
static bool
has_field(const struct hs_conn *hc, const char *name)
{
	char v[8];

	return tusk_http_head_field(hc->head, hc->req.head_len, name, v,
				    sizeof(v)) != -ENOENT;
}

/* A COPY with Source pulls into the target (a write of it); with
 * Destination it pushes the target out (a read of it). With both, both
 * are asked (hs_auth_check) and the copy code refuses it anyway. */
static uint32_t
copy_act(const struct hs_conn *hc)
{
	return has_field(hc, "Source") ? write_act(hc, hc->rel)
				       : TUSK_AUTH_READ;
}

/* PROPFIND Depth 0 is a stat (any grant on the path allows it, profile:
 * read/create/modify/stage include stat); Depth 1 or infinity lists. */
static uint32_t
propfind_act(const struct hs_conn *hc)
{
	return hc->req.depth == TUSK_HTTP_DEPTH_0 ? TUSK_AUTH_STAT
						  : TUSK_AUTH_LIST;
}

/* The activity of hc's request (app/auth/auth_scope.h). */
static uint32_t
activity(const struct hs_conn *hc)
{
	switch (hc->req.method) {
	case TUSK_HTTP_GET:
	case TUSK_HTTP_HEAD:
		return TUSK_AUTH_READ;
	case TUSK_HTTP_PROPFIND:
		return propfind_act(hc);
	case TUSK_HTTP_PUT:
		return write_act(hc, hc->rel);
	case TUSK_HTTP_MKCOL:
		return TUSK_AUTH_CREATE;
	case TUSK_HTTP_DELETE: /* storage.modify grants it, as macaroon DELETE */
		return TUSK_AUTH_DELETE;
	case TUSK_HTTP_MOVE: /* its destination: hs_auth_check_dest() */
		return TUSK_AUTH_MODIFY;
	case TUSK_HTTP_COPY:
		return copy_act(hc);
	default:
		/* a method without its row here needs the widest grant */
		return TUSK_AUTH_MODIFY;
	}
}

/* The token: the Authorization field (still in hc->head: the request
 * is being dispatched), else ?authz= in the target. */
static void
credentials(const struct hs_conn *hc, struct tusk_http_auth_req *r)
{
	const struct tusk_http_req *req = &hc->req;

	r->tok_bad = req->authz_bad;
	if (req->authz_len > 0) {
		r->tok = hc->head + req->authz_off;
		r->tok_len = req->authz_len;
		return;
	}
	r->tok = tusk_http_auth_query_token(req->target, &r->tok_len);
}

static void
refuse(struct hs_conn *hc, enum tusk_http_auth_outcome o, uint64_t now)
{
	char challenge[HS_AUTH_CHALLENGE_MAX];
	struct tusk_http_resp_info ri = {
		.status = o == TUSK_HTTP_AUTH_FORBIDDEN ? 403 : 401,
		.www_authenticate = challenge,
	};

	/* RFC 6750 3: no error code when no credentials came */
	snprintf(challenge, sizeof(challenge), "Bearer realm=\"%s\"%s",
		 hc->srv->conf.auth->jwt.audience,
		 o == TUSK_HTTP_AUTH_MISSING ? "" :
		 o == TUSK_HTTP_AUTH_INVALID ? ", error=\"invalid_token\"" :
		 ", error=\"insufficient_scope\"");
	hs_respond_error_info(hc, &ri, now);
}

/* A PUT allowed as a create: may the token also replace? If not, the
 * commit must not replace a file another upload created meanwhile
 * (tusk_root_commit_new). Asked of the cache the decision just filled;
 * not counted as a decision. */
static bool
may_modify(struct hs_conn *hc, struct tusk_http_auth_req *r)
{
	enum tusk_auth_verdict why;

	r->act = TUSK_AUTH_MODIFY;
	return tusk_http_auth_decide(hc->srv->conf.auth, &hc->srv->auth_cache,
				     r, (int64_t)time(NULL), &why) ==
	       TUSK_HTTP_AUTH_ALLOW;
}

/* An operator's symlink must not carry a token beyond its scope: the
 * place rel resolves to is asked too (same activity), when it differs.
 * Reads follow the last component; everything else acts on the name. */
static enum tusk_http_auth_outcome
resolved(struct hs_conn *hc, struct tusk_http_auth_req *r, const char *rel,
	 enum tusk_http_auth_outcome o, enum tusk_auth_verdict *why)
{
	char real[TUSK_HTTP_PATH_MAX + 1];
	const char *named = r->path;
	bool follow = r->act == TUSK_AUTH_READ || r->act == TUSK_AUTH_LIST ||
		      r->act == TUSK_AUTH_STAT;
	enum tusk_http_auth_outcome o2;

	if (hc->srv->conf.auth->mode == TUSK_HTTP_AUTH_OFF ||
	    real_path(hc->srv->env->root, rel, follow, real, sizeof(real)) < 0 ||
	    (tusk_auth_path_covers(real, named) &&
	     tusk_auth_path_covers(named, real)))
		return o; /* nothing there, or no symlink on the way */
	r->path = real;
	o2 = tusk_http_auth_decide(hc->srv->conf.auth, &hc->srv->auth_cache, r,
				   (int64_t)time(NULL), why);
	r->path = named;
	if (o2 > TUSK_HTTP_AUTH_ALLOW_OFF)
		HS_LOG(DEBUG, "%s %s: a symlink leads to %s\n",
		       hc->req.method_text, rel, real);
	return o2 > TUSK_HTTP_AUTH_ALLOW_OFF ? o2 : o;
}

/* May hc's token do `act` on `rel`? Else answered (401/403). */
static bool
check(struct hs_conn *hc, const char *rel, uint32_t act, uint64_t now)
{
	struct tusk_http_server *srv = hc->srv;
	char path[TUSK_HTTP_PATH_MAX + 1];
	struct tusk_http_auth_req r = { .path = path };
	enum tusk_http_auth_outcome o;
	enum tusk_auth_verdict why;

	snprintf(path, sizeof(path), "/%s", rel);
	credentials(hc, &r);
	r.act = act;
	o = tusk_http_auth_decide(srv->conf.auth, &srv->auth_cache, &r,
				  (int64_t)time(NULL), &why);
	if (o == TUSK_HTTP_AUTH_ALLOW || o == TUSK_HTTP_AUTH_ALLOW_ANON)
		o = resolved(hc, &r, rel, o, &why);
	hc->put.no_replace = o == TUSK_HTTP_AUTH_ALLOW &&
			     r.act == TUSK_AUTH_CREATE &&
			     !may_modify(hc, &r);
	srv->auth[o]++;
	if (o == TUSK_HTTP_AUTH_INVALID)
		srv->auth_invalid[why]++;
	if (o <= TUSK_HTTP_AUTH_ALLOW_OFF)
		return true;
	HS_LOG(DEBUG, "%s %s: refused: %s%s%s\n", hc->req.method_text,
	       rel, tusk_http_auth_outcome_name(o),
	       o == TUSK_HTTP_AUTH_INVALID ? ", " : "",
	       o == TUSK_HTTP_AUTH_INVALID ? tusk_auth_verdict_name(why) : "");
	refuse(hc, o, now);
	return false;
}

bool
hs_auth_check(struct hs_conn *hc, uint64_t now)
{
	/* a COPY naming both ends needs both reading and writing */
	if (hc->req.method == TUSK_HTTP_COPY && has_field(hc, "Source") &&
	    has_field(hc, "Destination") &&
	    !check(hc, hc->rel, TUSK_AUTH_READ, now))
		return false;
	return check(hc, hc->rel, activity(hc), now);
}

bool
hs_auth_check_dest(struct hs_conn *hc, const char *to, uint64_t now)
{
	return check(hc, to, write_act(hc, to), now);
}

json_t *
hs_auth_json(const struct tusk_http_server *srv)
{
	json_t *o = json_object();
	unsigned i;
	char name[48];

	if (o == NULL)
		return NULL;
	for (i = 0; i < TUSK_HTTP_AUTH_OUTCOMES; i++)
		json_object_set_new(o, tusk_http_auth_outcome_name(i),
				    json_integer((json_int_t)srv->auth[i]));
	for (i = 1; i < TUSK_AUTH_VERDICTS; i++) {
		snprintf(name, sizeof(name), "invalid_%s",
			 tusk_auth_verdict_name(i));
		json_object_set_new(o, name, json_integer(
			(json_int_t)srv->auth_invalid[i]));
	}
	json_object_set_new(o, "cache_hits",
			    json_integer((json_int_t)srv->auth_cache.hits));
	json_object_set_new(o, "cache_misses",
			    json_integer((json_int_t)srv->auth_cache.misses));
	json_object_set_new(o, "cache_evicted",
			    json_integer((json_int_t)srv->auth_cache.evicted));
	return o;
}
