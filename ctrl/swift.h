/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift: tusk-ctrld's OpenStack Swift client (libcurl + jansson + OpenSSL),
 * for the `swift` hand-off step and `swift://container/prefix` sources.
 * Facts about Swift this relies on are in README "Swift storage".
 *
 *   tusk_swift_upload(path)
 *     -> swift_auth (tempauth v1.0 or Keystone v3, token cached)
 *     -> tusk_swift_container_ensure
 *     -> size <= segment_size: one PUT; MD5 and SHA-256 computed from the
 *        bytes as they are read for sending; Swift's ETag (the MD5 of what
 *        it stored) compared with ours, X-Object-Meta-Sha256 sent (when
 *        known before) or set by a POST after
 *     -> else tusk_swift_slo_upload: HEAD each segment (one there with the
 *        right MD5 is kept), PUT the others over `parallel` connections,
 *        each hashed while sent and its ETag compared, the file's SHA-256
 *        on a thread of its own meanwhile, manifest last with the SHA-256
 *
 * Every request goes through tusk_swift_request: a 401 renews the token
 * once; a connection failure or a 5xx is retried `retries` times,
 * `retry_delay_ms` apart, then reported. Errors: 0 or -errno, and
 * tusk_swift_error() gives one line naming what failed.
 */
#ifndef TUSK_CTRL_SWIFT_H
#define TUSK_CTRL_SWIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Swift refuses a single object over 5 GiB (max_file_size); bigger files
 * must be segmented, so no segment may be larger either. */
#define TUSK_SWIFT_SEGMENT_HARD_MAX (5ull << 30)
/* Default segment size: the 1 GiB, a fifth of the hard limit. */
#define TUSK_SWIFT_SEGMENT_DEFAULT (1ull << 30)
/* Swift's default max_manifest_segments is 1000. */
#define TUSK_SWIFT_SLO_SEGMENTS_MAX 1000
/* Parallel segment connections: more than this only queues on the proxy. */
#define TUSK_SWIFT_PARALLEL_MAX 32
#define TUSK_SWIFT_PARALLEL_DEFAULT 4
#define TUSK_SWIFT_RETRIES_DEFAULT 3
#define TUSK_SWIFT_RETRY_DELAY_MS_DEFAULT 1000
/* A token is opaque but short (tempauth ~37 bytes, Fernet ~180). */
#define TUSK_SWIFT_TOKEN_MAX 1024
#define TUSK_SWIFT_URL_MAX 1024
#define TUSK_SWIFT_ERROR_MAX 256
/* Container listings are paged by Swift at 10,000 names. */
#define TUSK_SWIFT_LIST_PAGE 10000

enum tusk_swift_auth_kind {
	TUSK_SWIFT_AUTH_TEMPAUTH,	/* GET auth_url, X-Auth-User/-Key */
	TUSK_SWIFT_AUTH_KEYSTONE3,	/* POST auth_url/auth/tokens, password */
};

struct tusk_swift_cfg {
	enum tusk_swift_auth_kind auth;
	const char *auth_url;	/* .../auth/v1.0 or Keystone's .../v3 */
	const char *user;	/* tempauth "account:user"; Keystone user name */
	const char *key;	/* tempauth key; Keystone password */
	const char *project;	/* Keystone: project name scoped to */
	const char *domain;	/* Keystone: user and project domain name */
	const char *region;	/* Keystone: endpoint region, NULL = any */
	uint64_t segment_size;	/* 0 = default; <= hard max */
	unsigned parallel;	/* 0 = default */
	unsigned retries;	/* after the first try; UINT32_MAX = default */
	unsigned retry_delay_ms;
	long timeout_s;		/* a request stalled this long fails; 0 = 600 */
	uint64_t max_send_bps;	/* per connection, 0 = unlimited */
};

