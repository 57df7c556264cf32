/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld.conf: defaults, every key read, launchers' keys handed to their
 * conf_set, and each bad file rejected with one `file:line: key: reason`
 * line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctrld_conf.h"
#include "rec_launcher.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
test_defaults(void **state)
{
	struct tusk_ctrld_conf c;
	char err[512] = "";

	assert_int_equal(tusk_ctrld_conf_parse("ctrld.conf", "[ctrld]\n", &c,
					       &rec_factory, err, sizeof(err)),
			 0);
	assert_string_equal(c.tuskd_socket, "/run/tusk/tuskd.sock");
	assert_string_equal(c.control_socket, "/run/tusk/ctrld.sock");
	assert_string_equal(c.journal, "/var/lib/tusk-ctrld/journal.db");
	assert_string_equal(c.data_root, "/var/lib/tusk");
	assert_int_equal(c.max_transfers, 4);
	assert_int_equal(c.retries, 3);
	assert_int_equal(c.backoff_s, 2);
	assert_int_equal(c.backoff_max_s, 300);
	assert_int_equal(c.nstorage, 0);
	assert_int_equal(c.nlaunchers, 0);
	tusk_ctrld_conf_free(&c);
}

static const char good[] =
	"[launcher jobs]\n"		/* before [ctrld]: state_dir still used */
	"type = rec\n"
	"image = /srv/img\n"
	"runtime = bwrap\n"
	"[ctrld]\n"
	"tuskd_socket = /tmp/t.sock\n"
	"control_socket = c.sock\n"
	"journal = /tmp/j.db\n"
	"data_root = /srv/data\n"
	"state_dir = /srv/state\n"
	"max_transfers = 8\n"
	"retries = 5\n"
	"backoff_s = 1\n"
	"backoff_max_s = 10\n"
	"[storage archive]\n"
	"path = /srv/archive\n"
	"[storage scratch]\n"
	"type = posix\n"
	"path = scratch\n"
	"[storage pilot]\n"
	"type = swift\n"
	"auth_url = http://127.0.0.1:8080/auth/v1.0\n"
	"user = test:tester\n"
	"key = testing\n"
	"segment_mb = 64\n"
	"parallel = 8\n";

static void
test_good(void **state)
{
	struct tusk_ctrld_conf c;
	struct tusk_launcher *l;
	struct rec_launcher *r;
	char err[512] = "";

	assert_int_equal(tusk_ctrld_conf_parse("/etc/tusk/ctrld.conf", good, &c,
					       &rec_factory, err, sizeof(err)),
			 0);
	assert_string_equal(c.tuskd_socket, "/tmp/t.sock");
	assert_string_equal(c.control_socket, "/etc/tusk/c.sock");
	assert_string_equal(c.data_root, "/srv/data");
	assert_int_equal(c.max_transfers, 8);
	assert_int_equal(c.retries, 5);
	assert_int_equal(c.backoff_max_s, 10);
	assert_int_equal(c.nstorage, 3);
	assert_string_equal(tusk_ctrld_conf_storage(&c, "scratch")->path,
			    "/etc/tusk/scratch");
	{
		const struct tusk_ctrld_storage *p =
			tusk_ctrld_conf_storage(&c, "pilot");

		assert_int_equal(p->type, TUSK_STORAGE_SWIFT);
		assert_int_equal(p->swift.auth, 0);	/* tempauth */
		assert_string_equal(p->swift.auth_url,
				    "http://127.0.0.1:8080/auth/v1.0");
		assert_string_equal(p->swift.user, "test:tester");
		assert_string_equal(p->swift.key, "testing");
		assert_string_equal(p->swift.domain, "Default");
		assert_int_equal(p->swift.segment_mb, 64);
		assert_int_equal(p->swift.parallel, 8);
		assert_int_equal(p->swift.request_retries, 3);
		assert_int_equal(p->swift.request_retry_ms, 1000);
		assert_int_equal(p->swift.timeout_s, 600);
	}
	assert_null(tusk_ctrld_conf_storage(&c, "nope"));
	l = tusk_ctrld_conf_launcher(&c, "jobs");
	assert_non_null(l);
	assert_string_equal(l->state_dir, "/srv/state/jobs");
	r = rec_of(l);
	assert_true(r->done);
	assert_int_equal(r->nkeys, 2);
	assert_string_equal(r->keys[0], "image");
	assert_string_equal(r->values[0], "/srv/img");
	assert_string_equal(r->keys[1], "runtime");
	tusk_ctrld_conf_free(&c);
}

struct bad_case {
	const char *text;
	const char *expect;
};

