/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP/1.1 file endpoint (issue 4): GET, HEAD and PUT on files under
 * the data root, served on one lcore's stack.
 *
 *   GET/HEAD  200, or 206/416 for a single byte range (app/http/
 *             http_range.h: several ranges are ignored, 200; HEAD ignores
 *             Range, RFC 9110 14.2; If-Range by ETag or Last-Modified).
 *             Repr-Digest sha-256 of the whole file (RFC 9530), kept with
 *             the file or computed on the digest worker while other
 *             connections keep being served (files over 8 GiB without a
 *             kept digest are answered at once without it and hashed in
 *             the background). ETag and Last-Modified on every answer.
 *   PUT       into a temporary name beside the target, renamed over it
 *             when complete: 201 (new) or 204 (replaced). A Repr-Digest
 *             from the client is checked (mismatch: 400, nothing kept).
 *             Expect: 100-continue answered with 100 or the final error.
 *   errors    400 (malformed head or target, %2f, %00), 403 (".." and
 *             encoded dots, symlinks out of the root, directories, PUT
 *             of internal names, permissions), 404 (missing; internal
 *             names such as uploads in progress), 405 (+Allow: GET, HEAD,
 *             PUT), 409 (PUT into a missing directory), 411 (PUT without
 *             Content-Length; chunked PUT), 413 (over put_max), 414, 416,
 *             417, 431, 500, 501, 503 (no digest job for an upload), 505,
 *             507 (disk full, checked before and during the upload:
 *             partial file removed, connection closed, service goes on).
 * Connections are persistent (HTTP/1.1; 1.0 requests are answered and
 * closed) and pipelined requests are answered in order. Data moves
 * without copies: file pages are read into data_pool mbufs (never
 * waiting for the disk: cold pages are read ahead and retried) and handed
 * to TCP, which keeps at most about twice what the path holds; received
 * payload mbufs go to the file by vectored writes. Only head bytes are
 * copied (into a per-connection buffer of TUSK_HTTP_HEAD_MAX). A closing
 * answer to a request whose body is still coming drains it before the
 * close (no RST over the answer).
 */
#ifndef TUSK_HTTP_SERVER_H
#define TUSK_HTTP_SERVER_H

#include <stdint.h>

#include <jansson.h>

#include "svc.h"

/* Defaults for zeros in the configuration. */
#define TUSK_HTTP_SERVER_PORT_DEFAULT 80
/* PUT bodies up to 1 TiB: a DTN's objects are large; operators of small
 * roots lower it. */
#define TUSK_HTTP_SERVER_PUT_MAX_DEFAULT (1ull << 40)
/* Idle keep-alive connections close after 60 s (nginx's default is 75,
 * Apache's 5): long enough for a client's next request, short enough
 * that abandoned connections do not pin the table. */
#define TUSK_HTTP_SERVER_IDLE_DEFAULT_NS (60ull * 1000000000ull)
/* Concurrent connections per lcore: 1024 is 32x the 32 clients
 * and bounds the head buffers to 16 MiB. */
#define TUSK_HTTP_SERVER_CONNS_DEFAULT 1024u

struct tusk_http_server_conf {
	uint16_t port;            /* listen port; 0: 80 */
	uint64_t put_max;         /* largest PUT body, bytes; 0: default */
	uint64_t idle_ns;         /* keep-alive idle timeout; 0: default */
	uint32_t max_conns;       /* 0: default; past it new SYNs are reset */
};

struct tusk_http_server;

/*
 * Listen on conf->port on env->st. Returns NULL (rte_errno set: EINVAL
 * for a bad configuration or env without root/data_pool, EADDRINUSE,
 * ENOMEM) on failure. env must outlive the server.
 */
struct tusk_http_server *
tusk_http_server_create(const struct tusk_svc_env *env,
			const struct tusk_http_server_conf *conf);

/* Once per loop iteration on the lcore: sends that waited for mbufs,
 * digest completions, idle timeouts. `srv` is a tusk_http_server. */
void tusk_http_server_poll(void *srv, uint64_t now);

/* Stop listening, close every connection (temps of unfinished PUTs are
 * removed), free everything. NULL is a no-op. */
void tusk_http_server_free(void *srv);

/*
 * Statistics and the open connections, for the control socket:
 * {"port", "connections": n, "requests": {"1xx".."5xx"}, "bytes_in",
 *  "bytes_out", "conns": [{"peer", "state", "method", "path", "status",
 *  "bytes_in", "bytes_out"}...]}. NULL on allocation failure.
 */
json_t *tusk_http_server_json(const struct tusk_http_server *srv);

#endif /* TUSK_HTTP_SERVER_H */
