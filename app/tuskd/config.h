/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config: tuskd.conf, the one file an operator writes (DESIGN.md).
 *
 *   [eal]         args = -l 0-1 --in-memory
 *   [tuskd]       lcores, data_root, control_socket, log_level,
 *                 profile_dir, arp_timeout_s
 *   [port NAME]   device, profile, address, gateway, mtu, rx_desc,
 *                 tx_desc, devargs, impair_* (1..TUSK_CONFIG_PORTS_MAX)
 *   [auth]        mode, name, macaroon_secret, anon_read (config_auth.c)
 *   [issuer NAME] iss, jwks (0..TUSK_CONFIG_ISSUERS_MAX trusted issuers)
 *
 * Every key is documented in app/tuskd/README.md and in the schema tables
 * in config.c. Loading also loads each port's profile (pmdcfg/profile.h)
 * and checks the port against it (mtu no larger than the profile's).
 *
 * Errors are one line "<file>:<line>: <key>: <reason>" (or "<file>: cannot
 * open: <strerror>") in the caller's buffer, and the functions return
 * -EINVAL (-ENOMEM only if memory ran out); mains print the line and exit
 * with TUSK_CONFIG_EXIT_CODE.
 *
 *   struct tusk_config cfg;
 *   char err[TUSK_CFG_ERR_MAX];
 *   if (tusk_config_load(path, &cfg, err, sizeof(err)) < 0 ||
 *       tusk_config_override(&cfg, "tuskd.lcores=2", err, sizeof(err)) < 0)
 *           { fprintf(stderr, "%s\n", err); exit(TUSK_CONFIG_EXIT_CODE); }
 *   ...
 *   tusk_config_free(&cfg);
 */
#ifndef TUSK_CONFIG_H
#define TUSK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_byteorder.h>

#include "cfgfile.h"
#include "cfgschema.h"
#include "profile.h"

/* Exit status of a main that rejects its configuration. */
#define TUSK_CONFIG_EXIT_CODE 2

/* Ports per tuskd: a data port or two and a management port, with room to
 * spare; matches TUSK_STACK_MAX_IFACES. */
#define TUSK_CONFIG_PORTS_MAX 8
/* Port names are short labels used in logs and the control socket. */
#define TUSK_CONFIG_PORT_NAME_MAX 32
/* A PCI address or a vdev string "net_af_packet0,iface=veth0,...". */
#define TUSK_CONFIG_DEVICE_MAX 256
/* struct sockaddr_un.sun_path is 108 bytes on Linux (unix(7)). */
#define TUSK_CONFIG_SOCKET_PATH_MAX 108
/* Paths: PATH_MAX on Linux. */
#define TUSK_CONFIG_PATH_MAX 4096
/* Room for the [eal] args string, and for the argv built from it. */
#define TUSK_CONFIG_EAL_ARGS_MAX 1024
#define TUSK_CONFIG_EAL_ARGV_MAX 64
/* Room for the keys of a [port] section (config_port.c has 19 today). */
#define TUSK_CONFIG_PORT_KEYS_MAX 24

/* Trusted token issuers: as many as app/auth keeps (a site trusts its
 * VOs' few issuers). */
#define TUSK_CONFIG_ISSUERS_MAX 8
/* An issuer URL or the appliance's name (app/auth TUSK_AUTH_JWT_NAME_MAX). */
#define TUSK_CONFIG_AUTH_NAME_MAX 256
/* anon_read: a few path prefixes, space-separated; as many as the HTTP
 * endpoint keeps (app/svc/http_auth.h TUSK_HTTP_AUTH_ANON_MAX). */
#define TUSK_CONFIG_ANON_READ_MAX 1024
#define TUSK_CONFIG_ANON_PREFIXES_MAX 16

/* [auth] mode. */
enum tusk_config_auth_mode {
	TUSK_CONFIG_AUTH_REQUIRED = 0, /* every request needs a token */
	TUSK_CONFIG_AUTH_OFF = 1,      /* no checks: said explicitly */
};

/* [issuer NAME]: a token issuer trusted, with its keys. */
struct tusk_config_issuer {
	char name[TUSK_CONFIG_PORT_NAME_MAX];     /* NAME in [issuer NAME] */
	char iss[TUSK_CONFIG_AUTH_NAME_MAX];      /* the tokens' "iss" */
	char jwks[TUSK_CONFIG_PATH_MAX];          /* its JWKS file */
	unsigned int line;                        /* [issuer NAME] line */
};

/* [auth]: who may use the HTTP endpoint (app/svc/http_auth.h). */
struct tusk_config_auth {
	uint32_t mode;                            /* tusk_config_auth_mode */
	char name[TUSK_CONFIG_AUTH_NAME_MAX];     /* audience, location */
	char macaroon_secret[TUSK_CONFIG_PATH_MAX]; /* "": mint none */
	char anon_read[TUSK_CONFIG_ANON_READ_MAX];  /* "": none */
	unsigned int name_line, anon_line;        /* 0: command line */
	unsigned int n_issuers;
	struct tusk_config_issuer issuers[TUSK_CONFIG_ISSUERS_MAX];
};

/* [port] impair_dir: which frames the start-up impairment applies to. */
enum tusk_config_impair_dir {
	TUSK_CONFIG_IMPAIR_TX = 0,   /* what tuskd sends (netem's egress) */
	TUSK_CONFIG_IMPAIR_RX = 1,   /* what it receives */
	TUSK_CONFIG_IMPAIR_BOTH = 2,
};

/* [port] impair_* keys: the impairment stage (drivers/impair.h) a port
 * starts with, in the units of the control socket's "impair" command;
 * all settings 0 (the default): none. */
struct tusk_config_impair {
	uint32_t dir;             /* enum tusk_config_impair_dir */
	uint32_t delay_ms;
	uint32_t jitter_ms;
	uint32_t rate_mbps;       /* 0: unlimited */
	uint32_t loss_ppm;
	uint32_t burst_enter_ppm;
	uint32_t burst_exit_ppm;
	uint32_t burst_loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint32_t limit;           /* frames held; 0: the stage's default */
};

struct tusk_config_port {
	char name[TUSK_CONFIG_PORT_NAME_MAX];     /* NAME in [port NAME] */
	char device[TUSK_CONFIG_DEVICE_MAX];      /* PCI address or vdev */
	char profile[TUSK_CONFIG_PATH_MAX];       /* name or path */
	struct tusk_cfg_ipv4_prefix address;      /* our address/prefix */
	rte_be32_t gateway;                       /* 0: none */
	uint32_t mtu;            /* effective: override or profile's */
	uint32_t rx_desc;        /* effective: override or profile's */
	uint32_t tx_desc;        /* effective: override or profile's */
	char devargs[TUSK_PROFILE_DEVARGS_MAX];   /* extra vdev args */
	struct tusk_config_impair impair;         /* impair_* keys */
	struct tusk_profile prof;                 /* the loaded profile */

	/* private: the overrides as set (0: take the profile's), and the
	 * line each key came from (0: command line; the [port] line for a
	 * default), indexed like the schema table in config.c */
	unsigned int line;                        /* [port NAME] line */
	uint32_t mtu_set, rx_desc_set, tx_desc_set;
	unsigned int key_line[TUSK_CONFIG_PORT_KEYS_MAX];
};

/* [tuskd] fetch_writer: who writes a fetch's batches (file_writeq.h). */
enum tusk_fetch_writer_mode {
	TUSK_FETCH_WRITER_AUTO = 0,
	TUSK_FETCH_WRITER_THREAD = 1,
	TUSK_FETCH_WRITER_LCORE = 2,
};

/* [tuskd] poll: how a worker lcore waits for frames (lcore_idle.h). */
enum tusk_poll_mode {
	TUSK_POLL_BUSY = 0,
	TUSK_POLL_ADAPTIVE = 1,
};

struct tusk_config {
	char path[TUSK_CONFIG_PATH_MAX];  /* file loaded, "" if none */

	/* [eal] */
	char eal_args[TUSK_CONFIG_EAL_ARGS_MAX];

	/* [tuskd] */
	uint32_t lcores;                  /* worker lcores, >= 1 */
	char data_root[TUSK_CONFIG_PATH_MAX];
	char control_socket[TUSK_CONFIG_SOCKET_PATH_MAX];
	uint32_t ctl_idle_timeout_s;      /* idle control clients closed */
	char capture_dir[TUSK_CONFIG_PATH_MAX]; /* `capture` writes only here */
	uint32_t log_level;               /* RTE_LOG_EMERG(1)..RTE_LOG_DEBUG(8) */
	char profile_dir[TUSK_CONFIG_PATH_MAX];
	uint32_t arp_timeout_s;           /* ARP cache entry lifetime */
	/* services (app/svc) */
	uint32_t http_port;               /* HTTP file endpoint; 0: off */
	uint32_t http_put_max_mb;         /* largest PUT body (413 above) */
	uint32_t http_conns_max;          /* HTTP connections per lcore */
	uint32_t http_idle_timeout_s;     /* keep-alive idle */
	uint32_t http_head_timeout_s;     /* whole request head */
	uint32_t http_body_rate_min;      /* request body bytes/s */
	uint32_t http_send_timeout_s;     /* from the last acked byte */
	uint32_t http_source_conns_max;   /* per source address, per lcore */
	uint32_t http_source_conns_total; /* per source address, all lcores */
	uint32_t http_source_pool_pct;    /* data pool share of a source */
	uint32_t https_port;              /* HTTPS endpoint; 0: off */
	char tls_cert[TUSK_CONFIG_PATH_MAX]; /* "": no HTTPS */
	char tls_key[TUSK_CONFIG_PATH_MAX];
	char tls_ca[TUSK_CONFIG_PATH_MAX];   /* https:// fetches; "": system */
	/* lines of https_port, tls_cert, tls_key, tls_ca (0: default or
	 * command line), for the errors of config_tls.c */
	unsigned int tls_line[4];
	uint32_t data_pool_mb;            /* payload mbufs per lcore */
	uint32_t fetch_streams;           /* default parallel range streams */
	uint32_t digest_threads;          /* SHA-256 worker threads */
	uint32_t digest_assist_us;        /* idle lcore's digest chunk; 0 off */
	uint32_t poll;                    /* enum tusk_poll_mode */
	uint32_t fetch_writer;            /* enum tusk_fetch_writer_mode */
	uint32_t bulk_port;               /* bulk discard sink; 0: off */
	uint32_t iperf3_port;             /* iperf3 server; 0: off */
	uint32_t iperf3_timeout_s;        /* abandoned iperf3 tests */
	uint32_t twamp_port;              /* TWAMP reflector + control; 0: off */

	/* [auth], [issuer NAME] (config_auth.c) */
	struct tusk_config_auth auth;

	/* [port NAME] in file order */
	unsigned int nports;
	struct tusk_config_port ports[TUSK_CONFIG_PORTS_MAX];

	/* private: scratch for tusk_config_eal_argv() */
	char eal_buf[TUSK_CONFIG_EAL_ARGS_MAX];
};

/* HTTPS is on: https_port set and a certificate configured. */
bool tusk_config_https(const struct tusk_config *cfg);

/* Fill cfg with every default (no ports). */
void tusk_config_defaults(struct tusk_config *cfg);

/*
 * Load, validate and resolve tuskd.conf into cfg (which need not be
 * initialised). Returns 0 or -EINVAL (err: "<file>:<line>: <key>: <reason>"
 * or "<file>: cannot open: <strerror>").
 */
int tusk_config_load(const char *path, struct tusk_config *cfg,
		     char *err, size_t errlen);

/* Same, from text in memory; `name` stands in for the file name (and,
 * as for a file, relative paths are taken from its directory). */
int tusk_config_parse(const char *name, const char *text,
		      struct tusk_config *cfg, char *err, size_t errlen);

/*
 * Apply one command-line override, "section.key=value" (eal.args,
 * tuskd.lcores, ...) or "port.NAME.key=value" for an existing port, with the
 * same validation as the file; errors start with "<command line>: ".
 * Changing a port's profile, mtu or descriptors or tuskd.profile_dir
 * re-resolves the ports. All or nothing: on error cfg is unchanged.
 * Returns 0 or -EINVAL. (To change related keys together, use
 * tusk_config_overrides.)
 */
int tusk_config_override(struct tusk_config *cfg, const char *assignment,
			 char *err, size_t errlen);

/*
 * The device string to probe: the port's device, then the profile's default
 * devargs, then the port's devargs, merged as key=value lists where a later
 * value for the same key wins (so a port can override framesz=...).
 * "net_af_packet0,iface=veth0" + "framesz=16384,qpairs=1" + "qpairs=2" ->
 * "net_af_packet0,iface=veth0,framesz=16384,qpairs=2". Returns 0 or
 * -ENAMETOOLONG.
 */
int tusk_config_port_devstr(const struct tusk_config_port *port, char *buf,
			    size_t len);

/* Whether the port's device is a vdev ("net_...") rather than PCI. */
bool tusk_config_port_is_vdev(const struct tusk_config_port *port);

/*
 * Apply n overrides as one: each value is validated as it is set, the
 * cross-checks (profiles, MTU, uniqueness) run once all are set, so
 * "port.p.device=net_tap0" and "port.p.profile=tap" can go together.
 * All or nothing: on error cfg is unchanged. Returns 0 or -EINVAL.
 */
int tusk_config_overrides(struct tusk_config *cfg,
			  const char *const *assignments, unsigned int n,
			  char *err, size_t errlen);

/* The port named `name`, or NULL. */
struct tusk_config_port *tusk_config_port(struct tusk_config *cfg,
					  const char *name);

/*
 * Split [eal] args on whitespace into argv (argv[0] = prog), NULL-
 * terminated, pointing into cfg's scratch buffer (valid until the next
 * call or tusk_config_free). Returns argc, or -E2BIG if more than
 * argv_max - 1 words.
 */
int tusk_config_eal_argv(struct tusk_config *cfg, const char *prog,
			 char **argv, int argv_max);

/* The effective configuration as JSON (for the control socket and
 * --check-config): {"path", "eal": {...}, "tuskd": {...}, "ports": [...]},
 * each port with its profile. New reference, NULL on allocation failure. */
json_t *tusk_config_to_json(const struct tusk_config *cfg);

/* Release what cfg holds (nothing today: cfg is plain data; call it anyway
 * so that a later version may allocate). */
void tusk_config_free(struct tusk_config *cfg);

#endif /* TUSK_CONFIG_H */
