/* SPDX-License-Identifier: BSD-3-Clause */
/* swift_priv: one HTTP request to Swift or Keystone, shared by swift_*.c. */
#ifndef TUSK_CTRL_SWIFT_PRIV_H
#define TUSK_CTRL_SWIFT_PRIV_H

#include <curl/curl.h>
#include <openssl/evp.h>

#include "swift.h"

/* Answers read into memory (auth, listings, errors) are small; a bigger
 * one is a misbehaving server. Keystone catalogs run to ~100 KB. */
#define SWIFT_RESP_MAX (4u << 20)

struct swift_req {
	const char *method;
	char url[TUSK_SWIFT_URL_MAX + 512];
	struct curl_slist *hdrs;	/* extra request headers, owned */
	bool authed;			/* send X-Auth-Token, renew on 401 */
	/* body: memory, or a range of a file */
	const char *body;
	size_t body_len;
	int fd;
	uint64_t off, len, sent;
	/* digests of the body as it is read for sending (NULL = none):
	 * reset at each attempt, so a retry hashes what it sends again */
	EVP_MD_CTX *md5, *sha;
	/* answer */
	long status;
	char *resp;
	size_t resp_len;
	int out_fd;			/* GET into a file at out_off */
	uint64_t out_start;		/* where each attempt starts writing */
	uint64_t out_off;
	int out_err;
	char etag[64];
	char meta_sha256[65];		/* X-Object-Meta-Sha256 */
	bool slo;			/* X-Static-Large-Object: True */
	char token[TUSK_SWIFT_TOKEN_MAX];
	char storage_url[TUSK_SWIFT_URL_MAX];
	uint64_t length;
	/* per attempt */
	CURL *h;
	uint64_t auth_gen;		/* s->stats.auths when sent */
	struct curl_slist *all_hdrs;
	char curl_err[CURL_ERROR_SIZE];
};

void swift_req_init(struct swift_req *r, const char *method);
void swift_req_free(struct swift_req *r);
int swift_req_header(struct swift_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* URL of container[/object][?query] under the storage URL, escaped. */
int swift_req_url(struct tusk_swift *s, struct swift_req *r,
		const char *container, const char *object, const char *query);
/* swift_req_init, authenticated, swift_req_url: a token (and the storage
 * URL) first if there is none. Free r whatever it returns. */
int swift_req_authed(struct tusk_swift *s, struct swift_req *r,
		const char *method, const char *container, const char *object,
		const char *query);
int swift_url_escape(char *dst, size_t cap, const char *name,
		bool keep_slash);
/* Prepare an easy handle for one attempt (multi users), and read the
 * outcome: 0, -EAGAIN (retry: connection or 5xx), -EACCES (401), or
 * another -errno with s->err set. */
int swift_req_setup(struct tusk_swift *s, struct swift_req *r, CURL *h);
int swift_req_outcome(struct tusk_swift *s, struct swift_req *r,
		CURLcode rc);
/* One request with retries and one token renewal. */
int tusk_swift_request(struct tusk_swift *s, struct swift_req *r);
void swift_sleep_ms(unsigned ms);
int swift_seterr(struct tusk_swift *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* swift_auth.c: a new token (count as renewal if renew). */
int swift_auth_renew(struct tusk_swift *s, bool renew);
/* swift_object.c */
int swift_hash_range(struct tusk_swift *s, int fd, uint64_t off,
		uint64_t len, char md5_hex[33], void *sha256_ctx);
/* Hash r's body while it is sent: MD5, and SHA-256 when sha. */
int swift_req_hash(struct swift_req *r, bool sha);
/* The digests of the last attempt's body, as hex (sha_hex may be NULL). */
void swift_req_digests(struct swift_req *r, char md5_hex[33],
		char sha_hex[65]);
void swift_hex(const unsigned char *d, unsigned n, char *out);

/* swift_slo.c */
int tusk_swift_slo_upload(struct tusk_swift *s, const char *container,
		const char *object, int fd, uint64_t size,
		const struct tusk_swift_upload_opts *o,
		struct tusk_swift_upload_result *res);

#endif
