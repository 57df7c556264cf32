/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the fetch client shared by http_fetch.c (the service and
 * its transfers) and http_fetch_stream.c (one HTTP connection).
 */
#ifndef TUSK_HTTP_FETCH_PRIV_H
#define TUSK_HTTP_FETCH_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_log.h>

#include "addr.h"
#include "file_write.h"
#include "file_writeq.h"
#include "http_fetch.h"
#include "http_fetch_disk.h"
#include "http_fetch_sched.h"
#include "http_fetch_state.h"
#include "http_msg.h"
#include "http_url.h"
#include "root.h"

extern int tusk_fetch_logtype;
#define FETCH_LOG(level, ...)                                                 \
	rte_log(RTE_LOG_##level, tusk_fetch_logtype, "fetch: " __VA_ARGS__)

#define FETCH_NS_PER_S UINT64_C(1000000000)
#define FETCH_NS_PER_MS UINT64_C(1000000)

/* Attempts in a row without a completed block before a transfer fails:
 * with the backoff below that is about a minute of a dead server. */
#define TUSK_FETCH_RETRY_MAX 12
/* Backoff after a failed attempt: 250 ms doubling to 8 s, so a server
 * restarting within seconds is found again quickly and a dead one is not
 * hammered. */
#define TUSK_FETCH_BACKOFF_MIN_NS (250 * FETCH_NS_PER_MS)
#define TUSK_FETCH_BACKOFF_MAX_NS (8 * FETCH_NS_PER_S)
/* A SYN unanswered this long is a failed attempt: the stack's own SYN
 * retries (RFC 6298 2.1: 1 s, doubling) would take minutes to give up. */
#define TUSK_FETCH_CONNECT_NS (5 * FETCH_NS_PER_S)
/* A connection that brings no byte for this long is a failed attempt
 * (RTOs of a 150 ms path back off to seconds; 30 s is well past them). */
#define TUSK_FETCH_IDLE_NS (30 * FETCH_NS_PER_S)
/* Resume record rewritten at most this often (each write is a small file,
 * an fsync and a rename): a crash loses at most this much work. */
#define TUSK_FETCH_SAVE_NS (500 * FETCH_NS_PER_MS)
/* Bytes written per vectored write: every stream holds up to
 * TUSK_FILE_WRITE_BATCHES of them of the port's receive mbufs before
 * they are on the file (filling one, the rest with the writer thread),
 * so it is kept below the writer's default (4 streams x 2 MiB: ~900 of
 * a memif port's 4096 mbufs). */
#define TUSK_FETCH_WRITE_BATCH (512u << 10)
/* Blocks of a stream waiting for their last bytes to be written: blocks
 * are 8 MiB and up, a writer has at most 4 x 512 KiB in flight, so two
 * (a block and the file's short last one) are the most seen; past it
 * the stream waits for the writer. */
#define FETCH_STREAM_PEND_MAX 4
/* The rate is sampled this often and smoothed (EWMA, 1/4 weight per
 * sample: a time constant of ~2 s). */
#define TUSK_FETCH_RATE_NS (500 * FETCH_NS_PER_MS)
/* Directory levels searched for resume records at start. */
#define TUSK_FETCH_SCAN_DEPTH 8
/* Directory entries examined at start at most: a data root of millions
 * of files is not walked to find records. */
#define TUSK_FETCH_SCAN_MAX 100000

struct fetch_xfer;

enum stream_kind {
	STREAM_PROBE = 0,  /* HEAD */
	STREAM_RANGE,      /* GET with Range: a span of blocks */
	STREAM_FULL,       /* GET of the whole file (no ranges) */
};

enum stream_phase {
	STREAM_IDLE = 0,   /* no connection */
	STREAM_CONNECTING,
	STREAM_HEAD,       /* request sent, reading the response head */
	STREAM_BODY,       /* reading the body */
	STREAM_KEEP,       /* between responses on a persistent connection */
};

struct fetch_stream {
	struct fetch_xfer *x;
	unsigned int idx;
	enum stream_phase phase;
	enum stream_kind kind;
	struct tusk_tcp_conn *conn;
	struct tusk_tls_conn *tls; /* https: the TLS layer; NULL: http */
	uint64_t since;          /* connect start, or last byte received */
	bool keep_alive;         /* the last response allows another */
	bool peer_done;          /* the server closed its side */
	/* the span being fetched: blocks [first, first + count) */
	uint32_t first, count;
	uint64_t off, len;       /* its byte range */
	uint64_t got;            /* body bytes received */
	uint32_t blk;            /* block the next body byte belongs to */
	uint32_t blk_crc;        /* CRC32C of that block so far */
	uint32_t blk_adler;      /* its ADLER-32, when the fetch folds it */
	struct tusk_file_writer *w; /* for the stream's life (seek per span) */
	/* blocks received whole whose last bytes the writer has not written
	 * yet (its queue's thread): done once tusk_file_writer_written()
	 * reaches `until` (a count of tusk_file_writer_added() bytes) */
	struct fetch_pend {
		uint32_t blk, crc, adler;
		uint64_t until;
	} pend[FETCH_STREAM_PEND_MAX];
	unsigned int pend_head, pend_n;
	uint32_t head_len;
	char *head;              /* TUSK_HTTP_HEAD_MAX */
};

struct fetch_xfer {
	struct tusk_fetch *f;
	uint32_t id;
	enum tusk_fetch_xstate state;  /* set by fetch_xfer_set_state() only */
	bool stated;             /* has had a state (its first is "new") */
	char error[TUSK_FETCH_REASON_MAX];
	char note[TUSK_FETCH_REASON_MAX];
	struct tusk_http_url u;
	char *token;             /* bearer token for the source, or NULL */
	struct tusk_addr dst;
	char dest[TUSK_ROOT_PATH_MAX];
	char part[TUSK_ROOT_PATH_MAX];
	char record[TUSK_ROOT_PATH_MAX];
	struct tusk_fetch_source src;
	/* verification (http_fetch_verify.c) */
	enum tusk_fetch_verify vmode;   /* verify= */
	unsigned int algs;       /* computed: TUSK_DIGEST_BIT()s */
	struct tusk_digests src_digests; /* the source's Repr-Digest, Digest */
	uint32_t prefix_blk;     /* blocks [0, prefix_blk) are on disk */
	uint64_t prefix_bytes;   /* and told to the follow job */
	/* adler32 and crc32c of the file folded on the lcore from its
	 * blocks' sums, in file order (no second read, no digest thread) */
	unsigned int fold_algs;  /* the part of algs folded */
	uint32_t fold_blk;       /* blocks [0, fold_blk) folded */
	uint32_t fold_crc, fold_adler;
	char *extra;             /* tusk_fetch_req.extra, or NULL */
	uint32_t retry_max;      /* attempts without progress */
	bool ranges;             /* the server honours Range */
	bool have_sched;
	struct tusk_fetch_sched sched;
	int part_fd;
	bool direct;             /* writes through part_dfd (O_DIRECT) */
	int part_dfd;            /* the part opened O_DIRECT, or -1 */
	/* streams */
	uint32_t streams_max;
	uint32_t n_streams;      /* slots in use (1 without ranges) */
	struct fetch_stream *streams;
	/* retries: one backoff schedule per transfer */
	uint32_t restarts;       /* the source changed under us */
	uint32_t fails_in_row;
	uint32_t retries;
	uint64_t retry_at;
	char last_error[TUSK_FETCH_REASON_MAX];
	/* resume verification: one block at a time on the disk thread */
	uint32_t vblk;           /* block being read back (or next) */
	struct tusk_fetch_disk_job *verify;
	/* record */
	bool dirty;
	uint64_t saved_at;
	/* progress */
	uint64_t bytes_fetched;
	uint64_t bytes_verified;
	uint32_t blocks_refetched;
	uint64_t rate_at, rate_bytes, rate;
	uint64_t started, finished;
	uint64_t state_at;       /* when the current state began */
	uint64_t phase_ns[3];    /* time in probing, running, verifying */
	/* completion */
	struct tusk_digest_job *job;
	struct tusk_fetch_disk_job *commit;
	struct tusk_fetch_disk_job *prep;  /* part file being created */
	bool have_sha;           /* digests computed (in got) */
	struct tusk_digests got;
	/* paused transfers found on disk: what the record says is done */
	uint64_t bytes_claimed;
};

struct tusk_fetch {
	struct tusk_svc_env env;
	struct tusk_fetch_conf conf;
	struct tusk_fetch_disk *disk; /* records and commits, off the lcore */
	struct tusk_file_writeq *writeq; /* the streams' writes, off it too */
	uint64_t now;            /* of the last poll (for free) */
	uint32_t next_id;
	/* state changes, a ring by seq (http_fetch_change.c) */
	uint64_t change_seq;     /* of the newest */
	struct tusk_fetch_change changes[TUSK_FETCH_CHANGES_MAX];
	struct fetch_xfer *xfers[TUSK_FETCH_TRANSFERS_MAX];
	int slots_used;          /* xfers[slots_used..] were never filled:
				  * the lcore's poll looks no further */
};

/* http_fetch_stream.c */
/* Open slot s's connection for its kind; 0 or -errno (reason logged in
 * x->last_error). */
int fetch_stream_open(struct fetch_stream *s, uint64_t now);
/* End s: complete what is on the file, give the rest of its span back,
 * close or abort the connection. err 0: orderly. */
void fetch_stream_close(struct fetch_stream *s, bool abort, uint64_t now);
/* Timeouts of a stream; true if it was ended. */
bool fetch_stream_timers(struct fetch_stream *s, uint64_t now);
/* Body bytes in blocks not yet complete (progress display). */
uint64_t fetch_stream_partial(const struct fetch_stream *s);

/* http_fetch_verify.c: the digest of what arrived */
/* The digests the probe asks the source for (verify= mode). */
void fetch_verify_want(const struct fetch_xfer *x,
		       struct tusk_http_req_info *ri);
/* The probe's Repr-Digest / Digest: what is computed and compared. */
void fetch_verify_probed(struct fetch_xfer *x, const struct tusk_http_resp *r);
/* RUNNING: hash the contiguous prefix of blocks on disk behind the
 * writes (the follow job started on first call). */
void fetch_verify_run(struct fetch_xfer *x);
/* The plan was reset (blocks written again): hashing starts over. */
void fetch_verify_reset(struct fetch_xfer *x);
/* Every block is on disk: the follow job finishes at the size (or the
 * file is read again: reread). 0, or -errno (the transfer failed). */
int fetch_verify_finish(struct fetch_xfer *x, uint64_t now);
/* VERIFYING: -EAGAIN while hashing; 0 when the digests are in and equal
 * the source's (or there are none); -errno when x failed (mismatch,
 * read error). */
int fetch_verify_poll(struct fetch_xfer *x, uint64_t now);
/* "verify", "digests", "source_digests", "sha256", "source_sha256",
 * "phase_s" into the transfer's JSON. */
void fetch_verify_json(const struct fetch_xfer *x, json_t *o);

/* http_fetch_change.c */
/* x enters `state`: every change is kept for tusk_fetch_changes(). */
void fetch_xfer_set_state(struct fetch_xfer *x, enum tusk_fetch_xstate state);

/* http_fetch_xfer.c: the transfer's life */
/* Timers, retries, verification, streams, record, completion. */
void fetch_xfer_poll(struct fetch_xfer *x, uint64_t now);
/* Fail with a reason: streams closed; the part and its record kept for a
 * later resume (`keep`) or removed. */
void fetch_xfer_fail(struct fetch_xfer *x, bool keep, uint64_t now,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Stop an active transfer into `state` (cancelled, paused): streams
 * closed, record saved (keep) or part and record removed. */
void fetch_xfer_pause(struct fetch_xfer *x, enum tusk_fetch_xstate state,
		      bool keep, uint64_t now);

/* What streams report to their transfer */
/* The probe's response head. */
void fetch_xfer_probed(struct fetch_xfer *x, const struct tusk_http_resp *r,
		       uint64_t now);
/* A stream failed (connection refused, reset, timed out, bad response):
 * count it, back off. `fatal`: fail the whole transfer with `reason`. */
void fetch_xfer_stream_failed(struct fetch_xfer *x, bool fatal,
			      uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Block b is on the file with crc (and adler, when the fetch folds
 * adler32). */
void fetch_xfer_block_done(struct fetch_xfer *x, uint32_t b, uint32_t crc,
			   uint32_t adler);
/* A response says the source is not what was probed: start over. */
void fetch_xfer_source_changed(struct fetch_xfer *x, const char *why,
			       uint64_t now);
/* The server answered a range request with the whole file (200): from
 * now on one stream, in order. */
void fetch_xfer_no_ranges(struct fetch_xfer *x, struct fetch_stream *keep,
			  uint64_t now);

#endif /* TUSK_HTTP_FETCH_PRIV_H */
