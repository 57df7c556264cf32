/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PMD profiles: the INI reader's syntax errors, the schema's value errors,
 * the profile consistency rules, lookup by name/path/driver, and every
 * profile shipped in pmdcfg/profiles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfgfile.h"
#include "cfgschema.h"
#include "profile.h"

/* A valid profile; lines 1..8. Cases below change or append lines. */
#define PROF(rx, tx, burst, mtu, room, mbufs) \
	"[profile]\n"                /* 1 */ \
	"driver = net_x\n"           /* 2 */ \
	"rx_desc = " rx "\n"         /* 3 */ \
	"tx_desc = " tx "\n"         /* 4 */ \
	"burst = " burst "\n"        /* 5 */ \
	"mtu = " mtu "\n"            /* 6 */ \
	"mbuf_data_room = " room "\n" /* 7 */ \
	"mbufs = " mbufs "\n"        /* 8 */
#define BASE PROF("1024", "1024", "32", "1500", "2176", "4096")

struct bad_case {
	const char *text;
	const char *expect; /* the whole error line */
};

static const struct bad_case bad_cases[] = {
	/* the reader */
	{ "[profile]\ndriver = net_x\n# comment\nmtu_bytes = 1\n",
	  "t.conf:4: mtu_bytes: unknown key" },
	{ BASE "mtu = 1400\n",
	  "t.conf:9: mtu: duplicate key (first on line 6)" },
	{ BASE "[profile]\n",
	  "t.conf:9: duplicate section [profile] (first on line 1)" },
	{ "\ndriver = net_x\n[profile]\n",
	  "t.conf:2: driver: key outside a section" },
	{ "[profile]\njust some words\n",
	  "t.conf:2: malformed line: expected \"key = value\", \"[section]\" or \"# comment\"" },
	{ "[profile]\n= 5\n", "t.conf:2: malformed line: bad key \"\"" },
	{ "[profile]\nrx desc = 5\n",
	  "t.conf:2: malformed line: bad key \"rx desc\"" },
	{ "[profile\n", "t.conf:1: malformed section header: missing ']'" },
	{ "[a b c]\n",
	  "t.conf:1: malformed section header: expected [type] or [type name]" },
	{ "[]\n",
	  "t.conf:1: malformed section header: expected [type] or [type name]" },
	/* sections */
	{ "[port x]\n",
	  "t.conf:1: unknown section [port x] (a profile has only [profile])" },
	{ BASE "[eal]\n",
	  "t.conf:9: unknown section [eal] (a profile has only [profile])" },
	{ "# nothing\n", "t.conf:1: missing section [profile]" },
	/* values */
	{ PROF("70000", "1024", "32", "1500", "2176", "4096"),
	  "t.conf:3: rx_desc: value 70000 out of range [64, 32768]" },
	{ PROF("32", "1024", "32", "1500", "2176", "4096"),
	  "t.conf:3: rx_desc: value 32 out of range [64, 32768]" },
	{ PROF("99999999999999999999999", "1024", "32", "1500", "2176", "4096"),
	  "t.conf:3: rx_desc: value 99999999999999999999999 out of range [64, 32768]" },
	{ PROF("1024", "12x", "32", "1500", "2176", "4096"),
	  "t.conf:4: tx_desc: value \"12x\" is not a number" },
	{ PROF("1024", "-5", "32", "1500", "2176", "4096"),
	  "t.conf:4: tx_desc: value \"-5\" is not a number" },
	{ PROF("1024", "", "32", "1500", "2176", "4096"),
	  "t.conf:4: tx_desc: value \"\" is not a number" },
	{ PROF("1024", "1024", "0", "1500", "2176", "4096"),
	  "t.conf:5: burst: value 0 out of range [1, 512]" },
	{ PROF("1024", "1024", "32", "67", "2176", "4096"),
	  "t.conf:6: mtu: value 67 out of range [68, 16000]" },
	{ PROF("1024", "1024", "32", "1500", "70000", "4096"),
	  "t.conf:7: mbuf_data_room: value 70000 out of range [192, 65535]" },
	{ "[profile]\ndriver =\n", "t.conf:2: driver: empty value" },
	{ BASE "offloads = ipv4_cksum, lro\n",
	  "t.conf:9: offloads: unknown flag \"lro\" (expected: ipv4_cksum, tcp_cksum, udp_cksum, tso, rss, scatter, multi_seg)" },
	{ BASE "rss_hash = ipv6\n",
	  "t.conf:9: rss_hash: unknown flag \"ipv6\" (expected: ip, tcp, udp)" },
	{ BASE "link_wait_ms = 70000\n",
	  "t.conf:9: link_wait_ms: value 70000 out of range [0, 60000]" },
	{ "[profile]\nrx_desc = 64\n",
	  "t.conf:1: missing required key \"driver\" in [profile]" },
	{ "[profile]\ndriver = net_x\nrx_desc = 64\ntx_desc = 64\n"
	  "mbuf_data_room = 2176\nmbufs = 4096\n",
	  "t.conf:1: missing required key \"mtu\" in [profile]" },
	/* consistency */
	{ PROF("1024", "1024", "32", "9000", "2176", "4096"),
	  "t.conf:6: mtu: 9018-byte frames need mbuf_data_room >= 9146 (mtu + 18 + headroom 128) or the scatter offload" },
	{ BASE "rss_hash = ip, tcp\n",
	  "t.conf:9: rss_hash: set without the rss offload" },
	{ BASE "offloads = ipv4_cksum tso\n",
	  "t.conf:9: offloads: tso needs tcp_cksum" },
	{ PROF("1024", "1024", "32", "1500", "2176", "1000"),
	  "t.conf:8: mbufs: 1000 is fewer than rx_desc + tx_desc + burst (2080)" },
	{ PROF("64", "1024", "128", "1500", "2176", "4096"),
	  "t.conf:5: burst: larger than rx_desc or tx_desc" },
	/* burst defaults to 32: the error points at the section */
	{ "[profile]\ndriver = net_x\nrx_desc = 128\ntx_desc = 128\n"
	  "mtu = 1500\nmbuf_data_room = 2176\nmbufs = 256\n\n\n",
	  "t.conf:7: mbufs: 256 is fewer than rx_desc + tx_desc + burst (288)" },
};

