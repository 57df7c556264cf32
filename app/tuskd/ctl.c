/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket (see ctl.h).
 *
 *   tusk_ctl_poll() -> poll() -> ctl_accept()
 *                             -> ctl_read() -> ctl_line() -> tusk_ctl_handle()
 *                                                         -> ctl_send()
 *                             -> ctl_flush()
 *   tusk_ctl_handle() -> json_loadb() -> cmd_table[] -> cmd_ports() ...
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include "ctl_priv.h"

RTE_LOG_REGISTER_SUFFIX(tusk_ctl_logtype, ctl, INFO);

/* Pending connections the kernel queues while we serve others. */
#define CTL_BACKLOG 8
/* Bytes read per recv(): a request fits in one read. */
#define CTL_READ_CHUNK TUSK_CTL_REQUEST_MAX
/* Mode of the socket file: root and the tusk group may drive tuskd. */
#define CTL_SOCKET_MODE 0660
/* Mode of a directory we create for the socket (/run/tusk). */
#define CTL_DIR_MODE 0755
/* ------------------------------------------------------------ commands */

static const struct tusk_port *
ctl_port_by_id(const struct tusk_ctl *ctl, uint16_t port_id)
{
	unsigned int i;

	for (i = 0; i < ctl->ctx.n_ports; i++)
		if (ctl->ctx.ports[i].port_id == port_id)
			return &ctl->ctx.ports[i];
	return NULL;
}

static json_t *
ipv4_json(rte_be32_t a, int prefix_len)
{
	struct tusk_addr addr = tusk_addr_v4(a);
	char buf[TUSK_ADDR_STRLEN + 4];
	size_t n;

	if (a == 0)
		return json_null();
	tusk_addr_format(&addr, buf, TUSK_ADDR_STRLEN);
	n = strlen(buf);
	if (prefix_len >= 0)
		snprintf(buf + n, sizeof(buf) - n, "/%d", prefix_len);
	return json_string(buf);
}

static int
cmd_ports(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	  size_t errlen)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a != NULL && i < ctl->ctx.n_ports; i++) {
		const struct tusk_config_port *cp = &ctl->ctx.cfg->ports[i];
		json_t *o = tusk_port_json(&ctl->ctx.ports[i]);

		if (o == NULL)
			continue;
		json_object_set_new(o, "address", ipv4_json(cp->address.addr,
							    cp->address.len));
		json_object_set_new(o, "gateway", ipv4_json(cp->gateway, -1));
		json_object_set_new(o, "capture", ctl->captures[i] ?
				    tusk_port_capture_json(ctl->captures[i]) :
				    json_null());
		json_array_append_new(a, o);
	}
	*result = a;
	return 0;
}

/* The counters of struct tusk_stack_stats by name, in print order. */
#define STAT(f) { #f, offsetof(struct tusk_stack_stats, f) }
static const struct {
	const char *name;
	size_t off;
} stat_fields[] = {
	STAT(rx_frames), STAT(rx_bytes), STAT(tx_frames), STAT(tx_bytes),
	STAT(arp_rx_requests), STAT(arp_rx_replies), STAT(arp_tx_requests),
	STAT(arp_tx_replies), STAT(arp_tx_gratuitous), STAT(ip_rx),
	STAT(ip_tx), STAT(icmp_echo_rx), STAT(icmp_echo_tx), STAT(tcp_rx),
	STAT(tcp_tx), STAT(tcp_steered), STAT(udp_rx), STAT(udp_rx_no_cksum),
	STAT(udp_tx), STAT(icmp_unreach_tx), STAT(icmp_unreach_limited),
};
#undef STAT

static uint64_t
stat_get(const struct tusk_stack_stats *s, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)s + off, sizeof(v));
	return v;
}

static void
stats_add(struct tusk_stack_stats *sum, const struct tusk_stack_stats *s)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(stat_fields); i++) {
		uint64_t v = stat_get(sum, stat_fields[i].off) +
			     stat_get(s, stat_fields[i].off);

		memcpy((char *)sum + stat_fields[i].off, &v, sizeof(v));
	}
	for (i = 0; i < TUSK_DROP_MAX; i++)
		sum->drops[i] += s->drops[i];
}

