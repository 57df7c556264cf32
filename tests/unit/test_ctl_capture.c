/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where `capture` may write (app/tuskd/ctl_capture.c): only new files
 * under [tuskd] capture_dir, named by a plain name or a relative path
 * without "." or ".."; never over a file, never through a symlink, never
 * when capture_dir is under data_root. Each refusal leaves the file
 * system as it was and says why.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "config.h"
#include "ctl_priv.h"

static struct tusk_config cfg;
static char top[64], outside[PATH_MAX];

static void
mkpath(char *buf, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", top, rel);
}

static int
setup(void **state)
{
	char p[PATH_MAX];

	snprintf(top, sizeof(top), "/tmp/tusk-test-ctlcap-XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	tusk_config_defaults(&cfg);
	mkpath(cfg.data_root, "data");
	mkpath(cfg.capture_dir, "capture");
	mkpath(outside, "outside");
	mkdir(cfg.data_root, 0755);
	mkdir(outside, 0755);
	mkpath(p, "capture");
	return mkdir(p, 0750);
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* Open rel; returns the fd (closed here) or -1 with the reason in err. */
static int
try_open(const char *rel, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	err[0] = '\0';
	fd = tusk_ctl_capture_file_open(&cfg, rel, path, sizeof(path), err,
					errlen);
	if (fd >= 0)
		close(fd);
	return fd;
}

static void
assert_refused(const char *rel, const char *why)
{
	char err[512];

	assert_int_equal(try_open(rel, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", rel ? rel : "NULL",
			 err, why);
}

static unsigned int
entries(const char *dir)
{
	char cmd[PATH_MAX + 32], line[32];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	return (unsigned int)atoi(line);
}

static void
test_new_file_under_capture_dir(void **state)
{
	char path[PATH_MAX], want[PATH_MAX], err[256], sub[PATH_MAX];
	struct stat st;
	int fd;

	fd = tusk_ctl_capture_file_open(&cfg, "a.pcap", path, sizeof(path),
					err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	mkpath(want, "capture/a.pcap");
	assert_string_equal(path, want);
	assert_int_equal(lstat(want, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0640);
	/* a relative path into a directory that exists */
	mkpath(sub, "capture/day1");
	assert_int_equal(mkdir(sub, 0750), 0);
	assert_true(try_open("day1/b.pcap", err, sizeof(err)) >= 0);
	mkpath(want, "capture/day1/b.pcap");
	assert_int_equal(access(want, F_OK), 0);
}

static void
test_refusals(void **state)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct stat st;
	FILE *f;

	/* never over a file: its content stays */
	mkpath(p, "capture/old.pcap");
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_refused("old.pcap", "exists");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4);

	/* names that are not plain and relative */
	mkpath(p, "outside/abs.pcap");
	assert_refused(p, "must be a name");
	assert_refused("../outside/x.pcap", "must be a name");
	assert_refused("day/../x.pcap", "must be a name");
	assert_refused("./x.pcap", "must be a name");
	assert_refused("", "must be a name");
	assert_refused(NULL, "must be a name");

	/* a symlink as the file: not followed, its target not created */
	mkpath(p, "capture/link.pcap");
	mkpath(q, "outside/target.pcap");
	assert_int_equal(symlink(q, p), 0);
	assert_refused("link.pcap", "exists");
	assert_int_equal(access(q, F_OK), -1);

	/* a symlink on the way, even to a directory inside capture_dir */
	mkpath(p, "capture/ldir");
	assert_int_equal(symlink(outside, p), 0);
	assert_refused("ldir/x.pcap", "a symlink is on the way");
	mkpath(p, "capture/inner");
	assert_int_equal(mkdir(p, 0750), 0);
	mkpath(p, "capture/lin");
	assert_int_equal(symlink("inner", p), 0);
	assert_refused("lin/x.pcap", "a symlink is on the way");

	assert_refused("nodir/x.pcap", "no such directory");
	assert_int_equal(entries(outside), 0);
}

static void
test_capture_dir_created_not_in_data_root(void **state)
{
	char p[PATH_MAX], err[256];
	struct stat st;

	/* missing: created, for root and the tusk group only */
	mkpath(cfg.capture_dir, "newcap");
	assert_true(try_open("c.pcap", err, sizeof(err)) >= 0);
	assert_int_equal(stat(cfg.capture_dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);

	/* under data_root (where HTTP would serve it): refused */
	mkpath(cfg.capture_dir, "data/cap");
	assert_refused("d.pcap", "under data_root");
	mkpath(p, "data/cap/d.pcap");
	assert_int_equal(access(p, F_OK), -1);
	mkpath(cfg.capture_dir, "data");
	assert_refused("e.pcap", "under data_root");
	/* a name that only starts like data_root is not under it */
	mkpath(cfg.capture_dir, "data2");
	assert_true(try_open("f.pcap", err, sizeof(err)) >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file_under_capture_dir,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_capture_dir_created_not_in_data_root, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
