/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * profile: per-PMD tuning (descriptor counts, burst, MTU, mbufs, offloads,
 * RSS, default vdev devargs), one file per PMD family in pmdcfg/profiles/.
 *
 * A profile file has one [profile] section; the keys and their ranges are
 * the table in profile.c (tusk_profile_schema()) and pmdcfg/README.md.
 * Beyond per-key ranges, a profile must be self-consistent:
 *   - burst <= rx_desc and burst <= tx_desc;
 *   - mbufs >= rx_desc + tx_desc + burst (one full ring each way plus a
 *     burst in flight, or rx stalls: DPDK refills rx rings from the pool);
 *   - a frame of mtu bytes fits one mbuf (mtu + Ethernet header + CRC +
 *     RTE_PKTMBUF_HEADROOM <= mbuf_data_room) unless scatter is offered.
 *
 * Typical use, by drivers/ when bringing up a port:
 *   struct tusk_profile p;
 *   char err[TUSK_CFG_ERR_MAX];
 *   if (tusk_profile_find(dir, "af_packet", &p, err, sizeof(err)) < 0)
 *           ... print err, exit 2 ...
 */
#ifndef TUSK_PROFILE_H
#define TUSK_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cfgfile.h"
#include "cfgschema.h"

/* Profile name: the file name without ".conf", e.g. "af_packet". */
#define TUSK_PROFILE_NAME_MAX 64
/* PMD name prefixes, e.g. "net_mlx5,mlx5_pci" (DPDK names are short). */
#define TUSK_PROFILE_DRIVER_MAX 64
/* Default vdev arguments, e.g. af_packet's framesz/blocksz/framecnt. */
#define TUSK_PROFILE_DEVARGS_MAX 512
/* Longest path of a profile file. */
#define TUSK_PROFILE_PATH_MAX 4096
/* File name suffix of profiles in a profile directory. */
#define TUSK_PROFILE_SUFFIX ".conf"

/* offloads: bit i is the i-th name in the schema's list (same order). */
#define TUSK_PROFILE_OFF_IPV4_CKSUM (1u << 0) /* "ipv4_cksum" */
#define TUSK_PROFILE_OFF_TCP_CKSUM  (1u << 1) /* "tcp_cksum" */
#define TUSK_PROFILE_OFF_UDP_CKSUM  (1u << 2) /* "udp_cksum" */
#define TUSK_PROFILE_OFF_TSO        (1u << 3) /* "tso" */
#define TUSK_PROFILE_OFF_RSS        (1u << 4) /* "rss" */
#define TUSK_PROFILE_OFF_SCATTER    (1u << 5) /* "scatter" (rx) */
#define TUSK_PROFILE_OFF_MULTI_SEG  (1u << 6) /* "multi_seg" (tx) */

/* rss_hash: which headers feed the RSS hash. */
#define TUSK_PROFILE_RSS_IP  (1u << 0) /* "ip": RTE_ETH_RSS_IP */
#define TUSK_PROFILE_RSS_TCP (1u << 1) /* "tcp": RTE_ETH_RSS_TCP */
#define TUSK_PROFILE_RSS_UDP (1u << 2) /* "udp": RTE_ETH_RSS_UDP */

struct tusk_profile {
	char name[TUSK_PROFILE_NAME_MAX];     /* file stem */
	char path[TUSK_PROFILE_PATH_MAX];     /* file it came from */
	char driver[TUSK_PROFILE_DRIVER_MAX]; /* PMD name prefixes, separated
					       * by ',': "net_ring,net_null" */
	uint32_t rx_desc;        /* rx ring size per queue */
	uint32_t tx_desc;        /* tx ring size per queue */
	uint32_t burst;          /* rx/tx burst size */
	uint32_t mtu;            /* largest MTU (IP bytes) this PMD takes */
	uint32_t mbuf_data_room; /* rte_pktmbuf_pool_create data_room_size,
				  * headroom included */
	uint32_t mbufs;          /* mbufs in the port's pool */
	uint32_t offloads;       /* TUSK_PROFILE_OFF_* the PMD may offer */
	uint32_t rss_hash;       /* TUSK_PROFILE_RSS_* */
	char devargs[TUSK_PROFILE_DEVARGS_MAX]; /* default vdev args, or "" */
	uint32_t link_wait_ms;   /* how long to wait for link up */
};

/* The schema of the [profile] section (for docs and tests). */
const struct tusk_cfgschema_key *tusk_profile_schema(size_t *nkeys);

/* The compiled-in profile directory (meson: -DTUSK_PROFILE_DIR). */
const char *tusk_profile_default_dir(void);

/*
 * Load and validate one profile file. Returns 0 or -EINVAL, with err
 * holding "<file>:<line>: <key>: <reason>" or, for an unreadable file,
 * "<file>: cannot open: <strerror>" (-ENOMEM if memory ran out).
 */
int tusk_profile_load(const char *path, struct tusk_profile *prof,
		      char *err, size_t errlen);

/* Same, from text in memory; `name` is used as the file name. */
int tusk_profile_parse(const char *name, const char *text,
		       struct tusk_profile *prof, char *err, size_t errlen);

/*
 * Load profile `name`: a path if it contains '/' (used as given), otherwise
 * <dir>/<name>.conf. Returns as tusk_profile_load.
 */
int tusk_profile_find(const char *dir, const char *name,
		      struct tusk_profile *prof, char *err, size_t errlen);

/*
 * Load the profile in dir with the longest driver prefix of `pmd_name`, the
 * PMD's name as rte_eth_dev_info reports it (e.g. "net_af_packet",
 * "mlx5_pci"). Returns 0, -ENOENT (no profile matches; err says so), or the
 * error of a profile that failed to load.
 */
int tusk_profile_match(const char *dir, const char *pmd_name,
		       struct tusk_profile *prof, char *err, size_t errlen);

/* Whether one of the profile's driver prefixes starts `pmd_name` (a PMD
 * name from rte_eth_dev_info, or a vdev name such as "net_af_packet0"). */
bool tusk_profile_applies(const struct tusk_profile *prof,
			  const char *pmd_name);

/* The profile as a JSON object (schema keys plus name and path). */
json_t *tusk_profile_to_json(const struct tusk_profile *prof);

#endif /* TUSK_PROFILE_H */
