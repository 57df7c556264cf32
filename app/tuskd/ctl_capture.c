/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands for packet capture (drivers/port_capture.h):
 *   capture       {"port", "file", "count", "snaplen"}
 *   capture_stop  {"port"}
 * and the drain that tusk_ctl_poll() runs while a capture is active.
 *
 * A capture writes only under [tuskd] capture_dir (the control socket
 * never writes outside the directories the configuration names, README
 * "The control socket"): "file" is a name or relative path in it,
 * and the file is created new, never over an existing one, through no
 * symlink (tusk_ctl_capture_file_open()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "ctl_priv.h"
#include "root.h"

/* Frames a capture takes when the request names no count: enough for a
 * handshake and a window of data, small enough to read by eye. */
#define CAPTURE_DEFAULT_COUNT 1000
/* Mode of the capture directory when tuskd creates it, and of a capture:
 * frames carry payloads and addresses, so root and the tusk group only. */
#define CAPTURE_DIR_MODE 0750
#define CAPTURE_FILE_MODE 0640

/* Is `dir` the data root or beneath it? A capture there would be served
 * (and could be replaced) over HTTP. */
static bool
capture_dir_in_root(const char *dir, const char *root)
{
	char d[PATH_MAX], r[PATH_MAX];
	size_t n;

	if (realpath(dir, d) == NULL || realpath(root, r) == NULL)
		return false;
	n = strlen(r);
	return strncmp(d, r, n) == 0 &&
	       (d[n] == '\0' || d[n] == '/' || r[n - 1] == '/');
}

/* capture_dir, created (one level) when missing; fd or -1 (err set). */
static int
capture_dir_open(const char *dir, const char *root, char *err,
		 size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && mkdir(dir, CAPTURE_DIR_MODE) == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "capture_dir %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (capture_dir_in_root(dir, root)) {
		snprintf(err, errlen, "capture_dir %s is under data_root %s: "
			 "captures would be served over HTTP", dir, root);
		close(fd);
		return -1;
	}
	return fd;
}

/* Why `rel` could not be created under `dir`. */
static void
capture_open_error(int e, const char *dir, const char *rel, char *err,
		   size_t errlen)
{
	const char *why = e == EEXIST ? "exists (a capture never replaces "
					"a file, nor follows a symlink)" :
			  e == ELOOP ? "a symlink is on the way" :
			  e == EXDEV ? "leaves capture_dir" :
			  e == ENOENT ? "no such directory" :
			  e == ENOSYS ? "the kernel has no openat2(2), so it "
					"cannot be opened safely" :
			  strerror(e);

	snprintf(err, errlen, "cannot capture into %s/%s: %s", dir, rel, why);
}

int
tusk_ctl_capture_file_open(const struct tusk_config *cfg, const char *rel,
		  char *path, size_t pathlen, char *err, size_t errlen)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		.mode = CAPTURE_FILE_MODE,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	int dfd, fd;

	if (rel == NULL || tusk_root_check_rel(rel, strlen(rel)) < 0) {
		snprintf(err, errlen, "\"file\" must be a name, or a relative "
			 "path without \".\" or \"..\", under capture_dir %s",
			 cfg->capture_dir);
		return -1;
	}
	if ((size_t)snprintf(path, pathlen, "%s/%s", cfg->capture_dir,
			     rel) >= pathlen) {
		snprintf(err, errlen, "\"file\": longer than %zu bytes with "
			 "capture_dir", pathlen - 1);
		return -1;
	}
	dfd = capture_dir_open(cfg->capture_dir, cfg->data_root, err, errlen);
	if (dfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (fd < 0)
		capture_open_error(errno, cfg->capture_dir, rel, err, errlen);
	close(dfd);
	return fd;
}

int
tusk_ctl_capture_cmd_start(void *arg, json_t *args,
			   json_t **result, char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	const char *file = json_string_value(json_object_get(args, "file"));
	int i = tusk_ctl_port_arg(ctl, args, err, errlen), ret, fd;
	char path[PATH_MAX];
	int64_t count, snaplen;

	if (i < 0)
		return -1;
	count = tusk_ctl_arg_uint(args, "count", CAPTURE_DEFAULT_COUNT,
				  TUSK_CAPTURE_COUNT_MAX, err, errlen);
	snaplen = tusk_ctl_arg_uint(args, "snaplen", 0,
				    TUSK_CAPTURE_SNAPLEN_MAX, err, errlen);
	if (count < 0 || snaplen < 0)
		return -1;
	if (ctl->captures[i] != NULL) {
		snprintf(err, errlen, "a capture is already running on %s",
			 ctl->ctx.ports[i].name);
		return -1;
	}
	fd = tusk_ctl_capture_file_open(ctl->ctx.cfg, file, path,
					sizeof(path), err, errlen);
	if (fd < 0)
		return -1;
	ret = tusk_port_capture_start_fd(&ctl->ctx.ports[i], fd, path,
					 (uint32_t)count, (uint32_t)snaplen,
					 &ctl->captures[i]);
	if (ret < 0) {
		snprintf(err, errlen, "cannot capture into %s: %s", path,
			 strerror(-ret));
		/* nothing was written: leave no empty file to trip the next
		 * try (capture_dir is the operator's, no one swaps it) */
		unlink(path);
		return -1;
	}
	*result = tusk_port_capture_json(ctl->captures[i]);
	return 0;
}

static void
capture_end(struct tusk_ctl *ctl, unsigned int i)
{
	tusk_port_capture_stop(ctl->captures[i]);
	ctl->captures[i] = NULL;
}

int
tusk_ctl_capture_cmd_stop(void *arg, json_t *args,
			  json_t **result, char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	int i = tusk_ctl_port_arg(ctl, args, err, errlen);

	if (i < 0)
		return -1;
	if (ctl->captures[i] == NULL) {
		snprintf(err, errlen, "no capture running on %s",
			 ctl->ctx.ports[i].name);
		return -1;
	}
	tusk_port_capture_drain(ctl->captures[i]);
	*result = tusk_port_capture_json(ctl->captures[i]);
	capture_end(ctl, (unsigned int)i);
	return 0;
}

/* Called every tusk_ctl_poll(): write what the lcores copied, and close
 * captures that have all their frames. */
void
tusk_ctl_capture_drain(struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < TUSK_CONFIG_PORTS_MAX; i++) {
		if (ctl->captures[i] == NULL)
			continue;
		if (tusk_port_capture_drain(ctl->captures[i]) < 0 ||
		    tusk_port_capture_done(ctl->captures[i]))
			capture_end(ctl, i);
	}
}

void
tusk_ctl_capture_close(struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < TUSK_CONFIG_PORTS_MAX; i++)
		if (ctl->captures[i] != NULL)
			capture_end(ctl, i);
}

bool
tusk_ctl_capture_active(const struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < TUSK_CONFIG_PORTS_MAX; i++)
		if (ctl->captures[i] != NULL)
			return true;
	return false;
}
