/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS layer (app/tls/tls.h) with no network: a client and a server
 * connection hand each other their ciphertext chains in memory.
 *
 *   - handshake: TLS 1.3 with AES-256-GCM; 4 MiB each way, byte for byte,
 *     16 KiB records into 16 KiB mbufs, full ciphertext mbufs
 *   - flow control: a read of at most N plaintext bytes takes only the
 *     ciphertext it needed; the rest stays queued and counted
 *   - acknowledgement mapping: plaintext is acknowledged only once all of
 *     its ciphertext is, and at the end all of it
 *   - refusals: a server of another name, a self-signed server (the
 *     certificate rejected, the reason given), garbage at the server,
 *     a certificate file that is a key, a key of another certificate
 *   - close_notify ends the peer's reads with -EPIPE
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_mbuf.h>

#include "profile.h"
#include "svc.h"
#include "testenv.h"
#include "tls.h"

#define POOL_N 2048u
#define BULK (4u << 20)

static struct rte_mempool *pool;

static const char *
data(const char *name)
{
	static char path[4][512];
	static unsigned int i;

	i = (i + 1) % 4;
	/* <source>/pmdcfg/profiles is a meson define: the data is beside */
	snprintf(path[i], sizeof(path[i]),
		 "%s/../../tests/unit/data/tls/%s",
		 tusk_profile_default_dir(), name);
	return path[i];
}

static int
setup(void **state)
{
	if (tusk_testenv_init("tls", 256) < 0)
		return -1;
	pool = tusk_testenv_pool("tls", POOL_N, TUSK_SVC_DATA_ROOM);
	return pool == NULL ? -1 : 0;
}

struct pair {
	struct tusk_tls_ctx *sctx, *cctx;
	struct tusk_tls_conn *s, *c;
	uint64_t s_sent, c_sent; /* ciphertext each has sent */
};

/* Move a's output to b's input; the bytes moved. */
static uint64_t
carry(struct tusk_tls_conn *a, struct tusk_tls_conn *b)
{
	struct rte_mbuf **o = tusk_tls_out(a), *m;
	uint64_t n;

	if (*o == NULL)
		return 0;
	m = *o;
	*o = NULL;
	n = m->pkt_len;
	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next)
		assert_true(seg->data_len <= TUSK_SVC_DATA_ROOM);
	tusk_tls_input(b, m);
	return n;
}

static void
pair_open(struct pair *p, const char *cert, const char *key,
	  const char *host)
{
	char err[TUSK_TLS_ERR_MAX];

	p->sctx = tusk_tls_ctx_server(data(cert), data(key), NULL, err,
				      sizeof(err));
	if (p->sctx == NULL)
		print_error("%s\n", err);
	assert_non_null(p->sctx);
	p->cctx = tusk_tls_ctx_client(data("ca.pem"), false, err,
				      sizeof(err));
	assert_non_null(p->cctx);
	p->s = tusk_tls_conn_new(p->sctx, pool, NULL);
	p->c = tusk_tls_conn_new(p->cctx, pool, host);
	assert_non_null(p->s);
	assert_non_null(p->c);
	p->s_sent = p->c_sent = 0;
}

static void
pair_close(struct pair *p)
{
	tusk_tls_conn_free(p->s);
	tusk_tls_conn_free(p->c);
	tusk_tls_ctx_free(p->sctx);
	tusk_tls_ctx_free(p->cctx);
}

/* Read everything available at t (max per call), appended to buf. */
static int64_t
drain(struct tusk_tls_conn *t, uint8_t *buf, uint64_t *have, uint32_t max)
{
	uint64_t used = 0;
	int64_t n, total = 0;

	do {
		struct rte_mbuf *m = NULL, *seg;

		n = tusk_tls_read(t, &m, max, &used);
		if (n < 0)
			return n;
		for (seg = m; seg != NULL; seg = seg->next) {
			assert_true(seg->data_len <= TUSK_TLS_RECORD_MAX);
			memcpy(buf + *have, rte_pktmbuf_mtod(seg, void *),
			       seg->data_len);
			*have += seg->data_len;
		}
		if (m != NULL)
			assert_int_equal(m->pkt_len, (uint32_t)n);
		rte_pktmbuf_free(m);
		total += n;
	} while (n > 0);
	return total;
}

