/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tusk-swift: the Swift client (swift.h) from a shell, for the tests, the
 * benchmark and an operator checking a [storage] section by hand. Prints
 * one JSON object: the outcome and the client's counters.
 *
 *   tusk-swift [options] upload CONTAINER OBJECT FILE
 *   tusk-swift [options] put-etag CONTAINER OBJECT FILE MD5
 *   tusk-swift [options] get CONTAINER OBJECT FILE [OFFSET LENGTH]
 *   tusk-swift [options] list CONTAINER [PREFIX]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "swift.h"

static const struct option opts[] = {
	{ "auth-url", required_argument, NULL, 'a' },
	{ "user", required_argument, NULL, 'u' },
	{ "key", required_argument, NULL, 'k' },
	{ "keystone-project", required_argument, NULL, 'p' },
	{ "domain", required_argument, NULL, 'd' },
	{ "segment-size", required_argument, NULL, 's' },
	{ "parallel", required_argument, NULL, 'j' },
	{ "retries", required_argument, NULL, 'r' },
	{ "retry-delay-ms", required_argument, NULL, 'D' },
	{ "max-send-bps", required_argument, NULL, 'b' },
	{ "token", required_argument, NULL, 't' },
	{ "storage-url", required_argument, NULL, 'U' },
	{ NULL, 0, NULL, 0 },
};

static json_t *stats_json(const struct tusk_swift_stats *st)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		"auths", (json_int_t)st->auths, "renewals", (json_int_t)st->renewals,
		"requests", (json_int_t)st->requests,
		"object_puts", (json_int_t)st->object_puts,
		"bytes_sent", (json_int_t)st->bytes_sent,
		"segments_sent", (json_int_t)st->segments_sent,
		"segments_skipped", (json_int_t)st->segments_skipped,
		"hash_ms", (json_int_t)st->hash_ms,
		"sha_ms", (json_int_t)st->sha_ms);
}

static int print_entry(const struct tusk_swift_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s,s:I,s:s?}", "name", e->name,
		"bytes", (json_int_t)e->bytes, "hash", e->hash));
	return 0;
}

static int put_etag(struct tusk_swift *s, char **a)
{
	struct stat st;
	int fd = open(a[2], O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "tusk-swift: %s: %s\n", a[2], strerror(errno));
		return -errno;
	}
	rc = tusk_swift_container_ensure(s, a[0]);
	if (rc == 0)
		rc = tusk_swift_put_range(s, a[0], a[1], fd, 0,
			(uint64_t)st.st_size, a[3], NULL);
	close(fd);
	return rc;
}

static int run(struct tusk_swift *s, const char *cmd, char **a, int n,
		json_t *out)
{
	struct tusk_swift_upload_result res;
	json_t *list;
	int rc;

	if (strcmp(cmd, "upload") == 0 && n == 3) {
		rc = tusk_swift_upload(s, a[0], a[1], a[2], &res);
		if (rc == 0)
			json_object_set_new(out, "result", json_pack("{s:s,s:s,s:I,s:i}",
				"etag", res.etag, "sha256", res.sha256,
				"size", (json_int_t)res.size, "segments", res.segments));
		return rc;
	}
	if (strcmp(cmd, "put-etag") == 0 && n == 4)
		return put_etag(s, a);
	if (strcmp(cmd, "get") == 0 && (n == 3 || n == 5))
		return tusk_swift_get(s, a[0], a[1],
			n == 5 ? strtoull(a[3], NULL, 10) : 0,
			n == 5 ? strtoull(a[4], NULL, 10) : 0, a[2]);
	if (strcmp(cmd, "list") == 0 && (n == 1 || n == 2)) {
		list = json_array();
		rc = tusk_swift_list(s, a[0], n == 2 ? a[1] : NULL, print_entry, list);
		json_object_set_new(out, "objects", list);
		return rc;
	}
	fprintf(stderr, "usage: tusk-swift [options] upload|put-etag|get|list ...\n");
	return -EINVAL;
}

static int parse(int argc, char **argv, struct tusk_swift_cfg *c,
		const char **token, const char **url)
{
	int o;

	c->auth = TUSK_SWIFT_AUTH_TEMPAUTH;
	c->retries = UINT32_MAX;
	c->retry_delay_ms = TUSK_SWIFT_RETRY_DELAY_MS_DEFAULT;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': c->auth_url = optarg; break;
		case 'u': c->user = optarg; break;
		case 'k': c->key = optarg; break;
		case 'p': c->project = optarg;
			c->auth = TUSK_SWIFT_AUTH_KEYSTONE3; break;
		case 'd': c->domain = optarg; break;
		case 's': c->segment_size = strtoull(optarg, NULL, 0); break;
		case 'j': c->parallel = (unsigned)atoi(optarg); break;
		case 'r': c->retries = (unsigned)atoi(optarg); break;
		case 'D': c->retry_delay_ms = (unsigned)atoi(optarg); break;
		case 'b': c->max_send_bps = strtoull(optarg, NULL, 0); break;
		case 't': *token = optarg; break;
		case 'U': *url = optarg; break;
		default: return -EINVAL;
		}
	}
	return optind < argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	struct tusk_swift_cfg cfg = { 0 };
	const char *token = NULL, *url = NULL;
	struct tusk_swift s;
	json_t *out = json_object();
	int rc;

	if (parse(argc, argv, &cfg, &token, &url) != 0) {
		fprintf(stderr, "usage: tusk-swift --auth-url URL --user U --key K "
			"[options] upload|put-etag|get|list ...\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = tusk_swift_init(&s, &cfg);
	if (rc == 0 && token != NULL && url != NULL)
		tusk_swift_set_token(&s, token, url);
	if (rc == 0)
		rc = run(&s, argv[optind], argv + optind + 1, argc - optind - 1, out);
	json_object_set_new(out, "ok", json_boolean(rc == 0));
	if (rc != 0)
		json_object_set_new(out, "error", json_string(tusk_swift_error(&s)));
	json_object_set_new(out, "stats", stats_json(&s.stats));
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
	curl_global_cleanup();
	return rc == 0 ? 0 : 1;
}
