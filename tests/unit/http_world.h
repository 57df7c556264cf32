/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The world the HTTP endpoint tests run in: tusk_http_server on stack b
 * of a tests/lib/pair, a raw HTTP/1.1 client on stack a, a real data root
 * in a temporary directory and the real digest worker, in virtual time
 * (the digest worker runs in real time: see hw_run_until()).
 *
 *   stack a 10.0.0.1: hw_client  <-- link -->  stack b 10.0.0.2:8080
 *                                               tusk_http_server
 */
#ifndef TUSK_HTTP_WORLD_H
#define TUSK_HTTP_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "http_auth.h"
#include "http_msg.h"
#include "http_server.h"
#include "pair.h"
#include "tcp_api.h"

#define NS_PER_MS 1000000ULL
#define HW_PORT 8080
/* The test server's PUT limit, to see 413. */
#define HW_PUT_MAX (64u << 20)
/* The test server's idle timeout. */
#define HW_IDLE_NS (2000 * NS_PER_MS)
/* The HTTPS listener, when hw_tls is set before hw_setup(). */
#define HW_HTTPS_PORT 8443

extern struct tusk_pair hw_pair;      /* a: the client, b: the server */
extern struct tusk_http_server *hw_srv;
extern struct rte_mempool *hw_data_pool;
extern struct tusk_svc_env hw_env;
extern char hw_root_dir[];
/* Set before hw_setup(): the server also speaks HTTPS on HW_HTTPS_PORT
 * with this context (the server takes it; hw_setup() clears it). */
extern struct tusk_tls_ctx *hw_tls;
/* Called with the virtual time at every step of hw_run_until() (a
 * second service on stack a, e.g. a fetch client); NULL: none. */
extern void (*hw_poll_hook)(uint64_t now);
/* The server's access policy: mode hw_auth_mode (off unless a test sets
 * it before hw_setup), name HW_AUTH_NAME, nothing else; a test adds a
 * secret or issuers after hw_setup. */
#define HW_AUTH_NAME "hw.test"
extern struct tusk_http_auth hw_auth;
extern enum tusk_http_auth_mode hw_auth_mode;

struct hw_client {
	struct tusk_tcp_conn *c;
	bool connected, eof, closed;
	int err;
	char *buf;               /* everything received */
	size_t len;
	const char *tx;          /* bytes to send */
	size_t tx_len, tx_sent;
	/* a slow reader: received bytes are kept unconsumed (the window
	 * closes) until hw_cl_release() */
	bool hold;
	uint32_t held;
};

struct hw_reply {
	struct tusk_http_resp r;
	const char *head;
	size_t head_len;
	const char *body;
	size_t body_len;
};

/* EAL, pools (once per process). Returns 0 or -1. */
int hw_init(const char *name);
/* cmocka group setup/teardown: the root, digest worker, pair, server. */
int hw_setup(void **state);
int hw_teardown(void **state);

/* Run until done(arg) or `quiet_ns` of virtual time without a frame;
 * done == NULL: run until quiet and return true. */
bool hw_run_until(bool (*done)(void *), void *arg, uint64_t quiet_ns);

struct hw_client *hw_cl_open(void);
/* Connect with opts (NULL: defaults); returns once connected or closed
 * (refused), without asserting which. */
struct hw_client *hw_cl_try(const struct tusk_tcp_conn_opts *opts);
void hw_cl_send(struct hw_client *cl, const void *bytes, size_t len);
/* Wait for n replies (kinds: 'H' for HEAD, no body; anything else). */
void hw_cl_wait(struct hw_client *cl, const char *kinds, int n,
		struct hw_reply *rep);
void hw_cl_free(struct hw_client *cl);
/* Consume what a holding client kept: its window opens. */
void hw_cl_release(struct hw_client *cl);
/* One request on a fresh connection, its reply. */
struct hw_client *hw_ask(const char *req, char kind, struct hw_reply *rep);
bool hw_client_eof(void *arg);
/* The client (arg) received something. */
bool hw_client_got_bytes(void *arg);
/* Every connection gone, every mbuf back. */
void hw_settle(void);

/* Files under the root. */
void hw_file_make(const char *rel, size_t size, uint8_t sha[32],
		  uint8_t **data);
uint8_t *hw_file_read(const char *rel, size_t *size);
void hw_assert_file(const char *rel, const uint8_t *data, size_t len);
void hw_assert_no_tmp(const char *dir);

/* The digest of file `rel` (a char * under the root) is kept: for
 * hw_run_until(), GET/HEAD answer before hashing. */
bool hw_digest_kept(void *rel);
bool hw_has_field(const struct hw_reply *r, const char *line);
void hw_assert_digest(const struct hw_reply *r, const uint8_t sha[32]);
/* A PUT request (head and body) in a malloc'd buffer. */
char *hw_put_req(const char *path, const uint8_t *body, size_t len,
		 const char *extra, size_t *out_len);
/* One PUT on a fresh connection; fails unless answered with `status`. */
void hw_put_once(const char *path, const uint8_t *body, size_t len,
		 const char *extra, int status);

#endif /* TUSK_HTTP_WORLD_H */