/* Counters into o; drops as {"reason": n}, every reason when `all` (for
 * machines), only non-zero ones per lcore. */
static void
stats_json(json_t *o, const struct tusk_stack_stats *s, bool all)
{
	json_t *drops = json_object();
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(stat_fields); i++)
		json_object_set_new(o, stat_fields[i].name, json_integer(
			(json_int_t)stat_get(s, stat_fields[i].off)));
	for (i = 0; i < TUSK_DROP_MAX; i++) {
		total += s->drops[i];
		if (all || s->drops[i] != 0)
			json_object_set_new(drops,
					    tusk_drop_name((enum tusk_drop)i),
					    json_integer((json_int_t)
							 s->drops[i]));
	}
	json_object_set_new(o, "drops", drops);
	json_object_set_new(o, "drops_total", json_integer((json_int_t)total));
}

static int
ctl_snapshot(struct tusk_ctl *ctl, unsigned int i,
	     struct tusk_lcore_snapshot *snap, char *err, size_t errlen)
{
	if (tusk_lcore_snapshot(ctl->ctx.lcores[i], snap,
				TUSK_CTL_SNAPSHOT_TIMEOUT_MS) == 0)
		return 0;
	snprintf(err, errlen, "lcore %u did not answer within %u ms",
		 ctl->ctx.lcores[i]->lcore_id, TUSK_CTL_SNAPSHOT_TIMEOUT_MS);
	return -1;
}

static int
cmd_stats(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	  size_t errlen)
{
	static struct tusk_lcore_snapshot snap; /* large: not on the stack */
	struct tusk_stack_stats sum;
	json_t *per = json_array(), *o = json_object();
	unsigned int i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < ctl->ctx.n_lcores; i++) {
		json_t *l;

		if (ctl_snapshot(ctl, i, &snap, err, errlen) < 0) {
			json_decref(per);
			json_decref(o);
			return -1;
		}
		stats_add(&sum, &snap.stats);
		l = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}",
			      "lcore", (int)snap.lcore_id,
			      "loops", (json_int_t)snap.loops,
			      "busy_loops", (json_int_t)snap.busy_loops,
			      "arp_shared", (json_int_t)snap.arp_shared,
			      "arp_share_drops",
			      (json_int_t)snap.arp_share_drops,
			      "steer_drops", (json_int_t)snap.steer_drops);
		stats_json(l, &snap.stats, false);
		json_array_append_new(per, l);
	}
	stats_json(o, &sum, true);
	json_object_set_new(o, "lcores", per);
	*result = o;
	return 0;
}

