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
#include "root_tree.h"
#include "sweep.h"

#define HEX "0123456789abcdef"

static int
setup(void **state)
{
	return rt_open("sweep");
}

static int
teardown(void **state)
{
	return rt_close();
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
	rt_put(AT(".up.bin.tusk-tmp." HEX), "half an upload");
	rt_put(AT(".p.bin.tusk-part.state.tusk-tmp.fedcba9876543210"), "{\"fo");
	rt_put(AT("orphan.bin.tusk-part"), "no record");
	rt_put(AT("gone.bin.tusk-part.state"), "{}");
	rt_put(AT("p.bin.tusk-part"), "paused part");
	rt_put(AT("p.bin.tusk-part.state"),
	       "{\"format\": \"tusk-fetch-state\"}");
	rt_put(AT("up.bin"), "the old file");
	rt_put(AT("f.tusk-tmp." HEX), "a user's");
	rt_put(AT(".f.tusk-tmp.123"), "a user's");
	rt_put(AT(".tusk-part"), "a user's");
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
		if (rt_exists(p) == removed)
			fail_msg("%s: %s", p, removed ? "not removed" :
				 "removed");
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", d, kept[i]);
		if (!rt_exists(p))
			fail_msg("%s: removed, but it is not debris", p);
	}
}

/* Debris at the top and nested three deep: removed, with its bytes
 * counted; the rest kept. A second sweep finds nothing. */
static void
test_root_nested(void **state)
{
	struct tusk_sweep_stats st;

	rt_mkdir("root/a");
	rt_mkdir("root/a/b");
	rt_mkdir("root/a/b/c");
	plant("root");
	plant("root/a/b/c");
	assert_int_equal(tusk_sweep_root(rt_root, &st), 0);
	check_swept("root", true);
	check_swept("root/a/b/c", true);
	assert_int_equal(st.removed, 8);
	/* "half an upload" 14, "{\"fo" 4, "no record" 9, "{}" 2 */
	assert_int_equal(st.bytes, 2 * (14 + 4 + 9 + 2));
	assert_int_equal(st.failed, 0);
	assert_false(st.truncated);
	assert_true(st.examined >= 2 * 10 + 3);
	assert_int_equal(tusk_sweep_root(rt_root, &st), 0);
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
	rt_put("outside/target", "outside");
	rt_link("../outside", "root/link_out");
	rt_link("../outside/target", "root/.l.tusk-tmp." HEX);
	rt_link("/etc/passwd", "root/passwd.tusk-part");
	rt_link("../outside/orphan.bin.tusk-part", "root/o.tusk-part");
	rt_mkdir("root/.d.tusk-tmp." HEX);   /* a directory: entered, kept */
	rt_put("root/.d.tusk-tmp." HEX "/.x.tusk-tmp." HEX, "debris");
	assert_int_equal(tusk_sweep_root(rt_root, &st), 0);
	check_swept("outside", false);
	assert_true(rt_exists("outside/target"));
	assert_true(rt_exists("root/.l.tusk-tmp." HEX));
	assert_true(rt_exists("root/passwd.tusk-part"));
	assert_true(rt_exists("root/o.tusk-part"));
	assert_true(rt_exists("root/.d.tusk-tmp." HEX));
	assert_false(rt_exists("root/.d.tusk-tmp." HEX "/.x.tusk-tmp." HEX));
	assert_int_equal(st.removed, 1);
}

/* A part whose record is a link (or the other way round) is kept: in
 * doubt, nothing is removed. */
