/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session_spec: checking a submitted spec, field by field.
 *
 *   tusk_session_spec_parse() -> check_keys() -> parse_source()
 *     -> parse_destination() -> parse_handoff() -> parse_analysis()
 *                                                  -> parse_job()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_err.h"
#include "session_spec.h"
#include "source_swift.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const checksum_names[] = { "none", "source", "target",
					      "both" };

const char *
tusk_spec_checksum_policy_name(enum tusk_checksum_policy p)
{
	return (unsigned int)p < ARRAY_LEN(checksum_names) ?
		checksum_names[p] : "?";
}

#define bad tusk_ctrl_err

/* Unknown fields are errors: a typo ("overwite") must not be ignored. */
static int
check_keys(json_t *o, const char *where, const char *const *known,
	   char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return bad(err, errlen, "%s%s%s: unknown field", where,
				   where[0] ? "." : "", key);
	}
	return 0;
}

static bool
plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '+';
}

static bool
plain_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!plain_char(s[i]))
			return false;
	return true;
}

int
tusk_spec_rel_path(const char *path, char *why, size_t len)
{
	const char *p = path, *slash;

	if (path[0] == '/')
		return bad(why, len, "escapes its root: absolute path \"%.200s\"",
			   path);
	if (strlen(path) >= TUSK_SPEC_PATH_MAX)
		return bad(why, len, "longer than %d bytes",
			   TUSK_SPEC_PATH_MAX - 1);
	while (*p != '\0') {
		slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if ((n == 2 && p[0] == '.' && p[1] == '.'))
			return bad(why, len, "escapes its root: \"..\" in "
				   "\"%.200s\"", path);
		if (!plain_name(p, n))
			return bad(why, len, "\"%.200s\": components must be "
				   "plain names (letters, digits, . _ - +, not "
				   "starting with '.')", path);
		p += n + (slash != NULL);
	}
	return 0;
}

int
tusk_spec_url_name(const char *url, char *name, size_t len)
{
	const char *end = url + strcspn(url, "?#"), *seg = end;

	while (seg > url && seg[-1] != '/')
		seg--;
	if (!plain_name(seg, (size_t)(end - seg)) ||
	    (size_t)(end - seg) >= len)
		return -EINVAL;
	memcpy(name, seg, (size_t)(end - seg));
	name[end - seg] = '\0';
	return 0;
}

/* tuskd's fetch client speaks HTTP/1.1 without TLS. */
static int
check_url(const char *url, const char *where, char *err, size_t errlen)
{
	if (strncmp(url, "http://", 7) != 0 || url[7] == '\0' ||
	    url[7] == '/')
		return bad(err, errlen, "%s: not an http://host/... URL: "
			   "\"%.200s\"", where, url);
	if (strlen(url) >= TUSK_JOURNAL_URL_MAX)
		return bad(err, errlen, "%s: URL longer than %d bytes", where,
			   TUSK_JOURNAL_URL_MAX - 1);
	return 0;
}

static int
parse_urls(json_t *src, struct tusk_session_spec *spec, char *err,
	   size_t errlen)
{
	char where[32], name[TUSK_JOURNAL_NAME_MAX], other[TUSK_JOURNAL_NAME_MAX];
	size_t i, k, n = json_array_size(src);

	if (n == 0)
		return bad(err, errlen, "source: empty list");
	if (n > TUSK_SPEC_FILES_MAX)
		return bad(err, errlen, "source: %zu files, at most %d", n,
			   TUSK_SPEC_FILES_MAX);
	spec->urls = calloc(n, sizeof(*spec->urls));
	if (spec->urls == NULL)
		return bad(err, errlen, "source: out of memory");
	for (i = 0; i < n; i++) {
		const char *u = json_string_value(json_array_get(src, i));

		snprintf(where, sizeof(where), "source[%zu]", i);
		if (u == NULL)
			return bad(err, errlen, "%s: not a string", where);
		if (check_url(u, where, err, errlen) < 0)
			return -EINVAL;
		if (tusk_spec_url_name(u, name, sizeof(name)) < 0)
			return bad(err, errlen, "%s: the URL does not end in a "
				   "plain file name", where);
		for (k = 0; k < i; k++) {
			tusk_spec_url_name(spec->urls[k], other, sizeof(other));
			if (strcmp(name, other) == 0)
				return bad(err, errlen, "%s: file name \"%s\" "
					   "already comes from source[%zu]",
					   where, name, k);
		}
		spec->urls[i] = u;
	}
	spec->nurls = (unsigned int)n;
	return 0;
}

