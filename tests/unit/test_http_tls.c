/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTPS between two tuskd services in the simulated world (http_world.h),
 * in virtual time: the fetch client on stack a pulls over https:// from
 * the HTTP endpoint's HTTPS listener on stack b, both on the real TCP and
 * the real TLS layer (app/tls), nothing in between but the link.
 *
 *   stack a 10.0.0.1: tusk_fetch (tls_ca: ca.pem) -- link --
 *   stack b 10.0.0.2: tusk_http_server :8080 and :8443 (server.pem)
 *
 *   - 12 MiB over 4 range streams: done, every byte right; the server
 *     counted the handshakes; the plain HTTP port still answers
 *   - a client that trusts another CA: the transfer fails for good with
 *     the verification error, and the server counted a TLS failure
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "http_fetch.h"
#include "http_world.h"
#include "profile.h"
#include "tls.h"

#define SIZE (12u << 20)
/* Virtual time a fetch of SIZE may take over the link (bounded loop). */
#define QUIET_NS (3000 * NS_PER_MS)

static struct tusk_fetch *fetch;
static uint32_t fetch_id;

static const char *
data(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/../../tests/unit/data/tls/%s",
		 tusk_profile_default_dir(), name);
	return path;
}

static uint8_t
pattern(uint64_t off)
{
	return (uint8_t)(off * 131u + (off >> 16));
}

static int
setup(void **state)
{
	char err[TUSK_TLS_ERR_MAX];
	char cert[512];

	if (hw_init("http_tls") < 0)
		return -1;
	snprintf(cert, sizeof(cert), "%s", data("server.pem"));
	hw_tls = tusk_tls_ctx_server(cert, data("server.key"), NULL, err,
				     sizeof(err));
	if (hw_tls == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return hw_setup(state);
}

static void
poll_fetch(uint64_t now)
{
	tusk_fetch_poll(fetch, now);
}

static json_t *
xfer(void)
{
	static json_t *j;

	json_decref(j);
	j = tusk_fetch_xfer_json(fetch, fetch_id, hw_pair.now);
	assert_non_null(j);
	return j;
}

static const char *
state_of(void)
{
	return json_string_value(json_object_get(xfer(), "state"));
}

static bool
ended(void *arg)
{
	const char *s = state_of();

	return strcmp(s, "done") == 0 || strcmp(s, "failed") == 0;
}

/* A fetch service on stack a whose client context trusts `ca`. */
static void
fetch_open(const char *ca)
{
	struct tusk_fetch_conf fc = { .no_scan = true };
	struct tusk_svc_env env = hw_env;
	char err[TUSK_TLS_ERR_MAX];

	env.st = hw_pair.a;
	fc.tls = tusk_tls_ctx_client(data(ca), false, err, sizeof(err));
	assert_non_null(fc.tls);
	fetch = tusk_fetch_create(&env, &fc);
	assert_non_null(fetch);
	hw_poll_hook = poll_fetch;
}

static void
fetch_close(void)
{
	hw_poll_hook = NULL;
	tusk_fetch_free(fetch);
	fetch = NULL;
}

static void
fetch_run(const char *url, const char *dest)
{
	struct tusk_fetch_req rq = { .url = url, .dest = dest, .streams = 4 };
	char err[256] = "";

	assert_int_equal(tusk_fetch_start(fetch, &rq, hw_pair.now, &fetch_id,
					  err, sizeof(err)), 0);
	assert_true(hw_run_until(ended, NULL, QUIET_NS));
}

static json_t *
server_lcore(void)
{
	json_t *j = tusk_http_server_json(hw_srv);

	assert_non_null(j);
	return j;
}

static void
write_source(void)
{
	static uint8_t buf[1 << 20];
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/src.bin", hw_root_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (uint64_t off = 0; off < SIZE; off += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(off + i);
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	}
	close(fd);
}

static void
check_copy(const char *rel)
{
	static uint8_t buf[1 << 20];
	char path[600];
	uint64_t off = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", hw_root_dir, rel);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(off + (uint64_t)i))
				fail_msg("%s: byte %llu differs", rel,
					 (unsigned long long)off + i);
		off += (uint64_t)n;
	}
	close(fd);
	assert_int_equal(off, SIZE);
}

static void
test_fetch_over_https(void **state)
{
	struct hw_reply rep;
	struct hw_client *cl;
	json_t *j;

	write_source();
	fetch_open("ca.pem");
	fetch_run("https://10.0.0.2:8443/src.bin", "copy.bin");
	if (strcmp(state_of(), "done") != 0)
		fail_msg("fetch: %s", json_dumps(xfer(), JSON_COMPACT));
	assert_true(json_is_true(json_object_get(xfer(), "ranges")));
	check_copy("copy.bin");
	j = server_lcore();
	assert_int_equal(json_integer_value(json_object_get(j, "https_port")),
			 HW_HTTPS_PORT);
	/* the probe and at least one range stream */
	assert_true(json_integer_value(json_object_get(j, "tls_handshakes"))
		    >= 2);
	assert_int_equal(json_integer_value(json_object_get(j,
			 "tls_failures")), 0);
	json_decref(j);
	fetch_close();
	/* plain HTTP beside it */
	cl = hw_cl_open();
	hw_cl_send(cl, "HEAD /src.bin HTTP/1.1\r\nHost: b\r\n\r\n", 35);
	hw_cl_wait(cl, "H", 1, &rep);
	assert_int_equal(rep.r.status, 200);
	hw_cl_free(cl);
}

static void
test_untrusted_server(void **state)
{
	const char *err;
	json_t *j;

	fetch_open("rogue.pem"); /* trusts another CA than the server's */
	fetch_run("https://10.0.0.2:8443/src.bin", "rogue.bin");
	assert_string_equal(state_of(), "failed");
	err = json_string_value(json_object_get(xfer(), "error"));
	if (strstr(err, "server certificate: unable to get local issuer") ==
	    NULL)
		fail_msg("reason: %s", err);
	fetch_close();
	hw_run_until(NULL, NULL, 100 * NS_PER_MS);
	j = server_lcore();
	assert_true(json_integer_value(json_object_get(j, "tls_failures"))
		    >= 1);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_over_https),
		cmocka_unit_test(test_untrusted_server),
	};

	return cmocka_run_group_tests(tests, setup, hw_teardown);
}
