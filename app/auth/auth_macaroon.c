/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Appliance macaroons (auth_macaroon.h).
 * mint:   derive_key() -> put_packet() x N (chain_fold() per caveat) -> b64
 * verify: b64 -> read_packets() -> chain check -> caveat_apply() x N
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth_b64.h"
#include "auth_macaroon.h"

#define SIG_LEN 32
/* Packet header: 4 hex digits of the packet's whole length (V1 layout),
 * so one packet is at most 0xffff bytes; ours are far shorter. */
#define PKT_HDR 4
/* "YYYY-MM-DDTHH:MM:SSZ" */
#define TIME_LEN 20
/* Location (the appliance's name) longest accepted: a DNS name. */
#define LOCATION_MAX 255

static const struct {
	const char *name;  /* macaroon activity (XRootD, dCache) */
	const char *alias; /* the word tuskctl takes */
	uint32_t acts;
} activities[] = {
	{ "DOWNLOAD", "read", TUSK_AUTH_READ },
	{ "UPLOAD", "create", TUSK_AUTH_CREATE },
	{ "MANAGE", "modify", TUSK_AUTH_MODIFY },
	{ "LIST", "list", TUSK_AUTH_LIST },
	{ "DELETE", "delete", TUSK_AUTH_DELETE },
	/* stat: any activity implies it; alone it grants only stat */
	{ "READ_METADATA", "stat", TUSK_AUTH_STAT },
};
#define N_ACTIVITIES (sizeof(activities) / sizeof(activities[0]))

/* HMAC-SHA256 of data under a 32-byte key. */
static void
hmac(const uint8_t key[SIG_LEN], const void *data, size_t n,
     uint8_t out[SIG_LEN])
{
	unsigned int len = SIG_LEN;

	HMAC(EVP_sha256(), key, SIG_LEN, data, n, out, &len);
}

/* libmacaroons' key derivation: HMAC keyed by the padded constant, so
 * the secret itself never keys the chain. */
static void
derive_key(const struct tusk_auth_mac_key *key, uint8_t out[SIG_LEN])
{
	uint8_t gen[SIG_LEN] = "macaroons-key-generator";

	hmac(gen, key->k, TUSK_AUTH_MAC_KEY_LEN, out);
}

static int
act_lookup(const char *w, size_t n, uint32_t *acts)
{
	size_t i;

	for (i = 0; i < N_ACTIVITIES; i++) {
		if ((strlen(activities[i].name) == n &&
		     strncasecmp(w, activities[i].name, n) == 0) ||
		    (strlen(activities[i].alias) == n &&
		     strncasecmp(w, activities[i].alias, n) == 0)) {
			*acts |= activities[i].acts;
			return 0;
		}
	}
	return -EINVAL;
}

/* Comma-separated activity list of n characters into bits. */
static int
acts_parse_n(const char *s, size_t n, uint32_t *acts)
{
	size_t i = 0, start;

	*acts = 0;
	if (n == 0)
		return -EINVAL;
	while (i <= n) {
		start = i;
		while (i < n && s[i] != ',')
			i++;
		if (i == start || act_lookup(s + start, i - start, acts) < 0)
			return -EINVAL;
		i++;
	}
	return 0;
}

int
tusk_auth_macaroon_acts_parse(const char *s, uint32_t *acts)
{
	return acts_parse_n(s, strlen(s), acts);
}

/* "activity:DOWNLOAD,UPLOAD" for the bits set in acts. */
static int
acts_format(uint32_t acts, char *buf, size_t len)
{
	size_t i, o;
	int n;

	n = snprintf(buf, len, "activity:");
	o = (size_t)n;
	for (i = 0; i < N_ACTIVITIES; i++) {
		if (!(acts & activities[i].acts))
			continue;
		n = snprintf(buf + o, len - o, "%s%s",
			     o > 9 ? "," : "", activities[i].name);
		if (n < 0 || (size_t)n >= len - o)
			return -ENOSPC;
		o += (size_t)n;
	}
	return o > 9 ? (int)o : -EINVAL;
}

static int
time_format(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) != TIME_LEN)
		return -EINVAL;
	return 0;
}

/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ" (n characters) as UTC. */
static int
time_parse(const char *s, size_t n, int64_t *t)
{
	char buf[TIME_LEN + 1];
	struct tm tm = { 0 };
	int used = 0;

	if (n != TIME_LEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &used) != 6 || used != TIME_LEN)
		return -EINVAL;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* Append packet "key value\n" with its 4-hex-digit length. */
