/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `marathon` launcher (ctrl/launch_marathon.c) against the strict
 * Marathon stand-in (tests/integration/marathon_standin.py), which checks
 * every app definition against Marathon v1.7.236's AppDefinition.json and
 * runs the app's command for real under bubblewrap:
 * - a command job ends SUCCEEDED with its output file really written (the
 *   SHA-256 of the input, as sha256sum computes it here), and the app is
 *   deleted after its end;
 * - a failing job ends FAILED with exit code and Mesos's reason;
 * - cancel deletes the app and the job's process is gone;
 * - a job is posted once per id: twice from one launcher, again from a new
 *   launcher object (a ctrld restart), also after the app was deleted (the
 *   end state is found in the job directory);
 * - injected 503 and a stopped stand-in give a clear reason and a retry
 *   that works once Marathon answers again; wrong credentials give 401;
 * - a definition the schema rejects (a deliberately bad app_extra) is a
 *   422 reported with Marathon's path and error, and the stand-in's log
 *   shows that one rejection and no other: every app tusk sent was valid;
 * - a notebook server app (marathon_notebook.c, MarathonSpawner's shape)
 *   becomes healthy on a real host port and serves; stopped, its
 *   deployment ends and the server is gone.
 *
 * Needs /usr/bin/python3 with python3-jsonschema, bwrap and curl
 * (tools/tusk-setup installs them). Without them it skips, except under
 * CI=true where a missing prerequisite fails (tests/lib/unmet.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "launch.h"
#include "launch_fixture.h"
#include "launch_marathon.h"
#include "unmet.h"

/* Bounds for a 2-core machine shared with builds: a stand-in job starts in
 * ~100 ms, the stand-in itself in ~1 s (jsonschema import). */
#define JOB_WAIT_S 60
#define STANDIN_WAIT_S 30
#define USER "tusk"
#define PASSWORD "s3cret"

static struct {
	char base[256], src[512], url[128];
	const char *unmet;		/* the missing prerequisite, or NULL */
	int port;
	pid_t standin;
	bool ready;
	struct tusk_launcher *l;
} fx;

/* One JSON answer of the stand-in (curl: the launcher is not the client
 * that checks the launcher). */
static json_t *
standin_get(const char *path)
{
	char cmd[1024];
	json_t *j;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "curl -s -u %s:%s 'http://127.0.0.1:%d%s'",
		 USER, PASSWORD, fx.port, path);
	p = popen(cmd, "r");
	if (p == NULL)
		return NULL;
	j = json_loadf(p, 0, NULL);
	pclose(p);
	return j;
}

static long
stat_of(const char *key)
{
	json_t *j = standin_get("/_standin/stats");
	long v = (long)json_integer_value(json_object_get(j, key));

	json_decref(j);
	return v;
}

static int
standin_start(int port)
{
	char portfile[512];

	snprintf(portfile, sizeof(portfile), "%s/port", fx.base);
	unlink(portfile);
	fx.standin = fork();
	if (fx.standin == 0) {
		char script[600], log[512], ps[16];

		snprintf(script, sizeof(script),
			 "%s/tests/integration/marathon_standin.py", fx.src);
		snprintf(log, sizeof(log), "%s/validations.log", fx.base);
		snprintf(ps, sizeof(ps), "%d", port);
		execl("/usr/bin/python3", "python3", script, "--port-file", portfile,
		      "--port", ps, "--log", log, "--user", USER, "--password",
		      PASSWORD, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < STANDIN_WAIT_S * 10; i++) {
		FILE *f = fopen(portfile, "re");

		if (f != NULL) {
			int ok = fscanf(f, "%d", &fx.port);

			fclose(f);
			return ok == 1 ? 0 : -1;
		}
		if (waitpid(fx.standin, NULL, WNOHANG) == fx.standin)
			return -1;
		usleep(100 * 1000);
	}
	return -1;
}

static void
standin_stop(void)
{
	if (fx.standin > 0) {
		kill(fx.standin, SIGTERM);
		waitpid(fx.standin, NULL, 0);
		fx.standin = 0;
	}
}

static struct tusk_launcher *
launcher(const char *name, const char *password, const char *extra)
{
	char err[256], state[400];
	struct tusk_launcher *l;

	snprintf(state, sizeof(state), "%s/state", fx.base);
	l = tusk_launcher_create("marathon", name, state, err, sizeof(err));
	assert_non_null(l);
	lfx_conf(l, "url", fx.url);
	lfx_conf(l, "user", USER);
	lfx_conf(l, "password", password);
	lfx_conf(l, "image", "debian:bookworm-slim");
	lfx_conf(l, "poll_interval_ms", "100");
	lfx_conf(l, "mem_mb", "256");
	if (extra != NULL)
		lfx_conf(l, "app_extra", extra);
	assert_int_equal(l->ops->conf_done(l, err, sizeof(err)), 0);
	return l;
}

static int
setup(void **state)
{
	const char *src = getenv("TUSK_SOURCE");
	const char *why = NULL;

	snprintf(fx.src, sizeof(fx.src), "%s", src ? src : ".");
	if (lfx_sh("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0)
		why = "python3-jsonschema missing";
	else if (lfx_sh("command -v bwrap >/dev/null && command -v curl >/dev/null") != 0)
		why = "bwrap or curl missing";
	if (why != NULL) {
		fx.unmet = why;	/* each test fails (CI) or skips with it */
		return 0;
	}
	snprintf(fx.base, sizeof(fx.base), "/tmp/tusk-marathon-%d", (int)getpid());
	if (lfx_sh("rm -rf %s && mkdir -p %s/state %s/data && "
	       "head -c 1048576 /dev/urandom > %s/data/in.bin", fx.base, fx.base,
	       fx.base, fx.base) != 0)
		return -1;
	if (standin_start(0) < 0)
		return -1;
	snprintf(fx.url, sizeof(fx.url), "http://127.0.0.1:%d/", fx.port);
	fx.l = launcher("m", PASSWORD, NULL);
	fx.ready = true;
	return 0;
}

static int
teardown(void **state)
{
	tusk_launcher_destroy(fx.l);
	standin_stop();
	if (fx.base[0] != '\0' && getenv("TUSK_KEEP") == NULL)
		lfx_sh("rm -rf %s", fx.base);
	return 0;
}

#define NEED_FIXTURE() do {						\
		if (fx.unmet != NULL)						\
			tusk_unmet("%s", fx.unmet);				\
		assert_true(fx.ready);						\
	} while (0)

static void
spec_for(struct tusk_job_spec *s, const char *id, const char *const *argv,
	 char *out, size_t outlen)
{
	char data[400];

	snprintf(data, sizeof(data), "%s/data", fx.base);
	snprintf(out, outlen, "%s/out-%s", fx.base, id);
	mkdir(out, 0755);
	*s = (struct tusk_job_spec){ .id = id, .kind = TUSK_JOB_COMMAND,
				     .argv = argv, .out_dir = out };
	s->data_dir = strdup(data);
}

static void
submit_ok(struct tusk_launcher *l, const struct tusk_job_spec *s)
{
	char err[TUSK_JOB_REASON_MAX] = "";
	int rc = l->ops->submit(l, s, err, sizeof(err));

	if (rc != 0)
		fail_msg("submit %s: %d %s", s->id, rc, err);
}

static void
app_gone(const char *app)
{
	char path[256];
	json_t *j;

	snprintf(path, sizeof(path), "/v2/apps/tusk/%s", app);
	j = standin_get(path);
	assert_non_null(j);
	/* 404 body: {"message": "App '/tusk/x' does not exist"} */
	assert_null(json_object_get(j, "app"));
	assert_non_null(strstr(json_string_value(json_object_get(j, "message")),
			       "does not exist"));
	json_decref(j);
}

static void
test_command_succeeds(void **state)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "cd /data && sha256sum in.bin > /out/sum.txt", NULL };
	struct tusk_job_spec s;
	struct tusk_job_status st;
	char out[512];
	json_t *outs;

	NEED_FIXTURE();
	spec_for(&s, "sess1-0", argv, out, sizeof(out));
	submit_ok(fx.l, &s);
	st = lfx_wait_final(fx.l, "sess1-0", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_int_equal(st.exit_code, 0);
	assert_string_equal(st.runtime, "marathon");
	/* the output is real: the same digest computed here */
	assert_int_equal(lfx_sh("cd %s/data && sha256sum in.bin | cmp -s - %s/sum.txt",
			    fx.base, out), 0);
	outs = fx.l->ops->outputs(fx.l, "sess1-0");
	assert_int_equal(json_array_size(outs), 1);
	assert_string_equal(json_string_value(json_array_get(outs, 0)), "sum.txt");
	json_decref(outs);
	app_gone("sess1-0");
	free((void *)s.data_dir);
}

static void
test_command_fails(void **state)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "echo oops >&2; touch /data/x 2>/dev/null && exit 9; exit 3",
		NULL };
	struct tusk_job_spec s;
	struct tusk_job_status st;
	char out[512];

	NEED_FIXTURE();
	spec_for(&s, "sess1-1", argv, out, sizeof(out));
	submit_ok(fx.l, &s);
	st = lfx_wait_final(fx.l, "sess1-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	/* 3, not 9: /data was read-only */
	assert_int_equal(st.exit_code, 3);
	assert_non_null(strstr(st.reason, "TASK_FAILED"));
	assert_non_null(strstr(st.reason, "exited with status 3"));
	app_gone("sess1-1");
	free((void *)s.data_dir);
}

static void
test_cancel(void **state)
{
	static const char *const argv[] = { "/bin/sleep", "314159", NULL };
	struct tusk_job_spec s;
	struct tusk_job_status st;
	char out[512];
	long deletes = stat_of("deletes");
	int i;

	NEED_FIXTURE();
	spec_for(&s, "sess2-0", argv, out, sizeof(out));
	submit_ok(fx.l, &s);
	for (i = 0; i < JOB_WAIT_S * 10; i++) {
		assert_int_equal(fx.l->ops->poll(fx.l, "sess2-0", &st), 0);
		if (st.state == TUSK_JOB_RUNNING && lfx_sh("pgrep -f '^/bin/sleep 314159$' >/dev/null") == 0)
			break;
		usleep(100 * 1000);
	}
	assert_int_equal(st.state, TUSK_JOB_RUNNING);
	assert_int_equal(fx.l->ops->cancel(fx.l, "sess2-0"), 0);
	assert_int_equal(stat_of("deletes"), deletes + 1);
	assert_int_equal(fx.l->ops->poll(fx.l, "sess2-0", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "CANCELLED");
	for (i = 0; i < 50 && lfx_sh("pgrep -f '^/bin/sleep 314159$' >/dev/null") == 0; i++)
		usleep(100 * 1000);
	assert_int_not_equal(lfx_sh("pgrep -f '^/bin/sleep 314159$' >/dev/null"), 0);
	app_gone("sess2-0");
	free((void *)s.data_dir);
}

/* Twice from one launcher, then from a new one (ctrld restarted): one POST;
 * after the app was deleted, the end is still found. */
static void
test_submit_once(void **state)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "sleep 1; echo $TUSK_JOB_ID >> /out/runs", NULL };
	struct tusk_job_spec s;
	struct tusk_job_status st;
	struct tusk_launcher *l2;
	char out[512];
	long posts = stat_of("posts");

	NEED_FIXTURE();
	spec_for(&s, "sess3-0", argv, out, sizeof(out));
	submit_ok(fx.l, &s);
	submit_ok(fx.l, &s);
	l2 = launcher("m2", PASSWORD, NULL);
	submit_ok(l2, &s);
	assert_int_equal(stat_of("posts"), posts + 1);
	st = lfx_wait_final(l2, "sess3-0", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	tusk_launcher_destroy(l2);
	app_gone("sess3-0");
	l2 = launcher("m3", PASSWORD, NULL);
	submit_ok(l2, &s);
	assert_int_equal(l2->ops->poll(l2, "sess3-0", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_int_equal(stat_of("posts"), posts + 1);
	assert_int_equal(lfx_sh("test \"$(cat %s/runs)\" = sess3-0", out), 0);
	tusk_launcher_destroy(l2);
	free((void *)s.data_dir);
}

static void
test_unavailable_then_retry(void **state)
{
	static const char *const argv[] = { "/bin/true", NULL };
	char err[TUSK_JOB_REASON_MAX] = "", out[512];
	struct tusk_job_spec s;
	struct tusk_job_status st;
	int port = fx.port;

	NEED_FIXTURE();
	spec_for(&s, "sess4-0", argv, out, sizeof(out));
	/* 5xx: the reason names it, a later submit works */
	assert_int_equal(lfx_sh("curl -sf -XPOST 'http://127.0.0.1:%d/_standin/fail?count=1&code=503' >/dev/null",
			    fx.port), 0);
	assert_int_equal(fx.l->ops->submit(fx.l, &s, err, sizeof(err)), -EAGAIN);
	assert_non_null(strstr(err, "Marathon HTTP 503"));
	/* down: the reason names Marathon and the connection */
	standin_stop();
	err[0] = '\0';
	assert_true(fx.l->ops->submit(fx.l, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "Marathon GET"));
	assert_non_null(strstr(err, "onnect"));
	assert_int_equal(standin_start(port), 0);
	submit_ok(fx.l, &s);
	st = lfx_wait_final(fx.l, "sess4-0", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	free((void *)s.data_dir);
}

static void
test_bad_credentials(void **state)
{
	static const char *const argv[] = { "/bin/true", NULL };
	char err[TUSK_JOB_REASON_MAX] = "", out[512];
	struct tusk_launcher *l2;
	struct tusk_job_spec s;

	NEED_FIXTURE();
	l2 = launcher("wrongpw", "nope", NULL);
	spec_for(&s, "sess5-0", argv, out, sizeof(out));
	assert_int_equal(l2->ops->submit(l2, &s, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "Marathon HTTP 401"));
	tusk_launcher_destroy(l2);
	free((void *)s.data_dir);
}

/* Volumes at the top level, a common mistake: the schema rejects them. */
static void
test_rejected_definition(void **state)
{
	static const char *const argv[] = { "/bin/true", NULL };
	char err[TUSK_JOB_REASON_MAX] = "", out[512];
	struct tusk_launcher *l2;
	struct tusk_job_spec s;
	struct tusk_job_status st;

	NEED_FIXTURE();
	l2 = launcher("bad", PASSWORD, "{\"volumes\": []}");
	spec_for(&s, "bad-1", argv, out, sizeof(out));
	assert_int_equal(l2->ops->submit(l2, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "Marathon HTTP 422: Object is not valid"));
	assert_non_null(strstr(err, "'volumes' was unexpected"));
	assert_int_equal(l2->ops->poll(l2, "bad-1", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_string_equal(st.reason, err);
	tusk_launcher_destroy(l2);
	free((void *)s.data_dir);
}

/* A user's notebook server as MarathonSpawner makes it: healthy on a real
 * host port, serving; stopped, its deployment ends and the server is gone.
 * The "notebook" is Python's http.server on PORT0 (no Jupyter here). */
static void
test_notebook(void **state)
{
	struct marathon_conf c = { .cpus = 1, .mem_mib = 512, .timeout_ms = 2000 };
	char err[256] = "", addr[128] = "", dep[128] = "", data[400];
	int rc = -EAGAIN, i;

	NEED_FIXTURE();
	snprintf(c.url, sizeof(c.url), "http://127.0.0.1:%d", fx.port);
	snprintf(c.user, sizeof(c.user), USER);
	snprintf(c.password, sizeof(c.password), PASSWORD);
	snprintf(c.prefix, sizeof(c.prefix), "jupyter");
	snprintf(c.image, sizeof(c.image), "jupyterhub/singleuser");
	snprintf(data, sizeof(data), "%s/data", fx.base);
	assert_int_equal(tusk_marathon_notebook_start(&c, "alice", data,
		"cd /data && exec python3 -m http.server --bind 127.0.0.1 $PORT0",
		err, sizeof(err)), 0);
	assert_int_equal(tusk_marathon_notebook_start(&c, "alice", data, "true",
						      err, sizeof(err)), -EEXIST);
	for (i = 0; i < JOB_WAIT_S * 10 && rc == -EAGAIN; i++) {
		rc = tusk_marathon_notebook_ready(&c, "alice", addr, sizeof(addr),
						  err, sizeof(err));
		if (rc == -EAGAIN)
			usleep(100 * 1000);
	}
	assert_int_equal(rc, 0);
	assert_true(strncmp(addr, "127.0.0.1:", 10) == 0);
	/* it serves the session's data */
	assert_int_equal(lfx_sh("curl -sf http://%s/in.bin | cmp -s - %s/in.bin", addr,
			    data), 0);
	assert_int_equal(tusk_marathon_notebook_stop(&c, "alice", dep, sizeof(dep),
						     err, sizeof(err)), 0);
	assert_true(strlen(dep) > 0);
	for (rc = -EAGAIN, i = 0; i < 100 && rc == -EAGAIN; i++) {
		rc = tusk_marathon_notebook_stopped(&c, dep, err, sizeof(err));
		if (rc == -EAGAIN)
			usleep(100 * 1000);
	}
	assert_int_equal(rc, 0);
	assert_int_not_equal(lfx_sh("curl -sf -m 2 http://%s/ >/dev/null", addr), 0);
	assert_int_equal(tusk_marathon_notebook_ready(&c, "alice", addr,
				sizeof(addr), err, sizeof(err)), -ENOENT);
}

/* Last: the stand-in validated every POST, and rejected only bad-1. */
static void
test_all_definitions_valid(void **state)
{
	json_t *j, *ids;

	NEED_FIXTURE();
	j = standin_get("/_standin/stats");
	assert_non_null(j);
	ids = json_object_get(j, "failed_ids");
	assert_int_equal(json_integer_value(json_object_get(j, "validations")),
			 json_integer_value(json_object_get(j, "posts")));
	assert_int_equal(json_integer_value(json_object_get(j, "schema_failures")), 1);
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), "/tusk/bad-1");
	json_decref(j);
	/* the log has a line per validation, all valid but that one */
	assert_int_equal(lfx_sh("test $(grep -c '\"valid\": false' %s/validations.log) = 1",
			    fx.base), 0);
	assert_int_equal(lfx_sh("grep '\"valid\": false' %s/validations.log | grep -q '/tusk/bad-1'",
			    fx.base), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_succeeds),
		cmocka_unit_test(test_command_fails),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_submit_once),
		cmocka_unit_test(test_unavailable_then_retry),
		cmocka_unit_test(test_bad_credentials),
		cmocka_unit_test(test_rejected_definition),
		cmocka_unit_test(test_notebook),
		cmocka_unit_test(test_all_definitions_valid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
