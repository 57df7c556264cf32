/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskd's control socket: a UNIX stream socket, one JSON object per line
 * each way (jansson).
 *
 *   request:  {"cmd": "stats"}         {"cmd": "xstats", "port": "data0"}
 *   response: {"ok": true, "result": {...}}
 *             {"ok": false, "error": "reason"}
 *
 * Commands (tusk_ctl_handle; `help` lists them):
 *   ports   every port: name, device, driver, MAC, address, MTU, link,
 *           offloads (hw/sw), counters
 *   stats   stack counters summed over the lcores, every drop reason by
 *           name (stats.h), and the same per lcore
 *   xstats  the PMD's extended counters per port ("port": NAME for one)
 *   arp     the ARP caches of every lcore
 *   conns   every TCP connection: tuple, state, cc, cwnd, RTT, rates,
 *           bytes, retransmissions, windows (ctl_conns.c)
 *   config  the effective configuration
 *   capture        write a port's frames (both directions) to a pcap file:
 *                  "port", "file" (a new file under [tuskd] capture_dir),
 *                  "count" (default 1000), "snaplen" (default whole
 *                  frames); stops by itself
 *   capture_stop   end a port's capture early ("port")
 *   impair  emulate a long fat path on a port (drivers/impair.h): "port",
 *           "dir" (tx default, rx, both), "delay_ms", "rate_mbps",
 *           "loss_ppm", "dup_ppm", "reorder_ppm", "limit"; "clear"
 *           removes; with no setting it reports settings and counters
 *   bulk, bulk_list, bulk_stop   the bulk service (ctl_bulk.c)
 *   fetch, transfers, cancel     the fetch client (ctl_fetch.c)
 *   watch   events on this connection: a snapshot of the transfers, every
 *           state change, progress (ctl_watch.c)
 *   quit    stop tuskd (lcores, ports, socket) and exit 0
 *
 * The socket, its framing and limits, dispatch and `help` are the shared
 * control-socket library's (app/ctl: ctl_server.h, ctl_proto.h): a bad
 * request gets an error response and the connection stays open.
 * Everything runs on the main lcore from
 * tusk_ctl_poll(): non-blocking sockets and poll(), no threads, and the
 * lcores are only ever asked for copies (lcore.h).
 */
#ifndef TUSK_CTL_H
#define TUSK_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ctl_proto.h"

/* How long a command waits for an lcore to copy its counters: the loop
 * answers within one iteration, so this only trips on a stuck lcore. */
#define TUSK_CTL_SNAPSHOT_TIMEOUT_MS 200

struct tusk_config;
struct tusk_http_auth;
struct tusk_lcore;
struct tusk_port;

/* What the commands report on; owned by the caller, outlives the ctl. */
struct tusk_ctl_ctx {
	const struct tusk_config *cfg;
	const struct tusk_port *ports;  /* in cfg->ports order */
	unsigned int n_ports;
	struct tusk_lcore *const *lcores;
	unsigned int n_lcores;
	/* tusk_services_tick() while a command holds the thread (twamp) */
	struct tusk_services *services;
	/* the HTTP endpoint's access policy: `token` mints with its
	 * macaroon secret (NULL: no endpoint, nothing to mint for) */
	const struct tusk_http_auth *auth;
};

struct tusk_ctl;
struct tusk_services;

/*
 * Listen on `path` (creating its directory; replacing a stale socket but
 * never a live one or a file that is not a socket). 0 or -errno; a reason
 * is logged.
 */
int tusk_ctl_open(const char *path, const struct tusk_ctl_ctx *ctx,
		  struct tusk_ctl **out);

/*
 * Serve clients for at most `timeout_ms`. Returns 1 once `quit` has been
 * asked for, else 0 (or -errno if poll fails).
 */
int tusk_ctl_poll(struct tusk_ctl *ctl, int timeout_ms);

/* Answer one request line (without its newline): the response object (new
 * reference; NULL only on allocation failure). Used by tusk_ctl_poll and
 * by tests. */
json_t *tusk_ctl_handle(struct tusk_ctl *ctl, const char *line, size_t len);

/* Has a client asked for `quit`? */
bool tusk_ctl_quit_requested(const struct tusk_ctl *ctl);

/* Flush what can be sent, close every connection, remove the socket. */
void tusk_ctl_close(struct tusk_ctl *ctl);

#endif /* TUSK_CTL_H */
