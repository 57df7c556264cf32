/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The posix hand-off on real files: a copy is whole and verified, an
 * existing different file is never overwritten (unless asked), a second
 * run finds its own earlier result, a move renames and leaves nothing in
 * the data root, no temporary name is ever left in the target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_dir.h"

#include "file_digest.h"
#include "handoff_posix.h"

static char dir[] = "/tmp/tusk-handoff-XXXXXX";
static char src[300], dst_dir[300], dst[400];
static char sha[65];

static void
write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static char *
read_file(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of the target directory, to find temporary names. */
static int
entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 &&
					     strcmp(e->d_name, "..") != 0);
	closedir(dp);
	return n;
}

static int
setup(void **state)
{
	static int seq;
	char root[64];

	snprintf(root, sizeof(root), "%s/%d", dir, ++seq);
	mkdir(root, 0755);
	snprintf(src, sizeof(src), "%s/data.bin", root);
	snprintf(dst_dir, sizeof(dst_dir), "%s/store/a/b", root);
	snprintf(dst, sizeof(dst), "%s/data.bin", dst_dir);
	write_file(src, "the data set\n", 13);
	assert_int_equal(tusk_file_sha256(src, sha), 0);
	return 0;
}

static int
run(enum tusk_handoff_mode mode, bool overwrite, const char *want_sha,
    char *why, bool *final)
{
	struct tusk_handoff_req r = { .src = src, .dst_dir = dst_dir,
				      .name = "data.bin", .mode = mode,
				      .overwrite = overwrite,
				      .sha256 = want_sha };

	return tusk_handoff_posix(&r, why, 256, final);
}

static void
test_sha256(void **state)
{
	/* sha256("the data set\n"), from `sha256sum` */
	char hex[65];

	write_file(src, "abc", 3);
	assert_int_equal(tusk_file_sha256(src, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a3"
			    "96177a9cb410ff61f20015ad");
	assert_int_equal(tusk_file_sha256("/nonexistent", hex), -ENOENT);
}

static void
test_copy(void **state)
{
	char why[256];
	bool final;

	assert_int_equal(run(TUSK_HANDOFF_COPY, false, sha, why, &final), 0);
	assert_string_equal(read_file(dst), "the data set\n");
	assert_non_null(read_file(src)); /* a copy keeps the source */
	assert_int_equal(entries(dst_dir), 1);
	/* again: its own result is found, nothing changes */
	assert_int_equal(run(TUSK_HANDOFF_COPY, false, sha, why, &final), 0);
	assert_int_equal(entries(dst_dir), 1);
}

static void
test_no_overwrite(void **state)
{
	char why[256], other[65];
	bool final;

	mkdir(dst_dir, 0755);
	/* mkdir -p of the parents first */
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "mkdir -p %s", dst_dir);
		assert_int_equal(system(cmd), 0);
	}
	write_file(dst, "someone else's", 14);
	assert_int_equal(run(TUSK_HANDOFF_COPY, false, sha, why, &final),
			 -EEXIST);
	assert_true(final);
	assert_non_null(strstr(why, "exists with other contents"));
	assert_string_equal(read_file(dst), "someone else's");
	assert_int_equal(entries(dst_dir), 1);
	/* asked to: replaced whole */
	assert_int_equal(run(TUSK_HANDOFF_COPY, true, sha, why, &final), 0);
	assert_string_equal(read_file(dst), "the data set\n");
	assert_int_equal(tusk_file_sha256(dst, other), 0);
	assert_string_equal(other, sha);
	assert_int_equal(entries(dst_dir), 1);
}

static void
test_copy_verifies(void **state)
{
	char why[256];
	bool final;

	/* the journal's digest is not the file's: the copy is not published */
	assert_int_equal(run(TUSK_HANDOFF_COPY, false, "00", why, &final),
			 -EIO);
	assert_false(final);
	assert_non_null(strstr(why, "reads back as sha256"));
	assert_null(read_file(dst));
	assert_int_equal(entries(dst_dir), 0);
}

static void
test_move(void **state)
{
	char why[256];
	bool final;

	assert_int_equal(run(TUSK_HANDOFF_MOVE, false, sha, why, &final), 0);
	assert_string_equal(read_file(dst), "the data set\n");
	assert_null(read_file(src));
	/* a restart after the rename: done, not an error */
	assert_int_equal(run(TUSK_HANDOFF_MOVE, false, sha, why, &final), 0);
	assert_int_equal(entries(dst_dir), 1);
}

static void
test_source_gone(void **state)
{
	char why[256];
	bool final;

	unlink(src);
	assert_int_equal(run(TUSK_HANDOFF_COPY, false, sha, why, &final),
			 -ENOENT);
	assert_true(final);
	assert_non_null(strstr(why, "no longer in the data root"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sha256, setup),
		cmocka_unit_test_setup(test_copy, setup),
		cmocka_unit_test_setup(test_no_overwrite, setup),
		cmocka_unit_test_setup(test_copy_verifies, setup),
		cmocka_unit_test_setup(test_move, setup),
		cmocka_unit_test_setup(test_source_gone, setup),
	};

	return SCRATCH_DIR_RUN(dir, tests);
}
