/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared control-socket library (app/ctl) over a real UNIX socket: a
 * toy daemon's command table served from a thread, the client library
 * against it, pipelined requests, `help`; a full server gives the slot of
 * the client idle the longest to a new one (so idle clients cannot lock an
 * operator out), and clients idle past the timeout are closed and told
 * why.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_arg.h"
#include "ctl_client.h"
#include "ctl_server.h"
#include "ctl_sock.h"

/* How long a test waits for something the server does within one poll
 * round (10 ms): generous for a loaded two-core machine. */
#define TEST_WAIT_MS 3000
#define TEST_ERR_MAX 256


struct served {
	struct tusk_ctl_server *srv;
	pthread_t thread;
	atomic_bool stop;
};

static int
cmd_echo(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	char text[64];

	if (tusk_ctl_arg_string(args, "text", true, text, sizeof(text), err,
				errlen) < 0)
		return -1;
	*result = json_string(text);
	return 0;
}

static const char *const args_echo[] = { "text", NULL };
static const struct tusk_ctl_cmd cmds[] = {
	{ "echo", cmd_echo, args_echo, "say text back" },
};

static void *
serve(void *arg)
{
	struct served *s = arg;

	while (!atomic_load(&s->stop))
		tusk_ctl_server_poll(s->srv, 10);
	return NULL;
}

static void
start(struct served *s, unsigned int idle_ms)
{
	struct tusk_ctl_server_conf conf = {
		.path = ctl_sock_path,
		.cmds = { .cmd = cmds, .n = 1, .ctx = NULL },
		.idle_timeout_ms = idle_ms,
	};
	char err[TEST_ERR_MAX];

	memset(s, 0, sizeof(*s));
	assert_int_equal(tusk_ctl_server_open(&conf, &s->srv, err,
					      sizeof(err)), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void
stop(struct served *s, struct tusk_ctl_server_stats *st)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	tusk_ctl_server_stats(s->srv, st);
	tusk_ctl_server_close(s->srv);
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void
connect_ok(struct tusk_ctl_client *c)
{
	char err[TEST_ERR_MAX];

	if (tusk_ctl_client_connect(c, ctl_sock_path, TEST_WAIT_MS, err,
				    sizeof(err)) < 0)
		fail_msg("%s", err);
}

/* A raw client; the server has accepted it when this returns (its
 * answer to a blank line cannot be seen, so ask for help). */
static int
raw_client(void)
{
	struct tusk_ctl_client c;
	char err[TEST_ERR_MAX];
	json_t *req = json_pack("{s:s}", "cmd", "help"), *resp;
	int fd;

	connect_ok(&c);
	resp = tusk_ctl_client_call(&c, req, err, sizeof(err));
	assert_non_null(resp);
	assert_true(json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
	json_decref(req);
	fd = c.fd;
	c.fd = -1;     /* keep the socket, drop the buffer (it is empty) */
	tusk_ctl_client_close(&c);
	return fd;
}

/* What the server sent fd before closing it: its last line, or "" if it
 * is still open after `wait_ms`. */
static void
closed_with(int fd, unsigned int wait_ms, char *line, size_t len)
{
	uint64_t end = tusk_ctl_server_clock_ms() + wait_ms;
	size_t got = 0;

	line[0] = '\0';
	for (;;) {	/* at least one look, even with wait_ms 0 */
		ssize_t n = recv(fd, line + got, len - got - 1, MSG_DONTWAIT);

		if (n == 0)
			return;
		if (n > 0) {
			got += (size_t)n;
			line[got] = '\0';
			continue;
		}
		assert_true(errno == EAGAIN);
		if (tusk_ctl_server_clock_ms() >= end)
			break;
		sleep_ms(5);
	}
	snprintf(line, len, "still open");
}

static json_t *
call(const char *cmd, const char *text, char *err)
{
	struct tusk_ctl_client c;
	json_t *req = text ? json_pack("{s:s, s:s}", "cmd", cmd, "text", text)
			   : json_pack("{s:s}", "cmd", cmd);
	json_t *resp;

	connect_ok(&c);
	resp = tusk_ctl_client_call(&c, req, err, TEST_ERR_MAX);
	tusk_ctl_client_close(&c);
	json_decref(req);
	return resp;
}

static void
test_call_pipelined_help(void **state)
{
	struct tusk_ctl_server_stats st;
	struct tusk_ctl_client c;
	char err[TEST_ERR_MAX];
	struct served s;
	json_t *r, *res;
	static const char two[] =
		"{\"cmd\":\"echo\",\"text\":\"a\"}\n"
		"{\"cmd\":\"echo\",\"text\":\"b\",\"x\":1}\n";

	start(&s, 0);
	r = call("echo", "hello", err);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "result")),
			    "hello");
	json_decref(r);

	/* help lists the table and itself */
	r = call("help", NULL, err);
	res = json_object_get(r, "result");
	assert_string_equal(json_string_value(json_object_get(res, "echo")),
			    "say text back");
	assert_non_null(json_object_get(res, "help"));
	json_decref(r);

	/* two lines in one write come back as two lines, in order */
	connect_ok(&c);
	assert_int_equal(send(c.fd, two, sizeof(two) - 1, 0),
			 (ssize_t)sizeof(two) - 1);
	assert_int_equal(tusk_ctl_client_recv(&c, &r, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(r, "result")),
			    "a");
	json_decref(r);
	assert_int_equal(tusk_ctl_client_recv(&c, &r, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(r, "error")),
			    "echo: unknown argument \"x\"");
	json_decref(r);
	tusk_ctl_client_close(&c);
	stop(&s, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.evicted, 0);
}

