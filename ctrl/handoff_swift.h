/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * handoff_swift: a verified file from the data root into a Swift
 * container ([storage NAME] type = swift), through ctrl/swift.h:
 *   - an object already there with the file's SHA-256 (X-Object-Meta-
 *     Sha256) and size is taken as done (a hand-off interrupted after its
 *     last request finds its own object); one that differs is replaced
 *     only with `overwrite`;
 *   - the upload hashes while it sends: each PUT's (each segment's) MD5
 *     against the ETag Swift answers, the file's SHA-256 against the one
 *     tuskd computed on arrival; a large file goes up as an SLO whose
 *     segments are journaled as they land (tusk_journal_seg_put, on a
 *     connection of this thread's own), so a restarted ctrld sends only
 *     the segments not in Swift yet;
 *   - then a HEAD: size, ETag and SHA-256 metadata must be what was sent.
 * Swift unreachable (after the client's own request retries) is not
 * final: the file waits out ctrld's backoff (WAIT_HANDOFF) and tries again.
 */
#ifndef TUSK_CTRL_HANDOFF_SWIFT_H
#define TUSK_CTRL_HANDOFF_SWIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrld_conf.h"
#include "swift.h"

struct tusk_handoff_swift_req {
	const struct tusk_ctrld_storage *storage;	/* type = swift */
	const char *src;		/* absolute path in the data root */
	const char *container;
	const char *object;		/* the whole object name */
	bool overwrite;
	const char *sha256;		/* the file's verified digest (hex) */
	/* where segments are journaled: ctrld's journal, and the key */
	const char *journal;
	int64_t sid;
	int file;
	unsigned int step;
};

/* A client for storage (its settings; not authenticated yet). 0 or
 * -EINVAL with the reason in tusk_swift_error(s). */
int tusk_handoff_swift_init(const struct tusk_ctrld_storage *st,
			    struct tusk_swift *s);

/* 0 or -errno with a half-line reason; *final says a retry cannot help
 * (a different object there, refused credentials, the source gone). */
int tusk_handoff_swift(const struct tusk_handoff_swift_req *r, char *why,
		       size_t len, bool *final);

#endif
