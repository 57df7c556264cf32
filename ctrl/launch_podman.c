/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The podman runtime, what a DTN host runs: `podman run --rootfs IMAGE`
 * with the same mounts as bwrap, podman's own PID/IPC/UTS/mount
 * namespaces, `--network none` unless asked, and podman's --memory and
 * --cpus (cgroups) instead of RLIMIT_AS. The user namespace is whatever
 * the host's containers.conf gives root podman.
 *
 * Measured on these machines (Debian 12, podman 4.3.1, crun): every
 * container fails to start: "crun: setrlimit `RLIMIT_NOFILE`: Operation not
 * permitted", and with that lifted "cgroups in hybrid mode not supported".
 * `runtime = auto` finds this with a real trivial run and uses bwrap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "launch_local.h"

/* podman rm -f of a stopped job's container: podman's own stop is 10 s;
 * ours asks for none (the job was already killed). */
#define PODMAN_RM_TIMEOUT_S 30

static void
add_volume(struct tusk_launch_argv *a, const char *src, const char *dst,
	   const char *mode)
{
	tusk_launch_argv_add(a, "--volume");
	tusk_launch_argv_addf(a, "%s:%s:%s", src, dst, mode);
}

static int
podman_argv(const struct tusk_launch_job *j, struct tusk_launch_argv *a)
{
	tusk_launch_argv_add(a, "podman");
	tusk_launch_argv_add(a, "run");
	tusk_launch_argv_add(a, "--rm");
	tusk_launch_argv_addf(a, "--name=tusk-%s", j->id);
	tusk_launch_argv_add(a, "--rootfs");
	tusk_launch_argv_add(a, j->image);
	if (!j->network)
		tusk_launch_argv_add(a, "--network=none");
	if (j->mem_bytes > 0)
		tusk_launch_argv_addf(a, "--memory=%llub",
				      (unsigned long long)j->mem_bytes);
	if (j->cpus > 0)
		tusk_launch_argv_addf(a, "--cpus=%.3f", j->cpus);
	tusk_launch_argv_add(a, "--tmpfs=/tmp");
	add_volume(a, j->data_dir, LAUNCH_DATA_MNT, "ro");
	add_volume(a, j->out_dir, LAUNCH_OUT_MNT, "rw");
	add_volume(a, j->in_dir, LAUNCH_IN_MNT, "ro");
	add_volume(a, j->report_dir, LAUNCH_REPORT_MNT, "rw");
	tusk_launch_argv_addf(a, "--workdir=%s", LAUNCH_OUT_MNT);
	for (size_t i = 0; j->env != NULL && j->env[i] != NULL; i++) {
		tusk_launch_argv_add(a, "--env");
		tusk_launch_argv_add(a, j->env[i]);
	}
	tusk_launch_argv_add(a, "--");
	for (size_t i = 0; j->argv[i] != NULL; i++)
		tusk_launch_argv_add(a, j->argv[i]);
	return a->failed ? -E2BIG : 0;
}

static int
podman_probe(const char *image, char *why, size_t len)
{
	struct stat st;
	int rc;

	if (image == NULL || stat(image, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "no image directory to try it with (%s)",
			 image ? image : "none configured");
		return -ENOENT;
	}
	char *argv[] = { "podman", "run", "--rm", "--network=none", "--rootfs",
			 (char *)image, "/bin/true", NULL };
	rc = tusk_launch_run_capture(argv, LAUNCH_PROBE_TIMEOUT_S, why, len);
	if (rc > 0 && why[0] == '\0')
		snprintf(why, len, "podman exited with %d", rc);
	return rc > 0 ? -ENOEXEC : rc;
}

static void
podman_stop(const char *id)
{
	char name[TUSK_JOB_ID_MAX + 8], line[TUSK_JOB_REASON_MAX];

	snprintf(name, sizeof(name), "tusk-%s", id);
	char *argv[] = { "podman", "rm", "--force", "--time=0", name, NULL };
	tusk_launch_run_capture(argv, PODMAN_RM_TIMEOUT_S, line, sizeof(line));
}

const struct tusk_launch_runtime tusk_launch_podman = {
	.name = "podman",
	.program = "podman",
	.rlimit_mem = false,
	.probe = podman_probe,
	.argv = podman_argv,
	.stop = podman_stop,
};