static json_t *
arp_entry_json(const struct tusk_ctl *ctl, const struct tusk_lcore *lc,
	       const struct tusk_arp_entry_info *e)
{
	char ip[TUSK_ADDR_STRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
	const struct tusk_port *p = NULL;
	unsigned int i;

	for (i = 0; i < lc->n_queues; i++)
		if (lc->queues[i].iface == e->iface)
			p = ctl_port_by_id(ctl, lc->queues[i].port_id);
	tusk_addr_format(&e->addr, ip, sizeof(ip));
	if (e->resolved)
		rte_ether_format_addr(mac, sizeof(mac), &e->mac);
	else
		snprintf(mac, sizeof(mac), "(incomplete)");
	return json_pack("{s:s, s:s, s:b, s:s, s:i, s:i, s:I}",
			 "address", ip, "mac", mac, "resolved", e->resolved,
			 "port", p ? p->name : "?", "iface", (int)e->iface,
			 "lcore", (int)lc->lcore_id,
			 "age_ms", (json_int_t)(e->age_ns / 1000000));
}

static int
cmd_arp(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	size_t errlen)
{
	static struct tusk_lcore_snapshot snap;
	json_t *a = json_array();
	unsigned int i, j;

	for (i = 0; i < ctl->ctx.n_lcores; i++) {
		if (ctl_snapshot(ctl, i, &snap, err, errlen) < 0) {
			json_decref(a);
			return -1;
		}
		for (j = 0; j < snap.n_arp; j++)
			json_array_append_new(a, arp_entry_json(ctl,
					ctl->ctx.lcores[i], &snap.arp[j]));
	}
	*result = a;
	return 0;
}

static int
cmd_xstats(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	json_t *want = json_object_get(args, "port"), *o = json_object();
	unsigned int i, found = 0;

	if (want != NULL && !json_is_string(want)) {
		snprintf(err, errlen, "\"port\" must be a port name (string)");
		json_decref(o);
		return -1;
	}
	for (i = 0; i < ctl->ctx.n_ports; i++) {
		const struct tusk_port *p = &ctl->ctx.ports[i];
		json_t *x;

		if (want != NULL && strcmp(p->name, json_string_value(want)))
			continue;
		found++;
		x = tusk_port_xstats_json(p);
		json_object_set_new(o, p->name, x ? x : json_null());
	}
	if (want != NULL && found == 0) {
		snprintf(err, errlen, "no port named \"%s\"",
			 json_string_value(want));
		json_decref(o);
		return -1;
	}
	*result = o;
	return 0;
}

static int
cmd_config(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	*result = tusk_config_to_json(ctl->ctx.cfg);
	if (*result == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
cmd_quit(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	 size_t errlen)
{
	CTL_LOG(NOTICE, "quit requested on the control socket\n");
	ctl->quit = true;
	*result = json_string("stopping");
	return 0;
}

/* Index of the port named by the request's "port", or -1 (err set). */
int
tusk_ctl_arg_port(const struct tusk_ctl *ctl, json_t *args, char *err,
		  size_t errlen)
{
	const char *name = json_string_value(json_object_get(args, "port"));
	unsigned int i;

	if (name == NULL) {
		snprintf(err, errlen, "\"port\" (a port name) is required");
		return -1;
	}
	for (i = 0; i < ctl->ctx.n_ports; i++)
		if (strcmp(ctl->ctx.ports[i].name, name) == 0)
			return (int)i;
	snprintf(err, errlen, "no port named \"%.64s\"", name);
	return -1;
}

/* A count argument: a JSON integer or a string of digits (tuskctl sends
 * key=value as strings). `def` when absent; -1 when malformed. */
int64_t
tusk_ctl_arg_uint(json_t *args, const char *key, int64_t def, int64_t max,
		  char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_string_value(v);
	long long n = -1;
	char *end = NULL;

	if (v == NULL)
		return def;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (s != NULL && *s >= '0' && *s <= '9')
		n = strtoll(s, &end, 10);
	if (n < 0 || n > max || (end != NULL && *end != '\0')) {
		snprintf(err, errlen, "\"%s\" must be an integer in [0, %"
			 PRId64 "]", key, max);
		return -1;
	}
	return n;
}

static int cmd_help(struct tusk_ctl *ctl, json_t *args, json_t **result,
		    char *err, size_t errlen);

static const char *const args_none[] = { NULL };
static const char *const args_port[] = { "port", NULL };
static const char *const args_capture[] = {
	"port", "file", "count", "snaplen", NULL,
};
static const char *const args_impair[] = {
	"port", "dir", "delay_ms", "jitter_ms", "rate_mbps", "loss_ppm",
	"burst_enter_ppm", "burst_exit_ppm", "burst_loss_ppm", "dup_ppm",
	"reorder_ppm", "limit", "clear", NULL,
};
static const char *const args_bulk[] = {
	"dst", "port", "bytes", "seconds", "cc", NULL,
};
static const char *const args_bulk_stop[] = { "id", "lcore", NULL };

static const char *const args_fetch[] = { "url", "dest", "streams", NULL };
static const char *const args_cancel[] = { "id", "discard", NULL };

static const struct ctl_cmd cmd_table[] = {
	{ "ports", cmd_ports, args_none,
	  "device, driver, MAC, address, MTU, link, offloads, counters" },
	{ "stats", cmd_stats, args_none,
	  "stack counters summed over lcores, drops by reason, per lcore" },
	{ "xstats", cmd_xstats, args_port,
	  "extended port counters (\"port\": NAME for one port)" },
	{ "arp", cmd_arp, args_none, "ARP cache of every lcore" },
	{ "conns", tusk_ctl_conns_cmd, args_none,
	  "TCP connections of every lcore with their statistics" },
	{ "http", tusk_ctl_http_cmd, args_none,
	  "HTTP endpoint of every lcore: requests, bytes, connections" },
	{ "config", cmd_config, args_none, "effective configuration" },
	{ "capture", tusk_ctl_capture_cmd_start, args_capture,
	  "write a port's frames to a pcap file (port, file, count, snaplen)" },
	{ "capture_stop", tusk_ctl_capture_cmd_stop, args_port,
	  "stop a port's capture (\"port\": NAME)" },
	{ "impair", tusk_ctl_impair_cmd, args_impair,
	  "emulate a path: port, dir (tx/rx/both), delay_ms, jitter_ms, "
	  "rate_mbps, loss_ppm, burst_enter_ppm, burst_exit_ppm, "
	  "burst_loss_ppm, dup_ppm, reorder_ppm, limit; clear; none: report" },
	{ "bulk", tusk_ctl_bulk_cmd, args_bulk,
	  "start a bulk source: dst, port (9), bytes, seconds (neither: 10), "
	  "cc (newreno, cubic, bbr)" },
	{ "bulk_list", tusk_ctl_bulk_list_cmd, args_none,
	  "bulk sources and sink connections: bytes, Gbit/s, retransmits, "
	  "RTT" },
	{ "bulk_stop", tusk_ctl_bulk_stop_cmd, args_bulk_stop,
	  "reset a running bulk transfer (id; lcore: the sources' lcore)" },
	{ "iperf3", tusk_ctl_iperf3_cmd, args_none,
	  "iperf3 server: counters, the current or last test per stream" },
	{ "fetch", tusk_ctl_fetch_cmd, args_fetch,
	  "fetch url into the data root: url, dest, streams (range streams)" },
	{ "transfers", tusk_ctl_transfers_cmd, args_none,
	  "fetches with progress: bytes, rate, ETA, state, sha256, errors" },
	{ "cancel", tusk_ctl_cancel_cmd, args_cancel,
	  "stop a fetch (id); kept for resuming unless discard=true" },
	{ "quit", cmd_quit, args_none, "stop tuskd and exit" },
	{ "help", cmd_help, args_none, "this list" },
};

static int
cmd_help(struct tusk_ctl *ctl, json_t *args, json_t **result, char *err,
	 size_t errlen)
{
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; o != NULL && i < RTE_DIM(cmd_table); i++)
		json_object_set_new(o, cmd_table[i].name,
				    json_string(cmd_table[i].help));
	*result = o;
	return 0;
}

/* ------------------------------------------------------------ dispatch */

static json_t *
ctl_error(const char *reason)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", reason);
}

/* Every key but "cmd" must be one the command takes. */
static int
check_args(const struct ctl_cmd *c, json_t *req, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(req, key, v) {
		unsigned int i;
		bool ok = strcmp(key, "cmd") == 0;

		for (i = 0; !ok && c->args[i] != NULL; i++)
			ok = strcmp(key, c->args[i]) == 0;
		if (!ok) {
			snprintf(err, errlen, "%s: unknown argument \"%s\"",
				 c->name, key);
			return -1;
		}
	}
	return 0;
}

static json_t *
ctl_dispatch(struct tusk_ctl *ctl, json_t *req)
{
	char err[TUSK_CTL_REQUEST_MAX / 4];
	const char *name = json_string_value(json_object_get(req, "cmd"));
	json_t *result = NULL;
	unsigned int i;

	if (!json_is_object(req))
		return ctl_error("request must be a JSON object");
	if (name == NULL)
		return ctl_error("missing \"cmd\" (a string), e.g. "
				 "{\"cmd\":\"help\"}");
	for (i = 0; i < RTE_DIM(cmd_table); i++) {
		const struct ctl_cmd *c = &cmd_table[i];

		if (strcmp(name, c->name) != 0)
			continue;
		err[0] = '\0';
		if (check_args(c, req, err, sizeof(err)) < 0 ||
		    c->fn(ctl, req, &result, err, sizeof(err)) < 0 ||
		    result == NULL)
			return ctl_error(err[0] ? err : "out of memory");
		return json_pack("{s:b, s:o}", "ok", 1, "result", result);
	}
	snprintf(err, sizeof(err), "unknown command \"%.64s\" (try \"help\")",
		 name);
	return ctl_error(err);
}

json_t *
tusk_ctl_handle(struct tusk_ctl *ctl, const char *line, size_t len)
{
	char reason[TUSK_CTL_REQUEST_MAX / 4];
	json_error_t jerr;
	json_t *req, *resp;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(reason, sizeof(reason), "bad JSON at column %d: %s",
			 jerr.column, jerr.text);
		return ctl_error(reason);
	}
	resp = ctl_dispatch(ctl, req);
	json_decref(req);
	return resp;
}

