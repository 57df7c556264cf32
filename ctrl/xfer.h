/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xfer: how sessions move files, behind one table of operations: start a
 * fetch into the data root, cancel it, and follow every transfer's state.
 * xfer_tuskd.c does it through tuskd's control socket.
 *
 * Following: refresh() brings the view up to date; the view is tuskd's
 * transfers. xfer_tuskd.c subscribes to tuskd's `watch` events (a snapshot,
 * then every state change and progress) and applies what is waiting at
 * each refresh: nothing is polled, no change is missed (a gap in the
 * events' sequence numbers subscribes again for a new snapshot). The
 * sessions only ever see the view.
 *
 * tuskd restarts: its transfer ids start over. The follower counts its
 * subscriptions in `epoch`; a session that knows a transfer by id forgets
 * it when the epoch changes and finds it again by dest.
 */
#ifndef TUSK_CTRL_XFER_H
#define TUSK_CTRL_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

/* How often the sessions read the events waiting, and how often a lost
 * tuskd is tried again: progress bars move a few times a second, and a
 * restarted tuskd is back within a second. */
#define TUSK_XFER_POLL_MS 250
/* tuskd runs at most 64 fetches (TUSK_FETCH_TRANSFERS_MAX) and lists the
 * finished ones too; a view holds that many and some slack. */
#define TUSK_XFER_VIEW_MAX 256
#define TUSK_XFER_DEST_MAX 1024

enum tusk_xfer_state {
	TUSK_XFER_ACTIVE,	/* probing, running, verifying */
	TUSK_XFER_DONE,
	TUSK_XFER_FAILED,
	TUSK_XFER_STOPPED,	/* cancelled or paused: a fetch resumes it */
};

struct tusk_xfer_info {
	uint32_t id;
	char dest[TUSK_XFER_DEST_MAX];
	enum tusk_xfer_state state;
	int64_t bytes, size, rate, eta_s;	/* -1 unknown */
	char sha256[TUSK_JOURNAL_SHA_HEX];
	char source_sha256[TUSK_JOURNAL_SHA_HEX];
	char error[TUSK_JOURNAL_REASON_MAX];
};

struct tusk_xfer {
	bool up;		/* tuskd answered the last refresh */
	uint64_t epoch;		/* connections made to tuskd so far */
	char down_reason[TUSK_JOURNAL_REASON_MAX];
	unsigned int n;
	struct tusk_xfer_info view[TUSK_XFER_VIEW_MAX];
	void *priv;
};

/* A follower of tuskd at `socket_path`. NULL on allocation failure. */
struct tusk_xfer *tusk_xfer_tuskd_create(const char *socket_path);
void tusk_xfer_destroy(struct tusk_xfer *x);

/* Bring the view up to date (now_ms monotonic). 0; -EAGAIN subscribed
 * but the snapshot not in yet; -ENOTCONN tuskd cannot be reached (x->up
 * false, the view empty). */
int tusk_xfer_refresh(struct tusk_xfer *x, uint64_t now_ms);
/* Start fetching url into dest (relative to the data root); streams 0:
 * tuskd's default; token: a bearer token tuskd sends to the source, or
 * NULL. 0 with the id, or -errno with tuskd's reason. */
int tusk_xfer_start(struct tusk_xfer *x, const char *url, const char *dest,
		    unsigned int streams, const char *token, uint32_t *id,
		    char *err, size_t errlen);
/* Stop a fetch, keeping what arrived. */
int tusk_xfer_cancel(struct tusk_xfer *x, uint32_t id);

/* In the view: by id, or the newest transfer of dest; NULL if none. */
const struct tusk_xfer_info *tusk_xfer_by_id(const struct tusk_xfer *x,
					     uint32_t id);
const struct tusk_xfer_info *tusk_xfer_by_dest(const struct tusk_xfer *x,
					       const char *dest);

#endif /* TUSK_CTRL_XFER_H */
