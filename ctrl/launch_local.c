/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `local` launcher: jobs in containers on this host, one directory per
 * job under the launcher's state dir (layout in launch_local.h), each run
 * by a supervisor process that outlives ctrld.
 *
 *   submit -> spec_check() -> job_open() [flock: is a supervisor alive?]
 *          -> job_prepare() -> rt->argv() -> tusk_launch_supervisor_start()
 *   poll   -> status file, else lock (alive?) and pid file
 *   cancel -> "cancel" mark, SIGTERM to the supervisor (or the job's group
 *             killed here when its supervisor is gone)
 *
 * Exactly one start per id: a start happens only under the job's lock and
 * only when no pid or status file exists; the supervisor inherits the lock
 * before the pid file is written, so a second submit (this ctrld or the
 * next) sees the lock held or the pid file there and returns 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "launch_local.h"

/* Defaults and ceilings of a job (a job may ask for less, never more). */
/* 4 GiB of address space: a Python kernel with numpy, h5py and matplotlib
 * maps ~1 GiB before it does anything; room for the data it reads. */
#define LOCAL_MEM_DEFAULT (4096ull << 20)
/* An hour: long enough for a pilot analysis, short enough that a hung
 * notebook does not hold a session for a day. */
#define LOCAL_TIMEOUT_DEFAULT_S 3600
/* Where tools/tusk-image puts the analysis image by default. */
#define LOCAL_IMAGE_DEFAULT "/var/lib/tusk/images/analysis"
/* Upper bounds of the config values, to catch a unit mistake. */
#define LOCAL_MEM_MAX_MB (1ull << 24)		/* 16 TiB */
#define LOCAL_TIMEOUT_MAX_S (30u * 86400)	/* 30 days */
#define LOCAL_CPUS_MAX 4096.0
/* outputs(): a listing, not a crawl of whatever a job made. */
#define OUTPUTS_MAX 10000
#define OUTPUTS_DEPTH_MAX 16

struct local {
	enum tusk_launch_rt_want want;
	const struct tusk_launch_runtime *rt;
	char image[PATH_MAX];
	char choice[TUSK_JOB_REASON_MAX];
	uint64_t mem_bytes;
	double cpus;
	unsigned int timeout_s;
	int state_fd;
};

static struct local *
local_of(struct tusk_launcher *l)
{
	return l->priv;
}

int tusk_launch_local_init(struct tusk_launcher *l, char *err, size_t errlen);

int
tusk_launch_local_init(struct tusk_launcher *l, char *err, size_t errlen)
{
	struct local *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->want = LAUNCH_RT_AUTO;
	snprintf(c->image, sizeof(c->image), "%s", LOCAL_IMAGE_DEFAULT);
	c->mem_bytes = LOCAL_MEM_DEFAULT;
	c->timeout_s = LOCAL_TIMEOUT_DEFAULT_S;
	c->state_fd = -1;
	l->priv = c;
	return 0;
}

static int
parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end != '\0' || v[0] == '-' || x == 0 || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static int
local_conf_set(struct tusk_launcher *l, const char *key, const char *value,
	       char *err, size_t errlen)
{
	struct local *c = local_of(l);
	uint64_t x;
	char *end;

	if (strcmp(key, "type") == 0 && strcmp(value, "local") == 0)
		return 0;
	if (strcmp(key, "runtime") == 0) {
		if (strcmp(value, "auto") == 0)
			c->want = LAUNCH_RT_AUTO;
		else if (strcmp(value, "podman") == 0)
			c->want = LAUNCH_RT_PODMAN;
		else if (strcmp(value, "bwrap") == 0)
			c->want = LAUNCH_RT_BWRAP;
		else
			goto bad;
		return 0;
	}
	if (strcmp(key, "image") == 0) {
		if (value[0] != '/' || strlen(value) >= sizeof(c->image))
			goto bad;
		snprintf(c->image, sizeof(c->image), "%s", value);
		return 0;
	}
	if (strcmp(key, "memory_mb") == 0) {
		if (parse_u64(value, LOCAL_MEM_MAX_MB, &x) < 0)
			goto bad;
		c->mem_bytes = x << 20;
		return 0;
	}
	if (strcmp(key, "timeout_s") == 0) {
		if (parse_u64(value, LOCAL_TIMEOUT_MAX_S, &x) < 0)
			goto bad;
		c->timeout_s = (unsigned int)x;
		return 0;
	}
	if (strcmp(key, "cpus") == 0) {
		c->cpus = strtod(value, &end);
		if (end == value || *end != '\0' || !(c->cpus >= 0) ||
		    c->cpus > LOCAL_CPUS_MAX)
			goto bad;
		return 0;
	}
	snprintf(err, errlen, "unknown key (local: runtime, image, memory_mb, "
		 "timeout_s, cpus)");
	return -ENOENT;
bad:
	snprintf(err, errlen, "bad value '%.64s' (%s)", value,
		 strcmp(key, "runtime") == 0 ? "auto, podman or bwrap" :
		 strcmp(key, "image") == 0 ? "an absolute path" :
		 strcmp(key, "memory_mb") == 0 ? "MiB, 1 to 16777216" :
		 strcmp(key, "timeout_s") == 0 ? "seconds, 1 to 2592000" :
		 "CPUs, 0 (all) to 4096");
	return -EINVAL;
}

