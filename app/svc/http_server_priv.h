/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the HTTP file endpoint, shared by
 *   http_server.c       the service: listener, connections, input, poll
 *   http_server_send.c  responses: heads, file bodies into mbufs, digests
 *   http_server_get.c   GET and HEAD
 *   http_server_put.c   PUT
 *   http_server_limit.c fair share: deadlines, per-source limits, the
 *                       table's eviction, how much a response may read
 *   http_server_propfind.c  WebDAV PROPFIND (listings)
 *   http_server_tls.c   HTTPS: the TLS layer between TCP and a connection
 *   http_server_dav.c   WebDAV MKCOL, DELETE, MOVE (the namespace)
 *   http_server_tpc.c   COPY: HTTP third-party copy, pull and push
 *   http_server_auth.c  who may: tokens checked before any dispatch
 *
 * A connection moves through phases:
 *
 *   HEAD --GET/HEAD--> [WAIT digest] --> SEND --keep-alive--> HEAD
 *     \--PUT--> BODY --> WAIT digest check --> SEND ...
 *   any error with Connection: close ... SEND --> LINGER --> freed
 *
 * Input is a stream of mbuf segments (in_head..in_tail). HEAD copies head
 * bytes out of it, BODY hands segments to the file writer, every other
 * phase leaves it alone: bytes not consumed hold the TCP window, which
 * is how pipelined requests and slow disks push back on the peer.
 */
#ifndef TUSK_HTTP_SERVER_PRIV_H
#define TUSK_HTTP_SERVER_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <jansson.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "auth_cache.h"
#include "digest.h"
#include "file_write.h"
#include "fsop.h"
#include "http_auth.h"
#include "http_msg.h"
#include "http_path.h"
#include "http_server.h"
#include "root.h"
#include "tcp_api.h"

struct tusk_tls_conn;

