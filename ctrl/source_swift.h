/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source_swift: a session's source in Swift, `swift://STORAGE/CONTAINER/
 * PREFIX` (STORAGE a [storage NAME] type = swift in ctrld.conf): the
 * objects under PREFIX are listed (one level: names with no further '/'
 * after the prefix), then each is read into the data root with ranged
 * GETs over `parallel` connections at once, and verified (VERIFYING)
 * against the SHA-256 the object carries (X-Object-Meta-Sha256, what the
 * swift hand-off writes). An object without it cannot be verified: its
 * file FAILS with that reason.
 */
#ifndef TUSK_CTRL_SOURCE_SWIFT_H
#define TUSK_CTRL_SOURCE_SWIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctrld_conf.h"

#define TUSK_SOURCE_SWIFT_SCHEME "swift://"

/* A swift:// URL split: storage name, container, object (or prefix). */
struct tusk_source_swift_url {
	char storage[TUSK_CTRLD_NAME_MAX];
	char container[257];
	char object[1024];
};

/* 0, or -EINVAL with why ("not swift://STORAGE/CONTAINER/..."). */
int tusk_source_swift_url(const char *url, struct tusk_source_swift_url *u,
			  char *why, size_t len);

/* The objects under the URL's prefix as swift:// URLs (a new array). */
int tusk_source_swift_list(const struct tusk_ctrld_storage *st,
			   const struct tusk_source_swift_url *u, json_t **urls,
			   char *why, size_t len);

/* Object u into path (created or truncated); its size and SHA-256
 * metadata out. *final: retrying cannot help (no such object, no
 * digest to verify against, refused credentials). */
int tusk_source_swift_get(const struct tusk_ctrld_storage *st,
			  const struct tusk_source_swift_url *u,
			  const char *path, int64_t *size, char sha256[65],
			  char *why, size_t len, bool *final);

#endif