static void
test_bad_profiles(void **state)
{
	struct tusk_profile p;
	char err[TUSK_CFG_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = tusk_profile_parse("t.conf", bad_cases[i].text, &p, err,
					sizeof(err));
		if (rc != -EINVAL || strcmp(err, bad_cases[i].expect) != 0)
			print_error("case %zu: rc %d\n got: %s\nwant: %s\n", i,
				    rc, err, bad_cases[i].expect);
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(err, bad_cases[i].expect);
	}
}

/* Values parse to the right fields; comments, CRLF, blanks and '#'
 * inside a value are handled as cfgfile.h says. */
static void
test_good_profile_values(void **state)
{
	struct tusk_profile p;
	char err[TUSK_CFG_ERR_MAX];

	assert_int_equal(tusk_profile_parse("dir/x.conf",
		"# a comment line\r\n[profile]   # trailing comment\r\n"
		"  driver=net_af_packet,net_x  \r\n"
		"rx_desc = 512\ntx_desc = 256\nburst = 16\nmtu = 9000\n"
		"mbuf_data_room = 16512\nmbufs = 2048\n"
		"offloads = ipv4_cksum tcp_cksum,tso  multi_seg, rss\r\n"
		"rss_hash = ip,tcp\n"
		"devargs = iface=a#b,qpairs=1 # only this part is a comment\n"
		"link_wait_ms = 0\n", &p, err, sizeof(err)), 0);
	assert_string_equal(p.name, "x");
	assert_string_equal(p.path, "dir/x.conf");
	assert_string_equal(p.driver, "net_af_packet,net_x");
	assert_int_equal(p.rx_desc, 512);
	assert_int_equal(p.tx_desc, 256);
	assert_int_equal(p.burst, 16);
	assert_int_equal(p.mtu, 9000);
	assert_int_equal(p.mbuf_data_room, 16512);
	assert_int_equal(p.mbufs, 2048);
	assert_int_equal(p.offloads, TUSK_PROFILE_OFF_IPV4_CKSUM |
			 TUSK_PROFILE_OFF_TCP_CKSUM | TUSK_PROFILE_OFF_TSO |
			 TUSK_PROFILE_OFF_MULTI_SEG | TUSK_PROFILE_OFF_RSS);
	assert_int_equal(p.rss_hash, TUSK_PROFILE_RSS_IP | TUSK_PROFILE_RSS_TCP);
	assert_string_equal(p.devargs, "iface=a#b,qpairs=1");
	assert_int_equal(p.link_wait_ms, 0);
	assert_true(tusk_profile_applies(&p, "net_x0"));
	assert_true(tusk_profile_applies(&p, "net_af_packet1"));
	assert_false(tusk_profile_applies(&p, "net_tap0"));
}

