/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld_conf: ctrld.conf.
 *
 *   tusk_ctrld_conf_load() -> tusk_cfgfile_load() -> from_cfgfile()
 *     -> apply_section() -> tusk_cfgschema_apply()      [ctrld], [storage]
 *                        -> add_launcher() -> ops->conf_set(), conf_done()
 *     -> check_conf()                                    (cross-key rules)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "cfgschema.h"
#include "ctrl_err.h"
#include "ctrld_conf.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* tuskd runs at most TUSK_FETCH_TRANSFERS_MAX (64) fetches at once
 * (app/svc/http_fetch.h); asking for more only queues them there. */
#define CONF_TRANSFERS_MAX 64
/* Attempts per file: past 100 a failing source is not coming back. */
#define CONF_RETRIES_MAX 100
/* Backoff between attempts: a day is far past any outage worth waiting
 * out inside one session. */
#define CONF_BACKOFF_MAX_S 86400
/* Sessions kept in memory at once (not final); each holds its files'
 * state. 4096 sessions of a few thousand files fit in well under 1 GiB. */
#define CONF_SESSIONS_MAX 4096

static const char *const storage_types[] = { "posix", "swift", NULL };
static const char *const swift_auths[] = { "tempauth", "keystone3", NULL };
/* Swift refuses a single object over 5 GiB (ctrl/swift.h), so no segment
 * may be larger. */
#define CONF_SWIFT_SEGMENT_MB_MAX 5120
/* Past 100 tries of one request a Swift is not coming back soon: the
 * file's own retries (backoff) take over. */
#define CONF_SWIFT_REQUEST_RETRIES_MAX 100
#define CONF_SWIFT_RETRY_MS_MAX 60000
/* ctrl/swift.h's TUSK_SWIFT_PARALLEL_MAX. */
#define CONF_SWIFT_PARALLEL_MAX 32
/* A cap per connection: 100 Gbit/s is past any one TCP connection. */
#define CONF_SWIFT_SEND_MBPS_MAX 100000

static const struct tusk_cfgschema_key ctrld_keys[] = {
	{ .name = "tuskd_socket", .type = TUSK_CFG_PATH,
	  .def = "/run/tusk/tuskd.sock",
	  .offset = offsetof(struct tusk_ctrld_conf, tuskd_socket),
	  .size = TUSK_CTRLD_SOCKET_PATH_MAX,
	  .desc = "tuskd's control socket ([tuskd] control_socket)" },
	{ .name = "control_socket", .type = TUSK_CFG_PATH,
	  .def = "/run/tusk/ctrld.sock",
	  .offset = offsetof(struct tusk_ctrld_conf, control_socket),
	  .size = TUSK_CTRLD_SOCKET_PATH_MAX,
	  .desc = "tusk-ctrld's own JSON control socket" },
	{ .name = "journal", .type = TUSK_CFG_PATH,
	  .def = "/var/lib/tusk-ctrld/journal.db",
	  .offset = offsetof(struct tusk_ctrld_conf, journal),
	  .size = TUSK_CTRLD_PATH_MAX,
	  .desc = "SQLite journal of sessions" },
	{ .name = "data_root", .type = TUSK_CFG_PATH, .def = "/var/lib/tusk",
	  .offset = offsetof(struct tusk_ctrld_conf, data_root),
	  .size = TUSK_CTRLD_PATH_MAX,
	  .desc = "tuskd's data_root: where fetched files land" },
	{ .name = "state_dir", .type = TUSK_CFG_PATH,
	  .def = "/var/lib/tusk-ctrld",
	  .offset = offsetof(struct tusk_ctrld_conf, state_dir),
	  .size = TUSK_CTRLD_PATH_MAX,
	  .desc = "launchers' job state (jobs/) and job outputs (outputs/)" },
	{ .name = "max_transfers", .type = TUSK_CFG_UINT, .def = "4",
	  .min = 1, .max = CONF_TRANSFERS_MAX,
	  .offset = offsetof(struct tusk_ctrld_conf, max_transfers),
	  .desc = "files fetched at once over all sessions; more are queued" },
	{ .name = "retries", .type = TUSK_CFG_UINT, .def = "3",
	  .min = 0, .max = CONF_RETRIES_MAX,
	  .offset = offsetof(struct tusk_ctrld_conf, retries),
	  .desc = "attempts per file after the first before it FAILED" },
	{ .name = "backoff_s", .type = TUSK_CFG_UINT, .def = "2",
	  .min = 1, .max = CONF_BACKOFF_MAX_S,
	  .offset = offsetof(struct tusk_ctrld_conf, backoff_s),
	  .desc = "wait before the first retry; doubles per attempt" },
	{ .name = "backoff_max_s", .type = TUSK_CFG_UINT, .def = "300",
	  .min = 1, .max = CONF_BACKOFF_MAX_S,
	  .offset = offsetof(struct tusk_ctrld_conf, backoff_max_s),
	  .desc = "longest wait between retries" },
	{ .name = "max_sessions", .type = TUSK_CFG_UINT, .def = "256",
	  .min = 1, .max = CONF_SESSIONS_MAX,
	  .offset = offsetof(struct tusk_ctrld_conf, max_sessions),
	  .desc = "sessions not yet final; submit is refused beyond it" },
};

