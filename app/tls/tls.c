/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS as a byte transform over mbufs (see tls.h).
 *
 *   tusk_tls_input()  -> t->in (ciphertext mbufs, as TCP gave them)
 *   tusk_tls_read()   -> SSL_read_ex() -> feed(): one segment of t->in
 *                        into the read BIO when OpenSSL asks for more
 *   tusk_tls_write()  -> SSL_write_ex() per segment -> tusk_tls_flush():
 *                        write BIO -> t->out (full 16 KiB mbufs)
 *                     -> mark_push(): where each write's ciphertext ends,
 *                        so acknowledged ciphertext maps to plaintext
 *
 * Both BIOs are OpenSSL's memory BIOs: the stack is in user space and
 * there is no socket; bytes are copied once into a BIO and once out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* Plaintext-to-ciphertext marks kept for acknowledgement mapping: one
 * per write call; when full the newest absorbs the next, which only
 * makes the plaintext acknowledged later (never early). */
#define TLS_MARKS 64

struct tusk_tls_ctx {
	SSL_CTX *ssl;
	bool server;
};

struct tls_mark {
	uint64_t cipher_end;
	uint64_t plain_end;
};

struct tusk_tls_conn {
	SSL *ssl;
	BIO *rbio, *wbio;         /* owned by ssl */
	struct rte_mempool *pool;
	struct rte_mbuf *in, *in_tail;
	uint64_t in_bytes;
	struct rte_mbuf *out, *out_tail;
	uint64_t plain_written;
	uint64_t plain_acked;
	struct tls_mark marks[TLS_MARKS];
	unsigned int mark_head, mark_n;
	bool eof;                 /* the peer's close_notify was read */
	char err[TUSK_TLS_ERR_MAX];
};

/* The first OpenSSL error of the queue, or `what`. */
static void
ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_error();
	char buf[TUSK_TLS_ERR_MAX];

	if (e == 0) {
		snprintf(err, errlen, "%s", what);
		return;
	}
	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, buf);
	ERR_clear_error();
}

static SSL_CTX *
ctx_new(bool server, char *err, size_t errlen)
{
	SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method()
				      : TLS_client_method());

	if (c == NULL) {
		ssl_err(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(c, server ? TUSK_TLS_MIN_VERSION :
					  TUSK_TLS_CLIENT_MIN_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(c, TUSK_TLS_CIPHERSUITES) != 1 ||
	    SSL_CTX_set_cipher_list(c, TUSK_TLS12_CIPHERS) != 1) {
		ssl_err(err, errlen, "cannot set TLS 1.3 with AES-GCM");
		SSL_CTX_free(c);
		return NULL;
	}
	/* idle keep-alive connections give their 2 x 34 KiB of record
	 * buffers back (a table of 1024 would hold 70 MiB) */
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
	return c;
}

/* Whether path is readable, with the system's reason if not. */
static int
readable(const char *path, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, path,
			 strerror(errno));
		return -errno;
	}
	fclose(f);
	return 0;
}

struct tusk_tls_ctx *
tusk_tls_ctx_server(const char *cert, const char *key, bool *key_bad,
		    char *err, size_t errlen)
{
	struct tusk_tls_ctx *ctx;
	bool kb = false;

	if (key_bad == NULL)
		key_bad = &kb;
	*key_bad = false;
	if (readable(cert, "certificate", err, errlen) < 0)
		return NULL;
	*key_bad = true;
	if (readable(key, "key", err, errlen) < 0)
		return NULL;
	*key_bad = false;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctx->server = true;
	ctx->ssl = ctx_new(true, err, errlen);
	if (ctx->ssl == NULL)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx->ssl, cert) != 1) {
		ssl_err(err, errlen, "no PEM certificate in the file");
		goto fail;
	}
	*key_bad = true;
	if (SSL_CTX_use_PrivateKey_file(ctx->ssl, key, SSL_FILETYPE_PEM)
	    != 1) {
		/* OpenSSL compares the key with the certificate here */
		ssl_err(err, errlen, ERR_GET_REASON(ERR_peek_error()) ==
			X509_R_KEY_VALUES_MISMATCH ? "the key does not match "
			"the certificate" : "no PEM private key in the file");
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx->ssl) != 1) {
		ssl_err(err, errlen, "the key does not match the certificate");
		goto fail;
	}
	return ctx;