static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static int
local_conf_done(struct tusk_launcher *l, char *err, size_t errlen)
{
	struct local *c = local_of(l);
	int rc = mkdir_p(l->state_dir);

	if (rc == 0 && c->state_fd < 0)
		c->state_fd = open(l->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rc < 0 || c->state_fd < 0) {
		snprintf(err, errlen, "state directory %s: %s", l->state_dir,
			 strerror(rc < 0 ? -rc : errno));
		return rc < 0 ? rc : -errno;
	}
	rc = tusk_launch_runtime_choose(c->want, c->image, &c->rt, c->choice,
					sizeof(c->choice));
	if (rc < 0) {
		snprintf(err, errlen, "runtime: %s", c->choice);
		return rc;
	}
	tusk_launch_log(l, "%s; image %s", c->choice, c->image);
	return 0;
}

bool
tusk_launch_job_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n >= TUSK_JOB_ID_MAX || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(id[i] == '.' || id[i] == '_' || id[i] == '-' ||
		      (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9')))
			return false;
	return true;
}

bool
tusk_launch_env_ok(const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv || (kv[0] >= '0' && kv[0] <= '9'))
		return false;
	for (const char *p = kv; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

static int
dir_check(const char *what, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (path == NULL || path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", what);
		return -EINVAL;
	}
	errno = 0;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: %s", what, path,
			 errno ? strerror(errno) : "not a directory");
		return -EINVAL;
	}
	return 0;
}

