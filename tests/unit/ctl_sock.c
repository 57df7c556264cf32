/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A control socket's place for the app/ctl tests (see ctl_sock.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl_sock.h"

char ctl_sock_path[96];
static char dir[48];

int
ctl_sock_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/tusk-test-ctl-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(ctl_sock_path, sizeof(ctl_sock_path), "%s/ctl.sock", dir);
	return 0;
}

int
ctl_sock_teardown(void **state)
{
	unlink(ctl_sock_path);
	return rmdir(dir);
}
