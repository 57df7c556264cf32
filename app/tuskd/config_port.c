/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_port: [port NAME] sections of tuskd.conf.
 *
 *   tusk_config_port_init()   defaults + keys of one section
 *   tusk_config_resolve()     -> resolve_port() -> check_device()
 *                                               -> load_profile()
 *                                               -> check_sizes()
 *                                               -> check_address()
 *                             -> check_unique()
 *   tusk_config_port_devstr() device + profile devargs + port devargs
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_common.h>

#include "config.h"
#include "config_priv.h"
#include "drivers/impair.h" /* the stage's bounds only */

/* Index of each key in port_keys[] (and in key_line[]). */
enum port_key {
	PK_DEVICE,
	PK_PROFILE,
	PK_ADDRESS,
	PK_GATEWAY,
	PK_MTU,
	PK_RX_DESC,
	PK_TX_DESC,
	PK_DEVARGS,
	PK_IMPAIR_DIR,
	PK_IMPAIR_DELAY,
	PK_IMPAIR_JITTER,
	PK_IMPAIR_RATE,
	PK_IMPAIR_LOSS,
	PK_IMPAIR_BURST_ENTER,
	PK_IMPAIR_BURST_EXIT,
	PK_IMPAIR_BURST_LOSS,
	PK_IMPAIR_DUP,
	PK_IMPAIR_REORDER,
	PK_IMPAIR_LIMIT,
	PK_COUNT
};

/* Same bounds as a profile's (pmdcfg/profile.c), so an override can say
 * anything a profile could. */
#define PORT_MTU_MIN 68          /* RFC 791 */
#define PORT_MTU_MAX 16000
#define PORT_DESC_MIN 64
#define PORT_DESC_MAX 32768
/* Prefixes longer than this have no network and broadcast address to
 * avoid (RFC 3021 /31 links, /32 hosts). */
#define PORT_PREFIX_PLAIN_MAX 30
/* A vdev devargs list is a handful of key=value pairs. */
#define DEVARGS_TOKENS_MAX 32
/* Vdevs are named after their ethdev driver, which all start so. */
#define VDEV_PREFIX "net_"

/* The impairment stage's own bounds (drivers/impair.h): one second of
 * delay, a Tbit/s (more is a typo), probabilities in ppm. */
#define IMPAIR_DELAY_MAX_MS (TUSK_IMPAIR_DELAY_MAX_NS / 1000000u)
#define IMPAIR_RATE_MAX_MBPS 1000000u

#define OFF(f) offsetof(struct tusk_config_port, f)
/* An impair_* key: a uint in [0, max] stored in p->impair.f. */
#define IMPAIR_KEY(n, f, mx, d, text) { .name = n, .type = TUSK_CFG_UINT, \
	.def = d, .max = mx, .offset = OFF(impair.f), .desc = text }

static const char *const impair_dirs[] = { "tx", "rx", "both", NULL };

