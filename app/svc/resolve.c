/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host names off the lcore (resolve.h).
 *
 *   tusk_resolve_start() -> pthread_create(lookup), detached
 *   lookup()             -> getaddrinfo() -> result, done = true -> unref()
 *   tusk_resolve_free()  -> unref(): the last of caller and thread frees
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolve.h"

/* How often tusk_resolve_wait() looks (a hosts-file answer is there at
 * once; a bound of TUSK_RESOLVE_WAIT_NS needs no finer grain). */
#define RESOLVE_WAIT_STEP_NS (2ull * 1000000ull)
#define RESOLVE_HOST_MAX 254 /* RFC 1035 2.3.4: 253 and the NUL */

struct tusk_resolve {
	atomic_int refs;       /* caller and thread */
	atomic_bool done;      /* rc, addr, why written before it is set */
	int rc;
	uint32_t addr;
	char host[RESOLVE_HOST_MAX];
	char why[TUSK_RESOLVE_REASON_MAX];
};

static atomic_uint inflight;

static void
unref(struct tusk_resolve *r)
{
	if (atomic_fetch_sub(&r->refs, 1) == 1)
		free(r);
}

static void *
lookup(void *arg)
{
	struct tusk_resolve *r = arg;
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int ret = getaddrinfo(r->host, NULL, &hints, &res);

	if (ret == 0 && res != NULL) {
		r->addr = ntohl(((struct sockaddr_in *)res->ai_addr)->
				sin_addr.s_addr);
		r->rc = 0;
	} else {
		snprintf(r->why, sizeof(r->why), "cannot resolve %s: %s",
			 r->host, ret == EAI_SYSTEM ? strerror(errno) :
			 gai_strerror(ret));
		r->rc = -ENOENT;
	}
	if (res != NULL)
		freeaddrinfo(res);
	atomic_store(&r->done, true);
	atomic_fetch_sub(&inflight, 1);
	unref(r);
	return NULL;
}

struct tusk_resolve *
tusk_resolve_start(const char *host)
{
	struct tusk_resolve *r;
	pthread_attr_t attr;
	pthread_t t;
	size_t n = strlen(host);
	int ret;

	if (n == 0 || n >= RESOLVE_HOST_MAX) {
		errno = n == 0 ? EINVAL : ENAMETOOLONG;
		return NULL;
	}
	if (atomic_fetch_add(&inflight, 1) >= TUSK_RESOLVE_INFLIGHT_MAX) {
		atomic_fetch_sub(&inflight, 1);
		errno = EBUSY;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		atomic_fetch_sub(&inflight, 1);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(r->host, host, n + 1);
	atomic_init(&r->refs, 2);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&t, &attr, lookup, r);
	pthread_attr_destroy(&attr);
	if (ret != 0) {
		atomic_fetch_sub(&inflight, 1);
		free(r);
		errno = ret;
		return NULL;
	}
	return r;
}

int
tusk_resolve_poll(const struct tusk_resolve *r, uint32_t *addr, char *why,
		  size_t len)
{
	if (!atomic_load(&r->done))
		return -EAGAIN;
	if (r->rc == 0)
		*addr = r->addr;
	else
		snprintf(why, len, "%s", r->why);
	return r->rc;
}

void
tusk_resolve_free(struct tusk_resolve *r)
{
	if (r != NULL)
		unref(r);
}

int
tusk_resolve_wait(const char *host, uint32_t *addr, char *why, size_t len)
{
	const struct timespec step = { 0, RESOLVE_WAIT_STEP_NS };
	struct tusk_resolve *r = tusk_resolve_start(host);
	uint64_t waited = 0;
	int rc;

	if (r == NULL) {
		rc = -errno;
		snprintf(why, len, "cannot resolve %.253s: %s", host,
			 rc == -EBUSY ? "too many lookups running" :
			 strerror(-rc));
		return rc;
	}
	while ((rc = tusk_resolve_poll(r, addr, why, len)) == -EAGAIN &&
	       waited < TUSK_RESOLVE_WAIT_NS) {
		nanosleep(&step, NULL);
		waited += RESOLVE_WAIT_STEP_NS;
	}
	if (rc == -EAGAIN) {
		snprintf(why, len, "cannot resolve %s: no answer within %llu s",
			 host, TUSK_RESOLVE_WAIT_NS / 1000000000ull);
		rc = -ETIMEDOUT;
	}
	tusk_resolve_free(r);
	return rc;
}
