/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tokens the appliance mints itself, for sites without a token issuer:
 * macaroons (Birgisson et al., NDSS 2014) as XRootD and dCache issue
 * them. The signature is a chain: sig0 = HMAC-SHA256(k, identifier),
 * sig_i = HMAC-SHA256(sig_{i-1}, caveat_i), where k is derived from the
 * appliance's secret as libmacaroons derives it. Each caveat is folded
 * in, so a holder can add caveats (narrowing) but never remove or change
 * one without the secret.
 *
 * Caveats (names and forms as dCache CaveatType and XRootD
 * XrdMacaroonsAuthz check them; app/auth/README.md):
 *   path:/abs/prefix              request path under it (per component)
 *   activity:DOWNLOAD,UPLOAD,...  DOWNLOAD, UPLOAD, MANAGE, LIST, DELETE,
 *                                 READ_METADATA (implied by any)
 *   before:2026-12-06T23:00:00Z   expiry, UTC
 * Every caveat must hold; several of one name narrow each other; an
 * unknown caveat refuses the token (a verifier must not skip what it
 * does not understand).
 *
 * Wire form: base64url of packets "%04x" + "key value\n" (the 4 hex
 * digits count the whole packet): location, identifier, cid per caveat,
 * signature (32 raw bytes); the packet layout of libmacaroons' V1.
 * No I/O, no clock: time comes in as an argument.
 */
#ifndef TUSK_AUTH_MACAROON_H
#define TUSK_AUTH_MACAROON_H

#include <stddef.h>
#include <stdint.h>

#include "auth_token.h"

/* The appliance's secret: 32 bytes, the HMAC-SHA256 block of strength. */
#define TUSK_AUTH_MAC_KEY_LEN 32
/* Caveats per macaroon: ours carry three; a holder may add a few. */
#define TUSK_AUTH_MAC_CAVEATS_MAX 16
/* Longest serialised token accepted: caveats of TUSK_AUTH_PATH_MAX
 * paths fit several times; anything longer is refused before decoding. */
#define TUSK_AUTH_MAC_TOKEN_MAX 8192
/* Identifier bytes the caller draws at random for each token. */
#define TUSK_AUTH_MAC_ID_LEN 16

struct tusk_auth_mac_key {
	uint8_t k[TUSK_AUTH_MAC_KEY_LEN];
};

/*
 * Mint a token for acts (enum tusk_auth_act bits) on path, valid until
 * before (wall-clock seconds), issued at location (the appliance's
 * name), with identifier id (random, from the caller). Writes the
 * NUL-terminated token into out. Returns its length, -EINVAL (bad
 * path, no activity, location too long) or -ENOSPC.
 */
int tusk_auth_macaroon_mint(const struct tusk_auth_mac_key *key,
			    const char *location,
			    const uint8_t id[TUSK_AUTH_MAC_ID_LEN],
			    const char *path, uint32_t acts, int64_t before,
			    char *out, size_t outlen);

/*
 * Verify tok (len characters) at time now: the signature chain under
 * key, location equal to want_location, every caveat. On TUSK_AUTH_OK,
 * claims hold one grant (the narrowest path, the common activities) and
 * exp (the earliest before).
 */
enum tusk_auth_verdict
tusk_auth_macaroon_verify(const struct tusk_auth_mac_key *key,
			  const char *want_location, const char *tok,
			  size_t len, int64_t now,
			  struct tusk_auth_claims *claims);

/* Parse "read,create,..." (also the macaroon names DOWNLOAD, UPLOAD,
 * MANAGE, ...), case-insensitive, into enum tusk_auth_act bits. Returns
 * 0 or -EINVAL naming nothing (the caller names the argument). */
int tusk_auth_macaroon_acts_parse(const char *s, uint32_t *acts);

#endif
