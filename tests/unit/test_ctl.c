/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskd's control socket over a real UNIX socket, served in this thread:
 * one JSON line per request and per response, errors that keep the
 * connection usable, bounded requests, quit, and a socket file that is
 * created, refused when live, replaced when stale and removed on close.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "ctl.h"
#include "stats.h"

/* Poll rounds a test waits for an answer (10 ms each). */
#define TEST_POLL_ROUNDS 100

static struct tusk_config cfg;
static char dir[48], path[96];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/tusk-test-ctl-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	/* a directory that does not exist yet: the ctl creates it */
	snprintf(path, sizeof(path), "%s/run/tuskd.sock", dir);
	tusk_config_defaults(&cfg);
	return 0;
}

static int
teardown(void **state)
{
	char sub[96];

	unlink(path);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

static struct tusk_ctl *
ctl_start(void)
{
	struct tusk_ctl_ctx ctx = { .cfg = &cfg };
	struct tusk_ctl *ctl = NULL;

	assert_int_equal(tusk_ctl_open(path, &ctx, &ctl), 0);
	assert_non_null(ctl);
	return ctl;
}

static int
client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Serve until the client has a whole line; returns it parsed. */
static json_t *
answer(struct tusk_ctl *ctl, int fd)
{
	static char buf[1 << 16];
	static size_t len;
	unsigned int i;

	for (i = 0; i < TEST_POLL_ROUNDS; i++) {
		char *nl = memchr(buf, '\n', len);
		ssize_t n;

		if (nl != NULL) {
			json_t *j = json_loadb(buf, (size_t)(nl - buf), 0,
					       NULL);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			assert_non_null(j);
			return j;
		}
		tusk_ctl_poll(ctl, 10);
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n > 0)
			len += (size_t)n;
	}
	fail_msg("no answer");
	return NULL;
}

static void
say(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), 0), (ssize_t)strlen(s));
}

static const char *
error_of(json_t *r)
{
	assert_true(json_is_false(json_object_get(r, "ok")));
	return json_string_value(json_object_get(r, "error"));
}

static void
test_errors_keep_connection(void **state)
{
	struct tusk_ctl *ctl = ctl_start();
	int fd = client();
	char *big;
	json_t *r;

	say(fd, "not json\n");
	r = answer(ctl, fd);
	assert_non_null(strstr(error_of(r), "bad JSON"));
	json_decref(r);

	say(fd, "{\"cmd\":\"frobnicate\"}\n");
	r = answer(ctl, fd);
	assert_non_null(strstr(error_of(r), "unknown command \"frobnicate\""));
	json_decref(r);

	say(fd, "{\"cmd\":\"stats\",\"port\":\"x\"}\n");
	r = answer(ctl, fd);
	assert_non_null(strstr(error_of(r), "unknown argument \"port\""));
	json_decref(r);

	say(fd, "[\"stats\"]\n{}\n");
	r = answer(ctl, fd);
	assert_non_null(strstr(error_of(r), "JSON object"));
	json_decref(r);
	r = answer(ctl, fd);
	assert_non_null(strstr(error_of(r), "missing \"cmd\""));
	json_decref(r);

	/* an overlong line is refused once, then the connection works */
	big = malloc(TUSK_CTL_REQUEST_MAX * 2 + 2);
	memset(big, ' ', TUSK_CTL_REQUEST_MAX * 2);
	big[TUSK_CTL_REQUEST_MAX * 2] = '\n';
	big[TUSK_CTL_REQUEST_MAX * 2 + 1] = '\0';
	say(fd, big);
	free(big);
	r = answer(ctl, fd);
	assert_non_null(strstr(error_of(r), "longer than"));
	json_decref(r);

	say(fd, "{\"cmd\":\"help\"}\n");
	r = answer(ctl, fd);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_non_null(json_object_get(json_object_get(r, "result"),
					"stats"));
	json_decref(r);
	close(fd);
	tusk_ctl_close(ctl);
}

