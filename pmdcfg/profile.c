/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * profile: load, validate and look up per-PMD profiles (profile.h).
 *
 *   tusk_profile_find() / tusk_profile_match() -> tusk_profile_load()
 *     -> tusk_cfgfile_load() -> from_cfgfile() -> tusk_cfgschema_apply()
 *                                              -> check_consistency()
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf_core.h>

#include "profile.h"

#ifndef TUSK_PROFILE_DIR
#define TUSK_PROFILE_DIR "/usr/share/tusk/profiles"
#endif

/* The one section of a profile file. */
#define PROFILE_SECTION "profile"

/* Descriptor ring sizes: 64 is below every PMD's useful minimum burst
 * headroom; 32768 is the largest ring any supported PMD takes (mlx5). */
#define PROFILE_DESC_MIN 64
#define PROFILE_DESC_MAX 32768
/* Bursts: DPDK PMDs are tuned for 32; past 512 a burst outgrows L1. */
#define PROFILE_BURST_MAX 512
/* RFC 791: every internet module must take 68-byte datagrams. */
#define PROFILE_MTU_MIN 68
/* No supported PMD takes a frame past 16 KiB (af_packet's block size, the
 * largest rx buffer of i40e/ice); above that an MTU is a typo. */
#define PROFILE_MTU_MAX 16000
/* rte_pktmbuf_pool_create() takes the data room as a uint16_t, and it must
 * hold the headroom plus a minimal frame. */
#define PROFILE_DATA_ROOM_MIN (RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN)
#define PROFILE_DATA_ROOM_MAX UINT16_MAX
/* A pool smaller than one ring is useless; 1 Mi mbufs of jumbo size is
 * already 10 GiB of hugepages. */
#define PROFILE_MBUFS_MIN 256
#define PROFILE_MBUFS_MAX (1u << 20)
/* DPDK's examples wait 9 s for a link (check_all_ports_link_status);
 * a minute is surely a cable problem. */
#define PROFILE_LINK_WAIT_MAX 60000
/* Bytes of an Ethernet frame beyond the IP MTU: header and FCS. */
#define PROFILE_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)

static const char *const offload_names[] = {
	"ipv4_cksum", "tcp_cksum", "udp_cksum", "tso", "rss", "scatter",
	"multi_seg", NULL,
};

static const char *const rss_names[] = { "ip", "tcp", "udp", NULL };

#define U32KEY(n, req, d, lo, hi, text) { .name = #n, .type = TUSK_CFG_UINT, \
	.required = req, .def = d, .min = lo, .max = hi, \
	.offset = offsetof(struct tusk_profile, n), .desc = text }

static const struct tusk_cfgschema_key profile_keys[] = {
	{ .name = "driver", .type = TUSK_CFG_STRING, .required = true,
	  .offset = offsetof(struct tusk_profile, driver),
	  .size = TUSK_PROFILE_DRIVER_MAX,
	  .desc = "PMD name prefixes this profile applies to, ','-separated "
		  "(e.g. net_mlx5,mlx5_pci)" },
	U32KEY(rx_desc, true, NULL, PROFILE_DESC_MIN, PROFILE_DESC_MAX,
	       "rx descriptors per queue"),
	U32KEY(tx_desc, true, NULL, PROFILE_DESC_MIN, PROFILE_DESC_MAX,
	       "tx descriptors per queue"),
	U32KEY(burst, false, "32", 1, PROFILE_BURST_MAX,
	       "packets per rx/tx burst"),
	U32KEY(mtu, true, NULL, PROFILE_MTU_MIN, PROFILE_MTU_MAX,
	       "largest IP MTU the PMD takes (ports may ask for less)"),
	U32KEY(mbuf_data_room, true, NULL, PROFILE_DATA_ROOM_MIN,
	       PROFILE_DATA_ROOM_MAX,
	       "mbuf data room in bytes, RTE_PKTMBUF_HEADROOM (128) included"),
	U32KEY(mbufs, true, NULL, PROFILE_MBUFS_MIN, PROFILE_MBUFS_MAX,
	       "mbufs in the port's packet pool"),
	{ .name = "offloads", .type = TUSK_CFG_FLAGS, .def = "none",
	  .choices = offload_names,
	  .offset = offsetof(struct tusk_profile, offloads),
	  .desc = "offloads to use when the port has them: ipv4_cksum, "
		  "tcp_cksum, udp_cksum, tso, rss, scatter, multi_seg" },
	{ .name = "rss_hash", .type = TUSK_CFG_FLAGS, .def = "none",
	  .choices = rss_names,
	  .offset = offsetof(struct tusk_profile, rss_hash),
	  .desc = "headers hashed for RSS: ip, tcp, udp (needs rss offload)" },
	{ .name = "devargs", .type = TUSK_CFG_STRING, .def = "",
	  .offset = offsetof(struct tusk_profile, devargs),
	  .size = TUSK_PROFILE_DEVARGS_MAX,
	  .desc = "default vdev arguments, before the port's own devargs" },
	U32KEY(link_wait_ms, false, "9000", 0, PROFILE_LINK_WAIT_MAX,
	       "how long to wait for link up at start, in ms"),
};