bool
tusk_ctl_quit_requested(const struct tusk_ctl *ctl)
{
	return ctl->quit;
}

/* ------------------------------------------------------------- sockets */

static void
client_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Queue one response line for c; drop a client that does not read. */
static int
ctl_send(struct ctl_client *c, json_t *resp)
{
	char *s = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	size_t n, need;

	if (s == NULL)
		s = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
	if (s == NULL)
		return -ENOMEM;
	n = strlen(s);
	need = c->out_len + n + 1;
	if (need > TUSK_CTL_OUTPUT_MAX) {
		free(s);
		return -ENOBUFS;
	}
	if (need > c->out_cap) {
		size_t cap = RTE_MAX(need, c->out_cap * 2);
		char *o = realloc(c->out, cap);

		if (o == NULL) {
			free(s);
			return -ENOMEM;
		}
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	free(s);
	return 0;
}

/* Write what the socket takes now. */
static int
ctl_flush(struct ctl_client *c)
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
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static int
ctl_line(struct tusk_ctl *ctl, struct ctl_client *c, const char *line,
	 size_t len)
{
	json_t *resp;
	int ret;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0; /* blank line: nothing asked */
	resp = tusk_ctl_handle(ctl, line, len);
	ret = ctl_send(c, resp);
	json_decref(resp);
	return ret;
}

/* Split the input buffer into lines; keep a partial line for the next
 * read, refuse one that cannot fit. */
static int
ctl_consume(struct tusk_ctl *ctl, struct ctl_client *c)
{
	size_t start = 0;
	char *nl;
	int ret;

	while ((nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = (size_t)(nl - (c->in + start));

		if (c->discarding)
			c->discarding = false;
		else if ((ret = ctl_line(ctl, c, c->in + start, len)) < 0)
			return ret;
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len == sizeof(c->in)) {
		json_t *e;

		if (!c->discarding) {
			e = ctl_error("request longer than "
				      RTE_STR(TUSK_CTL_REQUEST_MAX) " bytes");
			ret = ctl_send(c, e);
			json_decref(e);
			if (ret < 0)
				return ret;
		}
		c->discarding = true;
		c->in_len = 0;
	}
	return 0;
}

static int
ctl_read(struct tusk_ctl *ctl, struct ctl_client *c)
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
		ret = ctl_consume(ctl, c);
		if (ret < 0)
			return ret;
	}
}

