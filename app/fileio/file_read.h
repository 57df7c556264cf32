/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File data into mbufs, once: one preadv(2) from the page cache straight
 * into the data rooms of freshly allocated mbufs, which become the chain
 * the TCP sender transmits (tusk_tcp_send() takes it as it is). The block
 * check (CRC32C) is computed over the same bytes while they are in cache.
 */
#ifndef TUSK_FILE_READ_H
#define TUSK_FILE_READ_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Segments (iovecs) in one call: the kernel's IOV_MAX (UIO_MAXIOV, 1024)
 * is the most preadv(2) takes; with TUSK_SVC_DATA_ROOM mbufs that is
 * 16 MiB per call. The iovec and mbuf arrays live on the caller's stack
 * (24 KiB at this bound). */
#define TUSK_FILE_READ_MAX_SEGS 1024

/*
 * Read up to `len` bytes of `fd` at `off` into a new mbuf chain.
 *
 * Allocates ceil(len / room) mbufs from `mp` in one bulk (room is the
 * pool's data room less RTE_PKTMBUF_HEADROOM), reads into them with one
 * preadv(2) (repeated only if the kernel returns short before EOF; this
 * blocks on a cold file: see TUSK_FILE_READ_NOWAIT), and
 * returns the chain in *chain with pkt_len, data_len and nb_segs set;
 * mbufs left unused at EOF go back to the pool. If `crc` is not NULL,
 * *crc is continued over the bytes read (tusk_crc32c(), pass 0 to start).
 *
 * Returns the bytes read (fewer than len only at end of file), 0 at end of
 * file (*chain NULL), or -errno with *chain NULL and nothing allocated:
 *   -ENOBUFS  the pool cannot give the mbufs now: wait for some to come
 *             back (acknowledged data) and retry
 *   -EINVAL   len needs more than TUSK_FILE_READ_MAX_SEGS mbufs, or the
 *             pool's mbufs have no data room
 *   -EIO, -EBADF, ... from preadv(2)
 */
int64_t tusk_file_read_mbufs(int fd, uint64_t off, uint32_t len,
			     struct rte_mempool *mp, struct rte_mbuf **chain,
			     uint32_t *crc);

/* Flags of tusk_file_read_mbufs_flags(). */
/* Never wait for the disk: read only what the page cache holds
 * (preadv2 RWF_NOWAIT) and start readahead of the rest. An lcore that
 * blocked on a cold file would stall every connection it runs. */
#define TUSK_FILE_READ_NOWAIT 0x1u

/*
 * tusk_file_read_mbufs() with flags. With TUSK_FILE_READ_NOWAIT:
 *   -EAGAIN   none of the range is in the page cache; the kernel is
 *             reading it ahead: retry later (a millisecond is typical of
 *             an SSD), nothing allocated
 *   n < len   the first n bytes were cached; readahead of the rest has
 *             begun, or the file ends there: a short count is not EOF
 *             (the caller knows the size), 0 still is
 * File systems that cannot tell (EOPNOTSUPP) are read blocking.
 */
int64_t tusk_file_read_mbufs_flags(int fd, uint64_t off, uint32_t len,
				   struct rte_mempool *mp,
				   struct rte_mbuf **chain, uint32_t *crc,
				   unsigned int flags);

/* The largest `len` one call accepts with mbufs from `mp`. */
uint32_t tusk_file_read_max_len(const struct rte_mempool *mp);

#endif /* TUSK_FILE_READ_H */