const struct tusk_cfgschema_key *
tusk_profile_schema(size_t *nkeys)
{
	*nkeys = RTE_DIM(profile_keys);
	return profile_keys;
}

const char *
tusk_profile_default_dir(void)
{
	return TUSK_PROFILE_DIR;
}

/* Where a key was set, or the section header if it took its default. */
static struct tusk_cfgschema_src
key_src(const char *file, const struct tusk_cfgfile_section *s,
	const char *key)
{
	const struct tusk_cfgfile_entry *e = tusk_cfgfile_entry(s, key);
	struct tusk_cfgschema_src src = { .file = file, .line = s->line };

	if (e != NULL)
		src.line = e->line;
	return src;
}

static int
inconsistent(const char *file, const struct tusk_cfgfile_section *s,
	     const char *key, const char *reason, char *err, size_t errlen)
{
	struct tusk_cfgschema_src src = key_src(file, s, key);
	char where[256];

	snprintf(err, errlen, "%s: %s: %s",
		 tusk_cfgschema_where(&src, where, sizeof(where)), key, reason);
	return -EINVAL;
}

static int
check_consistency(const struct tusk_profile *p, const char *file,
		  const struct tusk_cfgfile_section *s, char *err,
		  size_t errlen)
{
	uint32_t frame = p->mtu + PROFILE_FRAME_OVERHEAD + RTE_PKTMBUF_HEADROOM;
	char why[160];

	if (p->burst > p->rx_desc || p->burst > p->tx_desc)
		return inconsistent(file, s, "burst",
				    "larger than rx_desc or tx_desc", err,
				    errlen);
	if (p->mbufs < p->rx_desc + p->tx_desc + p->burst) {
		snprintf(why, sizeof(why),
			 "%u is fewer than rx_desc + tx_desc + burst (%u)",
			 p->mbufs, p->rx_desc + p->tx_desc + p->burst);
		return inconsistent(file, s, "mbufs", why, err, errlen);
	}
	if (frame > p->mbuf_data_room &&
	    !(p->offloads & TUSK_PROFILE_OFF_SCATTER)) {
		snprintf(why, sizeof(why),
			 "%u-byte frames need mbuf_data_room >= %u (mtu + 18 + headroom 128) or the scatter offload",
			 p->mtu + PROFILE_FRAME_OVERHEAD, frame);
		return inconsistent(file, s, "mtu", why, err, errlen);
	}
	if (p->rss_hash != 0 && !(p->offloads & TUSK_PROFILE_OFF_RSS))
		return inconsistent(file, s, "rss_hash",
				    "set without the rss offload", err, errlen);
	/* A PMD segments only what it checksums (DPDK's TSO contract). */
	if ((p->offloads & TUSK_PROFILE_OFF_TSO) &&
	    !(p->offloads & TUSK_PROFILE_OFF_TCP_CKSUM))
		return inconsistent(file, s, "offloads",
				    "tso needs tcp_cksum", err, errlen);
	return 0;
}

/* "dir/af_packet.conf" -> "af_packet" */
static void
profile_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n, suffix = strlen(TUSK_PROFILE_SUFFIX);

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > suffix && strcmp(base + n - suffix, TUSK_PROFILE_SUFFIX) == 0)
		n -= suffix;
	snprintf(name, len, "%.*s", (int)n, base);
}

