/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests of the control-socket library (app/ctl) share: a socket
 * path in a fresh temporary directory, removed afterwards.
 */
#ifndef TUSK_TEST_CTL_SOCK_H
#define TUSK_TEST_CTL_SOCK_H

/* The socket path of the current test (valid after ctl_sock_setup). */
extern char ctl_sock_path[96];

/* cmocka setup/teardown: make the directory; remove socket and directory. */
int ctl_sock_setup(void **state);
int ctl_sock_teardown(void **state);

#endif /* TUSK_TEST_CTL_SOCK_H */
