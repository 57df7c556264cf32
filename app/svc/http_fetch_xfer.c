/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One fetch transfer from probe to done (see http_fetch.h).
 *
 *   fetch_xfer_poll()
 *     PROBING   -> xfer_probe() -> fetch_stream_open(STREAM_PROBE)
 *                  ... fetch_xfer_probed() -> resume_check() -> xfer_run()
 *                                          or part_create() [disk thread]
 *               -> prep_poll() -> xfer_run()
 *     RUNNING   -> streams_timers(), verify_step(), fetch_verify_run(),
 *                  streams_open(),
 *                  rate_sample(), record_save(), finish_start()
 *     VERIFYING -> fetch_verify_poll() [http_fetch_verify.c]
 *               -> finish_commit() -> tusk_fetch_disk_commit() ... DONE
 *   fetch_xfer_stream_failed() -> backoff, or fetch_xfer_fail()
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "http_fetch_disk.h"
#include "http_fetch_priv.h"

/* Restarts because the source changed under a transfer before it gives
 * up: a file that is rewritten all the time cannot be copied. */
#define XFER_RESTARTS_MAX 3

static void
note(struct fetch_xfer *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct fetch_xfer *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->note, sizeof(x->note), fmt, ap);
	va_end(ap);
	FETCH_LOG(INFO, "%u %s: %s\n", x->id, x->dest, x->note);
}

static bool
xfer_active(const struct fetch_xfer *x)
{
	return x->state == TUSK_FETCH_PROBING ||
	       x->state == TUSK_FETCH_RUNNING ||
	       x->state == TUSK_FETCH_VERIFYING;
}

static void
streams_close(struct fetch_xfer *x, const struct fetch_stream *keep,
	      uint64_t now)
{
	uint32_t i;

	for (i = 0; i < x->streams_max; i++)
		if (&x->streams[i] != keep)
			fetch_stream_close(&x->streams[i], true, now);
}

/* Hand the record to the disk thread (http_fetch_disk.h): the lcore
 * only builds its text. A full queue is retried TUSK_FETCH_SAVE_NS on. */
static void
record_save(struct fetch_xfer *x, uint64_t now, bool force)
{
	char *text;
	int ret;

	if (!x->have_sched || !x->dirty ||
	    (!force && now - x->saved_at < TUSK_FETCH_SAVE_NS))
		return;
	x->saved_at = now;
	text = tusk_fetch_state_text(&x->src, &x->sched);
	ret = text == NULL ? -ENOMEM :
	      tusk_fetch_disk_save(x->f->disk, x->record, text);
	if (ret < 0) {
		free(text);
		FETCH_LOG(DEBUG, "%u: record %s not saved now: %s\n", x->id,
			  x->record, strerror(-ret));
		return;
	}
	x->dirty = false;
}

/* Part file and record gone (nothing under dest is kept), by the disk
 * thread: queued behind the part's creation and the record's saves, and
 * ahead of anything a restart queues. */
static void
part_remove(struct fetch_xfer *x)
{
	tusk_fetch_disk_remove(x->f->disk, x->part);
	tusk_fetch_disk_remove(x->f->disk, x->record);
}

/* Leave the transfer in `state`: streams closed, record saved (the part
 * is resumable) unless `keep` is false (part and record removed). */
static void
xfer_stop(struct fetch_xfer *x, enum tusk_fetch_xstate state, bool keep,
	  uint64_t now)
{
	streams_close(x, NULL, now);
	tusk_digest_job_free(x->job);
	x->job = NULL;
	/* a commit already queued still completes (the file lands) */
	tusk_fetch_disk_job_free(x->commit);
	x->commit = NULL;
	tusk_fetch_disk_job_free(x->prep);
	x->prep = NULL;
	tusk_fetch_disk_job_free(x->verify);
	x->verify = NULL;
	if (keep)
		record_save(x, now, true);
	else
		part_remove(x);
	if (x->part_fd >= 0)
		close(x->part_fd);
	x->part_fd = -1;
	if (x->part_dfd >= 0)
		close(x->part_dfd);
	x->part_dfd = -1;
	if (x->have_sched) {
		x->bytes_claimed = tusk_fetch_sched_bytes_done(&x->sched);
		tusk_fetch_sched_fini(&x->sched);
	}
	x->have_sched = false;
	fetch_xfer_set_state(x, state);
	x->finished = now;
	x->rate = 0;
}

