/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash debris: tuskd's own files in the data root that a crash (SIGKILL,
 * power cut) left behind and that nothing will ever use, found and
 * removed.
 *
 * What a killed tuskd can leave (names: root.h):
 *   .NAME.tusk-tmp.<16 hex>   an upload cut short (PUT of NAME), or a
 *                             resume record cut short while being saved
 *                             (NAME is then DEST.tusk-part.state)
 *   DEST.tusk-part, no record a fetch killed before its first record was
 *                             saved: nothing says which blocks are good
 *   DEST.tusk-part.state,     a fetch killed between its commit (the
 *     no part                 part renamed to DEST) and the record's
 *                             removal, or between removing the part and
 *                             the record: nothing left to resume
 * Kept: a part with its record (a paused fetch: what resume uses), and
 * every name that is not exactly one of tuskd's (".x.tusk-tmp.123" or
 * "x.tusk-tmp.<16 hex>" are a user's files).
 *
 * Only regular files are removed; symlinks are neither followed nor
 * removed, directories are entered without following links (O_NOFOLLOW),
 * so nothing outside the root is ever looked at. Removal is unlinkat(2)
 * of one name in a directory already opened: a name swapped for a link
 * meanwhile only removes the link.
 *
 * Who owns a live file: the start-up sweep runs before any service starts
 * (no transfer of this process is live) and only when no other process
 * holds the root (tusk_root_hold(), flock: two tuskd on one root);
 * tusk_sweep_tmps_of() removes the temporaries of one name, which only
 * that name's single writer creates (the fetch of DEST for its record:
 * the caller orders the sweep before its saves).
 *
 * Every file removed is logged at INFO (the first TUSK_SWEEP_LOG_MAX of a
 * sweep one line each, then a count), with a summary line per sweep.
 *
 *   tusk_sweep_root()    -> walk() -> sweep_entry() -> kind_of, unlinkat
 *   tusk_sweep_tmps_of() -> one directory, names ".<base>.tusk-tmp.<hex>"
 */
#ifndef TUSK_SWEEP_H
#define TUSK_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

struct tusk_root;

/* Directory levels walked below the root: each level holds one directory
 * fd open while its children are walked (32 of the process's 1024). */
#define TUSK_SWEEP_DEPTH_MAX 32
/* Directory entries examined per sweep: a root of millions of files is
 * not walked at start-up for minutes (getdents of 10^6 entries is about
 * a second on a warm cache); a sweep cut short says so. */
#define TUSK_SWEEP_ENTRIES_MAX 1000000u
/* Files logged one line each per sweep; past it only counted: a root with
 * thousands of crashed uploads does not flood the log. */
#define TUSK_SWEEP_LOG_MAX 64

/* What a name in the data root is to the sweep. */
enum tusk_sweep_kind {
	TUSK_SWEEP_OTHER = 0, /* not one of tuskd's names: never removed */
	TUSK_SWEEP_TMP,       /* .NAME.tusk-tmp.<16 hex> */
	TUSK_SWEEP_PART,      /* DEST.tusk-part */
	TUSK_SWEEP_RECORD,    /* DEST.tusk-part.state */
};

/* Classify one directory entry's name (no '/'): exactly the patterns
 * above, with a non-empty NAME or DEST and lower-case hex. */
enum tusk_sweep_kind tusk_sweep_kind_of(const char *name);

struct tusk_sweep_stats {
	uint32_t examined;  /* directory entries looked at */
	uint32_t removed;   /* files removed */
	uint64_t bytes;     /* their sizes */
	uint32_t failed;    /* debris that could not be removed (logged) */
	bool truncated;     /* a budget (depth, entries) was reached */
};

/*
 * The start-up sweep of the whole root (up to TUSK_SWEEP_DEPTH_MAX levels,
 * TUSK_SWEEP_ENTRIES_MAX entries): removes the debris above and logs it.
 * Call it before any transfer starts, and before tusk_root_hold(). Returns
 * 0 with *st filled, -EBUSY when another process holds the root (nothing
 * removed), or -errno opening the root.
 */
int tusk_sweep_root(const struct tusk_root *r, struct tusk_sweep_stats *st);

/*
 * Remove the temporaries of the name `rel` (tusk_root_tmp_create(r, rel)
 * names: ".<base>.tusk-tmp.<16 hex>" in rel's directory) and log them.
 * Returns the number removed, or -errno (-EINVAL for a rel the root
 * refuses; -ENOENT: no such directory).
 */
int tusk_sweep_tmps_of(const struct tusk_root *r, const char *rel);

#endif /* TUSK_SWEEP_H */