/* swift://STORAGE/CONTAINER/PREFIX: STORAGE a type = swift storage. */
static int
parse_swift_source(const char *url, const struct tusk_ctrld_conf *conf,
		   struct tusk_session_spec *spec, char *err, size_t errlen)
{
	struct tusk_source_swift_url u;
	char why[TUSK_SPEC_ERR_MAX];

	if (tusk_source_swift_url(url, &u, why, sizeof(why)) < 0)
		return bad(err, errlen, "source: %s", why);
	if (strlen(url) >= TUSK_JOURNAL_URL_MAX)
		return bad(err, errlen, "source: URL longer than %d bytes",
			   TUSK_JOURNAL_URL_MAX - 1);
	spec->swift_src = tusk_ctrld_conf_storage(conf, u.storage);
	if (spec->swift_src == NULL ||
	    spec->swift_src->type != TUSK_STORAGE_SWIFT)
		return bad(err, errlen, "source: no [storage %s] type = swift "
			   "in %s", u.storage, conf->path);
	spec->dir_url = url;
	return 0;
}

static int
parse_source(json_t *o, const struct tusk_ctrld_conf *conf,
	     struct tusk_session_spec *spec, char *err, size_t errlen)
{
	json_t *src = json_object_get(o, "source");
	const char *dir = json_string_value(src);

	if (src == NULL)
		return bad(err, errlen, "source: required (a list of URLs or "
			   "a directory URL ending in '/')");
	if (json_is_array(src))
		return parse_urls(src, spec, err, errlen);
	if (dir == NULL)
		return bad(err, errlen, "source: a list of URLs or a directory "
			   "URL ending in '/'");
	if (strncmp(dir, TUSK_SOURCE_SWIFT_SCHEME,
		    strlen(TUSK_SOURCE_SWIFT_SCHEME)) == 0)
		return parse_swift_source(dir, conf, spec, err, errlen);
	if (check_url(dir, "source", err, errlen) < 0)
		return -EINVAL;
	if (dir[strlen(dir) - 1] != '/')
		return bad(err, errlen, "source: a directory URL ends in '/' "
			   "(or give a list of file URLs)");
	spec->dir_url = dir;
	return 0;
}

static int
get_string(json_t *o, const char *key, const char *where, bool required,
	   const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL && !required)
		return 0;
	if (v == NULL)
		return bad(err, errlen, "%s%s: required", where, key);
	*out = json_string_value(v);
	if (*out == NULL || (*out)[0] == '\0')
		return bad(err, errlen, "%s%s: not a non-empty string", where,
			   key);
	return 0;
}

/* source_token: a b64token (RFC 6750 2.1), which also keeps it from
 * splitting the request head tuskd writes it into. */
