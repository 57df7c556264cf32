/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A notebook job as a command, papermill-style: the session's parameters
 * become one code cell (tagged `injected-parameters`) inserted after the
 * cell tagged `parameters`, or first when there is none, so they override
 * the notebook's defaults. The notebook is then executed headless with
 * nbclient (what `jupyter nbconvert --execute` uses) inside the container,
 * and the executed notebook, errors and all, is written to /out.
 *
 *   tusk_launch_notebook_prepare() -> nb_load() -> params_cell()
 *        -> py_literal() per value -> in/notebook.ipynb, in/run.py
 *   tusk_launch_notebook_reason()  <- report/reason, "ValueError: ..."
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "launch_local.h"

/* A notebook is code and a few outputs; anything bigger is not one. */
#define NOTEBOOK_MAX (64u << 20)
/* Parameters are a handful of names and paths. */
#define PARAMS_SOURCE_MAX (256u << 10)
/* Nesting of a parameter's value (lists of lists ...). */
#define LITERAL_DEPTH_MAX 16
/* The name of a parameter is a Python identifier, at most this long. */
#define PARAM_NAME_MAX 64

/* Runs in the container: execute, always write the executed notebook,
 * report the first error as "Name: message". */
static const char runner_py[] =
	"import sys\n"
	"import nbformat\n"
	"from nbclient import NotebookClient\n"
	"from nbclient.exceptions import CellExecutionError\n"
	"src, dst, report = sys.argv[1:4]\n"
	"nb = nbformat.read(src, as_version=4)\n"
	"client = NotebookClient(nb, timeout=None, kernel_name='python3',\n"
	"                        resources={'metadata': {'path': '/out'}})\n"
	"reason = None\n"
	"try:\n"
	"    client.execute()\n"
	"except CellExecutionError as e:\n"
	"    reason = '%s: %s' % (e.ename, e.evalue)\n"
	"except Exception as e:\n"
	"    reason = '%s: %s' % (type(e).__name__, e)\n"
	"nbformat.write(nb, dst)\n"
	"for cell in nb.cells:\n"
	"    for out in cell.get('outputs', []):\n"
	"        if out.get('output_type') == 'stream':\n"
	"            sys.stdout.write(out.get('text', ''))\n"
	"sys.stdout.flush()\n"
	"if reason is not None:\n"
	"    reason = ' '.join(reason.split())[:240]\n"
	"    with open(report + '/reason', 'w') as f:\n"
	"        f.write(reason)\n"
	"    print('tusk-notebook: ' + reason, file=sys.stderr)\n"
	"    sys.exit(1)\n";

static const char *const py_keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await",
	"break", "class", "continue", "def", "del", "elif", "else", "except",
	"finally", "for", "from", "global", "if", "import", "in", "is",
	"lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
	"while", "with", "yield",
};

static bool
py_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PARAM_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	for (size_t i = 0; i < sizeof(py_keywords) / sizeof(py_keywords[0]); i++)
		if (strcmp(s, py_keywords[i]) == 0)
			return false;
	return true;
}

static int py_literal(FILE *f, const json_t *v, int depth);

static int
py_string(FILE *f, const char *s)
{
	/* A JSON string (\" \\ \n \uXXXX ..., raw UTF-8) is a valid Python
	 * string literal with the same value. */
	json_t *j = json_string(s);
	char *q = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	if (q == NULL)
		return -EINVAL;
	fputs(q, f);
	free(q);
	return 0;
}

static int
py_container(FILE *f, const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;
	bool first = true;
	int rc = 0;

	if (json_is_array(v)) {
		fputc('[', f);
		json_array_foreach(v, i, item) {
			fputs(i ? ", " : "", f);
			if ((rc = py_literal(f, item, depth + 1)) < 0)
				return rc;
		}
		fputc(']', f);
		return 0;
	}
	fputc('{', f);
	json_object_foreach((json_t *)v, key, item) {
		fputs(first ? "" : ", ", f);
		first = false;
		if ((rc = py_string(f, key)) < 0)
			return rc;
		fputs(": ", f);
		if ((rc = py_literal(f, item, depth + 1)) < 0)
			return rc;
	}
	fputc('}', f);
	return 0;
}

