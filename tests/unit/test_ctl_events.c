/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event subscriptions of the shared control socket (app/ctl/ctl_events.c)
 * over a real UNIX socket, served in this thread: `watch` is answered,
 * then a snapshot is event 1 and published events follow numbered without
 * a gap; a subscriber that stops reading never holds the server up,
 * loses events past its bound and, once it reads again, is told how many
 * ("lost") and gets a new snapshot, while a subscriber that reads loses
 * nothing; a quiet subscriber is not idle, a stuck one is.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
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

#include "ctl_events.h"
#include "ctl_server.h"
#include "ctl_sock.h"

/* Poll rounds a test waits for a line (10 ms each). */
#define TEST_POLL_ROUNDS 300
/* Events published at a subscriber that does not read: ~1 KiB each, four
 * times its bound plus what the socket buffers take. */
#define TEST_FLOOD 2048
#define TEST_PAD 1000

static struct tusk_ctl_server *srv;
static unsigned int snapshots;

/* A client and what it has read but not yet taken as lines. */
struct peer {
	int fd;
	size_t len;
	char buf[1 << 16];
};

static json_t *
snapshot(void *ctx)
{
	return json_pack("{s:s, s:i}", "event", "snapshot", "n",
			 (int)++snapshots);
}

static int
cmd_watch(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	if (tusk_ctl_events_subscribe(srv, err, errlen) < 0)
		return -1;
	*result = json_true();
	return 0;
}

static const char *const args_none[] = { NULL };
static const struct tusk_ctl_cmd cmds[] = {
	{ "watch", cmd_watch, args_none, "events" },
};

static void
start(unsigned int idle_ms)
{
	struct tusk_ctl_server_conf conf = {
		.path = ctl_sock_path,
		.cmds = { .cmd = cmds, .n = 1 },
		.idle_timeout_ms = idle_ms,
		.snapshot = snapshot,
	};
	char err[256];

	snapshots = 0;
	assert_int_equal(tusk_ctl_server_open(&conf, &srv, err, sizeof(err)),
			 0);
}

static int
teardown(void **state)
{
	tusk_ctl_server_close(srv);
	srv = NULL;
	return ctl_sock_teardown(state);
}

static struct peer *
connect_peer(int rcvbuf)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct peer *p = calloc(1, sizeof(*p));

	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(p->fd >= 0);
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF,
					    &rcvbuf, sizeof(rcvbuf)), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl_sock_path);
	assert_int_equal(connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)),
			 0);
	return p;
}

static void
say(struct peer *p, const char *s)
{
	assert_int_equal(send(p->fd, s, strlen(s), 0), (ssize_t)strlen(s));
}

/* The next line, serving until it is there; NULL once the server has
 * closed the connection. */
static json_t *
next_line(struct peer *p)
{
	unsigned int i;

	for (i = 0; i < TEST_POLL_ROUNDS; i++) {
		char *nl = memchr(p->buf, '\n', p->len);
		ssize_t n;

		if (nl != NULL) {
			json_t *j = json_loadb(p->buf, (size_t)(nl - p->buf),
					       0, NULL);
			p->len -= (size_t)(nl + 1 - p->buf);
			memmove(p->buf, nl + 1, p->len);
			assert_non_null(j);
			return j;
		}
		tusk_ctl_server_poll(srv, 10);
		n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len, 0);
		if (n == 0)
			return NULL;
		if (n > 0)
			p->len += (size_t)n;
	}
	fail_msg("no line");
	return NULL;
}

static int64_t
int_of(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const char *
event_of(json_t *j)
{
	return json_string_value(json_object_get(j, "event"));
}

/* Subscribe p: the answer, then the snapshot as event 1. */
static void
watch(struct peer *p)
{
	json_t *j;

	say(p, "{\"cmd\":\"watch\"}\n");
	j = next_line(p);
	assert_true(json_is_true(json_object_get(j, "result")));
	json_decref(j);
	j = next_line(p);
	assert_string_equal(event_of(j), "snapshot");
	assert_int_equal(int_of(j, "seq"), 1);
	json_decref(j);
}

static void
publish(unsigned int i, const char *pad)
{
	json_t *ev = json_pack("{s:s, s:i, s:s}", "event", "tick", "i", (int)i,
			       "pad", pad);

	tusk_ctl_events_publish(srv, ev);
	json_decref(ev);
}

static void
test_watch_then_numbered_events(void **state)
{
	struct peer *a;
	json_t *j;
	int i;

	start(0);
	a = connect_peer(0);
	watch(a);
	assert_int_equal(tusk_ctl_events_subscribers(srv), 1);
	for (i = 0; i < 3; i++)
		publish((unsigned int)i, "");
	for (i = 0; i < 3; i++) {
		j = next_line(a);
		assert_string_equal(event_of(j), "tick");
		assert_int_equal(int_of(j, "seq"), 2 + i);
		assert_int_equal(int_of(j, "i"), i);
		json_decref(j);
	}
	/* not from a connection: a clear refusal */
	j = tusk_ctl_cmd_handle(&(struct tusk_ctl_cmds){ .cmd = cmds, .n = 1 },
				"{\"cmd\":\"watch\"}", 15);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
			       "needs a connection"));
	json_decref(j);
	close(a->fd);
	free(a);
}

