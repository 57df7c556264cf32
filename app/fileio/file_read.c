/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File data into mbufs (see file_read.h).
 *
 *   tusk_file_read_mbufs_flags() -> rte_pktmbuf_alloc_bulk() -> read_all()
 *     [preadv2] -> build_chain() -> tusk_crc32c_mbuf()
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/uio.h>

#include <rte_common.h>

#include "crc32c.h"
#include "file_read.h"
#include "iov.h"

/* preadv(2) takes at most this many iovecs (UIO_MAXIOV). */
#define KERNEL_IOV_MAX 1024
static_assert(TUSK_FILE_READ_MAX_SEGS <= KERNEL_IOV_MAX,
	      "one preadv per call");

/* Payload bytes one fresh mbuf of `mp` holds. */
static uint32_t
room_of(const struct rte_mempool *mp)
{
	uint32_t dr = rte_pktmbuf_data_room_size((struct rte_mempool *)mp);

	return dr > RTE_PKTMBUF_HEADROOM ? dr - RTE_PKTMBUF_HEADROOM : 0;
}

uint32_t
tusk_file_read_max_len(const struct rte_mempool *mp)
{
	uint64_t max = (uint64_t)room_of(mp) * TUSK_FILE_READ_MAX_SEGS;

	return max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
}

/*
 * preadv until `len` bytes or end of file. A regular file returns short
 * only at EOF, but signals and network file systems may cut a read: the
 * loop makes "short" mean "end of file" for the caller. With `nowait`,
 * short also means "the rest is not in the page cache": the kernel is
 * asked to read it ahead and the caller comes back later.
 */
static int64_t
read_all(int fd, uint64_t off, struct iovec *iov, int n, uint64_t len,
	 bool nowait)
{
	uint64_t got = 0;

	while (got < len && n > 0) {
		ssize_t r = preadv2(fd, iov, n, (off_t)(off + got),
				    nowait ? RWF_NOWAIT : 0);

		if (r < 0 && errno == EOPNOTSUPP && nowait) {
			nowait = false; /* the file system cannot say: block */
			continue;
		}
		if (r < 0 && errno == EAGAIN && nowait) {
			posix_fadvise(fd, (off_t)(off + got), (off_t)(len - got),
				      POSIX_FADV_WILLNEED);
			return got > 0 ? (int64_t)got : -EAGAIN;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (uint64_t)r;
		/* skip the iovecs filled, trim the one cut */
		tusk_iov_advance(&iov, &n, (size_t)r);
	}
	return (int64_t)got;
}

/* Chain the first segments holding `got` bytes; free the rest. */
static struct rte_mbuf *
build_chain(struct rte_mbuf **segs, unsigned int n, uint32_t room,
	    uint32_t got)
{
	unsigned int used = (got + room - 1) / room;
	struct rte_mbuf *head = segs[0];

	for (unsigned int i = 0; i < used; i++) {
		uint32_t left = got - i * room;

		segs[i]->data_len = (uint16_t)(left < room ? left : room);
		segs[i]->next = i + 1 < used ? segs[i + 1] : NULL;
	}
	head->pkt_len = got;
	head->nb_segs = (uint16_t)used;
	if (used < n)
		rte_pktmbuf_free_bulk(segs + used, n - used);
	return head;
}

int64_t
tusk_file_read_mbufs(int fd, uint64_t off, uint32_t len,
		     struct rte_mempool *mp, struct rte_mbuf **chain,
		     uint32_t *crc)
{
	return tusk_file_read_mbufs_flags(fd, off, len, mp, chain, crc, 0);
}

int64_t
tusk_file_read_mbufs_flags(int fd, uint64_t off, uint32_t len,
			   struct rte_mempool *mp, struct rte_mbuf **chain,
			   uint32_t *crc, unsigned int flags)
{
	struct rte_mbuf *segs[TUSK_FILE_READ_MAX_SEGS];
	struct iovec iov[TUSK_FILE_READ_MAX_SEGS];
	uint32_t room = room_of(mp);
	unsigned int n;
	int64_t got;

	*chain = NULL;
	if (len == 0)
		return 0;
	/* data_len is 16 bits: a room past that cannot be described */
	if (room == 0 || room > UINT16_MAX ||
	    (len + (uint64_t)room - 1) / room > TUSK_FILE_READ_MAX_SEGS)
		return -EINVAL;
	n = (unsigned int)((len + (uint64_t)room - 1) / room);
	if (rte_pktmbuf_alloc_bulk(mp, segs, n) != 0)
		return -ENOBUFS;
	for (unsigned int i = 0; i < n; i++) {
		iov[i].iov_base = rte_pktmbuf_mtod(segs[i], void *);
		iov[i].iov_len = i + 1 < n ? room : len - (n - 1) * room;
	}
	got = read_all(fd, off, iov, (int)n, len,
		       (flags & TUSK_FILE_READ_NOWAIT) != 0);
	if (got <= 0) {
		rte_pktmbuf_free_bulk(segs, n);
		return got;
	}
	*chain = build_chain(segs, n, room, (uint32_t)got);
	if (crc != NULL)
		*crc = tusk_crc32c_mbuf(*chain, 0, (uint32_t)got, *crc);
	return got;
}
