/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every request's authority, before anything touches the data root
 * (http_auth.h has the policy):
 *
 *   dispatch() -> hs_auth_check() -> credentials(): Authorization: Bearer
 *                                    or ?authz=
 *                                 -> activity(): by method; PUT looks
 *                                    whether the target exists (create
 *                                    or modify)
 *                                 -> tusk_http_auth_decide()
 *                                 -> a create-only PUT: may_modify()
 *                                    says whether its commit may replace
 *                                 -> counted; 401 / 403 answered here
 *
 * Tokens are never logged: the log lines of the endpoint name hc->rel,
 * the path without its query, and this file logs only outcomes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "http_server_priv.h"

/* WWW-Authenticate value: Bearer, the realm (the appliance's name,
 * TUSK_AUTH_JWT_NAME_MAX) and an error code (RFC 6750 3). */
#define HS_AUTH_CHALLENGE_MAX (TUSK_AUTH_JWT_NAME_MAX + 64)

/* What a PUT of hc->rel asks: create a file, or modify one there is. */
static uint32_t
put_act(const struct hs_conn *hc)
{
	struct stat st;

	if (tusk_root_stat(hc->srv->env->root, hc->rel, &st) == 0)
		return TUSK_AUTH_MODIFY;
	return TUSK_AUTH_CREATE;
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
		return TUSK_AUTH_LIST;
	case TUSK_HTTP_PUT:
		return put_act(hc);
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

bool
hs_auth_check(struct hs_conn *hc, uint64_t now)
{
	struct tusk_http_server *srv = hc->srv;
	char path[TUSK_HTTP_PATH_MAX + 1];
	struct tusk_http_auth_req r = { .path = path };
	enum tusk_http_auth_outcome o;
	enum tusk_auth_verdict why;

	snprintf(path, sizeof(path), "/%s", hc->rel);
	credentials(hc, &r);
	r.act = activity(hc);
	o = tusk_http_auth_decide(srv->conf.auth, &srv->auth_cache, &r,
				  (int64_t)time(NULL), &why);
	hc->put.no_replace = o == TUSK_HTTP_AUTH_ALLOW &&
			     r.act == TUSK_AUTH_CREATE &&
			     !may_modify(hc, &r);
	srv->auth[o]++;
	if (o == TUSK_HTTP_AUTH_INVALID)
		srv->auth_invalid[why]++;
	if (o <= TUSK_HTTP_AUTH_ALLOW_OFF)
		return true;
	HS_LOG(DEBUG, "%s %s: refused: %s%s%s\n", hc->req.method_text,
	       hc->rel, tusk_http_auth_outcome_name(o),
	       o == TUSK_HTTP_AUTH_INVALID ? ", " : "",
	       o == TUSK_HTTP_AUTH_INVALID ? tusk_auth_verdict_name(why) : "");
	refuse(hc, o, now);
	return false;
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
