/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config: [auth] and [issuer NAME], who may use the HTTP endpoint
 * (app/svc/http_auth.h; README "Authentication and authorisation").
 *
 *   [auth]         mode = required | off, name, macaroon_secret, anon_read
 *   [issuer NAME]  iss = https://..., jwks = file
 *
 * Values are checked here (paths of anon_read, characters of name, the
 * issuers' uniqueness); the files named are read when tuskd starts its
 * services (app/tuskd/services_auth.c), not by --check-config.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "auth_scope.h"
#include "config.h"
#include "config_priv.h"

static const char *const auth_modes[] = { "required", "off", NULL };

static const struct tusk_cfgschema_key auth_keys[] = {
	{ .name = "mode", .type = TUSK_CFG_ENUM, .def = "required",
	  .min = TUSK_CONFIG_AUTH_REQUIRED, .choices = auth_modes,
	  .offset = offsetof(struct tusk_config, auth.mode),
	  .desc = "required: every HTTP request needs a token (or falls "
		  "under anon_read); off: no checks at all" },
	{ .name = "name", .type = TUSK_CFG_STRING, .def = "tusk",
	  .offset = offsetof(struct tusk_config, auth.name),
	  .size = TUSK_CONFIG_AUTH_NAME_MAX,
	  .desc = "this appliance's name: the audience JWTs must name (or "
		  "the WLCG any-audience), its macaroons' location, the "
		  "realm of 401 answers" },
	{ .name = "macaroon_secret", .type = TUSK_CFG_PATH, .def = "",
	  .offset = offsetof(struct tusk_config, auth.macaroon_secret),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "file with the 32-byte macaroon secret as 64 hex digits, "
		  "not readable by group or others; \"\": no macaroons" },
	{ .name = "anon_read", .type = TUSK_CFG_STRING, .def = "",
	  .offset = offsetof(struct tusk_config, auth.anon_read),
	  .size = TUSK_CONFIG_ANON_READ_MAX,
	  .desc = "path prefixes (space-separated, per component) anyone "
		  "may GET, HEAD and PROPFIND without a token" },
};

static const struct tusk_cfgschema_key issuer_keys[] = {
	{ .name = "iss", .type = TUSK_CFG_STRING, .required = true,
	  .offset = offsetof(struct tusk_config_issuer, iss),
	  .size = TUSK_CONFIG_AUTH_NAME_MAX,
	  .desc = "the issuer as its tokens' \"iss\" claim names it" },
	{ .name = "jwks", .type = TUSK_CFG_PATH, .required = true,
	  .offset = offsetof(struct tusk_config_issuer, jwks),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "its public keys: a JWKS file (RSA or EC P-256 keys, "
		  "each with a kid)" },
};

const struct tusk_cfgschema_key *
tusk_config_auth_schema(size_t *nkeys)
{
	*nkeys = RTE_DIM(auth_keys);
	return auth_keys;
}

static int
fail_at(const struct tusk_config *cfg, unsigned int line, const char *key,
	const char *reason, char *err, size_t errlen)
{
	if (line == 0)
		snprintf(err, errlen, "%s: auth.%s: %s", TUSK_CFGSCHEMA_CMDLINE,
			 key, reason);
	else
		snprintf(err, errlen, "%s:%u: %s: %s", cfg->path, line, key,
			 reason);
	return -EINVAL;
}

int
tusk_config_issuer_add(struct tusk_config *cfg, const char *file,
		       const struct tusk_cfgfile_section *s, char *err,
		       size_t errlen)
{
	struct tusk_config_issuer *is = &cfg->auth.issuers[cfg->auth.n_issuers];
	unsigned int i;
	int rc;

	if (cfg->auth.n_issuers == TUSK_CONFIG_ISSUERS_MAX) {
		snprintf(err, errlen, "%s:%u: too many issuers (at most %d)",
			 file, s->line, TUSK_CONFIG_ISSUERS_MAX);
		return -EINVAL;
	}
	if (strlen(s->name) >= sizeof(is->name)) {
		snprintf(err, errlen, "%s:%u: issuer name longer than %zu "
			 "bytes", file, s->line, sizeof(is->name) - 1);
		return -EINVAL;
	}
	memset(is, 0, sizeof(*is));
	strcpy(is->name, s->name);
	is->line = s->line;
	rc = tusk_cfgschema_apply(issuer_keys, RTE_DIM(issuer_keys), file, s,
				  is, err, errlen);
	if (rc < 0)
		return rc;
	for (i = 0; i < cfg->auth.n_issuers; i++)
		if (strcmp(cfg->auth.issuers[i].iss, is->iss) == 0) {
			snprintf(err, errlen, "%s:%u: iss: \"%s\" already "
				 "trusted in [issuer %s]", file,
				 tusk_cfgfile_entry(s, "iss")->line, is->iss,
				 cfg->auth.issuers[i].name);
			return -EINVAL;
		}
	cfg->auth.n_issuers++;
	return 0;
}

void
tusk_config_auth_lines(struct tusk_config *cfg,
		       const struct tusk_cfgfile_section *s)
{
	const struct tusk_cfgfile_entry *e;

	if ((e = tusk_cfgfile_entry(s, "name")) != NULL)
		cfg->auth.name_line = e->line;
	if ((e = tusk_cfgfile_entry(s, "anon_read")) != NULL)
		cfg->auth.anon_line = e->line;
}

/* The realm is sent quoted (RFC 9110 11.2): printable, no '"' or '\'. */
static bool
name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\')
			return false;
	return true;
}

int
tusk_config_auth_check(const struct tusk_config *cfg, char *err,
		       size_t errlen)
{
	const struct tusk_config_auth *a = &cfg->auth;
	char list[TUSK_CONFIG_ANON_READ_MAX], *w, *save = NULL;
	unsigned int n = 0;

	if (!name_ok(a->name))
		return fail_at(cfg, a->name_line, "name", "printable ASCII "
			       "without blanks, '\"' or '\\' (it is sent "
			       "quoted as the realm)", err, errlen);
	snprintf(list, sizeof(list), "%s", a->anon_read);
	for (w = strtok_r(list, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save)) {
		if (!tusk_auth_path_valid(w, strlen(w)))
			return fail_at(cfg, a->anon_line, "anon_read",
				       "each prefix an absolute path without "
				       "\".\", \"..\" or \"//\"", err, errlen);
		if (++n > TUSK_CONFIG_ANON_PREFIXES_MAX)
			return fail_at(cfg, a->anon_line, "anon_read",
				       "too many prefixes", err, errlen);
	}
	return 0;
}

json_t *
tusk_config_auth_to_json(const struct tusk_config *cfg)
{
	json_t *o = tusk_cfgschema_to_json(auth_keys, RTE_DIM(auth_keys), cfg);
	json_t *list = json_array();
	unsigned int i;

	for (i = 0; o != NULL && list != NULL && i < cfg->auth.n_issuers; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}",
			"name", cfg->auth.issuers[i].name,
			"iss", cfg->auth.issuers[i].iss,
			"jwks", cfg->auth.issuers[i].jwks));
	if (o == NULL || list == NULL) {
		json_decref(o);
		json_decref(list);
		return NULL;
	}
	json_object_set_new(o, "issuers", list);
	return o;
}