static int
put_packet(uint8_t *buf, size_t len, size_t *o, const char *key,
	   const void *val, size_t vn)
{
	size_t kn = strlen(key), pn = PKT_HDR + kn + 1 + vn + 1;
	char hdr[PKT_HDR + 1];

	if (pn > 0xffff || *o + pn > len)
		return -ENOSPC;
	snprintf(hdr, sizeof(hdr), "%04zx", pn);
	memcpy(buf + *o, hdr, PKT_HDR);
	memcpy(buf + *o + PKT_HDR, key, kn);
	buf[*o + PKT_HDR + kn] = ' ';
	memcpy(buf + *o + PKT_HDR + kn + 1, val, vn);
	buf[*o + pn - 1] = '\n';
	*o += pn;
	return 0;
}

/* Add caveat text to the token and fold it into the signature. */
static int
put_caveat(uint8_t *buf, size_t len, size_t *o, uint8_t sig[SIG_LEN],
	   const char *cav)
{
	hmac(sig, cav, strlen(cav), sig);
	return put_packet(buf, len, o, "cid", cav, strlen(cav));
}

int
tusk_auth_macaroon_mint(const struct tusk_auth_mac_key *key,
			const char *location,
			const uint8_t id[TUSK_AUTH_MAC_ID_LEN],
			const char *path, uint32_t acts, int64_t before,
			char *out, size_t outlen)
{
	uint8_t raw[TUSK_AUTH_MAC_TOKEN_MAX], k[SIG_LEN], sig[SIG_LEN];
	char idhex[2 * TUSK_AUTH_MAC_ID_LEN + 1], cav[TUSK_AUTH_PATH_MAX + 16];
	char when[TIME_LEN + 1];
	size_t o = 0, i;
	int rc;

	if (strlen(location) > LOCATION_MAX ||
	    !tusk_auth_path_valid(path, strlen(path)) ||
	    time_format(before, when, sizeof(when)) < 0)
		return -EINVAL;
	for (i = 0; i < TUSK_AUTH_MAC_ID_LEN; i++)
		snprintf(idhex + 2 * i, 3, "%02x", id[i]);
	derive_key(key, k);
	hmac(k, idhex, strlen(idhex), sig);
	rc = put_packet(raw, sizeof(raw), &o, "location", location,
			strlen(location));
	if (rc == 0)
		rc = put_packet(raw, sizeof(raw), &o, "identifier", idhex,
				strlen(idhex));
	snprintf(cav, sizeof(cav), "path:%s", path);
	if (rc == 0)
		rc = put_caveat(raw, sizeof(raw), &o, sig, cav);
	if (rc == 0)
		rc = acts_format(acts, cav, sizeof(cav));
	if (rc >= 0)
		rc = put_caveat(raw, sizeof(raw), &o, sig, cav);
	snprintf(cav, sizeof(cav), "before:%s", when);
	if (rc == 0)
		rc = put_caveat(raw, sizeof(raw), &o, sig, cav);
	if (rc == 0)
		rc = put_packet(raw, sizeof(raw), &o, "signature", sig,
				SIG_LEN);
	OPENSSL_cleanse(k, sizeof(k));
	if (rc < 0)
		return rc;
	return tusk_auth_b64_encode(raw, o, out, outlen);
}

struct packet {
	const char *key;
	size_t kn;
	const uint8_t *val;
	size_t vn;
};

/* Read the packet at *o of raw (n bytes). */
static int
read_packet(const uint8_t *raw, size_t n, size_t *o, struct packet *p)
{
	char hdr[PKT_HDR + 1], *end;
	const uint8_t *sp;
	unsigned long pn;

	if (n - *o < PKT_HDR + 3)
		return -EINVAL;
	memcpy(hdr, raw + *o, PKT_HDR);
	hdr[PKT_HDR] = '\0';
	pn = strtoul(hdr, &end, 16);
	if (end != hdr + PKT_HDR || pn < PKT_HDR + 3 || pn > n - *o ||
	    raw[*o + pn - 1] != '\n')
		return -EINVAL;
	p->key = (const char *)raw + *o + PKT_HDR;
	sp = memchr(p->key, ' ', pn - PKT_HDR - 1);
	if (sp == NULL)
		return -EINVAL;
	p->kn = (size_t)(sp - (const uint8_t *)p->key);
	p->val = sp + 1;
	p->vn = pn - PKT_HDR - p->kn - 2;
	*o += pn;
	return 0;
}

static bool
key_is(const struct packet *p, const char *k)
{
	return p->kn == strlen(k) && memcmp(p->key, k, p->kn) == 0;
}

/* What the caveats allow so far; each one narrows it. */
struct mac_state {
	uint32_t acts;
	int64_t before;
	char path[TUSK_AUTH_PATH_MAX];
};

/* Narrow the path: the deeper of two nested paths; disjoint paths
 * leave nothing (acts 0). */
