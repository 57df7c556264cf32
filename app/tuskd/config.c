/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config: tuskd.conf sections, command-line overrides, JSON dump.
 *
 *   tusk_config_load() -> tusk_cfgfile_load() -> from_cfgfile()
 *     -> apply_section() -> tusk_cfgschema_apply()
 *     -> tusk_config_resolve()            (config_port.c: profiles, checks)
 *   tusk_config_overrides() -> set_one() -> split_assignment()
 *                                      -> tusk_cfgschema_set()
 *                           -> tusk_config_resolve()
 *                           -> tusk_config_tls_check() (config_tls.c)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>

#include "config.h"
#include "config_priv.h"
#include "ctl_proto.h"

/* Worker lcores: one lcore is EAL's main (control), the rest may work. */
#define CONFIG_LCORES_MAX (RTE_MAX_LCORE - 1)
/* An ARP entry lives at least a second; a day is far past any cache
 * (Linux: base_reachable_time 30 s; RFC 1122 2.3.2.1 asks for timeouts). */
#define CONFIG_ARP_TIMEOUT_MAX 86400

/* HTTP connections per lcore: each holds a head buffer and file state;
 * 65536 is far past what one lcore's bandwidth can share usefully. */
#define CONFIG_HTTP_CONNS_MAX 65536
/* HTTP deadlines: an hour is far past any honest client's pause and
 * keeps the arithmetic in nanoseconds far from overflow. */
#define CONFIG_HTTP_TIMEOUT_MAX_S 3600
/* Keep-alive idle: a day, as arp_timeout_s. */
#define CONFIG_HTTP_IDLE_MAX_S 86400
/* Payload pool per lcore: 16 MiB holds a 1 Gbit/s x 100 ms window; 64 GiB
 * is more memory than a DTN gives one core. */
#define CONFIG_DATA_POOL_MIN_MB 16
#define CONFIG_DATA_POOL_MAX_MB 65536
/* Streams of one fetch: more than 64 connections to one server is abuse
 * of it and buys nothing a window cannot. */
#define CONFIG_FETCH_STREAMS_MAX 64
/* A control client idle a day is a leak, not a user. */
#define CONFIG_CTL_IDLE_MAX 86400
/* SHA-256 threads: one hashes ~1.2 GB/s here (README "Reference figures"). */
#define CONFIG_DIGEST_THREADS_MAX 16
/* An lcore's digest chunk in an idle iteration (lcore.c): above 1 ms a
 * frame that comes meanwhile waits longer than a TCP timer tick. */
#define CONFIG_DIGEST_ASSIST_MAX_US 1000

static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	NULL,
};

/* [tuskd] poll, in the order of enum tusk_poll_mode (config.h) */
static const char *const poll_modes[] = { "busy", "adaptive", NULL };
/* [tuskd] fetch_writer, in the order of enum tusk_fetch_writer_mode */
static const char *const fetch_writers[] = { "auto", "thread", "lcore",
					      NULL };

static const struct tusk_cfgschema_key eal_keys[] = {
	{ .name = "args", .type = TUSK_CFG_STRING, .def = "",
	  .offset = offsetof(struct tusk_config, eal_args),
	  .size = TUSK_CONFIG_EAL_ARGS_MAX,
	  .desc = "arguments for rte_eal_init, split on whitespace "
		  "(e.g. \"-l 0-1 --in-memory\")" },
};