/* Every slot held by an idle client: a new one still gets in, and the
 * slot it takes is that of the client idle the longest, not the oldest. */
static void
test_full_evicts_longest_idle(void **state)
{
	int fds[TUSK_CTL_SERVER_CLIENTS_MAX], extra[2];
	struct tusk_ctl_server_stats st;
	char line[512];
	struct served s;
	unsigned int i;

	start(&s, 0);
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		fds[i] = raw_client();
		sleep_ms(5); /* distinct idle times */
	}
	/* the oldest client is the busiest: it asks something now */
	assert_int_equal(send(fds[0], "{\"cmd\":\"help\"}\n", 15, 0), 15);
	closed_with(fds[0], 200, line, sizeof(line)); /* its answer */
	assert_non_null(strstr(line, "still open"));

	/* a new client gets in and is answered (raw_client asks help) */
	extra[0] = raw_client();
	/* fds[1] was idle the longest: told why, then closed */
	closed_with(fds[1], TEST_WAIT_MS, line, sizeof(line));
	assert_non_null(strstr(line, "idle the longest"));
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		if (i == 1)
			continue;
		closed_with(fds[i], 0, line, sizeof(line));
		assert_string_equal(line, "still open");
	}
	/* and again, the new one staying: the next longest idle goes */
	extra[1] = raw_client();
	closed_with(fds[2], TEST_WAIT_MS, line, sizeof(line));
	assert_non_null(strstr(line, "idle the longest"));
	closed_with(extra[0], 0, line, sizeof(line));
	assert_string_equal(line, "still open");
	stop(&s, &st);
	assert_int_equal(st.evicted, 2);
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++)
		close(fds[i]);
	close(extra[0]);
	close(extra[1]);
}

static void
test_idle_timeout(void **state)
{
	struct tusk_ctl_server_stats st;
	char line[512], err[TEST_ERR_MAX];
	struct tusk_ctl_client busy;
	uint64_t t0, end;
	struct served s;
	json_t *req = json_pack("{s:s, s:s}", "cmd", "echo", "text", "x");
	int idle;

	start(&s, 300);
	idle = raw_client();
	connect_ok(&busy);
	t0 = tusk_ctl_server_clock_ms();
	/* the busy client asks every 100 ms for 900 ms: never idle */
	for (end = t0 + 900; tusk_ctl_server_clock_ms() < end; sleep_ms(100)) {
		json_t *r = tusk_ctl_client_call(&busy, req, err, sizeof(err));

		assert_non_null(r);
		json_decref(r);
	}
	closed_with(idle, 0, line, sizeof(line));
	assert_non_null(strstr(line, "closed: idle for 300 ms"));
	stop(&s, &st);
	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(st.clients, 1);
	tusk_ctl_client_close(&busy);
	close(idle);
	json_decref(req);
}

/* The client refuses what the server would: no overlong request leaves. */
static void
test_client_limits(void **state)
{
	struct tusk_ctl_server_stats st;
	struct tusk_ctl_client c;
	char err[TEST_ERR_MAX], *big = malloc(TUSK_CTL_REQUEST_MAX);
	struct served s;
	json_t *req;

	start(&s, 0);
	memset(big, 'x', TUSK_CTL_REQUEST_MAX - 1);
	big[TUSK_CTL_REQUEST_MAX - 1] = '\0';
	req = json_pack("{s:s, s:s}", "cmd", "echo", "text", big);
	connect_ok(&c);
	assert_int_equal(tusk_ctl_client_send(&c, req, err, sizeof(err)),
			 -EMSGSIZE);
	assert_non_null(strstr(err, "request longer than"));
	tusk_ctl_client_close(&c);
	/* nobody listening: a reason naming the path */
	stop(&s, &st);
	assert_int_equal(tusk_ctl_client_connect(&c, ctl_sock_path,
						 TEST_WAIT_MS, err,
						 sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, ctl_sock_path));
	json_decref(req);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_pipelined_help),
		cmocka_unit_test(test_full_evicts_longest_idle),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_client_limits),
	};

	return cmocka_run_group_tests(tests, ctl_sock_setup,
				      ctl_sock_teardown);
}
