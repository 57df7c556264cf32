/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server side of a control socket (see ctl_server.h).
 *
 *   tusk_ctl_server_poll() -> tusk_ctl_server_pollfds() -> poll()
 *     -> tusk_ctl_server_serve() -> srv_accept() -> srv_slot() (evicts)
 *                                -> client_read() -> client_consume()
 *                                     -> client_line() -> tusk_ctl_cmd_handle()
 *                                     -> tusk_ctl_server_queue()
 *                                     -> tusk_ctl_events_begin() (watch)
 *                                -> client_flush()
 *                                -> srv_sweep() (idle clients)
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_server_priv.h"

/* Pending connections the kernel queues while we serve others. */
#define SRV_BACKLOG 8
/* Mode of a directory we create for the socket (/run/tusk). */
#define SRV_DIR_MODE 0755

#define SRV_STR_(x) #x
#define SRV_STR(x) SRV_STR_(x)

uint64_t
tusk_ctl_server_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ clients */

static void
client_close(struct srv_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int
tusk_ctl_server_queue(struct srv_client *c, const char *a, size_t alen,
		      const char *b, size_t blen)
{
	size_t n = alen + blen, need = c->out_len + n + 1;

	if (need > TUSK_CTL_RESPONSE_MAX)
		return -ENOBUFS;
	if (need > c->out_cap) {
		size_t cap = need > c->out_cap * 2 ? need : c->out_cap * 2;
		char *o = realloc(c->out, cap);

		if (o == NULL)
			return -ENOMEM;
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, a, alen);
	memcpy(c->out + c->out_len + alen, b, blen);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	return 0;
}

/* Queue one JSON line for c (NULL: the daemon ran out of memory). */
static int
client_send(struct srv_client *c, json_t *msg)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}";
	char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	int ret;

	if (s == NULL)
		return tusk_ctl_server_queue(c, oom, sizeof(oom) - 1, "", 0);
	ret = tusk_ctl_server_queue(c, s, strlen(s), "", 0);
	free(s);
	return ret;
}

/* Write what the socket takes now. */
static int
client_flush(struct srv_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		c->out_off += (size_t)n;
		c->active_ms = tusk_ctl_server_clock_ms();
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static int
client_line(struct tusk_ctl_server *srv, struct srv_client *c,
	    const char *line, size_t len)
{
	json_t *resp;
	int ret;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0; /* blank line: nothing asked */
	srv->current = c;
	resp = tusk_ctl_cmd_handle(&srv->cmds, line, len);
	srv->current = NULL;
	ret = client_send(c, resp);
	json_decref(resp);
	if (ret == 0 && c->subscribing)
		tusk_ctl_events_begin(srv, c);
	return ret;
}

/* Refuse a line that cannot fit, once, and drop it up to its newline. */
static int
client_overlong(struct srv_client *c)
{
	static const char e[] = "{\"ok\":false,\"error\":\"request longer "
				"than " SRV_STR(TUSK_CTL_REQUEST_MAX)
				" bytes\"}";
	int ret = 0;

	if (!c->discarding)
		ret = tusk_ctl_server_queue(c, e, sizeof(e) - 1, "", 0);
	c->discarding = true;
	c->in_len = 0;
	return ret;
}

/* Split the input buffer into lines; keep a partial line for the next
 * read. */
static int
client_consume(struct tusk_ctl_server *srv, struct srv_client *c)
{
	size_t start = 0;
	char *nl;
	int ret;

	while ((nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = (size_t)(nl - (c->in + start));

		if (c->discarding)
			c->discarding = false;
		else if ((ret = client_line(srv, c, c->in + start, len)) < 0)
			return ret;
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	return c->in_len == sizeof(c->in) ? client_overlong(c) : 0;
}

static int
client_read(struct tusk_ctl_server *srv, struct srv_client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
				 sizeof(c->in) - c->in_len, 0);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		c->in_len += (size_t)n;
		c->active_ms = tusk_ctl_server_clock_ms();
		ret = client_consume(srv, c);
		if (ret < 0)
			return ret;
	}
}

/* What poll() said about c: read, answer, close on error or EOF. */
static void
client_serve(struct tusk_ctl_server *srv, struct srv_client *c, short rev)
{
	int ret = 0;

	if (rev & (POLLIN | POLLHUP | POLLERR))
		ret = client_read(srv, c);
	if (c->out_len > 0 && ret != -ENOBUFS) {
		int fret = client_flush(c);

		if (fret < 0)
			ret = fret;
		else if (ret == -ECONNRESET && c->out_len > 0)
			ret = 0; /* half-closed: answer it first */
		else if (ret == 0 && c->out_len == 0 && c->resync)
			tusk_ctl_events_caught_up(srv, c);
	}
	if (ret < 0) {
		if (ret == -ENOBUFS)
			srv->stats.dropped_unread++;
		client_close(c);
	}
}

/* Close c and tell it why, if no half-sent line is in the way (the
 * notice is best effort: the socket is closed right after). */
static void
client_evict(struct srv_client *c, const char *why)
{
	char line[TUSK_CTL_REQUEST_MAX / 4];
	int n = snprintf(line, sizeof(line), "{\"%s\":false,\"%s\":\"%s\"}\n",
			 TUSK_CTL_KEY_OK, TUSK_CTL_KEY_ERROR, why);

	if (c->out_len == 0 && n > 0 && (size_t)n < sizeof(line))
		(void)send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	client_close(c);
}

/* ------------------------------------------------------------ serving */

/* A free slot, or the one of the client idle the longest, closed: every
 * slot taken must not lock an operator out (idle or hostile clients would
 * otherwise hold them all). */
static struct srv_client *
srv_slot(struct tusk_ctl_server *srv)
{
	struct srv_client *victim = NULL;
	unsigned int i;

	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		struct srv_client *c = &srv->clients[i];

		if (c->fd < 0)
			return c;
		/* subscribers last: they wait for events on purpose */
		if (victim == NULL || c->subscribed < victim->subscribed ||
		    (c->subscribed == victim->subscribed &&
		     c->active_ms < victim->active_ms))
			victim = c;
	}
	srv->stats.evicted++;
	client_evict(victim, "closed: every control client slot was taken "
		     "and this client was idle the longest");
	return victim;
}