/* Counters for `tuskctl` and for tests that prove what was (not) sent. */
struct tusk_swift_stats {
	uint64_t auths;		/* tokens obtained */
	uint64_t renewals;	/* of those, after a 401 */
	uint64_t requests;	/* HTTP requests tried, retries included */
	uint64_t object_puts;	/* PUTs of object bodies (segments included) */
	uint64_t bytes_sent;
	uint64_t segments_sent;
	uint64_t segments_skipped; /* already in Swift with the right ETag */
	uint64_t hash_ms;	/* reading the file before sending: MD5s of
				 * segments found in Swift (resume) */
	uint64_t sha_ms;	/* the SHA-256 pass beside the segment PUTs */
};

struct tusk_swift {
	struct tusk_swift_cfg cfg;
	char token[TUSK_SWIFT_TOKEN_MAX];
	char storage_url[TUSK_SWIFT_URL_MAX];
	struct tusk_swift_stats stats;
	char err[TUSK_SWIFT_ERROR_MAX];
};

/* What tusk_swift_upload found and sent. */
struct tusk_swift_upload_result {
	char etag[64];		/* Swift's ETag of the object (SLO: quoted) */
	char sha256[65];
	uint64_t size;
	unsigned segments;	/* 0 = a plain object */
};

/* What a caller knows already (all optional). */
struct tusk_swift_upload_opts {
	/* the file's SHA-256 (hex) as verified before: the upload computes
	 * it again from the bytes it reads and fails if they differ */
	const char *sha256;
	/* segments sent before (ctrld's journal): 1 and md5_hex filled when
	 * segment `name` of container segc was sent with that MD5 */
	int (*seg_known)(void *arg, const char *segc, const char *name,
			char md5_hex[33]);
	/* a segment is in Swift, its ETag checked (called on the uploading
	 * thread; ctrld journals it) */
	void (*seg_sent)(void *arg, const char *segc, const char *name,
			const char *md5_hex);
	void *arg;
};

/* One name from a container listing. */
struct tusk_swift_entry {
	const char *name;
	uint64_t bytes;
	const char *hash;
};
typedef int (*tusk_swift_list_cb)(const struct tusk_swift_entry *e, void *arg);

int tusk_swift_init(struct tusk_swift *s, const struct tusk_swift_cfg *cfg);
const char *tusk_swift_error(const struct tusk_swift *s);
/* Use a token kept from earlier (it may have expired: a 401 renews it). */
void tusk_swift_set_token(struct tusk_swift *s, const char *token,
		const char *storage_url);
int tusk_swift_auth(struct tusk_swift *s);

int tusk_swift_container_ensure(struct tusk_swift *s, const char *container);
int tusk_swift_upload(struct tusk_swift *s, const char *container,
		const char *object, const char *path,
		struct tusk_swift_upload_result *res);
int tusk_swift_upload_ex(struct tusk_swift *s, const char *container,
		const char *object, const char *path,
		const struct tusk_swift_upload_opts *o,
		struct tusk_swift_upload_result *res);
/* One PUT of bytes [off, off+len) of fd, with the given ETag (hex MD5)
 * and SHA-256 metadata (NULL = none). 422 = Swift's MD5 differed. */
int tusk_swift_put_range(struct tusk_swift *s, const char *container,
		const char *object, int fd, uint64_t off, uint64_t len,
		const char *md5_hex, const char *sha256_hex);
/* HEAD: 0 and size/etag filled, -ENOENT when absent. */
int tusk_swift_head(struct tusk_swift *s, const char *container,
		const char *object, uint64_t *size, char etag[64]);
/* What a HEAD of an object tells. */
struct tusk_swift_objinfo {
	uint64_t size;
	char etag[64];		/* an SLO's is quoted */
	char sha256[65];	/* X-Object-Meta-Sha256, "" when none */
	bool slo;
};
int tusk_swift_stat(struct tusk_swift *s, const char *container,
		const char *object, struct tusk_swift_objinfo *info);
int tusk_swift_list(struct tusk_swift *s, const char *container,
		const char *prefix, tusk_swift_list_cb cb, void *arg);
/* GET bytes [off, off+len) (len 0 = to the end) into path at offset off. */
int tusk_swift_get(struct tusk_swift *s, const char *container,
		const char *object, uint64_t off, uint64_t len, const char *path);

#endif
