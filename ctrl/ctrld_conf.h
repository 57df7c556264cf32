/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrld_conf: ctrld.conf, tusk-ctrld's one configuration file (the INI
 * reader and schema of pmdcfg/, the same `file:line: key: reason` errors
 * as tuskd.conf).
 *
 *   [ctrld]            tuskd's socket, our socket, journal, data root,
 *                      state directory, limits
 *   [storage NAME]     type = posix, path = DIR       (hand-off targets)
 *                      type = swift, auth_url, user, key, ... (Swift)
 *   [launcher NAME]    type = local, then the launcher's own keys, each
 *                      handed to its ops->conf_set (ctrl/launch.h)
 */
#ifndef TUSK_CTRLD_CONF_H
#define TUSK_CTRLD_CONF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "launch.h"

/* sun_path of struct sockaddr_un. */
#define TUSK_CTRLD_SOCKET_PATH_MAX 108
#define TUSK_CTRLD_PATH_MAX 4096
/* Section names are cfgfile identifiers; a storage or launcher name is
 * what a session spec names. */
#define TUSK_CTRLD_NAME_MAX 64
/* Storage targets and launchers: a DTN hands off to a few file systems and
 * runs jobs through one or two launchers; 16 is plenty and bounds lookups. */
#define TUSK_CTRLD_STORAGE_MAX 16
#define TUSK_CTRLD_LAUNCHERS_MAX 16
/* tusk-ctrld exits with this status on a configuration error (as tuskd). */
#define TUSK_CTRLD_CONF_EXIT_CODE 2

enum tusk_storage_type {
	TUSK_STORAGE_POSIX,
	TUSK_STORAGE_SWIFT,
};

/* Sizes of a [storage NAME] type = swift's strings (ctrl/swift.h's own
 * bounds: a URL, an account name, a secret). */
#define TUSK_CTRLD_SWIFT_URL_MAX 1024
#define TUSK_CTRLD_SWIFT_NAME_MAX 256

/* A Swift target's settings (ctrl/swift.h's struct tusk_swift_cfg). */
struct tusk_ctrld_swift {
	uint32_t auth;			/* enum tusk_swift_auth_kind */
	char auth_url[TUSK_CTRLD_SWIFT_URL_MAX];
	char user[TUSK_CTRLD_SWIFT_NAME_MAX];
	char key[TUSK_CTRLD_SWIFT_NAME_MAX];
	char project[TUSK_CTRLD_SWIFT_NAME_MAX];
	char domain[TUSK_CTRLD_SWIFT_NAME_MAX];
	char region[TUSK_CTRLD_SWIFT_NAME_MAX];
	uint32_t segment_mb;
	uint32_t parallel;
	uint32_t request_retries;
	uint32_t request_retry_ms;
	uint32_t timeout_s;
	uint32_t max_send_mbps;
};

struct tusk_ctrld_storage {
	char name[TUSK_CTRLD_NAME_MAX];
	uint32_t type;			/* enum tusk_storage_type */
	char path[TUSK_CTRLD_PATH_MAX];	/* posix */
	struct tusk_ctrld_swift swift;	/* swift */
};

/* Creates and destroys launchers (ctrl/launch.h's tusk_launcher_create
 * and tusk_launcher_destroy in tusk-ctrld; a recording launcher in the
 * unit tests). */
struct tusk_launcher_factory {
	struct tusk_launcher *(*create)(const char *type, const char *name,
					const char *state_dir, char *err,
					size_t errlen);
	void (*destroy)(struct tusk_launcher *l);
};

struct tusk_ctrld_conf {
	char path[TUSK_CTRLD_PATH_MAX];
	char tuskd_socket[TUSK_CTRLD_SOCKET_PATH_MAX];
	char control_socket[TUSK_CTRLD_SOCKET_PATH_MAX];
	char journal[TUSK_CTRLD_PATH_MAX];
	char data_root[TUSK_CTRLD_PATH_MAX];
	char state_dir[TUSK_CTRLD_PATH_MAX];
	uint32_t max_transfers;
	uint32_t retries;
	uint32_t backoff_s;
	uint32_t backoff_max_s;
	uint32_t max_sessions;
	unsigned int nstorage;
	struct tusk_ctrld_storage storage[TUSK_CTRLD_STORAGE_MAX];
	const struct tusk_launcher_factory *factory;
	unsigned int nlaunchers;
	struct tusk_launcher *launchers[TUSK_CTRLD_LAUNCHERS_MAX];
};

/* Read and check path into conf (zeroed first). Launchers are made by
 * `factory` (NULL: a [launcher] section is an error) and conf_done'd; free
 * them with tusk_ctrld_conf_free. 0 or -EINVAL/-ENOMEM with one line in
 * err. */
int tusk_ctrld_conf_load(const char *path, struct tusk_ctrld_conf *conf,
			 const struct tusk_launcher_factory *factory, char *err,
			 size_t errlen);
/* The same from text in memory; `name` stands for the file name. */
int tusk_ctrld_conf_parse(const char *name, const char *text,
			  struct tusk_ctrld_conf *conf,
			  const struct tusk_launcher_factory *factory, char *err,
			  size_t errlen);
void tusk_ctrld_conf_free(struct tusk_ctrld_conf *conf);

const struct tusk_ctrld_storage *
tusk_ctrld_conf_storage(const struct tusk_ctrld_conf *conf, const char *name);
struct tusk_launcher *
tusk_ctrld_conf_launcher(const struct tusk_ctrld_conf *conf, const char *name);

/* The effective configuration, for `config` on the control socket. */
json_t *tusk_ctrld_conf_to_json(const struct tusk_ctrld_conf *conf);

#endif /* TUSK_CTRLD_CONF_H */
