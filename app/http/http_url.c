/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http URLs for the fetch client (see http_url.h).
 *
 * tusk_http_url_parse() -> parse_scheme() -> parse_authority()
 * (-> parse_port(), parse_ipv4()) -> the rest is the target.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_url.h"

/* "65535" */
#define PORT_DIGITS_MAX 5
/* RFC 1035 2.3.4 names are at most 253 characters in text form; with
 * ":65535" that fits TUSK_HTTP_HOST_MAX. */
#define DNS_NAME_MAX 253

/* Length of the scheme "http" or "https" (lower or upper case: RFC 3986
 * 3.1) and the "://" after it, *tls for https; -EPROTONOSUPPORT for
 * another scheme. */
static int
parse_scheme(const char *url, size_t *n, bool *tls)
{
	const char *p = strstr(url, "://");
	size_t i, len;

	if (p == NULL || p == url)
		return -EINVAL;
	len = (size_t)(p - url);
	for (i = 0; i < len; i++)
		if (!((url[i] >= 'a' && url[i] <= 'z') ||
		      (url[i] >= 'A' && url[i] <= 'Z') ||
		      (i > 0 && ((url[i] >= '0' && url[i] <= '9') ||
				 url[i] == '+' || url[i] == '-' ||
				 url[i] == '.'))))
			return -EINVAL;
	*tls = len == 5 && strncasecmp(url, "https", 5) == 0;
	if (!*tls && (len != 4 || strncasecmp(url, "http", 4) != 0))
		return -EPROTONOSUPPORT;
	*n = len + 3;
	return 0;
}

static int
parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned int v = 0;
	size_t i;

	if (n == 0 || n > PORT_DIGITS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Dotted quad, each part 0..255 without leading zeros beyond "0" (a
 * leading zero means octal to inet_aton: refuse the ambiguity). */
static bool
parse_ipv4(const char *s, uint32_t *out)
{
	unsigned int part, parts = 0, digits;
	uint32_t v = 0;

	while (parts < 4) {
		part = 0;
		digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits == 1 && part == 0)
				return false;
			part = part * 10 + (unsigned int)(*s++ - '0');
			if (++digits > 3 || part > 255)
				return false;
		}
		if (digits == 0)
			return false;
		v = v << 8 | part;
		if (++parts < 4 && *s++ != '.')
			return false;
	}
	if (*s != '\0')
		return false;
	*out = v;
	return true;
}

static bool
host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* authority = host [ ":" port ] in [s, e). */
static int
parse_authority(const char *s, const char *e, struct tusk_http_url *u)
{
	const char *colon = memchr(s, ':', (size_t)(e - s));
	const char *hend = colon != NULL ? colon : e;
	size_t hlen = (size_t)(hend - s), i;

	if (memchr(s, '@', (size_t)(e - s)) != NULL)
		return -EINVAL; /* userinfo: credentials in URLs are refused */
	if (hlen > 0 && s[0] == '[')
		return -EAFNOSUPPORT;
	if (hlen == 0)
		return -EINVAL;
	if (hlen > DNS_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < hlen; i++)
		if (!host_char_ok(s[i]))
			return -EINVAL;
	memcpy(u->host, s, hlen);
	u->host[hlen] = '\0';
	u->port = u->tls ? TUSK_HTTPS_DEFAULT_PORT : TUSK_HTTP_DEFAULT_PORT;
	if (colon != NULL && parse_port(colon + 1, (size_t)(e - colon - 1),
					&u->port) < 0)
		return -EINVAL;
	u->host_is_ipv4 = parse_ipv4(u->host, &u->ipv4);
	memcpy(u->authority, u->host, hlen + 1);
	/* the scheme's default port is left out (RFC 9110 4.2.1, 4.2.2) */
	if (u->port != (u->tls ? TUSK_HTTPS_DEFAULT_PORT
			       : TUSK_HTTP_DEFAULT_PORT)) {
		char port[PORT_DIGITS_MAX + 2];

		snprintf(port, sizeof(port), ":%u", (unsigned int)u->port);
		memcpy(u->authority + hlen, port, strlen(port) + 1);
	}
	return 0;
}

/* Path and query into u->target; visible ASCII only (RFC 3986 2). */
static int
parse_target(const char *p, struct tusk_http_url *u)
{
	size_t n = 0;

	if (*p != '/')
		u->target[n++] = '/'; /* "http://h?q" -> "/?q" */
	for (; *p != '\0' && *p != '#'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -EINVAL;
		if (n + 1 >= sizeof(u->target))
			return -ENAMETOOLONG;
		u->target[n++] = *p;
	}
	u->target[n] = '\0';
	return 0;
}

int
tusk_http_url_parse(const char *url, struct tusk_http_url *u)
{
	const char *a, *e;
	size_t n;
	int rc;

	memset(u, 0, sizeof(*u));
	if (strnlen(url, TUSK_HTTP_URL_MAX) >= TUSK_HTTP_URL_MAX)
		return -ENAMETOOLONG;
	rc = parse_scheme(url, &n, &u->tls);
	if (rc < 0)
		return rc;
	a = url + n;
	e = a + strcspn(a, "/?#");
	rc = parse_authority(a, e, u);
	if (rc < 0)
		return rc;
	return parse_target(e, u);
}

const char *
tusk_http_url_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EPROTONOSUPPORT:
		return "only http:// and https:// URLs are supported";
	case -EAFNOSUPPORT:
		return "IPv6 hosts are not supported (the stack is IPv4)";
	case -ENAMETOOLONG:
		return "URL, host or path too long";
	default:
		return "malformed URL (expected http[s]://host[:port]/path)";
	}
}
