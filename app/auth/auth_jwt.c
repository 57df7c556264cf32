/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WLCG JWTs (auth_jwt.h).
 * issuer_add: JWKS -> key_add() per key
 * verify: cjose_jws_import -> header_check() -> payload -> issuer_find()
 *         -> key_find() -> cjose_jws_verify -> times_check()
 *         -> aud_check() -> scopes_parse()
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "auth_jwt.h"

/* Longest kid kept: issuers use short ids or a 43-char thumbprint. */
#define KID_MAX 128

struct jwt_key {
	char kid[KID_MAX];
	cjose_jwk_kty_t kty;
	cjose_jwk_t *jwk;
};

struct tusk_auth_jwt_issuer {
	char iss[TUSK_AUTH_JWT_NAME_MAX];
	unsigned n_keys;
	struct jwt_key keys[TUSK_AUTH_JWT_KEYS_MAX];
};

int
tusk_auth_jwt_init(struct tusk_auth_jwt *j, const char *audience)
{
	memset(j, 0, sizeof(*j));
	if (strlen(audience) >= sizeof(j->audience) || audience[0] == '\0')
		return -EINVAL;
	strcpy(j->audience, audience);
	return 0;
}

static int
key_add(struct tusk_auth_jwt_issuer *is, json_t *k, const char **why)
{
	const char *kid = json_string_value(json_object_get(k, "kid"));
	const char *kty = json_string_value(json_object_get(k, "kty"));
	const char *crv = json_string_value(json_object_get(k, "crv"));
	struct jwt_key *key = &is->keys[is->n_keys];
	cjose_err err;

	if (is->n_keys == TUSK_AUTH_JWT_KEYS_MAX)
		return -ENOSPC;
	if (kid == NULL || kid[0] == '\0' || strlen(kid) >= KID_MAX)
		return *why = "a key without a usable kid", -EINVAL;
	if (kty == NULL || (strcmp(kty, "RSA") != 0 &&
			    (strcmp(kty, "EC") != 0 || crv == NULL ||
			     strcmp(crv, "P-256") != 0)))
		return *why = "a key neither RSA nor EC P-256", -EINVAL;
	key->jwk = cjose_jwk_import_json((cjose_header_t *)k, &err);
	if (key->jwk == NULL)
		return *why = "a key cjose cannot import", -EINVAL;
	key->kty = cjose_jwk_get_kty(key->jwk, &err);
	strcpy(key->kid, kid);
	is->n_keys++;
	return 0;
}

static void
issuer_free(struct tusk_auth_jwt_issuer *is)
{
	unsigned i;

	for (i = 0; i < is->n_keys; i++)
		cjose_jwk_release(is->keys[i].jwk);
	free(is);
}

int
tusk_auth_jwt_issuer_add(struct tusk_auth_jwt *j, const char *iss,
			 const char *jwks, size_t len, const char **why)
{
	struct tusk_auth_jwt_issuer *is;
	json_t *doc, *keys, *k;
	size_t i;
	int rc = 0;

	if (j->n_issuers == TUSK_AUTH_JWT_ISSUERS_MAX)
		return *why = "too many issuers", -ENOSPC;
	if (strlen(iss) >= TUSK_AUTH_JWT_NAME_MAX || iss[0] == '\0')
		return *why = "issuer name empty or too long", -EINVAL;
	doc = json_loadb(jwks, len, 0, NULL);
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys) || json_array_size(keys) == 0) {
		json_decref(doc);
		return *why = "not a JWKS (no \"keys\" array)", -EINVAL;
	}
	is = calloc(1, sizeof(*is));
	if (is == NULL) {
		json_decref(doc);
		return *why = "out of memory", -ENOMEM;
	}
	strcpy(is->iss, iss);
	json_array_foreach(keys, i, k)
		if (rc == 0)
			rc = key_add(is, k, why);
	json_decref(doc);
	if (rc < 0) {
		issuer_free(is);
		return rc == -ENOSPC ? (*why = "too many keys", rc) : rc;
	}
	j->issuers[j->n_issuers++] = is;
	return 0;
}

void
tusk_auth_jwt_fini(struct tusk_auth_jwt *j)
{
	unsigned i;

	for (i = 0; i < j->n_issuers; i++)
		issuer_free(j->issuers[i]);
	j->n_issuers = 0;
}