fail:
	tusk_tls_ctx_free(ctx);
	return NULL;
}

struct tusk_tls_ctx *
tusk_tls_ctx_client(const char *ca, bool insecure, char *err, size_t errlen)
{
	struct tusk_tls_ctx *ctx;
	bool own_ca = ca != NULL && ca[0] != '\0';

	if (own_ca && !insecure && readable(ca, "CA file", err, errlen) < 0)
		return NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctx->ssl = ctx_new(false, err, errlen);
	if (ctx->ssl == NULL)
		goto fail;
	if (insecure) {
		SSL_CTX_set_verify(ctx->ssl, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	SSL_CTX_set_verify(ctx->ssl, SSL_VERIFY_PEER, NULL);
	if ((own_ca ? SSL_CTX_load_verify_locations(ctx->ssl, ca, NULL)
		    : SSL_CTX_set_default_verify_paths(ctx->ssl)) != 1) {
		ssl_err(err, errlen, own_ca ? "no PEM certificate in the CA "
			"file" : "cannot load the system's CA certificates");
		goto fail;
	}
	return ctx;
fail:
	tusk_tls_ctx_free(ctx);
	return NULL;
}

void
tusk_tls_ctx_free(struct tusk_tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

/* SNI and the name the certificate must carry (RFC 6125); an address
 * literal is checked against the IP SANs and sent without SNI (RFC 6066
 * section 3 allows only host names there). */
static int
client_host(SSL *ssl, const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
						     host) == 1 ? 0 : -EINVAL;
	if (SSL_set_tlsext_host_name(ssl, host) != 1 ||
	    SSL_set1_host(ssl, host) != 1)
		return -EINVAL;
	return 0;
}

struct tusk_tls_conn *
tusk_tls_conn_new(struct tusk_tls_ctx *ctx, struct rte_mempool *pool,
		  const char *host)
{
	struct tusk_tls_conn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->pool = pool;
	t->ssl = SSL_new(ctx->ssl);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL)
		goto fail;
	/* an empty read BIO means "more later", not end of file */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	if (ctx->server) {
		SSL_set_accept_state(t->ssl);
	} else {
		if (host != NULL && client_host(t->ssl, host) < 0)
			goto fail_ssl;
		SSL_set_connect_state(t->ssl);
		/* the ClientHello goes out at once */
		if (SSL_do_handshake(t->ssl) != 1 &&
		    SSL_get_error(t->ssl, -1) != SSL_ERROR_WANT_READ)
			goto fail_ssl;
		if (tusk_tls_flush(t) < 0)
			goto fail_ssl;
	}
	return t;
fail:
	BIO_free(t->rbio);
	BIO_free(t->wbio);
	SSL_free(t->ssl);
	free(t);
	return NULL;
fail_ssl:
	tusk_tls_conn_free(t);
	return NULL;
}

void
tusk_tls_conn_free(struct tusk_tls_conn *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl); /* and both BIOs */
	rte_pktmbuf_free(t->in);
	rte_pktmbuf_free(t->out);
	free(t);
}

/* Append chain m to the chain at *head (tail *tail); keeps the head's
 * pkt_len and nb_segs. */
static void
chain_add(struct rte_mbuf **head, struct rte_mbuf **tail,
	  struct rte_mbuf *m)
{
	if (*head == NULL) {
		*head = m;
	} else {
		(*head)->pkt_len += m->pkt_len;
		(*head)->nb_segs = (uint16_t)((*head)->nb_segs + m->nb_segs);
		(*tail)->next = m;
	}
	*tail = rte_pktmbuf_lastseg(m);
}

/* Detach the first segment of *head and return it. */
static struct rte_mbuf *
chain_pop(struct rte_mbuf **head)
{
	struct rte_mbuf *seg = *head, *next = seg->next;

	if (next != NULL) {
		next->nb_segs = (uint16_t)(seg->nb_segs - 1);
		next->pkt_len = seg->pkt_len - seg->data_len;
	}
	seg->next = NULL;
	seg->nb_segs = 1;
	seg->pkt_len = seg->data_len;
	*head = next;
	return seg;
}

