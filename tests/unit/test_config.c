/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskd.conf: every error names file, line and key; a good file gives the
 * right values; command-line overrides are validated the same way and are
 * all-or-nothing; EAL argv splitting; device string merging; JSON dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>

#include <cmocka.h>

#include <rte_log.h>

#include "config.h"
#include "config_priv.h"

/* Lines 1..2 and 3..6 of most cases below. */
#define TUSKD "[tuskd]\nlcores = 1\n"
#define PORT0 "[port data0]\ndevice = net_af_packet0,iface=veth0\n" \
	"profile = af_packet\naddress = 10.0.0.1/24\n"
#define PORT(name, dev, addr) "[port " name "]\ndevice = " dev "\n" \
	"profile = ring\naddress = " addr "\n"

struct bad_case {
	const char *text;
	const char *expect; /* whole error line; "%s": the profile dir */
};

static const struct bad_case bad_cases[] = {
	/* the reader */
	{ TUSKD PORT0 "rx_desc = 70000\n",
	  "tuskd.conf:7: rx_desc: value 70000 out of range [64, 32768]" },
	{ TUSKD PORT0 "mtu_bytes = 9000\n",
	  "tuskd.conf:7: mtu_bytes: unknown key" },
	{ TUSKD PORT0 "address = 10.0.0.2/24\n",
	  "tuskd.conf:7: address: duplicate key (first on line 6)" },
	{ TUSKD PORT0 PORT0,
	  "tuskd.conf:7: duplicate section [port data0] (first on line 3)" },
	{ "lcores = 1\n" TUSKD, "tuskd.conf:1: lcores: key outside a section" },
	{ TUSKD "lcores 1\n",
	  "tuskd.conf:3: malformed line: expected \"key = value\", \"[section]\" or \"# comment\"" },
	{ TUSKD PORT0 "[ports data1]\n",
	  "tuskd.conf:7: unknown section [ports data1] (expected [eal], [tuskd], [auth], [issuer NAME] or [port NAME])" },
	{ TUSKD "[port]\n", "tuskd.conf:3: section [port] needs a name: [port NAME]" },
	{ "[tuskd main]\n", "tuskd.conf:1: section [tuskd] takes no name" },
	{ TUSKD "[port data.0]\n", "tuskd.conf:3: port name \"data.0\" contains '.'" },
	{ TUSKD "[port abcdefghijabcdefghijabcdefghij12]\n",
	  "tuskd.conf:3: port name longer than 31 bytes" },
	{ TUSKD, "tuskd.conf: no [port NAME] section (need 1 to 8)" },
	/* [port] values */
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = af_packet\naddress = 10.0.0.300/24\n",
	  "tuskd.conf:6: address: bad IPv4 prefix \"10.0.0.300/24\"" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = af_packet\naddress = 10.0.0.1\n",
	  "tuskd.conf:6: address: bad IPv4 prefix \"10.0.0.1\"" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = af_packet\naddress = 10.0.0.1/33\n",
	  "tuskd.conf:6: address: bad IPv4 prefix \"10.0.0.1/33\"" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = af_packet\naddress = 10.0.0.1/0\n",
	  "tuskd.conf:6: address: 10.0.0.1/0 is not an interface address" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = af_packet\naddress = 10.0.0.255/24\n",
	  "tuskd.conf:6: address: 10.0.0.255/24 is the network or broadcast address" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = af_packet\n",
	  "tuskd.conf:3: missing required key \"address\" in [port data0]" },
	{ TUSKD "[port data0]\nprofile = af_packet\naddress = 10.0.0.1/24\n",
	  "tuskd.conf:3: missing required key \"device\" in [port data0]" },
	{ TUSKD PORT0 "gateway = 10.0.1.1\n",
	  "tuskd.conf:7: gateway: 10.0.1.1 is not on 10.0.0.1/24" },
	{ TUSKD PORT0 "gateway = 10.0.0\n",
	  "tuskd.conf:7: gateway: bad IPv4 address \"10.0.0\"" },
	/* [port] impair_*: what the impairment stage could not honour */
	{ TUSKD PORT0 "impair_delay_ms = 10\nimpair_jitter_ms = 20\n",
	  "tuskd.conf:8: impair_jitter_ms: 20 exceeds impair_delay_ms 10 (a delay cannot go below 0)" },
	{ TUSKD PORT0 "impair_burst_enter_ppm = 100\n",
	  "tuskd.conf:3: impair_burst_exit_ppm: must be above 0 when impair_burst_enter_ppm is set (a burst that never ends loses every frame)" },
	{ TUSKD PORT0 "impair_loss_ppm = 1000001\n",
	  "tuskd.conf:7: impair_loss_ppm: value 1000001 out of range [0, 1000000]" },
	{ TUSKD PORT0 "impair_dir = up\n",
	  "tuskd.conf:7: impair_dir: unknown value \"up\" (expected one of: tx, rx, both)" },
	{ TUSKD PORT0 "mtu = 9600\n",
	  "tuskd.conf:7: mtu: value 9600 exceeds the maximum 9000 of profile \"af_packet\"" },
	{ TUSKD PORT0 "mtu = 20000\n",
	  "tuskd.conf:7: mtu: value 20000 out of range [68, 16000]" },
	{ TUSKD PORT0 "rx_desc = 4096\n",
	  "tuskd.conf:7: rx_desc: rx_desc 4096 + tx_desc 1024 + burst 32 exceed the 4096 mbufs of profile \"af_packet\"" },
	{ TUSKD "[port data0]\ndevice = eth0\nprofile = af_packet\n"
	  "address = 10.0.0.1/24\n",
	  "tuskd.conf:4: device: bad device \"eth0\" (expected a PCI address like 0000:03:00.0 or a vdev like net_af_packet0,iface=veth0)" },
	{ TUSKD "[port data0]\ndevice = 0000:03:40.0\nprofile = ice\n"
	  "address = 10.0.0.1/24\n",
	  "tuskd.conf:4: device: bad device \"0000:03:40.0\" (expected a PCI address like 0000:03:00.0 or a vdev like net_af_packet0,iface=veth0)" },
	{ TUSKD "[port data0]\ndevice = net_\nprofile = af_packet\n"
	  "address = 10.0.0.1/24\n",
	  "tuskd.conf:4: device: bad device \"net_\" (expected a PCI address like 0000:03:00.0 or a vdev like net_af_packet0,iface=veth0)" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = tap\naddress = 10.0.0.1/24\n",
	  "tuskd.conf:5: profile: profile \"tap\" is for net_tap, not net_af_packet0" },
	{ TUSKD "[port data0]\ndevice = net_af_packet0,iface=veth0\n"
	  "profile = nope\naddress = 10.0.0.1/24\n",
	  "tuskd.conf:5: profile: %s/nope.conf: cannot open: No such file or directory" },
	{ TUSKD PORT0 PORT("a", "net_ring0,x=1", "10.0.1.1/24")
	  PORT("b", "net_ring0", "10.0.2.1/24"),
	  "tuskd.conf:12: device: device already used by [port a]" },
	{ TUSKD PORT0 PORT("data1", "net_ring0", "10.0.0.1/16"),
	  "tuskd.conf:10: address: 10.0.0.1 already used by [port data0]" },
	{ TUSKD PORT("p1", "net_ring1", "10.0.1.1/24")
	  PORT("p2", "net_ring2", "10.0.2.1/24")
	  PORT("p3", "net_ring3", "10.0.3.1/24")
	  PORT("p4", "net_ring4", "10.0.4.1/24")
	  PORT("p5", "net_ring5", "10.0.5.1/24")
	  PORT("p6", "net_ring6", "10.0.6.1/24")
	  PORT("p7", "net_ring7", "10.0.7.1/24")
	  PORT("p8", "net_ring8", "10.0.8.1/24")
	  PORT("p9", "net_ring9", "10.0.9.1/24"),
	  "tuskd.conf:35: too many ports (at most 8)" },
	/* [tuskd] and [eal] values */
	{ "[tuskd]\npoll = lazy\n" PORT0,
	  "tuskd.conf:2: poll: unknown value \"lazy\" (expected one of: busy, adaptive)" },
	{ "[tuskd]\nlog_level = loud\n" PORT0,
	  "tuskd.conf:2: log_level: unknown value \"loud\" (expected one of: emerg, alert, crit, err, warning, notice, info, debug)" },
	{ "[tuskd]\narp_timeout_s = 0\n" PORT0,
	  "tuskd.conf:2: arp_timeout_s: value 0 out of range [1, 86400]" },
	{ "[tuskd]\ndata_root =\n" PORT0,
	  "tuskd.conf:2: data_root: empty path" },
	{ "[tuskd]\ncontrol_socket = /run/tusk/"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n"
	  PORT0,
	  "tuskd.conf:2: control_socket: path longer than 107 bytes" },
	{ "[tuskd]\nprofile_dir = /nonexistent\n" PORT0,
	  "tuskd.conf:5: profile: /nonexistent/af_packet.conf: cannot open: No such file or directory" },
	{ "[eal]\nargs = -l 0\nmem = 1\n" PORT0,
	  "tuskd.conf:3: mem: unknown key" },
	/* [auth] and [issuer NAME] */
	{ TUSKD PORT0 "[auth]\nmode = optional\n",
	  "tuskd.conf:8: mode: unknown value \"optional\" (expected one of: required, off)" },
	{ TUSKD PORT0 "[auth]\nname = a \"b\"\n",
	  "tuskd.conf:8: name: printable ASCII without blanks, '\"' or '\\' (it is sent quoted as the realm)" },
	{ TUSKD PORT0 "[auth]\nanon_read = /pub pub2\n",
	  "tuskd.conf:8: anon_read: each prefix an absolute path without \".\", \"..\" or \"//\"" },
	{ TUSKD PORT0 "[auth]\nanon_read = /a/../b\n",
	  "tuskd.conf:8: anon_read: each prefix an absolute path without \".\", \"..\" or \"//\"" },
	{ TUSKD PORT0 "[issuer a]\niss = https://i\n",
	  "tuskd.conf:7: missing required key \"jwks\" in [issuer a]" },
	{ TUSKD PORT0 "[issuer a]\niss = https://i\njwks = /k\n"
	  "[issuer b]\niss = https://i\njwks = /k2\n",
	  "tuskd.conf:11: iss: \"https://i\" already trusted in [issuer a]" },
	{ TUSKD PORT0 "[issuer]\n",
	  "tuskd.conf:7: section [issuer] needs a name: [issuer NAME]" },
	/* zero-copy memif delivered wrong bytes (config_port.c) */
	{ TUSKD "[port m0]\ndevice = net_memif0,socket=/tmp/m.sock\n"
	  "profile = memif\naddress = 10.0.0.1/24\n"
	  "devargs = role=client,zero-copy=yes\n",
	  "tuskd.conf:7: devargs: zero-copy memif is refused: DPDK 22.11's "
	  "zero-copy transmit delivered wrong bytes in tuskd's tests (README "
	  "\"memif ports\"); leave zero-copy out (copy mode)" },
	{ TUSKD "[port m0]\ndevice = net_memif0,zero-copy=yes\n"
	  "profile = memif\naddress = 10.0.0.1/24\n",
	  "tuskd.conf:4: device: zero-copy memif is refused: DPDK 22.11's "
	  "zero-copy transmit delivered wrong bytes in tuskd's tests (README "
	  "\"memif ports\"); leave zero-copy out (copy mode)" },
};

