/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swift_list: a container's objects under a prefix, JSON format, paged:
 * Swift returns at most TUSK_SWIFT_LIST_PAGE names per GET; the next page
 * starts after the last name seen (marker=).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "swift_priv.h"

#define QUERY_MAX (3 * TUSK_SWIFT_URL_MAX)

/* One page: calls cb per entry, leaves the last name in marker; returns
 * the number of entries or -errno. */
static int list_page(struct tusk_swift *s, const char *container,
		const char *prefix, char *marker, size_t mcap,
		tusk_swift_list_cb cb, void *arg)
{
	char query[QUERY_MAX] = "format=json&limit=";
	struct swift_req r;
	json_t *arr = NULL, *e;
	size_t i;
	int rc;

	snprintf(query + strlen(query), 16, "%u", TUSK_SWIFT_LIST_PAGE);
	strcat(query, "&prefix=");
	rc = swift_url_escape(query, sizeof(query),
		prefix != NULL ? prefix : "", false);
	if (rc == 0)
		strcat(query, "&marker=");
	if (rc == 0)
		rc = swift_url_escape(query, sizeof(query), marker, false);
	if (rc != 0)
		return swift_seterr(s, rc, "swift: listing %s: prefix or "
			"marker too long", container);
	rc = swift_req_authed(s, &r, "GET", container, NULL, query);
	if (rc == 0)
		rc = tusk_swift_request(s, &r);
	if (rc == 0 && r.status == 204)
		goto out;	/* empty */
	if (rc == 0 && r.status != 200)
		rc = swift_seterr(s, r.status == 404 ? -ENOENT : -EIO,
			"swift: listing %s: %ld", container, r.status);
	if (rc == 0 && r.resp != NULL)
		arr = json_loads(r.resp, 0, NULL);	/* json_is_array: a macro */
	if (rc == 0 && !json_is_array(arr))
		rc = swift_seterr(s, -EPROTO, "swift: listing %s: not a JSON "
			"array", container);
	json_array_foreach(rc == 0 ? arr : NULL, i, e) {
		struct tusk_swift_entry en = {
			.name = json_string_value(json_object_get(e, "name")),
			.bytes = (uint64_t)json_integer_value(json_object_get(e, "bytes")),
			.hash = json_string_value(json_object_get(e, "hash")),
		};

		if (en.name == NULL)
			continue;	/* a "subdir" entry: no delimiter asked */
		snprintf(marker, mcap, "%s", en.name);
		rc = cb(&en, arg);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		rc = (int)json_array_size(arr);
out:
	json_decref(arr);
	swift_req_free(&r);
	return rc;
}

int tusk_swift_list(struct tusk_swift *s, const char *container,
		const char *prefix, tusk_swift_list_cb cb, void *arg)
{
	char marker[TUSK_SWIFT_URL_MAX] = "";
	int rc = 0;

	while (rc == 0) {
		rc = list_page(s, container, prefix, marker, sizeof(marker),
			cb, arg);
		if (rc >= 0 && rc < TUSK_SWIFT_LIST_PAGE)
			return 0;
		if (rc > 0)
			rc = 0;
	}
	return rc;
}
