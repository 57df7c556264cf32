/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash debris in the data root (see sweep.h).
 *
 *   tusk_sweep_root()    -> flock(LOCK_EX) -> walk() per directory
 *                        -> sweep_file() -> debris_why() -> remove_one()
 *   tusk_sweep_tmps_of() -> open rel's directory -> tmp_of() -> remove_one()
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#include "root.h"
#include "sweep.h"

RTE_LOG_REGISTER_SUFFIX(tusk_sweep_logtype, sweep, INFO);
#define SWEEP_LOG(level, ...)                                                 \
	rte_log(RTE_LOG_##level, tusk_sweep_logtype, "sweep: " __VA_ARGS__)

#define INFIX_LEN (sizeof(TUSK_ROOT_TMP_INFIX) - 1)
#define PART_LEN (sizeof(TUSK_ROOT_PART_SUFFIX) - 1)
#define RECORD_LEN (sizeof(TUSK_ROOT_RECORD_SUFFIX) - 1)
/* A record's name is its part's plus this. */
#define RECORD_EXTRA (RECORD_LEN - PART_LEN)

static bool
lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool
ends_with(const char *s, size_t n, const char *suffix, size_t m)
{
	return n > m && memcmp(s + n - m, suffix, m) == 0;
}

enum tusk_sweep_kind
tusk_sweep_kind_of(const char *name)
{
	size_t n = strlen(name);
	const size_t tail = INFIX_LEN + TUSK_ROOT_TMP_HEX;

	/* "." NAME INFIX HEX, NAME not empty */
	if (name[0] == '.' && n > 1 + tail &&
	    memcmp(name + n - tail, TUSK_ROOT_TMP_INFIX, INFIX_LEN) == 0 &&
	    lower_hex(name + n - TUSK_ROOT_TMP_HEX, TUSK_ROOT_TMP_HEX))
		return TUSK_SWEEP_TMP;
	if (ends_with(name, n, TUSK_ROOT_RECORD_SUFFIX, RECORD_LEN))
		return TUSK_SWEEP_RECORD;
	if (ends_with(name, n, TUSK_ROOT_PART_SUFFIX, PART_LEN))
		return TUSK_SWEEP_PART;
	return TUSK_SWEEP_OTHER;
}

/* Is there an entry (of any type, links not followed) named `name` in
 * dfd? Anything but a clear "no" counts as yes: keep when in doubt. */
static bool
sibling_exists(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	       errno != ENOENT;
}

/* Why the regular file `name` of kind k in dfd is debris, or NULL to
 * keep it (a part with its record: a paused fetch). */
static const char *
debris_why(int dfd, const char *name, enum tusk_sweep_kind k)
{
	char other[NAME_MAX + RECORD_EXTRA + 1];
	size_t n = strlen(name);

	switch (k) {
	case TUSK_SWEEP_TMP:
		return ends_with(name, n - INFIX_LEN - TUSK_ROOT_TMP_HEX,
				 TUSK_ROOT_RECORD_SUFFIX, RECORD_LEN) ?
		       "resume record save cut short" : "upload cut short";
	case TUSK_SWEEP_PART:
		/* the record's name: the part's and the rest of the suffix */
		snprintf(other, sizeof(other), "%s%s", name,
			 TUSK_ROOT_RECORD_SUFFIX + PART_LEN);
		return sibling_exists(dfd, other) ? NULL :
		       "fetch part without a resume record";
	case TUSK_SWEEP_RECORD:
		snprintf(other, sizeof(other), "%.*s", (int)(n - RECORD_EXTRA),
			 name);
		return sibling_exists(dfd, other) ? NULL :
		       "resume record without its part";
	default:
		return NULL;
	}
}

static void
remove_one(struct tusk_sweep_stats *st, int dfd, const char *name,
	   const char *rel, const struct stat *sb, const char *why)
{
	if (unlinkat(dfd, name, 0) < 0) {
		st->failed++;
		SWEEP_LOG(WARNING, "cannot remove %s (%s): %s\n", rel, why,
			  strerror(errno));
		return;
	}
	st->removed++;
	st->bytes += (uint64_t)sb->st_size;
	if (st->removed <= TUSK_SWEEP_LOG_MAX)
		SWEEP_LOG(INFO, "removed %s (%s, %jd bytes)\n", rel, why,
			  (intmax_t)sb->st_size);
}

/* One entry that is not a directory. */
static void
sweep_file(struct tusk_sweep_stats *st, int dfd, const char *name,
	   const char *rel)
{
	enum tusk_sweep_kind k = tusk_sweep_kind_of(name);
	const char *why;
	struct stat sb;

	if (k == TUSK_SWEEP_OTHER)
		return;
	/* only regular files: a link of that name is not tuskd's */
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode))
		return;
	why = debris_why(dfd, name, k);
	if (why != NULL)
		remove_one(st, dfd, name, rel, &sb, why);
}

static bool
is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

static bool
dot_or_dotdot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

/* Walk the directory dfd (taken: closed here), rel its path under the
 * root ("" for the root). */