static struct tusk_config cfg; /* big (ports with profiles): not on stack */

/* expect with "%s" replaced by the profile dir */
static void
expand(const char *expect, char *out, size_t len)
{
	const char *s = strstr(expect, "%s");

	if (s == NULL)
		snprintf(out, len, "%s", expect);
	else
		snprintf(out, len, "%.*s%s%s", (int)(s - expect), expect,
			 tusk_profile_default_dir(), s + 2);
}

static void
test_bad_configs(void **state)
{
	char err[TUSK_CFG_ERR_MAX], want[TUSK_CFG_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int rc;

		err[0] = '\0';
		expand(bad_cases[i].expect, want, sizeof(want));
		rc = tusk_config_parse("tuskd.conf", bad_cases[i].text, &cfg,
				       err, sizeof(err));
		if (rc != -EINVAL || strcmp(err, want) != 0)
			print_error("case %zu: rc %d\n got: %s\nwant: %s\n", i,
				    rc, err, want);
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(err, want);
	}
}

static char *
data_path(const char *name)
{
	static char path[TUSK_CONFIG_PATH_MAX];

	/* The profile dir is <source>/pmdcfg/profiles (meson define). */
	snprintf(path, sizeof(path), "%s/../../tests/unit/data/%s",
		 tusk_profile_default_dir(), name);
	return path;
}

