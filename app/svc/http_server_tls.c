/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTPS on the file endpoint: the TLS layer (tls.h) between TCP and the
 * HTTP connection of http_server.c, on a second listener (https_port)
 * of the same server, so the same table, per-source caps, deadlines and
 * pool shares hold for both.
 *
 *   TCP recv() -> tls_on_recv() -> tusk_tls_input() -> hs_tls_pull():
 *                 tusk_tls_read() into plaintext mbufs -> hs_in_append()
 *                 -> hs_process_input(), as for plain HTTP
 *   hs_pump() -> send_out() -> hs_tls_send(): tusk_tls_write() of the
 *                 plaintext chain (file pages read into mbufs as for
 *                 HTTP; each 16 KiB segment is one record) -> the
 *                 ciphertext chain -> tusk_tcp_send()
 *   poll -> hs_tls_pull(): ciphertext held back while the plaintext
 *                 waiting for the parser was at HS_TLS_PLAIN_MAX
 *
 * Flow control: ciphertext is released to TCP (its window reopens) only
 * as it is decrypted, and it is decrypted only while the plaintext the
 * HTTP side has not consumed is under HS_TLS_PLAIN_MAX: a client that
 * sends faster than the disk writes is held back by TCP, as over HTTP.
 * Acknowledgements are mapped back to plaintext (tusk_tls_plain_acked)
 * for the send timeout, pipelining and pool-share limits.
 *
 * The handshake runs under the head deadline (http_head_timeout_s from
 * the connection): a client that opens TLS and stalls is reset then
 * (nothing can be encrypted for a 408 yet) and counted in
 * tls_handshake_timeouts. A failed handshake (a TLS 1.2-only client,
 * plaintext HTTP, garbage) sends OpenSSL's alert, if any, and a FIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_server_priv.h"
#include "tls.h"

/* Decrypted bytes waiting for the HTTP side at most: one read chunk's
 * worth (64 records). The body of a PUT is written out as it comes, so
 * this is reached only when the disk or the parser is the slow side. */
#define HS_TLS_PLAIN_MAX (1u << 20)

/* Ciphertext waiting for TCP: hand it over. -errno: the connection is
 * gone. */
static int
push(struct hs_conn *hc, uint64_t now)
{
	struct rte_mbuf **out = tusk_tls_out(hc->tls);
	int64_t took;

	if (*out == NULL)
		return 0;
	took = tusk_tcp_send(hc->c, out, now);
	return took < 0 ? (int)took : 0;
}

/* The handshake failed or the peer broke the protocol: its alert, FIN. */
static void
tls_failed(struct hs_conn *hc, uint64_t now)
{
	char a[TUSK_ADDR_STRLEN];
	struct tusk_addr la, ra;
	uint16_t lp, rp;

	hc->srv->tls_failures++;
	tusk_tcp_conn_tuple(hc->c, &la, &lp, &ra, &rp);
	HS_LOG(DEBUG, "TLS from %s:%u: %s\n",
	       tusk_addr_format(&ra, a, sizeof(a)), rp,
	       tusk_tls_error(hc->tls));
	(void)push(hc, now);
	hs_close(hc, now);
}

/* Decrypt what plaintext room allows; false when hc died. */
bool
hs_tls_pull(struct hs_conn *hc, uint64_t now)
{
	struct rte_mbuf *plain = NULL;
	bool was_ready = tusk_tls_ready(hc->tls);
	int64_t n;

	if (hc->in_bytes >= HS_TLS_PLAIN_MAX || hc->tls_eof)
		return true;
	n = tusk_tls_read(hc->tls, &plain, HS_TLS_PLAIN_MAX -
			  (uint32_t)hc->in_bytes, &hc->owed);
	if (hc->owed > 0)
		hs_busy(hc, true); /* poll releases it to TCP */
	if (!was_ready && tusk_tls_ready(hc->tls))
		hc->srv->tls_handshakes++;
	if (n == -EPROTO) {
		tls_failed(hc, now);
		return false;
	}
	if (push(hc, now) < 0) {
		hs_abort(hc, now);
		return false;
	}
	if (n > 0) {
		hc->bytes_in += (uint64_t)n;
		hc->srv->bytes_in += (uint64_t)n;
		hs_in_append(hc, plain);
		hs_process_input(hc, now);
	} else if (n == -EPIPE) {
		/* close_notify: no more requests, as a FIN says */
		hc->tls_eof = true;
		hs_peer_closed(hc, now);
	}
	return !hc->dead;
}

/* Plaintext was consumed: decrypt more from poll if any waits. */
void
hs_tls_consumed(struct hs_conn *hc)
{
	if (tusk_tls_input_bytes(hc->tls) > 0)
		hs_busy(hc, true);
}

/*
 * Encrypt hc->out and queue the ciphertext; returns the plaintext bytes
 * taken, or -errno. TCP's send buffer (1 GiB) is far beyond what the
 * endpoint queues (HS_QUEUE_FLOOR and twice the path), so ciphertext
 * waits in the TLS layer only in a pinch; *blocked says whether
 * writable() will call back (TCP is full) or poll must retry (the pool
 * was empty).
 */
int64_t
hs_tls_send(struct hs_conn *hc, bool *blocked, uint64_t now)
{
	int64_t took = tusk_tls_write(hc->tls, &hc->out);
	int rc;

	if (took < 0)
		return took;
	rc = push(hc, now);
	if (rc < 0)
		return rc;
	*blocked = *tusk_tls_out(hc->tls) != NULL;
	return took;
}

/* Before our FIN: close_notify (RFC 8446 6.1) after the data. */
void
hs_tls_close_notify(struct hs_conn *hc, uint64_t now)
{
	tusk_tls_close_notify(hc->tls);
	(void)push(hc, now);
}

/* The handshake is not complete when the head deadline passes. */
bool
hs_tls_handshaking(const struct hs_conn *hc)
{
	return hc->tls != NULL && !tusk_tls_ready(hc->tls);
}

/* ---- TCP callbacks of the HTTPS listener ---- */

static int
tls_on_accepted(struct tusk_tcp_conn *c, void *larg, void **carg,
		uint64_t now)
{
	return hs_accept(larg, c, true, carg, now);
}

static uint32_t
tls_on_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	    uint64_t now)
{
	struct hs_conn *hc = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m), ret;

	hc->last_active = now;
	if (hc->dead) {
		rte_pktmbuf_free(m);
		return len;
	}
	tusk_tls_input(hc->tls, m);
	if (hc->phase == HS_HEAD && hc->head_since == 0 && hc->discard == 0)
		hc->head_since = now;
	if (!hs_tls_pull(hc, now))
		return len; /* c is closed: the count does not matter */
	ret = hc->owed < len ? (uint32_t)hc->owed : len;
	hc->owed -= ret;
	return ret;
}

static void
tls_on_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct hs_conn *hc = arg;

	if (push(hc, now) < 0) {
		hs_abort(hc, now);
		return;
	}
	if (*tusk_tls_out(hc->tls) != NULL)
		return; /* still full: writable() comes again */
	hc->send_blocked = false;
	hs_pump(hc, now);
}

static void
tls_on_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	hs_peer_closed(arg, now);
}

const struct tusk_tcp_ops hs_tls_ops = {
	.accepted = tls_on_accepted,
	.recv = tls_on_recv,
	.writable = tls_on_writable,
	.peer_closed = tls_on_peer_closed,
	.closed = hs_on_closed,
};