static int
kind_check(const struct tusk_job_spec *s, char *err, size_t errlen)
{
	if (s->kind == TUSK_JOB_COMMAND) {
		if (s->argv == NULL || s->argv[0] == NULL || s->argv[0][0] == '\0') {
			snprintf(err, errlen, "command: empty argv");
			return -EINVAL;
		}
		return 0;
	}
	if (s->kind == TUSK_JOB_NOTEBOOK) {
		if (s->notebook == NULL || s->notebook[0] != '/') {
			snprintf(err, errlen, "notebook: not an absolute path");
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "kind: neither command nor notebook");
	return -EINVAL;
}

static int
limits_check(const struct local *c, const struct tusk_job_spec *s, char *err,
	     size_t errlen)
{
	if (s->mem_bytes > c->mem_bytes) {
		snprintf(err, errlen, "memory: %llu MiB asked, this launcher allows %llu",
			 (unsigned long long)(s->mem_bytes >> 20),
			 (unsigned long long)(c->mem_bytes >> 20));
		return -EINVAL;
	}
	if (s->timeout_s > c->timeout_s) {
		snprintf(err, errlen, "timeout: %u s asked, this launcher allows %u",
			 s->timeout_s, c->timeout_s);
		return -EINVAL;
	}
	if (!(s->cpus >= 0) || (c->cpus > 0 && s->cpus > c->cpus)) {
		snprintf(err, errlen, "cpus: %g asked, this launcher allows %g",
			 s->cpus, c->cpus);
		return -EINVAL;
	}
	return 0;
}

/* Everything about a spec that can be checked without touching disk. */
static int
spec_check(const struct local *c, const struct tusk_job_spec *s,
	   const char **image, char *err, size_t errlen)
{
	int rc;

	if (!tusk_launch_job_id_ok(s->id)) {
		snprintf(err, errlen, "id: 1 to %d of letters, digits, '.', '_', '-'"
			 " (not first '.')", TUSK_JOB_ID_MAX - 1);
		return -EINVAL;
	}
	if ((rc = kind_check(s, err, errlen)) < 0 ||
	    (rc = limits_check(c, s, err, errlen)) < 0 ||
	    (rc = dir_check("data_dir", s->data_dir, err, errlen)) < 0 ||
	    (rc = dir_check("out_dir", s->out_dir, err, errlen)) < 0)
		return rc;
	for (size_t i = 0; s->env != NULL && s->env[i] != NULL; i++)
		if (!tusk_launch_env_ok(s->env[i])) {
			snprintf(err, errlen, "env: '%.64s' is not NAME=VALUE",
				 s->env[i]);
			return -EINVAL;
		}
	*image = s->image ? s->image : c->image;
	if (dir_check("image", *image, err, errlen) < 0) {
		snprintf(err + strlen(err), errlen - strlen(err),
			 " (an image is a root file system directory: "
			 "tools/tusk-image builds or unpacks one)");
		return -EINVAL;
	}
	return 0;
}

static json_t *
strv_json(const char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* spec.json: what was asked and what applies, for people and for
 * outputs() (the out_dir). */
static int
spec_write(int dir_fd, const struct tusk_job_spec *s, const char *image,
	   const struct tusk_launch_job *j, const struct local *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:f, s:i, s:s}",
			      "id", s->id,
			      "kind", s->kind == TUSK_JOB_NOTEBOOK ? "notebook" : "command",
			      "image", image, "data_dir", s->data_dir,
			      "out_dir", s->out_dir, "network", s->network,
			      "mem_bytes", (json_int_t)j->mem_bytes, "cpus", j->cpus,
			      "timeout_s", (int)(s->timeout_s ? s->timeout_s : c->timeout_s),
			      "runtime", c->rt->name);
	int rc;

	if (o == NULL)
		return -ENOMEM;
	if (s->kind == TUSK_JOB_NOTEBOOK) {
		json_object_set_new(o, "notebook", json_string(s->notebook));
		json_object_set_new(o, "params", s->params ?
				    json_deep_copy(s->params) : json_object());
	}
	json_object_set_new(o, "argv", strv_json(j->argv));
	json_object_set_new(o, "env", strv_json(s->env));
	rc = tusk_launch_json_put(dir_fd, "spec.json", o);
	json_decref(o);
	return rc;
}

/* A job directory whose job never started (bad notebook, full disk): take
 * it away again so that nothing says it exists. */
