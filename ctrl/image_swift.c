/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_swift: an analysis image from Swift (image_swift.h).
 *
 *   tusk_image_swift() -> HEAD: the object's SHA-256 (the cache key)
 *     -> IMAGES/<sha256>/ there: done (cached)
 *     -> tusk_source_swift_get() into IMAGES/<sha256>.tar -> its SHA-256
 *     -> archive_kind(): a root file system, not an OCI/docker archive
 *     -> tar -x into IMAGES/.<sha256>.<pid>/, /bin/sh checked, renamed
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_digest.h"
#include "handoff_swift.h"
#include "image_swift.h"
#include "mkdirs.h"
#include "source_swift.h"

/* Paths under the cache directory: <sha256>, .tar, a temporary name. */
#define IMAGE_PATH_MAX (TUSK_CTRLD_PATH_MAX + 96)

extern char **environ;

/* Run argv (a full path first), stdout (and stderr when quiet) to
 * /dev/null; 0 when it exited 0. */
static int
run(char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	int status, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
						 "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -rc;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPROTO;
}

/* An OCI or docker archive has one of these at its top: tar -t of named
 * members succeeds when one is there. */
static bool
is_oci_or_docker(const char *tar)
{
	static const char *const names[] = { "oci-layout", "./oci-layout",
					     "manifest.json",
					     "./manifest.json", NULL };

	for (int i = 0; names[i] != NULL; i++) {
		char *argv[] = { "/usr/bin/tar", "-tf", (char *)tar,
				 (char *)names[i], NULL };

		if (run(argv, true) == 0)
			return true;
	}
	return false;
}

static int
unpack(const char *tar, const char *dir, const char *final, char *why,
       size_t len)
{
	char *argv[] = { "/usr/bin/tar", "-xf", (char *)tar, "-C",
			 (char *)dir, "--numeric-owner", NULL };
	char sh[IMAGE_PATH_MAX + 8];
	struct stat st;
	int rc;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, len, "%.200s: %s", dir, strerror(errno));
		return -errno;
	}
	rc = run(argv, false);
	if (rc < 0) {
		snprintf(why, len, "tar -x %.200s failed (not a tar?)", tar);
		return rc;
	}
	snprintf(sh, sizeof(sh), "%s/bin/sh", dir);
	if (lstat(sh, &st) != 0) {
		snprintf(why, len, "the image has no /bin/sh (not a root file "
			 "system?)");
		return -ENOEXEC;
	}
	if (rename(dir, final) != 0 && errno != ENOTEMPTY && errno != EEXIST) {
		snprintf(why, len, "rename to %.200s: %s", final,
			 strerror(errno));
		return -errno;
	}
	return 0;	/* or another ctrld won the race: its copy is whole */
}

/* Fetched into <sha>.tar, checked, unpacked into final. */
static int
fetch(const struct tusk_ctrld_storage *st, const struct tusk_swift_url *u,
      const char *images, const char *sha, const char *final, char *why,
      size_t len)
{
	char tar[IMAGE_PATH_MAX], tmp[IMAGE_PATH_MAX], got[65], meta[65];
	char *rm[] = { "/bin/rm", "-rf", tmp, NULL };
	int64_t size;
	bool final_err;
	int rc;

	snprintf(tar, sizeof(tar), "%s/%s.tar", images, sha);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", images, sha, (int)getpid());
	rc = tusk_source_swift_get(st, u, tar, &size, meta, why, len,
				   &final_err);
	if (rc == 0 && (rc = tusk_file_sha256(tar, got)) < 0)
		snprintf(why, len, "%.200s: %s", tar, strerror(-rc));
	if (rc == 0 && strcmp(got, meta) != 0) {
		snprintf(why, len, "the image read sha256 %.16s..., its object "
			 "says %.16s...", got, meta);
		rc = -EBADMSG;
	}
	if (rc == 0 && is_oci_or_docker(tar)) {
		snprintf(why, len, "an OCI/docker archive: the local launcher "
			 "runs a root file system (tools/tusk-image unpack "
			 "ARCHIVE DIR, then a tar of DIR)");
		rc = -ENOEXEC;
	}
	if (rc == 0)
		rc = unpack(tar, tmp, final, why, len);
	run(rm, true);	/* a failed unpack's leftovers; gone once renamed */
	unlink(tar);
	return rc;
}

int
tusk_image_swift(const struct tusk_ctrld_storage *st, const char *url,
		 const char *images, char *rootfs, size_t len, bool *cached,
		 char *why, size_t wlen)
{
	struct tusk_swift_objinfo in;
	struct tusk_swift_url u;
	struct tusk_swift s;
	struct stat sb;
	int rc;

	*cached = false;
	if (tusk_source_swift_url(url, &u, why, wlen) < 0)
		return -EINVAL;
	rc = tusk_storage_swift_init(st, &s);
	if (rc == 0)
		rc = tusk_swift_stat(&s, u.container, u.object, &in);
	if (rc < 0) {
		snprintf(why, wlen, "%s", tusk_swift_error(&s));
		return rc;
	}
	if (in.sha256[0] == '\0') {
		snprintf(why, wlen, "%.200s has no X-Object-Meta-Sha256 (upload "
			 "it with tusk-swift)", url);
		return -EBADMSG;
	}
	if ((size_t)snprintf(rootfs, len, "%s/%s", images, in.sha256) >= len)
		return -ENAMETOOLONG;
	if (stat(rootfs, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		*cached = true;
		return 0;
	}
	rc = tusk_mkdirs(images, NULL, 0);
	if (rc < 0) {
		snprintf(why, wlen, "%.200s: %s", images, strerror(-rc));
		return rc;
	}
	return fetch(st, &u, images, in.sha256, rootfs, why, wlen);
}
