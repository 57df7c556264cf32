/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data root: the one directory tuskd serves and stores files under.
 * No path outside it is ever opened.
 *
 * Every open resolves the path with openat2(2) RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS relative to the root's directory fd, so the kernel
 * refuses ".." that climbs out, absolute symlinks and symlinks whose
 * target leaves the root (-EXDEV), atomically with the open: nothing can
 * swap a component between a check and the use. Symlinks that stay inside
 * the root work. As a second line of defence, paths with "..", "." or
 * empty components, a leading '/', or a NUL are refused before any
 * syscall (-EINVAL).
 *
 * Paths given here are relative ("dir/file"), already percent-decoded by
 * the caller (HTTP target minus its leading '/').
 *
 * Uploads land atomically: a temporary file in the target's directory
 * (tusk_root_tmp_create), renamed over the target when complete
 * (tusk_root_commit) or removed (tusk_root_discard). Readers see the old
 * file or the new one, never a part.
 */
#ifndef TUSK_ROOT_H
#define TUSK_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct tusk_root;

/* Longest relative path accepted: Linux's PATH_MAX, what openat2 takes. */
#define TUSK_ROOT_PATH_MAX 4096

/* Room for a name from tusk_root_tmp_create(): the target's path plus the
 * ".<base>.tusk-tmp.<16 hex>" decoration. */
#define TUSK_ROOT_TMP_NAME_MAX (TUSK_ROOT_PATH_MAX + 32)

/*
 * tuskd's own names in the data root (never served: tusk_root_is_internal;
 * what a crash may leave behind: sweep.h):
 *   .<base>.tusk-tmp.<16 hex>  a temporary file of tusk_root_tmp_create():
 *                              an upload, or a resume record being saved
 *   <dest>.tusk-part           a fetch's part file
 *   <dest>.tusk-part.state     its resume record
 */
#define TUSK_ROOT_TMP_INFIX ".tusk-tmp."
#define TUSK_ROOT_TMP_HEX 16
#define TUSK_ROOT_PART_SUFFIX ".tusk-part"
#define TUSK_ROOT_RECORD_SUFFIX ".tusk-part.state"

/*
 * Open the directory `path` as the data root. Returns 0 and *out, or
 * -ENOENT, -ENOTDIR, -EACCES (from open), -ENOMEM, or -ENOSYS when the
 * kernel has no openat2(2): then nothing could be opened safely.
 */
int tusk_root_open(const char *path, struct tusk_root **out);

/*
 * Mark the root as in use by this process for as long as it is open: a
 * shared flock(2) on its directory, which another tuskd's start-up sweep
 * (tusk_sweep_root) sees, and then leaves the root alone. Take it after
 * this process's own sweep; it waits while another process sweeps the
 * root (a sweep is bounded: sweep.h), for 30 s at most, then gives up
 * with -EWOULDBLOCK (the caller goes on without the lock, and says so).
 * Returns 0 or -errno.
 */
int tusk_root_hold(struct tusk_root *r);

/* Close the root (NULL is fine). Files opened through it stay open. */
void tusk_root_close(struct tusk_root *r);

/* The root directory's fd (O_DIRECTORY, read-only; owned by the root). */
int tusk_root_fd(const struct tusk_root *r);

/* The path the root was opened with. */
const char *tusk_root_path(const struct tusk_root *r);

/*
 * Check a relative path without touching the file system: 0 if it is
 * acceptable, -EINVAL if it is empty, absolute, too long, or has an
 * empty, "." or ".." component, or a NUL within `len` bytes (len is the
 * decoded length; pass strlen() for C strings).
 */
int tusk_root_check_rel(const char *rel, size_t len);

/*
 * Open `rel` beneath the root with open(2) `flags` and `mode` (O_CLOEXEC is
 * always added). Returns the fd or -errno:
 *   -EINVAL   rel refused by tusk_root_check_rel()
 *   -EXDEV    resolution would leave the root (.., absolute or escaping
 *             symlink), -ELOOP for magic links (/proc/self/fd/...)
 *   -ENOENT, -ENOTDIR, -EACCES, -EEXIST (O_EXCL) as open(2)
 *   -EISDIR   rel is a directory and O_DIRECTORY was not asked for
 *   -EPERM    rel is not a regular file or a directory (FIFO, socket,
 *             device): never served, and opening a FIFO would block
 */
int tusk_root_openat(const struct tusk_root *r, const char *rel, int flags,
		     mode_t mode);

/*
 * fstatat() of `rel` beneath the root, by opening it (O_PATH, same
 * resolution rules as tusk_root_openat). Returns 0 or -errno.
 */
int tusk_root_stat(const struct tusk_root *r, const char *rel,
		   struct stat *st);

/*
 * Create a temporary file for an upload of `rel`: `.<basename>.tusk-tmp.
 * <random>` in rel's directory (which must exist: -ENOENT, no mkdir -p),
 * O_EXCL, mode 0644, opened read-write. Returns 0 with *fd and the tmp's
 * relative path in tmpname[len] (TUSK_ROOT_TMP_NAME_MAX is enough), or
 * -errno (-EINVAL bad rel, -EXDEV, -ENOENT, -ENOTDIR, -EACCES, -ENOSPC,
 * -ENAMETOOLONG when tmpname is too small or the name too long).
 */
int tusk_root_tmp_create(const struct tusk_root *r, const char *rel, int *fd,
			 char *tmpname, size_t len);

/*
 * Make the upload in `tmpname` the file `rel`: fsync the temporary file,
 * renameat(2) it over rel (atomic: readers see the old file or the new
 * one), fsync rel's directory. Returns 0 or -errno (-EISDIR if rel is a
 * directory; the tmp file is left for tusk_root_discard()).
 */
int tusk_root_commit(const struct tusk_root *r, const char *tmpname,
		     const char *rel);

/* The same, but only when rel does not exist (renameat2 RENAME_NOREPLACE,
 * atomic): -EEXIST when it appeared meanwhile, the tmp file left. For an
 * upload whose authority is to create a file, never to replace one. */
int tusk_root_commit_new(const struct tusk_root *r, const char *tmpname,
			 const char *rel);

/* Remove the temporary file `tmpname`. Returns 0 or -errno. */
int tusk_root_discard(const struct tusk_root *r, const char *tmpname);

/*
 * True if `rel` names one of tuskd's internal files, which the server
 * treats as absent (404): a component that starts with ".tusk-tmp" or
 * contains ".tusk-tmp." (uploads in progress), or ends in ".tusk-part"
 * or contains ".tusk-part." (fetches in progress and their state).
 */
bool tusk_root_is_internal(const char *rel);

/*
 * Free space of the root's file system for an unprivileged writer, in
 * bytes (statvfs f_bavail * f_frsize): lets a server refuse an upload
 * that cannot fit (507) before taking it. Returns 0 or -errno.
 */
int tusk_root_free_bytes(const struct tusk_root *r, uint64_t *bytes);

#endif /* TUSK_ROOT_H */
