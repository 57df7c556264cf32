/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `marathon` launcher (launch.h): an analysis job becomes a Marathon
 * app, one task, deleted when the task ends.
 *
 *   submit  -> job dir + marathon.json -> GET /v2/apps/{id}
 *              -> 404: POST /v2/apps (201 started, 409 already there)
 *   poll    -> status file? else GET /v2/apps/{id}?embed=app.tasks&
 *              embed=app.lastTaskFailure (at most every poll_interval_ms)
 *              -> task ended: write status, then DELETE /v2/apps/{id}
 *   cancel  -> cancel marker, DELETE ?force=true, status CANCELLED
 *
 * Restart rule: the app id derives from the job id, so a second submit
 * finds the app (GET 200, or 409 on POST) instead of starting another;
 * the end state is written to the job directory before the DELETE, so a
 * ctrld restarted after it still reads the job's end. Every REST call is
 * bounded by http_timeout_ms (marathon_http.c): a Marathon that does not
 * answer is reported in the status reason and asked again at the next poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launch_local.h"
#include "launch_marathon.h"
#include "mkdirs.h"

/* Defaults of the section's keys (README "Marathon launcher"). */
#define MARATHON_PREFIX_DEFAULT "tusk"
#define MARATHON_CPUS_DEFAULT 1.0
#define MARATHON_MEM_MIB_DEFAULT 1024.0
/* Marathon's own health checks poll every few seconds: asking more often
 * than every 200 ms only loads it. */
#define MARATHON_POLL_MS_DEFAULT 1000
#define MARATHON_POLL_MS_MIN 100
/* Jobs whose last answer is remembered between polls: more jobs at once
 * than this just poll Marathon on every call. */
#define MARATHON_CACHE_MAX 64

struct cached {
	char id[TUSK_JOB_ID_MAX];
	double at_s;
	struct tusk_job_status st;
};

struct marathon {
	struct marathon_conf c;
	int state_fd;
	struct cached cache[MARATHON_CACHE_MAX];
	unsigned int cache_next;
};