static void
walk(struct tusk_sweep_stats *st, int dfd, const char *rel,
     unsigned int depth)
{
	char path[TUSK_ROOT_PATH_MAX];
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (d == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		int n, sub;

		if (dot_or_dotdot(de->d_name))
			continue;
		if (st->examined++ >= TUSK_SWEEP_ENTRIES_MAX) {
			st->truncated = true;
			break;
		}
		n = snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
			     de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (!is_dir(dirfd(d), de)) {
			sweep_file(st, dirfd(d), de->d_name, path);
			continue;
		}
		if (depth >= TUSK_SWEEP_DEPTH_MAX) {
			st->truncated = true;
			continue;
		}
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			walk(st, sub, path, depth + 1);
	}
	closedir(d);
}

static int
open_root_dir(const struct tusk_root *r)
{
	int fd = openat(tusk_root_fd(r), ".", O_RDONLY | O_DIRECTORY |
			O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void
log_summary(const struct tusk_root *r, const struct tusk_sweep_stats *st)
{
	char more[64] = "";

	if (st->removed > TUSK_SWEEP_LOG_MAX)
		snprintf(more, sizeof(more), ", %u of them not listed",
			 st->removed - TUSK_SWEEP_LOG_MAX);
	if (st->removed == 0)
		SWEEP_LOG(INFO, "data root %s: nothing stale (%u entries "
			  "examined)%s\n", tusk_root_path(r), st->examined,
			  st->truncated ? "; budget reached: part of the root "
			  "not swept" : "");
	else
		SWEEP_LOG(INFO, "data root %s: removed %u stale file%s (%"
			  PRIu64 " bytes%s) of %u entries examined%s\n",
			  tusk_root_path(r), st->removed,
			  st->removed == 1 ? "" : "s", st->bytes, more,
			  st->examined, st->truncated ? "; budget reached: "
			  "part of the root not swept" : "");
	if (st->failed > 0)
		SWEEP_LOG(WARNING, "data root %s: %u stale file%s could not "
			  "be removed (above)\n", tusk_root_path(r), st->failed,
			  st->failed == 1 ? "" : "s");
}

int
tusk_sweep_root(const struct tusk_root *r, struct tusk_sweep_stats *st)
{
	int lock, dfd;

	memset(st, 0, sizeof(*st));
	/* Its own open file description: the exclusive lock conflicts with
	 * the shared one of any holder, another process or this one. */
	lock = open_root_dir(r);
	if (lock < 0)
		return lock;
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		SWEEP_LOG(WARNING, "data root %s: not swept: %s\n",
			  tusk_root_path(r), err == -EBUSY ? "another process "
			  "(a second tuskd?) holds it" : strerror(-err));
		close(lock);
		return err;
	}
	dfd = open_root_dir(r);
	if (dfd >= 0) {
		walk(st, dfd, "", 0);
		log_summary(r, st);
	}
	close(lock);
	return dfd < 0 ? dfd : 0;
}

/* Is `name` a temporary of the base name whose "." base INFIX prefix is
 * pre[plen]? */
static bool
tmp_of(const char *name, const char *pre, size_t plen)
{
	return strncmp(name, pre, plen) == 0 &&
	       strlen(name) == plen + TUSK_ROOT_TMP_HEX &&
	       lower_hex(name + plen, TUSK_ROOT_TMP_HEX);
}

/* The directory of rel, opened beneath the root; *base: rel's last
 * component. */
static int
open_dir_of(const struct tusk_root *r, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	char dir[TUSK_ROOT_PATH_MAX];

	if (slash == NULL) {
		*base = rel;
		return open_root_dir(r);
	}
	*base = slash + 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	return tusk_root_openat(r, dir, O_RDONLY | O_DIRECTORY, 0);
}

int
tusk_sweep_tmps_of(const struct tusk_root *r, const char *rel)
{
	struct tusk_sweep_stats st = { 0 };
	char pre[NAME_MAX + 2], path[TUSK_ROOT_TMP_NAME_MAX];
	const char *base;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int n, dfd;

	if (tusk_root_check_rel(rel, strlen(rel)) < 0)
		return -EINVAL;
	dfd = open_dir_of(r, rel, &base);
	if (dfd < 0)
		return dfd;
	n = snprintf(pre, sizeof(pre), ".%s" TUSK_ROOT_TMP_INFIX, base);
	if (n < 0 || (size_t)n >= sizeof(pre)) {
		close(dfd);
		return 0; /* a base that long has no temporaries */
	}
	d = fdopendir(dfd);
	if (d == NULL) {
		n = -errno;
		close(dfd);
		return n;
	}
	while ((de = readdir(d)) != NULL) {
		if (!tmp_of(de->d_name, pre, (size_t)n) ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		snprintf(path, sizeof(path), "%.*s%s", (int)(base - rel), rel,
			 de->d_name);
		remove_one(&st, dirfd(d), de->d_name, path, &sb,
			   "an earlier save of it, cut short");
	}
	closedir(d);
	return (int)st.removed;
}