static const struct tusk_cfgschema_key tuskd_keys[] = {
	{ .name = "lcores", .type = TUSK_CFG_UINT, .def = "1",
	  .min = 1, .max = CONFIG_LCORES_MAX,
	  .offset = offsetof(struct tusk_config, lcores),
	  .desc = "worker lcores, each running a share-nothing stack" },
	{ .name = "data_root", .type = TUSK_CFG_PATH, .def = "/var/lib/tusk",
	  .offset = offsetof(struct tusk_config, data_root),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "directory that transferred files are read from and "
		  "written under" },
	{ .name = "control_socket", .type = TUSK_CFG_PATH,
	  .def = TUSK_CTL_TUSKD_SOCKET,
	  .offset = offsetof(struct tusk_config, control_socket),
	  .size = TUSK_CONFIG_SOCKET_PATH_MAX,
	  .desc = "UNIX socket of the JSON control interface" },
	{ .name = "ctl_idle_timeout_s", .type = TUSK_CFG_UINT, .def = "300",
	  .min = 1, .max = CONFIG_CTL_IDLE_MAX,
	  .offset = offsetof(struct tusk_config, ctl_idle_timeout_s),
	  .desc = "control clients that send and read nothing this many "
		  "seconds are closed (watch subscribers excepted)" },
	{ .name = "capture_dir", .type = TUSK_CFG_PATH,
	  .def = "/var/lib/tusk-capture",
	  .offset = offsetof(struct tusk_config, capture_dir),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "the only directory `capture` writes pcap files into "
		  "(created new, never over a file); not under data_root" },
	{ .name = "log_level", .type = TUSK_CFG_ENUM, .def = "info",
	  .min = RTE_LOG_EMERG, .choices = log_levels,
	  .offset = offsetof(struct tusk_config, log_level),
	  .desc = "emerg, alert, crit, err, warning, notice, info or debug" },
	{ .name = "profile_dir", .type = TUSK_CFG_PATH,
	  .offset = offsetof(struct tusk_config, profile_dir),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "directory of PMD profiles (default: the source tree's "
		  "pmdcfg/profiles)" },
	{ .name = "arp_timeout_s", .type = TUSK_CFG_UINT, .def = "300",
	  .min = 1, .max = CONFIG_ARP_TIMEOUT_MAX,
	  .offset = offsetof(struct tusk_config, arp_timeout_s),
	  .desc = "ARP cache entry lifetime in seconds" },
	{ .name = "http_port", .type = TUSK_CFG_UINT, .def = "80",
	  .min = 0, .max = UINT16_MAX,
	  .offset = offsetof(struct tusk_config, http_port),
	  .desc = "TCP port of the HTTP/1.1 file endpoint on data_root; "
		  "0: no endpoint" },
	{ .name = "http_put_max_mb", .type = TUSK_CFG_UINT, .def = "4194304",
	  .min = 1, .max = UINT32_MAX,
	  .offset = offsetof(struct tusk_config, http_put_max_mb),
	  .desc = "largest PUT body in MiB; larger ones get 413" },
	{ .name = "http_conns_max", .type = TUSK_CFG_UINT, .def = "1024",
	  .min = 1, .max = CONFIG_HTTP_CONNS_MAX,
	  .offset = offsetof(struct tusk_config, http_conns_max),
	  .desc = "HTTP connections per lcore; when full, a newcomer "
		  "closes the oldest idle one, or is reset" },
	{ .name = "http_idle_timeout_s", .type = TUSK_CFG_UINT, .def = "60",
	  .min = 1, .max = CONFIG_HTTP_IDLE_MAX_S,
	  .offset = offsetof(struct tusk_config, http_idle_timeout_s),
	  .desc = "seconds a kept-alive HTTP connection may wait for its "
		  "next request" },
	{ .name = "http_head_timeout_s", .type = TUSK_CFG_UINT, .def = "10",
	  .min = 1, .max = CONFIG_HTTP_TIMEOUT_MAX_S,
	  .offset = offsetof(struct tusk_config, http_head_timeout_s),
	  .desc = "seconds to receive a whole request head (from the "
		  "connection, or its first byte); then 408 and close" },
	{ .name = "http_body_rate_min", .type = TUSK_CFG_UINT, .def = "1024",
	  .min = 1, .max = UINT32_MAX,
	  .offset = offsetof(struct tusk_config, http_body_rate_min),
	  .desc = "bytes/s a request body must average over each 10 s; "
		  "slower uploads are aborted" },
	{ .name = "http_send_timeout_s", .type = TUSK_CFG_UINT, .def = "30",
	  .min = 1, .max = CONFIG_HTTP_TIMEOUT_MAX_S,
	  .offset = offsetof(struct tusk_config, http_send_timeout_s),
	  .desc = "seconds a response may wait for the client to "
		  "acknowledge a new byte; then aborted" },
	{ .name = "http_source_conns_max", .type = TUSK_CFG_UINT, .def = "64",
	  .min = 1, .max = CONFIG_HTTP_CONNS_MAX,
	  .offset = offsetof(struct tusk_config, http_source_conns_max),
	  .desc = "HTTP connections of one source address per lcore; more "
		  "are reset" },
	{ .name = "http_source_conns_total", .type = TUSK_CFG_UINT,
	  .def = "128", .min = 1, .max = UINT32_MAX,
	  .offset = offsetof(struct tusk_config, http_source_conns_total),
	  .desc = "HTTP connections of one source address on all lcores; "
		  "more are reset" },
	{ .name = "http_source_pool_pct", .type = TUSK_CFG_UINT, .def = "50",
	  .min = 1, .max = 100,
	  .offset = offsetof(struct tusk_config, http_source_pool_pct),
	  .desc = "percent of an lcore's data pool the responses to one "
		  "source address may hold" },
	{ .name = "https_port", .type = TUSK_CFG_UINT, .def = "443",
	  .min = 0, .max = UINT16_MAX,
	  .offset = offsetof(struct tusk_config, https_port),
	  .desc = "TCP port of the HTTPS file endpoint (the HTTP endpoint "
		  "over TLS 1.3), on when tls_cert is set; 0: off" },
	{ .name = "tls_cert", .type = TUSK_CFG_PATH,
	  .offset = offsetof(struct tusk_config, tls_cert),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "PEM certificate chain of the HTTPS endpoint, leaf "
		  "first; unset: no HTTPS" },
	{ .name = "tls_key", .type = TUSK_CFG_PATH,
	  .offset = offsetof(struct tusk_config, tls_key),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "PEM private key of tls_cert" },
	{ .name = "tls_ca", .type = TUSK_CFG_PATH,
	  .offset = offsetof(struct tusk_config, tls_ca),
	  .size = TUSK_CONFIG_PATH_MAX,
	  .desc = "PEM CA certificates https:// fetches verify servers "
		  "against; unset: the system's (/etc/ssl/certs)" },
	{ .name = "data_pool_mb", .type = TUSK_CFG_UINT, .def = "256",
	  .min = CONFIG_DATA_POOL_MIN_MB, .max = CONFIG_DATA_POOL_MAX_MB,
	  .offset = offsetof(struct tusk_config, data_pool_mb),
	  .desc = "payload buffers per lcore in MiB (file data in flight); "
		  "bounds memory: transfers wait when it is in use" },
	{ .name = "fetch_streams", .type = TUSK_CFG_UINT, .def = "4",
	  .min = 1, .max = CONFIG_FETCH_STREAMS_MAX,
	  .offset = offsetof(struct tusk_config, fetch_streams),
	  .desc = "parallel range streams of a fetch that names none" },
	{ .name = "fetch_writer", .type = TUSK_CFG_ENUM, .def = "auto",
	  .min = TUSK_FETCH_WRITER_AUTO, .choices = fetch_writers,
	  .offset = offsetof(struct tusk_config, fetch_writer),
	  .desc = "who writes a fetch's 512 KiB batches to the file: a "
		  "writer thread (the lcore fills the next batch meanwhile), "
		  "the polling lcore itself (no thread woken per batch: for "
		  "hosts where every core runs a poller), or auto: the "
		  "thread where the host has more online CPUs than worker "
		  "lcores + 1, else the lcore" },
	{ .name = "digest_threads", .type = TUSK_CFG_UINT, .def = "1",
	  .min = 1, .max = CONFIG_DIGEST_THREADS_MAX,
	  .offset = offsetof(struct tusk_config, digest_threads),
	  .desc = "threads computing file digests (adler32, crc32c, md5, sha-256) off the lcores" },
	{ .name = "digest_assist_us", .type = TUSK_CFG_UINT, .def = "50",
	  .min = 0, .max = CONFIG_DIGEST_ASSIST_MAX_US,
	  .offset = offsetof(struct tusk_config, digest_assist_us),
	  .desc = "an lcore whose loop found nothing to do hashes a chunk "
		  "of its own transfers' digests taking about this long "
		  "(microseconds; 0: never, the digest threads do it all)" },
	{ .name = "poll", .type = TUSK_CFG_ENUM, .def = "busy",
	  .min = TUSK_POLL_BUSY, .choices = poll_modes,
	  .offset = offsetof(struct tusk_config, poll),
	  .desc = "worker lcore polling: busy (a core of its own, lowest "
		  "latency) or adaptive (pauses, then sleeps with backoff "
		  "when its queues stay empty: leaves CPU to the disk and "
		  "digest threads on small hosts)" },
	{ .name = "bulk_port", .type = TUSK_CFG_UINT, .def = "9",
	  .min = 0, .max = UINT16_MAX,
	  .offset = offsetof(struct tusk_config, bulk_port),
	  .desc = "TCP port of the bulk discard sink (RFC 863) benchmarks "
		  "send to; 0: no sink" },
	{ .name = "iperf3_port", .type = TUSK_CFG_UINT, .def = "5201",
	  .min = 0, .max = UINT16_MAX,
	  .offset = offsetof(struct tusk_config, iperf3_port),
	  .desc = "TCP and UDP port of the iperf3-compatible test server "
		  "(first worker lcore); 0: no server" },
	{ .name = "iperf3_timeout_s", .type = TUSK_CFG_UINT, .def = "40",
	  .min = 1, .max = 3600,
	  .offset = offsetof(struct tusk_config, iperf3_timeout_s),
	  .desc = "an iperf3 client quiet this long in a handshake step, "
		  "or past its test's end, is abandoned and its test freed" },
	{ .name = "twamp_port", .type = TUSK_CFG_UINT, .def = "862",
	  .min = 0, .max = UINT16_MAX,
	  .offset = offsetof(struct tusk_config, twamp_port),
	  .desc = "UDP port of the TWAMP-Light/STAMP reflector (every worker "
		  "lcore) and TCP port of the TWAMP-Control server (first "
		  "worker lcore); 0: no TWAMP" },
};

