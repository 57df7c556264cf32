/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client (issue 4 "Client side"): tuskd downloads a URL from a
 * standard HTTP/1.1 server into the data root over N parallel range
 * streams, and resumes after an interruption from what is on disk and
 * verified.
 *
 * A transfer, from tusk_fetch_start():
 *
 *   probing    HEAD on one connection: size (Content-Length), whether the
 *              server takes ranges (Accept-Ranges: bytes), validators
 *              (ETag, Last-Modified: RFC 9110 8.8), the digests it offers
 *              (Repr-Digest, RFC 9530; Digest, RFC 3230). 4xx: failed at
 *              once.
 *   running    the part file `<dest>.tusk-part` is preallocated to the
 *              size; N streams (connections) each ask for the next span
 *              of missing blocks with "Range: bytes=a-b" on a persistent
 *              connection and write the payload mbufs at the span's
 *              offset by vectored writes (fileio file_write.h, no copy),
 *              recording each block's CRC32C (computed on the mbufs).
 *              The resume record `<dest>.tusk-part.state` is rewritten at
 *              most every TUSK_FETCH_SAVE_NS (http_fetch_state.h). The
 *              digest worker (fileio digest.h) hashes the contiguous
 *              prefix of blocks on disk behind the writes (verify=, below;
 *              http_fetch_verify.c).
 *   verifying  all blocks on disk: the hash finishes the tail since the
 *              last poll; every algorithm the server offered and tuskd
 *              computed must match.
 *   done       part renamed over dest atomically, digests kept with the
 *              file, record removed; the list shows them.
 *   failed     with a reason (the server's status, refused connections
 *              after the retries, no space, digest mismatch...).
 *   cancelled  by tusk_fetch_cancel(): part and record are kept for a
 *              later fetch to resume, unless discarded.
 *   paused     found on disk at start (a record left by an earlier run):
 *              a fetch of the same dest (and URL) resumes it.
 *
 * Servers that ignore Range (Python 3.11's `python3 -m http.server`
 * answers every GET with 200 and the whole file, and sends no
 * Accept-Ranges): one stream takes the whole body in order; a resume
 * against such a server downloads from the start again (the part's
 * verified blocks cannot be skipped on the wire), which the list says in
 * "note".
 *
 * Interruptions: a stream whose connection is refused, reset, times out
 * or ends early gives its unfinished blocks back; the transfer retries
 * with exponential backoff (TUSK_FETCH_BACKOFF_*), failing after
 * TUSK_FETCH_RETRY_MAX attempts in a row without a completed block.
 * After a restart (tuskd stopped: records are saved at free; or killed:
 * the last saved record) the blocks the record calls done are read back
 * and their CRC32C compared before they count; bad ones are fetched
 * again. If the source changed (size, ETag or Last-Modified differ), the
 * transfer starts over and says so.
 *
 * Everything runs on the service's lcore: the control thread reaches it
 * through tusk_lcore_call(). Host names are resolved by the caller (the
 * stack has no DNS).
 */
#ifndef TUSK_HTTP_FETCH_H
#define TUSK_HTTP_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http_digest.h"
#include "svc.h"

/* Streams per transfer unless asked: 4 connections fill a long fat pipe
 * that one loss-recovering connection leaves half empty. */
#define TUSK_FETCH_STREAMS_DEFAULT 4
/* Streams per transfer at most: 64 connections of a 1 GiB window each
 * is more than any path needs, and bounds the head buffers (16 KiB each). */
#define TUSK_FETCH_STREAMS_MAX 64
/* Transfers listed at once (running, finished, paused). The oldest
 * finished ones make room for new ones. */
#define TUSK_FETCH_TRANSFERS_MAX 64
/* Longest reason text kept for a failed transfer, and for its note. */
#define TUSK_FETCH_REASON_MAX 256

/* A transfer's state, as tusk_fetch_state_name() prints it. */
enum tusk_fetch_xstate {
	TUSK_FETCH_PROBING = 0,
	TUSK_FETCH_RUNNING,
	TUSK_FETCH_VERIFYING,
	TUSK_FETCH_DONE,
	TUSK_FETCH_FAILED,
	TUSK_FETCH_CANCELLED,
	TUSK_FETCH_PAUSED,
};

const char *tusk_fetch_xstate_name(enum tusk_fetch_xstate s);

