/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data root (see root.h).
 *
 *   tusk_root_openat() -> check_rel() -> beneath() [openat2]
 *   tusk_root_tmp_create() -> open_parent() -> beneath(), openat(O_EXCL)
 *   tusk_root_commit() -> open_parent() x2 -> renameat(), fsync(dir)
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "root.h"

/* tusk_root_hold: how long to wait for another process's sweep (bounded
 * by sweep.h's entry limit: seconds) before going on without the lock,
 * and how often to look. */
#define ROOT_HOLD_WAIT_MS 30000u
#define ROOT_HOLD_STEP_MS 100u

struct tusk_root {
	int dfd;
	char *path;
};

/* Random part of a temporary name: 8 bytes, 16 hex digits; with O_EXCL a
 * collision only costs a retry, bounded by TMP_TRIES. */
#define TMP_RANDOM_BYTES 8
static_assert(2 * TMP_RANDOM_BYTES == TUSK_ROOT_TMP_HEX, "root.h names");
#define TMP_TRIES 8
/* openat2(2) says EAGAIN when a concurrent rename raced the lookup
 * ("..", RESOLVE_BENEATH): worth a few retries, never a spin. */
#define OPENAT2_TRIES 8
#define TMP_INFIX TUSK_ROOT_TMP_INFIX
#define PART_SUFFIX TUSK_ROOT_PART_SUFFIX

/* openat2(2) beneath dfd; glibc 2.36 has no wrapper. */
static int
beneath(int dfd, const char *rel, uint64_t flags, uint64_t mode)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int tries = 0;

	do {
		fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	} while (fd < 0 && (errno == EINTR || errno == EAGAIN) &&
		 ++tries < OPENAT2_TRIES);
	return fd < 0 ? -errno : (int)fd;
}

/*
 * Without openat2(2) (kernels before 5.6, some seccomp filters, valgrind)
 * no path could be resolved safely: refuse the root at once rather than
 * fail every request later, and never fall back to a weaker lookup.
 */
static int
probe_openat2(int dfd)
{
	int fd = beneath(dfd, ".", O_PATH, 0);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int
tusk_root_open(const char *path, struct tusk_root **out)
{
	struct tusk_root *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->path = strdup(path);
	if (r->path == NULL) {
		free(r);
		return -ENOMEM;
	}
	r->dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = r->dfd < 0 ? -errno : probe_openat2(r->dfd);
	if (err < 0) {
		if (r->dfd >= 0)
			close(r->dfd);
		free(r->path);
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

int
tusk_root_hold(struct tusk_root *r)
{
	int ret;

	const struct timespec step = {
		.tv_nsec = ROOT_HOLD_STEP_MS * 1000000L,
	};
	unsigned int waited_ms = 0;

	/* released when dfd is closed, or when the process dies; never a
	 * blocking wait: whoever holds it exclusively may never let go */
	for (;;) {
		ret = flock(r->dfd, LOCK_SH | LOCK_NB);
		if (ret == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (waited_ms >= ROOT_HOLD_WAIT_MS)
			return -EWOULDBLOCK;
		nanosleep(&step, NULL);
		waited_ms += ROOT_HOLD_STEP_MS;
	}
}

void
tusk_root_close(struct tusk_root *r)
{
	if (r == NULL)
		return;
	close(r->dfd);
	free(r->path);
	free(r);
}

int
tusk_root_fd(const struct tusk_root *r)
{
	return r->dfd;
}

const char *
tusk_root_path(const struct tusk_root *r)
{
	return r->path;
}

/* One component [s, s + n): not empty, not "." or "..". */
static int
check_component(const char *s, size_t n)
{
	if (n == 0)
		return -EINVAL;
	if (n == 1 && s[0] == '.')
		return -EINVAL;
	if (n == 2 && s[0] == '.' && s[1] == '.')
		return -EINVAL;
	return 0;
}

int
tusk_root_check_rel(const char *rel, size_t len)
{
	size_t start = 0;

	if (rel == NULL || len == 0 || len >= TUSK_ROOT_PATH_MAX)
		return -EINVAL;
	if (memchr(rel, '\0', len) != NULL || rel[0] == '/')
		return -EINVAL;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && rel[i] != '/')
			continue;
		if (check_component(rel + start, i - start) < 0)
			return -EINVAL;
		start = i + 1;
	}
	return 0;
}

/* A regular file, or a directory when the caller asked for one. */
static int
check_kind(int fd, int flags)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode))
		return (flags & O_DIRECTORY) ? 0 : -EISDIR;
	return -EPERM;
}