static struct marathon *
mar_of(struct tusk_launcher *l)
{
	return l->priv;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int tusk_launch_marathon_init(struct tusk_launcher *l, char *err, size_t errlen);

int
tusk_launch_marathon_init(struct tusk_launcher *l, char *err, size_t errlen)
{
	struct marathon *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(m->c.prefix, sizeof(m->c.prefix), MARATHON_PREFIX_DEFAULT);
	m->c.cpus = MARATHON_CPUS_DEFAULT;
	m->c.mem_mib = MARATHON_MEM_MIB_DEFAULT;
	m->c.poll_ms = MARATHON_POLL_MS_DEFAULT;
	m->c.timeout_ms = MARATHON_HTTP_TIMEOUT_MS_DEFAULT;
	m->c.job_timeout_s = MARATHON_JOB_TIMEOUT_S_DEFAULT;
	snprintf(m->c.notebook_cmd, sizeof(m->c.notebook_cmd), "%s",
		 MARATHON_NOTEBOOK_CMD_DEFAULT);
	m->state_fd = -1;
	l->priv = m;
	return 0;
}

static int
set_str(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return -EINVAL;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
set_num(double *dst, const char *v, double min, double max)
{
	char *end;
	double x = strtod(v, &end);

	if (end == v || *end != '\0' || !isfinite(x) || x < min || x > max)
		return -EINVAL;
	*dst = x;
	return 0;
}

static int
set_uint(unsigned int *dst, const char *v, double min, double max)
{
	double x;

	if (set_num(&x, v, min, max) < 0 || x != floor(x))
		return -EINVAL;
	*dst = (unsigned int)x;
	return 0;
}

/* The prefix is one Marathon id segment (see marathon_app.c). */
static int
set_prefix(struct marathon_conf *c, const char *v)
{
	char probe[MARATHON_APP_ID_MAX];

	if (strchr(v, '/') != NULL || strlen(v) >= sizeof(c->prefix) ||
	    tusk_marathon_app_id("p", v, probe, sizeof(probe)) < 0 ||
	    strcmp(probe + 3, v) != 0)
		return -EINVAL;
	return set_str(c->prefix, sizeof(c->prefix), v);
}

static int
set_extra(struct marathon_conf *c, const char *v)
{
	json_t *j = json_loads(v, 0, NULL);

	if (!json_is_object(j)) {
		json_decref(j);
		return -EINVAL;
	}
	json_decref(c->app_extra);
	c->app_extra = j;
	return 0;
}

static int
conf_key(struct marathon_conf *c, const char *key, const char *v)
{
	if (strcmp(key, "type") == 0)
		return strcmp(v, "marathon") == 0 ? 0 : -EINVAL;
	if (strcmp(key, "url") == 0)
		return (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		       ? set_str(c->url, sizeof(c->url), v) : -EINVAL;
	if (strcmp(key, "user") == 0)
		return set_str(c->user, sizeof(c->user), v);
	if (strcmp(key, "password") == 0)
		return set_str(c->password, sizeof(c->password), v);
	if (strcmp(key, "token_file") == 0)
		return v[0] == '/' ? set_str(c->token_file, sizeof(c->token_file), v)
				   : -EINVAL;
	if (strcmp(key, "app_prefix") == 0)
		return set_prefix(c, v);
	if (strcmp(key, "image") == 0)
		return set_str(c->image, sizeof(c->image), v);
	if (strcmp(key, "cpus") == 0)
		return set_num(&c->cpus, v, 0.01, 1024);
	if (strcmp(key, "mem_mb") == 0)
		return set_num(&c->mem_mib, v, 32, 4 << 20);
	if (strcmp(key, "poll_interval_ms") == 0)
		return set_uint(&c->poll_ms, v, MARATHON_POLL_MS_MIN, 600000);
	if (strcmp(key, "http_timeout_ms") == 0)
		return set_uint(&c->timeout_ms, v, 100, 30000);
	if (strcmp(key, "job_timeout_s") == 0)
		return set_uint(&c->job_timeout_s, v, 1, 30 * 24 * 3600);
	if (strcmp(key, "app_extra") == 0)
		return set_extra(c, v);
	if (strcmp(key, "notebook_cmd") == 0)
		return set_str(c->notebook_cmd, sizeof(c->notebook_cmd), v);
	return -ENOENT;
}

const struct marathon_conf *
tusk_marathon_conf_of(struct tusk_launcher *l)
{
	return strcmp(l->ops->type, "marathon") == 0 ? &mar_of(l)->c : NULL;
}

static int
mar_conf_set(struct tusk_launcher *l, const char *key, const char *value,
	     char *err, size_t errlen)
{
	int rc = conf_key(&mar_of(l)->c, key, value);

	if (rc == -EINVAL)
		snprintf(err, errlen, "%s: bad value '%.64s'", key, value);
	else if (rc == -ENOENT)
		snprintf(err, errlen, "%s: unknown key for a marathon launcher", key);
	return rc;
}

static int
mar_conf_done(struct tusk_launcher *l, char *err, size_t errlen)
{
	struct marathon *m = mar_of(l);
	size_t n = strlen(m->c.url);
	int rc;

	if (n == 0) {
		snprintf(err, errlen, "url: required (Marathon's http://host:port)");
		return -EINVAL;
	}
	while (n > 0 && m->c.url[n - 1] == '/')
		m->c.url[--n] = '\0';
	if (m->c.user[0] != '\0' && m->c.token_file[0] != '\0') {
		snprintf(err, errlen, "user and token_file: choose one kind of auth");
		return -EINVAL;
	}
	/* its parents too: ctrld makes state_dir only after reading the
	 * configuration that creates its launchers */
	rc = tusk_mkdirs(l->state_dir, NULL, 0);
	if (rc < 0) {
		snprintf(err, errlen, "state directory %s: %s", l->state_dir,
			 strerror(-rc));
		return rc;
	}
	m->state_fd = open(l->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->state_fd < 0) {
		snprintf(err, errlen, "state directory %s: %s", l->state_dir,
			 strerror(errno));
		return -errno;
	}
	tusk_launch_log(l, "Marathon at %s, apps /%s/<job>, auth %s", m->c.url,
			m->c.prefix, m->c.user[0] ? "basic" :
			m->c.token_file[0] ? "bearer token" : "none");
	return 0;
}

static int
job_dir(struct marathon *m, const char *id, bool create)
{
	if (m->state_fd < 0 || !tusk_launch_job_id_ok(id))
		return -ENOENT;
	if (create && mkdirat(m->state_fd, id, 0700) < 0 && errno != EEXIST)
		return -errno;
	return openat(m->state_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
}

static bool
has(int dir_fd, const char *name)
{
	return faccessat(dir_fd, name, F_OK, 0) == 0;
}

static int
spec_check(const struct tusk_job_spec *s, char *err, size_t errlen)
{
	if (!tusk_launch_job_id_ok(s->id)) {
		snprintf(err, errlen, "job id '%.64s': letters, digits, '.', '_', '-'",
			 s->id ? s->id : "");
		return -EINVAL;
	}
	if (s->data_dir == NULL || s->data_dir[0] != '/' ||
	    s->out_dir == NULL || s->out_dir[0] != '/') {
		snprintf(err, errlen, "data_dir and out_dir must be absolute host paths");
		return -EINVAL;
	}
	for (size_t i = 0; s->env != NULL && s->env[i] != NULL; i++)
		if (!tusk_launch_env_ok(s->env[i])) {
			snprintf(err, errlen, "env '%.64s': not KEY=VALUE", s->env[i]);
			return -EINVAL;
		}
	return 0;
}

/* What poll needs after a restart: written once, before the first POST. */
static int
record_write(int dir_fd, const struct marathon *m,
	     const struct tusk_job_spec *s, const char *app_id)
{
	json_t *j;
	int rc;

	if (has(dir_fd, "marathon.json"))
		return 0;
	j = json_pack("{s:s, s:s, s:f, s:i}", "app", app_id, "out_dir",
		      s->out_dir, "submitted_s", now_s(), "timeout_s",
		      s->timeout_s ? (int)s->timeout_s : (int)m->c.job_timeout_s);
	if (j == NULL)
		return -ENOMEM;
	rc = tusk_launch_json_put(dir_fd, "marathon.json", j);
	json_decref(j);
	return rc;
}

/* An answer that says the definition or the credentials are wrong: final
 * for this job, kept as its status. */
static void
fail_final(int dir_fd, const char *reason)
{
	struct tusk_job_status st = { .state = TUSK_JOB_FAILED, .exit_code = -1 };

	snprintf(st.reason, sizeof(st.reason), "%s", reason);
	snprintf(st.runtime, sizeof(st.runtime), "marathon");
	st.ended_s = now_s();
	tusk_launch_status_write(dir_fd, &st);
}

static int
code_errno(long code)
{
	if (code == 401 || code == 403)
		return -EACCES;
	if (code == 400 || code == 422)
		return -EINVAL;
	if (code >= 500)
		return -EAGAIN;
	return -EPROTO;
}

/* The app exists: it must be this job's (two job ids can map to one app
 * id, see marathon_app.c). */
static int
existing_ok(const json_t *app, const char *id, const char *app_id, char *err,
	    size_t errlen)
{
	const char *job = json_string_value(json_object_get(
		json_object_get(app, "labels"), "tusk.job"));

	if (job != NULL && strcmp(job, id) == 0)
		return 0;
	snprintf(err, errlen, "Marathon app %s exists and is not job %s's",
		 app_id, id);
	return -EEXIST;
}

static int
post_app(struct tusk_launcher *l, int dir_fd, const struct tusk_job_spec *s,
	 const char *app_id, char *err, size_t errlen)
{
	struct marathon *m = mar_of(l);
	json_t *def = tusk_marathon_app_def(&m->c, s, app_id, err, errlen), *ans;
	long code;
	int rc;

	if (def == NULL)
		return -EINVAL;
	rc = tusk_marathon_http(&m->c, "POST", "/v2/apps", def, &code, &ans,
				err, errlen);
	json_decref(def);
	if (rc < 0)
		return rc;
	if (code == 201 || code == 409) {
		tusk_launch_log(l, "job %s: app %s %s", s->id, app_id,
				code == 201 ? "created" : "already there (409)");
		json_decref(ans);
		return 0;
	}
	tusk_marathon_http_reason(code, ans, err, errlen);
	json_decref(ans);
	rc = code_errno(code);
	if (rc != -EAGAIN)
		fail_final(dir_fd, err);
	return rc;
}

static int
submit_dir(struct tusk_launcher *l, int dir_fd, const struct tusk_job_spec *s,
	   const char *app_id, char *err, size_t errlen)
{
	struct marathon *m = mar_of(l);
	char path[MARATHON_APP_ID_MAX + 16];
	json_t *ans;
	long code;
	int rc;

	if (has(dir_fd, "status"))
		return 0;	/* it ran (or was refused) already */
	rc = record_write(dir_fd, m, s, app_id);
	if (rc < 0) {
		snprintf(err, errlen, "job directory: %s", strerror(-rc));
		return rc;
	}
	snprintf(path, sizeof(path), "/v2/apps%s", app_id);
	rc = tusk_marathon_http(&m->c, "GET", path, NULL, &code, &ans, err, errlen);
	if (rc < 0)
		return rc;
	if (code == 200)
		rc = existing_ok(json_object_get(ans, "app"), s->id, app_id, err,
				 errlen);
	else if (code == 404)
		rc = post_app(l, dir_fd, s, app_id, err, errlen);
	else {
		tusk_marathon_http_reason(code, ans, err, errlen);
		rc = code_errno(code);
	}
	json_decref(ans);
	return rc;
}

static int
mar_submit(struct tusk_launcher *l, const struct tusk_job_spec *s, char *err,
	   size_t errlen)
{
	struct marathon *m = mar_of(l);
	char app_id[MARATHON_APP_ID_MAX];
	int rc = spec_check(s, err, errlen), dir_fd;

	if (rc < 0)
		return rc;
	if (tusk_marathon_app_id(m->c.prefix, s->id, app_id, sizeof(app_id)) < 0) {
		snprintf(err, errlen, "job id '%s': must start and end with a letter or digit for Marathon",
			 s->id);
		return -EINVAL;
	}
	dir_fd = job_dir(m, s->id, true);
	if (dir_fd < 0) {
		rc = dir_fd == -1 ? -errno : dir_fd;
		snprintf(err, errlen, "job directory %s/%s: %s", l->state_dir,
			 s->id, strerror(-rc));
		return rc;
	}
	rc = submit_dir(l, dir_fd, s, app_id, err, errlen);
	close(dir_fd);
	return rc;
}

static int
delete_app(struct marathon *m, const char *app_id, bool force, char *err,
	   size_t errlen)
{
	char path[MARATHON_APP_ID_MAX + 32];
	json_t *ans;
	long code;
	int rc;

	/* force: a deployment still starting the app locks it (409). */
	snprintf(path, sizeof(path), "/v2/apps%s%s", app_id,
		 force ? "?force=true" : "");
	rc = tusk_marathon_http(&m->c, "DELETE", path, NULL, &code, &ans, err,
				errlen);
	if (rc < 0)
		return rc;
	if (code != 200 && code != 202 && code != 404) {
		tusk_marathon_http_reason(code, ans, err, errlen);
		rc = code_errno(code);
	}
	json_decref(ans);
	return rc;
}

static const char *
record_app(const json_t *rec)
{
	return json_string_value(json_object_get(rec, "app")) ?: "";
}

/* The end, kept first, then the app deleted: a ctrld that dies between the
 * two finds the status and finishes the DELETE ("delete-pending"). */
static void
finish(struct tusk_launcher *l, int dir_fd, const char *app_id,
       struct tusk_job_status *st)
{
	char err[TUSK_JOB_REASON_MAX];
	int fd;

	st->ended_s = now_s();
	fd = openat(dir_fd, "delete-pending", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	tusk_launch_status_write(dir_fd, st);
	if (delete_app(mar_of(l), app_id, true, err, sizeof(err)) == 0)
		unlinkat(dir_fd, "delete-pending", 0);
	else
		tusk_launch_log(l, "app %s: DELETE failed, retried at next poll: %s",
				app_id, err);
}

static struct cached *
cache_find(struct marathon *m, const char *id)
{
	for (unsigned int i = 0; i < MARATHON_CACHE_MAX; i++)
		if (strcmp(m->cache[i].id, id) == 0)
			return &m->cache[i];
	return NULL;
}

static void
cache_put(struct marathon *m, const char *id, const struct tusk_job_status *st)
{
	struct cached *c = cache_find(m, id);

	if (c == NULL) {
		c = &m->cache[m->cache_next++ % MARATHON_CACHE_MAX];
		snprintf(c->id, sizeof(c->id), "%s", id);
	}
	c->at_s = now_s();
	c->st = *st;
}

/* No usable answer: the last state seen, with why it is not newer. */
static void
unanswered(struct marathon *m, const char *id, const char *why,
	   struct tusk_job_status *st)
{
	struct cached *c = cache_find(m, id);

	if (c != NULL)
		*st = c->st;
	else
		*st = (struct tusk_job_status){ .state = TUSK_JOB_PENDING,
						.exit_code = -1 };
	snprintf(st->runtime, sizeof(st->runtime), "marathon");
	snprintf(st->reason, sizeof(st->reason), "retrying: %.240s", why);
}

static void
app_answer(struct tusk_launcher *l, int dir_fd, const json_t *rec, long code,
	   const json_t *ans, struct tusk_job_status *st)
{
	double submitted = json_number_value(json_object_get(rec, "submitted_s"));
	json_int_t limit = json_integer_value(json_object_get(rec, "timeout_s"));

	if (code == 404) {
		bool cancelled = has(dir_fd, "cancel");

		*st = (struct tusk_job_status){ .exit_code = -1,
			.state = cancelled ? TUSK_JOB_CANCELLED : TUSK_JOB_FAILED };
		snprintf(st->runtime, sizeof(st->runtime), "marathon");
		if (!cancelled)
			snprintf(st->reason, sizeof(st->reason),
				 "app %s is gone from Marathon (deleted outside tusk)",
				 record_app(rec));
		finish(l, dir_fd, record_app(rec), st);
		return;
	}
	tusk_marathon_app_state(json_object_get(ans, "app"), st);
	if (!tusk_job_state_final(st->state) && limit > 0 &&
	    now_s() > submitted + (double)limit) {
		st->state = TUSK_JOB_TIMEOUT;
		snprintf(st->reason, sizeof(st->reason),
			 "no end after %lld s: app deleted", (long long)limit);
	}
	if (tusk_job_state_final(st->state))
		finish(l, dir_fd, record_app(rec), st);
}

static void
poll_marathon(struct tusk_launcher *l, int dir_fd, const char *id,
	      const json_t *rec, struct tusk_job_status *st)
{
	struct marathon *m = mar_of(l);
	char path[MARATHON_APP_ID_MAX + 64], err[TUSK_JOB_REASON_MAX];
	json_t *ans;
	long code;
	int rc;

	snprintf(path, sizeof(path),
		 "/v2/apps%s?embed=app.tasks&embed=app.lastTaskFailure",
		 record_app(rec));
	rc = tusk_marathon_http(&m->c, "GET", path, NULL, &code, &ans, err,
				sizeof(err));
	if (rc == 0 && code != 200 && code != 404) {
		tusk_marathon_http_reason(code, ans, err, sizeof(err));
		rc = code_errno(code);
	}
	if (rc < 0)
		unanswered(m, id, err, st);
	else
		app_answer(l, dir_fd, rec, code, ans, st);
	json_decref(ans);
	cache_put(m, id, st);
}

static int
mar_poll(struct tusk_launcher *l, const char *id, struct tusk_job_status *st)
{
	struct marathon *m = mar_of(l);
	int dir_fd = job_dir(m, id, false);
	struct cached *c;
	json_t *rec;

	if (dir_fd < 0)
		return -ENOENT;
	rec = tusk_launch_json_at(dir_fd, "marathon.json");
	c = cache_find(m, id);
	if (tusk_launch_status_read(dir_fd, st)) {
		char err[TUSK_JOB_REASON_MAX];

		if (rec != NULL && has(dir_fd, "delete-pending") &&
		    (c == NULL || now_s() - c->at_s >= m->c.poll_ms / 1000.0) &&
		    delete_app(m, record_app(rec), true, err, sizeof(err)) == 0)
			unlinkat(dir_fd, "delete-pending", 0);
		if (rec != NULL)
			cache_put(m, id, st);
	} else if (rec == NULL) {
		close(dir_fd);
		return -ENOENT;
	} else if (c != NULL && now_s() - c->at_s < m->c.poll_ms / 1000.0) {
		*st = c->st;
	} else {
		poll_marathon(l, dir_fd, id, rec, st);
	}
	json_decref(rec);
	close(dir_fd);
	return 0;
}

static int
mar_cancel(struct tusk_launcher *l, const char *id)
{
	struct marathon *m = mar_of(l);
	struct tusk_job_status st = { .state = TUSK_JOB_CANCELLED, .exit_code = -1 };
	char err[TUSK_JOB_REASON_MAX];
	int dir_fd = job_dir(m, id, false), fd, rc = 0;
	json_t *rec;

	if (dir_fd < 0)
		return -ENOENT;
	rec = tusk_launch_json_at(dir_fd, "marathon.json");
	if (rec != NULL && !has(dir_fd, "status")) {
		fd = openat(dir_fd, "cancel", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		rc = delete_app(m, record_app(rec), true, err, sizeof(err));
		if (rc == 0) {
			snprintf(st.runtime, sizeof(st.runtime), "marathon");
			st.ended_s = now_s();
			tusk_launch_status_write(dir_fd, &st);
			cache_put(m, id, &st);
		} else {
			tusk_launch_log(l, "job %s: cancel: %s", id, err);
		}
	}
	json_decref(rec);
	close(dir_fd);
	return rec == NULL ? -ENOENT : rc;
}

/* Marathon's API has no logs (they stay in the Mesos sandbox): the last
 * reason known is what can be shown. */
static int
mar_logs(struct tusk_launcher *l, const char *id, char *buf, size_t len)
{
	struct tusk_job_status st;
	int rc = mar_poll(l, id, &st);

	if (rc < 0)
		return rc;
	snprintf(buf, len, "(Marathon keeps a task's output in its Mesos sandbox) %.200s\n",
		 st.reason);
	return 0;
}

static json_t *
mar_outputs(struct tusk_launcher *l, const char *id)
{
	int dir_fd = job_dir(mar_of(l), id, false);
	json_t *rec, *list;

	if (dir_fd < 0)
		return NULL;
	rec = tusk_launch_json_at(dir_fd, "marathon.json");
	close(dir_fd);
	if (rec == NULL)
		return NULL;
	list = tusk_launch_outputs_list(
		json_string_value(json_object_get(rec, "out_dir")) ?: "");
	json_decref(rec);
	return list;
}

static void
mar_destroy(struct tusk_launcher *l)
{
	struct marathon *m = mar_of(l);

	if (m->state_fd >= 0)
		close(m->state_fd);
	json_decref(m->c.app_extra);
	free(m);
}

const struct tusk_launcher_ops tusk_launch_marathon_ops = {
	.type = "marathon",
	.conf_set = mar_conf_set,
	.conf_done = mar_conf_done,
	.submit = mar_submit,
	.poll = mar_poll,
	.cancel = mar_cancel,
	.logs = mar_logs,
	.outputs = mar_outputs,
	.destroy = mar_destroy,
};