static const struct tusk_cfgschema_key storage_keys[] = {
	{ .name = "type", .type = TUSK_CFG_ENUM, .def = "posix",
	  .min = TUSK_STORAGE_POSIX, .choices = storage_types,
	  .offset = offsetof(struct tusk_ctrld_storage, type),
	  .desc = "posix: a directory tree on a mounted file system" },
	{ .name = "path", .type = TUSK_CFG_PATH,
	  .offset = offsetof(struct tusk_ctrld_storage, path),
	  .size = TUSK_CTRLD_PATH_MAX,
	  .desc = "posix: the storage directory files are handed off under" },
#define SW(f) offsetof(struct tusk_ctrld_storage, swift.f)
#define SWSTR(n, f, d, text) { .name = n, .type = TUSK_CFG_STRING, .def = d, \
	  .offset = SW(f), .size = sizeof(((struct tusk_ctrld_swift *)0)->f), \
	  .desc = text }
	{ .name = "auth", .type = TUSK_CFG_ENUM, .def = "tempauth",
	  .choices = swift_auths, .offset = SW(auth),
	  .desc = "swift: tempauth (v1.0) or keystone3 (password)" },
	SWSTR("auth_url", auth_url, "", "swift: .../auth/v1.0 or Keystone's .../v3"),
	SWSTR("user", user, "", "swift: tempauth account:user, Keystone user"),
	SWSTR("key", key, "", "swift: tempauth key, Keystone password"),
	SWSTR("project", project, "", "swift: Keystone project scoped to"),
	SWSTR("domain", domain, "Default", "swift: Keystone domain"),
	SWSTR("region", region, "", "swift: Keystone endpoint region (any)"),
	{ .name = "segment_mb", .type = TUSK_CFG_UINT, .def = "1024",
	  .min = 1, .max = CONF_SWIFT_SEGMENT_MB_MAX, .offset = SW(segment_mb),
	  .desc = "swift: files over this go up as an SLO of such segments" },
	{ .name = "parallel", .type = TUSK_CFG_UINT, .def = "4",
	  .min = 1, .max = CONF_SWIFT_PARALLEL_MAX, .offset = SW(parallel),
	  .desc = "swift: segment connections at once" },
	{ .name = "request_retries", .type = TUSK_CFG_UINT, .def = "3",
	  .min = 0, .max = CONF_SWIFT_REQUEST_RETRIES_MAX,
	  .offset = SW(request_retries),
	  .desc = "swift: tries of one request after the first" },
	{ .name = "request_retry_ms", .type = TUSK_CFG_UINT, .def = "1000",
	  .min = 0, .max = CONF_SWIFT_RETRY_MS_MAX,
	  .offset = SW(request_retry_ms),
	  .desc = "swift: wait between those tries" },
	{ .name = "timeout_s", .type = TUSK_CFG_UINT, .def = "600",
	  .min = 1, .max = CONF_BACKOFF_MAX_S, .offset = SW(timeout_s),
	  .desc = "swift: a request moving nothing this long fails" },
	{ .name = "max_send_mbps", .type = TUSK_CFG_UINT, .def = "0",
	  .min = 0, .max = CONF_SWIFT_SEND_MBPS_MAX, .offset = SW(max_send_mbps),
	  .desc = "swift: Mbit/s per connection, 0 = no cap (a shared proxy)" },