static const struct tusk_auth_jwt_issuer *
issuer_find(const struct tusk_auth_jwt *j, const char *iss)
{
	unsigned i;

	for (i = 0; iss != NULL && i < j->n_issuers; i++)
		if (strcmp(j->issuers[i]->iss, iss) == 0)
			return j->issuers[i];
	return NULL;
}

static const struct jwt_key *
key_find(const struct tusk_auth_jwt_issuer *is, const char *kid)
{
	unsigned i;

	for (i = 0; kid != NULL && i < is->n_keys; i++)
		if (strcmp(is->keys[i].kid, kid) == 0)
			return &is->keys[i];
	return NULL;
}

/* The algorithm the key's type allows: RS256 for RSA, ES256 for EC. A
 * token naming anything else (none, HS256 with the public key as the
 * secret, PS256 ...) is refused before any verification. */
static bool
alg_fits(const char *alg, const struct jwt_key *k)
{
	if (alg == NULL)
		return false;
	if (k->kty == CJOSE_JWK_KTY_RSA)
		return strcmp(alg, CJOSE_HDR_ALG_RS256) == 0;
	if (k->kty == CJOSE_JWK_KTY_EC)
		return strcmp(alg, CJOSE_HDR_ALG_ES256) == 0;
	return false;
}

/* exp is required (profile); nbf and iat, when present, not in the
 * future beyond the skew. */
static enum tusk_auth_verdict
times_check(json_t *p, int64_t now, int64_t *exp)
{
	json_t *e = json_object_get(p, "exp");
	json_t *nbf = json_object_get(p, "nbf");
	json_t *iat = json_object_get(p, "iat");

	if (!json_is_integer(e) || (nbf && !json_is_integer(nbf)) ||
	    (iat && !json_is_integer(iat)))
		return TUSK_AUTH_MALFORMED;
	*exp = json_integer_value(e);
	if (*exp > TUSK_AUTH_JWT_EXP_MAX) /* exp + skew must not overflow */
		return TUSK_AUTH_MALFORMED;
	if (now >= *exp + TUSK_AUTH_JWT_SKEW_S)
		return TUSK_AUTH_EXPIRED;
	if ((nbf && json_integer_value(nbf) > now + TUSK_AUTH_JWT_SKEW_S) ||
	    (iat && json_integer_value(iat) > now + TUSK_AUTH_JWT_SKEW_S))
		return TUSK_AUTH_NOT_YET;
	return TUSK_AUTH_OK;
}

static bool
aud_is_ours(const struct tusk_auth_jwt *j, json_t *a)
{
	const char *s = json_string_value(a);

	return s != NULL && (strcmp(s, j->audience) == 0 ||
			     strcmp(s, TUSK_AUTH_JWT_AUD_ANY) == 0);
}

/* aud: a string or an array of strings (RFC 7519 4.1.3), one ours. */
static bool
aud_check(const struct tusk_auth_jwt *j, json_t *aud)
{
	json_t *a;
	size_t i;

	if (json_is_string(aud))
		return aud_is_ours(j, aud);
	json_array_foreach(aud, i, a)
		if (aud_is_ours(j, a))
			return true;
	return false;
}

static const struct {
	const char *name;
	uint32_t acts;
} storage_scopes[] = {
	{ "storage.read:", TUSK_AUTH_READ | TUSK_AUTH_LIST },
	{ "storage.create:", TUSK_AUTH_CREATE },
	{ "storage.modify:", TUSK_AUTH_MODIFY | TUSK_AUTH_DELETE },
	{ "storage.stage:", TUSK_AUTH_STAGE | TUSK_AUTH_READ },
};

/* One scope word (n bytes). Non-storage scopes (openid, compute.*) and
 * storage.poll grant nothing here; a storage scope without a valid path
 * refuses the token (profile: the path is mandatory). */
