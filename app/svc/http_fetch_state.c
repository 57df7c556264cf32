/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetch client's resume record (see http_fetch_state.h).
 *
 *   tusk_fetch_state_text()  -> tusk_fetch_state_to_json() -> json_dumps()
 *   tusk_fetch_state_write() -> tusk_root_tmp_create() -> write_all()
 *                            -> tusk_root_commit()   (the disk thread)
 *   tusk_fetch_state_load() -> read_record() -> json_loadb()
 *                           -> tusk_fetch_state_from_json() -> blocks_parse()
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_fetch_state.h"
#include "root.h"

#define STATE_FORMAT "tusk-fetch-state"
/* Hex digits of one CRC32C in the "crc32c" string. */
#define STATE_CRC_HEX 8

static const char hexdig[] = "0123456789abcdef";

/* Value of a lower-case hex digit, -1 for anything else. */
static int
hexval(char c)
{
	const char *p = c != '\0' ? strchr(hexdig, c) : NULL;

	return p != NULL ? (int)(p - hexdig) : -1;
}

/* The bitmap and CRC strings of s: done[] 2 hex per 8 blocks, crc[] 8 hex
 * per block. Both NUL terminated; the caller frees them. */
static int
blocks_format(const struct tusk_fetch_sched *s, char **done, char **crc)
{
	size_t nbytes = ((size_t)s->n_blocks + 7) / 8;
	uint32_t b;
	size_t i;

	*done = calloc(2 * nbytes + 1, 1);
	*crc = calloc((size_t)s->n_blocks * STATE_CRC_HEX + 1, 1);
	if (*done == NULL || *crc == NULL) {
		free(*done);
		free(*crc);
		return -ENOMEM;
	}
	for (i = 0; i < nbytes; i++) {
		unsigned int byte = 0, bit;

		for (bit = 0; bit < 8; bit++) {
			b = (uint32_t)(i * 8 + bit);
			if (b < s->n_blocks &&
			    (s->state[b] == TUSK_FETCH_BLK_DONE ||
			     s->state[b] == TUSK_FETCH_BLK_VERIFY))
				byte |= 1u << bit;
		}
		(*done)[2 * i] = hexdig[byte >> 4];
		(*done)[2 * i + 1] = hexdig[byte & 15];
	}
	for (b = 0; b < s->n_blocks; b++) {
		bool on = s->state[b] == TUSK_FETCH_BLK_DONE ||
			  s->state[b] == TUSK_FETCH_BLK_VERIFY;
		uint32_t v = on ? s->crc[b] : 0;
		int k;

		for (k = 0; k < STATE_CRC_HEX; k++)
			(*crc)[(size_t)b * STATE_CRC_HEX + k] =
				hexdig[(v >> (28 - 4 * k)) & 15];
	}
	return 0;
}

json_t *
tusk_fetch_state_to_json(const struct tusk_fetch_source *src,
			 const struct tusk_fetch_sched *s)
{
	char *done, *crc;
	json_t *o;

	if (blocks_format(s, &done, &crc) < 0)
		return NULL;
	o = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:I, s:s, s:s}",
		      "format", STATE_FORMAT,
		      "version", TUSK_FETCH_STATE_VERSION,
		      "url", src->url,
		      "size", (json_int_t)src->size,
		      "etag", src->etag,
		      "last_modified", src->last_modified,
		      "block_size", (json_int_t)s->block_size,
		      "done", done, "crc32c", crc);
	free(done);
	free(crc);
	return o;
}

/* Claim the blocks the record's bitmap and CRC list call done. */
static int
blocks_parse(struct tusk_fetch_sched *s, const char *done, const char *crc,
	     char *err, size_t errlen)
{
	size_t nbytes = ((size_t)s->n_blocks + 7) / 8;
	uint32_t b;

	if (strlen(done) != 2 * nbytes) {
		snprintf(err, errlen, "\"done\" has %zu hex digits, %zu "
			 "expected for %u blocks", strlen(done), 2 * nbytes,
			 s->n_blocks);
		return -EBADMSG;
	}
	if (strlen(crc) != (size_t)s->n_blocks * STATE_CRC_HEX) {
		snprintf(err, errlen, "\"crc32c\" has %zu hex digits, %zu "
			 "expected for %u blocks", strlen(crc),
			 (size_t)s->n_blocks * STATE_CRC_HEX, s->n_blocks);
		return -EBADMSG;
	}
	for (b = 0; b < s->n_blocks; b++) {
		int hi = hexval(done[b / 8 * 2]);
		int lo = hexval(done[b / 8 * 2 + 1]);
		uint32_t v = 0;
		int k;

		for (k = 0; k < STATE_CRC_HEX; k++) {
			int d = hexval(crc[(size_t)b * STATE_CRC_HEX + k]);

			if (d < 0)
				goto bad_hex;
			v = v << 4 | (uint32_t)d;
		}
		if (hi < 0 || lo < 0)
			goto bad_hex;
		if ((hi << 4 | lo) & (1 << (b % 8)))
			tusk_fetch_sched_claim(s, b, v);
	}
	return 0;
bad_hex:
	snprintf(err, errlen, "block %u: not lower-case hex", b);
	return -EBADMSG;
}

/* The string member `key` of o into out[len]; -EBADMSG when absent, not a
 * string or too long. */
