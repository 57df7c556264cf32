/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kept digests (see digest.h): the xattr TUSK_DIGEST_XATTR on the file,
 * or an in-process table where the file system refuses user xattrs.
 *
 * A kept digest names the size, mtime (ns) and inode it was computed
 * for; any write changes the mtime, any replacement the inode, so a
 * stale value is never served. (A writer that sets the mtime back by
 * hand with utimensat(2) while keeping the size would defeat this; no
 * tusk path does.)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <rte_spinlock.h>

#include "digest.h"

/* "<64 hex> <size> <mtime_ns> <ino>": 64 + 3 * (1 + 20) digits. */
#define XATTR_VALUE_MAX 160

/* Fallback table slots (power of two): a cache, so a collision only
 * costs a recomputation; 4096 files cover a data root's working set. */
#define TABLE_SLOTS 4096

struct kept {
	bool used;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	uint8_t sha[TUSK_DIGEST_LEN];
};

/* Held for a copy of one slot: lcores and workers both use it, never
 * for longer than that. */
static rte_spinlock_t table_lock = RTE_SPINLOCK_INITIALIZER;
static struct kept table[TABLE_SLOTS];

static int64_t
mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static struct kept *
slot_of(const struct stat *st)
{
	uint64_t h = ((uint64_t)st->st_dev * 0x9E3779B97F4A7C15ull) ^
		     (uint64_t)st->st_ino;

	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	return &table[(h ^ (h >> 32)) & (TABLE_SLOTS - 1)];
}

static bool
kept_matches(const struct kept *k, const struct stat *st)
{
	return k->used && k->dev == st->st_dev && k->ino == st->st_ino &&
	       k->size == (uint64_t)st->st_size && k->mtime_ns == mtime_ns(st);
}

static int
table_lookup(const struct stat *st, uint8_t sha[TUSK_DIGEST_LEN])
{
	struct kept *k = slot_of(st);
	int ret = -ENOENT;

	rte_spinlock_lock(&table_lock);
	if (kept_matches(k, st)) {
		memcpy(sha, k->sha, TUSK_DIGEST_LEN);
		ret = 0;
	}
	rte_spinlock_unlock(&table_lock);
	return ret;
}

static void
table_put(const struct stat *st, const uint8_t *sha)
{
	struct kept *k = slot_of(st);

	rte_spinlock_lock(&table_lock);
	k->used = sha != NULL;
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = (uint64_t)st->st_size;
	k->mtime_ns = mtime_ns(st);
	if (sha != NULL)
		memcpy(k->sha, sha, TUSK_DIGEST_LEN);
	rte_spinlock_unlock(&table_lock);
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse an xattr value; 0 if it is well formed and names `st`. */
static int
parse_value(const char *v, const struct stat *st, uint8_t *sha)
{
	const char *rest = v + 2 * TUSK_DIGEST_LEN;
	uint8_t out[TUSK_DIGEST_LEN];
	uint64_t size, ino;
	int64_t mt;
	int used = 0;

	if (sscanf(rest, " %" SCNu64 " %" SCNd64 " %" SCNu64 "%n", &size, &mt,
		   &ino, &used) != 3 || rest[used] != '\0')
		return -EINVAL;
	if (size != (uint64_t)st->st_size || mt != mtime_ns(st) ||
	    ino != (uint64_t)st->st_ino)
		return -ENOENT;
	for (int i = 0; i < TUSK_DIGEST_LEN; i++) {
		int hi = hex_nibble(v[2 * i]), lo = hex_nibble(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(sha, out, sizeof(out));
	return 0;
}

static int
xattr_lookup(int fd, const struct stat *st, uint8_t sha[TUSK_DIGEST_LEN])
{
	char v[XATTR_VALUE_MAX];
	ssize_t n = fgetxattr(fd, TUSK_DIGEST_XATTR, v, sizeof(v) - 1);

	if (n < 2 * TUSK_DIGEST_LEN)
		return -ENOENT;
	v[n] = '\0';
	return parse_value(v, st, sha) == 0 ? 0 : -ENOENT;
}

int
tusk_digest_lookup(int fd, uint8_t sha[TUSK_DIGEST_LEN])
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (xattr_lookup(fd, &st, sha) == 0)
		return 0;
	return table_lookup(&st, sha);
}

int
tusk_digest_store(int fd, const uint8_t sha[TUSK_DIGEST_LEN])
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return tusk_digest_store_as(fd, &st, sha);
}

int
tusk_digest_store_as(int fd, const struct stat *st,
		     const uint8_t sha[TUSK_DIGEST_LEN])
{
	char v[XATTR_VALUE_MAX];
	int n = 0;

	for (int i = 0; i < TUSK_DIGEST_LEN; i++)
		n += snprintf(v + n, sizeof(v) - (size_t)n, "%02x", sha[i]);
	n += snprintf(v + n, sizeof(v) - (size_t)n, " %" PRIu64 " %" PRId64
		      " %" PRIu64, (uint64_t)st->st_size, mtime_ns(st),
		      (uint64_t)st->st_ino);
	/* Refused (no user xattrs: ENOTSUP; not the owner: EPERM; read-only,
	 * full): keep it in this process instead. */
	if (fsetxattr(fd, TUSK_DIGEST_XATTR, v, (size_t)n, 0) < 0)
		table_put(st, sha);
	return 0;
}

int
tusk_digest_forget(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	table_put(&st, NULL);
	if (fremovexattr(fd, TUSK_DIGEST_XATTR) < 0 && errno != ENODATA &&
	    errno != ENOTSUP)
		return -errno;
	return 0;
}
