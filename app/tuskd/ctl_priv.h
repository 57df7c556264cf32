/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the control socket's files: ctl.c (the command
 * table, read-only commands; the socket is app/ctl's ctl_server.c),
 * ctl_capture.c (capture), ctl_impair.c (impair), ctl_conns.c (TCP
 * connections), ctl_http.c (the HTTP endpoint), ctl_bulk.c, ctl_fetch.c,
 * ctl_watch.c (events).
 */
#ifndef TUSK_CTL_PRIV_H
#define TUSK_CTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_log.h>

#include "config.h"
#include "ctl_arg.h"
#include "ctl_events.h"
#include "ctl_server.h"
#include "ctl.h"
#include "impair.h"
#include "http_fetch.h"
#include "lcore.h"
#include "port.h"
#include "port_capture.h"

extern int tusk_ctl_logtype;
#define CTL_LOG(level, ...)                                                   \
	rte_log(RTE_LOG_##level, tusk_ctl_logtype, "ctl: " __VA_ARGS__)

/* While a capture runs the control thread wakes at least this often to
 * empty its ring: 4096 frames per 5 ms keeps up with ~800 kpps, the
 * af_packet rate of this machine class (0.81 Mpps of 64 B frames, README
 * "Reference figures"). */
#define TUSK_CTL_CAPTURE_DRAIN_MS 5
/* Replaced impairment stages waiting for their last frames to come back;
 * each reconfiguration retires at most one per lcore and direction. */
#define TUSK_CTL_RETIRED_MAX 64

/* While someone watches, the control thread reads the fetch client's
 * state changes this often: a change reaches subscribers within it. */
#define TUSK_CTL_WATCH_POLL_MS 100
/* A running transfer's progress is published at most this often (issue
 * 12: a bounded rate per transfer). */
#define TUSK_CTL_WATCH_PROGRESS_MS 1000

/* What `watch` has published (ctl_watch.c). */
struct tusk_ctl_watch {
	uint64_t cursor;         /* fetch changes published up to this seq */
	uint64_t polled_ms, progress_ms;
	unsigned int n_sent;     /* progress last published, per transfer */
	struct {
		uint32_t id;
		int64_t bytes;
	} sent[TUSK_FETCH_TRANSFERS_MAX];
};

struct tusk_ctl {
	struct tusk_ctl_server *srv;
	struct tusk_ctl_cmds cmds;  /* cmd_table[] with this ctl as context */
	bool quit;
	struct tusk_ctl_watch watch;
	struct tusk_ctl_ctx ctx;
	/* running packet captures, by port index (ctl_capture.c) */
	struct tusk_port_capture *captures[TUSK_CONFIG_PORTS_MAX];
	/* impairment as last set, by port index and direction (ctl_impair.c) */
	struct tusk_impair_conf impair[TUSK_CONFIG_PORTS_MAX][TUSK_LCORE_DIRS];
	unsigned int impair_gen; /* names each new stage's pool uniquely */
	/* replaced stages whose copies are still out (NIC rings, TCP) */
	unsigned int n_retired;
	struct tusk_impair *retired[TUSK_CTL_RETIRED_MAX];
};

/* Index of the port named by the request's "port", or -1 (err set). */
int tusk_ctl_port_arg(const struct tusk_ctl *ctl, json_t *args, char *err,
		      size_t errlen);

/* ctl_capture.c */
int tusk_ctl_capture_cmd_start(void *arg, json_t *args,
			       json_t **result, char *err, size_t errlen);
int tusk_ctl_capture_cmd_stop(void *arg, json_t *args,
			      json_t **result, char *err, size_t errlen);
/*
 * Create `rel` new under cfg's capture_dir: a name or a relative path
 * without "." or ".." components, resolved beneath the directory with no
 * symlink anywhere (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), the
 * file itself O_CREAT | O_EXCL | O_NOFOLLOW, mode 0640; capture_dir is
 * created (mode 0750) when missing and refused when it is under
 * data_root. The fd and its full name in path, or -1 (err set).
 */
int tusk_ctl_capture_file_open(const struct tusk_config *cfg, const char *rel,
			       char *path, size_t pathlen, char *err,
			       size_t errlen);
/* Write what the lcores copied; close captures that are complete. */
void tusk_ctl_capture_drain(struct tusk_ctl *ctl);
/* Stop every capture (tuskd is stopping). */
void tusk_ctl_capture_close(struct tusk_ctl *ctl);
/* Is any capture running? */
bool tusk_ctl_capture_active(const struct tusk_ctl *ctl);

/* ctl_impair.c */
int tusk_ctl_impair_cmd(void *arg, json_t *args, json_t **result,
			char *err, size_t errlen);
/* {"tx": {...}, "rx": {...}} of port i, or null when unimpaired. */
json_t *tusk_ctl_impair_json(struct tusk_ctl *ctl, unsigned int i);
/* Free retired stages whose frames have all come back; at close, give up
 * on the rest (the process is exiting). */
void tusk_ctl_impair_reap(struct tusk_ctl *ctl, bool closing);
/* Install the stages the [port] impair_* keys ask for (at open, before
 * the lcores run). 0, or -EINVAL / -ENOMEM (logged). */
int tusk_ctl_impair_configure(struct tusk_ctl *ctl);

/* ctl_bulk.c: the bulk service (app/svc/bulk.h) */
int tusk_ctl_bulk_cmd(void *arg, json_t *args, json_t **result,
		      char *err, size_t errlen);
int tusk_ctl_bulk_list_cmd(void *arg, json_t *args,
			   json_t **result, char *err, size_t errlen);
int tusk_ctl_bulk_stop_cmd(void *arg, json_t *args,
			   json_t **result, char *err, size_t errlen);

/* ctl_iperf3.c: the iperf3 server (app/svc/iperf3.h) */
int tusk_ctl_iperf3_cmd(void *arg, json_t *args, json_t **result,
			char *err, size_t errlen);

/* ctl_twamp.c: TWAMP sender runs and counters (app/svc/twamp.h) */
int tusk_ctl_twamp_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen);
int tusk_ctl_twamp_stats_cmd(void *arg, json_t *args, json_t **result,
			     char *err, size_t errlen);

/* ctl_conns.c */
int tusk_ctl_conns_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen);

/* ctl_http.c */
int tusk_ctl_http_cmd(void *arg, json_t *args, json_t **result,
		      char *err, size_t errlen);

/* ctl_token.c: mint an appliance macaroon */
int tusk_ctl_token_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen);

/* ctl_fetch.c: the fetch client (fetch, transfers, cancel) */
int tusk_ctl_fetch_cmd(void *arg, json_t *args, json_t **result,
		       char *err, size_t errlen);
int tusk_ctl_transfers_cmd(void *arg, json_t *args,
			   json_t **result, char *err, size_t errlen);
/* The lcore running the fetch client, or NULL. */
struct tusk_lcore *tusk_ctl_fetch_lcore(struct tusk_ctl *ctl);
int tusk_ctl_cancel_cmd(void *arg, json_t *args, json_t **result,
			char *err, size_t errlen);

/* ctl_watch.c: `watch` (events of the fetch client) */
int tusk_ctl_watch_cmd(void *arg, json_t *args, json_t **result, char *err,
		       size_t errlen);
/* The snapshot a subscription starts with (tusk_ctl_snapshot_fn). */
json_t *tusk_ctl_watch_snapshot(void *arg);
/* Publish what changed since the last call, at most every
 * TUSK_CTL_WATCH_POLL_MS, while anyone watches. */
void tusk_ctl_watch_poll(struct tusk_ctl *ctl);

#endif /* TUSK_CTL_PRIV_H */
