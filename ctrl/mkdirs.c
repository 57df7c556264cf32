/* SPDX-License-Identifier: BSD-3-Clause */
/* mkdirs: see mkdirs.h. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "mkdirs.h"

/* Longest path made: PATH_MAX. */
#define MKDIRS_PATH_MAX 4096

int
tusk_mkdirs(const char *path, char *failed, unsigned int len)
{
	char p[MKDIRS_PATH_MAX];
	char *s;
	int rc = 0;

	if ((size_t)snprintf(p, sizeof(p), "%s", path) >= sizeof(p))
		return -ENAMETOOLONG;
	for (s = p + 1; rc == 0; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -errno;
		else
			*s = c;
		if (c == '\0')
			break;
	}
	if (rc < 0 && failed != NULL)
		snprintf(failed, len, "%s", p);
	return rc;
}
