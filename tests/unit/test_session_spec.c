/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session specs: a good one read whole; each bad one refused with the
 * error naming its field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rec_launcher.h"
#include "session_spec.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct tusk_ctrld_conf conf;

static int
setup(void **state)
{
	char err[512];

	return tusk_ctrld_conf_parse("ctrld.conf", "[ctrld]\n"
				     "[storage archive]\npath = /srv/a\n"
				     "[storage pilot]\ntype = swift\n"
				     "auth_url = http://s:8080/auth/v1.0\n"
				     "user = t:t\nkey = k\n"
				     "[launcher local]\ntype = rec\n", &conf,
				     &rec_factory, err, sizeof(err));
}

static int
teardown(void **state)
{
	tusk_ctrld_conf_free(&conf);
	return 0;
}

static const char good[] =
	"{\"name\": \"run42\","
	" \"source\": [\"http://10.77.0.1:8000/a.h5\","
	"              \"http://peer/x/b.dat?v=1\"],"
	" \"destination\": \"sets/run42\", \"streams\": 8,"
	" \"source_token\": \"eyJhIjoxfQ.e30.c2ln\","
	" \"checksum\": \"both\","
	" \"handoff\": [{\"storage\": \"archive\", \"path\": \"r42\"},"
	"               {\"type\": \"posix\", \"storage\": \"archive\","
	"                \"mode\": \"move\", \"overwrite\": true}],"
	" \"analysis\": [{\"launcher\": \"local\","
	"   \"job\": {\"notebook\": \"/srv/nb/s.ipynb\","
	"             \"params\": {\"bins\": 10}},"
	"   \"env\": {\"A\": \"1\"}, \"network\": true,"
	"   \"resources\": {\"memory_mb\": 512, \"cpus\": 1.5},"
	"   \"timeout_s\": 60},"
	"  {\"launcher\": \"local\", \"job\": {\"command\": [\"true\"]}}]}";

static void
test_good(void **state)
{
	struct tusk_session_spec s;
	char err[512] = "";

	assert_int_equal(tusk_session_spec_parse_text(good, &conf, &s, err,
						      sizeof(err)), 0);
	assert_string_equal(s.name, "run42");
	assert_null(s.dir_url);
	assert_int_equal(s.nurls, 2);
	assert_string_equal(s.urls[1], "http://peer/x/b.dat?v=1");
	assert_string_equal(s.destination, "sets/run42");
	assert_int_equal(s.streams, 8);
	assert_string_equal(s.source_token, "eyJhIjoxfQ.e30.c2ln");
	assert_int_equal(s.checksum, TUSK_CHECKSUM_BOTH);
	assert_int_equal(s.nhandoff, 2);
	assert_string_equal(s.handoff[0].storage->path, "/srv/a");
	assert_string_equal(s.handoff[0].path, "r42");
	assert_int_equal(s.handoff[0].mode, TUSK_HANDOFF_COPY);
	assert_false(s.handoff[0].overwrite);
	assert_int_equal(s.handoff[1].mode, TUSK_HANDOFF_MOVE);
	assert_true(s.handoff[1].overwrite);
	assert_int_equal(s.nanalysis, 2);
	assert_int_equal(s.analysis[0].kind, TUSK_JOB_NOTEBOOK);
	assert_string_equal(s.analysis[0].notebook, "/srv/nb/s.ipynb");
	assert_int_equal(json_integer_value(json_object_get(
		s.analysis[0].params, "bins")), 10);
	assert_string_equal(s.analysis[0].env[0], "A=1");
	assert_null(s.analysis[0].env[1]);
	assert_true(s.analysis[0].network);
	assert_int_equal(s.analysis[0].mem_bytes, 512ull << 20);
	assert_true(s.analysis[0].cpus == 1.5);
	assert_int_equal(s.analysis[0].timeout_s, 60);
	assert_int_equal(s.analysis[1].kind, TUSK_JOB_COMMAND);
	assert_string_equal(s.analysis[1].argv[0], "true");
	assert_null(s.analysis[1].argv[1]);
	tusk_session_spec_free(&s);

	/* a swift:// source */
	assert_int_equal(tusk_session_spec_parse_text(
		"{\"source\": \"swift://pilot/runs/run1/\", \"destination\": "
		"\"d\"}", &conf, &s, err, sizeof(err)), 0);
	assert_non_null(s.swift_src);
	assert_string_equal(s.swift_src->name, "pilot");
	assert_string_equal(s.dir_url, "swift://pilot/runs/run1/");
	tusk_session_spec_free(&s);

	/* a swift step: its storage's type, the default prefix */
	assert_int_equal(tusk_session_spec_parse_text(
		"{\"source\": [\"http://h/a\"], \"destination\": \"s/r1\","
		" \"handoff\": [{\"storage\": \"pilot\", \"container\": \"c\"},"
		" {\"type\": \"swift\", \"storage\": \"pilot\", \"container\":"
		" \"d\", \"prefix\": \"x/\", \"overwrite\": true}]}", &conf, &s,
		err, sizeof(err)), 0);
	assert_int_equal(s.handoff[0].storage->type, TUSK_STORAGE_SWIFT);
	assert_string_equal(s.handoff[0].container, "c");
	assert_string_equal(s.handoff[0].prefix, "s/r1/");
	assert_string_equal(s.handoff[1].container, "d");
	assert_string_equal(s.handoff[1].prefix, "x/");
	assert_true(s.handoff[1].overwrite);
	tusk_session_spec_free(&s);

	assert_int_equal(tusk_session_spec_parse_text(
		"{\"source\": \"http://h/d/\", \"destination\": \"d\"}", &conf,
		&s, err, sizeof(err)), 0);
	assert_string_equal(s.dir_url, "http://h/d/");
	assert_int_equal(s.checksum, TUSK_CHECKSUM_TARGET);
	tusk_session_spec_free(&s);
}