void
fetch_xfer_fail(struct fetch_xfer *x, bool keep, uint64_t now,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->error, sizeof(x->error), fmt, ap);
	va_end(ap);
	FETCH_LOG(ERR, "%u %s: failed: %s\n", x->id, x->dest, x->error);
	xfer_stop(x, TUSK_FETCH_FAILED, keep, now);
}

void
fetch_xfer_pause(struct fetch_xfer *x, enum tusk_fetch_xstate state,
		 bool keep, uint64_t now)
{
	if (xfer_active(x)) {
		bool had_part = x->have_sched;

		xfer_stop(x, state, keep, now);
		if (!had_part)
			FETCH_LOG(INFO, "%u %s: %s before the probe was "
				  "answered\n", x->id, x->dest,
				  tusk_fetch_xstate_name(state));
		else
			FETCH_LOG(INFO, "%u %s: %s, %" PRIu64 " of %" PRIu64
				  " bytes on disk%s\n", x->id, x->dest,
				  tusk_fetch_xstate_name(state),
				  x->bytes_claimed, x->src.size, keep ?
				  " (record kept: a fetch of the same URL and "
				  "dest resumes)" : ", removed");
	} else if (!keep) {
		part_remove(x);
	}
}

void
fetch_xfer_stream_failed(struct fetch_xfer *x, bool fatal, uint64_t now,
			 const char *fmt, ...)
{
	char reason[TUSK_FETCH_REASON_MAX];
	uint64_t backoff;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!xfer_active(x))
		return;
	snprintf(x->last_error, sizeof(x->last_error), "%s", reason);
	if (fatal) {
		fetch_xfer_fail(x, true, now, "%s", reason);
		return;
	}
	x->retries++;
	/* streams failing together (a server gone) count once per backoff */
	if (now < x->retry_at)
		return;
	if (++x->fails_in_row > x->retry_max) {
		fetch_xfer_fail(x, true, now, "%s (gave up after %u attempts)",
				reason, x->fails_in_row - 1);
		return;
	}
	backoff = TUSK_FETCH_BACKOFF_MIN_NS << RTE_MIN(x->fails_in_row - 1,
						       16u);
	x->retry_at = now + RTE_MIN(backoff, TUSK_FETCH_BACKOFF_MAX_NS);
	FETCH_LOG(NOTICE, "%u %s: %s; retrying in %" PRIu64 " ms\n", x->id,
		  x->dest, reason, (x->retry_at - now) / FETCH_NS_PER_MS);
}

void
fetch_xfer_block_done(struct fetch_xfer *x, uint32_t b, uint32_t crc,
		      uint32_t adler)
{
	if (x->fold_algs & TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32))
		tusk_fetch_sched_set_adler(&x->sched, b, adler);
	tusk_fetch_sched_done(&x->sched, b, crc);
	x->dirty = true;
	x->fails_in_row = 0;
	/* its write-back was started by the writer's thread
	 * (tusk_file_writer_writeback) */
}

void
fetch_xfer_source_changed(struct fetch_xfer *x, const char *why,
			  uint64_t now)
{
	if (++x->restarts > XFER_RESTARTS_MAX) {
		fetch_xfer_fail(x, false, now, "%s, %u times: giving up", why,
				x->restarts);
		return;
	}
	/* what is on disk is of the old file: start over from a new probe */
	xfer_stop(x, TUSK_FETCH_PROBING, false, now);
	x->finished = 0;
	x->retry_at = now;
	note(x, "%s: starting over", why);
}

void
fetch_xfer_no_ranges(struct fetch_xfer *x, struct fetch_stream *keep,
		     uint64_t now)
{
	streams_close(x, keep, now);
	x->ranges = false;
	tusk_fetch_sched_reset(&x->sched);
	fetch_verify_reset(x);
	x->dirty = true;
	note(x, "the server ignores Range (200 to a range request): one "
	     "stream, whole file in order");
}

/* ---------------------------------------------------------------- probe */

static void
xfer_probe(struct fetch_xfer *x, uint64_t now)
{
	struct fetch_stream *s = &x->streams[0];

	s->kind = STREAM_PROBE;
	fetch_stream_open(s, now);
}

/* Is the part on disk a copy of the source just probed? If so, take its
 * record's blocks (to be verified). */
