/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskctl test: tusk-ctrld's scheduled tests (ctrl/pstask.h).
 *
 *   tuskctl [-s SOCKET] [--json] test submit TASK.json|-
 *                                test list
 *                                test show ID
 *                                test plot ID [PREFIX]
 *
 * `plot` draws the task's runs over time with gnuplot (throughput in
 * Gbit/s, RTT and jitter in ms, one panel each where the runs have them)
 * into PREFIX.png and PREFIX.svg (default task-ID), and prints their
 * names. SOCKET as for `tuskctl session`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tuskctl_session.h"
#include "tuskctl_test.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define TEST_ERR_MAX 512
#define TEST_PATH_MAX 4096
/* The picture: wide enough for a day of 5-minute runs to read. */
#define PLOT_WIDTH 1000
#define PLOT_HEIGHT 700

static void
test_usage(FILE *f)
{
	fprintf(f, "usage: tuskctl test submit TASK.json|- | list | show ID "
		"| plot ID [PREFIX]\n"
		"  TASK: {\"test\": {\"type\": \"throughput|latency|rtt\", "
		"\"spec\": {\"dest\": ...}},\n"
		"         \"schedule\": {\"repeat\": \"PT1H\", \"max-runs\": N, "
		"...}, \"archives\": [...]}\n");
}

static json_t *
request(int argc, char **argv)
{
	const char *cmd = argv[0];
	json_error_t je;
	json_t *task;

	if (strcmp(cmd, "list") == 0 && argc == 1)
		return json_pack("{s:s}", "cmd", "test_list");
	if ((strcmp(cmd, "show") == 0 || strcmp(cmd, "plot") == 0) &&
	    (argc == 2 || (argc == 3 && cmd[0] == 'p')))
		return json_pack("{s:s, s:s}", "cmd", "test_show", "id",
				 argv[1]);
	if (strcmp(cmd, "submit") != 0 || argc != 2)
		return NULL;
	task = strcmp(argv[1], "-") == 0 ? json_loadf(stdin, 0, &je) :
		json_load_file(argv[1], 0, &je);
	if (task == NULL) {
		fprintf(stderr, "tuskctl: %s:%d:%d: %s\n", argv[1], je.line,
			je.column, je.text);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "cmd", "test_submit", "task", task);
}

static void
print_list(json_t *list)
{
	json_t *t;
	size_t i;

	printf("%-5s %-11s %-20s %-5s %s\n", "ID", "TYPE", "DEST", "RUNS",
	       "STATE");
	json_array_foreach(list, i, t)
		printf("%-5lld %-11s %-20s %-5lld %s\n",
		       (long long)json_integer_value(json_object_get(t, "id")),
		       json_string_value(json_object_get(t, "type")),
		       json_string_value(json_object_get(t, "dest")),
		       (long long)json_integer_value(json_object_get(t, "runs")),
		       json_is_true(json_object_get(t, "done")) ?
		       json_string_value(json_object_get(t, "reason")) :
		       "scheduled");
}

static void
print_show(json_t *t)
{
	json_t *r;
	size_t i;

	print_list(json_pack("[O]", t));
	printf("\n%-4s %-9s %-24s %12s %10s %10s %6s %s\n", "RUN", "STATE",
	       "SCHEDULED (epoch s)", "GBIT/S", "RTT MS", "JITTER MS",
	       "LOST", "ARCHIVED");
	json_array_foreach(json_object_get(t, "results"), i, r)
		printf("%-4lld %-9s %-24.3f %12.3f %10.3f %10.3f %6.0f %s\n",
		       (long long)json_integer_value(json_object_get(r,
								  "index")),
		       json_string_value(json_object_get(r, "state")),
		       json_number_value(json_object_get(r, "scheduled")),
		       json_number_value(json_object_get(r,
						"throughput-bits")) / 1e9,
		       json_number_value(json_object_get(r, "rtt_ms")),
		       json_number_value(json_object_get(r, "jitter_ms")),
		       json_number_value(json_object_get(r, "lost")),
		       json_is_true(json_object_get(r, "archived")) ? "yes" :
		       json_string_value(json_object_get(r, "archive_error")));
}

/* The runs as columns for gnuplot: seconds since the first, Gbit/s, RTT
 * ms, jitter ms ("NaN" where a run has none). Which columns have data. */
