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
#include "root_tree.h"

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
	int fd = tusk_root_openat(rt_root, rel, O_RDONLY, 0);

	if (fd < 0)
		return "";
	snprintf(copy, sizeof(copy), "%s", slurp(fd));
	close(fd);
	return copy;
}

static int
setup(void **state)
{
	if (rt_open("root") < 0)
		return -1;
	rt_mkdir("root/a");
	rt_put("outside/secret", "secret");
	rt_put("root/top.txt", "top");
	rt_put("root/a/file.txt", "hello");
	rt_link("../top.txt", "root/a/link_in");
	rt_link("a", "root/link_dir_in");
	rt_link("/etc/passwd", "root/link_passwd");
	rt_link("/etc", "root/link_etc");
	rt_link("../outside", "root/link_out");
	rt_link("../outside/secret", "root/link_secret");
	rt_link("../../outside/secret", "root/a/link_secret2");
	rt_link("/proc/self/fd/0", "root/link_magic");
	return 0;
}

static int
teardown(void **state)
{
	return rt_close();
}

static void
test_open_root(void **state)
{
	struct tusk_root *r;

	assert_int_equal(tusk_root_open("/nonexistent/tusk", &r), -ENOENT);
	assert_null(r);
	assert_int_equal(tusk_root_open("/etc/passwd", &r), -ENOTDIR);
	assert_string_equal(tusk_root_path(rt_root), rt_rootdir);
	assert_true(tusk_root_fd(rt_root) >= 0);
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
		assert_int_equal(tusk_root_openat(rt_root, bad[i], O_RDONLY, 0),
				 -EINVAL);
	}
	/* a decoded %00 */
	assert_int_equal(tusk_root_check_rel("top.txt\0x", 9), -EINVAL);
	assert_int_equal(tusk_root_openat(rt_root, NULL, O_RDONLY, 0), -EINVAL);
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
		assert_int_equal(tusk_root_openat(rt_root, out[i], O_RDONLY, 0),
				 -EXDEV);
	/* a magic link is absolute: refused before it is followed */
	assert_int_equal(tusk_root_openat(rt_root, "link_magic", O_RDONLY, 0),
			 -EXDEV);
	/* creating through a link to a directory outside writes nothing */
	assert_int_equal(tusk_root_openat(rt_root, "link_out/new",
					  O_WRONLY | O_CREAT, 0644), -EXDEV);
	assert_false(rt_exists("outside/new"));
	assert_int_equal(tusk_root_openat(rt_root, "link_secret",
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
	assert_int_equal(tusk_root_openat(rt_root, "a", O_RDONLY, 0), -EISDIR);
	fd = tusk_root_openat(rt_root, "a", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tusk_root_openat(rt_root, "missing", O_RDONLY, 0),
			 -ENOENT);
	assert_int_equal(tusk_root_openat(rt_root, "top.txt/x", O_RDONLY, 0),
			 -ENOTDIR);
	/* a FIFO would block an open: refused at once */
	snprintf(fifo, sizeof(fifo), "%s/fifo", rt_rootdir);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(tusk_root_openat(rt_root, "fifo", O_RDONLY, 0),
			 -EPERM);
	/* the descriptor is blocking unless asked otherwise */
	fd = tusk_root_openat(rt_root, "top.txt", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(tusk_root_stat(rt_root, "a/link_in", &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(tusk_root_stat(rt_root, "link_passwd", &st), -EXDEV);
}

static void
test_tmp_commit_atomic(void **state)
{
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
	int fd, old;

	rt_put("root/a/up", "old");
	old = tusk_root_openat(rt_root, "a/up", O_RDONLY, 0);
	assert_true(old >= 0);
	assert_int_equal(tusk_root_tmp_create(rt_root, "a/up", &fd, tmp,
					      sizeof(tmp)), 0);
	assert_true(strncmp(tmp, "a/.up.tusk-tmp.", 15) == 0);
	assert_true(tusk_root_is_internal(tmp));
	assert_int_equal(pwrite(fd, "new!", 4, 0), 4);
	/* until the commit, readers see the old file */
	assert_string_equal(root_read("a/up"), "old");
	assert_int_equal(tusk_root_commit(rt_root, tmp, "a/up"), 0);
	assert_string_equal(root_read("a/up"), "new!");
	assert_int_equal(tusk_root_openat(rt_root, tmp, O_RDONLY, 0), -ENOENT);
	/* a reader that had the old file open keeps reading it whole */
	assert_string_equal(slurp(old), "old");
	close(old);
	close(fd);
	/* a new file at the top of the root */
	assert_int_equal(tusk_root_tmp_create(rt_root, "fresh", &fd, tmp,
					      sizeof(tmp)), 0);
	assert_true(strncmp(tmp, ".fresh.tusk-tmp.", 16) == 0);
	assert_int_equal(pwrite(fd, "f", 1, 0), 1);
	close(fd);
	assert_int_equal(tusk_root_commit(rt_root, tmp, "fresh"), 0);
	assert_string_equal(root_read("fresh"), "f");
}

static void
test_tmp_discard_and_errors(void **state)
{
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
	int fd;

	rt_put("root/keep", "keep");
	assert_int_equal(tusk_root_tmp_create(rt_root, "keep", &fd, tmp,
					      sizeof(tmp)), 0);
	assert_int_equal(pwrite(fd, "partial", 7, 0), 7);
	close(fd);
	assert_int_equal(tusk_root_discard(rt_root, tmp), 0);
	assert_int_equal(tusk_root_openat(rt_root, tmp, O_RDONLY, 0), -ENOENT);
	assert_string_equal(root_read("keep"), "keep");
	/* directories must exist; escapes are refused */
	assert_int_equal(tusk_root_tmp_create(rt_root, "no/such/x", &fd, tmp,
					      sizeof(tmp)), -ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(tusk_root_tmp_create(rt_root, "../x", &fd, tmp,
					      sizeof(tmp)), -EINVAL);
	assert_int_equal(tusk_root_tmp_create(rt_root, "link_out/x", &fd, tmp,
					      sizeof(tmp)), -EXDEV);
	assert_int_equal(tusk_root_tmp_create(rt_root, "keep", &fd, tmp, 8),
			 -ENAMETOOLONG);
	/* a directory is not replaced by an upload */
	assert_int_equal(tusk_root_tmp_create(rt_root, "a", &fd, tmp,
					      sizeof(tmp)), 0);
	close(fd);
	assert_int_equal(tusk_root_commit(rt_root, tmp, "a"), -EISDIR);
	assert_string_equal(root_read("a/file.txt"), "hello");
	assert_int_equal(tusk_root_discard(rt_root, tmp), 0);
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
	assert_int_equal(tusk_root_mkdir(rt_root, "nsd", 0755), 0);
	assert_true(rt_exists("root/nsd"));
	assert_int_equal(tusk_root_mkdir(rt_root, "nsd", 0755), -EEXIST);
	assert_int_equal(tusk_root_mkdir(rt_root, "nodir/x", 0755), -ENOENT);
	assert_int_equal(tusk_root_mkdir(rt_root, "link_out/x", 0755), -EXDEV);
	assert_false(rt_exists("outside/x"));
	assert_int_equal(tusk_root_mkdir(rt_root, "../x", 0755), -EINVAL);

	rt_put("root/nsd/f", "f");
	rt_put("root/nsd/h", "h");
	assert_int_equal(tusk_root_rename(rt_root, "nsd/f", "nsd/g", true), 0);
	assert_string_equal(root_read("nsd/g"), "f");
	assert_int_equal(tusk_root_rename(rt_root, "nsd/g", "nsd/h", true),
			 -EEXIST);
	assert_string_equal(root_read("nsd/h"), "h");
	assert_int_equal(tusk_root_rename(rt_root, "nsd/g", "link_out/g",
					  false), -EXDEV);
	assert_false(rt_exists("outside/g"));
	assert_int_equal(tusk_root_rename(rt_root, "nsd", "nsd/in", false),
			 -EINVAL);
	/* the link moves, its target stays where it is; from its new place
	 * "../outside/secret" names root/outside/secret: absent, not the
	 * file outside */
	assert_int_equal(tusk_root_rename(rt_root, "link_secret", "nsd/ln",
					  false), 0);
	assert_int_equal(tusk_root_openat(rt_root, "nsd/ln", O_RDONLY, 0),
			 -ENOENT);
	assert_true(rt_exists("outside/secret"));
	assert_int_equal(tusk_root_rename(rt_root, "nsd/ln", "link_secret",
					  true), 0);

	assert_int_equal(tusk_root_remove(rt_root, "nsd", true), -ENOTEMPTY);
	assert_int_equal(tusk_root_remove(rt_root, "nsd", false), -EISDIR);
	assert_int_equal(tusk_root_remove(rt_root, "link_out/secret", false),
			 -EXDEV);
	assert_true(rt_exists("outside/secret"));
	assert_int_equal(tusk_root_remove(rt_root, "nsd/g", false), 0);
	assert_int_equal(tusk_root_remove(rt_root, "nsd/h", false), 0);
	assert_int_equal(tusk_root_remove(rt_root, "nsd", true), 0);
	assert_false(rt_exists("root/nsd"));
}

static void
test_free_bytes(void **state)
{
	uint64_t free_b = 0;

	assert_int_equal(tusk_root_free_bytes(rt_root, &free_b), 0);
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
