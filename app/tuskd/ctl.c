/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskd's control socket (see ctl.h): its commands and the read-only ones
 * themselves; the socket, framing and dispatch are app/ctl's.
 *
 *   tusk_ctl_poll() -> tusk_ctl_server_poll() -> tusk_ctl_cmd_handle()
 *                        -> cmd_table[] -> cmd_ports() ...
 *                   -> tusk_ctl_capture_drain(), tusk_ctl_impair_reap()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "ctl_priv.h"

RTE_LOG_REGISTER_SUFFIX(tusk_ctl_logtype, ctl, INFO);

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
cmd_ports(void *arg, json_t *args, json_t **result, char *err,
	  size_t errlen)
{
	struct tusk_ctl *ctl = arg;
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
	STAT(tcp_tx), STAT(tcp_steered), STAT(tcp_challenge_acks),
	STAT(tcp_challenge_conn_limited), STAT(tcp_challenge_global_limited),
	STAT(tcp_oow_ack_limited),
	STAT(tcp_syncookies_sent), STAT(tcp_syncookies_ok),
	STAT(tcp_syncookies_failed), STAT(tcp_mss_raised),
	STAT(udp_rx), STAT(udp_rx_no_cksum),
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
			json_object_set_new(drops, tusk_stats_drop_name(
					(enum tusk_drop)i), json_integer(
					(json_int_t)s->drops[i]));
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
cmd_stats(void *arg, json_t *args, json_t **result, char *err,
	  size_t errlen)
{
	struct tusk_ctl *ctl = arg;
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
		l = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			      "s:I}",
			      "lcore", (int)snap.lcore_id,
			      "clock_ms", (json_int_t)(snap.now_ns / 1000000),
			      "loops", (json_int_t)snap.loops,
			      "busy_loops", (json_int_t)snap.busy_loops,
			      "idle_ms", (json_int_t)(snap.idle_ns / 1000000),
			      "idle_sleeps", (json_int_t)snap.idle_sleeps,
			      "digest_bytes", (json_int_t)snap.digest_bytes,
			      "idle_slept_ms",
			      (json_int_t)(snap.idle_slept_ns / 1000000),
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
cmd_arp(void *arg, json_t *args, json_t **result, char *err,
	size_t errlen)
{
	struct tusk_ctl *ctl = arg;
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
cmd_xstats(void *arg, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	struct tusk_ctl *ctl = arg;
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
cmd_config(void *arg, json_t *args, json_t **result, char *err,
	   size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	*result = tusk_config_to_json(ctl->ctx.cfg);
	if (*result == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
cmd_quit(void *arg, json_t *args, json_t **result, char *err,
	 size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	CTL_LOG(NOTICE, "quit requested on the control socket\n");
	ctl->quit = true;
	*result = json_string("stopping");
	return 0;
}

/* Index of the port named by the request's "port", or -1 (err set). */
int
tusk_ctl_port_arg(const struct tusk_ctl *ctl, json_t *args, char *err,
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

static const char *const args_iperf3_client[] = {
	"host", "port", "time", "parallel", "reverse", "bidir", "udp",
	"bandwidth", "len", "cc", "omit", "window", "server_output", NULL,
};
static const char *const args_id[] = { "id", NULL };
static const char *const args_fetch[] = {
	"url", "dest", "streams", "token", "verify", "direct", NULL,
};
static const char *const args_cancel[] = { "id", "discard", NULL };
static const char *const args_twamp[] = { "host", "port", "count",
					  "interval", "size", "dscp", NULL };
static const char *const args_token[] = { "path", "activity", "ttl", NULL };

static const struct tusk_ctl_cmd cmd_table[] = {
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
	{ "token", tusk_ctl_token_cmd, args_token,
	  "mint a macaroon for the HTTP endpoint: path, activity (read, "
	  "create, modify, list, delete), ttl (s, default 3600)" },
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
	{ "twamp", tusk_ctl_twamp_cmd, args_twamp,
	  "TWAMP/STAMP test to a reflector, returns when done: host, port "
	  "(862), count (100), interval (10ms), size (44), dscp (0)" },
	{ "twamp_stats", tusk_ctl_twamp_stats_cmd, args_none,
	  "TWAMP reflector and control server counters per lcore" },
	{ "iperf3_client", tusk_ctl_iperf3_client_cmd, args_iperf3_client,
	  "iperf3 client test against host (port, time, parallel, reverse, "
	  "bidir, udp, bandwidth, len, cc, omit, window, server_output)" },
	{ "iperf3_result", tusk_ctl_iperf3_result_cmd, args_id,
	  "the client test id: running, or done with iperf3 -J's document" },
	{ "fetch", tusk_ctl_fetch_cmd, args_fetch,
	  "fetch url into the data root: url, dest, streams (range streams), "
	  "token (bearer token for the source), "
	  "verify (auto|adler32|crc32c|md5|sha-256|reread|none)" },
	{ "transfers", tusk_ctl_transfers_cmd, args_none,
	  "fetches with progress: bytes, rate, ETA, state, sha256, errors" },
	{ "cancel", tusk_ctl_cancel_cmd, args_cancel,
	  "stop a fetch (id); kept for resuming unless discard=true" },
	{ "watch", tusk_ctl_watch_cmd, args_none,
	  "events on this connection: a snapshot of the transfers, then "
	  "every state change and progress (1/s), numbered by seq" },
	{ "quit", cmd_quit, args_none, "stop tuskd and exit" },
};

/* ------------------------------------------------------------- serving */

static const struct tusk_ctl_cmds *
ctl_cmds(struct tusk_ctl *ctl)
{
	ctl->cmds = (struct tusk_ctl_cmds){
		.cmd = cmd_table, .n = RTE_DIM(cmd_table), .ctx = ctl,
	};
	return &ctl->cmds;
}

json_t *
tusk_ctl_handle(struct tusk_ctl *ctl, const char *line, size_t len)
{
	return tusk_ctl_cmd_handle(ctl_cmds(ctl), line, len);
}

bool
tusk_ctl_quit_requested(const struct tusk_ctl *ctl)
{
	return ctl->quit;
}

int
tusk_ctl_poll(struct tusk_ctl *ctl, int timeout_ms)
{
	int ret;

	if (tusk_ctl_capture_active(ctl))
		timeout_ms = RTE_MIN(timeout_ms, TUSK_CTL_CAPTURE_DRAIN_MS);
	if (tusk_ctl_events_subscribers(ctl->srv) > 0)
		timeout_ms = RTE_MIN(timeout_ms, TUSK_CTL_WATCH_POLL_MS);
	ret = tusk_ctl_server_poll(ctl->srv, timeout_ms);
	if (ret < 0)
		return ret;
	tusk_ctl_watch_poll(ctl);
	tusk_ctl_capture_drain(ctl);
	tusk_ctl_impair_reap(ctl, false);
	return ctl->quit ? 1 : 0;
}

/* ------------------------------------------------------- open and close */

int
tusk_ctl_open(const char *path, const struct tusk_ctl_ctx *ctx,
	      struct tusk_ctl **out)
{
	struct tusk_ctl *ctl = calloc(1, sizeof(*ctl));
	struct tusk_ctl_server_conf conf = {
		.path = path,
		.idle_timeout_ms = ctx->cfg->ctl_idle_timeout_s * 1000u,
		.snapshot = tusk_ctl_watch_snapshot,
	};
	char err[TUSK_CTL_REQUEST_MAX / 4];
	int ret;

	if (ctl == NULL)
		return -ENOMEM;
	ctl->ctx = *ctx;
	conf.cmds = *ctl_cmds(ctl);
	ret = tusk_ctl_server_open(&conf, &ctl->srv, err, sizeof(err));
	if (ret < 0) {
		CTL_LOG(ERR, "%s\n", err);
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
	if (ctl == NULL)
		return;
	tusk_ctl_capture_close(ctl);
	tusk_ctl_impair_reap(ctl, true);
	tusk_ctl_server_close(ctl->srv);
	free(ctl);
}
