/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's resume record: `<dest>.tusk-part.state` next to the
 * part file `<dest>.tusk-part` in the data root (both internal names the
 * HTTP server never serves, root.h tusk_root_is_internal).
 *
 * It says what the part file holds: the source (URL, size, ETag,
 * Last-Modified: RFC 9110 8.8 validators), the block size, and for every
 * block whether it is complete and its CRC32C. One JSON object (jansson):
 *
 *   {"format": "tusk-fetch-state", "version": 1,
 *    "url": "http://10.77.0.1:8000/big", "size": 1073741824,
 *    "etag": "\"a-40000000-...\"", "last_modified": "Mon, ...",
 *    "block_size": 8388608,
 *    "done": "ff0f...",        (bitmap, block b is bit b%8 of byte b/8)
 *    "crc32c": "8a9136aa..."}  (8 hex digits per block, 0 when not done)
 *
 * Saved to a temporary name, fsynced and renamed over the record
 * (root.h tusk_root_tmp_create/commit): a crash leaves the old record or
 * the new one, never half of one. A record can still lie (the part file
 * written back later than the record, a disk that lost pages): that is
 * why every block it calls done is read back and its CRC32C compared
 * before it counts (http_fetch_sched.h VERIFY).
 */
#ifndef TUSK_HTTP_FETCH_STATE_H
#define TUSK_HTTP_FETCH_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http_fetch_sched.h"
#include "http_msg.h"
#include "http_url.h"
#include "root.h"

/* The name suffixes of the part file and of its record. */
#define TUSK_FETCH_PART_SUFFIX TUSK_ROOT_PART_SUFFIX
#define TUSK_FETCH_STATE_SUFFIX TUSK_ROOT_RECORD_SUFFIX
/* Record format version; a record of another version is not trusted. */
#define TUSK_FETCH_STATE_VERSION 1
/* A record is at most this large: 65536 blocks of CRC hex (512 KiB), the
 * bitmap (16 KiB) and the URL; a bigger file is not a record of ours. */
#define TUSK_FETCH_STATE_MAX (1u << 20)

/* What the part file is a copy of. */
struct tusk_fetch_source {
	char url[TUSK_HTTP_URL_MAX];
	uint64_t size;
	char etag[TUSK_HTTP_VALIDATOR_MAX];          /* "" when none */
	char last_modified[TUSK_HTTP_VALIDATOR_MAX]; /* "" when none */
};

/* The record of src and s (DONE and VERIFY blocks count as done) as a
 * new JSON object, or NULL if out of memory. */
json_t *tusk_fetch_state_to_json(const struct tusk_fetch_source *src,
				 const struct tusk_fetch_sched *s);

/*
 * Read a record: fills *src and sets up *s (tusk_fetch_sched_init, spans
 * for `streams` streams) with the blocks it calls done in VERIFY.
 * Returns 0, or -EBADMSG with a reason in err (wrong format or version,
 * a missing or mistyped field, a block size that is not a multiple of
 * 4096 or gives too many blocks, a bitmap or CRC list of the wrong
 * length, bad hex), or -ENOMEM. *s is left uninitialised on error.
 */
int tusk_fetch_state_from_json(json_t *o, uint32_t streams,
			       struct tusk_fetch_source *src,
			       struct tusk_fetch_sched *s, char *err,
			       size_t errlen);

/* The record as text (malloc'ed, NUL terminated; NULL if out of
 * memory): what the lcore hands to the disk thread. */
char *tusk_fetch_state_text(const struct tusk_fetch_source *src,
			    const struct tusk_fetch_sched *s);

/* Write `text` atomically as the record `rel` (the ".tusk-part.state"
 * name) beneath the root: temporary file, fsync, rename, fsync of the
 * directory. Returns 0 or -errno (ENOSPC, EIO, ...). */
int tusk_fetch_state_write(const struct tusk_root *r, const char *rel,
			   const char *text);

/* tusk_fetch_state_text() and _write() in one (not on an lcore). */
int tusk_fetch_state_save(const struct tusk_root *r, const char *rel,
			  const struct tusk_fetch_source *src,
			  const struct tusk_fetch_sched *s);

/*
 * Load the record `rel`. Returns 0 (as tusk_fetch_state_from_json),
 * -ENOENT when there is none, -EBADMSG with a reason in err when it is not
 * a valid record (not JSON, too big, a bad field), or another -errno from
 * reading it.
 */
int tusk_fetch_state_load(const struct tusk_root *r, const char *rel,
			  uint32_t streams, struct tusk_fetch_source *src,
			  struct tusk_fetch_sched *s, char *err,
			  size_t errlen);

/* Remove the record `rel` (absent is fine). Returns 0 or -errno. */
int tusk_fetch_state_remove(const struct tusk_root *r, const char *rel);

#endif /* TUSK_HTTP_FETCH_STATE_H */
