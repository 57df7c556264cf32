/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The supervisor: one small process per job, double-forked and in a
 * session of its own so that it outlives ctrld (a ctrld restart finds the
 * job through its directory, see launch.h's restart rule). It holds the
 * job directory's lock for as long as it lives, starts the runtime in a
 * process group of its own, copies its output to the log, enforces the
 * timeout, obeys cancel, and writes the final status once.
 *
 *   tusk_launch_supervisor_start() -> fork, setsid, fork -> sup_main()
 *   sup_main() -> job_start() -> job_exec()        the runtime's argv
 *              -> sup_loop() (pidfd, signalfd, output pipe, deadlines)
 *              -> sup_finish() -> tusk_launch_status_write()
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "launch_local.h"

/* One read of the job's output. */
#define PUMP_CHUNK 65536
/* After the job exits, what is still in the pipe is read for at most this
 * long (a grandchild holding the pipe open must not hold the status). */
#define DRAIN_MS 1000
/* After the job's group is killed, its last descendants (bwrap's init in
 * the job's PID namespace, emptying it) are reaped for at most this long
 * before the status says the job is over. */
#define REAP_MS 10000
/* Between two looks for descendants to reap. */
#define REAP_POLL_MS 10

struct sup_run {
	const struct tusk_launch_sup *s;
	int log_fd, out_fd, pid_fd, sig_fd;
	pid_t job;
	uint64_t logged, dropped;
	double started_s, deadline, kill_at;
	bool timed_out, cancelled, terminated;
};

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned long long
tusk_launch_proc_start(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')'.
	 * Field 3 (state) follows; starttime is field 22. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

/* The process group and session of pid (fields 5 and 6 of its stat). */
static bool
proc_group(int pid, int *pgid, int *sid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && sscanf(p + 2, "%*c %*d %d %d", pgid, sid) == 2;
}

/*
 * Kill what is left of a job whose supervisor is gone (killed outright:
 * the job's runtime may outlive it, bwrap's --die-with-parent does not
 * always hold). Its processes are those in its process group *and* the
 * supervisor's session: Linux keeps a pid from reuse while a live group or
 * session is named by it, so the pair names this job's processes only.
 */
int
tusk_launch_kill_orphans(int pgid, int sid)
{
	struct dirent *de;
	DIR *d;
	int n = 0, g, s;

	if (pgid <= 1 || sid <= 1 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		int pid = atoi(de->d_name);

		if (pid > 1 && proc_group(pid, &g, &s) && g == pgid && s == sid &&
		    kill(pid, SIGKILL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Write json to dir/name through a temporary file and rename: a reader
 * sees the old file or the whole new one. */
int
tusk_launch_json_put(int dir_fd, const char *name, json_t *j)
{
	char tmp[64];
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int fd, rc = 0;
	size_t n;

	if (s == NULL)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(s);
		return -errno;
	}
	n = strlen(s);
	if (write(fd, s, n) != (ssize_t)n || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	free(s);
	if (rc == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dir_fd, tmp, 0);
	else
		fsync(dir_fd);
	return rc;
}

/* A reason comes from the job (its last line, its exception): one line of
 * printable text, and valid UTF-8 or its high bytes become '?'. */
static void
reason_clean(char *s)
{
	json_t *probe;

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	probe = json_string(s);
	if (probe == NULL)
		for (char *p = s; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	json_decref(probe);
}

int
tusk_launch_status_write(int dir_fd, const struct tusk_job_status *st)
{
	char reason[TUSK_JOB_REASON_MAX];
	json_t *j;
	int rc;

	snprintf(reason, sizeof(reason), "%s", st->reason);
	reason_clean(reason);
	j = json_pack("{s:s, s:i, s:s, s:f, s:f, s:s}",
		      "state", tusk_job_state_name(st->state),
		      "exit_code", st->exit_code, "reason", reason,
		      "started_s", st->started_s, "ended_s", st->ended_s,
		      "runtime", st->runtime);
	if (j == NULL)
		return -ENOMEM;
	rc = tusk_launch_json_put(dir_fd, "status", j);
	json_decref(j);
	return rc;
}

/* The first ceil(cpus) CPUs this process may use: without cgroups, a job
 * asking for 2 CPUs gets two, not the whole machine. */
static void
limit_cpus(double cpus)
{
	cpu_set_t have, want;
	int n = (int)ceil(cpus), taken = 0;

	if (cpus <= 0 || sched_getaffinity(0, sizeof(have), &have) < 0)
		return;
	CPU_ZERO(&want);
	for (int c = 0; c < CPU_SETSIZE && taken < n; c++)
		if (CPU_ISSET(c, &have)) {
			CPU_SET(c, &want);
			taken++;
		}
	sched_setaffinity(0, sizeof(want), &want);
}

/* In the job's process, before exec: wait for the supervisor to have
 * written the pid file (go closed), so no job ever runs unrecorded. */
static __attribute__((noreturn)) void
job_exec(const struct tusk_launch_sup *s, pid_t sup, int out_w, int go_r)
{
	sigset_t none;
	int null = open("/dev/null", O_RDONLY);
	char c;

	setpgid(0, 0);
	/* The job dies with its supervisor: no job runs unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sup)
		_exit(127);
	while (read(go_r, &c, 1) < 0 && errno == EINTR)
		;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (null >= 0)
		dup2(null, 0);
	dup2(out_w, 1);
	dup2(out_w, 2);
	if (s->rt->rlimit_mem && s->mem_bytes > 0) {
		struct rlimit rl = { s->mem_bytes, s->mem_bytes };

		if (setrlimit(RLIMIT_AS, &rl) < 0)
			dprintf(2, "tusk: setrlimit(RLIMIT_AS): %s\n", strerror(errno));
	}
	limit_cpus(s->cpus);
	execvp(s->argv[0], s->argv);
	dprintf(2, "tusk: cannot run %s: %s\n", s->argv[0], strerror(errno));
	_exit(127);
}

static int
pid_write(struct sup_run *r)
{
	json_t *j = json_pack("{s:i, s:I, s:i, s:i, s:I, s:f, s:s}",
			      "supervisor", (int)getpid(),
			      "session", (int)getsid(0),
			      "supervisor_start",
			      (json_int_t)tusk_launch_proc_start(getpid()),
			      "job", (int)r->job,
			      "job_start", (json_int_t)tusk_launch_proc_start(r->job),
			      "started_s", r->started_s, "runtime", r->s->rt->name);
	int rc;

	if (j == NULL)
		return -ENOMEM;
	rc = tusk_launch_json_put(r->s->dir_fd, "pid", j);
	json_decref(j);
	return rc;
}

static int
job_start(struct sup_run *r)
{
	int out[2], go[2], rc;
	pid_t sup = getpid();

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(go, O_CLOEXEC) < 0) {
		rc = -errno;
		close(out[0]);
		close(out[1]);
		return rc;
	}
	r->job = fork();
	if (r->job == 0) {
		close(go[1]);
		job_exec(r->s, sup, out[1], go[0]);
	}
	rc = r->job < 0 ? -errno : 0;
	close(out[1]);
	close(go[0]);
	r->out_fd = out[0];
	if (rc == 0) {
		setpgid(r->job, r->job);	/* either side may win the race */
		r->pid_fd = (int)syscall(SYS_pidfd_open, r->job, 0);
		r->started_s = now_real();
		rc = r->pid_fd < 0 ? -errno : pid_write(r);
	}
	close(go[1]);	/* go (or, if the pid file failed, die: killed) */
	return rc;
}

static void
pump(struct sup_run *r)
{
	char buf[PUMP_CHUNK];
	ssize_t n = read(r->out_fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(r->out_fd);
			r->out_fd = -1;
		}
		return;
	}
	if (r->logged + n > LAUNCH_LOG_MAX) {
		size_t room = LAUNCH_LOG_MAX - r->logged;

		r->dropped += n - room;
		n = room;
	}
	if (n > 0 && write(r->log_fd, buf, n) == n)
		r->logged += n;
}

/* Timeout, cancel or SIGTERM: SIGTERM to the job's group now, SIGKILL
 * after the grace period. */
static void
stop_job(struct sup_run *r)
{
	if (r->kill_at > 0)
		return;
	kill(-r->job, SIGTERM);
	r->kill_at = now_mono() + LAUNCH_KILL_GRACE_S;
}

static void
on_signal(struct sup_run *r)
{
	struct signalfd_siginfo si;

	if (read(r->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	r->terminated = true;
	r->cancelled = faccessat(r->s->dir_fd, "cancel", F_OK, 0) == 0;
	stop_job(r);
}

static int
next_wait_ms(const struct sup_run *r)
{
	double next = INFINITY, now = now_mono();

	if (r->deadline > 0 && !r->timed_out)
		next = r->deadline;
	if (r->kill_at > 0 && r->kill_at < next)
		next = r->kill_at;
	if (next == INFINITY)
		return -1;
	return next <= now ? 0 : (int)((next - now) * 1000) + 1;
}

static void
check_deadlines(struct sup_run *r)
{
	double now = now_mono();

	if (r->deadline > 0 && !r->timed_out && now >= r->deadline) {
		r->timed_out = true;
		stop_job(r);
	}
	if (r->kill_at > 0 && now >= r->kill_at) {
		kill(-r->job, SIGKILL);
		if (r->s->rt->stop != NULL)
			r->s->rt->stop(r->s->id);
		r->kill_at = INFINITY;	/* done; never again */
	}
}

static void
sup_loop(struct sup_run *r)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = r->pid_fd, .events = POLLIN },
			{ .fd = r->sig_fd, .events = POLLIN },
			{ .fd = r->out_fd, .events = POLLIN },
		};

		if (poll(p, 3, next_wait_ms(r)) < 0 && errno != EINTR)
			return;
		if (p[2].revents)
			pump(r);
		if (p[1].revents & POLLIN)
			on_signal(r);
		check_deadlines(r);
		if (p[0].revents & POLLIN)
			return;
	}
}

static void
drain(struct sup_run *r)
{
	double until = now_mono() + DRAIN_MS / 1000.0;

	while (r->out_fd >= 0 && now_mono() < until) {
		struct pollfd p = { .fd = r->out_fd, .events = POLLIN };

		if (poll(&p, 1, DRAIN_MS) <= 0)
			break;
		pump(r);
	}
}

/* The last line the job printed, for a reason a person can act on. */
static void
log_last_line(int dir_fd, char *out, size_t len)
{
	char buf[1024];
	int fd = openat(dir_fd, "log", O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n;
	char *p;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	n = pread(fd, buf, sizeof(buf) - 1, end > (off_t)sizeof(buf) - 1
		  ? end - (off_t)(sizeof(buf) - 1) : 0);
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	p = strrchr(buf, '\n');
	p = p ? p + 1 : buf;
	n = strlen(p);
	if ((size_t)n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void
final_state(const struct sup_run *r, const siginfo_t *si,
	    struct tusk_job_status *st)
{
	char line[TUSK_JOB_REASON_MAX];
	bool exited = si->si_code == CLD_EXITED;

	st->exit_code = exited ? si->si_status : 128 + si->si_status;
	if (r->cancelled) {
		st->state = TUSK_JOB_CANCELLED;
		snprintf(st->reason, sizeof(st->reason), "cancelled");
	} else if (r->timed_out) {
		st->state = TUSK_JOB_TIMEOUT;
		snprintf(st->reason, sizeof(st->reason),
			 "killed after the time limit of %u s", r->s->timeout_s);
	} else if (exited && si->si_status == 0) {
		st->state = TUSK_JOB_SUCCEEDED;
	} else if (r->terminated) {
		st->state = TUSK_JOB_FAILED;
		snprintf(st->reason, sizeof(st->reason),
			 "stopped: its supervisor got SIGTERM");
	} else {
		st->state = TUSK_JOB_FAILED;
		if (r->s->notebook)
			tusk_launch_notebook_reason(r->s->dir_fd, st->reason,
						    sizeof(st->reason));
		if (st->reason[0] != '\0')
			return;
		log_last_line(r->s->dir_fd, line, sizeof(line));
		if (exited)
			snprintf(st->reason, sizeof(st->reason), "exit code %d%s%.200s",
				 si->si_status, line[0] ? ": " : "", line);
		else
			snprintf(st->reason, sizeof(st->reason),
				 "killed by signal %d (%s)", si->si_status,
				 sigabbrev_np(si->si_status) ?: "?");
	}
}

/* The supervisor is the job's subreaper: every descendant, orphaned or
 * not, ends up its child. None left (ECHILD) means nothing of the job runs. */
static void
reap_all(void)
{
	double until = now_mono() + REAP_MS / 1000.0;
	pid_t p;

	while (now_mono() < until) {
		p = waitpid(-1, NULL, WNOHANG);
		if (p < 0 && errno == ECHILD)
			return;
		if (p <= 0)
			usleep(REAP_POLL_MS * 1000);
	}
}

static void
sup_finish(struct sup_run *r)
{
	struct tusk_job_status st = { .exit_code = -1 };
	siginfo_t si = { 0 };

	drain(r);
	/* The zombie keeps the group's id reserved: kill what is left of the
	 * group before reaping, so no reused pid is ever signalled. */
	waitid(P_PID, r->job, &si, WEXITED | WNOWAIT);
	kill(-r->job, SIGKILL);
	if (r->s->rt->stop != NULL && (r->cancelled || r->timed_out))
		r->s->rt->stop(r->s->id);
	waitid(P_PID, r->job, &si, WEXITED);
	reap_all();
	final_state(r, &si, &st);
	if (r->dropped > 0)
		dprintf(r->log_fd, "\n[tusk: %llu more bytes of output dropped]\n",
			(unsigned long long)r->dropped);
	st.started_s = r->started_s;
	st.ended_s = now_real();
	snprintf(st.runtime, sizeof(st.runtime), "%s", r->s->rt->name);
	tusk_launch_status_write(r->s->dir_fd, &st);
}

static void
sup_failed(struct sup_run *r, int rc)
{
	struct tusk_job_status st = { .state = TUSK_JOB_FAILED, .exit_code = -1 };

	snprintf(st.reason, sizeof(st.reason), "could not start: %s",
		 strerror(-rc));
	st.started_s = st.ended_s = now_real();
	snprintf(st.runtime, sizeof(st.runtime), "%s", r->s->rt->name);
	tusk_launch_status_write(r->s->dir_fd, &st);
}

/* Only the job directory and its lock stay open; ctrld's sockets and
 * journal are not the supervisor's to hold. */
static void
close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2 && null != a && null != b)
			close(null);
	}
	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

static __attribute__((noreturn)) void
sup_main(const struct tusk_launch_sup *s)
{
	struct sup_run r = { .s = s, .out_fd = -1, .pid_fd = -1 };
	sigset_t set;
	int rc;

	close_others(s->dir_fd, s->lock_fd);
	umask(022);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	r.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	r.log_fd = openat(s->dir_fd, "log", O_WRONLY | O_CREAT | O_APPEND |
			  O_CLOEXEC, 0644);
	rc = r.sig_fd < 0 || r.log_fd < 0 ? -errno : job_start(&r);
	if (rc < 0) {
		if (r.job > 0)
			kill(-r.job, SIGKILL);
		sup_failed(&r, rc);
		_exit(1);
	}
	if (s->timeout_s > 0)
		r.deadline = now_mono() + s->timeout_s;
	/* Cancel may have come before the pid file: it left its mark. */
	if (faccessat(s->dir_fd, "cancel", F_OK, 0) == 0) {
		r.cancelled = r.terminated = true;
		stop_job(&r);
	}
	sup_loop(&r);
	sup_finish(&r);
	_exit(0);
}

/*
 * Start the supervisor of one job: it inherits s->lock_fd (the flock), and
 * the caller may close its own copy as soon as this returns.
 */
int
tusk_launch_supervisor_start(const struct tusk_launch_sup *s, char *err,
			     size_t errlen)
{
	pid_t mid = fork(), sup;
	int st = 0;

	if (mid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (mid == 0) {
		setsid();
		sup = fork();
		if (sup == 0)
			sup_main(s);
		_exit(sup < 0 ? 1 : 0);
	}
	/* ECHILD: ctrld reaps its children elsewhere (SIGCHLD ignored). */
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "could not start the job's supervisor");
		return -ECHILD;
	}
	return 0;
}