#undef SWSTR
#undef SW
};

#define fail tusk_ctrl_err

/* Keys of the other type are errors on their line; a type's required
 * keys are checked here (the schema's defaults cover both types). */
static int
check_storage(const struct tusk_ctrld_storage *st, const char *file,
	      const struct tusk_cfgfile_section *s, char *err, size_t errlen)
{
	static const char *const swift_req[] = { "auth_url", "user", "key",
						 NULL };
	bool swift = st->type == TUSK_STORAGE_SWIFT;
	unsigned int i;

	for (i = 0; i < s->nentries; i++) {
		const char *k = s->entries[i].key;
		bool is_path = strcmp(k, "path") == 0;

		if (strcmp(k, "type") != 0 && swift == is_path)
			return fail(err, errlen, "%s:%u: %s: not a key of "
				    "type = %s storage", file,
				    s->entries[i].line, k, storage_types[st->type]);
	}
	if (!swift && st->path[0] == '\0')
		return fail(err, errlen, "%s:%u: missing required key \"path\" "
			    "in [storage %s]", file, s->line, st->name);
	for (i = 0; swift && swift_req[i] != NULL; i++)
		if (tusk_cfgfile_entry(s, swift_req[i]) == NULL)
			return fail(err, errlen, "%s:%u: missing required key "
				    "\"%s\" in [storage %s] (type = swift)",
				    file, s->line, swift_req[i], st->name);
	if (swift && st->swift.auth == 1 && st->swift.project[0] == '\0')
		return fail(err, errlen, "%s:%u: missing required key "
			    "\"project\" in [storage %s] (auth = keystone3)",
			    file, s->line, st->name);
	return 0;
}

static int
add_storage(struct tusk_ctrld_conf *conf, const char *file,
	    const struct tusk_cfgfile_section *s, char *err, size_t errlen)
{
	struct tusk_ctrld_storage *st;
	int rc;

	if (conf->nstorage == TUSK_CTRLD_STORAGE_MAX)
		return fail(err, errlen, "%s:%u: too many [storage] sections "
			    "(at most %d)", file, s->line,
			    TUSK_CTRLD_STORAGE_MAX);
	st = &conf->storage[conf->nstorage];
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", s->name);
	rc = tusk_cfgschema_defaults(storage_keys, ARRAY_LEN(storage_keys), st,
				     err, errlen);
	if (rc == 0)
		rc = tusk_cfgschema_apply(storage_keys, ARRAY_LEN(storage_keys),
					  file, s, st, err, errlen);
	if (rc == 0)
		rc = check_storage(st, file, s, err, errlen);
	if (rc == 0)
		conf->nstorage++;
	return rc;
}

/* Every key but `type` goes to the launcher's own parser. */
static int
launcher_keys(struct tusk_launcher *l, const char *file,
	      const struct tusk_cfgfile_section *s, char *err, size_t errlen)
{
	char why[TUSK_JOB_REASON_MAX];
	unsigned int i;
	int rc;

	for (i = 0; i < s->nentries; i++) {
		const struct tusk_cfgfile_entry *e = &s->entries[i];

		if (strcmp(e->key, "type") == 0)
			continue;
		why[0] = '\0';
		rc = l->ops->conf_set(l, e->key, e->value, why, sizeof(why));
		if (rc == -ENOENT)
			return fail(err, errlen, "%s:%u: %s: unknown key", file,
				    e->line, e->key);
		if (rc < 0)
			return fail(err, errlen, "%s:%u: %s: %s", file, e->line,
				    e->key, why[0] ? why : strerror(-rc));
	}
	why[0] = '\0';
	rc = l->ops->conf_done(l, why, sizeof(why));
	if (rc < 0)
		return fail(err, errlen, "%s:%u: [launcher %s]: %s", file,
			    s->line, s->name, why[0] ? why : strerror(-rc));
	return 0;
}