static bool
resume_check(struct fetch_xfer *x)
{
	struct tusk_fetch_source old;
	struct tusk_fetch_sched s;
	char err[TUSK_FETCH_REASON_MAX];
	struct stat st;
	int ret, fd;

	ret = tusk_fetch_state_load(x->f->env.root, x->record, x->streams_max,
				    &old, &s, err, sizeof(err));
	if (ret == -ENOENT)
		return false;
	if (ret < 0) {
		note(x, "resume record %s unreadable (%s): starting over",
		     x->record, ret == -EBADMSG ? err : strerror(-ret));
		return false;
	}
	if (strcmp(old.url, x->src.url) != 0)
		note(x, "the part on disk is of %.100s: starting over",
		     old.url);
	else if (old.size != x->src.size || strcmp(old.etag, x->src.etag) ||
		 strcmp(old.last_modified, x->src.last_modified))
		note(x, "the source changed since the part was written (size, "
		     "ETag or Last-Modified): starting over");
	else if (!x->ranges)
		note(x, "the server does not take ranges: downloading from "
		     "the start again (one stream)");
	else if ((fd = tusk_root_openat(x->f->env.root, x->part, O_RDWR,
					0)) < 0 || fstat(fd, &st) < 0 ||
		 (uint64_t)st.st_size != old.size) {
		if (fd >= 0)
			close(fd);
		note(x, "part file missing or of another size: starting over");
	} else {
		x->part_fd = fd;
		x->sched = s;
		x->have_sched = true;
		note(x, "resuming: %u of %u blocks on disk, verifying them",
		     s.n_verify, s.n_blocks);
		return true;
	}
	tusk_fetch_sched_fini(&s);
	return false;
}

/* A new part file of the source's size: the disk thread creates it and
 * reserves the space (fallocate), so that a full disk shows at the start,
 * not half-way; prep_poll() takes it from there. */
static int
part_create(struct fetch_xfer *x, uint64_t now)
{
	uint64_t size = x->src.size;
	uint32_t bs = tusk_fetch_sched_block_size(size);
	int ret;

	ret = tusk_fetch_sched_init(&x->sched, size, bs,
			tusk_fetch_sched_span_blocks(size, bs, x->ranges ?
						     x->streams_max : 1));
	if (ret < 0) {
		fetch_xfer_fail(x, false, now, "cannot plan %" PRIu64
				" bytes: %s", size, strerror(-ret));
		return ret;
	}
	tusk_fetch_sched_set_streams(&x->sched, x->ranges ? x->streams_max : 1);
	x->have_sched = true;
	x->prep = tusk_fetch_disk_create_part(x->f->disk, x->part, size);
	if (x->prep == NULL) {
		ret = -errno;
		fetch_xfer_fail(x, false, now, "cannot create %s: %s", x->part,
				strerror(errno));
		return ret;
	}
	return 0;
}

/* direct=1: the part again, with O_DIRECT (an open, once per transfer:
 * microseconds on the lcore, as the resume's). 0, or the transfer failed
 * with the reason: tmpfs before Linux 6.6, ramfs, some FUSE and network
 * file systems refuse O_DIRECT with EINVAL. */
static int
part_direct_open(struct fetch_xfer *x, uint64_t now)
{
	if (!x->direct || x->part_dfd >= 0)
		return 0;
	x->part_dfd = tusk_root_openat(x->f->env.root, x->part,
				       O_WRONLY | O_DIRECT, 0);
	if (x->part_dfd >= 0)
		return 0;
	if (x->part_dfd == -EINVAL)
		fetch_xfer_fail(x, true, now, "direct=1: the file system of %s "
				"refuses O_DIRECT (EINVAL); fetch it without "
				"direct=1", x->part);
	else
		fetch_xfer_fail(x, true, now, "direct=1: cannot open %s with "
				"O_DIRECT: %s", x->part,
				strerror(-x->part_dfd));
	x->part_dfd = -1;
	return -1;
}

/* The part file exists (created or resumed): run. */
static void
xfer_run(struct fetch_xfer *x, uint64_t now)
{
	if (part_direct_open(x, now) < 0)
		return;
	x->vblk = 0;
	x->dirty = true;
	record_save(x, now, true);
	fetch_xfer_set_state(x, TUSK_FETCH_RUNNING);
	x->retry_at = now;
	x->rate_at = now;
	x->rate_bytes = x->bytes_fetched;
}