const struct tusk_cfgschema_key *
tusk_config_schema(const char *section, size_t *nkeys)
{
	if (strcmp(section, "eal") == 0) {
		*nkeys = RTE_DIM(eal_keys);
		return eal_keys;
	}
	if (strcmp(section, "tuskd") == 0) {
		*nkeys = RTE_DIM(tuskd_keys);
		return tuskd_keys;
	}
	if (strcmp(section, "auth") == 0)
		return tusk_config_auth_schema(nkeys);
	if (strcmp(section, "port") == 0)
		return tusk_config_port_schema(nkeys);
	return NULL;
}

void
tusk_config_defaults(struct tusk_config *cfg)
{
	const struct tusk_cfgschema_key *keys;
	char err[TUSK_CFG_ERR_MAX];
	size_t nkeys;

	memset(cfg, 0, sizeof(*cfg));
	/* The tables' defaults are constants that parse (test_config checks
	 * it), so the return values carry nothing here. */
	(void)tusk_cfgschema_defaults(eal_keys, RTE_DIM(eal_keys), cfg, err,
				      sizeof(err));
	(void)tusk_cfgschema_defaults(tuskd_keys, RTE_DIM(tuskd_keys), cfg,
				      err, sizeof(err));
	keys = tusk_config_auth_schema(&nkeys);
	(void)tusk_cfgschema_defaults(keys, nkeys, cfg, err, sizeof(err));
	snprintf(cfg->profile_dir, sizeof(cfg->profile_dir), "%s",
		 tusk_profile_default_dir());
}