static int
parse_token(json_t *o, struct tusk_session_spec *spec, char *err,
	    size_t errlen)
{
	static const char b64token[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz"
				       "0123456789-._~+/";
	const char *t;
	size_t n;

	if (get_string(o, "source_token", "", false, &t, err, errlen) < 0)
		return -EINVAL;
	if (t == NULL)
		return 0;
	n = strspn(t, b64token);
	n += strspn(t + n, "=");
	if (n == 0 || t[n] != '\0' || n > TUSK_SPEC_TOKEN_MAX)
		return bad(err, errlen, "source_token: not a bearer token "
			   "(RFC 6750 b64token, at most %u characters)",
			   TUSK_SPEC_TOKEN_MAX);
	spec->source_token = t;
	return 0;
}

static int
get_uint(json_t *o, const char *key, const char *where, unsigned int min,
	 unsigned int max, unsigned int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (v == NULL)
		return 0;
	x = json_integer_value(v);
	if (!json_is_integer(v) || x < min || x > max)
		return bad(err, errlen, "%s%s: an integer %u..%u", where, key,
			   min, max);
	*out = (unsigned int)x;
	return 0;
}

static int
get_bool(json_t *o, const char *key, const char *where, bool *out,
	 char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return bad(err, errlen, "%s%s: true or false", where, key);
	*out = json_is_true(v);
	return 0;
}

static int
get_enum(json_t *o, const char *key, const char *where,
	 const char *const *names, size_t n, int *out, char *err,
	 size_t errlen)
{
	const char *s = json_string_value(json_object_get(o, key));
	size_t i;

	if (json_object_get(o, key) == NULL)
		return 0;
	for (i = 0; s != NULL && i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return bad(err, errlen, "%s%s: one of %s%s%s%s%s%s%s", where, key,
		   names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "",
		   n > 2 ? ", " : "", n > 2 ? names[2] : "",
		   n > 3 ? ", " : "", n > 3 ? names[3] : "");
}

static int
parse_destination(json_t *o, struct tusk_session_spec *spec, char *err,
		  size_t errlen)
{
	char why[TUSK_SPEC_ERR_MAX];
	const char *d;

	if (get_string(o, "destination", "", true, &d, err, errlen) < 0)
		return -EINVAL;
	if (tusk_spec_rel_path(d, why, sizeof(why)) < 0)
		return bad(err, errlen, "destination: %s (a directory under "
			   "the data root)", why);
	snprintf(spec->destination, sizeof(spec->destination), "%s", d);
	return 0;
}

/* A swift step's container and object name prefix (default: the
 * destination and a '/'). */
static int
parse_swift_step(json_t *h, const char *where, const char *destination,
		 struct tusk_spec_handoff *step, char *err, size_t errlen)
{
	const char *c, *p;

	if (get_string(h, "container", where, true, &c, err, errlen) < 0 ||
	    get_string(h, "prefix", where, false, &p, err, errlen) < 0)
		return -EINVAL;
	if (strlen(c) >= sizeof(step->container) || strchr(c, '/') != NULL)
		return bad(err, errlen, "%scontainer: a Swift container name "
			   "(no '/', at most %d bytes): \"%.64s\"", where,
			   TUSK_SPEC_CONTAINER_MAX - 1, c);
	if (p == NULL) {
		snprintf(step->prefix, sizeof(step->prefix), "%s/",
			 destination);
	} else if (strlen(p) + TUSK_JOURNAL_NAME_MAX >= sizeof(step->prefix) ||
		   p[0] == '/') {
		return bad(err, errlen, "%sprefix: an object name prefix (not "
			   "starting with '/', room for file names)", where);
	} else {
		snprintf(step->prefix, sizeof(step->prefix), "%s", p);
	}
	snprintf(step->container, sizeof(step->container), "%s", c);
	return 0;
}

static int
parse_handoff_step(json_t *h, unsigned int i, const struct tusk_ctrld_conf *conf,
		   const char *destination, struct tusk_spec_handoff *step,
		   char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "storage", "path", "mode",
					    "overwrite", "container", "prefix",
					    NULL };
	static const char *const types[] = { "posix", "swift" };
	static const char *const modes[] = { "copy", "move" };
	char where[32], why[TUSK_SPEC_ERR_MAX];
	const char *name, *path;
	int type = -1, mode = TUSK_HANDOFF_COPY;

	snprintf(where, sizeof(where), "handoff[%u]", i);
	if (!json_is_object(h))
		return bad(err, errlen, "%s: not an object", where);
	if (check_keys(h, where, keys, err, errlen) < 0)
		return -EINVAL;
	strcat(where, ".");
	if (get_enum(h, "type", where, types, 2, &type, err, errlen) < 0 ||
	    get_string(h, "storage", where, true, &name, err, errlen) < 0 ||
	    get_bool(h, "overwrite", where, &step->overwrite, err, errlen) < 0)
		return -EINVAL;
	step->storage = tusk_ctrld_conf_storage(conf, name);
	if (step->storage == NULL)
		return bad(err, errlen, "%sstorage: no [storage %s] in %s",
			   where, name, conf->path);
	if (type >= 0 && (uint32_t)type != step->storage->type)
		return bad(err, errlen, "%stype: \"%s\", but [storage %s] is "
			   "type = %s", where, types[type], name,
			   types[step->storage->type]);
	if (step->storage->type == TUSK_STORAGE_SWIFT) {
		if (json_object_get(h, "path") || json_object_get(h, "mode"))
			return bad(err, errlen, "%spath, mode: not for a swift "
				   "step (container, prefix)", where);
		return parse_swift_step(h, where, destination, step, err,
					errlen);
	}
	if (json_object_get(h, "container") || json_object_get(h, "prefix"))
		return bad(err, errlen, "%scontainer, prefix: only for a swift "
			   "step", where);
	if (get_string(h, "path", where, false, &path, err, errlen) < 0 ||
	    get_enum(h, "mode", where, modes, 2, &mode, err, errlen) < 0)
		return -EINVAL;
	if (path != NULL && tusk_spec_rel_path(path, why, sizeof(why)) < 0)
		return bad(err, errlen, "%spath: %s (a directory under the "
			   "storage's)", where, why);
	snprintf(step->path, sizeof(step->path), "%s", path ? path : "");
	step->mode = (enum tusk_handoff_mode)mode;
	return 0;
}

static int
parse_handoff(json_t *o, const struct tusk_ctrld_conf *conf,
	      struct tusk_session_spec *spec, char *err, size_t errlen)
{
	json_t *a = json_object_get(o, "handoff");
	size_t i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return bad(err, errlen, "handoff: a list of steps");
	if (json_array_size(a) > TUSK_SPEC_STEPS_MAX)
		return bad(err, errlen, "handoff: at most %d steps",
			   TUSK_SPEC_STEPS_MAX);
	for (i = 0; i < json_array_size(a); i++) {
		if (parse_handoff_step(json_array_get(a, i), (unsigned int)i,
				       conf, spec->destination,
				       &spec->handoff[i], err, errlen) < 0)
			return -EINVAL;
		/* a later step copies from the data root: it must still be
		 * there */
		if (spec->handoff[i].mode == TUSK_HANDOFF_MOVE &&
		    i + 1 < json_array_size(a))
			return bad(err, errlen, "handoff[%zu].mode: \"move\" "
				   "only as the last step", i);
	}
	spec->nhandoff = (unsigned int)json_array_size(a);
	return 0;
}

/* "KEY=VALUE" strings from an object of strings. */
static int
parse_env(json_t *env, const char *where, struct tusk_spec_analysis *a,
	  char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	if (env == NULL)
		return 0;
	if (!json_is_object(env) || json_object_size(env) > TUSK_SPEC_ENV_MAX)
		return bad(err, errlen, "%senv: an object of at most %d "
			   "strings", where, TUSK_SPEC_ENV_MAX);
	json_object_foreach(env, key, v) {
		if (!json_is_string(v) || key[0] == '\0' || strchr(key, '='))
			return bad(err, errlen, "%senv.%s: a string value "
				   "under a name without '='", where, key);
		if (asprintf(&a->env[n++], "%s=%s", key,
			     json_string_value(v)) < 0)
			return bad(err, errlen, "%senv: out of memory", where);
	}
	return 0;
}

static int
parse_job(json_t *job, const char *where, struct tusk_spec_analysis *a,
	  char *err, size_t errlen)
{
	static const char *const keys[] = { "command", "notebook", "params",
					    NULL };
	json_t *cmd = json_object_get(job, "command");
	char at[48];
	size_t i;

	if (!json_is_object(job))
		return bad(err, errlen, "%sjob: required, an object with "
			   "\"command\" or \"notebook\"", where);
	snprintf(at, sizeof(at), "%sjob", where);
	if (check_keys(job, at, keys, err, errlen) < 0)
		return -EINVAL;
	if ((cmd != NULL) == (json_object_get(job, "notebook") != NULL))
		return bad(err, errlen, "%sjob: exactly one of \"command\" and "
			   "\"notebook\"", where);
	if (cmd != NULL) {
		if (!json_is_array(cmd) || json_array_size(cmd) == 0 ||
		    json_array_size(cmd) > TUSK_SPEC_ARGV_MAX)
			return bad(err, errlen, "%sjob.command: a list of 1..%d "
				   "strings", where, TUSK_SPEC_ARGV_MAX);
		for (i = 0; i < json_array_size(cmd); i++) {
			a->argv[i] = json_string_value(json_array_get(cmd, i));
			if (a->argv[i] == NULL)
				return bad(err, errlen, "%sjob.command[%zu]: "
					   "not a string", where, i);
		}
		a->kind = TUSK_JOB_COMMAND;
		return json_object_get(job, "params") == NULL ? 0 :
			bad(err, errlen, "%sjob.params: only with a notebook",
			    where);
	}
	a->kind = TUSK_JOB_NOTEBOOK;
	a->notebook = json_string_value(json_object_get(job, "notebook"));
	if (a->notebook == NULL || a->notebook[0] != '/')
		return bad(err, errlen, "%sjob.notebook: an absolute path on "
			   "this host", where);
	a->params = json_object_get(job, "params");
	if (a->params != NULL && !json_is_object(a->params))
		return bad(err, errlen, "%sjob.params: an object", where);
	return 0;
}

static int
parse_resources(json_t *r, const char *where, struct tusk_spec_analysis *a,
		char *err, size_t errlen)
{
	static const char *const keys[] = { "memory_mb", "cpus", NULL };
	unsigned int mb = 0;
	json_t *cpus;

	if (r == NULL)
		return 0;
	if (!json_is_object(r) || check_keys(r, "resources", keys, err,
					     errlen) < 0)
		return bad(err, errlen, "%sresources: an object of memory_mb "
			   "and cpus", where);
	if (get_uint(r, "memory_mb", "resources.", 1, TUSK_SPEC_MEMORY_MAX_MB,
		     &mb, err, errlen) < 0)
		return -EINVAL;
	a->mem_bytes = (uint64_t)mb << 20;
	cpus = json_object_get(r, "cpus");
	if (cpus != NULL && (!json_is_number(cpus) ||
			     json_number_value(cpus) <= 0 ||
			     json_number_value(cpus) > 1024))
		return bad(err, errlen, "%sresources.cpus: a number in (0, "
			   "1024]", where);
	a->cpus = cpus ? json_number_value(cpus) : 0;
	return 0;
}

/* An image in Swift: a root file system tar for the local launcher. */
static int
parse_swift_image(struct tusk_spec_analysis *a, const char *where,
		  const struct tusk_ctrld_conf *conf, char *err, size_t errlen)
{
	struct tusk_source_swift_url u;
	char why[TUSK_SPEC_ERR_MAX];

	if (a->image == NULL || strncmp(a->image, TUSK_SOURCE_SWIFT_SCHEME,
					strlen(TUSK_SOURCE_SWIFT_SCHEME)) != 0)
		return 0;
	if (tusk_source_swift_url(a->image, &u, why, sizeof(why)) < 0)
		return bad(err, errlen, "%simage: %s", where, why);
	a->image_swift = tusk_ctrld_conf_storage(conf, u.storage);
	if (a->image_swift == NULL || a->image_swift->type != TUSK_STORAGE_SWIFT)
		return bad(err, errlen, "%simage: no [storage %s] type = swift "
			   "in %s", where, u.storage, conf->path);
	if (strcmp(a->launcher->ops->type, "local") != 0)
		return bad(err, errlen, "%simage: a swift:// image is a root "
			   "file system for a local launcher, not %s", where,
			   a->launcher->ops->type);
	return 0;
}

static int
parse_analysis_step(json_t *s, unsigned int i,
		    const struct tusk_ctrld_conf *conf,
		    struct tusk_spec_analysis *a, char *err, size_t errlen)
{
	static const char *const keys[] = { "launcher", "job", "image",
					    "network", "env", "resources",
					    "timeout_s", NULL };
	char where[32];
	const char *name;

	snprintf(where, sizeof(where), "analysis[%u]", i);
	if (!json_is_object(s))
		return bad(err, errlen, "%s: not an object", where);
	if (check_keys(s, where, keys, err, errlen) < 0)
		return -EINVAL;
	strcat(where, ".");
	if (get_string(s, "launcher", where, true, &name, err, errlen) < 0)
		return -EINVAL;
	a->launcher = tusk_ctrld_conf_launcher(conf, name);
	if (a->launcher == NULL)
		return bad(err, errlen, "%slauncher: no [launcher %s] in %s",
			   where, name, conf->path);
	if (parse_job(json_object_get(s, "job"), where, a, err, errlen) < 0 ||
	    get_string(s, "image", where, false, &a->image, err, errlen) < 0 ||
	    get_bool(s, "network", where, &a->network, err, errlen) < 0 ||
	    parse_env(json_object_get(s, "env"), where, a, err, errlen) < 0 ||
	    parse_resources(json_object_get(s, "resources"), where, a, err,
			    errlen) < 0 ||
	    get_uint(s, "timeout_s", where, 1, TUSK_SPEC_TIMEOUT_MAX_S,
		     &a->timeout_s, err, errlen) < 0)
		return -EINVAL;
	return parse_swift_image(a, where, conf, err, errlen);
}

static int
parse_analysis(json_t *o, const struct tusk_ctrld_conf *conf,
	       struct tusk_session_spec *spec, char *err, size_t errlen)
{
	json_t *a = json_object_get(o, "analysis");
	size_t i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > TUSK_SPEC_STEPS_MAX)
		return bad(err, errlen, "analysis: a list of at most %d steps",
			   TUSK_SPEC_STEPS_MAX);
	for (i = 0; i < json_array_size(a); i++) {
		spec->nanalysis = (unsigned int)i + 1; /* env freed on error */
		if (parse_analysis_step(json_array_get(a, i), (unsigned int)i,
					conf, &spec->analysis[i], err,
					errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

static int
parse_top(json_t *o, const struct tusk_ctrld_conf *conf,
	  struct tusk_session_spec *spec, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "source", "destination",
					    "source_token", "streams",
					    "checksum", "handoff", "analysis",
					    NULL };
	const char *name;
	int policy = TUSK_CHECKSUM_TARGET;

	if (!json_is_object(o))
		return bad(err, errlen, "spec: not a JSON object");
	if (check_keys(o, "", keys, err, errlen) < 0 ||
	    get_string(o, "name", "", false, &name, err, errlen) < 0)
		return -EINVAL;
	if (name != NULL && strlen(name) >= sizeof(spec->name))
		return bad(err, errlen, "name: longer than %zu bytes",
			   sizeof(spec->name) - 1);
	snprintf(spec->name, sizeof(spec->name), "%s", name ? name : "");
	if (parse_source(o, conf, spec, err, errlen) < 0 ||
	    parse_token(o, spec, err, errlen) < 0 ||
	    parse_destination(o, spec, err, errlen) < 0 ||
	    get_uint(o, "streams", "", 1, TUSK_SPEC_STREAMS_MAX,
		     &spec->streams, err, errlen) < 0 ||
	    get_enum(o, "checksum", "", checksum_names,
		     ARRAY_LEN(checksum_names), &policy, err, errlen) < 0 ||
	    parse_handoff(o, conf, spec, err, errlen) < 0 ||
	    parse_analysis(o, conf, spec, err, errlen) < 0)
		return -EINVAL;
	spec->checksum = (enum tusk_checksum_policy)policy;
	return 0;
}

int
tusk_session_spec_parse(json_t *json, const struct tusk_ctrld_conf *conf,
			struct tusk_session_spec *spec, char *err,
			size_t errlen)
{
	memset(spec, 0, sizeof(*spec));
	spec->json = json_incref(json);
	if (parse_top(json, conf, spec, err, errlen) < 0) {
		tusk_session_spec_free(spec);
		return -EINVAL;
	}
	return 0;
}

int
tusk_session_spec_parse_text(const char *text,
			     const struct tusk_ctrld_conf *conf,
			     struct tusk_session_spec *spec, char *err,
			     size_t errlen)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int rc;

	if (j == NULL)
		return bad(err, errlen, "spec: bad JSON at line %d column %d: "
			   "%s", jerr.line, jerr.column, jerr.text);
	rc = tusk_session_spec_parse(j, conf, spec, err, errlen);
	json_decref(j);
	return rc;
}

void
tusk_session_spec_free(struct tusk_session_spec *spec)
{
	unsigned int i, k;

	for (i = 0; i < spec->nanalysis; i++)
		for (k = 0; spec->analysis[i].env[k] != NULL; k++)
			free(spec->analysis[i].env[k]);
	free(spec->urls);
	json_decref(spec->json);
	memset(spec, 0, sizeof(*spec));
}