static void
prep_poll(struct fetch_xfer *x, uint64_t now)
{
	int ret = tusk_fetch_disk_job_poll(x->prep);
	uint64_t avail;

	if (ret == -EAGAIN)
		return;
	x->part_fd = tusk_fetch_disk_job_take_fd(x->prep);
	avail = tusk_fetch_disk_job_avail(x->prep);
	tusk_fetch_disk_job_free(x->prep);
	x->prep = NULL;
	tusk_fetch_disk_job_free(x->verify);
	x->verify = NULL;
	if (ret == -ENOSPC || ret == -EDQUOT)
		fetch_xfer_fail(x, false, now, "no space for %" PRIu64 " bytes "
				"under the data root (%" PRIu64 " free): part "
				"removed", x->src.size, avail);
	else if (ret == -ENOENT)
		fetch_xfer_fail(x, false, now, "the directory of %s does not "
				"exist under the data root", x->part);
	else if (ret < 0)
		fetch_xfer_fail(x, false, now, "cannot create %s: %s", x->part,
				strerror(-ret));
	else
		xfer_run(x, now);
}

/* What the probe's head says about the source, or a reason it cannot be
 * fetched. */
static int
probe_check(struct fetch_xfer *x, const struct tusk_http_resp *r,
	    uint64_t now)
{
	int st = r->status;

	if (st >= 500) {
		fetch_xfer_stream_failed(x, false, now, "server answered %d "
					 "%s", st, tusk_http_reason(st));
		return -1;
	}
	if (st >= 300 && st < 400) {
		fetch_xfer_fail(x, false, now, "server redirects (%d) to "
				"%.160s: not followed", st, r->location);
		return -1;
	}
	if (st != 200) {
		fetch_xfer_fail(x, false, now, "server answered %d %s", st,
				tusk_http_reason(st));
		return -1;
	}
	if (!r->has_content_length) {
		fetch_xfer_fail(x, false, now, "server did not give the size "
				"(no Content-Length): cannot fetch in blocks");
		return -1;
	}
	return 0;
}

void
fetch_xfer_probed(struct fetch_xfer *x, const struct tusk_http_resp *r,
		  uint64_t now)
{
	if (probe_check(x, r, now) < 0)
		return;
	x->src.size = r->content_length;
	snprintf(x->src.etag, sizeof(x->src.etag), "%s", r->etag);
	snprintf(x->src.last_modified, sizeof(x->src.last_modified), "%s",
		 r->last_modified);
	fetch_verify_probed(x, r);
	x->ranges = r->accept_ranges && x->src.size > 0;
	if (!r->accept_ranges && x->streams_max > 1)
		note(x, "the server does not accept ranges: one stream");
	if (resume_check(x))
		xfer_run(x, now);
	else
		part_create(x, now); /* xfer_run() once it exists */
}

/* ------------------------------------------------------------- running */

/* Have the disk thread read back the next block the record calls done,
 * one at a time, and compare its CRC32C with the record's. */
static void
verify_step(struct fetch_xfer *x)
{
	struct tusk_fetch_sched *s = &x->sched;
	uint32_t b = x->vblk;
	int ret;

	if (x->verify == NULL) {
		if (!tusk_fetch_sched_verify_next(s, b, &x->vblk))
			return;
		x->verify = tusk_fetch_disk_crc(x->f->disk, x->part_fd,
				tusk_fetch_sched_block_off(s, x->vblk),
				tusk_fetch_sched_block_len(s, x->vblk));
		return; /* NULL (queue full): asked again next poll */
	}
	ret = tusk_fetch_disk_job_poll(x->verify);
	if (ret == -EAGAIN)
		return;
	if (tusk_fetch_sched_state(s, b) != TUSK_FETCH_BLK_VERIFY) {
		/* the plan was reset meanwhile (no ranges after all) */
	} else if (ret == 0 &&
		   tusk_fetch_disk_job_crc(x->verify) == s->crc[b]) {
		x->bytes_verified += tusk_fetch_sched_block_len(s, b);
		tusk_fetch_sched_set_adler(s, b,
					   tusk_fetch_disk_job_adler(x->verify));
		tusk_fetch_sched_verified(s, b, true);
	} else {
		x->blocks_refetched++;
		tusk_fetch_sched_verified(s, b, false);
	}
	tusk_fetch_disk_job_free(x->verify);
	x->verify = NULL;
	x->dirty = true;
}

static uint32_t
streams_active(const struct fetch_xfer *x, uint32_t *connecting)
{
	uint32_t i, n = 0;

	*connecting = 0;
	for (i = 0; i < x->streams_max; i++) {
		n += x->streams[i].phase != STREAM_IDLE;
		*connecting += x->streams[i].phase == STREAM_CONNECTING;
	}
	return n;
}

