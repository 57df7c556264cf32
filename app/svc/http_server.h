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

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "svc.h"

/* Defaults for zeros in the configuration. */
#define TUSK_HTTP_SERVER_PORT_DEFAULT 80
#define TUSK_HTTP_SERVER_HTTPS_PORT_DEFAULT 443
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
/* A request head must arrive whole within 10 s of the connection (or of
 * its first byte on a kept-alive one), as nginx's client_header_timeout
 * (60 s there): a head is one or two segments, 10 s is many RTOs of a
 * lossy path, and a slowloris client cannot hold a slot longer. */
#define TUSK_HTTP_SERVER_HEAD_TIMEOUT_DEFAULT_NS (10ull * 1000000000ull)
/* A request body must keep at least 1 KiB/s over every window of
 * TUSK_HTTP_SERVER_BODY_WINDOW_NS: no real uploader is that slow, and a
 * PUT trickling a byte a second ends within one window. */
#define TUSK_HTTP_SERVER_BODY_RATE_DEFAULT 1024u
/* The body rate is measured over 10 s: long enough to ride out a few
 * retransmission timeouts (RFC 6298 doubles them from 1 s). */
#define TUSK_HTTP_SERVER_BODY_WINDOW_NS (10ull * 1000000000ull)
/* A response whose peer acknowledges nothing new for 30 s is aborted
 * (nginx's send_timeout is 60 s, measured from the last write; ours runs
 * from the last acknowledged byte, so a reader with a closed window
 * cannot keep it alive by answering zero-window probes). */
#define TUSK_HTTP_SERVER_SEND_TIMEOUT_DEFAULT_NS (30ull * 1000000000ull)
/* Connections of one source address per lcore, and on all lcores: 64
 * covers the widest multi-stream client (fetch_streams is at most 64)
 * and leaves the other 960 slots of a default table to other hosts. */
#define TUSK_HTTP_SERVER_SOURCE_CONNS_DEFAULT 64u
#define TUSK_HTTP_SERVER_SOURCE_TOTAL_DEFAULT 128u
/* Share of the lcore's data pool one source address may hold in
 * responses (read from files, not yet acknowledged): half, so a single
 * fast client still gets a big window and another host always finds
 * the other half. */
#define TUSK_HTTP_SERVER_SOURCE_POOL_PCT_DEFAULT 50u

struct tusk_http_share;
struct tusk_tls_ctx;
struct tusk_http_auth;

struct tusk_fetch;

struct tusk_http_server_conf {
	uint16_t port;            /* listen port; 0: 80 */
	uint64_t put_max;         /* largest PUT body, bytes; 0: default */
	uint64_t idle_ns;         /* keep-alive idle timeout; 0: default */
	uint32_t max_conns;       /* 0: default; when full the oldest idle
				   * connection goes, else the SYN is reset */
	uint64_t head_timeout_ns; /* whole request head; 0: default */
	uint32_t body_rate_min;   /* body bytes/s at least; 0: default */
	uint64_t send_timeout_ns; /* no new byte acked; 0: default */
	uint32_t source_conns;    /* per source address here; 0: default */
	uint32_t source_total;    /* per source, all lcores; 0: default */
	uint32_t source_pool_pct; /* of data_pool per source; 0: default */
	/* per-source totals shared by every lcore's server (http_share.h);
	 * NULL: only this server's connections count */
	struct tusk_http_share *share;
	/* HTTPS (tls.h, http_server_tls.c): a server context, or NULL for
	 * none; the server owns it once created (freed with the server),
	 * the caller still does when create fails */
	struct tusk_tls_ctx *tls;
	uint16_t https_port;      /* 0: 443 */
	bool https_only;          /* no plain HTTP listener (needs tls) */
	/* the fetch client on this lcore, which pulls for a third-party
	 * COPY with Source (http_server_tpc.c); NULL: such a COPY is 503 */
	struct tusk_fetch *fetch;
	/* who may do what (http_auth.h), shared read-only by every lcore's
	 * server; required: "no checks" is mode off, said explicitly */
	const struct tusk_http_auth *auth;
};

struct tusk_http_server;

/*
 * Listen on conf->port on env->st. Returns NULL (rte_errno set: EINVAL
 * for a bad configuration (no conf->auth) or env without root/data_pool, EADDRINUSE,
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
 *  "bytes_out", "limits": {counters of each limit, see
 *  tusk_http_server_limits}, "auth": {decisions by outcome: "ok", "anon",
 *  "off", "missing", "invalid", "forbidden"; "invalid_<verdict>" by the
 *  check that failed; "cache_hits", "cache_misses", "cache_evicted"}, "conns": [{"peer", "state", "method", "path",
 *  "status", "bytes_in", "bytes_out"}...]}. NULL on allocation failure.
 */
json_t *tusk_http_server_json(const struct tusk_http_server *srv);

/* What each limit did, since start (one lcore's server). */
struct tusk_http_server_limits {
	uint64_t head_timeouts;   /* head not whole in head_timeout: 408 */
	uint64_t body_too_slow;   /* body under body_rate_min: aborted */
	uint64_t send_timeouts;   /* nothing acked in send_timeout: aborted */
	uint64_t idle_closed;     /* idle past idle_ns: closed */
	uint64_t evicted;         /* oldest idle closed for a newcomer */
	uint64_t evicted_fair;    /* none idle: one of the largest source's
				   * closed for a smaller source */
	uint64_t evicted_upload;  /* none else: the largest source's
				   * quietest upload aborted for a smaller */
	uint64_t put_early_flushes; /* PUT batches written before full:
				     * HS_PUT_HELD_SEGS_MAX */
	uint64_t refused_full;    /* table full, nobody idle: reset */
	uint64_t refused_source;  /* source at source_conns here: reset */
	uint64_t refused_total;   /* source at source_total: reset */
	uint64_t share_waits;     /* reads held back: source at its pool share */
	uint64_t behind_skipped;  /* GETs that started no digest job behind
				   * them: HS_BEHIND_MAX running */
	uint64_t pipeline_waits;  /* requests held back: answers unread */
	uint64_t pool_held;       /* payload bytes responses hold now */
	uint64_t pool_held_peak;  /* the most they held at once */
	uint64_t dav_refused;     /* PROPFIND over the listing budget: 503 */
	uint64_t dav_held;        /* listing bytes reserved now */
	uint64_t dav_held_peak;   /* the most reserved at once */
	uint64_t tls_handshake_timeouts; /* no TLS handshake within the
					  * head deadline: reset */
	uint32_t sources;         /* source addresses with connections */
};

void tusk_http_server_limits(const struct tusk_http_server *srv,
			     struct tusk_http_server_limits *out);

#endif /* TUSK_HTTP_SERVER_H */
