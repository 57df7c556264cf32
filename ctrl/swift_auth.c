/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift_auth: a token and a storage URL, from tempauth (v1.0) or Keystone
 * v3 (password method, project scope). The token is kept in struct
 * tusk_swift and renewed once when Swift answers 401 (swift_http.c).
 *
 * tempauth: GET auth_url with X-Auth-User / X-Auth-Key -> 200 with
 *   X-Auth-Token and X-Storage-Url.
 * Keystone v3 (Identity API v3, "Password authentication with scoped
 *   authorization"): POST auth_url/auth/tokens with
 *   {"auth":{"identity":{"methods":["password"],"password":{"user":
 *   {"name","domain":{"name"},"password"}}},"scope":{"project":{"name",
 *   "domain":{"name"}}}}} -> 201, the token in X-Subject-Token, and the
 *   catalog in the body: the "object-store" service's "public" endpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "swift_priv.h"

static int tempauth(struct tusk_swift *s, struct swift_req *r)
{
	int rc;

	snprintf(r->url, sizeof(r->url), "%s", s->cfg.auth_url);
	if (swift_req_header(r, "X-Auth-User: %s", s->cfg.user) != 0 ||
			swift_req_header(r, "X-Auth-Key: %s", s->cfg.key) != 0)
		return -ENOMEM;
	rc = tusk_swift_request(s, r);
	if (rc != 0)
		return rc;
	if (r->status != 200 && r->status != 204)
		return swift_seterr(s, -EACCES, "swift: tempauth %s as %s: "
			"%ld (wrong user or key?)", s->cfg.auth_url, s->cfg.user,
			r->status);
	if (r->token[0] == '\0' || r->storage_url[0] == '\0')
		return swift_seterr(s, -EPROTO, "swift: tempauth %s: no "
			"X-Auth-Token or X-Storage-Url", s->cfg.auth_url);
	return 0;
}

static json_t *keystone_body(const struct tusk_swift_cfg *c)
{
	const char *dom = c->domain != NULL ? c->domain : "Default";

	return json_pack("{s:{s:{s:[s],s:{s:{s:s,s:{s:s},s:s}}},"
		"s:{s:{s:s,s:{s:s}}}}}",
		"auth", "identity", "methods", "password", "password",
		"user", "name", c->user, "domain", "name", dom,
		"password", c->key,
		"scope", "project", "name", c->project != NULL ? c->project : "",
		"domain", "name", dom);
}

/* The object-store's public URL from a v3 token's catalog. */
static int keystone_endpoint(struct tusk_swift *s, json_t *tok)
{
	json_t *svc, *ep;
	size_t i, j;

	json_array_foreach(json_object_get(tok, "catalog"), i, svc) {
		const char *type = json_string_value(json_object_get(svc, "type"));

		if (type == NULL || strcmp(type, "object-store") != 0)
			continue;
		json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
			const char *itf = json_string_value(json_object_get(ep, "interface"));
			const char *reg = json_string_value(json_object_get(ep, "region_id"));
			const char *url = json_string_value(json_object_get(ep, "url"));

			if (itf == NULL || url == NULL || strcmp(itf, "public") != 0)
				continue;
			if (s->cfg.region != NULL && (reg == NULL ||
					strcmp(reg, s->cfg.region) != 0))
				continue;
			if (strlen(url) >= sizeof(s->storage_url))
				break;
			strcpy(s->storage_url, url);
			return 0;
		}
	}
	return swift_seterr(s, -ENOENT, "swift: keystone %s: no public "
		"object-store endpoint%s%s in the catalog", s->cfg.auth_url,
		s->cfg.region != NULL ? " in region " : "",
		s->cfg.region != NULL ? s->cfg.region : "");
}

