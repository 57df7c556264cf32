/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * handoff_swift: the `swift` hand-off step (handoff_swift.h).
 *
 *   tusk_handoff_swift() -> tusk_handoff_swift_init()
 *     -> already_there(): HEAD, the same SHA-256 and size = done
 *     -> tusk_swift_upload_ex() with the verified SHA-256 and the
 *        segment journal (seg_known / seg_sent)
 *     -> check_stored(): HEAD again, size, ETag, SHA-256 as sent
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "handoff_swift.h"
#include "journal.h"

int
tusk_handoff_swift_init(const struct tusk_ctrld_storage *st,
			struct tusk_swift *s)
{
	const struct tusk_ctrld_swift *w = &st->swift;
	struct tusk_swift_cfg cfg = {
		.auth = (enum tusk_swift_auth_kind)w->auth,
		.auth_url = w->auth_url, .user = w->user, .key = w->key,
		.project = w->project[0] ? w->project : NULL,
		.domain = w->domain[0] ? w->domain : NULL,
		.region = w->region[0] ? w->region : NULL,
		.segment_size = (uint64_t)w->segment_mb << 20,
		.parallel = w->parallel, .retries = w->request_retries,
		.retry_delay_ms = w->request_retry_ms,
		.timeout_s = (long)w->timeout_s,
		.max_send_bps = (uint64_t)w->max_send_mbps * 125000,
	};

	return tusk_swift_init(s, &cfg);
}

/* The segment journal, on this thread's own connection (SQLite handles
 * are not shared across threads here; WAL lets both write in turn). */
struct seg_log {
	const struct tusk_handoff_swift_req *r;
	struct tusk_journal *j;
};

static int
seg_known(void *arg, const char *segc, const char *name, char md5[33])
{
	struct seg_log *l = arg;
	char key[TUSK_SWIFT_URL_MAX * 2];

	if (l->j == NULL)
		return 0;
	snprintf(key, sizeof(key), "%s/%s", segc, name);
	return tusk_journal_seg_get(l->j, l->r->sid, l->r->file, l->r->step,
				    key, md5) == 1;
}

static void
seg_sent(void *arg, const char *segc, const char *name, const char *md5)
{
	struct seg_log *l = arg;
	char key[TUSK_SWIFT_URL_MAX * 2];

	if (l->j == NULL)
		return;
	snprintf(key, sizeof(key), "%s/%s", segc, name);
	/* a lost row costs a re-read of that segment on resume, no more */
	(void)tusk_journal_seg_put(l->j, l->r->sid, l->r->file, l->r->step,
				   key, md5);
}

static void
unquote(const char *in, char *out, size_t len)
{
	size_t n = strlen(in);

	if (n >= 2 && in[0] == '"' && in[n - 1] == '"')
		snprintf(out, len, "%.*s", (int)(n - 2), in + 1);
	else
		snprintf(out, len, "%s", in);
}

/* 1: the object is there with this file's digest and size; 0: absent;
 * -EEXIST: a different object (why set); other -errno: Swift failed. */
static int
already_there(struct tusk_swift *s, const struct tusk_handoff_swift_req *r,
	      uint64_t size, char *why, size_t len)
{
	struct tusk_swift_objinfo in;
	int rc = tusk_swift_stat(s, r->container, r->object, &in);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (strcmp(in.sha256, r->sha256) == 0 && in.size == size)
		return 1;
	if (r->overwrite)
		return 0;
	snprintf(why, len, "%.60s/%.100s exists and differs (sha256 %.16s, "
		 "%llu bytes; set overwrite to replace it)", r->container,
		 r->object, in.sha256[0] ? in.sha256 : "none",
		 (unsigned long long)in.size);
	return -EEXIST;
}

static int
check_stored(struct tusk_swift *s, const struct tusk_handoff_swift_req *r,
	     const struct tusk_swift_upload_result *res, char *why,
	     size_t len)
{
	struct tusk_swift_objinfo in;
	char got[64], want[64];
	int rc = tusk_swift_stat(s, r->container, r->object, &in);

	if (rc < 0)
		return rc;
	unquote(in.etag, got, sizeof(got));
	unquote(res->etag, want, sizeof(want));
	if (in.size == res->size && strcasecmp(got, want) == 0 &&
	    strcmp(in.sha256, r->sha256) == 0)
		return 0;
	snprintf(why, len, "%.60s/%.80s after the upload: %llu bytes, ETag "
		 "%.34s, sha256 %.16s; sent %llu bytes, ETag %.34s, sha256 "
		 "%.16s", r->container, r->object, (unsigned long long)in.size,
		 got, in.sha256, (unsigned long long)res->size, want, r->sha256);
	return -EBADMSG;
}

static int
upload(struct tusk_swift *s, const struct tusk_handoff_swift_req *r,
       char *why, size_t len)
{
	struct seg_log l = { .r = r };
	struct tusk_swift_upload_opts o = {
		.sha256 = r->sha256, .seg_known = seg_known,
		.seg_sent = seg_sent, .arg = &l,
	};
	struct tusk_swift_upload_result res;
	char err[256];
	int rc;

	if (r->journal != NULL &&
	    tusk_journal_open(r->journal, &l.j, err, sizeof(err)) < 0)
		l.j = NULL;	/* resume then reads segments back instead */
	rc = tusk_swift_upload_ex(s, r->container, r->object, r->src, &o,
				  &res);
	tusk_journal_close(l.j);
	if (rc < 0)
		return rc;
	return check_stored(s, r, &res, why, len);
}

int
tusk_handoff_swift(const struct tusk_handoff_swift_req *r, char *why,
		   size_t len, bool *final)
{
	struct tusk_swift s;
	struct stat st;
	int rc;

	*final = false;
	why[0] = '\0';
	if (stat(r->src, &st) != 0) {
		rc = -errno;
		*final = rc == -ENOENT;
		snprintf(why, len, "%.200s: %s", r->src, strerror(-rc));
		return rc;
	}
	rc = tusk_handoff_swift_init(r->storage, &s);
	if (rc == 0)
		rc = already_there(&s, r, (uint64_t)st.st_size, why, len);
	if (rc == 1)
		return 0;
	if (rc == 0)
		rc = upload(&s, r, why, len);
	if (rc < 0 && why[0] == '\0')
		snprintf(why, len, "%s", tusk_swift_error(&s));
	/* refused credentials or a different object: no retry helps */
	*final = rc == -EEXIST || rc == -EACCES || rc == -EINVAL;
	return rc;
}