struct tusk_fetch_conf {
	/* Attempts in a row without progress before a transfer fails;
	 * 0: TUSK_FETCH_RETRY_MAX. */
	uint32_t retry_max;
	/* Stream connect timeout and idle (no byte) timeout, ns; 0:
	 * defaults (TUSK_FETCH_CONNECT_NS, TUSK_FETCH_IDLE_NS). */
	uint64_t connect_ns;
	uint64_t idle_ns;
	/* Do not look for resume records under the root at create (tests). */
	bool no_scan;
	/* The lcore writes each stream's batches itself instead of handing
	 * them to a writer thread ([tuskd] fetch_writer = lcore). */
	bool write_on_lcore;
	/* https:// URLs: a client context (app/tls/tls.h) that verifies
	 * servers; the service owns it once created (the caller still does
	 * when create fails). NULL: https:// transfers fail at connect. */
	struct tusk_tls_ctx *tls;
};

/*
 * How a fetch checks the file (`tuskctl fetch ... verify=`; README
 * "Fetch"). adler32 and crc32c are folded on the lcore from each block's
 * sums (http_fetch_verify.c); md5 and sha-256 hashed by the digest
 * workers.
 *   auto      sha-256 and the algorithms the source offers (Repr-Digest,
 *             Digest; md5 only when it offers no sha-256), hashed while
 *             receiving: the contiguous prefix of
 *             blocks on disk (several streams' blocks joined in order)
 *             is read back from the page cache right behind the writes,
 *             so the digest is ready moments after the last byte; each
 *             algorithm the source offered must match.
 *   adler32, crc32c, md5, sha-256
 *             that algorithm alone, hashed while receiving, compared
 *             when the source offers it (a note says when it does not).
 *   reread    as auto, but by a second read of the whole file after the
 *             last byte (for operators who want the disk read back).
 *   none      no digest (each block's CRC32C still checks the writes).
 */
enum tusk_fetch_verify {
	TUSK_FETCH_VERIFY_AUTO = 0,
	TUSK_FETCH_VERIFY_ADLER32,      /* = 1 + TUSK_DIGEST_ADLER32 ... */
	TUSK_FETCH_VERIFY_CRC32C,
	TUSK_FETCH_VERIFY_MD5,
	TUSK_FETCH_VERIFY_SHA256,
	TUSK_FETCH_VERIFY_REREAD,
	TUSK_FETCH_VERIFY_NONE,
};

/* "auto", "adler32", ... as above; NULL for a value out of range. */
const char *tusk_fetch_verify_name(enum tusk_fetch_verify v);
/* The mode a name means ("sha256" is taken for "sha-256"); -EINVAL. */
int tusk_fetch_verify_parse(const char *name);

/* What to fetch. */
/* Longest bearer token sent to a source: WLCG JWTs are 1-2 kB, the
 * endpoint's own limit (app/auth TUSK_AUTH_JWT_TOKEN_MAX) is 8 kB. */
#define TUSK_FETCH_TOKEN_MAX 8192

struct tusk_fetch_req {
	const char *url;     /* http[s]://host[:port]/path (http_url.h) */
	/* The host's IPv4 address (host byte order) when the URL names the
	 * host by name and the caller resolved it; 0: the URL's literal. */
	uint32_t addr;
	/* Relative path under the data root; NULL or "": the URL's last
	 * path segment. */
	const char *dest;
	uint32_t streams;    /* 0: TUSK_FETCH_STREAMS_DEFAULT */
	enum tusk_fetch_verify verify;
	/* Field lines added to every request, "Name: value\r\n" each (a
	 * third-party copy's forwarded TransferHeader fields, such as its
	 * Authorization), at most TUSK_FETCH_EXTRA_MAX bytes; NULL: none.
	 * Kept by the transfer, never logged nor listed (it may hold a
	 * token). */
	const char *extra;
	/* Attempts in a row without progress before it fails; 0: the
	 * service's (tusk_fetch_conf.retry_max). */
	uint32_t retry_max;
	/* Write the part with O_DIRECT (file_write.h): for NVMe data roots;
	 * a file system that refuses it fails the transfer, saying so. */
	bool direct;
	/* A bearer token for the source (sent as "Authorization: Bearer"
	 * with every request of the transfer; never logged nor listed);
	 * NULL or "": none. A b64token of at most TUSK_FETCH_TOKEN_MAX. */
	const char *token;
};

/* Bytes of tusk_fetch_req.extra at most: a request head is one mbuf
 * (TUSK_SVC_DATA_ROOM, 16 KiB) and a WLCG token is 1-2 KiB. */
#define TUSK_FETCH_EXTRA_MAX 8192u

/* Where a transfer is, for a caller on the lcore that follows one (a
 * third-party copy's progress markers). */
