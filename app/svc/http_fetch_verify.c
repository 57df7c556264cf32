/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fetch's digest of what arrived, computed while it arrives (see
 * http_fetch.h enum tusk_fetch_verify).
 *
 *   fetch_verify_probed()  the source's Repr-Digest / Digest -> x->algs
 *   fetch_verify_run()     RUNNING, each poll: fold the blocks' sums,
 *                          blocks [0, prefix_blk) on disk ->
 *                          tusk_digest_follow_advance()
 *   fetch_verify_finish()  last block: tusk_digest_follow_end(), or
 *                          (reread) tusk_digest_file()
 *   fetch_verify_poll()    VERIFYING: tusk_digest_job_poll() -> compare
 *
 * adler32 and crc32c are folded, not hashed again: each stream sums a
 * block's bytes on the lcore as they arrive (its CRC32C is the resume
 * record's check anyway; ADLER-32 ~18 GB/s with ISA-L on bytes still in
 * cache), and as the contiguous prefix of blocks grows their sums are
 * joined in file order (tusk_crc32c_combine, tusk_adler32_combine: a few
 * hundred operations per block). So a fetch verified with adler32 or
 * crc32c needs no digest thread and no second read: its digest is ready
 * with its last block (issue 16: a thread on a core shared with a busy
 * poller gets the core only by preempting it).
 *
 * md5 and sha-256 cannot be joined from pieces: the digest worker reads
 * the contiguous prefix back from the page cache right behind the writes
 * (one atomic store per poll on the lcore), so when the last block lands
 * only the tail since the previous poll is left to hash. The hash rate
 * bounds the fetch only where it is below the wire rate (sha-256 ~1.1
 * GB/s per core here).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "adler32.h"
#include "crc32c.h"
#include "digest.h"
#include "digest_ctx.h"
#include "http_fetch_priv.h"

static const char *const verify_names[] = {
	[TUSK_FETCH_VERIFY_AUTO] = "auto",
	[TUSK_FETCH_VERIFY_ADLER32] = "adler32",
	[TUSK_FETCH_VERIFY_CRC32C] = "crc32c",
	[TUSK_FETCH_VERIFY_MD5] = "md5",
	[TUSK_FETCH_VERIFY_SHA256] = "sha-256",
	[TUSK_FETCH_VERIFY_REREAD] = "reread",
	[TUSK_FETCH_VERIFY_NONE] = "none",
};

const char *
tusk_fetch_verify_name(enum tusk_fetch_verify v)
{
	return (unsigned int)v < RTE_DIM(verify_names) ? verify_names[v] :
							 NULL;
}

int
tusk_fetch_verify_parse(const char *name)
{
	if (strcmp(name, "sha256") == 0)
		return TUSK_FETCH_VERIFY_SHA256;
	for (unsigned int v = 0; v < RTE_DIM(verify_names); v++)
		if (strcmp(name, verify_names[v]) == 0)
			return (int)v;
	return -EINVAL;
}

/* The algorithms a fetch folds from its blocks' sums instead of hashing
 * the file. */
#define FOLDABLE (TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32) | \
		  TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C))

static bool
one_alg(enum tusk_fetch_verify v)
{
	return v >= TUSK_FETCH_VERIFY_ADLER32 && v <= TUSK_FETCH_VERIFY_SHA256;
}

/*
 * auto and reread ask in RFC 9530's field only, which a tuskd source
 * answers from what it keeps without hashing first (its probe must not
 * wait for a hash of the whole file: issue 16). A single algorithm is
 * asked in RFC 3230's Want-Digest too, which XRootD and dCache answer
 * (and a tuskd source answers after hashing, if it must: the operator
 * asked for that algorithm by name).
 */
void
fetch_verify_want(const struct fetch_xfer *x, struct tusk_http_req_info *ri)
{
	if (x->vmode == TUSK_FETCH_VERIFY_NONE)
		return;
	if (one_alg(x->vmode)) {
		ri->want_repr_algs = TUSK_DIGEST_BIT(x->vmode -
						     TUSK_FETCH_VERIFY_ADLER32);
		ri->want_legacy_algs = ri->want_repr_algs;
		return;
	}
	ri->want_repr_algs = TUSK_DIGEST_ALL;
}

/* auto: sha-256 always (kept with the file; tusk-ctrld's checksum policy
 * reads it), the cheap checksums the source offers (adler32, crc32c:
 * many GB/s), md5 only when the source offers no sha-256 to compare
 * (md5 next to sha-256 would slow the hash by half for no gain). */
static unsigned int
auto_algs(unsigned int offered)
{
	const unsigned int sha = TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256);
	const unsigned int md5 = TUSK_DIGEST_BIT(TUSK_DIGEST_MD5);

	if (offered & sha)
		offered &= ~md5;
	return sha | offered;
}

