/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host names off the lcore (app/svc/resolve.h): a name from /etc/hosts
 * resolves, a literal passes through, a name nobody knows gives the
 * reason with the name, bad names are refused at start, and the cap on
 * lookups running at once holds while lookups are held up.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "resolve.h"

/* How long the test polls a lookup of /etc/hosts or of a name that a
 * resolver refuses at once: far more than either takes. */
#define WAIT_MS 10000

static int
poll_until_done(struct tusk_resolve *r, uint32_t *addr, char *why,
		size_t len)
{
	const struct timespec ms = { 0, 1000000 };
	int rc = -EAGAIN;

	for (int i = 0; i < WAIT_MS && rc == -EAGAIN; i++) {
		rc = tusk_resolve_poll(r, addr, why, len);
		if (rc == -EAGAIN)
			nanosleep(&ms, NULL);
	}
	return rc;
}

static void
test_localhost(void **state)
{
	struct tusk_resolve *r = tusk_resolve_start("localhost");
	char why[TUSK_RESOLVE_REASON_MAX] = "";
	uint32_t addr = 0;

	(void)state;
	assert_non_null(r);
	assert_int_equal(poll_until_done(r, &addr, why, sizeof(why)), 0);
	assert_int_equal(addr, 0x7f000001); /* host byte order */
	tusk_resolve_free(r);
}

static void
test_literal_and_wait(void **state)
{
	char why[TUSK_RESOLVE_REASON_MAX] = "";
	uint32_t addr = 0;

	(void)state;
	assert_int_equal(tusk_resolve_wait("10.1.2.3", &addr, why,
					   sizeof(why)), 0);
	assert_int_equal(addr, 0x0a010203);
	assert_int_equal(tusk_resolve_wait("localhost", &addr, why,
					   sizeof(why)), 0);
	assert_int_equal(addr, 0x7f000001);
}

static void
test_unknown_name(void **state)
{
	char why[TUSK_RESOLVE_REASON_MAX] = "";
	uint32_t addr = 0;
	int rc;

	(void)state;
	/* .invalid never resolves (RFC 6761 6.4); with no resolver
	 * reachable the answer may be a timeout instead */
	rc = tusk_resolve_wait("nosuch.tusk.invalid", &addr, why,
			       sizeof(why));
	assert_true(rc == -ENOENT || rc == -ETIMEDOUT);
	assert_non_null(strstr(why, "cannot resolve nosuch.tusk.invalid: "));
}

static void
test_bad_names(void **state)
{
	char big[300];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = 0;
	assert_null(tusk_resolve_start(""));
	assert_int_equal(errno, EINVAL);
	assert_null(tusk_resolve_start(big));
	assert_int_equal(errno, ENAMETOOLONG);
	tusk_resolve_free(NULL);
}

/* TUSK_RESOLVE_INFLIGHT_MAX lookups at once, the next refused; a lookup
 * freed by its caller before it ends is freed by its thread. */
static void
test_cap(void **state)
{
	struct tusk_resolve *r[TUSK_RESOLVE_INFLIGHT_MAX + 1];
	char why[TUSK_RESOLVE_REASON_MAX];
	uint32_t addr;
	int started = 0, refused = 0;

	(void)state;
	for (int i = 0; i <= TUSK_RESOLVE_INFLIGHT_MAX; i++) {
		r[i] = tusk_resolve_start("localhost");
		if (r[i] != NULL)
			started++;
		else if (errno == EBUSY)
			refused++;
	}
	/* lookups of /etc/hosts may end while others start: at most the
	 * cap run at once, and the cap is never passed */
	assert_true(started >= 1 && started <= TUSK_RESOLVE_INFLIGHT_MAX + 1);
	assert_int_equal(started + refused, TUSK_RESOLVE_INFLIGHT_MAX + 1);
	for (int i = 0; i <= TUSK_RESOLVE_INFLIGHT_MAX; i++) {
		if (r[i] == NULL)
			continue;
		if (i % 2 == 0) /* half waited for, half let go at once */
			assert_int_equal(poll_until_done(r[i], &addr, why,
							 sizeof(why)), 0);
		tusk_resolve_free(r[i]);
	}
	/* all ended: the full cap is there again */
	for (int i = 0; i < WAIT_MS; i++) {
		struct tusk_resolve *t[TUSK_RESOLVE_INFLIGHT_MAX];
		int n = 0;
		const struct timespec ms = { 0, 1000000 };

		for (; n < TUSK_RESOLVE_INFLIGHT_MAX; n++)
			if ((t[n] = tusk_resolve_start("localhost")) == NULL)
				break;
		for (int k = 0; k < n; k++) {
			assert_int_equal(poll_until_done(t[k], &addr, why,
							 sizeof(why)), 0);
			tusk_resolve_free(t[k]);
		}
		if (n == TUSK_RESOLVE_INFLIGHT_MAX)
			return;
		nanosleep(&ms, NULL);
	}
	fail_msg("the cap never came back: a lookup leaked its slot");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_localhost),
		cmocka_unit_test(test_literal_and_wait),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
