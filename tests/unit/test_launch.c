/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `local` analysis launcher (ctrl/launch*.c) on real bubblewrap, in the
 * real job image, with real nbclient: commands succeed, fail, time out and
 * are cancelled with nothing left running; /data is read-only and there is
 * no network unless asked; a job starts once per id, also across a new
 * launcher object (the restart rule of launch.h); the pilot notebook runs
 * on the pilot data and writes a valid PNG with the statistics numpy
 * computes; a notebook that raises fails with the exception as its reason.
 *
 * Needs root, bwrap, the image (TUSK_IMAGE, default that of tools/tusk-image)
 * and Debian's python3 with h5py. Without them it skips, except under
 * CI=true where a missing prerequisite fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "launch.h"
#include "launch_fixture.h"

#define IMAGE_DEFAULT "/var/lib/tusk/images/analysis"
/* Generous bounds for a 2-core machine shared with builds: a command job
 * starts in ~50 ms, the pilot notebook runs in ~10 s. */
#define JOB_WAIT_S 60
#define NOTEBOOK_WAIT_S 300
/* A sleep no other test run uses: "sleep 31415<pid>" (set in setup). */
static char MARK[32];

static struct {
	char base[256], state[300], data[300], image[512], src[512];
	char sleep_cmd[64];
	bool ready;
	struct tusk_launcher *l;
} fx;

static bool
ci(void)
{
	const char *v = getenv("CI");

	return v != NULL && strcmp(v, "true") == 0;
}

static char *
slurp(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static struct tusk_launcher *
launcher_new(const char *runtime)
{
	char err[256] = "";
	struct tusk_launcher *l = tusk_launcher_create("local", "test", fx.state,
						       err, sizeof(err));

	assert_non_null(l);
	lfx_conf(l, "runtime", runtime);
	lfx_conf(l, "image", fx.image);
	lfx_conf(l, "memory_mb", "2048");
	lfx_conf(l, "timeout_s", "900");
	if (l->ops->conf_done(l, err, sizeof(err)) != 0)
		fail_msg("conf_done: %s", err);
	return l;
}

static const char *
missing(void)
{
	struct stat st;

	if (geteuid() != 0)
		return "not root";
	if (lfx_sh("command -v bwrap >/dev/null") != 0)
		return "bwrap not installed";
	if (stat(fx.image, &st) < 0 || !S_ISDIR(st.st_mode))
		return "no job image (tools/tusk-image build)";
	if (lfx_sh("/usr/bin/python3 -c 'import h5py, nbformat, matplotlib' 2>/dev/null") != 0)
		return "Debian's python3-h5py/nbformat/matplotlib not installed";
	if (lfx_sh("tools=%s/tools/lab; $tools/pilot-data %s >/dev/null", fx.src,
	       fx.data) != 0)
		return "tools/lab/pilot-data failed";
	return NULL;
}

static int
group_setup(void **state)
{
	const char *img = getenv("TUSK_IMAGE"), *src = getenv("TUSK_SOURCE");
	const char *why;

	snprintf(fx.image, sizeof(fx.image), "%s", img ? img : IMAGE_DEFAULT);
	snprintf(fx.src, sizeof(fx.src), "%s", src ? src : ".");
	snprintf(fx.base, sizeof(fx.base), "/tmp/tusk-test-launch.%d", (int)getpid());
	snprintf(MARK, sizeof(MARK), "31415%d", (int)getpid());
	snprintf(fx.sleep_cmd, sizeof(fx.sleep_cmd), "sleep %s", MARK);
	snprintf(fx.state, sizeof(fx.state), "%s/state", fx.base);
	snprintf(fx.data, sizeof(fx.data), "%s/data", fx.base);
	if (mkdir(fx.base, 0755) < 0 || mkdir(fx.data, 0755) < 0)
		return -1;
	lfx_sh("echo 'input bytes' > %s/input.txt", fx.data);
	why = missing();
	if (why != NULL) {
		fprintf(stderr, "test_launch: %s%s\n", why,
			ci() ? " (CI=true: a failure)" : "; skipping");
		fx.ready = false;
		return ci() ? -1 : 0;
	}
	fx.ready = true;
	fx.l = launcher_new("bwrap");
	return 0;
}

static int
group_teardown(void **state)
{
	DIR *d = fx.l ? opendir(fx.state) : NULL;
	struct dirent *de;

	/* a failed test must not leave its job running */
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			fx.l->ops->cancel(fx.l, de->d_name);
	if (d != NULL) {
		closedir(d);
		sleep(1);
	}
	tusk_launcher_destroy(fx.l);
	if (fx.base[0] != '\0')
		lfx_sh("rm -rf %s", fx.base);
	return 0;
}

static void
need_ready(void)
{
	if (!fx.ready)
		skip();
}

static const char *
out_dir(const char *id)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/out-%s", fx.base, id);
	mkdir(path, 0755);
	return path;
}

