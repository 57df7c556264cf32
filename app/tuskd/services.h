/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The services tuskd runs on its lcores (app/svc): what they share (the
 * data root, the SHA-256 workers) and what each lcore gets of its own (a
 * payload pool and its service instances).
 *   every lcore:  the HTTP file endpoint (http_port), if enabled, and
 *                 the bulk sink/source for benchmarks ("bulk", bulk.h)
 *                 the TWAMP reflector (twamp_port, twamp.h), if enabled
 *   first lcore:  the iperf3 server (iperf3_port, iperf3.h), if enabled,
 *                 TWAMP-Control and the TWAMP sender (twamp_port),
 *                 and the fetch client ("fetch"), reached by the control
 *                 socket through tusk_lcore_call()
 */
#ifndef TUSK_SERVICES_H
#define TUSK_SERVICES_H

#include "config.h"
#include "lcore.h"

/* Service names as tusk_lcore_service() finds them. */
#define TUSK_SERVICE_HTTP "http"
#define TUSK_SERVICE_FETCH "fetch"

struct tusk_services;

/*
 * Open the data root, start the digest workers, and give each lcore its
 * payload pool and services (before the lcores are launched). 0 and *out,
 * or -errno with the reason printed to stderr.
 */
int tusk_services_start(const struct tusk_config *cfg,
			struct tusk_lcore *const *lcs, unsigned int n,
			struct tusk_services **out);

/* Work of the control thread's loop, at least every 100 ms: the wall
 * clock TWAMP's timestamps are read on (struct tusk_twamp_clock). */
void tusk_services_tick(struct tusk_services *s);

/* The HTTP endpoint's access policy ([auth], [issuer NAME]), read-only;
 * NULL before it is loaded. The control socket mints macaroons with it. */
struct tusk_http_auth;
const struct tusk_http_auth *
tusk_services_auth(const struct tusk_services *s);

/* Release what the lcores' services shared, after tusk_lcore_free() of
 * every lcore (which released the services themselves). NULL is fine. */
void tusk_services_stop(struct tusk_services *s);

#endif /* TUSK_SERVICES_H */
