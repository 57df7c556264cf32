/* SPDX-License-Identifier: BSD-3-Clause */
/* The data root: nothing outside it is ever opened, however the path is
 * spelled or whatever the links inside point at; uploads replace files
 * atomically; internal names are recognised. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "root.h"

static char base[PATH_MAX];   /* temp dir: holds root/ and outside/ */
static char rootdir[PATH_MAX + 8];
static struct tusk_root *root;

static void
put(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
link_at(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void
mkdir_at(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static bool
exists_at(const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return lstat(p, &st) == 0;
}

/* Everything read from fd (up to 255 bytes) as a string. */
static const char *
slurp(int fd)
{
	static char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/* Content of rel read through the root ("" if it cannot be opened). */
static const char *
root_read(const char *rel)
{
	static char copy[256];
	int fd = tusk_root_openat(root, rel, O_RDONLY, 0);

	if (fd < 0)
		return "";
	snprintf(copy, sizeof(copy), "%s", slurp(fd));
	close(fd);
	return copy;
}

static int
setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/tusk-test-root-XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(rootdir, sizeof(rootdir), "%s/root", base);
	mkdir_at("root");
	mkdir_at("outside");
	mkdir_at("root/a");
	put("outside/secret", "secret");
	put("root/top.txt", "top");
	put("root/a/file.txt", "hello");
	link_at("../top.txt", "root/a/link_in");
	link_at("a", "root/link_dir_in");
	link_at("/etc/passwd", "root/link_passwd");
	link_at("/etc", "root/link_etc");
	link_at("../outside", "root/link_out");
	link_at("../outside/secret", "root/link_secret");
	link_at("../../outside/secret", "root/a/link_secret2");
	link_at("/proc/self/fd/0", "root/link_magic");
	return tusk_root_open(rootdir, &root);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int
teardown(void **state)
{
	tusk_root_close(root);
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_open_root(void **state)
{
	struct tusk_root *r;

	assert_int_equal(tusk_root_open("/nonexistent/tusk", &r), -ENOENT);
	assert_null(r);
	assert_int_equal(tusk_root_open("/etc/passwd", &r), -ENOTDIR);
	assert_string_equal(tusk_root_path(root), rootdir);
	assert_true(tusk_root_fd(root) >= 0);
}

static void
test_spellings_refused(void **state)
{
	static const char *bad[] = {
		"", "/etc/passwd", "../outside/secret", "a/../../outside/secret",
		"a/../top.txt", "./top.txt", "a/./file.txt", "a//file.txt",
		"a/", "..", ".", "a/..",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tusk_root_check_rel(bad[i], strlen(bad[i])),
				 -EINVAL);
		assert_int_equal(tusk_root_openat(root, bad[i], O_RDONLY, 0),
				 -EINVAL);
	}
	/* a decoded %00 */
	assert_int_equal(tusk_root_check_rel("top.txt\0x", 9), -EINVAL);
	assert_int_equal(tusk_root_openat(root, NULL, O_RDONLY, 0), -EINVAL);
	/* names with dots that are not "." or ".." are ordinary */
	assert_int_equal(tusk_root_check_rel("a..b/.c/..d", 11), 0);
}

static void
test_escaping_links_refused(void **state)
{
	static const char *out[] = {
		"link_passwd", "link_etc/passwd", "link_out/secret",
		"link_secret", "a/link_secret2",
	};

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		assert_int_equal(tusk_root_openat(root, out[i], O_RDONLY, 0),
				 -EXDEV);
	/* a magic link is absolute: refused before it is followed */
	assert_int_equal(tusk_root_openat(root, "link_magic", O_RDONLY, 0),
			 -EXDEV);
	/* creating through a link to a directory outside writes nothing */
	assert_int_equal(tusk_root_openat(root, "link_out/new",
					  O_WRONLY | O_CREAT, 0644), -EXDEV);
	assert_false(exists_at("outside/new"));
	assert_int_equal(tusk_root_openat(root, "link_secret",
					  O_WRONLY | O_TRUNC, 0), -EXDEV);
	assert_string_equal(root_read("../outside/secret"), "");
}

static void
test_inside_links_and_kinds(void **state)
{
	char fifo[PATH_MAX * 2];
	struct stat st;
	int fd;

	assert_string_equal(root_read("a/file.txt"), "hello");
	assert_string_equal(root_read("a/link_in"), "top");
	assert_string_equal(root_read("link_dir_in/file.txt"), "hello");
	assert_int_equal(tusk_root_openat(root, "a", O_RDONLY, 0), -EISDIR);
	fd = tusk_root_openat(root, "a", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tusk_root_openat(root, "missing", O_RDONLY, 0), -ENOENT);
	assert_int_equal(tusk_root_openat(root, "top.txt/x", O_RDONLY, 0),
			 -ENOTDIR);
	/* a FIFO would block an open: refused at once */
	snprintf(fifo, sizeof(fifo), "%s/fifo", rootdir);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(tusk_root_openat(root, "fifo", O_RDONLY, 0), -EPERM);
	/* the descriptor is blocking unless asked otherwise */
	fd = tusk_root_openat(root, "top.txt", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(tusk_root_stat(root, "a/link_in", &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(tusk_root_stat(root, "link_passwd", &st), -EXDEV);
}

static void
test_tmp_commit_atomic(void **state)
{
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
	int fd, old;

	put("root/a/up", "old");
	old = tusk_root_openat(root, "a/up", O_RDONLY, 0);
	assert_true(old >= 0);
	assert_int_equal(tusk_root_tmp_create(root, "a/up", &fd, tmp,
					      sizeof(tmp)), 0);
	assert_true(strncmp(tmp, "a/.up.tusk-tmp.", 15) == 0);
	assert_true(tusk_root_is_internal(tmp));
	assert_int_equal(pwrite(fd, "new!", 4, 0), 4);
	/* until the commit, readers see the old file */
	assert_string_equal(root_read("a/up"), "old");
	assert_int_equal(tusk_root_commit(root, tmp, "a/up"), 0);
	assert_string_equal(root_read("a/up"), "new!");
	assert_int_equal(tusk_root_openat(root, tmp, O_RDONLY, 0), -ENOENT);
	/* a reader that had the old file open keeps reading it whole */
	assert_string_equal(slurp(old), "old");
	close(old);
	close(fd);
	/* a new file at the top of the root */
	assert_int_equal(tusk_root_tmp_create(root, "fresh", &fd, tmp,
					      sizeof(tmp)), 0);
	assert_true(strncmp(tmp, ".fresh.tusk-tmp.", 16) == 0);
	assert_int_equal(pwrite(fd, "f", 1, 0), 1);
	close(fd);
	assert_int_equal(tusk_root_commit(root, tmp, "fresh"), 0);
	assert_string_equal(root_read("fresh"), "f");
}

static void
test_tmp_discard_and_errors(void **state)
{
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
	int fd;

	put("root/keep", "keep");
	assert_int_equal(tusk_root_tmp_create(root, "keep", &fd, tmp,
					      sizeof(tmp)), 0);
	assert_int_equal(pwrite(fd, "partial", 7, 0), 7);
	close(fd);
	assert_int_equal(tusk_root_discard(root, tmp), 0);
	assert_int_equal(tusk_root_openat(root, tmp, O_RDONLY, 0), -ENOENT);
	assert_string_equal(root_read("keep"), "keep");
	/* directories must exist; escapes are refused */
	assert_int_equal(tusk_root_tmp_create(root, "no/such/x", &fd, tmp,
					      sizeof(tmp)), -ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(tusk_root_tmp_create(root, "../x", &fd, tmp,
					      sizeof(tmp)), -EINVAL);
	assert_int_equal(tusk_root_tmp_create(root, "link_out/x", &fd, tmp,
					      sizeof(tmp)), -EXDEV);
	assert_int_equal(tusk_root_tmp_create(root, "keep", &fd, tmp, 8),
			 -ENAMETOOLONG);
	/* a directory is not replaced by an upload */
	assert_int_equal(tusk_root_tmp_create(root, "a", &fd, tmp,
					      sizeof(tmp)), 0);
	close(fd);
	assert_int_equal(tusk_root_commit(root, tmp, "a"), -EISDIR);
	assert_string_equal(root_read("a/file.txt"), "hello");
	assert_int_equal(tusk_root_discard(root, tmp), 0);
}

static void
test_internal_names(void **state)
{
	static const struct {
		const char *rel;
		bool internal;
	} cases[] = {
		{"a/.f.tusk-tmp.0123456789abcdef", true},
		{".tusk-tmp", true},
		{".tusk-tmpx/y", true},
		{"d/big.iso.tusk-part", true},
		{"big.iso.tusk-part.state", true},
		{"dir.tusk-part/x", true},
		{"big.iso", false},
		{"tusk-tmp", false},
		{"x.tusk-tmpfile", false},
		{"x.tusk-partner", false},
		{"a/b/c.txt", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(tusk_root_is_internal(cases[i].rel),
				 cases[i].internal);
}

/* MKCOL, DELETE, MOVE underneath: never through a link out of the root,
 * a symlink itself moved or removed, never what it points to. */
static void
test_namespace(void **state)
{
	assert_int_equal(tusk_root_mkdir(root, "nsd", 0755), 0);
	assert_true(exists_at("root/nsd"));
	assert_int_equal(tusk_root_mkdir(root, "nsd", 0755), -EEXIST);
	assert_int_equal(tusk_root_mkdir(root, "nodir/x", 0755), -ENOENT);
	assert_int_equal(tusk_root_mkdir(root, "link_out/x", 0755), -EXDEV);
	assert_false(exists_at("outside/x"));
	assert_int_equal(tusk_root_mkdir(root, "../x", 0755), -EINVAL);

	put("root/nsd/f", "f");
	put("root/nsd/h", "h");
	assert_int_equal(tusk_root_rename(root, "nsd/f", "nsd/g", true), 0);
	assert_string_equal(root_read("nsd/g"), "f");
	assert_int_equal(tusk_root_rename(root, "nsd/g", "nsd/h", true),
			 -EEXIST);
	assert_string_equal(root_read("nsd/h"), "h");
	assert_int_equal(tusk_root_rename(root, "nsd/g", "link_out/g", false),
			 -EXDEV);
	assert_false(exists_at("outside/g"));
	assert_int_equal(tusk_root_rename(root, "nsd", "nsd/in", false),
			 -EINVAL);
	/* the link moves, its target stays where it is; from its new place
	 * "../outside/secret" names root/outside/secret: absent, not the
	 * file outside */
	assert_int_equal(tusk_root_rename(root, "link_secret", "nsd/ln",
					  false), 0);
	assert_int_equal(tusk_root_openat(root, "nsd/ln", O_RDONLY, 0),
			 -ENOENT);
	assert_true(exists_at("outside/secret"));
	assert_int_equal(tusk_root_rename(root, "nsd/ln", "link_secret",
					  true), 0);

	assert_int_equal(tusk_root_remove(root, "nsd", true), -ENOTEMPTY);
	assert_int_equal(tusk_root_remove(root, "nsd", false), -EISDIR);
	assert_int_equal(tusk_root_remove(root, "link_out/secret", false),
			 -EXDEV);
	assert_true(exists_at("outside/secret"));
	assert_int_equal(tusk_root_remove(root, "nsd/g", false), 0);
	assert_int_equal(tusk_root_remove(root, "nsd/h", false), 0);
	assert_int_equal(tusk_root_remove(root, "nsd", true), 0);
	assert_false(exists_at("root/nsd"));
}

static void
test_free_bytes(void **state)
{
	uint64_t free_b = 0;

	assert_int_equal(tusk_root_free_bytes(root, &free_b), 0);
	assert_true(free_b > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_root),
		cmocka_unit_test(test_spellings_refused),
		cmocka_unit_test(test_escaping_links_refused),
		cmocka_unit_test(test_inside_links_and_kinds),
		cmocka_unit_test(test_tmp_commit_atomic),
		cmocka_unit_test(test_tmp_discard_and_errors),
		cmocka_unit_test(test_internal_names),
		cmocka_unit_test(test_namespace),
		cmocka_unit_test(test_free_bytes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
