/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source_swift: Swift as a session source (source_swift.h).
 *
 *   tusk_source_swift_list() -> tusk_swift_list(prefix) -> swift:// URLs
 *   tusk_source_swift_get()  -> HEAD (size, X-Object-Meta-Sha256)
 *     -> parts: ranges of at least SOURCE_PART_MIN, `parallel` at once,
 *        each a thread with its own connection (the token shared)
 *     -> tusk_swift_get(range) writes at the range's offset
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff_swift.h"
#include "journal.h"
#include "source_swift.h"
#include "swift.h"

/* A range smaller than this is not worth a connection of its own. */
#define SOURCE_PART_MIN (8ull << 20)

int
tusk_source_swift_url(const char *url, struct tusk_source_swift_url *u,
		      char *why, size_t len)
{
	const char *p = url + strlen(TUSK_SOURCE_SWIFT_SCHEME);
	const char *s1, *s2;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, TUSK_SOURCE_SWIFT_SCHEME,
		    strlen(TUSK_SOURCE_SWIFT_SCHEME)) != 0 ||
	    (s1 = strchr(p, '/')) == NULL || s1 == p ||
	    (s2 = strchr(s1 + 1, '/')) == NULL || s2 == s1 + 1) {
		snprintf(why, len, "not swift://STORAGE/CONTAINER/PREFIX: "
			 "\"%.200s\"", url);
		return -EINVAL;
	}
	if ((size_t)(s1 - p) >= sizeof(u->storage) ||
	    (size_t)(s2 - s1 - 1) >= sizeof(u->container) ||
	    strlen(s2 + 1) >= sizeof(u->object)) {
		snprintf(why, len, "a name too long in \"%.200s\"", url);
		return -EINVAL;
	}
	memcpy(u->storage, p, (size_t)(s1 - p));
	memcpy(u->container, s1 + 1, (size_t)(s2 - s1 - 1));
	strcpy(u->object, s2 + 1);
	return 0;
}

struct list_acc {
	const struct tusk_source_swift_url *u;
	json_t *urls;
};

static int
list_one(const struct tusk_swift_entry *e, void *arg)
{
	struct list_acc *a = arg;
	const char *rest = e->name + strlen(a->u->object);
	char url[TUSK_JOURNAL_URL_MAX];

	if (rest[0] == '\0' || strchr(rest, '/') != NULL)
		return 0;	/* a deeper "directory": not this data set's */
	if (snprintf(url, sizeof(url), "%s%s/%s/%s", TUSK_SOURCE_SWIFT_SCHEME,
		     a->u->storage, a->u->container, e->name) >= (int)sizeof(url))
		return -ENAMETOOLONG;
	return json_array_append_new(a->urls, json_string(url)) == 0 ?
		0 : -ENOMEM;
}

int
tusk_source_swift_list(const struct tusk_ctrld_storage *st,
		       const struct tusk_source_swift_url *u, json_t **urls,
		       char *why, size_t len)
{
	struct list_acc a = { .u = u, .urls = json_array() };
	struct tusk_swift s;
	int rc = a.urls == NULL ? -ENOMEM : tusk_handoff_swift_init(st, &s);

	if (rc == 0)
		rc = tusk_swift_list(&s, u->container, u->object, list_one, &a);
	if (rc < 0) {
		snprintf(why, len, "%s", rc == -ENOMEM ? "out of memory" :
			 tusk_swift_error(&s));
		json_decref(a.urls);
		return rc;
	}
	*urls = a.urls;
	return 0;
}

struct part {
	pthread_t t;
	struct tusk_swift s;	/* a copy: its own counters and errors */
	const struct tusk_source_swift_url *u;
	const char *path;
	uint64_t off, len;
	int rc;
};

static void *
part_run(void *arg)
{
	struct part *p = arg;

	p->rc = tusk_swift_get(&p->s, p->u->container, p->u->object, p->off,
			       p->len, p->path);
	return NULL;
}

/* Ranges of [0, size) over at most `parallel` threads; 0 or the first
 * failure (its reason in why). */
static int
get_parts(const struct tusk_swift *s, const struct tusk_source_swift_url *u,
	  const char *path, uint64_t size, char *why, size_t len)
{
	unsigned int n = s->cfg.parallel, i, started = 0;
	uint64_t part;
	struct part *p;
	int rc = 0;

	if (size / SOURCE_PART_MIN < n)
		n = (unsigned int)(size / SOURCE_PART_MIN) + 1;
	part = (size + n - 1) / n;
	p = calloc(n, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		p[i] = (struct part){ .s = *s, .u = u, .path = path,
				      .off = (uint64_t)i * part };
		p[i].len = size - p[i].off < part ? size - p[i].off : part;
		if (p[i].len == 0 && size > 0)
			break;
		if (pthread_create(&p[i].t, NULL, part_run, &p[i]) != 0) {
			p[i].rc = -EAGAIN;
			snprintf(p[i].s.err, sizeof(p[i].s.err), "no thread");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(p[i].t, NULL);
	for (i = 0; i <= started && i < n && rc == 0; i++) {
		rc = p[i].rc;
		if (rc < 0)
			snprintf(why, len, "%s", p[i].s.err);
	}
	free(p);
	return rc;
}

int
tusk_source_swift_get(const struct tusk_ctrld_storage *st,
		      const struct tusk_source_swift_url *u,
		      const char *path, int64_t *size, char sha256[65],
		      char *why, size_t len, bool *final)
{
	struct tusk_swift_objinfo in;
	struct tusk_swift s;
	int fd, rc;

	*final = false;
	rc = tusk_handoff_swift_init(st, &s);
	if (rc == 0)
		rc = tusk_swift_stat(&s, u->container, u->object, &in);
	if (rc < 0) {
		*final = rc == -ENOENT || rc == -EACCES || rc == -EINVAL;
		snprintf(why, len, "%s", tusk_swift_error(&s));
		return rc;
	}
	if (in.sha256[0] == '\0') {
		*final = true;
		snprintf(why, len, "swift://%.40s/%.60s/%.100s has no "
			 "X-Object-Meta-Sha256 to verify it against",
			 u->storage, u->container, u->object);
		return -EBADMSG;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, len, "%.200s: %s", path, strerror(-rc));
		return rc;
	}
	close(fd);
	rc = get_parts(&s, u, path, in.size, why, len);
	if (rc < 0)
		return rc;
	*size = (int64_t)in.size;
	memcpy(sha256, in.sha256, 65);
	return 0;
}
