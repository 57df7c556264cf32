/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session_spec: a session as submitted, one JSON object, checked against
 * ctrld.conf; every error names the field ("source[2]: ...",
 * "handoff[0].storage: ...").
 *
 *   {"name": "run42",
 *    "source": ["http://10.77.0.1:8000/a.h5", ...]   or
 *              "http://10.77.0.1:8000/run42/"       (a WebDAV collection,
 *                                                    listed with PROPFIND) or
 *              "swift://pilot/runs/run42/"          (objects in Swift)
 *    "destination": "sets/run42",      relative to the data root
 *    "source_token": "eyJ...",          a bearer token tuskd sends to the
 *                                        source with each fetch request
 *                                        (optional; kept in the journal
 *                                        with the spec, never shown)
 *    "streams": 4, "checksum": "none|source|target|both",
 *    "handoff": [{"type": "posix", "storage": "archive", "path": "run42",
 *                 "mode": "copy|move", "overwrite": false},
 *                {"type": "swift", "storage": "pilot", "container": "runs",
 *                 "prefix": "run42/", "overwrite": false}],
 *    "analysis": [{"launcher": "local",
 *                  "job": {"command": ["python3", "/x.py"]}
 *                      or {"notebook": "/srv/nb/stats.ipynb",
 *                          "params": {...}},
 *                  "image": "/srv/images/sci", "network": false,
 *                  "env": {"K": "V"},
 *                  "resources": {"memory_mb": 2048, "cpus": 2},
 *                  "timeout_s": 3600}]}
 */
#ifndef TUSK_CTRL_SESSION_SPEC_H
#define TUSK_CTRL_SESSION_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctrld_conf.h"
#include "journal.h"
#include "launch.h"

/* Files in one session: a data set of thousands of files is common; past
 * this it should be several sessions (each file is a journal row and a
 * line in `show`). */
#define TUSK_SPEC_FILES_MAX 10000
/* Hand-off and analysis steps: a copy or two and a job or two. */
#define TUSK_SPEC_STEPS_MAX 8
/* Relative paths (destination, hand-off path): tuskd's root path limit. */
#define TUSK_SPEC_PATH_MAX 1024
/* tuskd's streams per fetch (TUSK_FETCH_STREAMS_MAX). */
#define TUSK_SPEC_STREAMS_MAX 64
/* A job's time limit: a week. */
#define TUSK_SPEC_TIMEOUT_MAX_S (7 * 86400)
/* Memory of a job, MiB: 4 TiB. */
#define TUSK_SPEC_MEMORY_MAX_MB (4u << 20)
/* A bearer token for the source: as tuskd's fetch takes it
 * (TUSK_FETCH_TOKEN_MAX; WLCG JWTs are 1-2 kB). */
#define TUSK_SPEC_TOKEN_MAX 8192
/* Arguments of a command job. */
#define TUSK_SPEC_ARGV_MAX 64
/* Environment entries of a job. */
#define TUSK_SPEC_ENV_MAX 64
/* Swift: a container name is at most 256 bytes, an object name 1024. */
#define TUSK_SPEC_CONTAINER_MAX 257
#define TUSK_SPEC_OBJECT_MAX 1024
/* A spec on the socket is one line of the control protocol. */
#define TUSK_SPEC_ERR_MAX 512

enum tusk_checksum_policy {
	TUSK_CHECKSUM_NONE,
	TUSK_CHECKSUM_SOURCE,	/* the server's Repr-Digest, compared by tuskd */
	TUSK_CHECKSUM_TARGET,	/* the sha256 tuskd computed on arrival,
				 * checked against the file on disk */
	TUSK_CHECKSUM_BOTH,	/* both, and equal */
};

enum tusk_handoff_mode {
	TUSK_HANDOFF_COPY,
	TUSK_HANDOFF_MOVE,
};

struct tusk_spec_handoff {
	const struct tusk_ctrld_storage *storage;	/* its type: the step's */
	char path[TUSK_SPEC_PATH_MAX];	/* under the storage dir; "" = top */
	enum tusk_handoff_mode mode;
	bool overwrite;
	/* swift: objects <prefix><file name> in container */
	char container[TUSK_SPEC_CONTAINER_MAX];
	char prefix[TUSK_SPEC_OBJECT_MAX];
};

struct tusk_spec_analysis {
	struct tusk_launcher *launcher;
	enum tusk_job_kind kind;
	const char *argv[TUSK_SPEC_ARGV_MAX + 1];	/* NULL-ended */
	const char *notebook;
	json_t *params;			/* borrowed from the spec's JSON */
	const char *image;
	/* image is swift://: its storage (image_swift.h), else NULL */
	const struct tusk_ctrld_storage *image_swift;
	char *env[TUSK_SPEC_ENV_MAX + 1];	/* "K=V", NULL-ended, owned */
	bool network;
	uint64_t mem_bytes;
	double cpus;
	unsigned int timeout_s;
};

struct tusk_session_spec {
	json_t *json;			/* the spec; strings point into it */
	char name[TUSK_JOURNAL_NAME_MAX];
	const char *dir_url;		/* a collection to list, or NULL */
	/* a swift:// source (dir_url its URL): the storage, else NULL */
	const struct tusk_ctrld_storage *swift_src;
	unsigned int nurls;
	const char **urls;		/* nurls, when not dir_url */
	char destination[TUSK_SPEC_PATH_MAX];
	unsigned int streams;		/* 0: tuskd's fetch_streams */
	const char *source_token;	/* bearer token for the source, or NULL */
	enum tusk_checksum_policy checksum;
	unsigned int nhandoff;
	struct tusk_spec_handoff handoff[TUSK_SPEC_STEPS_MAX];
	unsigned int nanalysis;
	struct tusk_spec_analysis analysis[TUSK_SPEC_STEPS_MAX];
};

/* Check `json` (a reference is taken) against conf into spec. 0, or
 * -EINVAL with "field: reason" in err. Free with tusk_session_spec_free. */
int tusk_session_spec_parse(json_t *json, const struct tusk_ctrld_conf *conf,
			    struct tusk_session_spec *spec, char *err,
			    size_t errlen);
/* The same from JSON text (the journal's copy). */
int tusk_session_spec_parse_text(const char *text,
				 const struct tusk_ctrld_conf *conf,
				 struct tusk_session_spec *spec, char *err,
				 size_t errlen);
void tusk_session_spec_free(struct tusk_session_spec *spec);

/* The file name a URL lands under: its last path segment, when it is a
 * plain name (letters, digits, '.', '_', '-', '+', not starting with
 * '.'). 0 or -EINVAL. */
int tusk_spec_url_name(const char *url, char *name, size_t len);
/* A relative path that stays below its root: plain components only.
 * 0 or -EINVAL with the reason. */
int tusk_spec_rel_path(const char *path, char *why, size_t len);

const char *tusk_spec_checksum_policy_name(enum tusk_checksum_policy p);

#endif /* TUSK_CTRL_SESSION_SPEC_H */
