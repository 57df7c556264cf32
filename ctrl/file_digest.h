/* SPDX-License-Identifier: BSD-3-Clause */
/* file_digest: SHA-256 of a whole file, for verifying what landed in the
 * data root and what a hand-off wrote. */
#ifndef TUSK_CTRL_FILE_DIGEST_H
#define TUSK_CTRL_FILE_DIGEST_H

#include <stddef.h>

/* sha256 of fd's bytes from offset 0, as 64 hex digits and a NUL in hex
 * (65 bytes). 0 or -errno. */
int tusk_file_sha256_fd(int fd, char hex[65]);
int tusk_file_sha256(const char *path, char hex[65]);

#endif