static int
write_data(json_t *runs, FILE *f, bool has[3])
{
	static const char *const keys[] = {
		"throughput-bits", "rtt_ms", "jitter_ms",
	};
	static const double scale[] = { 1e-9, 1, 1 };
	double t0 = 0;
	int n = 0;
	json_t *r;
	size_t i;

	json_array_foreach(runs, i, r) {
		double t = json_number_value(json_object_get(r, "start"));

		if (!json_is_true(json_object_get(r, "succeeded")))
			continue;
		if (n++ == 0)
			t0 = t;
		fprintf(f, "%.3f", t - t0);
		for (unsigned int k = 0; k < 3; k++) {
			json_t *v = json_object_get(r, keys[k]);

			if (json_is_number(v)) {
				fprintf(f, " %.6f", json_number_value(v) *
					scale[k]);
				has[k] = true;
			} else {
				fprintf(f, " NaN");
			}
		}
		fprintf(f, "\n");
	}
	return n;
}

/* gnuplot's script: one terminal, one panel per figure the runs have. */
static void
write_script(FILE *f, const char *term, const char *out, const char *data,
	     const bool has[3], long long id)
{
	static const char *const labels[] = {
		"throughput (Gbit/s)", "RTT (ms)", "jitter (ms)",
	};
	int panels = has[0] + has[1] + has[2];

	fprintf(f, "set terminal %s size %d,%d\nset output '%s'\n", term,
		PLOT_WIDTH, PLOT_HEIGHT, out);
	fprintf(f, "set multiplot layout %d,1 title 'tusk task %lld'\n",
		panels, id);
	fprintf(f, "set grid\nset xlabel 'seconds since the first run'\n"
		"set key off\nset yrange [0:*]\n");
	for (int k = 0; k < 3; k++)
		if (has[k])
			fprintf(f, "set ylabel '%s'\nplot '%s' using 1:%d with "
				"linespoints pt 7\n", labels[k], data, k + 2);
	fprintf(f, "unset multiplot\n");
}

static int
gnuplot(const char *script)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		fprintf(stderr, "tuskctl: gnuplot: %s (Debian: gnuplot-nox)\n",
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* One picture: term (pngcairo or svg) into PREFIX.ext. */
static int
plot_one(const char *dir, const char *data, const bool has[3], long long id,
	 const char *term, const char *out)
{
	char script[TEST_PATH_MAX];
	FILE *f;

	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	f = fopen(script, "w");
	if (f == NULL)
		return -errno;
	write_script(f, term, out, data, has, id);
	fclose(f);
	return gnuplot(script);
}

static int
plot(json_t *task, const char *prefix)
{
	long long id = json_integer_value(json_object_get(task, "id"));
	char dir[] = "/tmp/tuskctl-plot.XXXXXX", data[TEST_PATH_MAX];
	char png[TEST_PATH_MAX], svg[TEST_PATH_MAX], def[64];
	bool has[3] = { false, false, false };
	int n, rc;
	FILE *f;

	snprintf(def, sizeof(def), "task-%lld", id);
	prefix = prefix ? prefix : def;
	snprintf(png, sizeof(png), "%s.png", prefix);
	snprintf(svg, sizeof(svg), "%s.svg", prefix);
	if (mkdtemp(dir) == NULL)
		return EXIT_FAIL;
	snprintf(data, sizeof(data), "%s/runs.dat", dir);
	f = fopen(data, "w");
	n = f ? write_data(json_object_get(task, "results"), f, has) : -1;
	if (f)
		fclose(f);
	rc = n > 0 ? plot_one(dir, data, has, id, "pngcairo", png) : -ENODATA;
	if (rc == 0)
		rc = plot_one(dir, data, has, id, "svg", svg);
	unlink(data);
	snprintf(data, sizeof(data), "%s/plot.gp", dir);
	unlink(data);
	rmdir(dir);
	if (rc < 0) {
		fprintf(stderr, "tuskctl: test plot: %s\n", n == 0 ?
			"no successful runs to plot" : "gnuplot failed");
		return EXIT_FAIL;
	}
	printf("%s\n%s\n", png, svg);
	return 0;
}

int
tuskctl_test(int argc, char **argv, const char *sock, bool as_json)
{
	json_t *req = argc > 0 ? request(argc, argv) : NULL, *resp, *res;
	char err[TEST_ERR_MAX];
	int rc = 0;

	if (req == NULL) {
		test_usage(stderr);
		return EXIT_USAGE;
	}
	resp = tuskctl_ctrld_call(sock, req, err, sizeof(err));
	if (resp == NULL) {
		fprintf(stderr, "tuskctl: test %s: %s\n", argv[0], err);
		return EXIT_FAIL;
	}
	res = json_object_get(resp, "result");
	if (strcmp(argv[0], "plot") == 0)
		rc = plot(res, argc == 3 ? argv[2] : NULL);
	else if (as_json)
		json_dumpf(res, stdout, JSON_COMPACT), printf("\n");
	else if (strcmp(argv[0], "list") == 0)
		print_list(res);
	else if (strcmp(argv[0], "show") == 0)
		print_show(res);
	else
		printf("%lld\n", (long long)json_integer_value(
			       json_object_get(res, "id")));
	json_decref(resp);
	return rc;
}