static void
ctl_accept(struct tusk_ctl *ctl)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":\"too many control clients\"}\n";
	unsigned int i;
	int fd;

	fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < TUSK_CTL_CLIENTS_MAX; i++) {
		if (ctl->clients[i].fd < 0) {
			ctl->clients[i].fd = fd;
			return;
		}
	}
	/* full: say why rather than leave the client hanging */
	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL) < 0)
		CTL_LOG(DEBUG, "refused client: %s\n", strerror(errno));
	close(fd);
}

int
tusk_ctl_poll(struct tusk_ctl *ctl, int timeout_ms)
{
	struct pollfd pfd[TUSK_CTL_CLIENTS_MAX + 1];
	int idx[TUSK_CTL_CLIENTS_MAX + 1];
	unsigned int i, n = 0;
	int ret;

	if (ctl->lfd >= 0) {
		pfd[n] = (struct pollfd){ .fd = ctl->lfd, .events = POLLIN };
		idx[n++] = -1;
	}
	for (i = 0; i < TUSK_CTL_CLIENTS_MAX; i++) {
		struct ctl_client *c = &ctl->clients[i];

		if (c->fd < 0)
			continue;
		pfd[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN |
					  (c->out_len ? POLLOUT : 0) };
		idx[n++] = (int)i;
	}
	if (tusk_ctl_capture_active(ctl))
		timeout_ms = RTE_MIN(timeout_ms, TUSK_CTL_CAPTURE_DRAIN_MS);
	ret = poll(pfd, n, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? (ctl->quit ? 1 : 0) : -errno;
	for (i = 0; i < n; i++) {
		struct ctl_client *c;

		if (pfd[i].revents == 0)
			continue;
		if (idx[i] < 0) {
			ctl_accept(ctl);
			continue;
		}
		c = &ctl->clients[idx[i]];
		ret = 0;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			ret = ctl_read(ctl, c);
		if (c->out_len > 0 && ret != -ENOBUFS) {
			int fret = ctl_flush(c);

			if (fret < 0)
				ret = fret;
			else if (ret == -ECONNRESET && c->out_len > 0)
				ret = 0; /* half-closed: answer it first */
		}
		if (ret < 0)
			client_close(c);
	}
	tusk_ctl_capture_drain(ctl);
	tusk_ctl_impair_reap(ctl, false);
	return ctl->quit ? 1 : 0;
}

/* ------------------------------------------------------- open and close */

/* A socket file left by a dead tuskd is removed; a live one (something
 * accepts connections) or a file that is not a socket is left alone. */
static int
ctl_check_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		CTL_LOG(ERR, "%s exists and is not a socket\n", path);
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
		CTL_LOG(ERR, "%s: another tuskd is serving it\n", path);
		return -EADDRINUSE;
	}
	return unlink(path) < 0 ? -errno : 0;
}