static void
job_remove(int state_fd, int dir_fd, const char *id)
{
	static const char *const files[] = {
		"in/notebook.ipynb", "in/run.py", "spec.json", "lock",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlinkat(dir_fd, files[i], 0);
	unlinkat(dir_fd, "in", AT_REMOVEDIR);
	unlinkat(dir_fd, "report", AT_REMOVEDIR);
	unlinkat(state_fd, id, AT_REMOVEDIR);
}

/* The job directory, created if new, and its lock taken. 1: a supervisor
 * holds the lock or the job started once already (nothing to do). */
static int
job_open(struct local *c, const char *id, const char *dir, int *dir_fd,
	 int *lock_fd, char *err, size_t errlen)
{
	if (mkdirat(c->state_fd, id, 0700) < 0 && errno != EEXIST)
		goto fail;
	*dir_fd = openat(c->state_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			 O_CLOEXEC);
	if (*dir_fd < 0)
		goto fail;
	*lock_fd = openat(*dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0) {
		close(*dir_fd);
		*dir_fd = -1;
		goto fail;
	}
	if (flock(*lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return 1;
		goto fail;
	}
	if (faccessat(*dir_fd, "pid", F_OK, 0) == 0 ||
	    faccessat(*dir_fd, "status", F_OK, 0) == 0)
		return 1;
	return 0;
fail:
	snprintf(err, errlen, "job directory %s: %s", dir, strerror(errno));
	return -errno;
}

static int
sub_dirs(int dir_fd, const char *dir, char *in, char *report, size_t len)
{
	if ((mkdirat(dir_fd, "in", 0755) < 0 && errno != EEXIST) ||
	    (mkdirat(dir_fd, "report", 0777) < 0 && errno != EEXIST))
		return -errno;
	/* The job's root may be mapped to another uid: report/ is its to
	 * write; the supervisor reads at most one line from it. */
	fchmodat(dir_fd, "report", 0777, 0);
	if ((size_t)snprintf(in, len, "%s/in", dir) >= len ||
	    (size_t)snprintf(report, len, "%s/report", dir) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The command the container runs, and the environment it gets. */
static int
job_command(const struct tusk_job_spec *s, const char *in_dir,
	    struct tusk_launch_argv *cmd, struct tusk_launch_argv *env,
	    char *err, size_t errlen)
{
	int rc = 0;

	tusk_launch_env_base(env, s->id);
	for (size_t i = 0; s->env != NULL && s->env[i] != NULL; i++)
		tusk_launch_argv_add(env, s->env[i]);
	if (s->kind == TUSK_JOB_NOTEBOOK)
		rc = tusk_launch_notebook_prepare(s, in_dir, cmd, err, errlen);
	else
		for (size_t i = 0; s->argv[i] != NULL; i++)
			tusk_launch_argv_add(cmd, s->argv[i]);
	if (rc == 0 && (cmd->failed || env->failed)) {
		snprintf(err, errlen, "command or environment too long");
		rc = -E2BIG;
	}
	return rc;
}

/* Under the job's lock, with no supervisor and no start before: make the
 * command line and start the supervisor. */
static int
job_launch(struct local *c, const struct tusk_job_spec *s, const char *image,
	   const char *dir, int dir_fd, int lock_fd, char *err, size_t errlen)
{
	char in[LAUNCH_JOB_PATH_MAX], report[LAUNCH_JOB_PATH_MAX];
	struct tusk_launch_argv cmd = { 0 }, env = { 0 }, rt = { 0 };
	struct tusk_launch_job j = {
		.id = s->id, .image = image, .data_dir = s->data_dir,
		.out_dir = s->out_dir, .in_dir = in, .report_dir = report,
		.network = s->network,
		.mem_bytes = s->mem_bytes ? s->mem_bytes : c->mem_bytes,
		.cpus = s->cpus > 0 ? s->cpus : c->cpus,
	};
	int rc = sub_dirs(dir_fd, dir, in, report, sizeof(in));

	if (rc < 0)
		snprintf(err, errlen, "job directory %s: %s", dir, strerror(-rc));
	if (rc == 0)
		rc = job_command(s, in, &cmd, &env, err, errlen);
	j.argv = (const char *const *)cmd.v;
	j.env = (const char *const *)env.v;
	if (rc == 0 && (rc = c->rt->argv(&j, &rt)) < 0)
		snprintf(err, errlen, "%s command line: %s", c->rt->name,
			 strerror(-rc));
	if (rc == 0 && (rc = spec_write(dir_fd, s, image, &j, c)) < 0)
		snprintf(err, errlen, "%s/spec.json: %s", dir, strerror(-rc));
	if (rc == 0) {
		struct tusk_launch_sup sup = {
			.dir_fd = dir_fd, .lock_fd = lock_fd, .argv = rt.v,
			.rt = c->rt, .id = s->id, .mem_bytes = j.mem_bytes,
			.timeout_s = s->timeout_s ? s->timeout_s : c->timeout_s,
			.cpus = j.cpus, .notebook = s->kind == TUSK_JOB_NOTEBOOK,
		};
		rc = tusk_launch_supervisor_start(&sup, err, errlen);
	}
	tusk_launch_argv_free(&cmd);
	tusk_launch_argv_free(&env);
	tusk_launch_argv_free(&rt);
	return rc;
}

static int
local_submit(struct tusk_launcher *l, const struct tusk_job_spec *s, char *err,
	     size_t errlen)
{
	struct local *c = local_of(l);
	char dir[sizeof(l->state_dir) + TUSK_JOB_ID_MAX + 2];
	const char *image;
	int dir_fd = -1, lock_fd = -1, rc;

	if (c->rt == NULL) {
		snprintf(err, errlen, "launcher %s: not configured", l->name);
		return -EINVAL;
	}
	rc = spec_check(c, s, &image, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/%s", l->state_dir, s->id);
	rc = job_open(c, s->id, dir, &dir_fd, &lock_fd, err, errlen);
	if (rc == 0) {
		rc = job_launch(c, s, image, dir, dir_fd, lock_fd, err, errlen);
		if (rc < 0)
			job_remove(c->state_fd, dir_fd, s->id);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	if (dir_fd >= 0)
		close(dir_fd);
	return rc < 0 ? rc : 0;
}

static int
job_dir_open(struct local *c, const char *id)
{
	if (c->state_fd < 0 || !tusk_launch_job_id_ok(id))
		return -ENOENT;
	return openat(c->state_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
}

json_t *
tusk_launch_json_at(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	json_t *j;

	if (fd < 0)
		return NULL;
	j = json_loadfd(fd, 0, NULL);
	close(fd);
	return j;
}

static enum tusk_job_state
state_parse(const char *name)
{
	for (int s = TUSK_JOB_PENDING; s <= TUSK_JOB_CANCELLED; s++)
		if (name != NULL && strcmp(name, tusk_job_state_name(s)) == 0)
			return s;
	return TUSK_JOB_FAILED;
}

bool
tusk_launch_status_read(int dir_fd, struct tusk_job_status *st)
{
	json_t *j = tusk_launch_json_at(dir_fd, "status");

	if (j == NULL)
		return false;
	st->state = state_parse(json_string_value(json_object_get(j, "state")));
	st->exit_code = (int)json_integer_value(json_object_get(j, "exit_code"));
	snprintf(st->reason, sizeof(st->reason), "%s",
		 json_string_value(json_object_get(j, "reason")) ?: "");
	st->started_s = json_number_value(json_object_get(j, "started_s"));
	st->ended_s = json_number_value(json_object_get(j, "ended_s"));
	snprintf(st->runtime, sizeof(st->runtime), "%s",
		 json_string_value(json_object_get(j, "runtime")) ?: "");
	json_decref(j);
	return true;
}

/* Is the job's supervisor alive? It holds the lock while it lives. */
static bool
supervised(int dir_fd)
{
	int fd = openat(dir_fd, "lock", O_RDWR | O_CLOEXEC);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* pid file: is the process it names (pid and start time) still there? */
static pid_t
pid_alive(const json_t *pid, const char *key, const char *start_key)
{
	int p = (int)json_integer_value(json_object_get(pid, key));
	unsigned long long want = json_integer_value(json_object_get(pid, start_key));

	if (p <= 0 || want == 0 || tusk_launch_proc_start(p) != want)
		return 0;
	return p;
}

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int finish_unsupervised(int dir_fd, const json_t *pid,
			       enum tusk_job_state state, const char *reason);

static int
local_poll(struct tusk_launcher *l, const char *id, struct tusk_job_status *st)
{
	int dir_fd = job_dir_open(local_of(l), id);
	char reason[TUSK_JOB_REASON_MAX];
	bool alive;
	json_t *pid;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if (dir_fd < 0)
		return -ENOENT;
	alive = supervised(dir_fd);
	/* The status is looked at after the lock: a supervisor that wrote it
	 * and exited in between is not taken for a lost one. */
	pid = tusk_launch_status_read(dir_fd, st) ? NULL : tusk_launch_json_at(dir_fd, "pid");
	if (pid != NULL && !alive) {
		/* started, and its supervisor died without a status */
		snprintf(reason, sizeof(reason),
			 "its supervisor (pid %d) ended without a status",
			 (int)json_integer_value(json_object_get(pid, "supervisor")));
		finish_unsupervised(dir_fd, pid, TUSK_JOB_FAILED, reason);
		tusk_launch_status_read(dir_fd, st);
	} else if (pid != NULL) {
		st->state = TUSK_JOB_RUNNING;
		st->started_s = json_number_value(json_object_get(pid, "started_s"));
		snprintf(st->runtime, sizeof(st->runtime), "%s",
			 json_string_value(json_object_get(pid, "runtime")) ?: "");
	} else if (!tusk_job_state_final(st->state)) {
		st->state = TUSK_JOB_PENDING;	/* not started (yet) */
	}
	json_decref(pid);
	close(dir_fd);
	return 0;
}

/* No supervisor is left to record the end (never started, or gone): kill
 * what may remain of the job and write the status here, under the lock. */
static int
finish_unsupervised(int dir_fd, const json_t *pid, enum tusk_job_state state,
		    const char *reason)
{
	struct tusk_job_status st = { .state = state, .exit_code = -1 };
	int lock_fd = openat(dir_fd, "lock", O_RDWR | O_CLOEXEC);
	int rc = 0;

	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		/* a supervisor appeared (a submit raced): it does the rest */
		if (lock_fd >= 0)
			close(lock_fd);
		return 0;
	}
	if (pid != NULL)
		tusk_launch_kill_orphans(
			(int)json_integer_value(json_object_get(pid, "job")),
			(int)json_integer_value(json_object_get(pid, "session")));
	if (faccessat(dir_fd, "status", F_OK, 0) < 0) {
		snprintf(st.reason, sizeof(st.reason), "%s", reason);
		st.started_s = json_number_value(json_object_get(pid, "started_s"));
		st.ended_s = now_real();
		snprintf(st.runtime, sizeof(st.runtime), "%s",
			 json_string_value(json_object_get(pid, "runtime")) ?: "");
		rc = tusk_launch_status_write(dir_fd, &st);
	}
	close(lock_fd);
	return rc;
}

static int
local_cancel(struct tusk_launcher *l, const char *id)
{
	int dir_fd = job_dir_open(local_of(l), id), fd, rc = 0;
	json_t *pid;
	pid_t sup;

	if (dir_fd < 0)
		return -ENOENT;
	if (faccessat(dir_fd, "status", F_OK, 0) == 0) {
		close(dir_fd);
		return 0;	/* already final */
	}
	/* The mark first, then the pid file: either we see the supervisor's
	 * pid, or the supervisor sees the mark when it starts. */
	fd = openat(dir_fd, "cancel", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		close(dir_fd);
		return rc;
	}
	close(fd);
	pid = tusk_launch_json_at(dir_fd, "pid");
	sup = pid_alive(pid, "supervisor", "supervisor_start");
	if (sup > 0 && supervised(dir_fd))
		kill(sup, SIGTERM);
	else if (!supervised(dir_fd))
		rc = finish_unsupervised(dir_fd, pid, TUSK_JOB_CANCELLED,
					 "cancelled");
	json_decref(pid);
	close(dir_fd);
	return rc;
}

static int
local_logs(struct tusk_launcher *l, const char *id, char *buf, size_t len)
{
	int dir_fd = job_dir_open(local_of(l), id), fd;
	off_t end;
	ssize_t n = 0;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	if (dir_fd < 0)
		return -ENOENT;
	fd = openat(dir_fd, "log", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	close(dir_fd);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0)
		n = pread(fd, buf, len - 1, end > (off_t)(len - 1) ? end - (off_t)(len - 1) : 0);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/* Regular files under dfd, as paths relative to out_dir; symlinks are not
 * followed (a job may plant one to anywhere). */
static void
walk(int dfd, const char *prefix, int depth, json_t *out)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	char rel[PATH_MAX];

	if (d == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL && json_array_size(out) < OUTPUTS_MAX) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name)
		    >= sizeof(rel) - 1)
			continue;
		if (de->d_type == DT_REG) {
			json_array_append_new(out, json_string(rel));
		} else if (de->d_type == DT_DIR && depth < OUTPUTS_DEPTH_MAX) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			strcat(rel, "/");
			if (sub >= 0)
				walk(sub, rel, depth + 1, out);
		}
	}
	closedir(d);
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* Regular files under out_dir (relative paths, sorted: readdir order is
 * the file system's), as a JSON array. */
json_t *
tusk_launch_outputs_list(const char *out_dir)
{
	int out_fd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *list = json_array(), *sorted, **items;
	size_t n;

	if (out_fd >= 0)
		walk(out_fd, "", 0, list);
	n = json_array_size(list);
	items = calloc(n + 1, sizeof(*items));
	if (items == NULL)
		return list;
	for (size_t i = 0; i < n; i++)
		items[i] = json_array_get(list, i);
	qsort(items, n, sizeof(items[0]), path_cmp);
	sorted = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(sorted, items[i]);
	free(items);
	json_decref(list);
	return sorted;
}

static json_t *
local_outputs(struct tusk_launcher *l, const char *id)
{
	int dir_fd = job_dir_open(local_of(l), id);
	json_t *spec, *list;

	if (dir_fd < 0)
		return NULL;
	spec = tusk_launch_json_at(dir_fd, "spec.json");
	close(dir_fd);
	if (spec == NULL)
		return NULL;
	list = tusk_launch_outputs_list(
		json_string_value(json_object_get(spec, "out_dir")) ?: "");
	json_decref(spec);
	return list;
}

static void
local_destroy(struct tusk_launcher *l)
{
	struct local *c = local_of(l);

	/* Jobs are not touched: they belong to their supervisors. */
	if (c->state_fd >= 0)
		close(c->state_fd);
	free(c);
	l->priv = NULL;
}

const struct tusk_launcher_ops tusk_launch_local_ops = {
	.type = "local",
	.conf_set = local_conf_set,
	.conf_done = local_conf_done,
	.submit = local_submit,
	.poll = local_poll,
	.cancel = local_cancel,
	.logs = local_logs,
	.outputs = local_outputs,
	.destroy = local_destroy,
};
