/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP endpoint's access policy built from tuskd.conf's [auth] and
 * [issuer NAME] sections: the files they name are read here, at start-up
 * (app/auth itself does no I/O).
 */
#ifndef TUSK_SERVICES_AUTH_H
#define TUSK_SERVICES_AUTH_H

#include "config.h"
#include "http_auth.h"

/* Largest JWKS file read: an issuer publishes a few keys (~1 kB each). */
#define TUSK_SERVICES_JWKS_MAX (256u << 10)

/*
 * Fill a from cfg: mode, name, anon_read, each issuer's JWKS, the
 * macaroon secret (64 hex digits; refused when group or others may read
 * it). 0, or -errno with "tuskd: <conf>: [section] key = value: reason"
 * printed to stderr.
 */
int tusk_services_auth_load(const struct tusk_config *cfg,
			    struct tusk_http_auth *a);

#endif