/* Shuttle until both are done with the handshake (bounded). */
static void
handshake(struct pair *p)
{
	static uint8_t none[1];
	uint64_t have = 0;
	int i;

	for (i = 0; i < 10 && !(tusk_tls_ready(p->s) &&
				tusk_tls_ready(p->c)); i++) {
		p->c_sent += carry(p->c, p->s);
		assert_true(drain(p->s, none, &have, 1) >= 0);
		p->s_sent += carry(p->s, p->c);
		assert_true(drain(p->c, none, &have, 1) >= 0);
	}
	assert_true(tusk_tls_ready(p->s));
	assert_true(tusk_tls_ready(p->c));
	assert_int_equal(have, 0);
}

/* n bytes of a pattern as a chain of full data-room mbufs. */
static struct rte_mbuf *
pattern_chain(uint32_t n, uint32_t seed)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0;

	while (off < n) {
		uint16_t len = (uint16_t)RTE_MIN(n - off, TUSK_TLS_RECORD_MAX);
		uint8_t *p;

		m = rte_pktmbuf_alloc(pool);
		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, len);
		for (uint16_t i = 0; i < len; i++)
			p[i] = (uint8_t)((off + i) * 31u + seed);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		off += len;
	}
	return head;
}

static void
check_pattern(const uint8_t *b, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)(i * 31u + seed))
			fail_msg("byte %u differs", i);
}

/* Write n bytes from `from` to `to` in pieces, carrying as we go. */
static void
send_bulk(struct tusk_tls_conn *from, struct tusk_tls_conn *to,
	  uint64_t *sent, uint8_t *buf, uint64_t *have, uint32_t seed)
{
	struct rte_mbuf *m = pattern_chain(BULK, seed);

	while (m != NULL) {
		assert_true(tusk_tls_write(from, &m) > 0);
		*sent += carry(from, to);
		assert_true(drain(to, buf, have, 1u << 20) >= 0);
	}
}