static int
submit(struct tusk_launcher *l, const char *id, const char *const *argv,
       bool network, unsigned int timeout_s, uint64_t mem)
{
	struct tusk_job_spec s = {
		.id = id, .kind = TUSK_JOB_COMMAND, .argv = argv,
		.data_dir = fx.data, .out_dir = out_dir(id), .network = network,
		.timeout_s = timeout_s, .mem_bytes = mem,
	};
	char err[256] = "";
	int rc = l->ops->submit(l, &s, err, sizeof(err));

	if (rc != 0)
		fail_msg("submit %s: %s", id, err);
	return rc;
}

static char *
out_file(const char *id, const char *name)
{
	char path[600];

	char *text;

	snprintf(path, sizeof(path), "%s/out-%s/%s", fx.base, id, name);
	text = slurp(path);
	if (text == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	return text;
}

static bool
json_has(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static void
test_command_succeeds(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
		"cat /data/input.txt > /out/copy.txt; mkdir -p /out/sub; "
		"echo nested > /out/sub/n.txt; echo \"job $TUSK_JOB_ID done\"", NULL };
	struct tusk_job_status st;
	char log[256];
	json_t *outs;

	need_ready();
	submit(fx.l, "ok-1", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "ok-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_int_equal(st.exit_code, 0);
	assert_string_equal(st.reason, "");
	assert_string_equal(st.runtime, "bwrap");
	assert_true(st.started_s > 0 && st.ended_s >= st.started_s);
	fprintf(stderr, "test_launch: command job ran %.3f s\n",
		st.ended_s - st.started_s);
	assert_string_equal(out_file("ok-1", "copy.txt"), "input bytes\n");
	assert_int_equal(fx.l->ops->logs(fx.l, "ok-1", log, sizeof(log)), 0);
	assert_string_equal(log, "job ok-1 done\n");
	/* the tail, NUL-terminated, of at most len - 1 bytes */
	assert_int_equal(fx.l->ops->logs(fx.l, "ok-1", log, 6), 0);
	assert_string_equal(log, "done\n");
	outs = fx.l->ops->outputs(fx.l, "ok-1");
	assert_non_null(outs);
	assert_int_equal(json_array_size(outs), 2);
	assert_string_equal(json_string_value(json_array_get(outs, 0)), "copy.txt");
	assert_string_equal(json_string_value(json_array_get(outs, 1)), "sub/n.txt");
	json_decref(outs);
}

static void
test_command_fails(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "echo 'calibration missing' >&2; exit 3",
			       NULL };
	const char *noexec[] = { "/no/such/program", NULL };
	const char *badline[] = { "/bin/sh", "-c",
		"printf '\\377\\376 bad \\t end\\n' >&2; exit 4", NULL };
	struct tusk_job_status st;

	need_ready();
	submit(fx.l, "fail-1", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "fail-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_int_equal(st.exit_code, 3);
	assert_string_equal(st.reason, "exit code 3: calibration missing");
	/* a last line that is not text still makes a one-line reason */
	submit(fx.l, "fail-3", badline, false, 0, 0);
	st = lfx_wait_final(fx.l, "fail-3", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_string_equal(st.reason, "exit code 4: ?? bad   end");
	submit(fx.l, "fail-2", noexec, false, 0, 0);
	st = lfx_wait_final(fx.l, "fail-2", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_non_null(strstr(st.reason, "/no/such/program"));
}

static void
test_timeout(void **state)
{
	const char *argv[] = { "/bin/sleep", "600", NULL };
	struct tusk_job_status st;

	need_ready();
	submit(fx.l, "hang-1", argv, false, 2, 0);
	st = lfx_wait_final(fx.l, "hang-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "TIMEOUT");
	assert_string_equal(st.reason, "killed after the time limit of 2 s");
	assert_true(st.ended_s - st.started_s >= 2.0);
	assert_true(st.ended_s - st.started_s < 2.0 + 5 + 5);
}

/* Pids of processes whose command line holds MARK (not this one). */
static int
marked(pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL && n < max) {
		char path[300], cmd[4096];
		int pid = atoi(de->d_name), fd;
		ssize_t len;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		for (ssize_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		if (len > 0 && (cmd[len] = '\0', strstr(cmd, MARK) != NULL))
			pids[n++] = pid;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static bool
proc_zombie(int pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool z = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return true;	/* gone meanwhile */
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		z = p[2] == 'Z';
	fclose(f);
	return z;
}

/* pid is gone or a zombie within JOB_WAIT_S: a process on its way out
 * has no cmdline any more (marked() no longer sees it) before it is a
 * zombie, a window a loaded machine makes long. */
static bool
ended(int pid)
{
	double until = lfx_now_s() + JOB_WAIT_S;

	while (kill(pid, 0) == 0 && !proc_zombie(pid) && lfx_now_s() < until)
		usleep(10 * 1000);
	return kill(pid, 0) < 0 || proc_zombie(pid);
}

static void
test_cancel(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", fx.sleep_cmd, NULL };
	struct tusk_job_status st;
	pid_t pids[16];
	int n = 0;
	double until = lfx_now_s() + JOB_WAIT_S;

	need_ready();
	submit(fx.l, "cancel-1", argv, false, 0, 0);
	while (lfx_now_s() < until && (n = marked(pids, 16)) < 2)	/* sh and sleep */
		usleep(50 * 1000);
	assert_true(n >= 2);
	assert_int_equal(fx.l->ops->poll(fx.l, "cancel-1", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "RUNNING");
	assert_int_equal(fx.l->ops->cancel(fx.l, "cancel-1"), 0);
	st = lfx_wait_final(fx.l, "cancel-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "CANCELLED");
	assert_string_equal(st.reason, "cancelled");
	for (int i = 0; i < n; i++)
		assert_true(kill(pids[i], 0) < 0 && errno == ESRCH);
	assert_int_equal(marked(pids, 16), 0);
	/* cancel of a final job changes nothing; of an unknown one: ENOENT */
	assert_int_equal(fx.l->ops->cancel(fx.l, "cancel-1"), 0);
	assert_int_equal(fx.l->ops->poll(fx.l, "cancel-1", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "CANCELLED");
	assert_int_equal(fx.l->ops->cancel(fx.l, "no-such-job"), -ENOENT);
	assert_int_equal(fx.l->ops->poll(fx.l, "no-such-job", &st), -ENOENT);
}

/* A supervisor killed outright (the host's OOM killer, a stray kill -9):
 * its job dies with it (nothing runs unsupervised), and poll says so. */
static void
test_supervisor_killed(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", fx.sleep_cmd, NULL };
	struct tusk_job_status st;
	char path[400];
	json_t *pid;
	pid_t pids[16];
	int n = 0, sup;
	double until = lfx_now_s() + JOB_WAIT_S;

	need_ready();
	submit(fx.l, "killed-1", argv, false, 0, 0);
	while (lfx_now_s() < until && (n = marked(pids, 16)) < 2)
		usleep(50 * 1000);
	assert_true(n >= 2);
	snprintf(path, sizeof(path), "%s/killed-1/pid", fx.state);
	pid = json_load_file(path, 0, NULL);
	assert_non_null(pid);
	sup = (int)json_integer_value(json_object_get(pid, "supervisor"));
	json_decref(pid);
	assert_true(sup > 1);
	assert_int_equal(kill(sup, SIGKILL), 0);
	/* the next poll finds the supervisor gone, kills what is left of
	 * the job and says why */
	st = lfx_wait_final(fx.l, "killed-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_non_null(strstr(st.reason, "ended without a status"));
	until = lfx_now_s() + JOB_WAIT_S;
	while (lfx_now_s() < until && marked(pids + n, 1) > 0)
		usleep(50 * 1000);
	assert_int_equal(marked(pids + n, 1), 0);
	for (int i = 0; i < n; i++)
		assert_true(ended(pids[i]));
	/* found again, not started again */
	submit(fx.l, "killed-1", argv, false, 0, 0);
	usleep(300 * 1000);
	assert_int_equal(marked(pids + n, 1), 0);
}

static void
test_data_read_only(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
		"cat /data/input.txt > /out/copy.txt; "
		"if { echo x > /data/new.txt; } 2>/out/err.txt; then exit 0; fi; exit 9",
		NULL };
	char path[400];
	struct tusk_job_status st;

	need_ready();
	submit(fx.l, "ro-1", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "ro-1", JOB_WAIT_S);
	assert_int_equal(st.exit_code, 9);
	assert_string_equal(out_file("ro-1", "copy.txt"), "input bytes\n");
	assert_non_null(strstr(out_file("ro-1", "err.txt"), "Read-only file system"));
	snprintf(path, sizeof(path), "%s/new.txt", fx.data);
	assert_true(access(path, F_OK) < 0);
}

/* A listener on the host's loopback: reachable only from the host's
 * network namespace. */
static int
listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
test_network(void **state)
{
	char code[256];
	const char *argv[] = { "python3", "-c", code, NULL };
	struct tusk_job_status st;
	int port, fd;

	need_ready();
	fd = listener(&port);
	snprintf(code, sizeof(code), "import socket; "
		 "socket.create_connection(('127.0.0.1', %d), 5); print('connected')",
		 port);
	submit(fx.l, "net-off", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "net-off", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_non_null(strstr(st.reason, "ConnectionRefusedError"));
	/* the same job with network asked reaches the host's listener */
	submit(fx.l, "net-on", argv, true, 0, 0);
	st = lfx_wait_final(fx.l, "net-on", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	close(fd);
}

static void
test_memory_limit(void **state)
{
	const char *argv[] = { "python3", "-c",
		"b = bytearray(768 << 20); print('allocated', len(b))", NULL };
	struct tusk_job_status st;

	need_ready();
	submit(fx.l, "mem-small", argv, false, 0, 256ull << 20);
	st = lfx_wait_final(fx.l, "mem-small", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_non_null(strstr(st.reason, "MemoryError"));
	submit(fx.l, "mem-big", argv, false, 0, 1536ull << 20);
	st = lfx_wait_final(fx.l, "mem-big", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
}

static void
test_submit_idempotent(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "echo run >> /out/runs; sleep 1", NULL };
	struct tusk_job_status st;

	need_ready();
	for (int i = 0; i < 3; i++)
		submit(fx.l, "once-1", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "once-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	submit(fx.l, "once-1", argv, false, 0, 0);	/* finished: found again */
	usleep(500 * 1000);
	assert_int_equal(fx.l->ops->poll(fx.l, "once-1", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_string_equal(out_file("once-1", "runs"), "run\n");
}

/* launch.h's restart rule: ctrld goes away (the launcher object with it),
 * the next one submits the same id and finds the job, running or done. */
static void
test_restart_rule(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
		"echo run >> /out/runs; sleep 2; echo done >> /out/runs", NULL };
	struct tusk_job_status st;
	char path[400];

	need_ready();
	submit(fx.l, "restart-1", argv, false, 0, 0);
	tusk_launcher_destroy(fx.l);
	fx.l = launcher_new("bwrap");
	assert_int_equal(fx.l->ops->poll(fx.l, "restart-1", &st), 0);
	assert_true(st.state == TUSK_JOB_RUNNING || st.state == TUSK_JOB_PENDING);
	submit(fx.l, "restart-1", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "restart-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_string_equal(out_file("restart-1", "runs"), "run\ndone\n");
	/* a ctrld that died after making the job directory and before the
	 * supervisor started: the next submit starts the job, once */
	snprintf(path, sizeof(path), "%s/restart-2", fx.state);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(fx.l->ops->poll(fx.l, "restart-2", &st), 0);
	assert_string_equal(tusk_job_state_name(st.state), "PENDING");
	submit(fx.l, "restart-2", argv, false, 0, 0);
	submit(fx.l, "restart-2", argv, false, 0, 0);
	st = lfx_wait_final(fx.l, "restart-2", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_string_equal(out_file("restart-2", "runs"), "run\ndone\n");
}

static int
submit_notebook(const char *id, const char *nb, json_t *params, char *err,
		size_t errlen)
{
	struct tusk_job_spec s = {
		.id = id, .kind = TUSK_JOB_NOTEBOOK, .notebook = nb,
		.params = params, .data_dir = fx.data, .out_dir = out_dir(id),
	};

	return fx.l->ops->submit(fx.l, &s, err, errlen);
}

/* Write text as BASE/name, submit it as notebook job id with params (taken),
 * and wait for its end. */
static struct tusk_job_status
run_notebook_text(const char *id, const char *name, const char *text,
		  json_t *params)
{
	char nb[400], err[256] = "";
	FILE *f;

	snprintf(nb, sizeof(nb), "%s/%s", fx.base, name);
	f = fopen(nb, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (submit_notebook(id, nb, params, err, sizeof(err)) != 0)
		fail_msg("submit %s: %s", id, err);
	json_decref(params);
	return lfx_wait_final(fx.l, id, NOTEBOOK_WAIT_S);
}

/* Every JSON type becomes the Python value it means; with no cell tagged
 * `parameters` the injected cell comes first. */
static void
test_notebook_param_types(void **state)
{
	static const char nb_text[] =
		"{\"nbformat\": 4, \"nbformat_minor\": 4, \"metadata\": {},"
		" \"cells\": [{\"cell_type\": \"code\", \"execution_count\": null,"
		" \"metadata\": {}, \"outputs\": [], \"source\": ["
		"\"assert f == 1.0 and isinstance(f, float), f\\n\","
		"\"assert i == -7 and isinstance(i, int), i\\n\","
		"\"assert l == [1, 'a\\\\n\\\\\\\"q\\\\\\\"', None, True, False], l\\n\","
		"\"assert d == {'k': {'n': 2.5e-300}}, d\\n\","
		"\"assert u == 'caf\\u00e9 \\u2603', u\\n\","
		"\"assert data_dir == '/data' and out_dir == '/out'\\n\","
		"\"open('/out/ok', 'w').write('ok')\"]}]}";
	struct tusk_job_status st;
	char log[4096];

	need_ready();
	st = run_notebook_text("types-1", "types.ipynb", nb_text,
		json_pack("{s:f, s:i, s:[i, s, n, b, b], s:{s:{s:f}}, s:s}",
			  "f", 1.0, "i", -7, "l", 1, "a\n\"q\"", 1, 0,
			  "d", "k", "n", 2.5e-300, "u", "caf\u00e9 \u2603"));
	fx.l->ops->logs(fx.l, "types-1", log, sizeof(log));
	if (st.state != TUSK_JOB_SUCCEEDED)
		fail_msg("%s: %s\n%s", tusk_job_state_name(st.state), st.reason, log);
	assert_string_equal(out_file("types-1", "ok"), "ok");
}

static void
test_pilot_notebook(void **state)
{
	char nb[600], err[256] = "", log[4096];
	json_t *params = json_pack("{s:s, s:s}", "title", "unit test \"pilot\"",
				   "data_dir", "/elsewhere");
	struct tusk_job_status st;
	json_t *outs;

	need_ready();
	snprintf(nb, sizeof(nb), "%s/tools/lab/pilot.ipynb", fx.src);
	if (submit_notebook("pilot-1", nb, params, err, sizeof(err)) != 0)
		fail_msg("submit: %s", err);
	json_decref(params);
	st = lfx_wait_final(fx.l, "pilot-1", NOTEBOOK_WAIT_S);
	fx.l->ops->logs(fx.l, "pilot-1", log, sizeof(log));
	if (st.state != TUSK_JOB_SUCCEEDED)
		fail_msg("pilot: %s: %s\n%s", tusk_job_state_name(st.state), st.reason, log);
	assert_non_null(strstr(log, "pilot-stats {"));
	fprintf(stderr, "test_launch: pilot notebook ran %.1f s\n",
		st.ended_s - st.started_s);
	outs = fx.l->ops->outputs(fx.l, "pilot-1");
	assert_true(json_has(outs, "pilot.ipynb") && json_has(outs, "pilot.png"));
	json_decref(outs);
	/* the statistics printed equal numpy's on the host; the PNG is one */
	assert_int_equal(lfx_sh("%s/tools/lab/pilot-check %s %s/out-pilot-1", fx.src,
			    fx.data, fx.base), 0);
	/* parameters: injected after the tagged cell; data_dir stays /data */
	assert_non_null(strstr(out_file("pilot-1", "pilot.ipynb"),
			       "title = \\\"unit test \\\\\\\"pilot\\\\\\\"\\\""));
	assert_null(strstr(out_file("pilot-1", "pilot.ipynb"), "/elsewhere"));
}

static void
test_notebook_raises(void **state)
{
	static const char nb_text[] =
		"{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {},"
		" \"cells\": ["
		"{\"cell_type\": \"code\", \"id\": \"p\", \"execution_count\": null,"
		" \"metadata\": {\"tags\": [\"parameters\"]}, \"outputs\": [],"
		" \"source\": \"threshold = 1\"},"
		"{\"cell_type\": \"code\", \"id\": \"r\", \"execution_count\": null,"
		" \"metadata\": {}, \"outputs\": [],"
		" \"source\": \"print('before')\\nraise ValueError("
		"'threshold %d too high for ' % threshold + data_dir)\"}]}";
	struct tusk_job_status st;

	need_ready();
	st = run_notebook_text("raise-1", "raises.ipynb", nb_text,
			       json_pack("{s:i}", "threshold", 7));
	assert_string_equal(tusk_job_state_name(st.state), "FAILED");
	assert_string_equal(st.reason, "ValueError: threshold 7 too high for /data");
	assert_int_equal(st.exit_code, 1);
	/* the executed notebook, with the traceback, is an output */
	assert_non_null(strstr(out_file("raise-1", "raises.ipynb"), "\"ename\": \"ValueError\""));
}

/* Each bad spec is refused with its reason, and leaves no job behind. */
static void
test_spec_errors(void **state)
{
	const char *ok[] = { "/bin/true", NULL }, *empty[] = { NULL };
	const char *bad_env[] = { "1X=y", NULL };
	const struct {
		const char *id;
		int kind;
		const char *const *argv;
		const char *data, *notebook, *image;
		const char *const *env;
		uint64_t mem;
		unsigned int timeout;
		const char *want;
	} cases[] = {
		{ "", 0, ok, "D", NULL, NULL, NULL, 0, 0, "id: 1 to 127" },
		{ "../x", 0, ok, "D", NULL, NULL, NULL, 0, 0, "id: 1 to 127" },
		{ ".hidden", 0, ok, "D", NULL, NULL, NULL, 0, 0, "id: 1 to 127" },
		{ "e1", 0, empty, "D", NULL, NULL, NULL, 0, 0, "command: empty argv" },
		{ "e2", 0, ok, "/no/such/dir", NULL, NULL, NULL, 0, 0,
		  "data_dir /no/such/dir: No such file or directory" },
		{ "e3", 0, ok, "relative", NULL, NULL, NULL, 0, 0,
		  "data_dir: not an absolute path" },
		{ "e4", 0, ok, "D", NULL, "/no/image", NULL, 0, 0,
		  "image /no/image: No such file or directory (an image is" },
		{ "e5", 0, ok, "D", NULL, NULL, bad_env, 0, 0,
		  "env: '1X=y' is not NAME=VALUE" },
		{ "e6", 0, ok, "D", NULL, NULL, NULL, 4096ull << 20, 0,
		  "memory: 4096 MiB asked, this launcher allows 2048" },
		{ "e7", 0, ok, "D", NULL, NULL, NULL, 0, 901,
		  "timeout: 901 s asked, this launcher allows 900" },
		{ "e8", 1, NULL, "D", "rel.ipynb", NULL, NULL, 0, 0,
		  "notebook: not an absolute path" },
		{ "e9", 1, NULL, "D", "/etc/hostname", NULL, NULL, 0, 0,
		  "notebook /etc/hostname: the name must end in .ipynb" },
		{ "e10", 1, NULL, "D", "/no/such.ipynb", NULL, NULL, 0, 0,
		  "notebook /no/such.ipynb: No such file or directory" },
		{ "e11", 7, ok, "D", NULL, NULL, NULL, 0, 0,
		  "kind: neither command nor notebook" },
	};
	char err[256], path[400];

	need_ready();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tusk_job_spec s = {
			.id = cases[i].id, .kind = cases[i].kind,
			.argv = cases[i].argv, .notebook = cases[i].notebook,
			.image = cases[i].image, .env = cases[i].env,
			.data_dir = strcmp(cases[i].data, "D") ? cases[i].data : fx.data,
			.out_dir = out_dir("errors"), .mem_bytes = cases[i].mem,
			.timeout_s = cases[i].timeout,
		};

		err[0] = '\0';
		assert_int_equal(fx.l->ops->submit(fx.l, &s, err, sizeof(err)), -EINVAL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, err, cases[i].want);
		snprintf(path, sizeof(path), "%s/%s", fx.state, cases[i].id);
		if (cases[i].id[0] != '\0' && cases[i].id[0] != '.' &&
		    strchr(cases[i].id, '/') == NULL)
			assert_true(access(path, F_OK) < 0);
	}
}

static void
test_notebook_bad_params(void **state)
{
	char nb[600], err[256] = "", path[400];
	json_t *params = json_pack("{s:i}", "not a name", 1);
	struct tusk_job_status st;

	need_ready();
	snprintf(nb, sizeof(nb), "%s/tools/lab/pilot.ipynb", fx.src);
	assert_int_equal(submit_notebook("badp-1", nb, params, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "params: 'not a name' is not a Python name");
	json_decref(params);
	/* refused after the job directory was made: it is gone again */
	snprintf(path, sizeof(path), "%s/badp-1", fx.state);
	assert_true(access(path, F_OK) < 0);
	assert_int_equal(fx.l->ops->poll(fx.l, "badp-1", &st), -ENOENT);
}

static void
test_conf(void **state)
{
	char err[256] = "";
	struct tusk_launcher *l;
	const char *argv[] = { "/bin/true", NULL };
	struct tusk_job_status st;

	need_ready();
	assert_null(tusk_launcher_create("mesos", "x", fx.state, err, sizeof(err)));
	assert_string_equal(err, "unknown launcher type 'mesos' (known: local, marathon)");
	l = tusk_launcher_create("local", "x", fx.state, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(l->ops->conf_set(l, "runtime", "docker", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad value 'docker' (auto, podman or bwrap)");
	assert_int_equal(l->ops->conf_set(l, "memory_mb", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(l->ops->conf_set(l, "memory_mb", "12k", err, sizeof(err)), -EINVAL);
	assert_int_equal(l->ops->conf_set(l, "timeout_s", "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(l->ops->conf_set(l, "image", "rel/dir", err, sizeof(err)), -EINVAL);
	assert_int_equal(l->ops->conf_set(l, "cpus", "x", err, sizeof(err)), -EINVAL);
	assert_int_equal(l->ops->conf_set(l, "colour", "red", err, sizeof(err)), -ENOENT);
	tusk_launcher_destroy(l);
	/* auto: podman is tried with a real run, else bwrap; the job then
	 * runs under whatever was chosen, and says so */
	l = launcher_new("auto");
	submit(l, "auto-1", argv, false, 0, 0);
	st = lfx_wait_final(l, "auto-1", JOB_WAIT_S);
	assert_string_equal(tusk_job_state_name(st.state), "SUCCEEDED");
	assert_true(strcmp(st.runtime, "bwrap") == 0 || strcmp(st.runtime, "podman") == 0);
	tusk_launcher_destroy(l);
}

static void
test_state_names(void **state)
{
	assert_string_equal(tusk_job_state_name(TUSK_JOB_PENDING), "PENDING");
	assert_string_equal(tusk_job_state_name(TUSK_JOB_TIMEOUT), "TIMEOUT");
	assert_string_equal(tusk_job_state_name(99), "UNKNOWN");
	assert_false(tusk_job_state_final(TUSK_JOB_RUNNING));
	assert_true(tusk_job_state_final(TUSK_JOB_CANCELLED));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_command_succeeds),
		cmocka_unit_test(test_command_fails),
		cmocka_unit_test(test_data_read_only),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_supervisor_killed),
		cmocka_unit_test(test_submit_idempotent),
		cmocka_unit_test(test_restart_rule),
		cmocka_unit_test(test_notebook_bad_params),
		cmocka_unit_test(test_notebook_raises),
		cmocka_unit_test(test_notebook_param_types),
		cmocka_unit_test(test_pilot_notebook),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
