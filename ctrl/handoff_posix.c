/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * handoff_posix: see handoff_posix.h.
 *
 *   tusk_handoff_posix() -> mkdirs() -> already_there()
 *     -> move_rename()                       (mode move, same fs)
 *     -> copy_verified() -> copy_bytes() -> verify -> publish()
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_digest.h"
#include "handoff_posix.h"
#include "mkdirs.h"

/* Chunk of one copy_file_range call: large enough to keep syscalls rare,
 * small enough that a full disk is noticed early. */
#define HANDOFF_CHUNK_BYTES (64u << 20)
#define HANDOFF_PATH_MAX 4096

static int
why_errno(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "what: strerror"; returns -err. */
static int
why_errno(char *why, size_t len, int err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(why, len, "%s: %s", what, strerror(err));
	return -err;
}

/* Errors no retry mends. */
static bool
permanent(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ||
	       err == ENOTDIR || err == EEXIST || err == ENAMETOOLONG;
}

static int
mkdirs(const char *dir, char *why, size_t len)
{
	char at[HANDOFF_PATH_MAX];
	int rc = tusk_mkdirs(dir, at, sizeof(at));

	return rc < 0 ? why_errno(why, len, -rc, "mkdir %s", at) : 0;
}

/* 1: dst holds the expected bytes; 0: no dst; -EEXIST: it differs. */
static int
already_there(const char *dst, const char *sha)
{
	char hex[65];
	int rc = tusk_file_sha256(dst, hex);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	return strcmp(hex, sha) == 0 ? 1 : -EEXIST;
}

/* copy_file_range(2) where the kernel does it (one file system; since
 * Linux 5.19 it refuses most copies across file systems with EXDEV),
 * sendfile(2) otherwise. */
static int
copy_bytes(int in, int out, char *why, size_t len, const char *dst)
{
	bool fallback = false;
	ssize_t n;

	for (;;) {
		n = fallback ? sendfile(out, in, NULL, HANDOFF_CHUNK_BYTES) :
		    copy_file_range(in, NULL, out, NULL, HANDOFF_CHUNK_BYTES, 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !fallback && (errno == EXDEV || errno == EINVAL ||
					   errno == ENOSYS ||
					   errno == EOPNOTSUPP)) {
			fallback = true; /* nothing was copied by this call */
			continue;
		}
		if (n < 0)
			return why_errno(why, len, errno, "writing %s", dst);
	}
}

/* Give the verified unnamed file `fd` its name dst. */
static int
publish(int fd, const char *dir, const char *dst, bool overwrite, char *why,
	size_t len)
{
	char proc[64], tmp[HANDOFF_PATH_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (!overwrite) {
		if (linkat(AT_FDCWD, proc, AT_FDCWD, dst, AT_SYMLINK_FOLLOW) < 0)
			return why_errno(why, len, errno, "link %s", dst);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/.tusk-handoff.%d", dir, (int)getpid());
	unlink(tmp);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
		return why_errno(why, len, errno, "link %s", tmp);
	if (rename(tmp, dst) < 0) {
		int e = errno;

		unlink(tmp);
		return why_errno(why, len, e, "rename to %s", dst);
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
copy_verified(const struct tusk_handoff_req *r, const char *dst, char *why,
	      size_t len)
{
	char hex[65];
	int in, out, rc;

	in = open(r->src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return why_errno(why, len, errno, "open %s", r->src);
	out = open(r->dst_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return why_errno(why, len, errno, "O_TMPFILE in %s", r->dst_dir);
	}
	rc = copy_bytes(in, out, why, len, dst);
	close(in);
	if (rc == 0 && fsync(out) < 0)
		rc = why_errno(why, len, errno, "fsync %s", dst);
	if (rc == 0 && (rc = tusk_file_sha256_fd(out, hex)) < 0)
		rc = why_errno(why, len, -rc, "reading back %s", dst);
	if (rc == 0 && strcmp(hex, r->sha256) != 0) {
		snprintf(why, len, "the copy at %s reads back as sha256 %s, "
			 "not %s", dst, hex, r->sha256);
		rc = -EIO;
	}
	if (rc == 0)
		rc = publish(out, r->dst_dir, dst, r->overwrite, why, len);
	close(out); /* unnamed unless published: nothing is left behind */
	return rc;
}

static int
move_rename(const struct tusk_handoff_req *r, const char *dst, char *why,
	    size_t len)
{
	unsigned int flags = r->overwrite ? 0 : RENAME_NOREPLACE;

	if (renameat2(AT_FDCWD, r->src, AT_FDCWD, dst, flags) == 0)
		return 0;
	if (errno == EXDEV)
		return -EXDEV;
	return why_errno(why, len, errno, "rename %s to %s", r->src, dst);
}

int
tusk_handoff_posix(const struct tusk_handoff_req *r, char *why, size_t len,
		   bool *final)
{
	char dst[HANDOFF_PATH_MAX];
	int rc;

	*final = false;
	why[0] = '\0';
	if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", r->dst_dir, r->name) >=
	    sizeof(dst)) {
		*final = true;
		return why_errno(why, len, ENAMETOOLONG, "%s", r->dst_dir);
	}
	rc = mkdirs(r->dst_dir, why, len);
	if (rc == 0)
		rc = already_there(dst, r->sha256);
	if (rc == 1) {
		/* done before (a restart): a move still owes the unlink */
		if (r->mode == TUSK_HANDOFF_MOVE)
			unlink(r->src);
		return 0;
	}
	if (rc == -EEXIST && r->overwrite)
		rc = 0;
	if (rc == -EEXIST) {
		*final = true;
		snprintf(why, len, "%s exists with other contents and "
			 "overwrite is false", dst);
		return rc;
	}
	if (rc < 0) {
		*final = permanent(-rc);
		if (why[0] == '\0')
			why_errno(why, len, -rc, "reading %s", dst);
		return rc;
	}
	if (access(r->src, F_OK) < 0) {
		*final = true;
		return why_errno(why, len, errno, "%s (no longer in the data "
				 "root)", r->src);
	}
	rc = r->mode == TUSK_HANDOFF_MOVE ? move_rename(r, dst, why, len) :
	     -EXDEV;
	if (rc == -EXDEV) {
		rc = copy_verified(r, dst, why, len);
		if (rc == 0 && r->mode == TUSK_HANDOFF_MOVE &&
		    unlink(r->src) < 0)
			rc = why_errno(why, len, errno, "unlink %s", r->src);
	}
	if (rc == 0 && fsync_dir(r->dst_dir) < 0)
		rc = why_errno(why, len, errno, "fsync %s", r->dst_dir);
	if (rc < 0)
		*final = permanent(-rc);
	return rc;
}