static void
test_roundtrip(void **state)
{
	static uint8_t got[BULK];
	char desc[64];
	struct pair p;
	uint64_t have = 0, acked;

	pair_open(&p, "server.pem", "server.key", "tuskd.test");
	handshake(&p);
	tusk_tls_describe(p.s, desc, sizeof(desc));
	assert_string_equal(desc, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	/* client to server */
	send_bulk(p.c, p.s, &p.c_sent, got, &have, 7);
	assert_int_equal(have, BULK);
	check_pattern(got, BULK, 7);
	/* server to client: ciphertext in full mbufs, acks mapped back */
	have = 0;
	{
		struct rte_mbuf *m = pattern_chain(BULK, 9), **o, *seg;
		uint64_t before = p.s_sent, half;

		assert_int_equal(tusk_tls_write(p.s, &m), BULK);
		assert_null(m);
		o = tusk_tls_out(p.s);
		for (seg = *o; seg != NULL && seg->next != NULL;
		     seg = seg->next)
			assert_int_equal(seg->data_len,
					 rte_pktmbuf_data_room_size(pool) -
					 RTE_PKTMBUF_HEADROOM);
		half = before + ((*o)->pkt_len / 2);
		acked = tusk_tls_plain_acked(p.s, half);
		assert_true(acked < BULK);
		p.s_sent += carry(p.s, p.c);
		acked = tusk_tls_plain_acked(p.s, p.s_sent);
		assert_true(acked >= BULK); /* plus what went before */
	}
	assert_true(drain(p.c, got, &have, 1u << 20) >= 0);
	assert_int_equal(have, BULK);
	check_pattern(got, BULK, 9);
	pair_close(&p);
}

static void
test_flow_control(void **state)
{
	static uint8_t got[BULK];
	struct rte_mbuf *m, *plain = NULL;
	uint64_t used = 0, queued, have = 0;
	struct pair p;
	int64_t n;

	pair_open(&p, "server.pem", "server.key", "10.0.0.2");
	handshake(&p);
	m = pattern_chain(1u << 20, 3);
	assert_int_equal(tusk_tls_write(p.c, &m), 1u << 20);
	queued = carry(p.c, p.s);
	n = tusk_tls_read(p.s, &plain, 1000, &used);
	assert_true(n > 0 && n <= 1000);
	/* about one record taken, the rest still queued and counted */
	assert_true(used < 2 * (TUSK_TLS_RECORD_MAX + 64));
	assert_int_equal(tusk_tls_input_bytes(p.s), queued - used);
	memcpy(got, rte_pktmbuf_mtod(plain, void *), (size_t)n);
	have = (uint64_t)n;
	rte_pktmbuf_free(plain);
	assert_true(drain(p.s, got, &have, 64u << 10) > 0);
	assert_int_equal(have, 1u << 20);
	check_pattern(got, 1u << 20, 3);
	assert_int_equal(tusk_tls_input_bytes(p.s), 0);
	/* close_notify: the peer's next read says the stream ended */
	tusk_tls_close_notify(p.c);
	carry(p.c, p.s);
	plain = NULL;
	assert_int_equal(tusk_tls_read(p.s, &plain, 1000, &used), -EPIPE);
	assert_null(plain);
	pair_close(&p);
}

/* The client refuses the server: -EPROTO, certificate rejected, reason. */
static void
expect_rejected(const char *cert, const char *key, const char *host,
		const char *why)
{
	static uint8_t none[1];
	struct pair p;
	uint64_t have = 0;
	int64_t rc = 0;
	int i;

	pair_open(&p, cert, key, host);
	for (i = 0; i < 10 && rc >= 0; i++) {
		carry(p.c, p.s);
		assert_true(drain(p.s, none, &have, 1) >= 0);
		carry(p.s, p.c);
		rc = drain(p.c, none, &have, 1);
	}
	assert_int_equal(rc, -EPROTO);
	assert_true(tusk_tls_cert_rejected(p.c));
	if (strstr(tusk_tls_error(p.c), why) == NULL)
		fail_msg("reason '%s' lacks '%s'", tusk_tls_error(p.c), why);
	/* the alert reaches the server, which fails too */
	carry(p.c, p.s);
	assert_int_equal(drain(p.s, none, &have, 1), -EPROTO);
	pair_close(&p);
}

static void
test_refusals(void **state)
{
	char err[TUSK_TLS_ERR_MAX];
	struct tusk_tls_conn *s;
	struct tusk_tls_ctx *ctx;
	struct rte_mbuf *m, *plain = NULL;
	uint64_t used = 0;
	bool key_bad;

	expect_rejected("server.pem", "server.key", "other.test",
			"hostname mismatch");
	expect_rejected("server.pem", "server.key", "10.0.0.3",
			"IP address mismatch");
	expect_rejected("rogue.pem", "rogue.key", "tuskd.test",
			"self-signed certificate");
	/* garbage at a server */
	ctx = tusk_tls_ctx_server(data("server.pem"), data("server.key"),
				  NULL, err, sizeof(err));
	assert_non_null(ctx);
	s = tusk_tls_conn_new(ctx, pool, NULL);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, 64), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	       "0123456789012345678901234567890123456", 64);
	tusk_tls_input(s, m);
	assert_int_equal(tusk_tls_read(s, &plain, 1000, &used), -EPROTO);
	assert_false(tusk_tls_ready(s));
	assert_true(strlen(tusk_tls_error(s)) > 0);
	tusk_tls_conn_free(s);
	tusk_tls_ctx_free(ctx);
	/* files that are not what they say */
	assert_null(tusk_tls_ctx_server(data("server.key"), data("server.key"),
					&key_bad, err, sizeof(err)));
	assert_false(key_bad);
	assert_non_null(strstr(err, "no PEM certificate"));
	assert_null(tusk_tls_ctx_server(data("server.pem"), data("rogue.key"),
					&key_bad, err, sizeof(err)));
	assert_true(key_bad);
	assert_non_null(strstr(err, "does not match"));
	assert_null(tusk_tls_ctx_server(data("none.pem"), data("server.key"),
					&key_bad, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	assert_null(tusk_tls_ctx_client(data("server.key"), false, err,
					sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_flow_control),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
