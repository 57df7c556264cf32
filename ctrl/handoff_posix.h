/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * handoff_posix: a verified file from the data root into a storage
 * directory tree, so that the storage only ever shows whole, verified
 * files:
 *   - copy: written into an unnamed O_TMPFILE in the target directory,
 *     fsync'd, read back and its SHA-256 compared, then linked under its
 *     name (link(2) fails on an existing name: no overwrite, atomically);
 *     with overwrite, linked under a temporary name and rename(2)d over.
 *   - move: rename(2) within a file system (the same inode: nothing to
 *     verify again), a copy as above and an unlink across file systems.
 * Idempotent: a target that exists with the expected digest is taken as
 * done (a hand-off interrupted after its rename finds its own file).
 */
#ifndef TUSK_CTRL_HANDOFF_POSIX_H
#define TUSK_CTRL_HANDOFF_POSIX_H

#include <stdbool.h>
#include <stddef.h>

#include "session_spec.h"

struct tusk_handoff_req {
	const char *src;		/* absolute path in the data root */
	const char *dst_dir;		/* absolute target directory */
	const char *name;		/* file name in it */
	enum tusk_handoff_mode mode;
	bool overwrite;
	const char *sha256;		/* the file's digest (hex) */
};

/* 0 or -errno with a half-line reason; *final says a retry cannot help
 * (the target exists and differs, the source is gone, permission). */
int tusk_handoff_posix(const struct tusk_handoff_req *r, char *why,
		       size_t len, bool *final);

#endif