struct bad_case {
	const char *spec;
	const char *expect;
};

#define SRC "\"source\": [\"http://h/a\"], "
#define DST "\"destination\": \"d\""

static const struct bad_case bad_cases[] = {
	{ "[1]", "spec: not a JSON object" },
	{ "{", "spec: bad JSON at line 1 column 1: string or '}' expected "
	  "near end of file" },
	{ "{" DST "}", "source: required (a list of URLs or a directory URL "
	  "ending in '/')" },
	{ "{\"source\": [], " DST "}", "source: empty list" },
	{ "{\"source\": 5, " DST "}",
	  "source: a list of URLs or a directory URL ending in '/'" },
	{ "{\"source\": [\"http://h/a\", 3], " DST "}",
	  "source[1]: not a string" },
	{ "{\"source\": [\"https://h/a\"], " DST "}",
	  "source[0]: not an http://host/... URL: \"https://h/a\"" },
	{ "{\"source\": [\"http:///a\"], " DST "}",
	  "source[0]: not an http://host/... URL: \"http:///a\"" },
	{ "{\"source\": [\"http://h/\"], " DST "}",
	  "source[0]: the URL does not end in a plain file name" },
	{ "{\"source\": [\"http://h/.hidden\"], " DST "}",
	  "source[0]: the URL does not end in a plain file name" },
	{ "{\"source\": [\"http://h/x/a\", \"http://g/a\"], " DST "}",
	  "source[1]: file name \"a\" already comes from source[0]" },
	{ "{\"source\": \"http://h/dir\", " DST "}",
	  "source: a directory URL ends in '/' (or give a list of file URLs)" },
	{ "{" SRC "\"destination\": \"\"}",
	  "destination: not a non-empty string" },
	{ "{" SRC "\"destination\": \"../etc\"}",
	  "destination: escapes its root: \"..\" in \"../etc\" (a directory "
	  "under the data root)" },
	{ "{" SRC "\"destination\": \"a/../../b\"}",
	  "destination: escapes its root: \"..\" in \"a/../../b\" (a "
	  "directory under the data root)" },
	{ "{" SRC "\"destination\": \"/etc\"}",
	  "destination: escapes its root: absolute path \"/etc\" (a "
	  "directory under the data root)" },
	{ "{" SRC "\"destination\": \"a//b\"}",
	  "destination: \"a//b\": components must be plain names (letters, "
	  "digits, . _ - +, not starting with '.') (a directory under the "
	  "data root)" },
	{ "{" SRC DST ", \"source_token\": \"a\\r\\nX-Evil: 1\"}",
	  "source_token: not a bearer token (RFC 6750 b64token, at most 8192 "
	  "characters)" },
	{ "{" SRC DST ", \"source_token\": \"a b\"}",
	  "source_token: not a bearer token (RFC 6750 b64token, at most 8192 "
	  "characters)" },
	{ "{" SRC DST ", \"source_token\": 5}",
	  "source_token: not a non-empty string" },
	{ "{" SRC DST ", \"streams\": 0}", "streams: an integer 1..64" },
	{ "{" SRC DST ", \"streams\": \"4\"}", "streams: an integer 1..64" },
	{ "{" SRC DST ", \"checksum\": \"md5\"}",
	  "checksum: one of none, source, target, both" },
	{ "{" SRC DST ", \"colour\": 1}", "colour: unknown field" },
	{ "{" SRC DST ", \"handoff\": {}}", "handoff: a list of steps" },
	{ "{" SRC DST ", \"handoff\": [{}]}", "handoff[0].storage: required" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"tape\"}]}",
	  "handoff[0].storage: no [storage tape] in ctrld.conf" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"type\": \"s3\"}]}", "handoff[0].type: one of posix, swift" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"type\": \"swift\"}]}", "handoff[0].type: \"swift\", but "
	  "[storage archive] is type = posix" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"pilot\"}]}",
	  "handoff[0].container: required" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"pilot\", "
	  "\"container\": \"a/b\"}]}", "handoff[0].container: a Swift "
	  "container name (no '/', at most 256 bytes): \"a/b\"" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"pilot\", "
	  "\"container\": \"c\", \"prefix\": \"/x\"}]}", "handoff[0].prefix: "
	  "an object name prefix (not starting with '/', room for file "
	  "names)" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"pilot\", "
	  "\"container\": \"c\", \"mode\": \"move\"}]}", "handoff[0].path, "
	  "mode: not for a swift step (container, prefix)" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"container\": \"c\"}]}", "handoff[0].container, prefix: only "
	  "for a swift step" },
	{ "{\"source\": \"swift://pilot/\", " DST "}",
	  "source: not swift://STORAGE/CONTAINER/PREFIX: \"swift://pilot/\"" },
	{ "{\"source\": \"swift://tape/c/p/\", " DST "}",
	  "source: no [storage tape] type = swift in ctrld.conf" },
	{ "{\"source\": \"swift://archive/c/p/\", " DST "}",
	  "source: no [storage archive] type = swift in ctrld.conf" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"path\": \"../x\"}]}", "handoff[0].path: escapes its root: \"..\" "
	  "in \"../x\" (a directory under the storage's)" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"mode\": \"link\"}]}", "handoff[0].mode: one of copy, move" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"overwrite\": \"yes\"}]}", "handoff[0].overwrite: true or false" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"mode\": \"move\"}, {\"storage\": \"archive\"}]}",
	  "handoff[0].mode: \"move\" only as the last step" },
	{ "{" SRC DST ", \"handoff\": [{\"storage\": \"archive\", "
	  "\"when\": 1}]}", "handoff[0].when: unknown field" },
	{ "{" SRC DST ", \"analysis\": [{\"job\": {\"command\": [\"x\"]}}]}",
	  "analysis[0].launcher: required" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"mesos\", "
	  "\"job\": {\"command\": [\"x\"]}}]}",
	  "analysis[0].launcher: no [launcher mesos] in ctrld.conf" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\"}]}",
	  "analysis[0].job: required, an object with \"command\" or "
	  "\"notebook\"" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"], \"notebook\": \"/n\"}}]}",
	  "analysis[0].job: exactly one of \"command\" and \"notebook\"" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": []}}]}",
	  "analysis[0].job.command: a list of 1..64 strings" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\", 1]}}]}",
	  "analysis[0].job.command[1]: not a string" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"notebook\": \"rel.ipynb\"}}]}",
	  "analysis[0].job.notebook: an absolute path on this host" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"notebook\": \"/n\", \"params\": [1]}}]}",
	  "analysis[0].job.params: an object" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"], \"params\": {}}}]}",
	  "analysis[0].job.params: only with a notebook" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"], \"shell\": 1}}]}",
	  "analysis[0].job.shell: unknown field" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"]}, \"timeout_s\": 0}]}",
	  "analysis[0].timeout_s: an integer 1..604800" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"]}, \"resources\": {\"cpus\": -1}}]}",
	  "analysis[0].resources.cpus: a number in (0, 1024]" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"]}, \"env\": {\"A\": 1}}]}",
	  "analysis[0].env.A: a string value under a name without '='" },
	{ "{" SRC DST ", \"analysis\": [{\"launcher\": \"local\", \"job\": "
	  "{\"command\": [\"x\"]}, \"network\": 1}]}",
	  "analysis[0].network: true or false" },
};

static void
test_bad(void **state)
{
	struct tusk_session_spec s;
	char err[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad_cases); i++) {
		err[0] = '\0';
		assert_int_equal(tusk_session_spec_parse_text(
			bad_cases[i].spec, &conf, &s, err, sizeof(err)),
			-EINVAL);
		if (strcmp(err, bad_cases[i].expect) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 bad_cases[i].expect);
	}
}

static void
test_url_name(void **state)
{
	char n[64];

	assert_int_equal(tusk_spec_url_name("http://h/a/b.h5?x=1#f", n,
					    sizeof(n)), 0);
	assert_string_equal(n, "b.h5");
	assert_int_equal(tusk_spec_url_name("http://h/a/", n, sizeof(n)),
			 -EINVAL);
	assert_int_equal(tusk_spec_url_name("http://h/a%2fb", n, sizeof(n)),
			 -EINVAL);
	assert_int_equal(tusk_spec_url_name("http://h/..", n, sizeof(n)),
			 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_url_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