static void
srv_accept(struct tusk_ctl_server *srv)
{
	struct srv_client *c;
	int fd;

	fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = srv_slot(srv);
	c->fd = fd;
	c->active_ms = tusk_ctl_server_clock_ms();
	srv->stats.accepted++;
}

/* Close the clients idle longer than the timeout. */
static void
srv_sweep(struct tusk_ctl_server *srv)
{
	char why[TUSK_CTL_REQUEST_MAX / 8];
	uint64_t now = tusk_ctl_server_clock_ms();
	unsigned int i;

	if (srv->idle_timeout_ms == 0)
		return;
	snprintf(why, sizeof(why), "closed: idle for %u ms",
		 srv->idle_timeout_ms);
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		struct srv_client *c = &srv->clients[i];

		/* a subscriber waiting for events is not idle; one that
		 * stopped reading them is */
		if (c->subscribed && c->out_len == 0)
			c->active_ms = now;
		if (c->fd >= 0 && now - c->active_ms >= srv->idle_timeout_ms) {
			srv->stats.idle_closed++;
			client_evict(c, why);
		}
	}
}

/* How long poll() may sleep before the next idle client is due. */
static int
srv_wait_ms(const struct tusk_ctl_server *srv, int timeout_ms)
{
	uint64_t now = tusk_ctl_server_clock_ms(), wait;
	unsigned int i;

	if (srv->idle_timeout_ms == 0)
		return timeout_ms;
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		const struct srv_client *c = &srv->clients[i];

		if (c->fd < 0 || (c->subscribed && c->out_len == 0))
			continue;
		wait = c->active_ms + srv->idle_timeout_ms > now ?
		       c->active_ms + srv->idle_timeout_ms - now : 0;
		if (timeout_ms < 0 || wait < (uint64_t)timeout_ms)
			timeout_ms = (int)wait;
	}
	return timeout_ms;
}

static struct srv_client *
srv_client_by_fd(struct tusk_ctl_server *srv, int fd)
{
	unsigned int i;

	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++)
		if (srv->clients[i].fd == fd)
			return &srv->clients[i];
	return NULL;
}