static int
str_field(json_t *o, const char *key, char *out, size_t len, char *err,
	  size_t errlen)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v == NULL) {
		snprintf(err, errlen, "\"%s\" missing or not a string", key);
		return -EBADMSG;
	}
	if (strlen(v) >= len) {
		snprintf(err, errlen, "\"%s\" longer than %zu bytes", key,
			 len - 1);
		return -EBADMSG;
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int
uint_field(json_t *o, const char *key, uint64_t *out, char *err,
	   size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(err, errlen, "\"%s\" missing or not a non-negative "
			 "integer", key);
		return -EBADMSG;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
header_parse(json_t *o, struct tusk_fetch_source *src, uint64_t *bs,
	     char *err, size_t errlen)
{
	const char *fmt = json_string_value(json_object_get(o, "format"));
	json_t *ver = json_object_get(o, "version");

	if (!json_is_object(o) || fmt == NULL || strcmp(fmt, STATE_FORMAT)) {
		snprintf(err, errlen, "not a %s record", STATE_FORMAT);
		return -EBADMSG;
	}
	if (!json_is_integer(ver) ||
	    json_integer_value(ver) != TUSK_FETCH_STATE_VERSION) {
		snprintf(err, errlen, "version is not %d",
			 TUSK_FETCH_STATE_VERSION);
		return -EBADMSG;
	}
	if (str_field(o, "url", src->url, sizeof(src->url), err, errlen) ||
	    str_field(o, "etag", src->etag, sizeof(src->etag), err,
		      errlen) ||
	    str_field(o, "last_modified", src->last_modified,
		      sizeof(src->last_modified), err, errlen) ||
	    uint_field(o, "size", &src->size, err, errlen) ||
	    uint_field(o, "block_size", bs, err, errlen))
		return -EBADMSG;
	return 0;
}

int
tusk_fetch_state_from_json(json_t *o, uint32_t streams,
			   struct tusk_fetch_source *src,
			   struct tusk_fetch_sched *s, char *err,
			   size_t errlen)
{
	const char *done, *crc;
	uint64_t bs;
	int ret;

	memset(src, 0, sizeof(*src));
	if (header_parse(o, src, &bs, err, errlen) < 0)
		return -EBADMSG;
	done = json_string_value(json_object_get(o, "done"));
	crc = json_string_value(json_object_get(o, "crc32c"));
	if (done == NULL || crc == NULL) {
		snprintf(err, errlen, "\"%s\" missing or not a string",
			 done == NULL ? "done" : "crc32c");
		return -EBADMSG;
	}
	if (bs == 0 || bs > TUSK_FETCH_BLOCK_MAX) {
		snprintf(err, errlen, "block_size %" PRIu64 " out of range",
			 bs);
		return -EBADMSG;
	}
	ret = tusk_fetch_sched_init(s, src->size, (uint32_t)bs,
			tusk_fetch_sched_span_blocks(src->size, (uint32_t)bs,
						     streams));
	if (ret == -EINVAL) {
		snprintf(err, errlen, "block_size %" PRIu64 " does not fit "
			 "size %" PRIu64, bs, src->size);
		return -EBADMSG;
	}
	if (ret < 0)
		return ret;
	tusk_fetch_sched_set_streams(s, streams);
	ret = blocks_parse(s, done, crc, err, errlen);
	if (ret < 0)
		tusk_fetch_sched_fini(s);
	return ret;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

char *
tusk_fetch_state_text(const struct tusk_fetch_source *src,
		      const struct tusk_fetch_sched *s)
{
	json_t *o = tusk_fetch_state_to_json(src, s);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return text;
}

int
tusk_fetch_state_write(const struct tusk_root *r, const char *rel,
		       const char *text)
{
	char tmp[TUSK_ROOT_TMP_NAME_MAX];
	int fd = -1, ret;

	ret = tusk_root_tmp_create(r, rel, &fd, tmp, sizeof(tmp));
	if (ret < 0)
		return ret;
	ret = write_all(fd, text, strlen(text));
	close(fd);
	if (ret == 0)
		ret = tusk_root_commit(r, tmp, rel);
	if (ret < 0)
		tusk_root_discard(r, tmp);
	return ret;
}

int
tusk_fetch_state_save(const struct tusk_root *r, const char *rel,
		      const struct tusk_fetch_source *src,
		      const struct tusk_fetch_sched *s)
{
	char *text = tusk_fetch_state_text(src, s);
	int ret;

	if (text == NULL)
		return -ENOMEM;
	ret = tusk_fetch_state_write(r, rel, text);
	free(text);
	return ret;
}

/* The record's bytes (NUL terminated, *len without it); caller frees. */
static int
read_record(const struct tusk_root *r, const char *rel, char **buf,
	    size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd, ret = 0;

	fd = tusk_root_openat(r, rel, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (st.st_size > TUSK_FETCH_STATE_MAX) {
		snprintf(err, errlen, "%jd bytes, more than a record has",
			 (intmax_t)st.st_size);
		ret = -EBADMSG;
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (*buf == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	(*buf)[got] = '\0';
	*len = got;
out:
	close(fd);
	return ret;
}

int
tusk_fetch_state_load(const struct tusk_root *r, const char *rel,
		      uint32_t streams, struct tusk_fetch_source *src,
		      struct tusk_fetch_sched *s, char *err, size_t errlen)
{
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	json_t *o;
	int ret;

	ret = read_record(r, rel, &buf, &len, err, errlen);
	if (ret < 0)
		return ret;
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (o == NULL) {
		snprintf(err, errlen, "not JSON (column %d: %s)", jerr.column,
			 jerr.text);
		return -EBADMSG;
	}
	ret = tusk_fetch_state_from_json(o, streams, src, s, err, errlen);
	json_decref(o);
	return ret;
}

int
tusk_fetch_state_remove(const struct tusk_root *r, const char *rel)
{
	/* tusk_root_discard() unlinks any name beneath the root */
	int ret = tusk_root_discard(r, rel);

	return ret == -ENOENT ? 0 : ret;
}