/* The Python literal of a JSON value: None/True/False, ints, floats that
 * stay floats (1.0, not 1), strings, lists, dicts. */
static int
py_literal(FILE *f, const json_t *v, int depth)
{
	char num[64];

	if (depth > LITERAL_DEPTH_MAX)
		return -E2BIG;
	switch (json_typeof(v)) {
	case JSON_NULL:
		fputs("None", f);
		return 0;
	case JSON_TRUE:
		fputs("True", f);
		return 0;
	case JSON_FALSE:
		fputs("False", f);
		return 0;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		return 0;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		fprintf(f, "%s%s", num, strpbrk(num, ".e") ? "" : ".0");
		return 0;
	case JSON_STRING:
		return py_string(f, json_string_value(v));
	default:
		return py_container(f, v, depth);
	}
}

static int
param_line(FILE *f, const char *name, const json_t *v, char *err,
	   size_t errlen)
{
	if (!py_name_ok(name)) {
		snprintf(err, errlen, "params: '%.64s' is not a Python name", name);
		return -EINVAL;
	}
	fprintf(f, "%s = ", name);
	if (py_literal(f, v, 0) < 0) {
		snprintf(err, errlen, "params: %s: nested deeper than %d",
			 name, LITERAL_DEPTH_MAX);
		return -EINVAL;
	}
	fputc('\n', f);
	return 0;
}

/* The source of the parameters cell; the container's paths win over any
 * parameter of the same name. */
static char *
params_source(const json_t *params, char *err, size_t errlen)
{
	const char *key;
	json_t *v, *fixed = json_pack("{s:s, s:s}", "data_dir", LAUNCH_DATA_MNT,
				      "out_dir", LAUNCH_OUT_MNT);
	size_t len = 0;
	char *src = NULL;
	FILE *f = open_memstream(&src, &len);
	int rc = 0;

	if (f == NULL || fixed == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	if (rc == 0 && params != NULL && !json_is_object(params)) {
		snprintf(err, errlen, "params: not an object");
		rc = -EINVAL;
	}
	if (rc == 0)
		fputs("# Parameters injected by tusk\n", f);
	json_object_foreach((json_t *)params, key, v)
		if (rc == 0 && json_object_get(fixed, key) == NULL)
			rc = param_line(f, key, v, err, errlen);
	json_object_foreach(fixed, key, v)
		if (rc == 0)
			rc = param_line(f, key, v, err, errlen);
	json_decref(fixed);
	if (f != NULL)
		fclose(f);
	if (rc == 0 && len > PARAMS_SOURCE_MAX) {
		snprintf(err, errlen, "params: more than %u bytes", PARAMS_SOURCE_MAX);
		rc = -E2BIG;
	}
	if (rc < 0) {
		free(src);
		return NULL;
	}
	return src;
}

static bool
tagged(const json_t *cell, const char *tag)
{
	json_t *tags = json_object_get(json_object_get(cell, "metadata"), "tags");
	json_t *t;
	size_t i;

	json_array_foreach(tags, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return true;
	return false;
}

static int
params_insert(json_t *nb, const char *src)
{
	json_t *cells = json_object_get(nb, "cells"), *c, *cell;
	size_t i, at = 0;

	json_array_foreach(cells, i, c)
		if (tagged(c, "parameters")) {
			at = i + 1;
			break;
		}
	cell = json_pack("{s:s, s:n, s:{s:[s]}, s:[], s:s}", "cell_type", "code",
			 "execution_count", "metadata", "tags",
			 "injected-parameters", "outputs", "source", src);
	if (cell == NULL)
		return -ENOMEM;
	/* nbformat 4.5 gives every cell an id ([a-zA-Z0-9-_]{1,64}). */
	if (json_integer_value(json_object_get(nb, "nbformat_minor")) >= 5)
		json_object_set_new(cell, "id", json_string("tusk-injected-parameters"));
	return json_array_insert_new(cells, at, cell) < 0 ? -ENOMEM : 0;
}

static json_t *
nb_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	struct stat st;
	json_t *nb;

	errno = 0;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "notebook %s: %s", path,
			 errno ? strerror(errno) : "not a file");
		return NULL;
	}
	if ((uint64_t)st.st_size > NOTEBOOK_MAX) {
		snprintf(err, errlen, "notebook %s: larger than %u MiB", path,
			 NOTEBOOK_MAX >> 20);
		return NULL;
	}
	nb = json_load_file(path, 0, &je);
	if (nb == NULL) {
		snprintf(err, errlen, "notebook %s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	if (json_integer_value(json_object_get(nb, "nbformat")) != 4 ||
	    !json_is_array(json_object_get(nb, "cells"))) {
		snprintf(err, errlen, "notebook %s: not an nbformat 4 notebook", path);
		json_decref(nb);
		return NULL;
	}
	return nb;
}