static int
from_cfgfile(const struct tusk_cfgfile *f, struct tusk_profile *prof,
	     char *err, size_t errlen)
{
	const struct tusk_cfgfile_section *s;
	unsigned int i;
	int rc;

	memset(prof, 0, sizeof(*prof));
	rc = tusk_cfgschema_defaults(profile_keys, RTE_DIM(profile_keys),
				     prof, err, errlen);
	if (rc < 0)
		return rc;
	for (i = 0; i < f->nsections; i++) {
		s = &f->sections[i];
		if (strcmp(s->type, PROFILE_SECTION) != 0 || s->name[0] != '\0') {
			snprintf(err, errlen, "%s:%u: unknown section [%s%s%s] (a profile has only [%s])",
				 f->path, s->line, s->type,
				 s->name[0] ? " " : "", s->name,
				 PROFILE_SECTION);
			return -EINVAL;
		}
	}
	s = tusk_cfgfile_section(f, PROFILE_SECTION, NULL);
	if (s == NULL) {
		snprintf(err, errlen, "%s:1: missing section [%s]", f->path,
			 PROFILE_SECTION);
		return -EINVAL;
	}
	rc = tusk_cfgschema_apply(profile_keys, RTE_DIM(profile_keys),
				  f->path, s, prof, err, errlen);
	if (rc < 0)
		return rc;
	rc = check_consistency(prof, f->path, s, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(prof->path, sizeof(prof->path), "%s", f->path);
	profile_name(f->path, prof->name, sizeof(prof->name));
	return 0;
}

int
tusk_profile_parse(const char *name, const char *text,
		   struct tusk_profile *prof, char *err, size_t errlen)
{
	struct tusk_cfgfile *f;
	int rc;

	rc = tusk_cfgfile_parse(name, text, &f, err, errlen);
	if (rc < 0)
		return rc;
	rc = from_cfgfile(f, prof, err, errlen);
	tusk_cfgfile_free(f);
	return rc;
}

int
tusk_profile_load(const char *path, struct tusk_profile *prof, char *err,
		  size_t errlen)
{
	struct tusk_cfgfile *f;
	int rc;

	rc = tusk_cfgfile_load(path, &f, err, errlen);
	if (rc < 0)
		return rc;
	rc = from_cfgfile(f, prof, err, errlen);
	tusk_cfgfile_free(f);
	return rc;
}

int
tusk_profile_find(const char *dir, const char *name,
		  struct tusk_profile *prof, char *err, size_t errlen)
{
	char path[TUSK_PROFILE_PATH_MAX];
	int n;

	if (strchr(name, '/') != NULL)
		return tusk_profile_load(name, prof, err, errlen);
	if (dir == NULL)
		dir = tusk_profile_default_dir();
	n = snprintf(path, sizeof(path), "%s/%s%s", dir, name,
		     TUSK_PROFILE_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "%s/%s: cannot open: path too long", dir,
			 name);
		return -EINVAL;
	}
	return tusk_profile_load(path, prof, err, errlen);
}

/* Length of the longest prefix in the ','-list `drivers` that starts
 * pmd_name, or 0. */
static size_t
driver_match(const char *drivers, const char *pmd_name)
{
	size_t best = 0;
	const char *s = drivers;

	while (*(s += strspn(s, ", ")) != '\0') {
		size_t n = strcspn(s, ", ");

		if (n > best && strncmp(s, pmd_name, n) == 0)
			best = n;
		s += n;
	}
	return best;
}

bool
tusk_profile_applies(const struct tusk_profile *prof, const char *pmd_name)
{
	return driver_match(prof->driver, pmd_name) > 0;
}

static bool
is_profile_file(const char *fname)
{
	size_t n = strlen(fname), suffix = strlen(TUSK_PROFILE_SUFFIX);

	return fname[0] != '.' && n > suffix &&
		strcmp(fname + n - suffix, TUSK_PROFILE_SUFFIX) == 0;
}

int
tusk_profile_match(const char *dir, const char *pmd_name,
		   struct tusk_profile *prof, char *err, size_t errlen)
{
	struct tusk_profile *cand;
	struct dirent *de;
	size_t best = 0;
	DIR *d;
	int rc = 0;

	if (dir == NULL)
		dir = tusk_profile_default_dir();
	d = opendir(dir);
	if (d == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", dir,
			 strerror(errno));
		return rc;
	}
	cand = malloc(sizeof(*cand));
	if (cand == NULL) {
		closedir(d);
		snprintf(err, errlen, "%s: out of memory", dir);
		return -ENOMEM;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char name[TUSK_PROFILE_NAME_MAX];
		size_t m;

		if (!is_profile_file(de->d_name))
			continue;
		profile_name(de->d_name, name, sizeof(name));
		rc = tusk_profile_find(dir, name, cand, err, errlen);
		m = rc == 0 ? driver_match(cand->driver, pmd_name) : 0;
		if (m > best) {
			best = m;
			*prof = *cand;
		}
	}
	closedir(d);
	free(cand);
	if (rc == 0 && best == 0) {
		snprintf(err, errlen, "%s: no profile for driver \"%s\"", dir,
			 pmd_name);
		rc = -ENOENT;
	}
	return rc;
}

json_t *
tusk_profile_to_json(const struct tusk_profile *prof)
{
	json_t *o = tusk_cfgschema_to_json(profile_keys, RTE_DIM(profile_keys),
					   prof);

	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "name", json_string(prof->name)) < 0 ||
	    json_object_set_new(o, "path", json_string(prof->path)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