static void
test_split_and_pipelined(void **state)
{
	struct tusk_ctl *ctl = ctl_start();
	int fd = client();
	json_t *r;

	/* a request in two writes, then two requests in one write */
	say(fd, "{\"cmd\":");
	tusk_ctl_poll(ctl, 10);
	say(fd, "\"ports\"}\n{\"cmd\":\"arp\"}\n{\"cmd\":\"config\"}\n");
	r = answer(ctl, fd);
	assert_true(json_is_array(json_object_get(r, "result")));
	json_decref(r);
	r = answer(ctl, fd);
	assert_true(json_is_array(json_object_get(r, "result")));
	json_decref(r);
	r = answer(ctl, fd);
	assert_true(json_is_object(json_object_get(json_object_get(r,
						"result"), "tuskd")));
	json_decref(r);
	close(fd);
	tusk_ctl_close(ctl);
}

/* With no lcores every counter is 0, and every drop reason is listed by
 * its stats.h name so scripts can read any of them; so are the TCP
 * defences' counters. */
static void
test_stats_names_every_drop(void **state)
{
	static const char *const tcp_keys[] = {
		"tcp_challenge_acks", "tcp_challenge_conn_limited",
		"tcp_challenge_global_limited", "tcp_oow_ack_limited",
		"tcp_syncookies_sent",
		"tcp_syncookies_ok", "tcp_syncookies_failed",
	};
	struct tusk_ctl *ctl = ctl_start();
	json_t *r = tusk_ctl_handle(ctl, "{\"cmd\":\"stats\"}", 15);
	json_t *res = json_object_get(r, "result");
	json_t *drops = json_object_get(res, "drops");
	unsigned int i;

	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_object_size(drops), TUSK_DROP_MAX);
	for (i = 0; i < TUSK_DROP_MAX; i++) {
		json_t *v = json_object_get(drops, tusk_stats_drop_name(
						    (enum tusk_drop)i));
		assert_non_null(v);
		assert_int_equal(json_integer_value(v), 0);
	}
	assert_int_equal(json_integer_value(json_object_get(res,
						"rx_frames")), 0);
	/* the TCP defences' counters (stats.h) are listed too */
	for (i = 0; i < sizeof(tcp_keys) / sizeof(tcp_keys[0]); i++)
		assert_true(json_is_integer(json_object_get(res,
							    tcp_keys[i])));
	json_decref(r);
	tusk_ctl_close(ctl);
}

static void
test_quit(void **state)
{
	struct tusk_ctl *ctl = ctl_start();
	int fd = client();
	json_t *r;

	assert_false(tusk_ctl_quit_requested(ctl));
	say(fd, "{\"cmd\":\"quit\"}\n");
	r = answer(ctl, fd);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_true(tusk_ctl_quit_requested(ctl));
	assert_int_equal(tusk_ctl_poll(ctl, 0), 1);
	close(fd);
	tusk_ctl_close(ctl);
	/* the socket file is gone */
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_socket_file_rules(void **state)
{
	struct tusk_ctl_ctx ctx = { .cfg = &cfg };
	struct tusk_ctl *a = ctl_start(), *b = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	/* a live tuskd's socket is never taken over */
	assert_int_equal(tusk_ctl_open(path, &ctx, &b), -EADDRINUSE);
	tusk_ctl_close(a);

	/* a stale socket (nobody listening) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(tusk_ctl_open(path, &ctx, &b), 0);
	tusk_ctl_close(b);

	/* a file that is not a socket is left alone */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tusk_ctl_open(path, &ctx, &b), -EEXIST);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_keep_connection),
		cmocka_unit_test(test_split_and_pipelined),
		cmocka_unit_test(test_stats_names_every_drop),
		cmocka_unit_test(test_quit),
		cmocka_unit_test(test_socket_file_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