static int
put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	rc = fputs(text, f) < 0 ? -EIO : 0;
	return fclose(f) != 0 ? -EIO : rc;
}

static const char *
nb_basename(const char *path, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);

	if (n <= 6 || n > NAME_MAX || strcmp(base + n - 6, ".ipynb") != 0) {
		snprintf(err, errlen, "notebook %s: the name must end in .ipynb", path);
		return NULL;
	}
	return base;
}

/*
 * Write the parameterised notebook and the runner to in_dir; argv gets the
 * command that executes it in the container.
 */
int
tusk_launch_notebook_prepare(const struct tusk_job_spec *spec,
			     const char *in_dir, struct tusk_launch_argv *argv,
			     char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *base = nb_basename(spec->notebook, err, errlen);
	json_t *nb = base ? nb_load(spec->notebook, err, errlen) : NULL;
	char *src = nb ? params_source(spec->params, err, errlen) : NULL;
	int rc = src ? params_insert(nb, src) : -EINVAL;

	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	snprintf(path, sizeof(path), "%s/notebook.ipynb", in_dir);
	if (rc == 0 && json_dump_file(nb, path, JSON_INDENT(1)) < 0) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = -EIO;
	}
	if (rc == 0 && (rc = put_file(in_dir, "run.py", runner_py)) < 0)
		snprintf(err, errlen, "cannot write %s/run.py: %s", in_dir,
			 strerror(-rc));
	free(src);
	json_decref(nb);
	if (rc < 0)
		return rc;
	tusk_launch_argv_add(argv, "python3");
	tusk_launch_argv_add(argv, LAUNCH_IN_MNT "/run.py");
	tusk_launch_argv_add(argv, LAUNCH_IN_MNT "/notebook.ipynb");
	tusk_launch_argv_addf(argv, LAUNCH_OUT_MNT "/%s", base);
	tusk_launch_argv_add(argv, LAUNCH_REPORT_MNT);
	return argv->failed ? -ENOMEM : 0;
}

/* The notebook's error as the runner reported it, or "" if it did not. */
void
tusk_launch_notebook_reason(int dir_fd, char *reason, size_t len)
{
	int fd = openat(dir_fd, "report/reason", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = -1;

	reason[0] = '\0';
	if (fd >= 0) {
		n = read(fd, reason, len - 1);
		close(fd);
	}
	if (n <= 0)
		return;
	reason[n] = '\0';
	for (ssize_t i = 0; i < n; i++)	/* one line, whatever the job wrote */
		if (reason[i] == '\n' || reason[i] == '\r')
			reason[i] = ' ';
}
