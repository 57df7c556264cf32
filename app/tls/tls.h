/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS over tuskd's own TCP (issue 15): OpenSSL with memory BIOs, as a
 * byte transform between the TCP service callbacks and a plaintext
 * protocol (the HTTP endpoint, the fetch client). It does no I/O and
 * reads no clock: ciphertext comes in as the mbufs TCP's recv() handed
 * over, plaintext goes out as data-pool mbufs, and what must be sent is a
 * ciphertext chain the caller gives to tusk_tcp_send().
 *
 *   TCP recv() -> tusk_tls_input()   ciphertext queued (counted against
 *                                    TCP's window until read)
 *   tusk_tls_read()  -> ciphertext into the read BIO, one record at a
 *                       time, as plaintext room allows -> SSL_read_ex()
 *                       into data-pool mbufs (16 KiB: one record each)
 *   tusk_tls_write() -> SSL_write_ex() of each plaintext segment (one
 *                       record of up to 16 KiB) -> the write BIO ->
 *                       full 16 KiB ciphertext mbufs on tusk_tls_out()
 *
 * Protocol: the server speaks TLS 1.3 only (TUSK_TLS_MIN_VERSION); the
 * client also TLS 1.2 (TUSK_TLS_CLIENT_MIN_VERSION), for grid storage
 * that has not moved on. Ciphers AES-256-GCM and AES-128-GCM only
 * (TUSK_TLS_CIPHERSUITES, TUSK_TLS12_CIPHERS). OpenSSL picks its AES-NI +
 * PCLMULQDQ (or VAES/AVX-512) code paths by itself from the CPU's
 * capability bits (OPENSSL_ia32cap): nothing to configure.
 */
#ifndef TUSK_TLS_H
#define TUSK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* The largest TLS record's plaintext (RFC 8446 5.1: 2^14): a data-room
 * mbuf (TUSK_SVC_DATA_ROOM) holds exactly one. */
#define TUSK_TLS_RECORD_MAX 16384u
/* The endpoint speaks TLS 1.3 only: every TLS stack of the last years
 * does (curl, OpenSSL 1.1.1+, Go, Java 11+, davix and gfal2 through
 * OpenSSL). */
#define TUSK_TLS_MIN_VERSION TLS1_3_VERSION
/* The fetch client accepts TLS 1.2 too: servers it pulls from may be
 * older (Debian 12's nginx offers only TLS 1.2 unless told otherwise). */
#define TUSK_TLS_CLIENT_MIN_VERSION TLS1_2_VERSION
/* TLS 1.2 suites then: ECDHE (forward secrecy) with AES-GCM only. */
#define TUSK_TLS12_CIPHERS "ECDHE-ECDSA-AES256-GCM-SHA384:" \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:" \
	"ECDHE-RSA-AES128-GCM-SHA256"
/* TLS 1.3 suites, server's order first: both AES-GCM (RFC 8446 9.1 makes
 * TLS_AES_128_GCM_SHA256 mandatory to implement, so every client has
 * one of them); no ChaCha20: every DTN CPU has AES instructions. */
#define TUSK_TLS_CIPHERSUITES "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"
/* Ciphertext a connection queues for TCP at most: tusk_tls_write() takes
 * less beyond it. Four of the HTTP endpoint's 1 MiB read chunks: the
 * endpoint's own send limits (http_server_limit.c) bound it first. */
#define TUSK_TLS_OUT_MAX (4u << 20)
/* Error text kept per context and connection. */
#define TUSK_TLS_ERR_MAX 256

struct tusk_tls_ctx;
struct tusk_tls_conn;

/* A server context from PEM files: cert (the chain, leaf first) and key.
 * NULL with err set ("cannot read ...: reason", "the key does not match
 * the certificate") on failure; *key_bad (if not NULL) says whether the
 * key file is to blame rather than the certificate file. */
struct tusk_tls_ctx *tusk_tls_ctx_server(const char *cert, const char *key,
					 bool *key_bad, char *err,
					 size_t errlen);
/* A client context: servers are verified against the PEM CA file `ca`
 * (NULL or "": the system's default trust store), with their name
 * checked against the host connected to. insecure: no verification at
 * all (documented as such where it is offered). */
struct tusk_tls_ctx *tusk_tls_ctx_client(const char *ca, bool insecure,
					 char *err, size_t errlen);
void tusk_tls_ctx_free(struct tusk_tls_ctx *ctx);

/* A connection: server side for a server context, client side (SNI and
 * name check: host) for a client context. Plaintext and ciphertext mbufs
 * come from pool. NULL on allocation failure. */
struct tusk_tls_conn *tusk_tls_conn_new(struct tusk_tls_ctx *ctx,
					struct rte_mempool *pool,
					const char *host);
/* Frees queued mbufs too. NULL is a no-op. */
void tusk_tls_conn_free(struct tusk_tls_conn *t);

/* Ciphertext received (the chain is the callee's). */
void tusk_tls_input(struct tusk_tls_conn *t, struct rte_mbuf *m);

/*
 * Decrypt up to `max` plaintext bytes, chained onto *plain (which may be
 * NULL); runs the handshake as needed (its answers go to tusk_tls_out()).
 * *used grows by the ciphertext bytes taken off the input queue (what the
 * caller may now release to TCP). Returns the plaintext bytes added, 0
 * when more ciphertext (or a free mbuf) is needed, -EPIPE after the peer's
 * close_notify, -EPROTO when the peer broke the protocol or the handshake
 * failed (tusk_tls_error() says why; an alert may wait in the output).
 */
int64_t tusk_tls_read(struct tusk_tls_conn *t, struct rte_mbuf **plain,
		      uint32_t max, uint64_t *used);

/* Encrypt the chain *plain (leading segments; they are freed) into the
 * output. Returns the plaintext bytes taken: fewer when the output is
 * over TUSK_TLS_OUT_MAX or the pool is empty (try again later), 0 before
 * the handshake completed; -EPROTO on failure. */
int64_t tusk_tls_write(struct tusk_tls_conn *t, struct rte_mbuf **plain);

/* Ciphertext waiting for TCP: hand *tusk_tls_out(t) to tusk_tcp_send(). */
struct rte_mbuf **tusk_tls_out(struct tusk_tls_conn *t);
/* Move what OpenSSL wrote into output mbufs; -ENOBUFS: pool empty. */
int tusk_tls_flush(struct tusk_tls_conn *t);

/* Queue a close_notify alert (RFC 8446 6.1) after the data written. */
void tusk_tls_close_notify(struct tusk_tls_conn *t);

/* The handshake completed. */
bool tusk_tls_ready(const struct tusk_tls_conn *t);
/* Ciphertext received and not yet read. */
uint64_t tusk_tls_input_bytes(const struct tusk_tls_conn *t);
/* Plaintext bytes written whose ciphertext ends at or before stream
 * offset cipher_acked (TCP's acknowledged bytes): what the peer has. */
uint64_t tusk_tls_plain_acked(struct tusk_tls_conn *t,
			      uint64_t cipher_acked);
/* The handshake failed because the server's certificate did not verify
 * (client side): not worth retrying. */
bool tusk_tls_cert_rejected(const struct tusk_tls_conn *t);
/* Why the last call failed ("" if none); the negotiated version and
 * cipher ("TLSv1.3 TLS_AES_256_GCM_SHA384"; "" before the handshake). */
const char *tusk_tls_error(const struct tusk_tls_conn *t);
void tusk_tls_describe(const struct tusk_tls_conn *t, char *buf,
		       size_t len);

#endif /* TUSK_TLS_H */
