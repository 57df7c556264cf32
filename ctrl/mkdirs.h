/* SPDX-License-Identifier: BSD-3-Clause */
/* mkdirs: `mkdir -p` for tusk-ctrld's directories (the session's in the
 * data root, hand-off targets, the journal's, job outputs). */
#ifndef TUSK_CTRL_MKDIRS_H
#define TUSK_CTRL_MKDIRS_H

/* Make path and its missing parents (mode 0755). 0 or -errno; on error
 * the component that failed is copied into failed[len] when given. */
int tusk_mkdirs(const char *path, char *failed, unsigned int len);

#endif
