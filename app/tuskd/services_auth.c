/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tusk_services_auth_load() -> anon_load() -> issuer_load() per issuer
 *                           -> secret_load()
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services_auth.h"

/* The secret file: 64 hex digits, a newline allowed after. */
#define SECRET_TEXT_MAX 80

static int
auth_fail(const struct tusk_config *cfg, const char *what,
	  const char *value, const char *why, int rc)
{
	fprintf(stderr, "tuskd: %s: %s = %s: %s\n",
		cfg->path[0] ? cfg->path : "(defaults)", what, value, why);
	return rc;
}

/* The whole of a small regular file into a new buffer (NUL-terminated);
 * *st filled. NULL with *err an errno (EFBIG: over max). */
static char *
file_read(const char *path, size_t max, size_t *len, struct stat *st,
	  int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf = NULL;
	ssize_t n;

	*err = 0;
	if (fd < 0 || fstat(fd, st) < 0)
		*err = errno;
	else if (!S_ISREG(st->st_mode))
		*err = EINVAL;
	else if ((size_t)st->st_size > max)
		*err = EFBIG;
	else if ((buf = malloc((size_t)st->st_size + 1)) == NULL)
		*err = ENOMEM;
	if (*err == 0) {
		n = read(fd, buf, (size_t)st->st_size + 1);
		if (n < 0 || (size_t)n > (size_t)st->st_size)
			*err = n < 0 ? errno : EFBIG; /* it grew meanwhile */
		else
			buf[n] = '\0', *len = (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	if (*err != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
issuer_load(const struct tusk_config *cfg, const struct tusk_config_issuer *is,
	    struct tusk_http_auth *a)
{
	const char *why = "";
	struct stat st;
	size_t len = 0;
	char *text;
	int rc, err;

	text = file_read(is->jwks, TUSK_SERVICES_JWKS_MAX, &len, &st, &err);
	if (text == NULL)
		return auth_fail(cfg, "[issuer] jwks", is->jwks,
				 strerror(err), -EINVAL);
	rc = tusk_auth_jwt_issuer_add(&a->jwt, is->iss, text, len, &why);
	free(text);
	if (rc < 0)
		return auth_fail(cfg, "[issuer] jwks", is->jwks, why, rc);
	return 0;
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits into key; false if the text is anything else. */
static bool
secret_parse(const char *t, size_t len, uint8_t *key)
{
	size_t i;

	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
		len--;
	if (len != 2 * TUSK_AUTH_MAC_KEY_LEN)
		return false;
	for (i = 0; i < TUSK_AUTH_MAC_KEY_LEN; i++) {
		int hi = hex_nibble(t[2 * i]), lo = hex_nibble(t[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static int
secret_load(const struct tusk_config *cfg, struct tusk_http_auth *a)
{
	const char *path = cfg->auth.macaroon_secret;
	struct stat st;
	size_t len = 0;
	char *text;
	bool ok;
	int err;

	text = file_read(path, SECRET_TEXT_MAX, &len, &st, &err);
	if (text == NULL)
		return auth_fail(cfg, "[auth] macaroon_secret", path,
				 err == EFBIG ? "not 64 hex digits" :
				 strerror(err), -EINVAL);
	/* whoever reads it can mint any token */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		free(text);
		return auth_fail(cfg, "[auth] macaroon_secret", path,
				 "group or others may read it (chmod 600)",
				 -EPERM);
	}
	ok = secret_parse(text, len, a->mac.k);
	memset(text, 0, len);
	free(text);
	if (!ok)
		return auth_fail(cfg, "[auth] macaroon_secret", path,
				 "not 64 hex digits (openssl rand -hex 32)",
				 -EINVAL);
	a->has_mac = true;
	return 0;
}

static int
anon_load(const struct tusk_config *cfg, struct tusk_http_auth *a)
{
	char list[TUSK_CONFIG_ANON_READ_MAX], *w, *save = NULL;

	snprintf(list, sizeof(list), "%s", cfg->auth.anon_read);
	for (w = strtok_r(list, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save))
		if (tusk_http_auth_anon_add(a, w) < 0) /* checked at load */
			return auth_fail(cfg, "[auth] anon_read", w,
					 "not a usable prefix", -EINVAL);
	return 0;
}

int
tusk_services_auth_load(const struct tusk_config *cfg,
			struct tusk_http_auth *a)
{
	unsigned int i;
	int rc;

	rc = tusk_http_auth_init(a, cfg->auth.name);
	if (rc < 0)
		return auth_fail(cfg, "[auth] name", cfg->auth.name,
				 "empty or too long", rc);
	a->mode = cfg->auth.mode == TUSK_CONFIG_AUTH_OFF ?
		  TUSK_HTTP_AUTH_OFF : TUSK_HTTP_AUTH_REQUIRED;
	rc = anon_load(cfg, a);
	for (i = 0; rc == 0 && i < cfg->auth.n_issuers; i++)
		rc = issuer_load(cfg, &cfg->auth.issuers[i], a);
	if (rc == 0 && cfg->auth.macaroon_secret[0] != '\0')
		rc = secret_load(cfg, a);
	if (rc < 0) {
		tusk_http_auth_fini(a);
		return rc;
	}
	if (a->mode == TUSK_HTTP_AUTH_REQUIRED && !a->has_mac &&
	    a->jwt.n_issuers == 0 && a->n_anon == 0)
		fprintf(stderr, "tuskd: [auth] mode = required with no issuer, "
			"no macaroon_secret and no anon_read: the HTTP "
			"endpoint will refuse every request\n");
	return 0;
}