static int
add_port(struct tusk_config *cfg, const char *file,
	 const struct tusk_cfgfile_section *s, char *err, size_t errlen)
{
	int rc;

	if (cfg->nports == TUSK_CONFIG_PORTS_MAX) {
		snprintf(err, errlen, "%s:%u: too many ports (at most %d)",
			 file, s->line, TUSK_CONFIG_PORTS_MAX);
		return -EINVAL;
	}
	/* '.' separates the parts of "port.NAME.key=value" overrides. */
	if (strchr(s->name, '.') != NULL) {
		snprintf(err, errlen, "%s:%u: port name \"%s\" contains '.'",
			 file, s->line, s->name);
		return -EINVAL;
	}
	if (strlen(s->name) >= TUSK_CONFIG_PORT_NAME_MAX) {
		snprintf(err, errlen, "%s:%u: port name longer than %d bytes",
			 file, s->line, TUSK_CONFIG_PORT_NAME_MAX - 1);
		return -EINVAL;
	}
	rc = tusk_config_port_init(&cfg->ports[cfg->nports], file, s, err,
				   errlen);
	if (rc == 0)
		cfg->nports++;
	return rc;
}

static int
apply_section(struct tusk_config *cfg, const char *file,
	      const struct tusk_cfgfile_section *s, char *err, size_t errlen)
{
	const struct tusk_cfgschema_key *keys;
	bool issuer = strcmp(s->type, "issuer") == 0;
	bool named = issuer || strcmp(s->type, "port") == 0;
	size_t nkeys;
	int rc;

	keys = tusk_config_schema(s->type, &nkeys);
	if (keys == NULL && !issuer) {
		snprintf(err, errlen, "%s:%u: unknown section [%s%s%s] (expected [eal], [tuskd], [auth], [issuer NAME] or [port NAME])",
			 file, s->line, s->type, s->name[0] ? " " : "",
			 s->name);
		return -EINVAL;
	}
	if (named != (s->name[0] != '\0')) {
		snprintf(err, errlen, named ?
			 "%s:%u: section [%s] needs a name: [%s NAME]" :
			 "%s:%u: section [%s] takes no name",
			 file, s->line, s->type, s->type);
		return -EINVAL;
	}
	if (issuer)
		return tusk_config_issuer_add(cfg, file, s, err, errlen);
	if (named)
		return add_port(cfg, file, s, err, errlen);
	if (strcmp(s->type, "tuskd") == 0)
		tusk_config_tls_lines(cfg, s);
	rc = tusk_cfgschema_apply(keys, nkeys, file, s, cfg, err, errlen);
	if (rc == 0 && strcmp(s->type, "auth") == 0)
		tusk_config_auth_lines(cfg, s);
	return rc;
}

