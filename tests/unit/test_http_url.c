/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * URLs for the fetch client: host, port, IPv4 literal, target and Host
 * value of each accepted form; the exact error of each refused one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "http_url.h"

struct url_case {
	const char *url;
	int rc;
	const char *host, *target, *authority;
	uint16_t port;
	uint32_t ipv4; /* 0: not a literal */
};

#define ERR(url, rc) { url, rc, NULL, NULL, NULL, 0, 0 }

static void
test_url_table(void **state)
{
	static const struct url_case cases[] = {
		{ "http://10.0.0.1/f", 0, "10.0.0.1", "/f", "10.0.0.1", 80,
		  0x0a000001 },
		{ "http://10.0.0.1:8080/a/b?x=1#frag", 0, "10.0.0.1",
		  "/a/b?x=1", "10.0.0.1:8080", 8080, 0x0a000001 },
		{ "HTTP://peer.example", 0, "peer.example", "/",
		  "peer.example", 80, 0 },
		{ "http://peer:80?q", 0, "peer", "/?q", "peer", 80, 0 },
		{ "http://255.255.255.255:1/", 0, "255.255.255.255", "/",
		  "255.255.255.255:1", 1, 0xffffffff },
		/* not a dotted quad: a name the caller resolves */
		{ "http://10.0.0/", 0, "10.0.0", "/", "10.0.0", 80, 0 },
		{ "http://010.0.0.1/", 0, "010.0.0.1", "/", "010.0.0.1", 80,
		  0 },
		{ "http://256.0.0.1/", 0, "256.0.0.1", "/", "256.0.0.1", 80,
		  0 },
		{ "https://10.0.0.1/f", 0, "10.0.0.1", "/f", "10.0.0.1", 443,
		  0x0a000001 },
		{ "HTTPS://peer:8443/", 0, "peer", "/", "peer:8443", 8443, 0 },
		{ "https://peer:80/", 0, "peer", "/", "peer:80", 80, 0 },
		ERR("httpx://10.0.0.1/f", -EPROTONOSUPPORT),
		ERR("http2://10.0.0.1/f", -EPROTONOSUPPORT),
		ERR("ftp://10.0.0.1/f", -EPROTONOSUPPORT),
		ERR("http://[::1]/f", -EAFNOSUPPORT),
		ERR("http://user:pw@h/f", -EINVAL),
		ERR("http:///f", -EINVAL),
		ERR("http://:80/f", -EINVAL),
		ERR("http://h:0/f", -EINVAL),
		ERR("http://h:65536/f", -EINVAL),
		ERR("http://h:/f", -EINVAL),
		ERR("http://h:8x/f", -EINVAL),
		ERR("http://h/a b", -EINVAL),
		ERR("http://h/a\x01", -EINVAL),
		ERR("http://h o/", -EINVAL),
		ERR("10.0.0.1/f", -EINVAL),
		ERR("://h/f", -EINVAL),
		ERR("", -EINVAL),
	};
	struct tusk_http_url u;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct url_case *c = &cases[i];
		int rc = tusk_http_url_parse(c->url, &u);

		if (rc != c->rc)
			print_error("case %zu \"%s\": %d\n", i, c->url, rc);
		assert_int_equal(rc, c->rc);
		assert_non_null(tusk_http_url_strerror(rc));
		if (rc != 0)
			continue;
		assert_string_equal(u.host, c->host);
		assert_string_equal(u.target, c->target);
		assert_string_equal(u.authority, c->authority);
		assert_int_equal(u.port, c->port);
		assert_int_equal(u.tls, strncasecmp(c->url, "https", 5) == 0);
		assert_int_equal(u.host_is_ipv4, c->ipv4 != 0);
		if (c->ipv4 != 0)
			assert_int_equal(u.ipv4, c->ipv4);
	}
}

static void
test_url_limits(void **state)
{
	static char url[TUSK_HTTP_URL_MAX + 16];
	struct tusk_http_url u;
	size_t n;

	/* a 253-character host is a valid DNS name; 254 is not */
	n = (size_t)snprintf(url, sizeof(url), "http://");
	memset(url + n, 'h', 253);
	strcpy(url + n + 253, ":65535/");
	assert_int_equal(tusk_http_url_parse(url, &u), 0);
	assert_string_equal(u.authority + 253, ":65535");
	memset(url + n, 'h', 254);
	strcpy(url + n + 254, "/");
	assert_int_equal(tusk_http_url_parse(url, &u), -ENAMETOOLONG);
	/* a target at the limit */
	n = (size_t)snprintf(url, sizeof(url), "http://h/");
	memset(url + n, 'p', TUSK_HTTP_TARGET_MAX);
	url[n + TUSK_HTTP_TARGET_MAX] = '\0';
	assert_int_equal(tusk_http_url_parse(url, &u), -ENAMETOOLONG);
	url[n + TUSK_HTTP_TARGET_MAX - 2] = '\0';
	assert_int_equal(tusk_http_url_parse(url, &u), 0);
	assert_int_equal(strlen(u.target), TUSK_HTTP_TARGET_MAX - 1);
	/* a URL longer than TUSK_HTTP_URL_MAX */
	memset(url, 'x', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	assert_int_equal(tusk_http_url_parse(url, &u), -ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_table),
		cmocka_unit_test(test_url_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