static rte_be32_t
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void
test_good_file(void **state)
{
	char err[TUSK_CFG_ERR_MAX], want[TUSK_CONFIG_PATH_MAX + 16];
	const char *path = data_path("tuskd_good.conf");
	char dir[TUSK_CONFIG_PATH_MAX];
	const struct tusk_config_port *p;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (tusk_config_load(path, &cfg, err, sizeof(err)) != 0)
		print_error("%s\n", err);
	assert_int_equal(tusk_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.eal_args, "-l 0-1 --in-memory --no-pci");
	assert_int_equal(cfg.lcores, 1);
	snprintf(want, sizeof(want), "%s/srv", dir); /* relative to the file */
	assert_string_equal(cfg.data_root, want);
	assert_string_equal(cfg.control_socket, "/tmp/tusk-test.sock");
	assert_int_equal(cfg.log_level, RTE_LOG_DEBUG);
	assert_string_equal(cfg.profile_dir, tusk_profile_default_dir());
	assert_int_equal(cfg.arp_timeout_s, 120);
	assert_int_equal(cfg.nports, 2);

	p = &cfg.ports[0];
	assert_string_equal(p->name, "data0");
	assert_string_equal(p->device, "net_af_packet0,iface=veth0");
	assert_true(tusk_config_port_is_vdev(p));
	assert_string_equal(p->prof.name, "af_packet");
	assert_int_equal(p->address.addr, ip("10.10.0.1"));
	assert_int_equal(p->address.len, 24);
	assert_int_equal(p->gateway, ip("10.10.0.254"));
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(p->rx_desc, p->prof.rx_desc);
	assert_string_equal(p->devargs, "qpairs=2,framecnt=4096");

	p = &cfg.ports[1];
	assert_string_equal(p->name, "mgmt");
	assert_string_equal(p->prof.name, "good_ring"); /* ./good_ring.conf */
	assert_int_equal(p->gateway, 0);
	assert_int_equal(p->mtu, 1500);                 /* the profile's */
	assert_int_equal(p->rx_desc, 256);              /* overridden */
	assert_int_equal(p->tx_desc, 512);              /* the profile's */
	assert_int_equal(p->address.len, 30);
	tusk_config_free(&cfg);
}