static void
test_pair_any_type(void **state)
{
	struct tusk_sweep_stats st;

	rt_put("root/a.tusk-part", "part");
	rt_link("elsewhere", "root/a.tusk-part.state");
	rt_mkdir("root/b.tusk-part");
	rt_put("root/b.tusk-part.state", "{}");
	assert_int_equal(tusk_sweep_root(rt_root, &st), 0);
	assert_true(rt_exists("root/a.tusk-part"));
	assert_true(rt_exists("root/b.tusk-part.state"));
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
		rt_mkdir(d);
		if (i == TUSK_SWEEP_DEPTH_MAX - 1) {
			snprintf(p, sizeof(p), "%s/.in.tusk-tmp." HEX, d);
			rt_put(p, "x");
		}
	}
	snprintf(p, sizeof(p), "%s/.deep.tusk-tmp." HEX, d);
	rt_put(p, "x");
	assert_int_equal(tusk_sweep_root(rt_root, &st), 0);
	assert_true(rt_exists(p));
	assert_int_equal(st.removed, 1);
	assert_true(st.truncated);
}

/* A root another process (here: another handle) holds is not swept. */
static void
test_held_elsewhere(void **state)
{
	struct tusk_sweep_stats st;
	struct tusk_root *other;

	rt_put("root/.up.tusk-tmp." HEX, "live upload");
	assert_int_equal(tusk_root_open(rt_rootdir, &other), 0);
	assert_int_equal(tusk_root_hold(other), 0);
	assert_int_equal(tusk_sweep_root(rt_root, &st), -EBUSY);
	assert_int_equal(st.removed, 0);
	assert_true(rt_exists("root/.up.tusk-tmp." HEX));
	tusk_root_close(other);
	assert_int_equal(tusk_sweep_root(rt_root, &st), 0);
	assert_false(rt_exists("root/.up.tusk-tmp." HEX));
	/* held by this handle after its sweep: still held for others */
	assert_int_equal(tusk_root_hold(rt_root), 0);
	assert_int_equal(tusk_root_open(rt_rootdir, &other), 0);
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

	rt_mkdir("root/a");
	rt_put("root/a/.x.tusk-part.state.tusk-tmp." HEX, "1");
	rt_put("root/a/.x.tusk-part.state.tusk-tmp.fedcba9876543210", "2");
	rt_put("root/a/.x.tusk-part.state.tusk-tmp.123", "a user's");
	rt_put("root/a/.x.tusk-tmp." HEX, "a PUT of x");
	rt_put("root/a/.y.tusk-part.state.tusk-tmp." HEX, "y's");
	rt_put("root/a/x.tusk-part.state", "{}");
	rt_put("root/.x.tusk-part.state.tusk-tmp." HEX, "another dir");
	rt_link("../../outside", "root/a/.x.tusk-part.state.tusk-tmp."
		"0000000000000000");
	assert_int_equal(tusk_sweep_tmps_of(rt_root, "a/x.tusk-part.state"), 2);
	assert_false(rt_exists("root/a/.x.tusk-part.state.tusk-tmp." HEX));
	assert_true(rt_exists("root/a/.x.tusk-part.state.tusk-tmp.123"));
	assert_true(rt_exists("root/a/.x.tusk-tmp." HEX));
	assert_true(rt_exists("root/a/.y.tusk-part.state.tusk-tmp." HEX));
	assert_true(rt_exists("root/a/x.tusk-part.state"));
	assert_true(rt_exists("root/.x.tusk-part.state.tusk-tmp." HEX));
	assert_true(rt_exists("root/a/.x.tusk-part.state.tusk-tmp."
			      "0000000000000000"));
	/* the names tusk_root_tmp_create() makes are the ones swept */
	assert_int_equal(tusk_root_tmp_create(rt_root, "a/x.tusk-part.state",
					      &fd, tmp, sizeof(tmp)), 0);
	close(fd);
	assert_int_equal(tusk_sweep_tmps_of(rt_root, "a/x.tusk-part.state"), 1);
	assert_int_equal(tusk_sweep_tmps_of(rt_root, "x.tusk-part.state"), 1);
	assert_int_equal(tusk_sweep_tmps_of(rt_root, "../x"), -EINVAL);
	assert_int_equal(tusk_sweep_tmps_of(rt_root, "no/x"), -ENOENT);
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