static int
clear_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int
tusk_root_openat(const struct tusk_root *r, const char *rel, int flags,
		 mode_t mode)
{
	int fd, err;

	if (tusk_root_check_rel(rel, rel != NULL ? strlen(rel) : 0) < 0)
		return -EINVAL;
	/* O_NONBLOCK so that a FIFO cannot block the open; regular files
	 * ignore it, and it is cleared again below. */
	fd = beneath(r->dfd, rel, (uint64_t)(flags | O_NONBLOCK), mode);
	if (fd < 0)
		return fd;
	err = check_kind(fd, flags);
	if (err == 0 && !(flags & O_NONBLOCK))
		err = clear_nonblock(fd);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

int
tusk_root_stat(const struct tusk_root *r, const char *rel, struct stat *st)
{
	int fd, err = 0;

	if (tusk_root_check_rel(rel, rel != NULL ? strlen(rel) : 0) < 0)
		return -EINVAL;
	fd = beneath(r->dfd, rel, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * Open the directory holding `rel` (the root itself for a bare name) and
 * point *base at rel's last component. Returns the directory fd (owned
 * by the caller) or -errno.
 */
static int
open_parent(const struct tusk_root *r, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	char dir[TUSK_ROOT_PATH_MAX];
	size_t n;

	if (tusk_root_check_rel(rel, strlen(rel)) < 0)
		return -EINVAL;
	if (slash == NULL) {
		*base = rel;
		return beneath(r->dfd, ".", O_RDONLY | O_DIRECTORY, 0);
	}
	*base = slash + 1;
	n = (size_t)(slash - rel);
	memcpy(dir, rel, n);
	dir[n] = '\0';
	return beneath(r->dfd, dir, O_RDONLY | O_DIRECTORY, 0);
}

/* Fill `buf` with TMP_RANDOM_BYTES random bytes as hex. */
static int
random_hex(char *buf, size_t len)
{
	uint8_t rnd[TMP_RANDOM_BYTES];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd) && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

/* Create the tmp file once with a new random name. */
static int
tmp_try(int dfd, const char *rel, const char *base, int *fd, char *tmpname,
	size_t len)
{
	char hex[2 * TMP_RANDOM_BYTES + 1];
	size_t dirlen = (size_t)(base - rel);
	int n, err;

	err = random_hex(hex, sizeof(hex));
	if (err < 0)
		return err;
	n = snprintf(tmpname, len, "%.*s.%s" TMP_INFIX "%s", (int)dirlen, rel,
		     base, hex);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	/* A single component created O_EXCL in a directory resolved beneath
	 * the root: it cannot follow a link anywhere. */
	*fd = openat(dfd, tmpname + dirlen,
		     O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	return *fd < 0 ? -errno : 0;
}

int
tusk_root_tmp_create(const struct tusk_root *r, const char *rel, int *fd,
		     char *tmpname, size_t len)
{
	const char *base;
	int dfd, err = -EEXIST;

	*fd = -1;
	dfd = open_parent(r, rel, &base);
	if (dfd < 0)
		return dfd;
	for (int i = 0; i < TMP_TRIES && err == -EEXIST; i++)
		err = tmp_try(dfd, rel, base, fd, tmpname, len);
	close(dfd);
	return err;
}

/* fsync the file `rel` beneath the root: its data before its name. */
static int
sync_file(const struct tusk_root *r, const char *rel)
{
	int fd = beneath(r->dfd, rel, O_RDONLY, 0);
	int err = 0;

	if (fd < 0)
		return fd;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* renameat2(2) flags: 0, or RENAME_NOREPLACE (fails with EEXIST). */
static int
commit(const struct tusk_root *r, const char *tmpname, const char *rel,
       unsigned int flags)
{
	const char *tbase, *base;
	int tdfd, dfd, err;

	err = sync_file(r, tmpname);
	if (err < 0)
		return err;
	tdfd = open_parent(r, tmpname, &tbase);
	if (tdfd < 0)
		return tdfd;
	dfd = open_parent(r, rel, &base);
	if (dfd < 0) {
		close(tdfd);
		return dfd;
	}
	err = renameat2(tdfd, tbase, dfd, base, flags) < 0 ? -errno : 0;
	/* The rename is durable once the directory is (fsync(2) NOTES). */
	if (err == 0 && fsync(dfd) < 0)
		err = -errno;
	close(tdfd);
	close(dfd);
	return err;
}

int
tusk_root_commit(const struct tusk_root *r, const char *tmpname,
		 const char *rel)
{
	return commit(r, tmpname, rel, 0);
}

int
tusk_root_commit_new(const struct tusk_root *r, const char *tmpname,
		     const char *rel)
{
	return commit(r, tmpname, rel, RENAME_NOREPLACE);
}

int
tusk_root_discard(const struct tusk_root *r, const char *tmpname)
{
	const char *base;
	int dfd, err;

	dfd = open_parent(r, tmpname, &base);
	if (dfd < 0)
		return dfd;
	err = unlinkat(dfd, base, 0) < 0 ? -errno : 0;
	close(dfd);
	return err;
}

/* Is the component [s, s + n) an internal name (root.h)? */
static bool
internal_component(const char *s, size_t n)
{
	static const char tmp[] = ".tusk-tmp", part[] = PART_SUFFIX;
	const size_t tl = sizeof(tmp) - 1, pl = sizeof(part) - 1;

	if (n >= tl && memcmp(s, tmp, tl) == 0)
		return true;
	for (size_t i = 0; i + tl < n; i++)
		if (memcmp(s + i, tmp, tl) == 0 && s[i + tl] == '.')
			return true;
	for (size_t i = 0; i + pl <= n; i++)
		if (memcmp(s + i, part, pl) == 0 &&
		    (i + pl == n || s[i + pl] == '.'))
			return true;
	return false;
}

bool
tusk_root_is_internal(const char *rel)
{
	size_t start = 0, len = strlen(rel);

	for (size_t i = 0; i <= len; i++) {
		if (i < len && rel[i] != '/')
			continue;
		if (internal_component(rel + start, i - start))
			return true;
		start = i + 1;
	}
	return false;
}

int
tusk_root_free_bytes(const struct tusk_root *r, uint64_t *bytes)
{
	struct statvfs sv;

	if (fstatvfs(r->dfd, &sv) < 0)
		return -errno;
	*bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}
