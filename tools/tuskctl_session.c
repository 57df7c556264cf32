/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskctl session: tusk-ctrld's sessions from the command line.
 *
 *   tuskctl [-s SOCKET] [--json] session submit SPEC.json|-
 *                                session list
 *                                session show ID
 *                                session cancel ID | retry ID
 *                                session watch ID
 *
 * SOCKET: -s, else $TUSK_CTRLD_SOCKET, else /run/tusk/ctrld.sock. `watch`
 * follows a session until it is final: on a terminal, a progress bar per
 * file and one for the session (bytes, rate, ETA), redrawn in place;
 * otherwise one line per change; with --json, the session's JSON once per
 * change. Its exit status is 0 when the session ends FINISHED.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_client.h"
#include "tuskctl_session.h"

#define SESSION_SOCKET_ENV "TUSK_CTRLD_SOCKET"
#define SESSION_DEFAULT_SOCKET "/run/tusk/ctrld.sock"
/* tusk-ctrld answers from memory or its journal: milliseconds. */
#define SESSION_TIMEOUT_MS 10000
/* watch asks this often: tusk-ctrld's own view moves every 250 ms. */
#define SESSION_WATCH_MS 500
/* Width of a progress bar, in characters. */
#define SESSION_BAR 24
/* Files shown by watch on a terminal; the rest are summed up. */
#define SESSION_WATCH_FILES 20

enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char *
sget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static json_int_t
iget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* 1.2G, 340M, 12K, 999 */
static void
human(char *out, size_t len, json_int_t v)
{
	static const char units[] = "KMGTP";
	double x = (double)v;
	int u = -1;

	if (v < 0) {
		snprintf(out, len, "-");
		return;
	}
	while (x >= 1000 && u < 4) {
		x /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%lld", (long long)v);
	else
		snprintf(out, len, "%.*f%c", x < 10 ? 1 : 0, x, units[u]);
}

json_t *
tuskctl_ctrld_call(const char *sock, json_t *req, char *err, size_t errlen)
{
	struct tusk_ctl_client c;
	json_t *resp;

	sock = tuskctl_ctrld_socket(sock);
	if (tusk_ctl_client_connect(&c, sock, SESSION_TIMEOUT_MS, err,
				    errlen) < 0) {
		json_decref(req);
		return NULL;
	}
	resp = tusk_ctl_client_call(&c, req, err, errlen);
	tusk_ctl_client_close(&c);
	json_decref(req);
	if (resp != NULL && !json_is_true(json_object_get(resp, "ok"))) {
		snprintf(err, errlen, "%s", sget(resp, "error"));
		json_decref(resp);
		return NULL;
	}
	return resp;
}

static void
print_list(json_t *list)
{
	char size[24], bytes[24];
	size_t i;
	json_t *s;

	printf("%-5s %-16s %-13s %5s %5s %6s %8s %8s  %s\n", "ID", "NAME",
	       "STATE", "FILES", "DONE", "FAILED", "BYTES", "SIZE", "REASON");
	json_array_foreach(list, i, s) {
		human(bytes, sizeof(bytes), iget(s, "bytes"));
		human(size, sizeof(size), iget(s, "size"));
		printf("%-5lld %-16.16s %-13s %5lld %5lld %6lld %8s %8s  %s\n",
		       (long long)iget(s, "id"), sget(s, "name"),
		       sget(s, "state"), (long long)iget(s, "files"),
		       (long long)iget(s, "files_done"),
		       (long long)iget(s, "files_failed"), bytes, size,
		       sget(s, "reason"));
	}
}

static void
print_analysis(json_t *a)
{
	printf("analysis step %lld: job %s on %s: %s", (long long)iget(a,
	       "step"), sget(a, "job_id"), sget(a, "launcher"),
	       sget(a, "state"));
	if (iget(a, "exit_code") >= 0)
		printf(" (exit %lld)", (long long)iget(a, "exit_code"));
	if (sget(a, "reason")[0])
		printf(": %s", sget(a, "reason"));
	printf("\n");
}

static void
print_history(json_t *h)
{
	char when[32];
	size_t i;
	json_t *e;

	json_array_foreach(h, i, e) {
		time_t t = (time_t)json_real_value(json_object_get(e, "time"));
		struct tm tm;

		strftime(when, sizeof(when), "%H:%M:%S",
			 gmtime_r(&t, &tm));
		if (iget(e, "file") >= 0)
			printf("  %s  file %-3lld %-14s %s\n", when,
			       (long long)iget(e, "file"), sget(e, "what"),
			       sget(e, "text"));
		else
			printf("  %s  session  %-14s %s\n", when,
			       sget(e, "what"), sget(e, "text"));
	}
}

static double
dget(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void
print_timing(json_t *t)
{
	if (!json_is_object(t))
		return;
	printf("time: %.1f s = listing %.1f + files %.1f + analysis %.1f; "
	       "per file, summed: transferring %.1f, verifying %.1f, "
	       "hand-off %.1f, waiting %.1f\n", dget(t, "total_s"),
	       dget(t, "listing_s"), dget(t, "files_s"),
	       dget(t, "analysis_s"), dget(t, "transferring_s"),
	       dget(t, "verifying_s"), dget(t, "handoff_s"),
	       dget(t, "waiting_s"));
}

static void
print_show(json_t *s)
{
	char size[24];
	size_t i;
	json_t *f;

	printf("session %lld %s: %s%s%s\n", (long long)iget(s, "id"),
	       sget(s, "name"), sget(s, "state"), sget(s, "reason")[0] ?
	       ": " : "", sget(s, "reason"));
	printf("%-4s %-24s %-13s %4s %8s  %-16s %s\n", "IDX", "NAME",
	       "STATE", "TRY", "SIZE", "SHA256", "REASON");
	json_array_foreach(json_object_get(s, "file_list"), i, f) {
		human(size, sizeof(size), iget(f, "size"));
		printf("%-4lld %-24.24s %-13s %4lld %8s  %-16.16s %s\n",
		       (long long)iget(f, "idx"), sget(f, "name"),
		       sget(f, "state"), (long long)iget(f, "attempts"), size,
		       sget(f, "sha256"), sget(f, "reason"));
	}
	json_array_foreach(json_object_get(s, "analysis"), i, f)
		print_analysis(f);
	print_timing(json_object_get(s, "timing"));
	if (json_array_size(json_object_get(s, "history")) > 0) {
		printf("history:\n");
		print_history(json_object_get(s, "history"));
	}
}

/* ------------------------------------------------------------- watch */

static void
print_compact(json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT);

	printf("%s\n", t ? t : "null");
	free(t);
}

static void
bar_line(const char *label, json_t *o, const char *state)
{
	json_int_t size = iget(o, "size"), bytes = iget(o, "bytes");
	json_int_t rate = iget(o, "rate"), eta = iget(o, "eta_s");
	char b[24], sz[24], r[24], e[24] = "-", bar[SESSION_BAR + 1];
	int fill = size > 0 && bytes > 0 ? (int)(bytes * SESSION_BAR / size) :
		   0;
	int i;

	if (fill > SESSION_BAR)
		fill = SESSION_BAR;
	for (i = 0; i < SESSION_BAR; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[SESSION_BAR] = '\0';
	human(b, sizeof(b), bytes);
	human(sz, sizeof(sz), size);
	human(r, sizeof(r), rate);
	if (eta >= 0)
		snprintf(e, sizeof(e), "%llds", (long long)eta);
	printf("\033[K%-20.20s [%s] %3d%% %7s/%-7s %7s/s ETA %5s  %s\n", label,
	       bar, size > 0 && bytes > 0 ? (int)(bytes * 100 / size) : 0, b,
	       sz, rate > 0 ? r : "-", e, state);
}

/* Redraw every bar in place; returns how many lines were drawn. */
static int
draw_bars(json_t *s, int prev)
{
	size_t i;
	json_t *f;
	int n = 0;

	if (prev > 0)
		printf("\033[%dA", prev);
	json_array_foreach(json_object_get(s, "file_list"), i, f) {
		if (i >= SESSION_WATCH_FILES)
			break;
		bar_line(sget(f, "name"), f, sget(f, "state"));
		n++;
	}
	bar_line("session", s, sget(s, "state"));
	fflush(stdout);
	return n + 1;
}

/* One line per change of a file's or the session's state. */
static void
print_changes(json_t *s, json_t *old)
{
	json_t *f, *of = json_object_get(old, "file_list");
	size_t i;

	json_array_foreach(json_object_get(s, "file_list"), i, f) {
		json_t *o = json_array_get(of, i);

		if (o != NULL && strcmp(sget(o, "state"), sget(f, "state")) == 0)
			continue;
		printf("file %lld %s: %s%s%s\n", (long long)iget(f, "idx"),
		       sget(f, "name"), sget(f, "state"),
		       sget(f, "reason")[0] ? ": " : "", sget(f, "reason"));
	}
	if (old == NULL || strcmp(sget(old, "state"), sget(s, "state")) != 0)
		printf("session %lld: %s%s%s\n", (long long)iget(s, "id"),
		       sget(s, "state"), sget(s, "reason")[0] ? ": " : "",
		       sget(s, "reason"));
	fflush(stdout);
}

static bool
is_final(json_t *s)
{
	static const char *const finals[] = { "FINISHED", "FINISHEDDIRTY",
					      "FAILED", "CANCELED" };
	size_t i;

	for (i = 0; i < sizeof(finals) / sizeof(finals[0]); i++)
		if (strcmp(sget(s, "state"), finals[i]) == 0)
			return true;
	return false;
}

static int
watch(const char *sock, const char *id, bool as_json)
{
	bool tty = !as_json && isatty(STDOUT_FILENO);
	json_t *old = NULL, *resp, *s;
	char err[512];
	int lines = 0;

	for (;;) {
		resp = tuskctl_ctrld_call(sock, json_pack("{s:s, s:s}", "cmd",
					  "show", "id", id), err, sizeof(err));
		if (resp == NULL) {
			fprintf(stderr, "tuskctl: session watch: %s\n", err);
			json_decref(old);
			return EXIT_FAIL;
		}
		s = json_incref(json_object_get(resp, "result"));
		json_decref(resp);
		if (tty)
			lines = draw_bars(s, lines);
		else if (as_json && !json_equal(s, old))
			print_compact(s);
		else if (!as_json)
			print_changes(s, old);
		fflush(stdout);
		json_decref(old);
		old = s;
		if (is_final(s))
			break;
		usleep(SESSION_WATCH_MS * 1000);
	}
	if (tty)
		print_changes(s, NULL);
	lines = strcmp(sget(s, "state"), "FINISHED") == 0 ? 0 : EXIT_FAIL;
	json_decref(s);
	return lines;
}

/* ------------------------------------------------------------- main */

const char *
tuskctl_ctrld_socket(const char *sock)
{
	if (sock == NULL)
		sock = getenv(SESSION_SOCKET_ENV);
	if (sock == NULL || sock[0] == '\0')
		sock = SESSION_DEFAULT_SOCKET;
	return sock;
}

static void
session_usage(FILE *f)
{
	fprintf(f, "usage: tuskctl [-s SOCKET] [--json] session COMMAND\n"
		"  submit SPEC.json|-   start a session; prints its id\n"
		"  list                 every session\n"
		"  show ID              files, analysis and history\n"
		"  cancel ID | retry ID\n"
		"  watch ID             follow until final (exit 0: FINISHED)\n"
		"  SOCKET defaults to $%s, then %s\n", SESSION_SOCKET_ENV,
		SESSION_DEFAULT_SOCKET);
}

static json_t *
submit_request(const char *file)
{
	json_error_t je;
	json_t *spec = strcmp(file, "-") == 0 ?
		       json_loadf(stdin, 0, &je) : json_load_file(file, 0, &je);

	if (spec == NULL) {
		fprintf(stderr, "tuskctl: %s:%d:%d: %s\n", file, je.line,
			je.column, je.text);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "cmd", "submit", "spec", spec);
}

static void
print_result(const char *cmd, json_t *res, bool as_json)
{
	if (as_json)
		print_compact(res);
	else if (strcmp(cmd, "list") == 0)
		print_list(res);
	else if (strcmp(cmd, "show") == 0)
		print_show(res);
	else if (strcmp(cmd, "submit") == 0)
		printf("%lld\n", (long long)iget(res, "id"));
	else
		printf("session %lld: %s\n", (long long)iget(res, "id"),
		       sget(res, "state"));
}

int
tuskctl_session(int argc, char **argv, const char *sock, bool as_json)
{
	const char *cmd = argc > 0 ? argv[0] : "";
	bool needs_id = strcmp(cmd, "show") == 0 || strcmp(cmd, "cancel") == 0 ||
			strcmp(cmd, "retry") == 0 || strcmp(cmd, "watch") == 0;
	json_t *req, *resp;
	char err[512];

	sock = tuskctl_ctrld_socket(sock);
	if ((needs_id || strcmp(cmd, "submit") == 0) ? argc != 2 :
	    strcmp(cmd, "list") != 0 || argc != 1) {
		session_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "watch") == 0)
		return watch(sock, argv[1], as_json);
	if (strcmp(cmd, "submit") == 0)
		req = submit_request(argv[1]);
	else if (needs_id)
		req = json_pack("{s:s, s:s, s:b}", "cmd", cmd, "id", argv[1],
				"history", strcmp(cmd, "show") == 0);
	else
		req = json_pack("{s:s}", "cmd", cmd);
	if (req == NULL)
		return EXIT_USAGE;
	if (!json_is_true(json_object_get(req, "history")))
		json_object_del(req, "history");
	resp = tuskctl_ctrld_call(sock, req, err, sizeof(err));
	if (resp == NULL) {
		fprintf(stderr, "tuskctl: session %s: %s\n", cmd, err);
		return EXIT_FAIL;
	}
	print_result(cmd, json_object_get(resp, "result"), as_json);
	json_decref(resp);
	return 0;
}
