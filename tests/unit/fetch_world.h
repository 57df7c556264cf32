/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The world the fetch client tests run in: tusk_fetch on stack a and a
 * small HTTP/1.1 file server on stack b (written here, so that it can
 * misbehave on cue: fw_srv), joined by tests/lib/pair's link in virtual
 * time. The digest worker and the data root are the real ones (a
 * temporary directory, fw_dir).
 *
 *   stack a 10.0.0.1: fw_fetch  ---- link ----  stack b 10.0.0.2:80: fw_srv
 *
 * The file served is a pattern of its generation (fw_srv_content());
 * fw_assert_file() checks a fetched copy byte by byte against it.
 */
#ifndef TUSK_FETCH_WORLD_H
#define TUSK_FETCH_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http_fetch.h"
#include "pair.h"

/* The file served: 5 blocks of 8 MiB and a short one. */
#define FW_FILE_SIZE ((40ull << 20) + 12345)
/* fw_run() until the transfer is past its probe (HEAD). */
#define FW_RUN_PROBED UINT64_MAX

/* The server's script: what a test sets before or while it runs, and
 * what the server counted. */
struct fw_server {
	uint64_t size;
	uint32_t gen;            /* content generation (source changes) */
	bool no_ranges;          /* as python3 -m http.server: 200, close */
	int status;              /* answer this instead (404) */
	bool digest, bad_digest; /* send Repr-Digest (wrong one) */
	uint8_t sha[32];
	uint32_t adler, crc;     /* the content's adler32 and crc32c */
	char etag[32];
	/* kill: after kill_at body bytes, reset every connection and refuse
	 * new ones until relisten_at */
	uint64_t kill_at, relisten_at, down_ns;
	bool listening;
	uint64_t body_sent;      /* all connections */
	uint32_t requests, range_requests, conns, max_conns_seen;
	uint32_t open_conns;
};

extern struct fw_server fw_srv;
extern struct tusk_pair fw_pair;    /* a: the client, b: the server;
				     * .now: virtual time */
extern char fw_dir[];               /* the data root's directory */
extern struct tusk_root *fw_root;
extern struct tusk_fetch *fw_fetch; /* the client under test */
/* The client's configuration: a test changes it, then fw_fetch_new(). */
extern struct tusk_fetch_conf fw_conf;

/* cmocka group setup/teardown: EAL, pools, data root, digest worker. */
int fw_setup(void **state);
int fw_teardown(void **state);
/* Per test: fresh stacks, server (generation 1, listening) and client,
 * an empty data root. */
int fw_before(void **state);
int fw_after(void **state);

/* A new client on stack a with fw_conf (the test frees the old one). */
struct tusk_fetch *fw_fetch_new(void);
/* A new file generation: its content, SHA-256 and ETag. */
void fw_srv_content(uint64_t size, uint32_t gen);
/* The server stops listening for good: connections are refused. */
void fw_srv_refuse(void);

/* Run the world until transfer id has fetched stop_at bytes (0: until it
 * is done or failed; FW_RUN_PROBED: until it is past the probe); fails
 * the test if it never does. */
void fw_run(uint32_t id, uint64_t stop_at);
/* Start a transfer; fails the test if it is refused. */
uint32_t fw_start_req(const struct tusk_fetch_req *req);
uint32_t fw_start(const char *url, const char *dest, uint32_t streams);

/* The transfer's JSON (owned by the world until the next call). */
json_t *fw_xfer(uint32_t id);
const char *fw_xstr(uint32_t id, const char *key);
int64_t fw_xint(uint32_t id, const char *key);

/* The file under the root is the served content of generation gen. */
void fw_assert_file(const char *rel, uint32_t gen);
bool fw_exists(const char *rel);
/* Records and part files are written and removed by the fetch's disk
 * thread: these wait for it (2 s at most). */
bool fw_appears(const char *rel);
bool fw_disappears(const char *rel);
/* The transfer's sha256 is the served file's. */
void fw_assert_sha(uint32_t id);
/* The transfer's "digests" has algorithm `name` (adler32, crc32c) equal
 * to the served file's. */
void fw_assert_digest32(uint32_t id, const char *name, uint32_t want);
/* The state changes logged since seq `after` are exactly `want` (ids
 * and states, from -1: new), numbered after+1, after+2, ... */
void fw_assert_changes(uint64_t after, const struct tusk_fetch_change *want,
		       unsigned int n);

#endif /* TUSK_FETCH_WORLD_H */