void
tusk_tls_input(struct tusk_tls_conn *t, struct rte_mbuf *m)
{
	t->in_bytes += m->pkt_len;
	chain_add(&t->in, &t->in_tail, m);
}

/* One received segment into the read BIO; false when none is left. */
static bool
feed(struct tusk_tls_conn *t, uint64_t *used)
{
	struct rte_mbuf *seg;

	if (t->in == NULL)
		return false;
	seg = chain_pop(&t->in);
	if (seg->data_len > 0 &&
	    BIO_write(t->rbio, rte_pktmbuf_mtod(seg, void *),
		      seg->data_len) != (int)seg->data_len) {
		/* out of memory: put it back, try later */
		seg->next = t->in;
		if (t->in != NULL) {
			seg->nb_segs = (uint16_t)(t->in->nb_segs + 1);
			seg->pkt_len += t->in->pkt_len;
		} else {
			t->in_tail = seg;
		}
		t->in = seg;
		return false;
	}
	t->in_bytes -= seg->data_len;
	*used += seg->data_len;
	rte_pktmbuf_free_seg(seg);
	return true;
}

/* What SSL_get_error() says after a failed call, as a return value. */
static int
read_failure(struct tusk_tls_conn *t, int rc)
{
	long v;

	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return -EPIPE;
	default:
		v = SSL_get_verify_result(t->ssl);
		if (v != X509_V_OK) {
			snprintf(t->err, sizeof(t->err),
				 "server certificate: %s",
				 X509_verify_cert_error_string(v));
			ERR_clear_error();
		} else {
			ssl_err(t->err, sizeof(t->err), "TLS");
		}
		return -EPROTO;
	}
}

int64_t
tusk_tls_read(struct tusk_tls_conn *t, struct rte_mbuf **plain,
	      uint32_t max, uint64_t *used)
{
	struct rte_mbuf *tail = *plain != NULL ? rte_pktmbuf_lastseg(*plain)
					       : NULL;
	int64_t got = 0;
	int rc = 0;

	/* nothing received, nothing buffered: no mbuf to allocate */
	if (t->in == NULL && BIO_ctrl_pending(t->rbio) == 0 &&
	    !SSL_has_pending(t->ssl) && SSL_is_init_finished(t->ssl))
		return t->eof ? -EPIPE : 0;
	ERR_clear_error();
	while ((uint64_t)got < max) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t->pool);
		uint32_t room = max - (uint32_t)got;
		size_t n = 0;

		if (m == NULL)
			break; /* the caller comes back when mbufs return */
		if (room > rte_pktmbuf_tailroom(m))
			room = rte_pktmbuf_tailroom(m);
		rc = SSL_read_ex(t->ssl, rte_pktmbuf_mtod(m, void *), room, &n);
		if (rc == 1) {
			m->data_len = (uint16_t)n;
			m->pkt_len = (uint32_t)n;
			chain_add(plain, &tail, m);
			got += (int64_t)n;
			continue;
		}
		rte_pktmbuf_free(m);
		rc = read_failure(t, 0);
		if (rc == -EAGAIN && feed(t, used))
			continue;
		break;
	}
	/* handshake messages, alerts, tickets */
	(void)tusk_tls_flush(t);
	if (rc == -EPIPE)
		t->eof = true;
	if (got > 0 || rc == -EAGAIN || rc == 0)
		return got;
	return rc;
}

/* Where the ciphertext of all plaintext written so far ends. */
static void
mark_push(struct tusk_tls_conn *t)
{
	struct tls_mark *m;
	unsigned int i;

	if (t->mark_n == TLS_MARKS) {
		i = (t->mark_head + TLS_MARKS - 1) % TLS_MARKS;
	} else {
		i = (t->mark_head + t->mark_n) % TLS_MARKS;
		t->mark_n++;
	}
	m = &t->marks[i];
	m->cipher_end = BIO_number_written(t->wbio);
	m->plain_end = t->plain_written;
}