/* The checked-in bad file gives the brief's example line. */
static void
test_bad_file_and_unreadable(void **state)
{
	char err[TUSK_CFG_ERR_MAX], want[TUSK_CONFIG_PATH_MAX + 64];
	const char *path = data_path("tuskd_bad.conf");

	assert_int_equal(tusk_config_load(path, &cfg, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:12: rx_desc: value 70000 out of range [64, 32768]", path);
	assert_string_equal(err, want);
	assert_int_equal(tusk_config_load("/nonexistent/tuskd.conf", &cfg, err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "/nonexistent/tuskd.conf: cannot open: No such file or directory");
}

static void
test_defaults(void **state)
{
	char err[TUSK_CFG_ERR_MAX], want[TUSK_CFG_ERR_MAX];

	/* the lcore bound follows the DPDK build (one lcore is EAL's main) */
	assert_int_equal(tusk_config_parse("tuskd.conf",
		"[tuskd]\nlcores = 0\n" PORT0, &cfg, err, sizeof(err)),
		-EINVAL);
	snprintf(want, sizeof(want),
		 "tuskd.conf:2: lcores: value 0 out of range [1, %d]",
		 RTE_MAX_LCORE - 1);
	assert_string_equal(err, want);

	assert_int_equal(tusk_config_parse("tuskd.conf", PORT0, &cfg, err,
					   sizeof(err)), 0);
	assert_string_equal(cfg.eal_args, "");
	assert_int_equal(cfg.lcores, 1);
	assert_string_equal(cfg.data_root, "/var/lib/tusk");
	assert_string_equal(cfg.control_socket, "/run/tusk/tuskd.sock");
	assert_int_equal(cfg.log_level, RTE_LOG_INFO);
	assert_string_equal(cfg.profile_dir, tusk_profile_default_dir());
	assert_int_equal(cfg.arp_timeout_s, 300);
	assert_int_equal(cfg.poll, TUSK_POLL_BUSY);
	assert_int_equal(cfg.ports[0].gateway, 0);
	assert_int_equal(cfg.ports[0].mtu, cfg.ports[0].prof.mtu);
	assert_string_equal(cfg.ports[0].devargs, "");
	/* PCI ports and the log levels at both ends of the enum */
	assert_int_equal(tusk_config_parse("tuskd.conf",
		"[tuskd]\nlog_level = emerg\n[port p]\ndevice = 0000:03:00.1\n"
		"profile = ixgbe\naddress = 10.0.0.1/31\n", &cfg, err,
		sizeof(err)), 0);
	assert_int_equal(cfg.log_level, RTE_LOG_EMERG);
	assert_false(tusk_config_port_is_vdev(&cfg.ports[0]));
	assert_int_equal(tusk_config_parse("tuskd.conf",
		"[tuskd]\nlog_level = debug\n[port p]\ndevice = 3b:00.0,x=1\n"
		"profile = mlx5\naddress = 10.0.0.1/32\n", &cfg, err,
		sizeof(err)), 0);
	assert_int_equal(cfg.log_level, RTE_LOG_DEBUG);
}

static void
load_base(void)
{
	char err[TUSK_CFG_ERR_MAX];

	assert_int_equal(tusk_config_parse("tuskd.conf", TUSKD PORT0
		PORT("mgmt", "net_ring0", "192.168.1.2/24"), &cfg, err,
		sizeof(err)), 0);
}

/* Apply an override that must fail with `want` and leave cfg unchanged. */
static void
override_fails(const char *assignment, const char *want)
{
	static struct tusk_config before;
	char err[TUSK_CFG_ERR_MAX];

	before = cfg;
	assert_int_equal(tusk_config_override(&cfg, assignment, err,
					      sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	assert_memory_equal(&before, &cfg, sizeof(cfg));
}

static void
test_overrides(void **state)
{
	static const char *const both[] = {
		"port.mgmt.device=net_null0", "port.mgmt.profile=null",
	};
	char err[TUSK_CFG_ERR_MAX], want[TUSK_CFG_ERR_MAX];
	struct tusk_config_port *p;

	load_base();
	assert_int_equal(tusk_config_override(&cfg, "tuskd.lcores=1", err,
					      sizeof(err)), 0);
	assert_int_equal(tusk_config_override(&cfg, "tuskd.poll = adaptive",
					      err, sizeof(err)), 0);
	assert_int_equal(cfg.poll, TUSK_POLL_ADAPTIVE);
	assert_int_equal(tusk_config_override(&cfg, "tuskd.log_level = warning",
					      err, sizeof(err)), 0);
	assert_int_equal(cfg.log_level, RTE_LOG_WARNING);
	assert_int_equal(tusk_config_override(&cfg,
		"eal.args=-l 0 --no-huge --vdev net_null0", err, sizeof(err)), 0);
	assert_string_equal(cfg.eal_args, "-l 0 --no-huge --vdev net_null0");
	assert_int_equal(tusk_config_override(&cfg, "port.data0.mtu=1400",
					      err, sizeof(err)), 0);
	p = tusk_config_port(&cfg, "data0");
	assert_non_null(p);
	assert_int_equal(p->mtu, 1400);
	assert_int_equal(tusk_config_override(&cfg,
		"port.mgmt.gateway=192.168.1.1", err, sizeof(err)), 0);
	assert_int_equal(tusk_config_port(&cfg, "mgmt")->gateway,
			 ip("192.168.1.1"));
	/* relative paths from the command line stay relative (to the cwd) */
	assert_int_equal(tusk_config_override(&cfg, "tuskd.data_root=run/x",
					      err, sizeof(err)), 0);
	assert_string_equal(cfg.data_root, "run/x");
	/* a new profile re-resolves the port; device and profile must agree,
	 * so they change together */
	assert_int_equal(tusk_config_override(&cfg, "port.mgmt.profile=null",
					      err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "<command line>: profile: profile \"null\" is for net_null, not net_ring0");
	assert_int_equal(tusk_config_override(&cfg, "port.mgmt.device=net_null0",
					      err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "<command line>: device: profile \"ring\" is for net_ring, not net_null0");
	assert_int_equal(tusk_config_overrides(&cfg, both, 2, err,
					       sizeof(err)), 0);
	assert_string_equal(tusk_config_port(&cfg, "mgmt")->prof.name, "null");
	assert_int_equal(tusk_config_port(&cfg, "mgmt")->mtu, 9000);

	snprintf(want, sizeof(want),
		 "<command line>: lcores: value 0 out of range [1, %d]",
		 RTE_MAX_LCORE - 1);
	override_fails("tuskd.lcores=0", want);
	override_fails("port.data0.mtu=9001",
		       "<command line>: mtu: value 9001 exceeds the maximum 9000 of profile \"af_packet\"");
	override_fails("port.data0.address=10.0.0.300/24",
		       "<command line>: address: bad IPv4 prefix \"10.0.0.300/24\"");
	override_fails("port.data0.address=192.168.1.2/24",
		       "<command line>: address: 192.168.1.2 already used by [port mgmt]");
	override_fails("port.data1.mtu=1500",
		       "<command line>: port.data1: no such port");
	override_fails("port.data0=1500",
		       "<command line>: port.data0=1500: expected port.NAME.key=value");
	override_fails("lcores=2",
		       "<command line>: lcores: expected section.key=value or port.NAME.key=value");
	override_fails("tuskd.lcores",
		       "<command line>: tuskd.lcores: expected section.key=value or port.NAME.key=value");
	override_fails("tusk.lcores=2", "<command line>: tusk: unknown section");
	override_fails("tuskd.cores=2", "<command line>: cores: unknown key");
	/* the file's line is kept for keys the command line did not touch:
	 * the profile named on line 5 is what cannot be found */
	override_fails("tuskd.profile_dir=/nonexistent",
		       "tuskd.conf:5: profile: /nonexistent/af_packet.conf: cannot open: No such file or directory");
	override_fails("port.data0.rx_desc=4000",
		       "<command line>: rx_desc: rx_desc 4000 + tx_desc 1024 + burst 32 exceed the 4096 mbufs of profile \"af_packet\"");
	override_fails("port.data0.profile=tap",
		       "<command line>: profile: profile \"tap\" is for net_tap, not net_af_packet0");
}

/* An override that breaks a key set in the file blames the file's line. */
static void
test_override_blames_file_line(void **state)
{
	char err[TUSK_CFG_ERR_MAX];

	static const char *const to_tap[] = {
		"port.data0.device=net_tap0", "port.data0.profile=tap",
	};
	static const char *const to_tap_1500[] = {
		"port.data0.device=net_tap0", "port.data0.profile=tap",
		"port.data0.mtu=1500",
	};

	assert_int_equal(tusk_config_parse("tuskd.conf", TUSKD PORT0
		"mtu = 9000\n", &cfg, err, sizeof(err)), 0);
	assert_int_equal(tusk_config_overrides(&cfg, to_tap, 2, err,
					       sizeof(err)), -EINVAL);
	assert_string_equal(err, "tuskd.conf:7: mtu: value 9000 exceeds the maximum 1500 of profile \"tap\"");
	assert_string_equal(cfg.ports[0].device, "net_af_packet0,iface=veth0");
	assert_int_equal(tusk_config_overrides(&cfg, to_tap_1500, 3, err,
					       sizeof(err)), 0);
	assert_string_equal(cfg.ports[0].prof.name, "tap");
	assert_int_equal(cfg.ports[0].mtu, 1500);
}

static void
test_eal_argv(void **state)
{
	char err[TUSK_CFG_ERR_MAX];
	char *argv[TUSK_CONFIG_EAL_ARGV_MAX];
	char args[TUSK_CONFIG_EAL_ARGS_MAX];
	int argc, i;

	assert_int_equal(tusk_config_parse("tuskd.conf",
		"[eal]\nargs = -l 0-1\t --in-memory  --file-prefix t\n" PORT0,
		&cfg, err, sizeof(err)), 0);
	argc = tusk_config_eal_argv(&cfg, "tuskd", argv, TUSK_CONFIG_EAL_ARGV_MAX);
	assert_int_equal(argc, 6);
	assert_string_equal(argv[0], "tuskd");
	assert_string_equal(argv[1], "-l");
	assert_string_equal(argv[2], "0-1");
	assert_string_equal(argv[3], "--in-memory");
	assert_string_equal(argv[5], "t");
	assert_null(argv[6]);
	/* the args themselves are untouched (a second call gives the same) */
	assert_string_equal(cfg.eal_args, "-l 0-1\t --in-memory  --file-prefix t");
	assert_int_equal(tusk_config_eal_argv(&cfg, "x", argv, 7), 6);
	assert_int_equal(tusk_config_eal_argv(&cfg, "x", argv, 6), -E2BIG);

	args[0] = '\0';
	for (i = 0; i < TUSK_CONFIG_EAL_ARGV_MAX; i++)
		strcat(args, "-v ");
	strcpy(cfg.eal_args, args);
	assert_int_equal(tusk_config_eal_argv(&cfg, "x", argv,
					      TUSK_CONFIG_EAL_ARGV_MAX), -E2BIG);
	strcpy(cfg.eal_args, "");
	assert_int_equal(tusk_config_eal_argv(&cfg, "x", argv,
					      TUSK_CONFIG_EAL_ARGV_MAX), 1);
}

static void
test_devstr(void **state)
{
	char err[TUSK_CFG_ERR_MAX], buf[1024];

	/* profile defaults < device string < port devargs; first-seen order */
	assert_int_equal(tusk_config_parse("tuskd.conf", TUSKD
		"[port data0]\ndevice = net_af_packet0,iface=veth0,framecnt=512\n"
		"profile = af_packet\naddress = 10.0.0.1/24\n"
		"devargs = qpairs=2,framecnt=1024,blocksz=16384\n",
		&cfg, err, sizeof(err)), 0);
	assert_int_equal(tusk_config_port_devstr(&cfg.ports[0], buf,
						 sizeof(buf)), 0);
	assert_string_equal(buf, "net_af_packet0,iface=veth0,framecnt=1024,"
			    "framesz=16384,blocksz=16384,qpairs=2");
	assert_int_equal(tusk_config_port_devstr(&cfg.ports[0], buf, 20),
			 -ENAMETOOLONG);
	/* a PCI device with no devargs anywhere */
	assert_int_equal(tusk_config_parse("tuskd.conf", TUSKD
		"[port p]\ndevice = 0000:03:00.0\nprofile = ice\n"
		"address = 10.0.0.1/24\n", &cfg, err, sizeof(err)), 0);
	assert_int_equal(tusk_config_port_devstr(&cfg.ports[0], buf,
						 sizeof(buf)), 0);
	assert_string_equal(buf, "0000:03:00.0");
}

static void
test_json(void **state)
{
	char err[TUSK_CFG_ERR_MAX];
	json_t *o, *ports, *p;

	load_base();
	assert_int_equal(tusk_config_override(&cfg, "port.data0.mtu=1500", err,
					      sizeof(err)), 0);
	o = tusk_config_to_json(&cfg);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "path")),
			    "tuskd.conf");
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(o, "tuskd"), "lcores")), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(o, "tuskd"), "log_level")), "info");
	ports = json_object_get(o, "ports");
	assert_int_equal(json_array_size(ports), 2);
	p = json_array_get(ports, 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")),
			    "data0");
	assert_string_equal(json_string_value(json_object_get(p, "address")),
			    "10.0.0.1/24");
	assert_true(json_is_null(json_object_get(p, "gateway")));
	assert_int_equal(json_integer_value(json_object_get(p, "mtu")), 1500);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(p, "pmd"), "mtu")), 9000);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(p, "pmd"), "name")), "af_packet");
	json_decref(o);
}