unsigned int
tusk_ctl_server_pollfds(const struct tusk_ctl_server *srv, struct pollfd *pfd,
			unsigned int max)
{
	unsigned int i, n = 0;

	if (srv->lfd >= 0 && n < max)
		pfd[n++] = (struct pollfd){ .fd = srv->lfd, .events = POLLIN };
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX && n < max; i++) {
		const struct srv_client *c = &srv->clients[i];

		if (c->fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = c->fd,
				.events = POLLIN | (c->out_len ? POLLOUT : 0) };
	}
	return n;
}

void
tusk_ctl_server_serve(struct tusk_ctl_server *srv, const struct pollfd *pfd,
		      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct srv_client *c;

		if (pfd[i].revents == 0 || pfd[i].fd < 0)
			continue;
		if (pfd[i].fd == srv->lfd) {
			srv_accept(srv);
			continue;
		}
		c = srv_client_by_fd(srv, pfd[i].fd);
		if (c != NULL)
			client_serve(srv, c, pfd[i].revents);
	}
	srv_sweep(srv);
}

int
tusk_ctl_server_poll(struct tusk_ctl_server *srv, int timeout_ms)
{
	struct pollfd pfd[TUSK_CTL_SERVER_POLLFDS];
	unsigned int n = tusk_ctl_server_pollfds(srv, pfd,
						 TUSK_CTL_SERVER_POLLFDS);

	if (poll(pfd, n, srv_wait_ms(srv, timeout_ms)) < 0)
		return errno == EINTR ? 0 : -errno;
	tusk_ctl_server_serve(srv, pfd, n);
	return 0;
}

/* ------------------------------------------------------- open and close */

/* A socket file left by a dead server is removed; a live one (something
 * accepts connections) or a file that is not a socket is left alone. */
static int
srv_check_stale(const char *path, const struct sockaddr_un *sa, char *err,
		size_t errlen)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	/* non-blocking: a live server with a full backlog answers EAGAIN
	 * instead of holding our start-up */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (ret < 0 && errno == EAGAIN)
		ret = 0;
	close(fd);
	if (ret == 0) {
		snprintf(err, errlen, "%s: another server is listening on it",
			 path);
		return -EADDRINUSE;
	}
	return unlink(path) < 0 ? -errno : 0;
}

/* mkdir -p of the socket's directory. */
static int
srv_mkdir(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, SRV_DIR_MODE) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, SRV_DIR_MODE) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
srv_listen(struct tusk_ctl_server *srv, const char *path, char *err,
	   size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ret = srv_mkdir(path);
	if (ret == 0)
		ret = srv_check_stale(path, &sa, err, errlen);
	if (ret < 0)
		return ret;
	srv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	if (srv->lfd < 0)
		return -errno;
	if (bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	if (chmod(path, TUSK_CTL_SOCKET_MODE) < 0 ||
	    listen(srv->lfd, SRV_BACKLOG) < 0)
		return -errno;
	return 0;
}

int
tusk_ctl_server_open(const struct tusk_ctl_server_conf *conf,
		     struct tusk_ctl_server **out, char *err, size_t errlen)
{
	struct tusk_ctl_server *srv = calloc(1, sizeof(*srv));
	unsigned int i;
	int ret = 0;

	if (srv == NULL)
		return -ENOMEM;
	srv->lfd = -1;
	srv->cmds = conf->cmds;
	srv->idle_timeout_ms = conf->idle_timeout_ms;
	srv->snapshot = conf->snapshot;
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++)
		srv->clients[i].fd = -1;
	err[0] = '\0';
	if (conf->path != NULL)
		ret = srv_listen(srv, conf->path, err, errlen);
	if (ret < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot listen on %s: %s",
				 conf->path, strerror(-ret));
		tusk_ctl_server_close(srv);
		return ret;
	}
	*out = srv;
	return 0;
}

void
tusk_ctl_server_stats(const struct tusk_ctl_server *srv,
		      struct tusk_ctl_server_stats *out)
{
	unsigned int i;

	*out = srv->stats;
	out->clients = 0;
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++)
		out->clients += srv->clients[i].fd >= 0;
}

void
tusk_ctl_server_close(struct tusk_ctl_server *srv)
{
	unsigned int i;

	if (srv == NULL)
		return;
	for (i = 0; i < TUSK_CTL_SERVER_CLIENTS_MAX; i++) {
		if (srv->clients[i].fd < 0)
			continue;
		(void)client_flush(&srv->clients[i]);
		client_close(&srv->clients[i]);
	}
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->path[0] != '\0')
		(void)unlink(srv->path);
	free(srv);
}