static void
test_defaults(void **state)
{
	struct tusk_profile p;
	char err[TUSK_CFG_ERR_MAX];

	assert_int_equal(tusk_profile_parse("t.conf",
		"[profile]\ndriver = net_x\nrx_desc = 64\ntx_desc = 64\n"
		"mtu = 1500\nmbuf_data_room = 2176\nmbufs = 256\n", &p, err,
		sizeof(err)), 0);
	assert_int_equal(p.burst, 32);
	assert_int_equal(p.offloads, 0);
	assert_int_equal(p.rss_hash, 0);
	assert_string_equal(p.devargs, "");
	assert_int_equal(p.link_wait_ms, 9000);
	/* scatter lets a jumbo MTU span mbufs */
	assert_int_equal(tusk_profile_parse("t.conf",
		PROF("1024", "1024", "32", "9000", "2176", "4096")
		"offloads = scatter\n", &p, err, sizeof(err)), 0);
	assert_int_equal(p.offloads, TUSK_PROFILE_OFF_SCATTER);
}

static void
test_long_lines(void **state)
{
	struct tusk_profile p;
	char err[TUSK_CFG_ERR_MAX];
	static char text[4 * TUSK_CFGFILE_LINE_MAX];
	size_t n;

	n = (size_t)sprintf(text, "[profile]\ndevargs = ");
	memset(text + n, 'a', TUSK_CFGFILE_VALUE_MAX);
	strcpy(text + n + TUSK_CFGFILE_VALUE_MAX, "\n");
	assert_int_equal(tusk_profile_parse("t.conf", text, &p, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: devargs: value longer than 1023 bytes");

	n = (size_t)sprintf(text, "[profile]\n\ndevargs = ");
	memset(text + n, 'a', TUSK_CFGFILE_LINE_MAX);
	strcpy(text + n + TUSK_CFGFILE_LINE_MAX, "\n");
	assert_int_equal(tusk_profile_parse("t.conf", text, &p, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: line longer than 2047 bytes");

	/* within the value limit but over the devargs buffer */
	n = (size_t)sprintf(text, "[profile]\ndevargs = ");
	memset(text + n, 'a', TUSK_PROFILE_DEVARGS_MAX);
	strcpy(text + n + TUSK_PROFILE_DEVARGS_MAX, "\n");
	assert_int_equal(tusk_profile_parse("t.conf", text, &p, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: devargs: value longer than 511 bytes");
}

/* Every file in the shipped profile directory loads, by path and by name,
 * and names a net_ PMD; the families the brief requires are all there. */
static void
test_shipped_profiles(void **state)
{
	static const char *const required[] = {
		"mlx5", "ice", "i40e", "ixgbe", "virtio", "af_packet",
		"af_xdp", "tap", "memif", "pcap", "ring", "null",
	};
	const char *dir = tusk_profile_default_dir();
	char err[TUSK_CFG_ERR_MAX], path[TUSK_PROFILE_PATH_MAX];
	struct tusk_profile p;
	struct dirent *de;
	unsigned int n = 0;
	size_t i;
	DIR *d;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (tusk_profile_load(path, &p, err, sizeof(err)) != 0)
			print_error("%s\n", err);
		assert_int_equal(tusk_profile_load(path, &p, err, sizeof(err)), 0);
		assert_int_equal(strncmp(p.driver, "net_", 4), 0);
		assert_true(p.mtu >= 1500);
		n++;
	}
	closedir(d);
	assert_true(n >= sizeof(required) / sizeof(required[0]));
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		assert_int_equal(tusk_profile_find(NULL, required[i], &p, err,
						   sizeof(err)), 0);
		assert_string_equal(p.name, required[i]);
	}
	/* the figures the brief fixes */
	assert_int_equal(tusk_profile_find(NULL, "af_packet", &p, err,
					   sizeof(err)), 0);
	assert_int_equal(p.mtu, 9000);
	assert_int_equal(p.mbuf_data_room, 16512);
	assert_non_null(strstr(p.devargs, "framesz=16384"));
	assert_non_null(strstr(p.devargs, "blocksz=16384"));
	assert_int_equal(tusk_profile_find(NULL, "memif", &p, err,
					   sizeof(err)), 0);
	assert_int_equal(p.mtu, 9000);
	assert_non_null(strstr(p.devargs, "bsize="));
}

static void
test_find_and_match(void **state)
{
	const char *dir = tusk_profile_default_dir();
	char err[TUSK_CFG_ERR_MAX], want[TUSK_CFG_ERR_MAX];
	struct tusk_profile p;

	assert_int_equal(tusk_profile_find(dir, "nope", &p, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/nope.conf: cannot open: No such file or directory", dir);
	assert_string_equal(err, want);
	assert_int_equal(tusk_profile_load("/nonexistent/x.conf", &p, err,
					   sizeof(err)), -EINVAL);
	assert_string_equal(err, "/nonexistent/x.conf: cannot open: No such file or directory");
	/* a directory is not a profile */
	assert_int_equal(tusk_profile_load(dir, &p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", dir);
	assert_string_equal(err, want);

	/* by driver name, as rte_eth_dev_info reports it */
	assert_int_equal(tusk_profile_match(dir, "net_af_packet", &p, err,
					    sizeof(err)), 0);
	assert_string_equal(p.name, "af_packet");
	assert_int_equal(tusk_profile_match(dir, "mlx5_pci", &p, err,
					    sizeof(err)), 0);
	assert_string_equal(p.name, "mlx5");
	assert_int_equal(tusk_profile_match(dir, "net_null", &p, err,
					    sizeof(err)), 0);
	assert_string_equal(p.name, "null");
	assert_int_equal(tusk_profile_match(dir, "net_ring", &p, err,
					    sizeof(err)), 0);
	assert_string_equal(p.name, "ring");
	assert_int_equal(tusk_profile_match(dir, "net_bogus", &p, err,
					    sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: no profile for driver \"net_bogus\"",
		 dir);
	assert_string_equal(err, want);
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Longest driver prefix wins; a broken profile in the directory is an
 * error, not silently skipped; files from disk report their path. */
static void
test_match_longest_and_broken(void **state)
{
	char dir[] = "/tmp/tusk_profile_XXXXXX";
	char path[256], err[TUSK_CFG_ERR_MAX], want[TUSK_CFG_ERR_MAX];
	struct tusk_profile p;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/short.conf", dir);
	assert_int_equal(write_file(path, "[profile]\ndriver = net_a\n"
		"rx_desc = 64\ntx_desc = 64\nmtu = 1500\n"
		"mbuf_data_room = 2176\nmbufs = 256\n"), 0);
	snprintf(path, sizeof(path), "%s/long.conf", dir);
	assert_int_equal(write_file(path, "[profile]\ndriver = net_zz, net_ab\n"
		"rx_desc = 64\ntx_desc = 64\nmtu = 1500\n"
		"mbuf_data_room = 2176\nmbufs = 256\n"), 0);
	assert_int_equal(tusk_profile_match(dir, "net_ab0", &p, err,
					    sizeof(err)), 0);
	assert_string_equal(p.name, "long");
	assert_int_equal(tusk_profile_match(dir, "net_ac0", &p, err,
					    sizeof(err)), 0);
	assert_string_equal(p.name, "short");
	/* by path, with a '/' in the name */
	assert_int_equal(tusk_profile_find("/elsewhere", path, &p, err,
					   sizeof(err)), 0);
	assert_string_equal(p.name, "long");

	snprintf(path, sizeof(path), "%s/broken.conf", dir);
	assert_int_equal(write_file(path, "[profile]\ndriver = net_q\n"
		"mtu_bytes = 9000\n"), 0);
	assert_int_equal(tusk_profile_match(dir, "net_ab0", &p, err,
					    sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: mtu_bytes: unknown key", path);
	assert_string_equal(err, want);
	unlink(path);

	/* a NUL byte: not a text file */
	snprintf(path, sizeof(path), "%s/bin.conf", dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fwrite("[profile]\0x", 1, 11, f);
		fclose(f);
	}
	assert_int_equal(tusk_profile_load(path, &p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: cannot open: not a text file (NUL byte)",
		 path);
	assert_string_equal(err, want);
	unlink(path);
	snprintf(path, sizeof(path), "%s/short.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/long.conf", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* The checked-in bad profile under tests/unit/data reports its own path. */
static void
test_data_file(void **state)
{
	char path[TUSK_PROFILE_PATH_MAX], err[TUSK_CFG_ERR_MAX];
	char want[TUSK_PROFILE_PATH_MAX + 64];
	struct tusk_profile p;

	snprintf(path, sizeof(path), "%s/../../tests/unit/data/af_packet.conf",
		 tusk_profile_default_dir());
	assert_int_equal(tusk_profile_load(path, &p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: mtu_bytes: unknown key", path);
	assert_string_equal(err, want);
}

static void
test_json(void **state)
{
	struct tusk_profile p;
	char err[TUSK_CFG_ERR_MAX];
	json_t *o, *off;

	assert_int_equal(tusk_profile_find(NULL, "mlx5", &p, err,
					   sizeof(err)), 0);
	o = tusk_profile_to_json(&p);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "name")),
			    "mlx5");
	assert_int_equal(json_integer_value(json_object_get(o, "rx_desc")),
			 p.rx_desc);
	off = json_object_get(o, "offloads");
	assert_true(json_is_array(off));
	assert_int_equal(json_array_size(off), 7);
	assert_string_equal(json_string_value(json_array_get(off, 3)), "tso");
	assert_int_equal(json_array_size(json_object_get(o, "rss_hash")), 2);
	json_decref(o);
}

/* Damaged text never crashes the reader: each result is success or one
 * error line naming the file. Deterministic (fixed seed). */
static void
test_garbage(void **state)
{
	static const char base[] = BASE "offloads = rss, scatter\n"
		"rss_hash = ip\ndevargs = a=1,b=2\n";
	static const char alphabet[] = "[]=#,. \t\r\nab0_9-/";
	char text[sizeof(base)], err[TUSK_CFG_ERR_MAX];
	struct tusk_profile p;
	unsigned int i, j, ok = 0;

	srand(12345);
	for (i = 0; i < 20000; i++) {
		int rc;

		memcpy(text, base, sizeof(base));
		for (j = 0; j < 1 + i % 4; j++)
			text[(size_t)rand() % (sizeof(base) - 1)] =
				alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		err[0] = '\0';
		rc = tusk_profile_parse("t.conf", text, &p, err, sizeof(err));
		if (rc == 0) {
			ok++;
			continue;
		}
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(strncmp(err, "t.conf:", 7), 0);
		assert_null(strchr(err, '\n'));
	}
	/* some damage is harmless (inside devargs, comments): both paths ran */
	assert_true(ok > 0 && ok < 20000);
}

/* The value types no profile key uses yet, straight through the schema. */
struct all_types {
	bool b;
	rte_be32_t ip;
	uint32_t level;
	char path[32];
};

static void
test_schema_types(void **state)
{
	static const char *const lv[] = { "low", "high", NULL };
	static const struct tusk_cfgschema_key keys[] = {
		{ .name = "b", .type = TUSK_CFG_BOOL, .def = "yes",
		  .offset = offsetof(struct all_types, b), .desc = "bool" },
		{ .name = "ip", .type = TUSK_CFG_IPV4_ADDR,
		  .offset = offsetof(struct all_types, ip), .desc = "addr" },
		{ .name = "level", .type = TUSK_CFG_ENUM, .def = "high",
		  .min = 10, .choices = lv,
		  .offset = offsetof(struct all_types, level), .desc = "enum" },
		{ .name = "path", .type = TUSK_CFG_PATH, .def = "/x",
		  .size = 32, .offset = offsetof(struct all_types, path),
		  .desc = "path" },
	};
	const struct tusk_cfgschema_src file = { .file = "etc/t.conf", .line = 3 };
	const struct tusk_cfgschema_src cmd = { .file = NULL };
	struct all_types v;
	char err[TUSK_CFG_ERR_MAX];
	json_t *o;

	memset(&v, 0, sizeof(v));
	assert_int_equal(tusk_cfgschema_defaults(keys, 4, &v, err,
						 sizeof(err)), 0);
	assert_true(v.b);
	assert_int_equal(v.level, 11);
	assert_string_equal(v.path, "/x");
	assert_int_equal(tusk_cfgschema_set(&keys[0], "off", &v, &file, err,
					    sizeof(err)), 0);
	assert_false(v.b);
	assert_int_equal(tusk_cfgschema_set(&keys[0], "maybe", &v, &file, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "etc/t.conf:3: b: value \"maybe\" is not a boolean (true/false)");
	assert_int_equal(tusk_cfgschema_set(&keys[1], "192.0.2.1", &v, &cmd,
					    err, sizeof(err)), 0);
	assert_int_equal(v.ip, htonl(0xc0000201));
	assert_int_equal(tusk_cfgschema_set(&keys[1], "192.0.2", &v, &cmd,
					    err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "<command line>: ip: bad IPv4 address \"192.0.2\"");
	assert_int_equal(tusk_cfgschema_set(&keys[2], "low", &v, &cmd, err,
					    sizeof(err)), 0);
	assert_int_equal(v.level, 10);
	/* relative paths: from the file's directory; from the command line,
	 * as given */
	assert_int_equal(tusk_cfgschema_set(&keys[3], "run/s", &v, &file, err,
					    sizeof(err)), 0);
	assert_string_equal(v.path, "etc/run/s");
	assert_int_equal(tusk_cfgschema_set(&keys[3], "run/s", &v, &cmd, err,
					    sizeof(err)), 0);
	assert_string_equal(v.path, "run/s");
	assert_int_equal(tusk_cfgschema_set(&keys[3],
		"0123456789012345678901234567", &v, &file, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "etc/t.conf:3: path: path longer than 31 bytes");
	o = tusk_cfgschema_to_json(keys, 4, &v);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "b")));
	assert_string_equal(json_string_value(json_object_get(o, "ip")),
			    "192.0.2.1");
	assert_string_equal(json_string_value(json_object_get(o, "level")),
			    "low");
	json_decref(o);
}

/* Read a whole (small) file into a malloc'd string, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)))
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	fclose(f);
	return buf;
}

/* Every key of the schema has a description and a row in the README
 * table, so the documentation cannot fall behind the code. */
static void
test_schema_documented(void **state)
{
	char path[TUSK_PROFILE_PATH_MAX], row[128];
	const struct tusk_cfgschema_key *keys;
	size_t n, i;
	char *readme;

	snprintf(path, sizeof(path), "%s/../README.md",
		 tusk_profile_default_dir());
	readme = slurp(path);
	assert_non_null(readme);
	keys = tusk_profile_schema(&n);
	assert_true(n >= 11);
	for (i = 0; i < n; i++) {
		assert_non_null(keys[i].desc);
		assert_true(strlen(keys[i].desc) > 10);
		snprintf(row, sizeof(row), "| `%s` |", keys[i].name);
		if (strstr(readme, row) == NULL)
			print_error("README.md lacks %s\n", row);
		assert_non_null(strstr(readme, row));
	}
	free(readme);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_good_profile_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_shipped_profiles),
		cmocka_unit_test(test_find_and_match),
		cmocka_unit_test(test_match_longest_and_broken),
		cmocka_unit_test(test_data_file),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_schema_documented),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_schema_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