void
fetch_verify_probed(struct fetch_xfer *x, const struct tusk_http_resp *r)
{
	unsigned int offered = r->digests.have & TUSK_DIGEST_ALL;

	x->src_digests = r->digests;
	x->src_digests.have = offered;
	if (x->f->env.digest == NULL || x->vmode == TUSK_FETCH_VERIFY_NONE)
		x->algs = 0;
	else if (one_alg(x->vmode))
		x->algs = TUSK_DIGEST_BIT(x->vmode - TUSK_FETCH_VERIFY_ADLER32);
	else
		x->algs = auto_algs(offered);
	/* reread: every digest from the disk, after the last byte */
	x->fold_algs = x->vmode == TUSK_FETCH_VERIFY_REREAD ? 0 :
		       x->algs & FOLDABLE;
	fetch_verify_reset(x);
}

void
fetch_verify_reset(struct fetch_xfer *x)
{
	tusk_digest_job_free(x->job);
	x->job = NULL;
	x->prefix_blk = 0;
	x->prefix_bytes = 0;
	x->fold_blk = 0;
	x->fold_crc = 0;
	x->fold_adler = TUSK_ADLER32_INIT;
	x->have_sha = false;
}

/* The algorithms the digest worker computes (md5, sha-256; all of them
 * for reread). */
static unsigned int
job_algs(const struct fetch_xfer *x)
{
	return x->algs & ~x->fold_algs;
}

/* Join the sums of the blocks on disk after the folded prefix, in order.
 * A block without its ADLER-32 cannot happen (every block of a fetch that
 * folds adler32 gets one as it completes: body_in(), verify_step()); if
 * one did, the fold stops there and fetch_verify_poll() fails the
 * transfer rather than keep a wrong value. */
static void
fold_run(struct fetch_xfer *x)
{
	const struct tusk_fetch_sched *s = &x->sched;
	bool adler = x->fold_algs & TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32);

	while (x->fold_blk < s->n_blocks &&
	       tusk_fetch_sched_state(s, x->fold_blk) == TUSK_FETCH_BLK_DONE) {
		uint32_t b = x->fold_blk, len = tusk_fetch_sched_block_len(s, b);
		uint32_t a = 0;

		if (adler && !tusk_fetch_sched_adler(s, b, &a))
			return;
		x->fold_crc = tusk_crc32c_combine(x->fold_crc, s->crc[b], len);
		if (adler)
			x->fold_adler = tusk_adler32_combine(x->fold_adler, a,
							     len);
		x->fold_blk++;
	}
}

/* The folded values into x->got; -EIO if the fold is incomplete. */
static int
fold_final(struct fetch_xfer *x)
{
	fold_run(x);
	if (x->fold_algs == 0)
		return 0;
	if (x->fold_blk != x->sched.n_blocks)
		return -EIO;
	if (x->fold_algs & TUSK_DIGEST_BIT(TUSK_DIGEST_ADLER32))
		tusk_digest_put32(x->got.v[TUSK_DIGEST_ADLER32], x->fold_adler);
	if (x->fold_algs & TUSK_DIGEST_BIT(TUSK_DIGEST_CRC32C))
		tusk_digest_put32(x->got.v[TUSK_DIGEST_CRC32C], x->fold_crc);
	x->got.have |= x->fold_algs;
	return 0;
}

void
fetch_verify_run(struct fetch_xfer *x)
{
	const struct tusk_fetch_sched *s = &x->sched;

	if (x->algs == 0)
		return;
	fold_run(x);
	if (job_algs(x) == 0 || x->vmode == TUSK_FETCH_VERIFY_REREAD)
		return;
	if (x->job == NULL) {
		/* NULL (service full): asked again at the next poll, or the
		 * file is read again at the end */
		x->job = tusk_digest_follow(x->f->env.digest, x->part_fd,
					    job_algs(x));
		x->prefix_blk = 0;
		x->prefix_bytes = 0;
		if (x->job == NULL)
			return;
	}
	while (x->prefix_blk < s->n_blocks &&
	       tusk_fetch_sched_state(s, x->prefix_blk) == TUSK_FETCH_BLK_DONE)
		x->prefix_bytes += tusk_fetch_sched_block_len(s,
							      x->prefix_blk++);
	tusk_digest_follow_advance(x->job, x->prefix_bytes);
}

