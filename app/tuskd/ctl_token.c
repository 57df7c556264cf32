/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket command `token`: mint an appliance macaroon
 * (app/auth/auth_macaroon.h) with tuskd's secret, which never leaves
 * tuskd (whoever may use the control socket, mode 0660, may already
 * do anything a token allows):
 *   {"cmd": "token", "path": "/data", "activity": "read,create",
 *    "ttl": 3600}
 *   -> {"token": "...", "path", "activity", "expires" (Unix seconds),
 *       "location"}
 * activity: read, create, modify, list, delete, stat (or the macaroon
 * names DOWNLOAD, UPLOAD, MANAGE, LIST, DELETE, READ_METADATA).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "auth_macaroon.h"
#include "ctl_priv.h"
#include "http_auth.h"

/* Default lifetime: an hour covers a session's transfers. */
#define TOKEN_TTL_DEFAULT_S 3600
/* Longest lifetime minted: a day, XRootD's default ceiling
 * (XrdMacaroons maxDuration 86400 s): a token that leaks expires. */
#define TOKEN_TTL_MAX_S 86400
/* The activity list as typed: every word once, with commas. */
#define TOKEN_ACTS_TEXT_MAX 128

static int
token_args(json_t *args, char *path, uint32_t *acts, char *acts_text,
	   int64_t *ttl, char *err, size_t errlen)
{
	if (tusk_ctl_arg_string(args, "path", true, path, TUSK_AUTH_PATH_MAX,
				err, errlen) < 0)
		return -1;
	if (!tusk_auth_path_valid(path, strlen(path))) {
		snprintf(err, errlen, "path: an absolute path beneath the "
			 "data root, without \".\", \"..\" or \"//\"");
		return -1;
	}
	if (tusk_ctl_arg_string(args, "activity", true, acts_text,
				TOKEN_ACTS_TEXT_MAX, err, errlen) < 0)
		return -1;
	if (tusk_auth_macaroon_acts_parse(acts_text, acts) < 0 ||
	    *acts == 0) {
		snprintf(err, errlen, "activity: a list of read, create, "
			 "modify, list, delete, stat");
		return -1;
	}
	*ttl = tusk_ctl_arg_uint(args, "ttl", TOKEN_TTL_DEFAULT_S,
				 TOKEN_TTL_MAX_S, err, errlen);
	if (*ttl == 0) {
		snprintf(err, errlen, "ttl: at least 1 second");
		return -1;
	}
	return *ttl < 0 ? -1 : 0;
}

int
tusk_ctl_token_cmd(void *arg, json_t *args, json_t **result, char *err,
		   size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	const struct tusk_http_auth *a = ctl->ctx.auth;
	char path[TUSK_AUTH_PATH_MAX], acts_text[TOKEN_ACTS_TEXT_MAX];
	char tok[TUSK_AUTH_MAC_TOKEN_MAX];
	uint8_t id[TUSK_AUTH_MAC_ID_LEN];
	int64_t ttl, before;
	uint32_t acts;
	int n;

	if (a == NULL || !a->has_mac) {
		snprintf(err, errlen, "no macaroon secret: set [auth] "
			 "macaroon_secret in tuskd.conf");
		return -1;
	}
	if (token_args(args, path, &acts, acts_text, &ttl, err, errlen) < 0)
		return -1;
	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
		snprintf(err, errlen, "no random identifier: %s",
			 strerror(errno));
		return -1;
	}
	before = (int64_t)time(NULL) + ttl;
	n = tusk_auth_macaroon_mint(&a->mac, a->jwt.audience, id, path, acts,
				    before, tok, sizeof(tok));
	if (n < 0) {
		snprintf(err, errlen, "cannot mint: %s", strerror(-n));
		return -1;
	}
	*result = json_pack("{s:s, s:s, s:s, s:I, s:s}", "token", tok,
			    "path", path, "activity", acts_text,
			    "expires", (json_int_t)before,
			    "location", a->jwt.audience);
	memset(tok, 0, sizeof(tok));
	return 0;
}