/* mkdir -p of the socket's directory. */
static int
ctl_mkdir(const char *path)
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
		if (mkdir(dir, CTL_DIR_MODE) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, CTL_DIR_MODE) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
ctl_listen(struct tusk_ctl *ctl, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ret = ctl_mkdir(path);
	if (ret == 0)
		ret = ctl_check_stale(path, &sa);
	if (ret < 0)
		return ret;
	ctl->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	if (ctl->lfd < 0)
		return -errno;
	if (bind(ctl->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	if (chmod(path, CTL_SOCKET_MODE) < 0 ||
	    listen(ctl->lfd, CTL_BACKLOG) < 0)
		return -errno;
	return 0;
}

int
tusk_ctl_open(const char *path, const struct tusk_ctl_ctx *ctx,
	      struct tusk_ctl **out)
{
	struct tusk_ctl *ctl = calloc(1, sizeof(*ctl));
	unsigned int i;
	int ret = 0;

	if (ctl == NULL)
		return -ENOMEM;
	ctl->lfd = -1;
	ctl->ctx = *ctx;
	for (i = 0; i < TUSK_CTL_CLIENTS_MAX; i++)
		ctl->clients[i].fd = -1;
	if (path != NULL)
		ret = ctl_listen(ctl, path);
	if (ret < 0) {
		CTL_LOG(ERR, "cannot listen on %s: %s\n", path, strerror(-ret));
		tusk_ctl_close(ctl);
		return ret;
	}
	ret = tusk_ctl_impair_configure(ctl);
	if (ret < 0) {
		tusk_ctl_close(ctl);
		return ret;
	}
	if (path != NULL)
		CTL_LOG(INFO, "listening on %s\n", path);
	*out = ctl;
	return 0;
}

void
tusk_ctl_close(struct tusk_ctl *ctl)
{
	unsigned int i;

	if (ctl == NULL)
		return;
	tusk_ctl_capture_close(ctl);
	tusk_ctl_impair_reap(ctl, true);
	for (i = 0; i < TUSK_CTL_CLIENTS_MAX; i++) {
		if (ctl->clients[i].fd < 0)
			continue;
		(void)ctl_flush(&ctl->clients[i]);
		client_close(&ctl->clients[i]);
	}
	if (ctl->lfd >= 0)
		close(ctl->lfd);
	if (ctl->path[0] != '\0' && unlink(ctl->path) < 0 && errno != ENOENT)
		CTL_LOG(WARNING, "cannot remove %s: %s\n", ctl->path,
			strerror(errno));
	free(ctl);
}