uint64_t
tusk_tls_plain_acked(struct tusk_tls_conn *t, uint64_t cipher_acked)
{
	while (t->mark_n > 0 &&
	       t->marks[t->mark_head].cipher_end <= cipher_acked) {
		t->plain_acked = t->marks[t->mark_head].plain_end;
		t->mark_head = (t->mark_head + 1) % TLS_MARKS;
		t->mark_n--;
	}
	return t->plain_acked;
}

static uint64_t
out_bytes(const struct tusk_tls_conn *t)
{
	return (t->out != NULL ? t->out->pkt_len : 0) +
	       BIO_ctrl_pending(t->wbio);
}

int64_t
tusk_tls_write(struct tusk_tls_conn *t, struct rte_mbuf **plain)
{
	int64_t took = 0;

	if (!SSL_is_init_finished(t->ssl))
		return 0;
	ERR_clear_error();
	while (*plain != NULL && out_bytes(t) < TUSK_TLS_OUT_MAX) {
		struct rte_mbuf *seg = *plain;
		size_t n;

		if (seg->data_len > 0 &&
		    SSL_write_ex(t->ssl, rte_pktmbuf_mtod(seg, void *),
				 seg->data_len, &n) != 1) {
			ssl_err(t->err, sizeof(t->err), "TLS write");
			return -EPROTO;
		}
		took += seg->data_len;
		rte_pktmbuf_free_seg(chain_pop(plain));
	}
	if (took > 0) {
		t->plain_written += (uint64_t)took;
		mark_push(t);
	}
	(void)tusk_tls_flush(t); /* -ENOBUFS: stays in the BIO for now */
	return took;
}

struct rte_mbuf **
tusk_tls_out(struct tusk_tls_conn *t)
{
	return &t->out;
}

int
tusk_tls_flush(struct tusk_tls_conn *t)
{
	size_t pending;

	if (t->out == NULL)
		t->out_tail = NULL; /* TCP took it all */
	while ((pending = BIO_ctrl_pending(t->wbio)) > 0) {
		struct rte_mbuf *m = t->out_tail;
		uint16_t room = m != NULL ? rte_pktmbuf_tailroom(m) : 0;
		int n;

		if (room == 0) {
			m = rte_pktmbuf_alloc(t->pool);
			if (m == NULL)
				return -ENOBUFS;
			room = rte_pktmbuf_tailroom(m);
			chain_add(&t->out, &t->out_tail, m);
		}
		if (pending < room)
			room = (uint16_t)pending;
		n = BIO_read(t->wbio, rte_pktmbuf_mtod_offset(m, char *,
				m->data_len), room);
		if (n <= 0)
			return -EIO; /* a memory BIO with data cannot fail */
		m->data_len = (uint16_t)(m->data_len + n);
		t->out->pkt_len += (uint32_t)n;
		if (m != t->out)
			m->pkt_len += (uint32_t)n;
	}
	return 0;
}

void
tusk_tls_close_notify(struct tusk_tls_conn *t)
{
	ERR_clear_error();
	if (SSL_is_init_finished(t->ssl))
		(void)SSL_shutdown(t->ssl);
	ERR_clear_error();
	(void)tusk_tls_flush(t);
}

bool
tusk_tls_ready(const struct tusk_tls_conn *t)
{
	return SSL_is_init_finished(t->ssl);
}

uint64_t
tusk_tls_input_bytes(const struct tusk_tls_conn *t)
{
	return t->in_bytes;
}

bool
tusk_tls_cert_rejected(const struct tusk_tls_conn *t)
{
	return !SSL_is_server(t->ssl) && !SSL_is_init_finished(t->ssl) &&
	       SSL_get_verify_result(t->ssl) != X509_V_OK;
}

const char *
tusk_tls_error(const struct tusk_tls_conn *t)
{
	return t->err;
}

void
tusk_tls_describe(const struct tusk_tls_conn *t, char *buf, size_t len)
{
	if (!SSL_is_init_finished(t->ssl)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, "%s %s", SSL_get_version(t->ssl),
		 SSL_get_cipher_name(t->ssl));
}
