/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kept digests (see digest.h): one xattr per algorithm on the file
 * (TUSK_DIGEST_XATTR_PREFIX + "adler32", "crc32c", "md5", "sha256"), or
 * an in-process table where the file system refuses user xattrs.
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
#include "digest_ctx.h"

/* "<64 hex> <size> <mtime_ns> <ino>": 64 + 3 * (1 + 20) digits. */
#define XATTR_VALUE_MAX 160

/* Fallback table slots (power of two): a cache, so a collision only
 * costs a recomputation; 4096 files cover a data root's working set. */
#define TABLE_SLOTS 4096

/* Attribute names per algorithm; "sha256" is the name tusk has always
 * kept SHA-256 under, so digests kept before still count. */
static const char *const xattr_name[TUSK_DIGEST_ALGS] = {
	TUSK_DIGEST_XATTR_PREFIX "adler32",
	TUSK_DIGEST_XATTR_PREFIX "crc32c",
	TUSK_DIGEST_XATTR_PREFIX "md5",
	TUSK_DIGEST_XATTR_PREFIX "sha256",
};

struct kept {
	bool used;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	struct tusk_digests d;
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

/* Copy what the table keeps of `algs` into d. */
static void
table_lookup(const struct stat *st, unsigned int algs, struct tusk_digests *d)
{
	struct kept *k = slot_of(st);

	rte_spinlock_lock(&table_lock);
	if (kept_matches(k, st)) {
		unsigned int take = k->d.have & algs & ~d->have;

		for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
			if (take & TUSK_DIGEST_BIT(a))
				memcpy(d->v[a], k->d.v[a], TUSK_DIGEST_MAXLEN);
		d->have |= take;
	}
	rte_spinlock_unlock(&table_lock);
}

/* Keep alg a of d for the file as st describes it (d NULL: forget). */
static void
table_put(const struct stat *st, const struct tusk_digests *d, int a)
{
	struct kept *k = slot_of(st);

	rte_spinlock_lock(&table_lock);
	if (d == NULL || !kept_matches(k, st)) {
		memset(k, 0, sizeof(*k));
		k->used = d != NULL;
		k->dev = st->st_dev;
		k->ino = st->st_ino;
		k->size = (uint64_t)st->st_size;
		k->mtime_ns = mtime_ns(st);
	}
	if (d != NULL) {
		memcpy(k->d.v[a], d->v[a], TUSK_DIGEST_MAXLEN);
		k->d.have |= TUSK_DIGEST_BIT(a);
	}
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

/* Parse an xattr value of `len` value bytes; 0 if it is well formed and
 * names `st`. */
static int
parse_value(const char *v, size_t len, const struct stat *st, uint8_t *out)
{
	const char *rest = v + 2 * len;
	uint8_t tmp[TUSK_DIGEST_MAXLEN];
	uint64_t size, ino;
	int64_t mt;
	int used = 0;

	if (sscanf(rest, " %" SCNu64 " %" SCNd64 " %" SCNu64 "%n", &size, &mt,
		   &ino, &used) != 3 || rest[used] != '\0' || rest[0] != ' ')
		return -EINVAL;
	if (size != (uint64_t)st->st_size || mt != mtime_ns(st) ||
	    ino != (uint64_t)st->st_ino)
		return -ENOENT;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_nibble(v[2 * i]), lo = hex_nibble(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, len);
	return 0;
}

static bool
xattr_lookup(int fd, const struct stat *st, int a, struct tusk_digests *d)
{
	size_t len = tusk_digest_len(a);
	char v[XATTR_VALUE_MAX];
	ssize_t n = fgetxattr(fd, xattr_name[a], v, sizeof(v) - 1);

	if (n < 2 * (ssize_t)len)
		return false;
	v[n] = '\0';
	if (parse_value(v, len, st, d->v[a]) != 0)
		return false;
	d->have |= TUSK_DIGEST_BIT(a);
	return true;
}

int
tusk_digest_lookup(int fd, unsigned int algs, struct tusk_digests *d)
{
	struct stat st;

	d->have = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if (algs & TUSK_DIGEST_BIT(a))
			xattr_lookup(fd, &st, a, d);
	if ((d->have & algs) != algs)
		table_lookup(&st, algs, d);
	return (d->have & algs) == algs ? 0 : -ENOENT;
}

int
tusk_digest_store(int fd, const struct tusk_digests *d)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return tusk_digest_store_as(fd, &st, d);
}

int
tusk_digest_store_as(int fd, const struct stat *st,
		     const struct tusk_digests *d)
{
	char v[XATTR_VALUE_MAX], hex[TUSK_DIGEST_HEXLEN];

	for (int a = 0; a < TUSK_DIGEST_ALGS; a++) {
		int n;

		if (!(d->have & TUSK_DIGEST_BIT(a)))
			continue;
		tusk_digest_hex(d, a, hex);
		n = snprintf(v, sizeof(v), "%s %" PRIu64 " %" PRId64 " %"
			     PRIu64, hex, (uint64_t)st->st_size, mtime_ns(st),
			     (uint64_t)st->st_ino);
		/* Refused (no user xattrs: ENOTSUP; not the owner: EPERM;
		 * read-only, full): keep it in this process instead. */
		if (fsetxattr(fd, xattr_name[a], v, (size_t)n, 0) < 0)
			table_put(st, d, a);
	}
	return 0;
}

int
tusk_digest_forget(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	table_put(&st, NULL, 0);
	for (int a = 0; a < TUSK_DIGEST_ALGS; a++)
		if (fremovexattr(fd, xattr_name[a]) < 0 && errno != ENODATA &&
		    errno != ENOTSUP)
			return -errno;
	return 0;
}