struct tusk_fetch_progress {
	enum tusk_fetch_xstate state;
	uint64_t bytes;          /* on the part file (or the file, done) */
	uint64_t size;           /* the source's, once probed (else 0) */
	/* the source offered a Repr-Digest: a done transfer had its
	 * SHA-256 compared with it */
	bool source_digest;
	bool have_sha;           /* done: sha is the file's SHA-256 */
	uint8_t sha[TUSK_HTTP_SHA256_LEN];
	char error[TUSK_FETCH_REASON_MAX];
};

struct tusk_fetch;

/* The client context https:// URLs are verified with (conf.tls; NULL:
 * none): the push client (http_push.h) uses it too, for one trust
 * configuration (tls_ca) for both directions of a third-party copy. */
struct tusk_tls_ctx *tusk_fetch_tls(const struct tusk_fetch *f);

/* Fill *p for transfer `id`: 0 or -ENOENT. */
int tusk_fetch_progress(struct tusk_fetch *f, uint32_t id,
			struct tusk_fetch_progress *p);

struct tusk_fetch;
struct tusk_tls_ctx;

/*
 * The fetch service on env's lcore. Unless conf->no_scan, resume records
 * found under the data root (at most 8 directories deep) are listed as
 * paused transfers. conf may be NULL (defaults). NULL with rte_errno
 * (EINVAL: env without a root or data pool; ENOMEM).
 */
struct tusk_fetch *tusk_fetch_create(const struct tusk_svc_env *env,
				     const struct tusk_fetch_conf *conf);

/* Once per loop iteration: timers, retries, resume verification (a
 * bounded slice per call), record saves, digest completion. */
void tusk_fetch_poll(void *f, uint64_t now);

/* Stop every transfer (records saved: a later tuskd resumes them), free
 * everything. NULL is a no-op. */
void tusk_fetch_free(void *f);

/*
 * Start fetching req->url into req->dest. Returns 0 and *id, or -errno
 * with a reason in err: -EINVAL (bad URL, dest, streams or extra), -EPROTONO-
 * SUPPORT (https), -EBUSY (a transfer to that dest is running), -ENOSPC
 * (TUSK_FETCH_TRANSFERS_MAX transfers that are all running), -ENOMEM.
 * A paused, cancelled or failed transfer of the same dest is replaced
 * (its record on disk is what the new one resumes from).
 */
int tusk_fetch_start(struct tusk_fetch *f, const struct tusk_fetch_req *req,
		     uint64_t now, uint32_t *id, char *err, size_t errlen);

/*
 * Cancel transfer `id`: streams closed, what is complete stays on disk
 * with its record (for a later fetch to resume) unless `discard`, which
 * removes part and record. A finished transfer is only forgotten (with
 * discard) or left as it is. Returns 0, or -ENOENT (no such id).
 */
int tusk_fetch_cancel(struct tusk_fetch *f, uint32_t id, bool discard,
		      uint64_t now);

/* The transfers as a JSON array (tusk_fetch_xfer_json each), NULL when
 * out of memory. */
json_t *tusk_fetch_list_json(struct tusk_fetch *f, uint64_t now);

/* A transfer's change of state, kept for the control thread (tuskd's
 * `watch`): it reads them every few polls, so that a state held for less
 * than that (a probe of a few ms) is still seen. */
struct tusk_fetch_change {
	uint64_t seq;            /* 1, 2, ... in order, per fetch service */
	uint32_t id;
	int from;                /* enum tusk_fetch_xstate; -1: a new one */
	enum tusk_fetch_xstate to;
};

/* Changes kept: a transfer changes state a handful of times in its life,
 * and the control thread reads them ten times a second; a reader that
 * falls further behind is told how many it lost. */
#define TUSK_FETCH_CHANGES_MAX 256

/*
 * The changes after seq `after`, oldest first, at most n of them into
 * out: returns how many. *lost: changes after `after` no longer kept;
 * *last: the newest seq (0: none yet).
 */
unsigned int tusk_fetch_changes(const struct tusk_fetch *f, uint64_t after,
				struct tusk_fetch_change *out, unsigned int n,
				uint64_t *lost, uint64_t *last);

/*
 * One transfer: {"id", "url", "dest", "state", "bytes", "size", "rate"
 * (bytes/s, smoothed), "eta_s", "streams" (connected now),
 * "streams_max", "ranges", "retries", "bytes_fetched" (from the network
 * since this run started), "bytes_verified" (resumed from disk, read
 * back and checked), "blocks_refetched" (on disk but bad), "sha256",
 * "error", "note", "elapsed_s"}; NULL if there is no such id.
 */
json_t *tusk_fetch_xfer_json(struct tusk_fetch *f, uint32_t id,
			     uint64_t now);

#endif /* TUSK_HTTP_FETCH_H */
