/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One pass, several digests (see digest_ctx.h).
 *
 * ISA-L's crc32_iscsi() works on the raw register (no inversion in or
 * out) and takes an int length; the standard CRC32C (check value
 * 0xE3069283 for "123456789", RFC 9260 appendix A) is ~reg of a run
 * started at ~0. isal_adler32() chains from its previous result and
 * starts at 1 (RFC 1950 8.2).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>

#include "digest_ctx.h"

/* crc32_iscsi() takes an int length: larger buffers go in pieces. */
#define CRC_PIECE_MAX (1u << 30)

static int
evp_start(EVP_MD_CTX **ctx, const EVP_MD *md)
{
	*ctx = EVP_MD_CTX_new();
	if (*ctx == NULL || EVP_DigestInit_ex(*ctx, md, NULL) != 1)
		return -ENOMEM;
	return 0;
}

int
tusk_digest_ctx_init(struct tusk_digest_ctx *c, unsigned int algs)
{
	int err = 0;

	memset(c, 0, sizeof(*c));
	if (algs == 0 || (algs & ~TUSK_DIGEST_ALL) != 0)
		return -EINVAL;
	c->algs = algs;
	c->adler = 1;
	c->crc = UINT32_MAX;
	if (algs & TUSK_DIGEST_BIT(TUSK_DIGEST_MD5))
		err = evp_start(&c->md5, EVP_md5());
	if (err == 0 && (algs & TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256)))
		err = evp_start(&c->sha256, EVP_sha256());
	if (err != 0)
		tusk_digest_ctx_fini(c);
	return err;
}

static void
crc_update(struct tusk_digest_ctx *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k = n < CRC_PIECE_MAX ? n : CRC_PIECE_MAX;

		/* ISA-L's prototype takes a non-const buffer; it only reads */
		c->crc = crc32_iscsi((unsigned char *)(uintptr_t)p, (int)k,
				     c->crc);
		p += k;
		n -= k;
	}
}

int
tusk_digest_ctx_update(struct tusk_digest_ctx *c, const void *buf, size_t n)
{
	if (c->algs & TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32))
		c->adler = isal_adler32(c->adler, buf, n);
	if (c->algs & TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C))
		crc_update(c, buf, n);
	if (c->md5 != NULL && EVP_DigestUpdate(c->md5, buf, n) != 1)
		return -ENOMEM;
	if (c->sha256 != NULL && EVP_DigestUpdate(c->sha256, buf, n) != 1)
		return -ENOMEM;
	return 0;
}

static int
evp_final(EVP_MD_CTX *ctx, uint8_t *out, size_t want)
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != want)
		return -ENOMEM;
	return 0;
}

int
tusk_digest_ctx_final(struct tusk_digest_ctx *c, struct tusk_digests *out)
{
	int err = 0;

	if (c->algs & TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32))
		tusk_digest_put32(out->v[TUSK_DIGEST_ADLER32], c->adler);
	if (c->algs & TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C))
		tusk_digest_put32(out->v[TUSK_DIGEST_CRC32C], ~c->crc);
	if (c->md5 != NULL)
		err = evp_final(c->md5, out->v[TUSK_DIGEST_MD5], 16);
	if (err == 0 && c->sha256 != NULL)
		err = evp_final(c->sha256, out->v[TUSK_DIGEST_SHA256], 32);
	if (err == 0)
		out->have |= c->algs;
	tusk_digest_ctx_fini(c);
	return err;
}

void
tusk_digest_ctx_fini(struct tusk_digest_ctx *c)
{
	EVP_MD_CTX_free(c->md5);
	EVP_MD_CTX_free(c->sha256);
	c->md5 = c->sha256 = NULL;
	c->algs = 0;
}

void
tusk_digest_hex(const struct tusk_digests *d, enum tusk_digest_alg a,
		char out[TUSK_DIGEST_HEXLEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = tusk_digest_len(a);

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d->v[a][i] >> 4];
		out[2 * i + 1] = hex[d->v[a][i] & 15];
	}
	out[2 * n] = '\0';
}