static int keystone3(struct tusk_swift *s, struct swift_req *r)
{
	json_t *body = keystone_body(&s->cfg), *ans;
	char *text;
	int rc;

	if (body == NULL)
		return -ENOMEM;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		return -ENOMEM;
	snprintf(r->url, sizeof(r->url), "%s/auth/tokens", s->cfg.auth_url);
	r->body = text;
	r->body_len = strlen(text);
	rc = swift_req_header(r, "Content-Type: application/json");
	if (rc == 0)
		rc = tusk_swift_request(s, r);
	free(text);
	r->body = NULL;
	if (rc != 0)
		return rc;
	if (r->status != 201)
		return swift_seterr(s, -EACCES, "swift: keystone %s as %s: %ld "
			"(wrong user, password or project?)", s->cfg.auth_url,
			s->cfg.user, r->status);
	ans = r->resp != NULL ? json_loads(r->resp, 0, NULL) : NULL;
	if (ans == NULL || r->token[0] == '\0') {
		json_decref(ans);
		return swift_seterr(s, -EPROTO, "swift: keystone %s: no token "
			"or no JSON in the answer", s->cfg.auth_url);
	}
	rc = keystone_endpoint(s, json_object_get(ans, "token"));
	json_decref(ans);
	return rc;
}

int swift_auth_renew(struct tusk_swift *s, bool renew)
{
	struct swift_req r;
	int rc;

	swift_req_init(&r, s->cfg.auth == TUSK_SWIFT_AUTH_TEMPAUTH ? "GET" : "POST");
	rc = s->cfg.auth == TUSK_SWIFT_AUTH_TEMPAUTH ? tempauth(s, &r) :
		keystone3(s, &r);
	if (rc == 0) {
		strcpy(s->token, r.token);
		if (s->cfg.auth == TUSK_SWIFT_AUTH_TEMPAUTH)
			strcpy(s->storage_url, r.storage_url);
		s->stats.auths++;
		s->stats.renewals += renew;
	}
	swift_req_free(&r);
	return rc;
}

int tusk_swift_auth(struct tusk_swift *s)
{
	return swift_auth_renew(s, false);
}

void tusk_swift_set_token(struct tusk_swift *s, const char *token,
		const char *storage_url)
{
	snprintf(s->token, sizeof(s->token), "%s", token);
	snprintf(s->storage_url, sizeof(s->storage_url), "%s", storage_url);
}

int tusk_swift_init(struct tusk_swift *s, const struct tusk_swift_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (cfg->auth_url == NULL || cfg->user == NULL || cfg->key == NULL)
		return swift_seterr(s, -EINVAL, "swift: auth_url, user and key "
			"are required");
	if (cfg->auth == TUSK_SWIFT_AUTH_KEYSTONE3 && cfg->project == NULL)
		return swift_seterr(s, -EINVAL, "swift: keystone auth needs a project");
	if (s->cfg.segment_size == 0)
		s->cfg.segment_size = TUSK_SWIFT_SEGMENT_DEFAULT;
	if (s->cfg.segment_size > TUSK_SWIFT_SEGMENT_HARD_MAX)
		return swift_seterr(s, -EINVAL, "swift: segment_size %llu over "
			"Swift's 5 GiB object limit",
			(unsigned long long)s->cfg.segment_size);
	if (s->cfg.parallel == 0)
		s->cfg.parallel = TUSK_SWIFT_PARALLEL_DEFAULT;
	if (s->cfg.parallel > TUSK_SWIFT_PARALLEL_MAX)
		return swift_seterr(s, -EINVAL, "swift: parallel %u over %u",
			s->cfg.parallel, TUSK_SWIFT_PARALLEL_MAX);
	if (s->cfg.retries == UINT32_MAX)
		s->cfg.retries = TUSK_SWIFT_RETRIES_DEFAULT;
	if (s->cfg.timeout_s <= 0)
		s->cfg.timeout_s = 600;
	return 0;
}

const char *tusk_swift_error(const struct tusk_swift *s)
{
	return s->err;
}