/* Reads the flood as it comes: every event, numbered without a gap. */
static void
drain_reader(struct peer *a, int64_t *seq)
{
	for (;;) {
		ssize_t n = recv(a->fd, a->buf + a->len,
				 sizeof(a->buf) - a->len, 0);
		char *nl;

		if (n > 0)
			a->len += (size_t)n;
		while ((nl = memchr(a->buf, '\n', a->len)) != NULL) {
			json_t *j = json_loadb(a->buf, (size_t)(nl - a->buf),
					       0, NULL);

			assert_non_null(j);
			assert_string_equal(event_of(j), "tick");
			assert_int_equal(int_of(j, "seq"), ++*seq);
			json_decref(j);
			a->len -= (size_t)(nl + 1 - a->buf);
			memmove(a->buf, nl + 1, a->len);
		}
		if (n <= 0)
			return;
	}
}

static void
test_slow_subscriber_loses_and_resyncs(void **state)
{
	struct tusk_ctl_server_stats st;
	struct peer *a, *b;
	char *pad = malloc(TEST_PAD + 1);
	int64_t a_seq = 1, b_seq = 1, dropped;
	struct timespec t0, t1;
	unsigned int i;
	json_t *j;

	memset(pad, 'p', TEST_PAD);
	pad[TEST_PAD] = '\0';
	start(0);
	a = connect_peer(0);
	b = connect_peer(4096);
	watch(a);
	watch(b);
	/* b stops reading; a reads everything; the server never waits */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < TEST_FLOOD; i++) {
		publish(i, pad);
		tusk_ctl_server_poll(srv, 0);
		drain_reader(a, &a_seq);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	for (i = 0; i < 50; i++) {
		tusk_ctl_server_poll(srv, 1);
		drain_reader(a, &a_seq);
	}
	assert_int_equal(a_seq, 1 + TEST_FLOOD);
	tusk_ctl_server_stats(srv, &st);
	assert_true(st.events_dropped > 0);

	/* b reads again: a run without a gap, then "lost" numbered after
	 * the dropped ones, then a new snapshot */
	for (;;) {
		j = next_line(b);
		assert_non_null(j);
		if (strcmp(event_of(j), "tick") != 0)
			break;
		assert_int_equal(int_of(j, "seq"), ++b_seq);
		json_decref(j);
	}
	assert_string_equal(event_of(j), "lost");
	dropped = int_of(j, "dropped");
	assert_int_equal(dropped, (int64_t)st.events_dropped);
	assert_int_equal(b_seq + dropped, 1 + TEST_FLOOD);
	assert_int_equal(int_of(j, "seq"), 1 + TEST_FLOOD + 1);
	json_decref(j);
	j = next_line(b);
	assert_string_equal(event_of(j), "snapshot");
	assert_int_equal(int_of(j, "seq"), 1 + TEST_FLOOD + 2);
	assert_int_equal(int_of(j, "n"), 3); /* a's, b's, b's re-sync */
	json_decref(j);
	/* and it goes on from there */
	publish(0, "");
	j = next_line(b);
	assert_int_equal(int_of(j, "seq"), 1 + TEST_FLOOD + 3);
	json_decref(j);
	close(a->fd);
	close(b->fd);
	free(a);
	free(b);
	free(pad);
}

static void
sleep_serving(unsigned int ms)
{
	for (unsigned int i = 0; i < ms / 10; i++)
		tusk_ctl_server_poll(srv, 10);
}

/* Still open: nothing to read and no EOF. */
static bool
is_open(struct peer *p)
{
	char c;
	ssize_t n = recv(p->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && errno == EAGAIN;
}

static void
test_quiet_subscriber_is_not_idle(void **state)
{
	struct peer *quiet, *plain, *stuck;
	struct tusk_ctl_server_stats st;
	char *pad = malloc(TEST_PAD + 1);
	unsigned int i;

	start(300);
	quiet = connect_peer(0);
	stuck = connect_peer(4096);
	watch(quiet);
	watch(stuck);
	plain = connect_peer(0);
	sleep_serving(700);
	/* the quiet subscriber waits for events: still there */
	assert_true(is_open(quiet));
	/* the plain client was idle */
	assert_false(is_open(plain));
	/* a subscriber that stops reading is idle once it has unread
	 * events that do not move */
	memset(pad, 'p', TEST_PAD);
	pad[TEST_PAD] = '\0';
	for (i = 0; i < TEST_FLOOD; i++)
		publish(i, pad);
	/* quiet reads its events, stuck does not */
	for (i = 0; i < 70; i++) {
		tusk_ctl_server_poll(srv, 10);
		while (recv(quiet->fd, quiet->buf, sizeof(quiet->buf), 0) > 0)
			;
	}
	assert_true(is_open(quiet));
	tusk_ctl_server_stats(srv, &st);
	assert_int_equal(st.idle_closed, 2);
	assert_int_equal(st.clients, 1);
	close(quiet->fd);
	close(plain->fd);
	close(stuck->fd);
	free(quiet);
	free(plain);
	free(stuck);
	free(pad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_then_numbered_events,
						ctl_sock_setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_slow_subscriber_loses_and_resyncs,
			ctl_sock_setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_quiet_subscriber_is_not_idle, ctl_sock_setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
