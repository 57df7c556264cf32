/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bubblewrap runtime: the job's own user, PID, IPC, UTS and cgroup
 * namespaces, and no network namespace shared with the host unless asked
 * (--unshare-net leaves only a loopback that is up).
 *
 * The image's top-level entries are bound read-only one by one onto
 * bwrap's tmpfs root (directories bound, symlinks recreated), so the mount
 * points /data, /out, /tusk/in and /tusk/report can be made without ever
 * writing into the image. Memory is limited by RLIMIT_AS on bwrap (the
 * supervisor sets it; it is inherited by every process of the job).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch_local.h"

/* Entries of an image's root that the sandbox provides itself, or that are
 * mount points of the job. */
static const char *const skipped[] = {
	"proc", "dev", "sys", "tmp", "run", "data", "out", "tusk",
};

static bool
is_skipped(const char *name)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return true;
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		if (strcmp(name, skipped[i]) == 0)
			return true;
	return false;
}

static int
add_entry(struct tusk_launch_argv *a, const char *image, const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	size_t n = strlen(image);
	ssize_t len;

	while (n > 1 && image[n - 1] == '/')	/* "/" or "dir/": no "//" */
		n--;
	if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)(n == 1 ? 0 : n),
			     image, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			return -errno;
		target[len] = '\0';
		tusk_launch_argv_add(a, "--symlink");
		tusk_launch_argv_add(a, target);
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		tusk_launch_argv_add(a, "--ro-bind");
		tusk_launch_argv_add(a, path);
	} else {
		return 0;	/* sockets, fifos: nothing a job needs */
	}
	tusk_launch_argv_addf(a, "/%s", name);
	return 0;
}

static int
add_image(struct tusk_launch_argv *a, const char *image)
{
	struct dirent *de;
	DIR *d = opendir(image);
	int rc = 0;

	if (d == NULL)
		return -errno;
	while (rc == 0 && (de = readdir(d)) != NULL)
		if (!is_skipped(de->d_name))
			rc = add_entry(a, image, de->d_name);
	closedir(d);
	return rc;
}

static void
add_namespaces(struct tusk_launch_argv *a, bool network)
{
	tusk_launch_argv_add(a, "bwrap");
	tusk_launch_argv_add(a, "--unshare-user");
	tusk_launch_argv_add(a, "--unshare-pid");
	tusk_launch_argv_add(a, "--unshare-ipc");
	tusk_launch_argv_add(a, "--unshare-uts");
	tusk_launch_argv_add(a, "--unshare-cgroup-try");
	if (!network)
		tusk_launch_argv_add(a, "--unshare-net");
	/* bwrap's child dies with bwrap, and bwrap with the supervisor (the
	 * supervisor sets PR_SET_PDEATHSIG): killing the job's process group
	 * empties its PID namespace. */
	tusk_launch_argv_add(a, "--die-with-parent");
	tusk_launch_argv_add(a, "--hostname");
	tusk_launch_argv_add(a, "tusk-job");
}

static void
add_bind(struct tusk_launch_argv *a, const char *how, const char *src,
	 const char *dst)
{
	tusk_launch_argv_add(a, how);
	tusk_launch_argv_add(a, src);
	tusk_launch_argv_add(a, dst);
}

static void
add_env(struct tusk_launch_argv *a, const char *const *env)
{
	tusk_launch_argv_add(a, "--clearenv");
	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		const char *eq = strchr(env[i], '=');

		if (eq == NULL)
			continue;	/* checked at submit */
		tusk_launch_argv_add(a, "--setenv");
		tusk_launch_argv_addf(a, "%.*s", (int)(eq - env[i]), env[i]);
		tusk_launch_argv_add(a, eq + 1);
	}
}

static int
bwrap_argv(const struct tusk_launch_job *j, struct tusk_launch_argv *a)
{
	int rc;

	add_namespaces(a, j->network);
	rc = add_image(a, j->image);
	if (rc < 0)
		return rc;
	tusk_launch_argv_add(a, "--proc");
	tusk_launch_argv_add(a, "/proc");
	tusk_launch_argv_add(a, "--dev");
	tusk_launch_argv_add(a, "/dev");
	tusk_launch_argv_add(a, "--tmpfs");
	tusk_launch_argv_add(a, "/tmp");
	tusk_launch_argv_add(a, "--tmpfs");
	tusk_launch_argv_add(a, "/run");
	add_bind(a, "--ro-bind", j->data_dir, LAUNCH_DATA_MNT);
	add_bind(a, "--bind", j->out_dir, LAUNCH_OUT_MNT);
	add_bind(a, "--ro-bind", j->in_dir, LAUNCH_IN_MNT);
	add_bind(a, "--bind", j->report_dir, LAUNCH_REPORT_MNT);
	tusk_launch_argv_add(a, "--chdir");
	tusk_launch_argv_add(a, LAUNCH_OUT_MNT);
	add_env(a, j->env);
	tusk_launch_argv_add(a, "--");
	for (size_t i = 0; j->argv[i] != NULL; i++)
		tusk_launch_argv_add(a, j->argv[i]);
	return a->failed ? -E2BIG : 0;
}

/* /bin/true in the image (or the host's root when there is no image yet:
 * that still says whether bwrap can make its namespaces here). */
static int
bwrap_probe(const char *image, char *why, size_t len)
{
	struct tusk_launch_argv a = { 0 };
	struct stat st;
	int rc;

	add_namespaces(&a, false);
	if (image != NULL && stat(image, &st) == 0 && S_ISDIR(st.st_mode))
		rc = add_image(&a, image);
	else
		rc = 0, add_bind(&a, "--ro-bind", "/", "/");
	tusk_launch_argv_add(&a, "--proc");
	tusk_launch_argv_add(&a, "/proc");
	tusk_launch_argv_add(&a, "--dev");
	tusk_launch_argv_add(&a, "/dev");
	tusk_launch_argv_add(&a, "--");
	tusk_launch_argv_add(&a, "/bin/true");
	if (rc == 0 && a.failed)
		rc = -ENOMEM;
	if (rc == 0) {
		rc = tusk_launch_run_capture(a.v, LAUNCH_PROBE_TIMEOUT_S, why, len);
		if (rc > 0 && why[0] == '\0')
			snprintf(why, len, "bwrap exited with %d", rc);
		if (rc > 0)
			rc = -ENOEXEC;
	} else {
		snprintf(why, len, "image %s: %s", image, strerror(-rc));
	}
	tusk_launch_argv_free(&a);
	return rc;
}

const struct tusk_launch_runtime tusk_launch_bwrap = {
	.name = "bwrap",
	.program = "bwrap",
	.rlimit_mem = true,
	.probe = bwrap_probe,
	.argv = bwrap_argv,
	.stop = NULL,
};
