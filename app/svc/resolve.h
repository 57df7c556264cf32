/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host names to IPv4 addresses, off the polling lcore: getaddrinfo()
 * (hosts file, DNS, whatever nsswitch.conf says) on a thread of its own
 * per lookup, polled by the caller. Used where a URL names its host: a
 * third-party COPY's Source or Destination (http_server_tpc.c) and the
 * fetch control command (app/tuskd/ctl_fetch.c).
 *
 *   tusk_resolve_start() -> a detached thread: getaddrinfo(AF_INET)
 *   tusk_resolve_poll()  -> -EAGAIN, then the address or the reason
 *   tusk_resolve_free()  -> the caller lets go; the thread frees the
 *                           lookup when it ends, if it still runs
 *
 * getaddrinfo() cannot be cancelled and may take the resolver's own
 * timeouts (resolv.conf: 5 s per try and server): the caller bounds its
 * wait (TUSK_RESOLVE_WAIT_NS), a thread per lookup keeps one slow name
 * from holding up the next, and TUSK_RESOLVE_INFLIGHT_MAX bounds the
 * threads a flood of names can start. IPv4 only: tuskd's stack is.
 */
#ifndef TUSK_RESOLVE_H
#define TUSK_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

/* How long a caller waits for a name: a hosts-file answer takes
 * microseconds and a DNS answer milliseconds; a resolver whose servers
 * are down tries each for 5 s (resolv.conf's default). A COPY's client
 * (FTS) waits on our answer, so the bound is a few seconds. */
#define TUSK_RESOLVE_WAIT_NS (10ull * 1000000000ull)
/* Lookups running at once, in the whole process: each holds a thread;
 * past this a name is refused (-EBUSY) rather than queued. */
#define TUSK_RESOLVE_INFLIGHT_MAX 8
/* Reason text, with the host name (RFC 1035: 253 characters at most). */
#define TUSK_RESOLVE_REASON_MAX 384

struct tusk_resolve;

/* Start resolving host; NULL with errno: EBUSY (TUSK_RESOLVE_INFLIGHT_
 * MAX running), ENAMETOOLONG, EINVAL (empty), ENOMEM, or pthread's. */
struct tusk_resolve *tusk_resolve_start(const char *host);

/* -EAGAIN while running; 0 and *addr (host byte order); or -ENOENT with
 * "cannot resolve HOST: why" in why. */
int tusk_resolve_poll(const struct tusk_resolve *r, uint32_t *addr,
		      char *why, size_t len);

/* The caller is done with r (NULL is fine); a lookup still running ends
 * on its thread and is freed there. */
void tusk_resolve_free(struct tusk_resolve *r);

/* For a thread that may block (the control thread, never an lcore):
 * start, wait at most TUSK_RESOLVE_WAIT_NS, free. 0 and *addr, or
 * -errno with the reason in why (-ETIMEDOUT: the bound passed). */
int tusk_resolve_wait(const char *host, uint32_t *addr, char *why,
		      size_t len);

#endif /* TUSK_RESOLVE_H */