static const struct bad_case bad_cases[] = {
	{ "[ctrld]\nmax_transfers = 65\n",
	  "c.conf:2: max_transfers: value 65 out of range [1, 64]" },
	{ "[ctrld]\nretries = x\n",
	  "c.conf:2: retries: value \"x\" is not a number" },
	{ "[ctrld]\nbogus = 1\n", "c.conf:2: bogus: unknown key" },
	{ "[ctrld]\nbackoff_s = 20\nbackoff_max_s = 10\n",
	  "c.conf:3: backoff_max_s: 10 is less than backoff_s 20" },
	{ "[ctrld x]\n", "c.conf:1: section [ctrld] takes no name" },
	{ "[storage]\npath = /x\n",
	  "c.conf:1: section [storage] needs a name: [storage NAME]" },
	{ "[storage a]\ntype = s3\npath = /x\n",
	  "c.conf:2: type: unknown value \"s3\" (expected one of: posix, "
	  "swift)" },
	{ "[storage a]\ntype = swift\npath = /x\n",
	  "c.conf:3: path: not a key of type = swift storage" },
	{ "[storage a]\npath = /x\nauth_url = http://s/auth/v1.0\n",
	  "c.conf:3: auth_url: not a key of type = posix storage" },
	{ "[storage a]\ntype = swift\nauth_url = http://s/auth/v1.0\n"
	  "user = t:t\n",
	  "c.conf:1: missing required key \"key\" in [storage a] (type = "
	  "swift)" },
	{ "[storage a]\ntype = swift\nauth = keystone3\nauth_url = "
	  "http://k/v3\nuser = u\nkey = k\n",
	  "c.conf:1: missing required key \"project\" in [storage a] (auth "
	  "= keystone3)" },
	{ "[storage a]\ntype = swift\nauth_url = http://s/auth/v1.0\n"
	  "user = t:t\nkey = k\nsegment_mb = 5121\n",
	  "c.conf:6: segment_mb: value 5121 out of range [1, 5120]" },
	{ "[storage a]\ntype = swift\nauth_url = http://s/auth/v1.0\n"
	  "user = t:t\nkey = k\nauth = v2\n",
	  "c.conf:6: auth: unknown value \"v2\" (expected one of: "
	  "tempauth, keystone3)" },
	{ "[storage a]\ntype = posix\n",
	  "c.conf:1: missing required key \"path\" in [storage a]" },
	{ "[store a]\n", "c.conf:1: unknown section [store a] (expected "
	  "[ctrld], [storage NAME] or [launcher NAME])" },
	{ "[launcher j]\ntype = marathon\n",
	  "c.conf:2: type: unknown launcher type \"marathon\"" },
	{ "[launcher j]\ntype = rec\ncolour = red\n",
	  "c.conf:3: colour: unknown key" },
	{ "[launcher j]\ntype = rec\nruntime = docker\n",
	  "c.conf:3: runtime: unknown runtime \"docker\"" },
	{ "[launcher j]\ntype = rec\n[launcher j]\ntype = rec\n",
	  "c.conf:3: duplicate section [launcher j] (first on line 1)" },
	{ "max_transfers = 2\n",
	  "c.conf:1: max_transfers: key outside a section" },
};

static void
test_bad(void **state)
{
	struct tusk_ctrld_conf c;
	char err[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad_cases); i++) {
		err[0] = '\0';
		assert_int_equal(tusk_ctrld_conf_parse("c.conf",
						       bad_cases[i].text, &c,
						       &rec_factory, err,
						       sizeof(err)), -EINVAL);
		if (strcmp(err, bad_cases[i].expect) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 bad_cases[i].expect);
	}
}

static void
test_no_launchers_in_build(void **state)
{
	struct tusk_ctrld_conf c;
	char err[512] = "";

	assert_int_equal(tusk_ctrld_conf_parse("c.conf", "[launcher j]\n"
					       "type = local\n", &c, NULL, err,
					       sizeof(err)), -EINVAL);
	assert_string_equal(err, "c.conf:2: type: this build of tusk-ctrld "
			    "has no launchers");
}

static void
test_unreadable(void **state)
{
	struct tusk_ctrld_conf c;
	char err[512] = "";

	assert_int_equal(tusk_ctrld_conf_load("/nonexistent/ctrld.conf", &c,
					      &rec_factory, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "/nonexistent/ctrld.conf: cannot open: No "
			    "such file or directory");
}

static void
test_json(void **state)
{
	struct tusk_ctrld_conf c;
	char err[512] = "";
	json_t *j;

	assert_int_equal(tusk_ctrld_conf_parse("/etc/c.conf", good, &c,
					       &rec_factory, err, sizeof(err)),
			 0);
	j = tusk_ctrld_conf_to_json(&c);
	assert_int_equal(json_integer_value(json_object_get(j,
						"max_transfers")), 8);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(json_object_get(j, "storage"), "archive"),
		"path")), "/srv/archive");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(json_object_get(j, "launchers"), "jobs"),
		"type")), "rec");
	/* a Swift storage: its own keys, the key itself never shown */
	{
		json_t *p = json_object_get(json_object_get(j, "storage"),
					    "pilot");

		assert_string_equal(json_string_value(json_object_get(p,
				    "type")), "swift");
		assert_string_equal(json_string_value(json_object_get(p,
				    "key")), "(hidden)");
		assert_null(json_object_get(p, "path"));
		assert_int_equal(json_integer_value(json_object_get(p,
				 "segment_mb")), 64);
		assert_null(json_object_get(json_object_get(json_object_get(j,
				 "storage"), "archive"), "auth_url"));
	}
	json_decref(j);
	tusk_ctrld_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_no_launchers_in_build),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
