/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the control socket's files: ctl.c (socket, dispatch,
 * read-only commands), ctl_capture.c (capture), ctl_impair.c (impair),
 * ctl_conns.c (TCP connections), ctl_http.c (the HTTP endpoint).
 */
#ifndef TUSK_CTL_PRIV_H
#define TUSK_CTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include <jansson.h>
#include <rte_log.h>

#include "config.h"
#include "ctl.h"
#include "impair.h"
#include "lcore.h"
#include "port.h"
#include "port_capture.h"

extern int tusk_ctl_logtype;
#define CTL_LOG(level, ...)                                                   \
	rte_log(RTE_LOG_##level, tusk_ctl_logtype, "ctl: " __VA_ARGS__)

/* While a capture runs the control thread wakes at least this often to
 * empty its ring: 4096 frames per 5 ms keeps up with ~800 kpps, the
 * af_packet rate of this machine class (notes/baselines.md). */
#define TUSK_CTL_CAPTURE_DRAIN_MS 5
/* Replaced impairment stages waiting for their last frames to come back;
 * each reconfiguration retires at most one per lcore and direction. */
#define TUSK_CTL_RETIRED_MAX 64

struct ctl_client {
	int fd;              /* -1: slot free */
	bool discarding;     /* dropping the rest of an overlong line */
	size_t in_len;
	char in[TUSK_CTL_REQUEST_MAX];
	char *out;
	size_t out_len, out_off, out_cap;
};

struct tusk_ctl {
	int lfd;
	bool quit;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct tusk_ctl_ctx ctx;
	struct ctl_client clients[TUSK_CTL_CLIENTS_MAX];
	/* running packet captures, by port index (ctl_capture.c) */
	struct tusk_port_capture *captures[TUSK_CONFIG_PORTS_MAX];
	/* impairment as last set, by port index and direction (ctl_impair.c) */
	struct tusk_impair_conf impair[TUSK_CONFIG_PORTS_MAX][TUSK_LCORE_DIRS];
	unsigned int impair_gen; /* names each new stage's pool uniquely */
	/* replaced stages whose copies are still out (NIC rings, TCP) */
	unsigned int n_retired;
	struct tusk_impair *retired[TUSK_CTL_RETIRED_MAX];
};

/* A command: fills *result (new reference) or writes a reason into err
 * and returns -1. `args` is the request object. */
typedef int (*ctl_cmd_fn)(struct tusk_ctl *ctl, json_t *args,
			  json_t **result, char *err, size_t errlen);

struct ctl_cmd {
	const char *name;
	ctl_cmd_fn fn;
	const char *const *args;  /* accepted argument keys, NULL-terminated */
	const char *help;
};

/* Index of the port named by the request's "port", or -1 (err set). */
int tusk_ctl_arg_port(const struct tusk_ctl *ctl, json_t *args, char *err,
		      size_t errlen);
/* An integer argument: a JSON integer or a string of digits (tuskctl
 * sends key=value as strings). `def` when absent; -1 when malformed. */
int64_t tusk_ctl_arg_uint(json_t *args, const char *key, int64_t def,
			  int64_t max, char *err, size_t errlen);

/* ctl_capture.c */
int tusk_ctl_capture_cmd_start(struct tusk_ctl *ctl, json_t *args,
			       json_t **result, char *err, size_t errlen);
int tusk_ctl_capture_cmd_stop(struct tusk_ctl *ctl, json_t *args,
			      json_t **result, char *err, size_t errlen);
/* Write what the lcores copied; close captures that are complete. */
void tusk_ctl_capture_drain(struct tusk_ctl *ctl);
/* Stop every capture (tuskd is stopping). */
void tusk_ctl_capture_close(struct tusk_ctl *ctl);
/* Is any capture running? */
bool tusk_ctl_capture_active(const struct tusk_ctl *ctl);

/* ctl_impair.c */
int tusk_ctl_impair_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
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
int tusk_ctl_bulk_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
		      char *err, size_t errlen);
int tusk_ctl_bulk_list_cmd(struct tusk_ctl *ctl, json_t *args,
			   json_t **result, char *err, size_t errlen);
int tusk_ctl_bulk_stop_cmd(struct tusk_ctl *ctl, json_t *args,
			   json_t **result, char *err, size_t errlen);

/* ctl_iperf3.c: the iperf3 server (app/svc/iperf3.h) */
int tusk_ctl_iperf3_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
			char *err, size_t errlen);

/* ctl_conns.c */
int tusk_ctl_conns_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
		       char *err, size_t errlen);

/* ctl_http.c */
int tusk_ctl_http_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
		      char *err, size_t errlen);

/* ctl_fetch.c: the fetch client (fetch, transfers, cancel) */
int tusk_ctl_fetch_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
		       char *err, size_t errlen);
int tusk_ctl_transfers_cmd(struct tusk_ctl *ctl, json_t *args,
			   json_t **result, char *err, size_t errlen);
int tusk_ctl_cancel_cmd(struct tusk_ctl *ctl, json_t *args, json_t **result,
			char *err, size_t errlen);

#endif /* TUSK_CTL_PRIV_H */
