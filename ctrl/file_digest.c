/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * file_digest: SHA-256 with OpenSSL's EVP (SHA-NI where the CPU has it,
 * ~1.2 GB/s per core here: notes in README "tusk-ctrld").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "file_digest.h"

/* Large reads keep the syscall cost per byte negligible; 1 MiB is past
 * the point where it matters and small enough for a worker thread. */
#define DIGEST_READ_BYTES (1u << 20)

int
tusk_file_sha256_fd(int fd, char hex[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen = 0, i;
	char *buf = malloc(DIGEST_READ_BYTES);
	off_t off = 0;
	ssize_t n = 0;
	int rc = 0;

	if (ctx == NULL || buf == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		rc = -ENOMEM;
	while (rc == 0 && (n = pread(fd, buf, DIGEST_READ_BYTES, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		else if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			rc = -EIO;
		off += n > 0 ? n : 0;
	}
	if (rc == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		rc = -EIO;
	for (i = 0; rc == 0 && i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}

int
tusk_file_sha256(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = tusk_file_sha256_fd(fd, hex);
	close(fd);
	return rc;
}
