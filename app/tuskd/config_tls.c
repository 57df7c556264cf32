/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config: the HTTPS and TLS keys of [tuskd] (https_port, tls_cert,
 * tls_key, tls_ca), checked when the configuration is loaded so that a
 * certificate tuskd cannot use is a configuration error naming its line
 * ("tuskd.conf:12: tls_key: the key does not match the certificate"),
 * found by --check-config too, not a failure at start.
 *
 *   apply_section() -> tusk_config_tls_lines()
 *   resolve() -> tusk_config_tls_check() -> tusk_tls_ctx_server(),
 *                                         tusk_tls_ctx_client() (tls.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "config.h"
#include "config_priv.h"
#include "tls.h"

/* Indexes of cfg->tls_line[]. */
enum tls_key { TK_HTTPS_PORT, TK_CERT, TK_KEY, TK_CA, TK_COUNT };

static const char *const tls_keys[TK_COUNT] = {
	[TK_HTTPS_PORT] = "https_port", [TK_CERT] = "tls_cert",
	[TK_KEY] = "tls_key", [TK_CA] = "tls_ca",
};

bool
tusk_config_https(const struct tusk_config *cfg)
{
	return cfg->https_port != 0 && cfg->tls_cert[0] != '\0';
}

void
tusk_config_tls_lines(struct tusk_config *cfg,
		      const struct tusk_cfgfile_section *s)
{
	const struct tusk_cfgfile_entry *e;
	unsigned int i;

	RTE_BUILD_BUG_ON(RTE_DIM(cfg->tls_line) != TK_COUNT);
	for (i = 0; i < TK_COUNT; i++) {
		e = tusk_cfgfile_entry(s, tls_keys[i]);
		if (e != NULL)
			cfg->tls_line[i] = e->line;
	}
}

void
tusk_config_tls_line_clear(struct tusk_config *cfg, const char *key)
{
	unsigned int i;

	for (i = 0; i < TK_COUNT; i++)
		if (strcmp(key, tls_keys[i]) == 0)
			cfg->tls_line[i] = 0;
}

static int
tls_fail(const struct tusk_config *cfg, enum tls_key k, char *err,
	 size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
tls_fail(const struct tusk_config *cfg, enum tls_key k, char *err,
	 size_t errlen, const char *fmt, ...)
{
	struct tusk_cfgschema_src src = {
		.file = cfg->tls_line[k] != 0 ? cfg->path : NULL,
		.line = cfg->tls_line[k],
	};
	char where[TUSK_CFG_ERR_MAX];
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: %s: ",
		     tusk_cfgschema_where(&src, where, sizeof(where)),
		     tls_keys[k]);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The certificate and key load, and belong together. */
static int
check_server(const struct tusk_config *cfg, char *err, size_t errlen)
{
	char why[TUSK_TLS_ERR_MAX];
	struct tusk_tls_ctx *ctx;
	bool key_bad;

	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0'))
		return cfg->tls_cert[0] == '\0' ?
			tls_fail(cfg, TK_KEY, err, errlen,
				 "needs tls_cert too") :
			tls_fail(cfg, TK_CERT, err, errlen,
				 "needs tls_key too");
	if (!tusk_config_https(cfg))
		return 0;
	if (cfg->http_port == cfg->https_port)
		return tls_fail(cfg, TK_HTTPS_PORT, err, errlen,
				"%u is http_port too", cfg->https_port);
	ctx = tusk_tls_ctx_server(cfg->tls_cert, cfg->tls_key, &key_bad,
				  why, sizeof(why));
	if (ctx == NULL)
		return tls_fail(cfg, key_bad ? TK_KEY : TK_CERT, err, errlen,
				"%s", why);
	tusk_tls_ctx_free(ctx);
	return 0;
}

int
tusk_config_tls_check(const struct tusk_config *cfg, char *err,
		      size_t errlen)
{
	char why[TUSK_TLS_ERR_MAX];
	struct tusk_tls_ctx *ctx;
	int rc = check_server(cfg, err, errlen);

	if (rc < 0 || cfg->tls_ca[0] == '\0')
		return rc;
	ctx = tusk_tls_ctx_client(cfg->tls_ca, false, why, sizeof(why));
	if (ctx == NULL)
		return tls_fail(cfg, TK_CA, err, errlen, "%s", why);
	tusk_tls_ctx_free(ctx);
	return 0;
}
