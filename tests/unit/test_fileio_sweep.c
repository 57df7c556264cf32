/* SPDX-License-Identifier: BSD-3-Clause */
/* The sweep of crash debris (app/fileio/sweep.h): exactly tuskd's own
 * leftovers are removed, at any depth; a paused fetch, users' files that
 * merely look alike, links and everything outside the root are kept; a
 * root another process holds is not swept. */
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
#include "sweep.h"

#define HEX "0123456789abcdef"

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

static int
setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/tusk-test-sweep-XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(rootdir, sizeof(rootdir), "%s/root", base);
	mkdir_at("root");
	mkdir_at("outside");
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
	root = NULL;
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_kind_of(void **state)
{
	static const struct {
		const char *name;
		enum tusk_sweep_kind kind;
	} cases[] = {
		{ ".f.tusk-tmp." HEX, TUSK_SWEEP_TMP },
		{ ".big.bin.tusk-tmp." HEX, TUSK_SWEEP_TMP },
		{ ".x.tusk-part.state.tusk-tmp." HEX, TUSK_SWEEP_TMP },
		{ "..hidden.tusk-tmp." HEX, TUSK_SWEEP_TMP },
		{ "x.tusk-part", TUSK_SWEEP_PART },
		{ "x.tusk-part.state", TUSK_SWEEP_RECORD },
		{ "a.b.c.tusk-part.state", TUSK_SWEEP_RECORD },
		/* look-alikes: a user's files */
		{ ".tusk-tmp." HEX, TUSK_SWEEP_OTHER },          /* no NAME */
		{ "f.tusk-tmp." HEX, TUSK_SWEEP_OTHER },         /* no dot */
		{ ".f.tusk-tmp.0123456789abcde", TUSK_SWEEP_OTHER },   /* 15 */
		{ ".f.tusk-tmp." HEX "0", TUSK_SWEEP_OTHER },    /* 17 */
		{ ".f.tusk-tmp.0123456789ABCDEF", TUSK_SWEEP_OTHER },
		{ ".f.tusk-tmp.0123456789abcdeg", TUSK_SWEEP_OTHER },
		{ ".f.tusk-tmp-" HEX, TUSK_SWEEP_OTHER },
		{ ".f.tusk-tmp." HEX ".bak", TUSK_SWEEP_OTHER },
		{ ".tusk-part", TUSK_SWEEP_OTHER },               /* no DEST */
		{ ".tusk-part.state", TUSK_SWEEP_OTHER },
		{ "x.tusk-part.state.old", TUSK_SWEEP_OTHER },
		{ "x.tusk-parts", TUSK_SWEEP_OTHER },
		{ "x.tusk-part.stat", TUSK_SWEEP_OTHER },
		{ "tusk-part", TUSK_SWEEP_OTHER },
		{ "data.h5", TUSK_SWEEP_OTHER },
		{ ".", TUSK_SWEEP_OTHER },
		{ "", TUSK_SWEEP_OTHER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (tusk_sweep_kind_of(cases[i].name) != cases[i].kind)
			fail_msg("\"%s\": kind %d, want %d", cases[i].name,
				 tusk_sweep_kind_of(cases[i].name),
				 cases[i].kind);
	}
}

/* What a killed tuskd leaves, in directory `d` ("root" or below): every
 * kind of debris, a paused fetch and a user's look-alikes. */
static void
plant(const char *d)
{
	char p[PATH_MAX];

#define AT(name) (snprintf(p, sizeof(p), "%s/%s", d, name), p)
	put(AT(".up.bin.tusk-tmp." HEX), "half an upload");
	put(AT(".p.bin.tusk-part.state.tusk-tmp.fedcba9876543210"), "{\"fo");
	put(AT("orphan.bin.tusk-part"), "no record");
	put(AT("gone.bin.tusk-part.state"), "{}");
	put(AT("p.bin.tusk-part"), "paused part");
	put(AT("p.bin.tusk-part.state"), "{\"format\": \"tusk-fetch-state\"}");
	put(AT("up.bin"), "the old file");
	put(AT("f.tusk-tmp." HEX), "a user's");
	put(AT(".f.tusk-tmp.123"), "a user's");
	put(AT(".tusk-part"), "a user's");
#undef AT
}

/* Which of plant()'s files are in `d` now; removed: the debris. */
static void
check_swept(const char *d, bool removed)
{
	static const char *const debris[] = {
		".up.bin.tusk-tmp." HEX,
		".p.bin.tusk-part.state.tusk-tmp.fedcba9876543210",
		"orphan.bin.tusk-part",
		"gone.bin.tusk-part.state",
	};
	static const char *const kept[] = {
		"p.bin.tusk-part", "p.bin.tusk-part.state", "up.bin",
		"f.tusk-tmp." HEX, ".f.tusk-tmp.123", ".tusk-part",
	};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(debris) / sizeof(debris[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", d, debris[i]);
		if (exists_at(p) == removed)
			fail_msg("%s: %s", p, removed ? "not removed" :
				 "removed");
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", d, kept[i]);
		if (!exists_at(p))
			fail_msg("%s: removed, but it is not debris", p);
	}
}

/* Debris at the top and nested three deep: removed, with its bytes
 * counted; the rest kept. A second sweep finds nothing. */
static void
test_root_nested(void **state)
{
	struct tusk_sweep_stats st;

	mkdir_at("root/a");
	mkdir_at("root/a/b");
	mkdir_at("root/a/b/c");
	plant("root");
	plant("root/a/b/c");
	assert_int_equal(tusk_sweep_root(root, &st), 0);
	check_swept("root", true);
	check_swept("root/a/b/c", true);
	assert_int_equal(st.removed, 8);
	/* "half an upload" 14, "{\"fo" 4, "no record" 9, "{}" 2 */
	assert_int_equal(st.bytes, 2 * (14 + 4 + 9 + 2));
	assert_int_equal(st.failed, 0);
	assert_false(st.truncated);
	assert_true(st.examined >= 2 * 10 + 3);
	assert_int_equal(tusk_sweep_root(root, &st), 0);
	assert_int_equal(st.removed, 0);
}

/* Symlinks: a link named like debris is not removed (nor is what it
 * points at), a link to a directory outside is not entered, and debris
 * names outside the root stay whatever links lead there. */
static void
test_symlinks(void **state)
{
	struct tusk_sweep_stats st;

	plant("outside");
	put("outside/target", "outside");
	link_at("../outside", "root/link_out");
	link_at("../outside/target", "root/.l.tusk-tmp." HEX);
	link_at("/etc/passwd", "root/passwd.tusk-part");
	link_at("../outside/orphan.bin.tusk-part", "root/o.tusk-part");
	mkdir_at("root/.d.tusk-tmp." HEX);   /* a directory: entered, kept */
	put("root/.d.tusk-tmp." HEX "/.x.tusk-tmp." HEX, "debris");
	assert_int_equal(tusk_sweep_root(root, &st), 0);
	check_swept("outside", false);
	assert_true(exists_at("outside/target"));
	assert_true(exists_at("root/.l.tusk-tmp." HEX));
	assert_true(exists_at("root/passwd.tusk-part"));
	assert_true(exists_at("root/o.tusk-part"));
	assert_true(exists_at("root/.d.tusk-tmp." HEX));
	assert_false(exists_at("root/.d.tusk-tmp." HEX "/.x.tusk-tmp." HEX));
	assert_int_equal(st.removed, 1);
}

/* A part whose record is a link (or the other way round) is kept: in
 * doubt, nothing is removed. */
static void
test_pair_any_type(void **state)
{
	struct tusk_sweep_stats st;

	put("root/a.tusk-part", "part");
	link_at("elsewhere", "root/a.tusk-part.state");
	mkdir_at("root/b.tusk-part");
	put("root/b.tusk-part.state", "{}");
	assert_int_equal(tusk_sweep_root(root, &st), 0);
	assert_true(exists_at("root/a.tusk-part"));
	assert_true(exists_at("root/b.tusk-part.state"));
	assert_int_equal(st.removed, 0);
}

/* Deeper than TUSK_SWEEP_DEPTH_MAX levels: not walked, and said so. */
static void
test_depth_budget(void **state)
{
	char d[256] = "root", p[320];
	struct tusk_sweep_stats st;
	int i;

	for (i = 0; i <= TUSK_SWEEP_DEPTH_MAX; i++) {
		strcat(d, "/d");
		mkdir_at(d);
		if (i == TUSK_SWEEP_DEPTH_MAX - 1) {
			snprintf(p, sizeof(p), "%s/.in.tusk-tmp." HEX, d);
			put(p, "x");
		}
	}
	snprintf(p, sizeof(p), "%s/.deep.tusk-tmp." HEX, d);
	put(p, "x");
	assert_int_equal(tusk_sweep_root(root, &st), 0);
	assert_true(exists_at(p));
	assert_int_equal(st.removed, 1);
	assert_true(st.truncated);
}

/* A root another process (here: another handle) holds is not swept. */
static void
test_held_elsewhere(void **state)
{
	struct tusk_sweep_stats st;
	struct tusk_root *other;

	put("root/.up.tusk-tmp." HEX, "live upload");
	assert_int_equal(tusk_root_open(rootdir, &other), 0);
	assert_int_equal(tusk_root_hold(other), 0);
	assert_int_equal(tusk_sweep_root(root, &st), -EBUSY);
	assert_int_equal(st.removed, 0);
	assert_true(exists_at("root/.up.tusk-tmp." HEX));
	tusk_root_close(other);
	assert_int_equal(tusk_sweep_root(root, &st), 0);
	assert_false(exists_at("root/.up.tusk-tmp." HEX));
	/* held by this handle after its sweep: still held for others */
	assert_int_equal(tusk_root_hold(root), 0);
	assert_int_equal(tusk_root_open(rootdir, &other), 0);
	assert_int_equal(tusk_sweep_root(other, &st), -EBUSY);
	tusk_root_close(other);
}

/* The temporaries of one name only: not another name's, not the PUT
 * temporaries of the fetch's dest, not another directory's; a live
 * temporary from tusk_root_tmp_create() of that name is one of them. */
static void
test_tmps_of(void **state)
{
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
	int fd;

	mkdir_at("root/a");
	put("root/a/.x.tusk-part.state.tusk-tmp." HEX, "1");
	put("root/a/.x.tusk-part.state.tusk-tmp.fedcba9876543210", "2");
	put("root/a/.x.tusk-part.state.tusk-tmp.123", "a user's");
	put("root/a/.x.tusk-tmp." HEX, "a PUT of x");
	put("root/a/.y.tusk-part.state.tusk-tmp." HEX, "y's");
	put("root/a/x.tusk-part.state", "{}");
	put("root/.x.tusk-part.state.tusk-tmp." HEX, "another dir");
	link_at("../../outside", "root/a/.x.tusk-part.state.tusk-tmp."
		"0000000000000000");
	assert_int_equal(tusk_sweep_tmps_of(root, "a/x.tusk-part.state"), 2);
	assert_false(exists_at("root/a/.x.tusk-part.state.tusk-tmp." HEX));
	assert_true(exists_at("root/a/.x.tusk-part.state.tusk-tmp.123"));
	assert_true(exists_at("root/a/.x.tusk-tmp." HEX));
	assert_true(exists_at("root/a/.y.tusk-part.state.tusk-tmp." HEX));
	assert_true(exists_at("root/a/x.tusk-part.state"));
	assert_true(exists_at("root/.x.tusk-part.state.tusk-tmp." HEX));
	assert_true(exists_at("root/a/.x.tusk-part.state.tusk-tmp."
			      "0000000000000000"));
	/* the names tusk_root_tmp_create() makes are the ones swept */
	assert_int_equal(tusk_root_tmp_create(root, "a/x.tusk-part.state",
					      &fd, tmp, sizeof(tmp)), 0);
	close(fd);
	assert_int_equal(tusk_sweep_tmps_of(root, "a/x.tusk-part.state"), 1);
	assert_int_equal(tusk_sweep_tmps_of(root, "x.tusk-part.state"), 1);
	assert_int_equal(tusk_sweep_tmps_of(root, "../x"), -EINVAL);
	assert_int_equal(tusk_sweep_tmps_of(root, "no/x"), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_of),
		cmocka_unit_test_setup_teardown(test_root_nested, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pair_any_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_depth_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_held_elsewhere, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tmps_of, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