int
fetch_verify_finish(struct fetch_xfer *x, uint64_t now)
{
	if (job_algs(x) == 0)
		return 0;
	if (x->job != NULL) {
		fetch_verify_run(x);
		tusk_digest_follow_end(x->job, x->src.size);
		return 0;
	}
	x->job = tusk_digest_file(x->f->env.digest, x->part_fd, job_algs(x));
	if (x->job == NULL && errno != EAGAIN) {
		fetch_xfer_fail(x, true, now, "cannot hash %s: %s", x->part,
				strerror(errno));
		return -errno;
	}
	return 0; /* EAGAIN: fetch_verify_poll() asks again */
}

/* Every algorithm both sides have must agree. */
static int
compare(struct fetch_xfer *x, uint64_t now)
{
	char want[TUSK_DIGEST_HEXLEN], got[TUSK_DIGEST_HEXLEN];
	unsigned int both = x->src_digests.have & x->got.have;

	for (int a = TUSK_DIGEST_ALGS - 1; a >= 0; a--) {
		if (!(both & TUSK_DIGEST_BIT(a)) ||
		    memcmp(x->src_digests.v[a], x->got.v[a],
			   tusk_digest_len(a)) == 0)
			continue;
		tusk_digest_hex(&x->src_digests, a, want);
		tusk_digest_hex(&x->got, a, got);
		fetch_xfer_fail(x, false, now, "digest mismatch: the source "
				"announces %s %s, the bytes received have %s; "
				"nothing kept", tusk_digest_name(a), want, got);
		return -EBADMSG;
	}
	if (one_alg(x->vmode) && both == 0)
		snprintf(x->note, sizeof(x->note), "the source offers no %s "
			 "digest: computed, not compared",
			 tusk_digest_name(x->vmode - TUSK_FETCH_VERIFY_ADLER32));
	return 0;
}

int
fetch_verify_poll(struct fetch_xfer *x, uint64_t now)
{
	int ret = 0;

	if (x->algs == 0 || x->have_sha)
		return 0;
	memset(&x->got, 0, sizeof(x->got));
	if (job_algs(x) != 0) {
		if (x->job == NULL)
			return fetch_verify_finish(x, now) < 0 ? -EIO : -EAGAIN;
		ret = tusk_digest_job_poll(x->job, &x->got);
		if (ret == -EAGAIN)
			return ret;
		tusk_digest_job_free(x->job);
		x->job = NULL;
		if (ret < 0) {
			fetch_xfer_fail(x, true, now, "hashing %s failed: %s",
					x->part, strerror(-ret));
			return ret;
		}
	}
	if (fold_final(x) < 0) {
		fetch_xfer_fail(x, true, now, "block %u of %s has no adler32 "
				"to fold", x->fold_blk, x->part);
		return -EIO;
	}
	x->have_sha = true;
	return compare(x, now);
}

static json_t *
digests_json(const struct tusk_digests *d)
{
	char hex[TUSK_DIGEST_HEXLEN];
	json_t *o = json_object();

	for (int a = 0; o != NULL && a < TUSK_DIGEST_ALGS; a++) {
		if (!(d->have & TUSK_DIGEST_BIT(a)))
			continue;
		tusk_digest_hex(d, a, hex);
		json_object_set_new(o, tusk_digest_name(a), json_string(hex));
	}
	return o;
}

static json_t *
hex_or_null(const struct tusk_digests *d, bool valid, int a)
{
	char hex[TUSK_DIGEST_HEXLEN];

	if (!valid || !(d->have & TUSK_DIGEST_BIT(a)))
		return json_null();
	tusk_digest_hex(d, a, hex);
	return json_string(hex);
}

void
fetch_verify_json(const struct fetch_xfer *x, json_t *o)
{
	static const struct tusk_digests none;
	uint64_t ph[3];

	memcpy(ph, x->phase_ns, sizeof(ph));
	if (x->state <= TUSK_FETCH_VERIFYING)
		ph[x->state] += x->f->now - x->state_at;
	json_object_set_new(o, "verify", json_string(
				    tusk_fetch_verify_name(x->vmode)));
	json_object_set_new(o, "digests",
			    digests_json(x->have_sha ? &x->got : &none));
	json_object_set_new(o, "source_digests", digests_json(&x->src_digests));
	/* kept for tusk-ctrld's checksum policy ("source" compares them) */
	json_object_set_new(o, "sha256", hex_or_null(&x->got, x->have_sha,
						     TUSK_DIGEST_SHA256));
	json_object_set_new(o, "source_sha256",
			    hex_or_null(&x->src_digests, true,
					TUSK_DIGEST_SHA256));
	json_object_set_new(o, "phase_s", json_pack("{s:f, s:f, s:f}",
		"probing", (double)ph[TUSK_FETCH_PROBING] / FETCH_NS_PER_S,
		"running", (double)ph[TUSK_FETCH_RUNNING] / FETCH_NS_PER_S,
		"verifying", (double)ph[TUSK_FETCH_VERIFYING] / FETCH_NS_PER_S));
}