static void
narrow_path(struct mac_state *st, const char *path)
{
	if (tusk_auth_path_covers(path, st->path))
		return;
	if (tusk_auth_path_covers(st->path, path))
		snprintf(st->path, sizeof(st->path), "%s", path);
	else
		st->acts = 0;
}

static enum tusk_auth_verdict
caveat_apply(struct mac_state *st, const char *c, size_t n)
{
	char path[TUSK_AUTH_PATH_MAX];
	uint32_t acts;
	int64_t t;

	if (n > 5 && memcmp(c, "path:", 5) == 0) {
		if (!tusk_auth_path_valid(c + 5, n - 5))
			return TUSK_AUTH_BAD_SCOPE;
		memcpy(path, c + 5, n - 5);
		path[n - 5] = '\0';
		narrow_path(st, path);
	} else if (n > 9 && memcmp(c, "activity:", 9) == 0) {
		if (acts_parse_n(c + 9, n - 9, &acts) < 0)
			return TUSK_AUTH_BAD_SCOPE;
		st->acts &= tusk_auth_act_implied(acts);
	} else if (n > 7 && memcmp(c, "before:", 7) == 0) {
		if (time_parse(c + 7, n - 7, &t) < 0)
			return TUSK_AUTH_BAD_SCOPE;
		if (t < st->before)
			st->before = t;
	} else {
		return TUSK_AUTH_BAD_SCOPE; /* unknown: never skipped */
	}
	return TUSK_AUTH_OK;
}

/* Check the chain; collect the caveats into cav/ncav. */
static enum tusk_auth_verdict
read_chain(const uint8_t *raw, size_t n, const uint8_t k[SIG_LEN],
	   struct packet *loc, struct packet *cav, unsigned *ncav)
{
	uint8_t sig[SIG_LEN];
	struct packet p;
	size_t o = 0;

	*ncav = 0;
	if (read_packet(raw, n, &o, loc) < 0 || !key_is(loc, "location") ||
	    read_packet(raw, n, &o, &p) < 0 || !key_is(&p, "identifier"))
		return TUSK_AUTH_MALFORMED;
	hmac(k, p.val, p.vn, sig);
	for (;;) {
		if (read_packet(raw, n, &o, &p) < 0)
			return TUSK_AUTH_MALFORMED;
		if (key_is(&p, "signature"))
			break;
		if (!key_is(&p, "cid") || *ncav == TUSK_AUTH_MAC_CAVEATS_MAX)
			return TUSK_AUTH_MALFORMED;
		cav[(*ncav)++] = p;
		hmac(sig, p.val, p.vn, sig);
	}
	if (o != n || p.vn != SIG_LEN)
		return TUSK_AUTH_MALFORMED;
	return CRYPTO_memcmp(sig, p.val, SIG_LEN) == 0 ? TUSK_AUTH_OK
						       : TUSK_AUTH_SIGNATURE;
}

enum tusk_auth_verdict
tusk_auth_macaroon_verify(const struct tusk_auth_mac_key *key,
			  const char *want_location, const char *tok,
			  size_t len, int64_t now,
			  struct tusk_auth_claims *claims)
{
	uint8_t raw[TUSK_AUTH_MAC_TOKEN_MAX], k[SIG_LEN];
	struct packet loc, cav[TUSK_AUTH_MAC_CAVEATS_MAX];
	struct mac_state st = { .acts = ~0u, .before = INT64_MAX,
				.path = "/" };
	enum tusk_auth_verdict v;
	unsigned ncav, i;
	int n;

	if (len > TUSK_AUTH_MAC_TOKEN_MAX)
		return TUSK_AUTH_MALFORMED;
	n = tusk_auth_b64_decode(tok, len, raw, sizeof(raw));
	if (n < 0)
		return TUSK_AUTH_MALFORMED;
	derive_key(key, k);
	v = read_chain(raw, (size_t)n, k, &loc, cav, &ncav);
	OPENSSL_cleanse(k, sizeof(k));
	if (v != TUSK_AUTH_OK)
		return v;
	if (loc.vn != strlen(want_location) ||
	    memcmp(loc.val, want_location, loc.vn) != 0)
		return TUSK_AUTH_AUDIENCE;
	for (i = 0; i < ncav; i++) {
		v = caveat_apply(&st, (const char *)cav[i].val, cav[i].vn);
		if (v != TUSK_AUTH_OK)
			return v;
	}
	if (st.before == INT64_MAX) /* a token that never expires: refused */
		return TUSK_AUTH_BAD_SCOPE;
	if (now >= st.before)
		return TUSK_AUTH_EXPIRED;
	claims->exp = st.before;
	claims->n_grants = 1;
	claims->grants[0].acts = st.acts == ~0u ? 0 : st.acts;
	memcpy(claims->grants[0].path, st.path, sizeof(st.path));
	return TUSK_AUTH_OK;
}
