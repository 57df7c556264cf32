/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of a control socket (see ctl_client.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"

/* First size of the line buffer; it doubles up to the response limit. */
#define CLIENT_BUF_MIN 4096
/* Room for the whole longest line and its newline. */
#define CLIENT_BUF_MAX ((size_t)TUSK_CTL_RESPONSE_MAX + 1)

int
tusk_ctl_client_timeout(struct tusk_ctl_client *c, unsigned int timeout_ms)
{
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};

	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

int
tusk_ctl_client_connect(struct tusk_ctl_client *c, const char *path,
			unsigned int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		ret = -errno;
	else if ((ret = tusk_ctl_client_timeout(c, timeout_ms)) == 0 &&
		 connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	if (ret < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path,
			 strerror(-ret));
		tusk_ctl_client_close(c);
	}
	return ret;
}

static int
client_send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tusk_ctl_client_send(struct tusk_ctl_client *c, const json_t *req, char *err,
		     size_t errlen)
{
	char *s = json_dumps(req, JSON_COMPACT);
	size_t n;
	int ret;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = strlen(s);
	if (n >= TUSK_CTL_REQUEST_MAX) {
		snprintf(err, errlen, "request longer than %u bytes",
			 TUSK_CTL_REQUEST_MAX - 1);
		free(s);
		return -EMSGSIZE;
	}
	s[n] = '\n'; /* json_dumps's NUL becomes the line's end */
	ret = client_send_all(c->fd, s, n + 1);
	free(s);
	if (ret < 0)
		snprintf(err, errlen, "cannot send: %s", strerror(-ret));
	return ret;
}

/* The first whole line in the buffer, parsed and removed: 1; none: 0. */
static int
client_pop(struct tusk_ctl_client *c, json_t **msg, char *err, size_t errlen)
{
	char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	size_t used;
	json_error_t jerr;

	if (nl == NULL)
		return 0;
	used = (size_t)(nl - c->buf) + 1;
	*msg = json_loadb(c->buf, used - 1, 0, &jerr);
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	if (*msg == NULL) {
		snprintf(err, errlen, "bad response: %s", jerr.text);
		return -EBADMSG;
	}
	return 1;
}

/* Room for at least one more byte. */
static int
client_grow(struct tusk_ctl_client *c, char *err, size_t errlen)
{
	size_t cap = c->cap ? c->cap * 2 : CLIENT_BUF_MIN;
	char *b;

	if (c->len < c->cap)
		return 0;
	if (c->cap >= CLIENT_BUF_MAX) {
		snprintf(err, errlen, "response longer than %u bytes",
			 TUSK_CTL_RESPONSE_MAX);
		return -EMSGSIZE;
	}
	if (cap > CLIENT_BUF_MAX)
		cap = CLIENT_BUF_MAX;
	b = realloc(c->buf, cap);
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->buf = b;
	c->cap = cap;
	return 0;
}

int
tusk_ctl_client_recv(struct tusk_ctl_client *c, json_t **msg, char *err,
		     size_t errlen)
{
	for (;;) {
		int ret = client_pop(c, msg, err, errlen);
		ssize_t n;

		if (ret != 0)
			return ret < 0 ? ret : 0;
		ret = client_grow(c, err, errlen);
		if (ret < 0)
			return ret;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			snprintf(err, errlen, "connection closed");
			return -ECONNRESET;
		}
		if (n < 0) {
			ret = errno == EAGAIN || errno == EWOULDBLOCK ?
			      -EAGAIN : -errno;
			snprintf(err, errlen, "%s", ret == -EAGAIN ?
				 "no whole line yet (timed out)" :
				 strerror(-ret));
			return ret;
		}
		c->len += (size_t)n;
	}
}

json_t *
tusk_ctl_client_call(struct tusk_ctl_client *c, const json_t *req, char *err,
		     size_t errlen)
{
	json_t *resp = NULL;
	int ret = tusk_ctl_client_send(c, req, err, errlen);

	if (ret == 0)
		ret = tusk_ctl_client_recv(c, &resp, err, errlen);
	if (ret == -EAGAIN)
		snprintf(err, errlen, "timed out waiting for the answer");
	return ret == 0 ? resp : NULL;
}

void
tusk_ctl_client_close(struct tusk_ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}
