/* SPDX-License-Identifier: BSD-3-Clause */
/* The data root tests' tree (see root_tree.h). */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "root_tree.h"

char rt_base[PATH_MAX];
char rt_rootdir[PATH_MAX + 8];
struct tusk_root *rt_root;

void
rt_put(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", rt_base, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

void
rt_link(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", rt_base, rel);
	assert_int_equal(symlink(target, p), 0);
}

void
rt_mkdir(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", rt_base, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

bool
rt_exists(const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", rt_base, rel);
	return lstat(p, &st) == 0;
}

int
rt_open(const char *name)
{
	snprintf(rt_base, sizeof(rt_base), "/tmp/tusk-test-%s-XXXXXX", name);
	if (mkdtemp(rt_base) == NULL)
		return -1;
	snprintf(rt_rootdir, sizeof(rt_rootdir), "%s/root", rt_base);
	rt_mkdir("root");
	rt_mkdir("outside");
	return tusk_root_open(rt_rootdir, &rt_root);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

int
rt_close(void)
{
	tusk_root_close(rt_root);
	rt_root = NULL;
	return nftw(rt_base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
