/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A prerequisite a test cannot run without (root, a mount, /dev/net/tun,
 * a tool) is missing. Under CI=true the test FAILS with the reason: a
 * cmocka skip counts as a pass, and a CI machine has every prerequisite
 * (tools/tusk-setup provides them), so a missing one is a broken CI.
 * Elsewhere (a developer without root) the test is skipped, the reason
 * printed. Include after <cmocka.h>.
 */
#ifndef TUSK_UNMET_H
#define TUSK_UNMET_H

#include <stdbool.h>

/* True when the environment says CI=true (CI sets it). */
bool tusk_unmet_ci(void);

/* Inside a cmocka test: fail (CI) or skip with `fmt`; does not return. */
#define tusk_unmet(...) tusk_unmet_at(__FILE__, __LINE__, __VA_ARGS__)
void tusk_unmet_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#endif /* TUSK_UNMET_H */