/* Every key of every section has a description and a row in
 * the top README.md. */
/* [auth] defaults (mode required, name tusk), values, issuers with
 * their JWKS paths taken from the file's directory, JSON, overrides. */
static void
test_auth_section(void **state)
{
	char err[TUSK_CFG_ERR_MAX] = "";
	json_t *j;

	(void)state;
	assert_int_equal(tusk_config_parse("/etc/tusk/tuskd.conf", TUSKD PORT0,
					   &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.auth.mode, TUSK_CONFIG_AUTH_REQUIRED);
	assert_string_equal(cfg.auth.name, "tusk");
	assert_string_equal(cfg.auth.macaroon_secret, "");
	assert_int_equal(cfg.auth.n_issuers, 0);
	assert_int_equal(tusk_config_parse("/etc/tusk/tuskd.conf", TUSKD PORT0
		"[auth]\nname = dtn1.example.org\nmacaroon_secret = mac.key\n"
		"anon_read = /pub /open/data\n"
		"[issuer wlcg]\niss = https://wlcg.example\njwks = wlcg.json\n",
		&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.auth.name, "dtn1.example.org");
	assert_string_equal(cfg.auth.macaroon_secret, "/etc/tusk/mac.key");
	assert_string_equal(cfg.auth.anon_read, "/pub /open/data");
	assert_int_equal(cfg.auth.n_issuers, 1);
	assert_string_equal(cfg.auth.issuers[0].name, "wlcg");
	assert_string_equal(cfg.auth.issuers[0].iss, "https://wlcg.example");
	assert_string_equal(cfg.auth.issuers[0].jwks, "/etc/tusk/wlcg.json");
	j = tusk_config_to_json(&cfg);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "auth"), "mode")), "required");
	assert_int_equal(json_array_size(json_object_get(
		json_object_get(j, "auth"), "issuers")), 1);
	json_decref(j);
	assert_int_equal(tusk_config_override(&cfg, "auth.mode=off", err,
					      sizeof(err)), 0);
	assert_int_equal(cfg.auth.mode, TUSK_CONFIG_AUTH_OFF);
	assert_int_equal(tusk_config_override(&cfg, "auth.anon_read=x", err,
					      sizeof(err)), -EINVAL);
	assert_string_equal(err, "<command line>: auth.anon_read: each prefix "
			    "an absolute path without \".\", \"..\" or "
			    "\"//\"");
}

static void
test_schema_documented(void **state)
{
	static const char *const sections[] = { "eal", "tuskd", "auth",
						"port" };
	char path[TUSK_CONFIG_PATH_MAX], row[128];
	const struct tusk_cfgschema_key *keys;
	char *readme = NULL;
	size_t n, i, j;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/../../README.md",
		 tusk_profile_default_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	readme = calloc(1, (size_t)len + 1);
	assert_non_null(readme);
	assert_int_equal(fread(readme, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (j = 0; j < sizeof(sections) / sizeof(sections[0]); j++) {
		keys = tusk_config_schema(sections[j], &n);
		assert_non_null(keys);
		for (i = 0; i < n; i++) {
			assert_non_null(keys[i].desc);
			snprintf(row, sizeof(row), "| `%s` |", keys[i].name);
			if (strstr(readme, row) == NULL)
				print_error("README.md lacks [%s] %s\n",
					    sections[j], row);
			assert_non_null(strstr(readme, row));
		}
	}
	assert_null(tusk_config_schema("ports", &n));
	free(readme);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_file_and_unreadable),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_override_blames_file_line),
		cmocka_unit_test(test_eal_argv),
		cmocka_unit_test(test_devstr),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_auth_section),
		cmocka_unit_test(test_schema_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
