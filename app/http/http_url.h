/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * URLs the fetch client accepts (RFC 3986 3, http and https schemes of
 * RFC 9110 4.2.1 and 4.2.2): "http[s]://host[:port][/path][?query]
 * [#fragment]".
 *
 * host is an IPv4 literal (dotted quad) or a registered name that the
 * caller resolves (the stack has no DNS). Not accepted, each with its own
 * error: other schemes, userinfo ("user@"), IPv6 literals (the stack is
 * IPv4 only), an empty host, a port outside 1..65535.
 */
#ifndef TUSK_HTTP_URL_H
#define TUSK_HTTP_URL_H

#include <stdbool.h>
#include <stdint.h>

#include "http_msg.h"

/* Longest URL accepted: the target limit plus room for scheme and host. */
#define TUSK_HTTP_URL_MAX (TUSK_HTTP_TARGET_MAX + TUSK_HTTP_HOST_MAX + 8u)
#define TUSK_HTTP_DEFAULT_PORT 80
#define TUSK_HTTPS_DEFAULT_PORT 443

struct tusk_http_url {
	char host[TUSK_HTTP_HOST_MAX];   /* without the port */
	bool tls;                        /* https: over TLS (app/tls) */
	uint16_t port;                   /* 80 (https: 443) unless given */
	bool host_is_ipv4;
	uint32_t ipv4;                   /* host byte order, if host_is_ipv4 */
	/* Origin-form for the request line: path and query, "/" when the
	 * URL has no path; the fragment is dropped (RFC 9110 4.2.4). */
	char target[TUSK_HTTP_TARGET_MAX];
	/* Host field value: host, plus ":port" when not the scheme's. */
	char authority[TUSK_HTTP_HOST_MAX];
};

/*
 * Parse url (NUL terminated). Returns 0, or
 *   -EPROTONOSUPPORT  scheme is neither http nor https,
 *   -EAFNOSUPPORT     IPv6 literal host,
 *   -ENAMETOOLONG     URL, host or target over the limits,
 *   -EINVAL           anything else malformed (no "scheme://", empty
 *                     host, userinfo, bad port, spaces or controls).
 * tusk_http_url_strerror() gives a half-line reason for each.
 */
int tusk_http_url_parse(const char *url, struct tusk_http_url *u);
const char *tusk_http_url_strerror(int err);

#endif /* TUSK_HTTP_URL_H */
