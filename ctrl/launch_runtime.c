/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Container runtimes behind one table (launch_local.h): the auto choice,
 * command lines, and running a short command to see if a runtime works.
 *
 *   tusk_launch_runtime_choose() -> rt->probe() -> tusk_launch_run_capture()
 *
 * Why a real run and not `podman info`: on these machines podman 4.3 with
 * crun answers info happily and then refuses every container (`setrlimit
 * RLIMIT_NOFILE: Operation not permitted`, then "cgroups in hybrid mode not
 * supported"); only running /bin/true says whether jobs can start.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch_local.h"

/* Output of a probe kept to find its last line: a runtime's error is one
 * line, maybe after some chatter. */
#define CAPTURE_MAX 4096

void
tusk_launch_argv_add(struct tusk_launch_argv *a, const char *s)
{
	char **v;

	if (a->failed)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;

		if (cap > LAUNCH_ARGV_MAX) {
			a->failed = true;
			return;
		}
		v = realloc(a->v, cap * sizeof(*v));
		if (v == NULL) {
			a->failed = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (a->v[a->n] == NULL) {
		a->failed = true;
		return;
	}
	a->v[++a->n] = NULL;
}

void
tusk_launch_argv_addf(struct tusk_launch_argv *a, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		a->failed = true;
		return;
	}
	tusk_launch_argv_add(a, s);
	free(s);
}

void
tusk_launch_argv_free(struct tusk_launch_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The environment every job starts from (the host's is never passed). */
void
tusk_launch_env_base(struct tusk_launch_argv *env, const char *id)
{
	tusk_launch_argv_add(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	tusk_launch_argv_add(env, "HOME=/tmp");
	tusk_launch_argv_add(env, "LANG=C.UTF-8");
	/* Jupyter and matplotlib write caches under HOME; no display. */
	tusk_launch_argv_add(env, "MPLBACKEND=Agg");
	tusk_launch_argv_add(env, "TUSK_DATA=" LAUNCH_DATA_MNT);
	tusk_launch_argv_add(env, "TUSK_OUT=" LAUNCH_OUT_MNT);
	tusk_launch_argv_addf(env, "TUSK_JOB_ID=%s", id);
}

static void
last_line(const char *buf, size_t n, char *out, size_t len)
{
	size_t end = n, start;

	while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), buf + start);
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
exec_child(char *const argv[], int out_fd)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, 0);
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	setpgid(0, 0);
	execvp(argv[0], argv);
	dprintf(2, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read what the child writes until it closes its end or time runs out. */
static bool
capture(int fd, char *buf, size_t *n, double deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now_mono();
		ssize_t r;

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		r = read(fd, buf + *n, CAPTURE_MAX - 1 - *n);
		if (r == 0 || (r < 0 && errno != EINTR))
			return true;
		if (r > 0)
			*n += r;
		if (*n == CAPTURE_MAX - 1) {	/* keep the tail */
			memmove(buf, buf + CAPTURE_MAX / 2, *n - CAPTURE_MAX / 2);
			*n -= CAPTURE_MAX / 2;
		}
	}
}

/*
 * Run argv with stdout+stderr captured, at most timeout_s. Returns its exit
 * status (0..255), -ETIMEDOUT (killed) or -errno; last_line gets the last
 * line it printed.
 */
int
tusk_launch_run_capture(char *const argv[], unsigned int timeout_s,
			char *out, size_t len)
{
	char buf[CAPTURE_MAX];
	size_t n = 0;
	int p[2], st = 0, rc;
	bool done;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0)
		exec_child(argv, p[1]);
	close(p[1]);
	done = capture(p[0], buf, &n, now_mono() + timeout_s);
	close(p[0]);
	if (!done)
		kill(-pid, SIGKILL);
	while ((rc = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	last_line(buf, n, out, len);
	if (!done)
		return -ETIMEDOUT;
	if (rc < 0)
		return -ECHILD;	/* reaped elsewhere (SIGCHLD ignored) */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
try_one(const struct tusk_launch_runtime *rt, const char *image, char *why,
	size_t len)
{
	char reason[TUSK_JOB_REASON_MAX];
	int rc = rt->probe(image, reason, sizeof(reason));

	if (rc < 0)
		snprintf(why, len, "%s failed a trivial run: %.200s", rt->name,
			 reason);
	return rc;
}

/*
 * Pick the runtime. auto: podman if a trivial run works, else bwrap if it
 * does; why says what was chosen and why (the caller logs it).
 */
int
tusk_launch_runtime_choose(enum tusk_launch_rt_want want, const char *image,
			   const struct tusk_launch_runtime **rt, char *why,
			   size_t len)
{
	char pod[TUSK_JOB_REASON_MAX];

	if (want == LAUNCH_RT_BWRAP || want == LAUNCH_RT_PODMAN) {
		*rt = want == LAUNCH_RT_BWRAP ? &tusk_launch_bwrap
					      : &tusk_launch_podman;
		if (try_one(*rt, image, why, len) < 0)
			return -ENOEXEC;
		snprintf(why, len, "runtime %s (configured; a trivial run works)",
			 (*rt)->name);
		return 0;
	}
	if (try_one(&tusk_launch_podman, image, pod, sizeof(pod)) == 0) {
		*rt = &tusk_launch_podman;
		snprintf(why, len, "runtime podman (auto: a trivial run works)");
		return 0;
	}
	*rt = &tusk_launch_bwrap;
	if (try_one(&tusk_launch_bwrap, image, why, len) < 0) {
		char bw[TUSK_JOB_REASON_MAX];

		snprintf(bw, sizeof(bw), "%s", why);
		snprintf(why, len, "no runtime works: %.200s; %.200s", pod, bw);
		return -ENOEXEC;
	}
	snprintf(why, len, "runtime bwrap (auto: %.200s)", pod);
	return 0;
}