static int
add_launcher(struct tusk_ctrld_conf *conf, const struct tusk_launcher_factory *factory,
	     const char *file, const struct tusk_cfgfile_section *s,
	     char *err, size_t errlen)
{
	const struct tusk_cfgfile_entry *type = tusk_cfgfile_entry(s, "type");
	char dir[TUSK_CTRLD_PATH_MAX + 8], why[TUSK_JOB_REASON_MAX] = "";
	struct tusk_launcher *l;
	unsigned int line = type != NULL ? type->line : s->line;

	if (conf->nlaunchers == TUSK_CTRLD_LAUNCHERS_MAX)
		return fail(err, errlen, "%s:%u: too many [launcher] sections "
			    "(at most %d)", file, s->line,
			    TUSK_CTRLD_LAUNCHERS_MAX);
	if (factory == NULL)
		return fail(err, errlen, "%s:%u: type: this build of "
			    "tusk-ctrld has no launchers", file, line);
	snprintf(dir, sizeof(dir), "%s/jobs", conf->state_dir);
	l = factory->create(type != NULL ? type->value : "local", s->name, dir, why,
		   sizeof(why));
	if (l == NULL)
		return fail(err, errlen, "%s:%u: type: %s", file, line,
			    why[0] ? why : "cannot create the launcher");
	conf->launchers[conf->nlaunchers++] = l;
	return launcher_keys(l, file, s, err, errlen);
}

static int
apply_section(struct tusk_ctrld_conf *conf, const struct tusk_launcher_factory *factory,
	      const char *file, const struct tusk_cfgfile_section *s,
	      char *err, size_t errlen)
{
	bool named = s->name[0] != '\0';

	if (strcmp(s->type, "ctrld") == 0) {
		if (named)
			return fail(err, errlen, "%s:%u: section [ctrld] takes "
				    "no name", file, s->line);
		return tusk_cfgschema_apply(ctrld_keys, ARRAY_LEN(ctrld_keys),
					    file, s, conf, err, errlen);
	}
	if (strcmp(s->type, "storage") != 0 &&
	    strcmp(s->type, "launcher") != 0)
		return fail(err, errlen, "%s:%u: unknown section [%s%s%s] "
			    "(expected [ctrld], [storage NAME] or [launcher "
			    "NAME])", file, s->line, s->type,
			    named ? " " : "", s->name);
	if (!named)
		return fail(err, errlen, "%s:%u: section [%s] needs a name: "
			    "[%s NAME]", file, s->line, s->type, s->type);
	if (strcmp(s->type, "storage") == 0)
		return add_storage(conf, file, s, err, errlen);
	return add_launcher(conf, factory, file, s, err, errlen);
}

static int
check_conf(struct tusk_ctrld_conf *conf, const struct tusk_cfgfile *f,
	   char *err, size_t errlen)
{
	const struct tusk_cfgfile_section *s = tusk_cfgfile_section(f, "ctrld",
								    NULL);
	const struct tusk_cfgfile_entry *e;

	if (conf->backoff_max_s < conf->backoff_s) {
		e = s != NULL ? tusk_cfgfile_entry(s, "backoff_max_s") : NULL;
		return fail(err, errlen, "%s:%u: backoff_max_s: %u is less "
			    "than backoff_s %u", f->path, e ? e->line : 0,
			    conf->backoff_max_s, conf->backoff_s);
	}
	return 0;
}

/* [ctrld] first, whatever its place: launchers keep their jobs under
 * state_dir, which must be known when they are created. */