/* Cross-checks once every key is in: ports, then TLS files. */
static int
resolve(struct tusk_config *cfg, char *err, size_t errlen)
{
	int rc = tusk_config_resolve(cfg, err, errlen);

	return rc == 0 ? tusk_config_tls_check(cfg, err, errlen) : rc;
}

static int
from_cfgfile(struct tusk_config *cfg, const struct tusk_cfgfile *f,
	     char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	tusk_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", f->path);
	for (i = 0; i < f->nsections; i++) {
		rc = apply_section(cfg, f->path, &f->sections[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	if (cfg->nports == 0) {
		snprintf(err, errlen, "%s: no [port NAME] section (need 1 to %d)",
			 f->path, TUSK_CONFIG_PORTS_MAX);
		return -EINVAL;
	}
	return resolve(cfg, err, errlen);
}

int
tusk_config_parse(const char *name, const char *text,
		  struct tusk_config *cfg, char *err, size_t errlen)
{
	struct tusk_cfgfile *f;
	int rc;

	rc = tusk_cfgfile_parse(name, text, &f, err, errlen);
	if (rc < 0)
		return rc;
	rc = from_cfgfile(cfg, f, err, errlen);
	tusk_cfgfile_free(f);
	return rc;
}

int
tusk_config_load(const char *path, struct tusk_config *cfg, char *err,
		 size_t errlen)
{
	struct tusk_cfgfile *f;
	int rc;

	rc = tusk_cfgfile_load(path, &f, err, errlen);
	if (rc < 0)
		return rc;
	rc = from_cfgfile(cfg, f, err, errlen);
	tusk_cfgfile_free(f);
	return rc;
}

struct tusk_config_port *
tusk_config_port(struct tusk_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->nports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return &cfg->ports[i];
	return NULL;
}

static int
cmdline_fail(char *err, size_t errlen, const char *what, const char *reason)
{
	snprintf(err, errlen, "%s: %s: %s", TUSK_CFGSCHEMA_CMDLINE, what,
		 reason);
	return -EINVAL;
}

/*
 * "tuskd.lcores=2" -> section "tuskd", port "", key "lcores", value "2";
 * "port.data0.mtu=1500" -> section "port", port "data0", key "mtu".
 */
static int
split_assignment(const char *a, char *section, char *port, char *key,
		 char *value, char *err, size_t errlen)
{
	const char *eq = strchr(a, '=');
	char lhs[3 * TUSK_CFGFILE_NAME_MAX];
	char *l, *dot, *dot2;

	if (eq == NULL || (size_t)(eq - a) >= sizeof(lhs) || eq == a)
		return cmdline_fail(err, errlen, a,
				    "expected section.key=value or port.NAME.key=value");
	if (strlen(eq + 1) >= TUSK_CFGFILE_VALUE_MAX)
		return cmdline_fail(err, errlen, a, "value too long");
	snprintf(lhs, sizeof(lhs), "%.*s", (int)(eq - a), a);
	snprintf(value, TUSK_CFGFILE_VALUE_MAX, "%s", eq + 1);
	l = tusk_cfgfile_trim(lhs);
	dot = strchr(l, '.');
	if (dot == NULL)
		return cmdline_fail(err, errlen, l,
				    "expected section.key=value or port.NAME.key=value");
	*dot++ = '\0';
	port[0] = '\0';
	if (strcmp(l, "port") == 0) {
		dot2 = strchr(dot, '.');
		if (dot2 == NULL)
			return cmdline_fail(err, errlen, a,
					    "expected port.NAME.key=value");
		*dot2++ = '\0';
		snprintf(port, TUSK_CFGFILE_NAME_MAX, "%s", dot);
		dot = dot2;
	}
	if (strlen(l) >= TUSK_CFGFILE_NAME_MAX ||
	    strlen(dot) >= TUSK_CFGFILE_NAME_MAX)
		return cmdline_fail(err, errlen, a, "name too long");
	strcpy(section, l);
	strcpy(key, dot);
	return 0;
}

/* Parse one assignment and store its value (no cross-checks yet). */
static int
set_one(struct tusk_config *cfg, const char *assignment, char *err,
	size_t errlen)
{
	char section[TUSK_CFGFILE_NAME_MAX], port[TUSK_CFGFILE_NAME_MAX];
	char key[TUSK_CFGFILE_NAME_MAX], value[TUSK_CFGFILE_VALUE_MAX];
	const struct tusk_cfgschema_src src = { .file = NULL };
	const struct tusk_cfgschema_key *keys, *k;
	struct tusk_config_port *p = NULL;
	size_t nkeys;
	int rc;

	rc = split_assignment(assignment, section, port, key, value, err,
			      errlen);
	if (rc < 0)
		return rc;
	keys = tusk_config_schema(section, &nkeys);
	if (keys == NULL)
		return cmdline_fail(err, errlen, section, "unknown section");
	if (port[0] != '\0' && (p = tusk_config_port(cfg, port)) == NULL) {
		snprintf(err, errlen, "%s: port.%s: no such port",
			 TUSK_CFGSCHEMA_CMDLINE, port);
		return -EINVAL;
	}
	k = tusk_cfgschema_key(keys, nkeys, key);
	if (k == NULL)
		return cmdline_fail(err, errlen, key, "unknown key");
	rc = tusk_cfgschema_set(k, tusk_cfgfile_trim(value),
				p != NULL ? (void *)p : cfg, &src, err, errlen);
	if (rc == 0 && p != NULL)
		p->key_line[k - keys] = 0;
	if (rc == 0 && strcmp(section, "tuskd") == 0)
		tusk_config_tls_line_clear(cfg, key);
	if (rc == 0 && strcmp(section, "auth") == 0) {
		/* errors in the value now name the command line */
		if (strcmp(key, "name") == 0)
			cfg->auth.name_line = 0;
		if (strcmp(key, "anon_read") == 0)
			cfg->auth.anon_line = 0;
	}
	return rc;
}

int
tusk_config_overrides(struct tusk_config *cfg,
		      const char *const *assignments, unsigned int n,
		      char *err, size_t errlen)
{
	struct tusk_config *backup;
	unsigned int i;
	int rc = 0;

	/* All or nothing: a rejected override leaves cfg as it was. */
	backup = malloc(sizeof(*backup));
	if (backup == NULL) {
		snprintf(err, errlen, "%s: out of memory",
			 TUSK_CFGSCHEMA_CMDLINE);
		return -ENOMEM;
	}
	*backup = *cfg;
	for (i = 0; rc == 0 && i < n; i++)
		rc = set_one(cfg, assignments[i], err, errlen);
	/* Cross-checks once all are in: a port may switch device and
	 * profile together. */
	if (rc == 0)
		rc = resolve(cfg, err, errlen);
	if (rc < 0)
		*cfg = *backup;
	free(backup);
	return rc;
}

int
tusk_config_override(struct tusk_config *cfg, const char *assignment,
		     char *err, size_t errlen)
{
	return tusk_config_overrides(cfg, &assignment, 1, err, errlen);
}

int
tusk_config_eal_argv(struct tusk_config *cfg, const char *prog, char **argv,
		     int argv_max)
{
	char *save = NULL, *word;
	int argc = 0;

	if (argv_max < 2)
		return -E2BIG;
	snprintf(cfg->eal_buf, sizeof(cfg->eal_buf), "%s", cfg->eal_args);
	argv[argc++] = (char *)(uintptr_t)prog;
	for (word = strtok_r(cfg->eal_buf, " \t", &save); word != NULL;
	     word = strtok_r(NULL, " \t", &save)) {
		if (argc >= argv_max - 1)
			return -E2BIG;
		argv[argc++] = word;
	}
	argv[argc] = NULL;
	return argc;
}

static json_t *
ports_to_json(const struct tusk_config *cfg)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a != NULL && i < cfg->nports; i++) {
		if (json_array_append_new(a,
			tusk_config_port_to_json(&cfg->ports[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
tusk_config_to_json(const struct tusk_config *cfg)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "path", json_string(cfg->path)) < 0 ||
	    json_object_set_new(o, "eal", tusk_cfgschema_to_json(eal_keys,
				RTE_DIM(eal_keys), cfg)) < 0 ||
	    json_object_set_new(o, "tuskd", tusk_cfgschema_to_json(tuskd_keys,
				RTE_DIM(tuskd_keys), cfg)) < 0 ||
	    json_object_set_new(o, "auth", tusk_config_auth_to_json(cfg)) < 0 ||
	    json_object_set_new(o, "ports", ports_to_json(cfg)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
tusk_config_free(struct tusk_config *cfg)
{
	/* Plain data today; see config.h. */
	cfg->nports = 0;
}
