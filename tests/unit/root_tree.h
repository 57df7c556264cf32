/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tree the data root tests (test_fileio_root.c, test_fileio_sweep.c)
 * work in: a temporary directory rt_base holding root/ (opened as the
 * data root rt_root) and outside/ (what the root must never reach).
 * Paths given to the helpers are relative to rt_base.
 */
#ifndef TUSK_ROOT_TREE_H
#define TUSK_ROOT_TREE_H

#include <limits.h>
#include <stdbool.h>

#include "root.h"

extern char rt_base[PATH_MAX];
extern char rt_rootdir[PATH_MAX + 8];
extern struct tusk_root *rt_root;

/* Make the tree (/tmp/tusk-test-NAME-XXXXXX) and open the root: 0 or
 * -1. */
int rt_open(const char *name);
/* Close the root and remove the tree: 0 or -1. */
int rt_close(void);

void rt_put(const char *rel, const char *text);
void rt_link(const char *target, const char *rel);
void rt_mkdir(const char *rel);
/* rel exists (a link counts, wherever it points). */
bool rt_exists(const char *rel);

#endif /* TUSK_ROOT_TREE_H */
