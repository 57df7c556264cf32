/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The push client: one PUT of a file under the data root to a URL, on the
 * lcore's own TCP, for a third-party COPY with Destination (http_server_
 * tpc.c). The fetch client (http_fetch.h) is the pull side.
 *
 *   tusk_push_start() -> file opened beneath the root, tusk_tcp_connect()
 *   connected()       -> "PUT <target>" with Content-Length, the kept
 *                        Repr-Digest (sha-256) when there is one, and the
 *                        forwarded fields -> pump()
 *   pump()            -> file pages into mbufs (NOWAIT: never wait for
 *                        the disk on the lcore) -> tusk_tcp_send()
 *   recv()            -> the response head: 1xx skipped; 2xx after the
 *                        whole body is success (with verify: once the
 *                        destination's digests, asked for with a HEAD,
 *                        equal the file's), anything else failure (a
 *                        server may refuse before the body is all in)
 *
 * One connection, no retry: a failed push is the copy's failure, and FTS
 * (or whoever sent the COPY) retries whole copies. A host name is
 * resolved by the caller, off the lcore (resolve.h), and given as addr.
 */
#ifndef TUSK_HTTP_PUSH_H
#define TUSK_HTTP_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "svc.h"

struct tusk_tls_ctx;

/* A connect unanswered this long fails the push (the fetch client's
 * bound, TUSK_FETCH_CONNECT_NS). */
#define TUSK_PUSH_CONNECT_NS (5ull * 1000000000ull)
/* No byte taken by TCP and no response byte for this long fails it. */
#define TUSK_PUSH_IDLE_NS (30ull * 1000000000ull)

struct tusk_push_req {
	const char *url;     /* http://host[:port]/path */
	/* The host's IPv4 address (host byte order) when the URL names the
	 * host and the caller resolved it (resolve.h); 0: the URL's
	 * literal. */
	uint32_t addr;
	const char *rel;     /* the file, relative to the data root */
	const char *extra;   /* field lines sent on, or NULL (http_msg.h) */
	/* https: the client context the server is verified with (tls_ca;
	 * tusk_fetch_tls()); NULL: an https URL is refused. */
	struct tusk_tls_ctx *tls;
	/* RequireChecksumVerification: after the PUT, the destination's
	 * digests (HEAD, Want-Repr-Digest and Want-Digest) must equal the
	 * file's (adler32, md5, sha-256: those both have, one at least) */
	bool verify;
};

struct tusk_push;

/* Start; 0 and *out, or -errno: -EINVAL (URL, a name without addr),
 * -EPROTONOSUPPORT (https without tls), -EBUSY (verify: the digest
 * workers' queue is full), -ENOENT / -EXDEV / ...
 * (the file, as tusk_root_openat), -ENOMEM, -EADDRNOTAVAIL (no port). */
int tusk_push_start(const struct tusk_svc_env *env,
		    const struct tusk_push_req *req, uint64_t now,
		    struct tusk_push **out);

/* Timers and sends waiting for the disk or for mbufs: every iteration. */
void tusk_push_poll(struct tusk_push *p, uint64_t now);

/* -EAGAIN while running; 0 when the destination took it (2xx); else
 * -errno with a reason in why. *bytes: body bytes TCP took so far. */
int tusk_push_state(const struct tusk_push *p, uint64_t *bytes, char *why,
		    size_t len);

/* Abort if running, free (NULL is fine). */
void tusk_push_free(struct tusk_push *p);

#endif /* TUSK_HTTP_PUSH_H */