static const struct tusk_cfgschema_key port_keys[PK_COUNT] = {
	[PK_DEVICE] = { .name = "device", .type = TUSK_CFG_STRING,
		.required = true, .offset = OFF(device),
		.size = TUSK_CONFIG_DEVICE_MAX,
		.desc = "PCI address (0000:03:00.0) or vdev "
			"(net_af_packet0,iface=veth0)" },
	[PK_PROFILE] = { .name = "profile", .type = TUSK_CFG_STRING,
		.required = true, .offset = OFF(profile),
		.size = TUSK_CONFIG_PATH_MAX,
		.desc = "profile name in profile_dir (af_packet), or a path "
			"to a profile file" },
	[PK_ADDRESS] = { .name = "address", .type = TUSK_CFG_IPV4_PREFIX,
		.required = true, .offset = OFF(address),
		.desc = "our IPv4 address and on-link prefix (10.0.0.1/24)" },
	[PK_GATEWAY] = { .name = "gateway", .type = TUSK_CFG_IPV4_ADDR,
		.offset = OFF(gateway),
		.desc = "default router, on the port's prefix (optional)" },
	[PK_MTU] = { .name = "mtu", .type = TUSK_CFG_UINT,
		.min = PORT_MTU_MIN, .max = PORT_MTU_MAX,
		.offset = OFF(mtu_set),
		.desc = "IP MTU, at most the profile's (default: the "
			"profile's)" },
	[PK_RX_DESC] = { .name = "rx_desc", .type = TUSK_CFG_UINT,
		.min = PORT_DESC_MIN, .max = PORT_DESC_MAX,
		.offset = OFF(rx_desc_set),
		.desc = "rx descriptors per queue (default: the profile's)" },
	[PK_TX_DESC] = { .name = "tx_desc", .type = TUSK_CFG_UINT,
		.min = PORT_DESC_MIN, .max = PORT_DESC_MAX,
		.offset = OFF(tx_desc_set),
		.desc = "tx descriptors per queue (default: the profile's)" },
	[PK_DEVARGS] = { .name = "devargs", .type = TUSK_CFG_STRING,
		.def = "", .offset = OFF(devargs),
		.size = TUSK_PROFILE_DEVARGS_MAX,
		.desc = "device arguments merged over the profile's devargs "
			"(a key set here wins)" },
	[PK_IMPAIR_DIR] = { .name = "impair_dir", .type = TUSK_CFG_ENUM,
		.def = "tx", .min = TUSK_CONFIG_IMPAIR_TX, .choices = impair_dirs,
		.offset = OFF(impair.dir),
		.desc = "frames the impair_* keys apply to: tx, rx or both" },
	[PK_IMPAIR_DELAY] = IMPAIR_KEY("impair_delay_ms", delay_ms,
		IMPAIR_DELAY_MAX_MS, "0", "added one-way delay, ms"),
	[PK_IMPAIR_JITTER] = IMPAIR_KEY("impair_jitter_ms", jitter_ms,
		IMPAIR_DELAY_MAX_MS, "0",
		"delay varies uniformly +- this, at most impair_delay_ms; "
		"order kept"),
	[PK_IMPAIR_RATE] = IMPAIR_KEY("impair_rate_mbps", rate_mbps,
		IMPAIR_RATE_MAX_MBPS, "0", "bottleneck rate, Mbit/s (0: none)"),
	[PK_IMPAIR_LOSS] = IMPAIR_KEY("impair_loss_ppm", loss_ppm,
		TUSK_IMPAIR_PPM, "0", "random loss, frames per million"),
	[PK_IMPAIR_BURST_ENTER] = IMPAIR_KEY("impair_burst_enter_ppm",
		burst_enter_ppm, TUSK_IMPAIR_PPM, "0",
		"burst loss: good -> bad state chance per frame, ppm"),
	[PK_IMPAIR_BURST_EXIT] = IMPAIR_KEY("impair_burst_exit_ppm",
		burst_exit_ppm, TUSK_IMPAIR_PPM, "0",
		"burst loss: bad -> good state chance per frame, ppm"),
	[PK_IMPAIR_BURST_LOSS] = IMPAIR_KEY("impair_burst_loss_ppm",
		burst_loss_ppm, TUSK_IMPAIR_PPM, "1000000",
		"burst loss: loss in the bad state, ppm"),
	[PK_IMPAIR_DUP] = IMPAIR_KEY("impair_dup_ppm", dup_ppm,
		TUSK_IMPAIR_PPM, "0", "frames duplicated, per million"),
	[PK_IMPAIR_REORDER] = IMPAIR_KEY("impair_reorder_ppm", reorder_ppm,
		TUSK_IMPAIR_PPM, "0",
		"frames sent ahead of the delayed ones, per million"),
	[PK_IMPAIR_LIMIT] = IMPAIR_KEY("impair_limit", limit,
		TUSK_IMPAIR_LIMIT_MAX, "0",
		"frames the path holds, at most (0: 4096)"),
};