extern int tusk_http_logtype;
#define HS_LOG(level, ...)                                                    \
	rte_log(RTE_LOG_##level, tusk_http_logtype, "http: " __VA_ARGS__)

#define HS_NS_PER_MS UINT64_C(1000000)
#define HS_NS_PER_S UINT64_C(1000000000)

/* File bytes read into mbufs per read: 1 MiB is 64 data-room mbufs and
 * one preadv(2), ~150 us of copying; the readahead a connection holds
 * beyond what TCP took is at most this. */
#define HS_SEND_CHUNK (1u << 20)
/* Chunks one connection may queue per pump before the next gets a turn:
 * bounds the time one poll iteration spends on one connection (~0.6 ms)
 * so the lcore keeps receiving for the others. */
#define HS_SEND_BURST 4
/* Response bytes a connection keeps queued in TCP (sent and unacked,
 * or not sent yet): twice what the path can hold (min of cwnd and the
 * peer's window) plus a chunk, and at least this floor. TCP's own send
 * buffer is sized for the longest fattest path (1 GiB); without this a
 * slow reader would hold that much of the payload pool while faster
 * connections starve (RFC 9293 leaves the send buffer to the user; Linux
 * bounds unsent data the same way with TCP_NOTSENT_LOWAT). */
#define HS_QUEUE_FLOOR (4u << 20)
/* Request bodies we read and drop to keep a connection after an error
 * answer (405, 404 on PUT...): a few round trips' worth. Larger ones
 * close the connection instead of being received for nothing. */
#define HS_DISCARD_MAX (1u << 20)
/* After a closing response: how long unread request bytes are drained
 * before the connection is closed. Closing at once would answer them
 * with a RST that can destroy the response before the client reads it
 * (RFC 9112 9.6, "lingering close"). */
#define HS_LINGER_NS (2 * HS_NS_PER_S)
/* An idle connection of one host is safe from another host's newcomer
 * for this long after its last activity: a client sends its request a
 * round trip or two after the handshake, and must not lose its slot in
 * between to a host that holds more of the table (http_server_limit.c). */
#define HS_IDLE_GRACE_NS (1 * HS_NS_PER_S)
/* Uploads start the kernel's writeback every this many bytes
 * (sync_file_range, asynchronous): dirty pages do not pile up, and the
 * fsync of the commit, which runs on the lcore, has little left to do. */
#define HS_WRITEBACK_STEP (64u << 20)
/* A read of pages not in the cache is retried after this: the kernel
 * reads ahead meanwhile (an SSD answers in ~100 us to 1 ms), and the
 * lcore never blocks on the disk. */
#define HS_COLD_RETRY_NS (200 * 1000ull)
/* Idle connections are looked for this often (not every iteration). */
#define HS_IDLE_SCAN_NS (100 * HS_NS_PER_MS)
/* A PUT's writer gathers body mbufs into 1 MiB batches, one pwritev
 * each. Each mbuf is one received frame, up to 16 KiB of the port's pool
 * (which also carries every header tuskd sends) however few bytes it
 * holds: uploads trickling 2 KiB a second held up to 512 mbufs each
 * until a batch filled, and a few took the lab's 4,096 while a GET from
 * another host timed out (test_hostile_net). So a writer is flushed
 * early when it holds HS_PUT_HELD_SEGS_MAX frames (a 1 MiB batch at MTU
 * 9000 is 118: jumbo bulk uploads keep their batches; at 1500, a
 * pwritev per 185 KB), when it has held data for HS_PUT_HOLD_NS (the
 * scan's tick, so a sender that pauses pins nothing), and at once while
 * the frames' pool has less than 1/HS_PUT_POOL_LOW_DIV free. */
#define HS_PUT_HELD_SEGS_MAX 128
#define HS_PUT_HOLD_NS (200 * HS_NS_PER_MS)
#define HS_PUT_POOL_LOW_DIV 4
/* A peer whose window is under this reads slowly or not at all: it may
 * have at most twice its window plus this queued (no floor), so a reader
 * with a closed window holds ~5 data-room mbufs, not megabytes. Any
 * reading peer opens more (Linux starts at 64 KiB). */
#define HS_SEND_SMALL (64u << 10)
/* Waiting for a closed window to open or for the source's pool share:
 * look again this often (no TCP event says so). */
#define HS_SHARE_RETRY_NS (1 * HS_NS_PER_MS)
/* Digest jobs started behind GETs at once, per server. Such a job may
 * only run in the lcore's idle iterations (tusk_digest_file_idle), and a
 * client GETting many files never hashed while keeping the lcore busy
 * would otherwise fill the digest service (TUSK_DIGEST_MAX_JOBS): then a
 * checksum query (HEAD Want-Digest) found no room and went unanswered.
 * Past this, a GET starts none (a later request of the file does). */
#define HS_BEHIND_MAX 8
/* Pipelined requests: the next is read only while fewer than this many
 * earlier answers are unacknowledged. Each answer takes at least one
 * data-room mbuf (16 KiB, even for a 200-byte HEAD answer), so a client
 * pipelining HEADs without reading holds 4 mbufs, not the pool. */
#define HS_PIPE_DEPTH 4
/* PROPFIND listing bytes reserved at once per lcore: the XML as it grows
 * (libxml2's buffer, up to twice the document) and the memfd copy it is
 * sent from, until the response ends (http_server_propfind.c reserves
 * ahead of each member). 64 MiB: 5 of the largest listings being built
 * (HS_DAV_DOC_MAX, 3x while copied) or 16 being sent; a source gets at
 * most http_source_pool_pct of it, as of the data pool. Beyond: 503 with
 * Retry-After, counted in dav_refused. Without it every connection could
 * hold ~12 MiB of heap the other limits do not see. */
#define HS_DAV_BUDGET (64ull << 20)
/* Per-source tables: buckets of the lcore's source hash. */
#define HS_SRC_BUCKETS 1024u
/* Response heads waiting for an mbuf: a final head (the fields we send
 * are well under 1 KiB) after a "100 Continue" still waiting too. */
#define HS_RESP_HEAD_MAX 2048
/* Entity tag: "\"<ino>-<size>-<mtime_ns>\"" in hex, 3 x 16 + 4. */
#define HS_ETAG_MAX 56
/* The methods this endpoint has (RFC 9110 15.5.6: 405 lists them). */
#define HS_ALLOW "GET, HEAD, PUT, PROPFIND, MKCOL, DELETE, MOVE, COPY"

enum hs_phase {
	HS_HEAD = 0,   /* reading a request head */
	HS_BODY,       /* PUT: body to the file */
	HS_WAIT,       /* waiting: PUT's digest check, a PROPFIND listing */
	HS_SEND,       /* response queued or being queued */
	HS_LINGER,     /* closing: response sent, FIN sent, input dropped */
};

/* A digest being computed behind the sender for a file answered without
 * one, started once for every connection that asks for that file while
 * it runs (a 4-stream fetch asks 4 times); the worker keeps the result
 * (tusk_digest_store_as, valid for the stat it checked) for the next
 * request. A GET never waits on it (never hash before the first byte);
 * a HEAD that asks for a digest not kept with RFC 3230's Want-Digest
 * (how gfal2 and davix ask for a checksum) waits in HS_WAIT. */
struct hs_dwait {
	TAILQ_ENTRY(hs_dwait) link;
	unsigned int algs;
	bool idle;               /* hashed in idle iterations only */
	bool behind;             /* started behind a GET (HS_BEHIND_MAX) */
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	struct tusk_digest_job *job;
	int refs;        /* holders (none once the answer went) */
	int rc;          /* -EAGAIN running, 0 done, -errno failed */
	struct tusk_digests d;
};

/* The file a GET/HEAD answers with. */
struct hs_file {
	int fd;
	uint64_t size;
	dev_t dev;
	ino_t ino;
	int64_t mtime_ns;
	char etag[HS_ETAG_MAX];
	struct hs_dwait *wait;   /* HEAD waiting for its digest, or NULL */
};

/* A PUT in progress. */
struct hs_put {
	bool active;             /* tmp exists: discard on any failure */
	bool existed;            /* target existed: 204, else 201 */
	bool no_replace;         /* the token may create, not replace: the
				  * commit fails if the target appeared */
	int fd;                  /* the temporary file */
	uint64_t left;           /* body bytes still to come */
	uint64_t total;
	uint64_t flushed;        /* writeback started up to here */
	uint32_t held_segs;      /* frames the writer holds (about) */
	uint64_t held_since;     /* ... since */
	struct tusk_file_writer *w;
	struct tusk_digest_job *job;
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
};

/* A source address with connections on this lcore. */
struct hs_src {
	LIST_ENTRY(hs_src) link;         /* srv->src[hash] */
	LIST_ENTRY(hs_src) all;          /* srv->srcs */
	TAILQ_HEAD(hs_src_conns, hs_conn) conns_of; /* its, oldest first */
	struct tusk_addr addr;
	uint32_t conns;
	uint64_t held;                   /* sum of its connections' held */
	uint64_t dav_held;               /* sum of its connections' dav_held */
};

struct hs_conn {
	TAILQ_ENTRY(hs_conn) link;       /* srv->conns */
	TAILQ_ENTRY(hs_conn) busy_link;  /* srv->busy: poll has work */
	bool busy;
	bool dead;               /* closed or aborted: poll frees it */
	bool peer_fin;           /* the peer sent FIN: no more requests */
	bool in_input;           /* hs_process_input() is on the stack */
	struct tusk_http_server *srv;
	struct tusk_tcp_conn *c;
	struct tusk_tls_conn *tls; /* HTTPS: the TLS layer; NULL: HTTP */
	bool tls_eof;            /* the peer's close_notify came */
	enum hs_phase phase;
	uint64_t last_active;
	uint64_t linger_until;

	/* limits (http_server_limit.c) */
	struct hs_src *src;
	TAILQ_ENTRY(hs_conn) src_link;   /* src->conns_of */
	uint64_t head_since;     /* awaiting a head since; 0: idle between */
	uint64_t rate_at;        /* body rate window start, bytes_in then */
	uint64_t rate_bytes;
	uint64_t acked_at;       /* the peer last acknowledged new data */
	uint64_t held;           /* payload held: unacked in TCP + hc->out */
	uint64_t dav_held;       /* PROPFIND listing bytes reserved */
	uint64_t resp_end[HS_PIPE_DEPTH]; /* tcp_queued at answer ends */

	/* input: a stream of segments, linked by m->next */
	struct rte_mbuf *in_head, *in_tail;
	uint64_t in_bytes;
	uint64_t owed;           /* consumed, not yet told to TCP (over
				  * TLS: ciphertext decrypted) */
	uint64_t discard;        /* body bytes of a refused request to drop */
	bool body_pending;       /* the request's body is not all read yet */
	uint32_t head_len;
	char head[TUSK_HTTP_HEAD_MAX];

	/* the request being answered */
	struct tusk_http_req req;
	char rel[TUSK_HTTP_PATH_MAX];
	int status;
	bool close_after;        /* Connection: close after this response */

	/* the response: head text, then file [body_off, body_end) */
	uint32_t rhead_len;
	char rhead[HS_RESP_HEAD_MAX];
	struct rte_mbuf *out;    /* read, not yet taken by TCP */
	uint64_t body_off, body_end;
	bool send_blocked;       /* send() took less: wait for writable() */
	uint64_t retry_at;       /* cold file: pump again at this time */
	uint64_t tcp_queued;     /* bytes TCP took from us, all responses */
	uint64_t tcp_acked;      /* of which acknowledged, last we looked */
	struct hs_file file;
	struct hs_put put;
	struct hs_dav *dav;      /* a PROPFIND in progress */
	struct hs_tpc *tpc;      /* a third-party COPY in progress */
	struct tusk_fsop_job *fsjob; /* MKCOL/DELETE/MOVE on the worker */

	/* statistics */
	uint64_t requests;
	uint64_t bytes_in, bytes_out;
};

struct tusk_http_server {
	const struct tusk_svc_env *env;
	struct tusk_http_server_conf conf;
	bool listening, listening_tls;
	TAILQ_HEAD(hs_conn_list, hs_conn) conns;
	TAILQ_HEAD(hs_busy_list, hs_conn) busy;
	TAILQ_HEAD(hs_dwait_list, hs_dwait) dwaits;
	uint32_t n_behind;       /* dwaits with behind set */
	uint32_t n_conns;
	uint32_t n_live;         /* not dead: what the table limit counts */
	uint64_t next_idle_scan;
	uint64_t pool_bytes;     /* data_pool payload capacity */
	uint32_t seed;           /* keys the source hash */
	LIST_HEAD(hs_src_list, hs_src) src[HS_SRC_BUCKETS];
	LIST_HEAD(hs_src_all, hs_src) srcs;
	struct tusk_http_server_limits lim;
	struct tusk_fsop_svc *fsop;      /* MKCOL/DELETE/MOVE, off the lcore */
	/* authorisation (http_server_auth.c): decisions by outcome, the
	 * invalid ones by the check that failed, verified tokens kept */
	uint64_t auth[TUSK_HTTP_AUTH_OUTCOMES];
	uint64_t auth_invalid[TUSK_AUTH_VERDICTS];
	struct tusk_auth_cache auth_cache;
	/* statistics */
	uint64_t requests[6];    /* by status class, [1] = 1xx ... [5] = 5xx */
	uint64_t bytes_in, bytes_out;
	uint64_t accepted, refused;
	uint64_t tls_handshakes, tls_failures;
	uint64_t put_digest_refused;  /* uploads whose digest did not match */
};

/* http_server.c */
int hs_accept(struct tusk_http_server *srv, struct tusk_tcp_conn *c,
	      bool tls, void **carg, uint64_t now);
void hs_in_append(struct hs_conn *hc, struct rte_mbuf *m);
void hs_peer_closed(struct hs_conn *hc, uint64_t now);
void hs_on_closed(struct tusk_tcp_conn *c, void *arg, int err,
		  uint64_t now);
void hs_busy(struct hs_conn *hc, bool on);
void hs_consume(struct hs_conn *hc, uint64_t bytes);
void hs_process_input(struct hs_conn *hc, uint64_t now);
void hs_close(struct hs_conn *hc, uint64_t now);
void hs_abort(struct hs_conn *hc, uint64_t now);
uint64_t hs_in_drop(struct hs_conn *hc, uint64_t bytes);

/* http_server_send.c */
/* One chunk of a chunked body (text, n bytes) after the head; `last`
 * ends the body (the zero chunk) and the response. -ENOSPC when the
 * head buffer is full (the peer does not read): nothing queued. */
int hs_send_chunk(struct hs_conn *hc, const char *text, size_t n, bool last,
		  uint64_t now);
int hs_respond(struct hs_conn *hc, const struct tusk_http_resp_info *ri,
	       uint64_t now);
int hs_respond_open(struct hs_conn *hc, const struct tusk_http_resp_info *ri,
		    uint64_t now);
int hs_respond_error(struct hs_conn *hc, int status, uint64_t now);
/* An error answer described by ri (extra fields: WWW-Authenticate ...). */
int hs_respond_error_info(struct hs_conn *hc, struct tusk_http_resp_info *ri,
			  uint64_t now);
int hs_interim_continue(struct hs_conn *hc, uint64_t now);
void hs_pump(struct hs_conn *hc, uint64_t now);
void hs_response_done(struct hs_conn *hc, uint64_t now);
int hs_status_of_errno(int err);
/* The digest job of `algs` for file f, started or joined; behind: nobody
 * will wait for it (a GET's): it may be left to the lcore's idle
 * iterations (tusk_svc_env.digest_behind_idle), and a request that waits
 * never joins such a job. NULL when the digest service cannot take one. */
struct hs_dwait *hs_dwait_get(struct tusk_http_server *srv,
			      const struct hs_file *f, unsigned int algs,
			      bool behind);
void hs_dwait_put(struct tusk_http_server *srv, struct hs_dwait *dw);
void hs_dwaits_poll(struct tusk_http_server *srv);

/* http_server_get.c */
void hs_get_start(struct hs_conn *hc, uint64_t now);
/* The digests a request asks for (GET, HEAD, PUT's answer): the best
 * of Want-Repr-Digest (RFC 9530) into *repr and of Want-Digest
 * (RFC 3230) into *legacy, as TUSK_DIGEST_BIT()s, each answered in its
 * own field; sha-256 goes in Repr-Digest unasked when it is kept. */
void hs_wanted(const struct tusk_http_req *req, unsigned int *repr,
	       unsigned int *legacy);
/* In HS_WAIT for a HEAD: the digest it asked for. */
void hs_get_poll(struct hs_conn *hc, uint64_t now);
void hs_file_close(struct hs_file *f);
/* The strong validator of a file as GET sends it (ETag). */
void hs_etag_format(char etag[HS_ETAG_MAX], const struct stat *st);

/* http_server_propfind.c: the body arrives in HS_BODY like a PUT's; the
 * listing runs in HS_WAIT. */
void hs_propfind_start(struct hs_conn *hc, uint64_t now);
void hs_propfind_body(struct hs_conn *hc, uint64_t now);
void hs_propfind_poll(struct hs_conn *hc, uint64_t now);
void hs_propfind_free(struct hs_conn *hc);

/* http_server_dav.c: MKCOL, DELETE, MOVE, run on the namespace worker
 * (fsop.h) while the connection waits in HS_WAIT */
void hs_dav_start(struct hs_conn *hc, uint64_t now);
void hs_dav_poll(struct hs_conn *hc, uint64_t now);
void hs_dav_free(struct hs_conn *hc);

/* http_server_tpc.c: COPY runs in HS_WAIT, its progress streamed as a
 * chunked body until the transfer ends. */
void hs_tpc_start(struct hs_conn *hc, uint64_t now);
void hs_tpc_poll(struct hs_conn *hc, uint64_t now);
void hs_tpc_free(struct hs_conn *hc);
/* http_server_auth.c: true when hc's request may go on; else it was
 * answered (401 or 403) */
bool hs_auth_check(struct hs_conn *hc, uint64_t now);
/* A MOVE's destination `to` (relative): may the token create it (or
 * modify it, when it exists)? Else answered (401 or 403). The source
 * was checked for modify by hs_auth_check. */
bool hs_auth_check_dest(struct hs_conn *hc, const char *to, uint64_t now);
json_t *hs_auth_json(const struct tusk_http_server *srv);

/* http_server_limit.c */
void hs_limit_init(struct tusk_http_server *srv);
int hs_limit_admit(struct tusk_http_server *srv, struct hs_conn *hc,
		   struct tusk_tcp_conn *c, uint64_t now);
void hs_limit_release(struct hs_conn *hc);
/* PROPFIND listing bytes (http_server_propfind.c): reserve up to `bytes`
 * for hc; false (nothing reserved, dav_refused counted) when that puts
 * the lcore over HS_DAV_BUDGET or hc's source over source_pool_pct of
 * it. hs_limit_dav_set() lowers the reservation (0: none). */
bool hs_limit_dav_reserve(struct hs_conn *hc, uint64_t bytes);
void hs_limit_dav_set(struct hs_conn *hc, uint64_t bytes);
void hs_limit_scan(struct tusk_http_server *srv, uint64_t now);
uint64_t hs_limit_send_room(struct hs_conn *hc, uint64_t now);
void hs_limit_sent(struct hs_conn *hc, uint64_t took, uint64_t now);
bool hs_limit_may_dispatch(struct hs_conn *hc, uint64_t now);
void hs_limit_answered(struct hs_conn *hc);
bool hs_limit_all_acked(struct hs_conn *hc, uint64_t now);
json_t *hs_limit_json(const struct tusk_http_server *srv);

/* http_server_tls.c: the HTTPS listener's callbacks, and the TLS layer
 * for the rest of the endpoint (calls only for hc->tls != NULL) */
extern const struct tusk_tcp_ops hs_tls_ops;
bool hs_tls_pull(struct hs_conn *hc, uint64_t now);
void hs_tls_consumed(struct hs_conn *hc);
int64_t hs_tls_send(struct hs_conn *hc, bool *blocked, uint64_t now);
void hs_tls_close_notify(struct hs_conn *hc, uint64_t now);
bool hs_tls_handshaking(const struct hs_conn *hc);

/* http_server_put.c */
void hs_put_start(struct hs_conn *hc, uint64_t now);
void hs_put_body(struct hs_conn *hc, uint64_t now);
/* Write what the writer holds now (HS_PUT_HELD_SEGS_MAX says why). */
void hs_put_flush(struct hs_conn *hc, uint64_t now);
void hs_put_poll(struct hs_conn *hc, uint64_t now);
void hs_put_cancel(struct hs_conn *hc);

#endif /* TUSK_HTTP_SERVER_PRIV_H */