static enum tusk_auth_verdict
scope_one(const char *w, size_t n, struct tusk_auth_claims *c)
{
	struct tusk_auth_grant *g;
	size_t i, pn;

	for (i = 0; i < sizeof(storage_scopes) / sizeof(storage_scopes[0]);
	     i++) {
		pn = strlen(storage_scopes[i].name);
		if (n < pn || memcmp(w, storage_scopes[i].name, pn) != 0)
			continue;
		if (!tusk_auth_path_valid(w + pn, n - pn))
			return TUSK_AUTH_BAD_SCOPE;
		if (c->n_grants == TUSK_AUTH_GRANTS_MAX)
			return TUSK_AUTH_BAD_SCOPE;
		g = &c->grants[c->n_grants++];
		g->acts = storage_scopes[i].acts;
		memcpy(g->path, w + pn, n - pn);
		g->path[n - pn] = '\0';
		return TUSK_AUTH_OK;
	}
	/* "storage.read" with no ':' at all: the path is mandatory */
	if (n > 8 && memcmp(w, "storage.", 8) == 0 && !memchr(w, ':', n) &&
	    strncmp(w, "storage.poll", n) != 0)
		return TUSK_AUTH_BAD_SCOPE;
	return TUSK_AUTH_OK;
}

/* scope: space-separated (RFC 8693 4.2). */
static enum tusk_auth_verdict
scopes_parse(json_t *p, struct tusk_auth_claims *c)
{
	const char *s = json_string_value(json_object_get(p, "scope"));
	enum tusk_auth_verdict v = TUSK_AUTH_OK;
	size_t n;

	c->n_grants = 0;
	if (s == NULL)
		return json_object_get(p, "scope") ? TUSK_AUTH_MALFORMED
						    : TUSK_AUTH_OK;
	while (*s != '\0' && v == TUSK_AUTH_OK) {
		n = strcspn(s, " ");
		if (n > 0)
			v = scope_one(s, n, c);
		s += n;
		s += strspn(s, " ");
	}
	return v;
}

/* Signature and issuer: the key is the trusted issuer's named by kid,
 * of the type alg asks for. */
static enum tusk_auth_verdict
signature_check(const struct tusk_auth_jwt *j, cjose_jws_t *jws,
		json_t *payload)
{
	json_t *hdr = (json_t *)cjose_jws_get_protected(jws);
	const char *alg = json_string_value(json_object_get(hdr, "alg"));
	const char *kid = json_string_value(json_object_get(hdr, "kid"));
	const struct tusk_auth_jwt_issuer *is;
	const struct jwt_key *k;
	cjose_err err;

	/* RFC 7515 4.1.11: extensions named in crit must be understood;
	 * this verifier understands none, so any crit refuses the token */
	if (json_object_get(hdr, "crit") != NULL)
		return TUSK_AUTH_MALFORMED;
	is = issuer_find(j, json_string_value(json_object_get(payload,
							      "iss")));
	if (is == NULL || (k = key_find(is, kid)) == NULL)
		return TUSK_AUTH_ISSUER;
	if (!alg_fits(alg, k) || !cjose_jws_verify(jws, k->jwk, &err))
		return TUSK_AUTH_SIGNATURE;
	return TUSK_AUTH_OK;
}

static enum tusk_auth_verdict
claims_check(const struct tusk_auth_jwt *j, json_t *p, int64_t now,
	     struct tusk_auth_claims *c)
{
	enum tusk_auth_verdict v = times_check(p, now, &c->exp);

	if (v != TUSK_AUTH_OK)
		return v;
	if (!aud_check(j, json_object_get(p, "aud")))
		return TUSK_AUTH_AUDIENCE;
	return scopes_parse(p, c);
}

enum tusk_auth_verdict
tusk_auth_jwt_verify(const struct tusk_auth_jwt *j, const char *tok,
		     size_t len, int64_t now, struct tusk_auth_claims *c)
{
	enum tusk_auth_verdict v = TUSK_AUTH_MALFORMED;
	cjose_jws_t *jws;
	json_t *payload = NULL;
	uint8_t *text;
	size_t tn;
	cjose_err err;

	if (len > TUSK_AUTH_JWT_TOKEN_MAX)
		return TUSK_AUTH_MALFORMED;
	jws = cjose_jws_import(tok, len, &err);
	if (jws == NULL)
		return TUSK_AUTH_MALFORMED;
	if (cjose_jws_get_plaintext(jws, &text, &tn, &err))
		/* a claim twice ("scope" ... "scope") reads differently in
		 * different parsers: refused */
		payload = json_loadb((const char *)text, tn,
				     JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(payload))
		v = signature_check(j, jws, payload);
	if (v == TUSK_AUTH_OK)
		v = claims_check(j, payload, now, c);
	json_decref(payload);
	cjose_jws_release(jws);
	return v;
}