static int
from_cfgfile(struct tusk_ctrld_conf *conf, const struct tusk_cfgfile *f,
	     const struct tusk_launcher_factory *factory, char *err, size_t errlen)
{
	unsigned int i, pass;
	int rc;

	memset(conf, 0, sizeof(*conf));
	conf->factory = factory;
	snprintf(conf->path, sizeof(conf->path), "%s", f->path);
	rc = tusk_cfgschema_defaults(ctrld_keys, ARRAY_LEN(ctrld_keys), conf,
				     err, errlen);
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		for (i = 0; i < f->nsections && rc == 0; i++) {
			const struct tusk_cfgfile_section *s = &f->sections[i];

			if ((strcmp(s->type, "ctrld") == 0) != (pass == 0))
				continue;
			rc = apply_section(conf, factory, f->path, s, err,
					   errlen);
		}
	}
	if (rc == 0)
		rc = check_conf(conf, f, err, errlen);
	if (rc < 0)
		tusk_ctrld_conf_free(conf);
	return rc;
}

int
tusk_ctrld_conf_parse(const char *name, const char *text,
		      struct tusk_ctrld_conf *conf,
		      const struct tusk_launcher_factory *factory, char *err, size_t errlen)
{
	struct tusk_cfgfile *f;
	int rc;

	rc = tusk_cfgfile_parse(name, text, &f, err, errlen);
	if (rc < 0)
		return rc;
	rc = from_cfgfile(conf, f, factory, err, errlen);
	tusk_cfgfile_free(f);
	return rc;
}

int
tusk_ctrld_conf_load(const char *path, struct tusk_ctrld_conf *conf,
		     const struct tusk_launcher_factory *factory, char *err, size_t errlen)
{
	struct tusk_cfgfile *f;
	int rc;

	rc = tusk_cfgfile_load(path, &f, err, errlen);
	if (rc < 0)
		return rc;
	rc = from_cfgfile(conf, f, factory, err, errlen);
	tusk_cfgfile_free(f);
	return rc;
}

void
tusk_ctrld_conf_free(struct tusk_ctrld_conf *conf)
{
	unsigned int i;

	for (i = 0; i < conf->nlaunchers; i++)
		conf->factory->destroy(conf->launchers[i]);
	conf->nlaunchers = 0;
}

const struct tusk_ctrld_storage *
tusk_ctrld_conf_storage(const struct tusk_ctrld_conf *conf, const char *name)
{
	unsigned int i;

	for (i = 0; i < conf->nstorage; i++)
		if (strcmp(conf->storage[i].name, name) == 0)
			return &conf->storage[i];
	return NULL;
}

struct tusk_launcher *
tusk_ctrld_conf_launcher(const struct tusk_ctrld_conf *conf, const char *name)
{
	unsigned int i;

	for (i = 0; i < conf->nlaunchers; i++)
		if (strcmp(conf->launchers[i]->name, name) == 0)
			return conf->launchers[i];
	return NULL;
}

/* A storage's own keys only; a Swift key (a secret) is never shown. */
static json_t *
storage_json(const struct tusk_ctrld_storage *st)
{
	json_t *o = tusk_cfgschema_to_json(storage_keys,
					   ARRAY_LEN(storage_keys), st);
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(o, tmp, k, v) {
		bool is_path = strcmp(k, "path") == 0;

		if (strcmp(k, "type") != 0 &&
		    (st->type == TUSK_STORAGE_SWIFT) == is_path)
			json_object_del(o, k);
	}
	if (st->type == TUSK_STORAGE_SWIFT)
		json_object_set_new(o, "key", json_string("(hidden)"));
	return o;
}

json_t *
tusk_ctrld_conf_to_json(const struct tusk_ctrld_conf *conf)
{
	json_t *o = tusk_cfgschema_to_json(ctrld_keys, ARRAY_LEN(ctrld_keys),
					   conf);
	json_t *st = json_object(), *la = json_object();
	unsigned int i;

	for (i = 0; i < conf->nstorage; i++)
		json_object_set_new(st, conf->storage[i].name,
				    storage_json(&conf->storage[i]));
	for (i = 0; i < conf->nlaunchers; i++)
		json_object_set_new(la, conf->launchers[i]->name,
				    json_pack("{s:s}", "type",
					      conf->launchers[i]->ops->type));
	json_object_set_new(o, "storage", st);
	json_object_set_new(o, "launchers", la);
	return o;
}