_Static_assert(PK_COUNT <= TUSK_CONFIG_PORT_KEYS_MAX,
	       "key_line[] too small for the [port] keys");

const struct tusk_cfgschema_key *
tusk_config_port_schema(size_t *nkeys)
{
	*nkeys = PK_COUNT;
	return port_keys;
}

int
tusk_config_port_init(struct tusk_config_port *p, const char *file,
		      const struct tusk_cfgfile_section *s, char *err,
		      size_t errlen)
{
	const struct tusk_cfgfile_entry *e;
	unsigned int i;
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%.*s", (int)sizeof(p->name) - 1,
		 s->name);
	p->line = s->line;
	rc = tusk_cfgschema_defaults(port_keys, PK_COUNT, p, err, errlen);
	if (rc == 0)
		rc = tusk_cfgschema_apply(port_keys, PK_COUNT, file, s, p, err,
					  errlen);
	for (i = 0; i < PK_COUNT; i++) {
		e = tusk_cfgfile_entry(s, port_keys[i].name);
		p->key_line[i] = e != NULL ? e->line : s->line;
	}
	return rc;
}

/* One resolution pass: the config and where its errors go. */
struct resolver {
	const struct tusk_config *cfg;
	char *err;
	size_t errlen;
};

static int
port_fail(const struct resolver *r, const struct tusk_config_port *p,
	  enum port_key k, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
port_fail(const struct resolver *r, const struct tusk_config_port *p,
	  enum port_key k, const char *fmt, ...)
{
	struct tusk_cfgschema_src src = {
		.file = p->key_line[k] != 0 ? r->cfg->path : NULL,
		.line = p->key_line[k],
	};
	char where[TUSK_CFG_ERR_MAX];
	va_list ap;
	int n;

	n = snprintf(r->err, r->errlen, "%s: %s: ",
		     tusk_cfgschema_where(&src, where, sizeof(where)),
		     port_keys[k].name);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Match s against a template where 'h' is a hex digit; returns the
 * length matched, or 0. */
static size_t
match_hex_template(const char *s, const char *tmpl)
{
	size_t i;

	for (i = 0; tmpl[i] != '\0'; i++) {
		if (tmpl[i] == 'h' ? !isxdigit((unsigned char)s[i]) :
		    s[i] != tmpl[i])
			return 0;
	}
	return i;
}

bool
tusk_config_port_is_vdev(const struct tusk_config_port *port)
{
	return strncmp(port->device, VDEV_PREFIX, strlen(VDEV_PREFIX)) == 0;
}

/* A PCI address "0000:03:00.0" (or "03:00.0"), or a vdev "net_x0", each
 * optionally followed by ",key=value,...". */
static int
check_device(const struct resolver *r, const struct tusk_config_port *p)
{
	const char *d = p->device;
	size_t n = match_hex_template(d, "hhhh:hh:hh.h");
	unsigned int dev, fn;

	if (n == 0)
		n = match_hex_template(d, "hh:hh.h");
	if (n != 0 && (d[n] == '\0' || d[n] == ',')) {
		sscanf(d + n - 4, "%2x.%1x", &dev, &fn);
		/* PCI: 32 devices per bus, 8 functions per device. */
		if (dev < 32 && fn < 8)
			return 0;
	} else if (tusk_config_port_is_vdev(p) &&
		   strlen(VDEV_PREFIX) < strcspn(d, ",")) {
		return 0;
	}
	return port_fail(r, p, PK_DEVICE,
			 "bad device \"%s\" (expected a PCI address like 0000:03:00.0 or a vdev like net_af_packet0,iface=veth0)",
			 d);
}

/*
 * net_memif's zero-copy mode is refused. In DPDK 22.11 its transmit
 * describes every buffer as an offset into region 1 (a "FIXME: get
 * region index" in memif_tx_one_zc), and tuskd -> tuskd fetches with a
 * zero-copy sender delivered wrong bytes in 4 of 25 runs (none in 22 with
 * copying senders; README "memif ports"): a DTN must not move data that
 * way. Copy mode (the default) costs one copy per frame on each side.
 */
static int
check_zero_copy(const struct resolver *r, const struct tusk_config_port *p)
{
	char devstr[TUSK_CONFIG_DEVICE_MAX + TUSK_PROFILE_DEVARGS_MAX * 2];
	const char *z;

	if (strncmp(p->device, "net_memif", strlen("net_memif")) != 0 ||
	    tusk_config_port_devstr(p, devstr, sizeof(devstr)) < 0)
		return 0;
	z = strstr(devstr, ",zero-copy=");
	if (z == NULL || strncmp(z + strlen(",zero-copy="), "no", 2) == 0)
		return 0;
	return port_fail(r, p, strstr(p->devargs, "zero-copy") != NULL ?
			 PK_DEVARGS : PK_DEVICE, "zero-copy memif is refused: DPDK 22.11's "
			 "zero-copy transmit delivered wrong bytes in tuskd's "
			 "tests (README \"memif ports\"); leave zero-copy out "
			 "(copy mode)");
}

static int
load_profile(const struct resolver *r, struct tusk_config_port *p)
{
	char path[TUSK_CONFIG_PATH_MAX + TUSK_CONFIG_PATH_MAX];
	char perr[TUSK_CFG_ERR_MAX], vdev[TUSK_CONFIG_DEVICE_MAX];
	const struct tusk_config *cfg = r->cfg;
	const char *slash = strrchr(cfg->path, '/');
	int dirlen = 0;

	/* A relative profile path in the file is relative to the file. */
	if (strchr(p->profile, '/') != NULL && p->profile[0] != '/' &&
	    p->key_line[PK_PROFILE] != 0 && slash != NULL)
		dirlen = (int)(slash - cfg->path) + 1;
	snprintf(path, sizeof(path), "%.*s%s", dirlen, cfg->path, p->profile);
	if (tusk_profile_find(cfg->profile_dir, path, &p->prof, perr,
			      sizeof(perr)) < 0)
		return port_fail(r, p, PK_PROFILE, "%s", perr);
	snprintf(vdev, sizeof(vdev), "%.*s", (int)strcspn(p->device, ","),
		 p->device);
	/* Blame the key the command line changed, if only one was. */
	if (tusk_config_port_is_vdev(p) && !tusk_profile_applies(&p->prof, vdev))
		return port_fail(r, p, p->key_line[PK_DEVICE] == 0 &&
				 p->key_line[PK_PROFILE] != 0 ?
				 PK_DEVICE : PK_PROFILE,
				 "profile \"%s\" is for %s, not %s",
				 p->prof.name, p->prof.driver, vdev);
	return 0;
}

/* Overrides against the profile: the MTU is a ceiling, and the rings must
 * still fit the profile's mbuf pool (see profile.h). */
static int
check_sizes(const struct resolver *r, struct tusk_config_port *p)
{
	const struct tusk_profile *pr = &p->prof;

	if (p->mtu_set > pr->mtu)
		return port_fail(r, p, PK_MTU,
				 "value %u exceeds the maximum %u of profile \"%s\"",
				 p->mtu_set, pr->mtu, pr->name);
	p->mtu = p->mtu_set ? p->mtu_set : pr->mtu;
	p->rx_desc = p->rx_desc_set ? p->rx_desc_set : pr->rx_desc;
	p->tx_desc = p->tx_desc_set ? p->tx_desc_set : pr->tx_desc;
	if (p->rx_desc + p->tx_desc + pr->burst > pr->mbufs)
		return port_fail(r, p, p->rx_desc_set ? PK_RX_DESC : PK_TX_DESC,
				 "rx_desc %u + tx_desc %u + burst %u exceed the %u mbufs of profile \"%s\"",
				 p->rx_desc, p->tx_desc, pr->burst, pr->mbufs,
				 pr->name);
	if (pr->burst > p->rx_desc || pr->burst > p->tx_desc)
		return port_fail(r, p, p->rx_desc < p->tx_desc ? PK_RX_DESC :
				 PK_TX_DESC, "smaller than the profile's burst %u",
				 pr->burst);
	return 0;
}

static const char *
ntoa(rte_be32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static int
check_address(const struct resolver *r, const struct tusk_config_port *p)
{
	uint32_t addr = rte_be_to_cpu_32(p->address.addr);
	uint32_t len = p->address.len;
	uint32_t mask = len == 0 ? 0 : ~0u << (32 - len);
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];

	if (len == 0 || addr == 0)
		return port_fail(r, p, PK_ADDRESS,
				 "%s/%u is not an interface address",
				 ntoa(p->address.addr, a), len);
	/* RFC 1122 3.2.1.3: host part all zeros or all ones is not a host. */
	if (len <= PORT_PREFIX_PLAIN_MAX &&
	    ((addr & ~mask) == 0 || (addr & ~mask) == ~mask))
		return port_fail(r, p, PK_ADDRESS,
				 "%s/%u is the network or broadcast address",
				 ntoa(p->address.addr, a), len);
	if (p->gateway != 0 &&
	    ((rte_be_to_cpu_32(p->gateway) ^ addr) & mask) != 0)
		return port_fail(r, p, PK_GATEWAY,
				 "%s is not on %s/%u", ntoa(p->gateway, g),
				 ntoa(p->address.addr, a), len);
	return 0;
}

/* What the stage itself would refuse (tusk_impair_conf_check), named
 * after the file's keys. */
static int
check_impair(const struct resolver *r, const struct tusk_config_port *p)
{
	const struct tusk_config_impair *im = &p->impair;

	if (im->jitter_ms > im->delay_ms)
		return port_fail(r, p, PK_IMPAIR_JITTER,
				 "%u exceeds impair_delay_ms %u (a delay cannot go below 0)",
				 im->jitter_ms, im->delay_ms);
	if (im->burst_enter_ppm != 0 && im->burst_exit_ppm == 0)
		return port_fail(r, p, PK_IMPAIR_BURST_EXIT,
				 "must be above 0 when impair_burst_enter_ppm is set (a burst that never ends loses every frame)");
	return 0;
}

static bool
same_device(const struct tusk_config_port *p, const struct tusk_config_port *q)
{
	size_t n = strcspn(p->device, ",");

	return n == strcspn(q->device, ",") &&
		strncmp(p->device, q->device, n) == 0;
}

/*
 * Two ports may not share a device or an address. Blame the port whose key
 * came from the command line, else the later one in the file.
 */
static int
check_unique(const struct resolver *r, unsigned int i)
{
	const struct tusk_config_port *p = &r->cfg->ports[i], *q, *blame;
	char a[INET_ADDRSTRLEN];
	unsigned int j;

	for (j = 0; j < i; j++) {
		q = &r->cfg->ports[j];
		if (same_device(p, q)) {
			blame = q->key_line[PK_DEVICE] == 0 ? q : p;
			return port_fail(r, blame, PK_DEVICE,
					 "device already used by [port %s]",
					 blame == p ? q->name : p->name);
		}
		if (p->address.addr == q->address.addr) {
			blame = q->key_line[PK_ADDRESS] == 0 ? q : p;
			return port_fail(r, blame, PK_ADDRESS,
					 "%s already used by [port %s]",
					 ntoa(p->address.addr, a),
					 blame == p ? q->name : p->name);
		}
	}
	return 0;
}

int
tusk_config_resolve(struct tusk_config *cfg, char *err, size_t errlen)
{
	const struct resolver r = { .cfg = cfg, .err = err, .errlen = errlen };
	struct tusk_config_port *p;
	unsigned int i;
	int rc = 0;

	for (i = 0; rc == 0 && i < cfg->nports; i++) {
		p = &cfg->ports[i];
		rc = check_device(&r, p);
		if (rc == 0)
			rc = load_profile(&r, p);
		if (rc == 0)
			rc = check_sizes(&r, p);
		if (rc == 0)
			rc = check_address(&r, p);
		if (rc == 0)
			rc = check_impair(&r, p);
		if (rc == 0)
			rc = check_zero_copy(&r, p);
		if (rc == 0)
			rc = check_unique(&r, i);
	}
	return rc == 0 ? tusk_config_auth_check(cfg, err, errlen) : rc;
}

struct kv {
	const char *s;   /* "key=value" or "key" */
	size_t keylen;
	size_t len;
	int rank;        /* who set it: a higher rank wins */
};

struct kvlist {
	struct kv kv[DEVARGS_TOKENS_MAX];
	unsigned int n;
};

static int
kv_add_list(struct kvlist *l, const char *s, int rank)
{
	while (*(s += strspn(s, ",")) != '\0') {
		struct kv kv = { .s = s, .len = strcspn(s, ","), .rank = rank };
		unsigned int j;

		kv.keylen = strcspn(s, ",=");
		s += kv.len;
		for (j = 0; j < l->n; j++)
			if (l->kv[j].keylen == kv.keylen &&
			    strncmp(l->kv[j].s, kv.s, kv.keylen) == 0)
				break;
		if (j == l->n && l->n == DEVARGS_TOKENS_MAX)
			return -ENAMETOOLONG;
		if (j == l->n)
			l->kv[l->n++] = kv;
		else if (rank >= l->kv[j].rank)
			l->kv[j] = kv;
	}
	return 0;
}

int
tusk_config_port_devstr(const struct tusk_config_port *port, char *buf,
			size_t len)
{
	size_t name_len = strcspn(port->device, ",");
	struct kvlist l = { .n = 0 };
	size_t used;
	unsigned int i;

	/* Precedence: the profile's defaults < the device string's own
	 * arguments < the port's devargs. Order: first appearance. */
	if (kv_add_list(&l, port->device + name_len, 1) < 0 ||
	    kv_add_list(&l, port->prof.devargs, 0) < 0 ||
	    kv_add_list(&l, port->devargs, 2) < 0)
		return -ENAMETOOLONG;
	used = (size_t)snprintf(buf, len, "%.*s", (int)name_len, port->device);
	for (i = 0; i < l.n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, ",%.*s",
					 (int)l.kv[i].len, l.kv[i].s);
	return used < len ? 0 : -ENAMETOOLONG;
}

json_t *
tusk_config_port_to_json(const struct tusk_config_port *p)
{
	json_t *o = tusk_cfgschema_to_json(port_keys, PK_COUNT, p);
	char devstr[TUSK_CONFIG_DEVICE_MAX + TUSK_PROFILE_DEVARGS_MAX * 2];

	if (o == NULL)
		return NULL;
	if (tusk_config_port_devstr(p, devstr, sizeof(devstr)) < 0)
		devstr[0] = '\0';
	/* Effective values, not the raw overrides (0 = unset). */
	if (json_object_set_new(o, "name", json_string(p->name)) < 0 ||
	    json_object_set_new(o, "mtu", json_integer(p->mtu)) < 0 ||
	    json_object_set_new(o, "rx_desc", json_integer(p->rx_desc)) < 0 ||
	    json_object_set_new(o, "tx_desc", json_integer(p->tx_desc)) < 0 ||
	    json_object_set_new(o, "devstr", json_string(devstr)) < 0 ||
	    json_object_set_new(o, "pmd", tusk_profile_to_json(&p->prof)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