/* Open connections while there are spans nobody has asked for. */
static void
streams_open(struct fetch_xfer *x, uint64_t now)
{
	const struct tusk_fetch_sched *s = &x->sched;
	uint32_t want = x->ranges ? x->streams_max : 1, connecting, i;
	uint32_t active = streams_active(x, &connecting);
	uint32_t missing = s->n_blocks - s->n_done - s->n_verify -
			   s->n_assigned;

	for (i = 0; i < x->streams_max && active < want && now >= x->retry_at;
	     i++) {
		struct fetch_stream *st = &x->streams[i];

		if (st->phase != STREAM_IDLE)
			continue;
		/* connecting streams will each take a span */
		if ((uint64_t)connecting * s->span_blocks >= missing)
			break;
		st->kind = x->ranges ? STREAM_RANGE : STREAM_FULL;
		fetch_stream_open(st, now);
		if (!xfer_active(x) || x->state != TUSK_FETCH_RUNNING)
			return;
		active++;
		connecting++;
	}
}

static void
streams_timers(struct fetch_xfer *x, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < x->streams_max && xfer_active(x); i++)
		fetch_stream_timers(&x->streams[i], now);
}

static void
rate_sample(struct fetch_xfer *x, uint64_t now)
{
	uint64_t dt = now - x->rate_at, inst;

	if (dt < TUSK_FETCH_RATE_NS)
		return;
	inst = (x->bytes_fetched - x->rate_bytes) * FETCH_NS_PER_S / dt;
	x->rate = x->rate == 0 ? inst : (3 * x->rate + inst) / 4;
	x->rate_at = now;
	x->rate_bytes = x->bytes_fetched;
}

/* Every block on disk: the digest that followed the writes finishes
 * (http_fetch_verify.c). */
static void
finish_start(struct fetch_xfer *x, uint64_t now)
{
	record_save(x, now, true);
	fetch_xfer_set_state(x, TUSK_FETCH_VERIFYING);
	fetch_verify_finish(x, now);
}

static void
xfer_running(struct fetch_xfer *x, uint64_t now)
{
	uint32_t connecting;

	streams_timers(x, now);
	if (x->state != TUSK_FETCH_RUNNING)
		return;
	verify_step(x);
	fetch_verify_run(x);
	streams_open(x, now);
	if (x->state != TUSK_FETCH_RUNNING)
		return;
	rate_sample(x, now);
	record_save(x, now, false);
	if (tusk_fetch_sched_complete(&x->sched) &&
	    streams_active(x, &connecting) == 0)
		finish_start(x, now);
}

/* ---------------------------------------------------------- verifying */

/* The digests are known and agree with the source's (or none is
 * computed): have the disk thread rename the part over dest (fsync
 * included) and keep them with the file. */
static void
finish_commit(struct fetch_xfer *x, uint64_t now)
{
	x->commit = tusk_fetch_disk_commit(x->f->disk, x->part, x->dest,
					   x->record, x->part_fd,
					   x->have_sha ? &x->got : NULL);
	if (x->commit == NULL && errno != ENOBUFS)
		fetch_xfer_fail(x, true, now, "cannot commit %s: %s", x->part,
				strerror(errno));
}

static void
commit_poll(struct fetch_xfer *x, uint64_t now)
{
	int ret = tusk_fetch_disk_job_poll(x->commit);

	if (ret == -EAGAIN)
		return;
	tusk_fetch_disk_job_free(x->commit);
	x->commit = NULL;
	if (ret < 0) {
		fetch_xfer_fail(x, true, now, "cannot rename %s to %s: %s",
				x->part, x->dest, strerror(-ret));
		return;
	}
	x->dirty = false;
	xfer_stop(x, TUSK_FETCH_DONE, true, now);
	FETCH_LOG(INFO, "%u %s: done, %" PRIu64 " bytes\n", x->id, x->dest,
		  x->src.size);
}

static void
xfer_verifying(struct fetch_xfer *x, uint64_t now)
{
	if (x->commit != NULL) {
		commit_poll(x, now);
		return;
	}
	if (fetch_verify_poll(x, now) == 0)
		finish_commit(x, now);
}

void
fetch_xfer_poll(struct fetch_xfer *x, uint64_t now)
{
	uint32_t connecting;

	switch (x->state) {
	case TUSK_FETCH_PROBING:
		if (x->prep != NULL) {
			prep_poll(x, now);
			break;
		}
		streams_timers(x, now);
		if (x->state == TUSK_FETCH_PROBING && now >= x->retry_at &&
		    streams_active(x, &connecting) == 0)
			xfer_probe(x, now);
		break;
	case TUSK_FETCH_RUNNING:
		xfer_running(x, now);
		break;
	case TUSK_FETCH_VERIFYING:
		xfer_verifying(x, now);
		break;
	default:
		break;
	}
}
