/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vectored I/O bookkeeping shared by file_read.c and file_write.c.
 */
#ifndef TUSK_IOV_H
#define TUSK_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * After a preadv/pwritev moved `done` bytes of the `*n` iovecs at `*iov`:
 * skip the iovecs it filled and trim the one it cut, so the next call
 * continues exactly where this one stopped.
 */
static inline void
tusk_iov_advance(struct iovec **iov, int *n, size_t done)
{
	while (*n > 0 && done >= (*iov)->iov_len) {
		done -= (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n > 0) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + done;
		(*iov)->iov_len -= done;
	}
}

#endif /* TUSK_IOV_H */
