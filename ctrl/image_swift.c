/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_swift: an analysis image from Swift (image_swift.h).
 *
 *   tusk_image_swift() -> HEAD: the object's SHA-256 (the cache key)
 *     -> IMAGES/<sha256>/ there: done (cached)
 *     -> tusk_source_swift_get() into IMAGES/<sha256>.tar -> its SHA-256
 *     -> archive_kind(): a root file system tar -> tar -x into
 *        IMAGES/.<sha256>.<pid>/; an OCI or docker archive -> skopeo copy
 *        and umoci unpack there (work/bundle/rootfs)
 *     -> /bin/sh checked, renamed to IMAGES/<sha256>/
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

/* The tar's kind, from a member at its top: "oci-archive" (oci-layout),
 * "docker-archive" (manifest.json) - skopeo's transport names - or NULL
 * for a root file system. tar -t of named members succeeds when one is
 * there. */
static const char *
archive_kind(const char *tar)
{
	static const struct {
		const char *member, *kind;
	} tops[] = {
		{ "oci-layout", "oci-archive" },
		{ "./oci-layout", "oci-archive" },
		{ "manifest.json", "docker-archive" },
		{ "./manifest.json", "docker-archive" },
	};

	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		char *argv[] = { "/usr/bin/tar", "-tf", (char *)tar,
				 (char *)tops[i].member, NULL };

		if (run(argv, true) == 0)
			return tops[i].kind;
	}
	return NULL;
}

/* dir/bin/sh there (a file or a link: usr-merged images link it), and
 * dir renamed to final; or another ctrld won the race to final: its copy
 * is whole. */
static int
install(const char *dir, const char *final, char *why, size_t len)
{
	char sh[IMAGE_PATH_MAX + 8];
	struct stat st;

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
	return 0;
}

/*
 * An OCI or docker archive, as `tools/tusk-image unpack` does it: skopeo
 * copies it into an OCI layout under work, umoci unpacks its layers in
 * order (whiteouts applied) into work/bundle/rootfs, which becomes final.
 */
static int
unpack_archive(const char *tar, const char *kind, const char *work,
	       const char *final, char *why, size_t len)
{
	char src[IMAGE_PATH_MAX + 32], layout[IMAGE_PATH_MAX + 32];
	char bundle[IMAGE_PATH_MAX + 16], rootfs[IMAGE_PATH_MAX + 32];
	char *copy[] = { "/usr/bin/skopeo", "copy", "--quiet", src, layout,
			 NULL };
	char *open_[] = { "/usr/bin/umoci", "unpack", "--image", layout + 4,
			  bundle, NULL };

	snprintf(src, sizeof(src), "%s:%s", kind, tar);
	snprintf(layout, sizeof(layout), "oci:%s/layout:image", work);
	snprintf(bundle, sizeof(bundle), "%s/bundle", work);
	snprintf(rootfs, sizeof(rootfs), "%s/bundle/rootfs", work);
	if (mkdir(work, 0700) < 0 && errno != EEXIST) {
		snprintf(why, len, "%.200s: %s", work, strerror(errno));
		return -errno;
	}
	if (run(copy, false) < 0) {
		snprintf(why, len, "skopeo could not read the %s", kind);
		return -ENOEXEC;
	}
	if (run(open_, false) < 0) {
		snprintf(why, len, "umoci could not unpack the %s", kind);
		return -ENOEXEC;
	}
	return install(rootfs, final, why, len);
}

/* A root file system tar. */
static int
unpack(const char *tar, const char *dir, const char *final, char *why,
       size_t len)
{
	char *argv[] = { "/usr/bin/tar", "-xf", (char *)tar, "-C",
			 (char *)dir, "--numeric-owner", NULL };
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
	return install(dir, final, why, len);
}

/* Fetched into <sha>.tar, checked, unpacked into final. */
static int
fetch(const struct tusk_ctrld_storage *st,
      const struct tusk_source_swift_url *u, const char *images,
      const char *sha, const char *final, char *why, size_t len)
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
	if (rc == 0) {
		const char *kind = archive_kind(tar);

		rc = kind != NULL ?
		     unpack_archive(tar, kind, tmp, final, why, len) :
		     unpack(tar, tmp, final, why, len);
	}
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
	struct tusk_source_swift_url u;
	struct tusk_swift s;
	struct stat sb;
	int rc;

	*cached = false;
	if (tusk_source_swift_url(url, &u, why, wlen) < 0)
		return -EINVAL;
	rc = tusk_handoff_swift_init(st, &s);
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
