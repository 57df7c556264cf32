/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port layer: bring an ethdev up from a PMD profile (pmdcfg/profile.h)
 * and tell the stack what the hardware does for it.
 *
 *   tusk_port_open()
 *     -> port_attach()            vdev: rte_dev_probe(name,profile+conf args)
 *                                 PCI:  the port EAL probed at that address
 *     -> tusk_port_offload_negotiate()   profile AND rx/tx_offload_capa
 *     -> port_configure()         queues, descriptors, mempool, MTU, RSS
 *     -> rte_eth_dev_start(), link wait
 *   tusk_port_close()             stop, close, detach what we probed
 *
 * One rx/tx queue pair per worker lcore: queue i belongs to lcore i and is
 * never touched by another thread, so no locks on the data path.
 */
#ifndef TUSK_PORT_H
#define TUSK_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_ether.h>

#include "profile.h"

/* Port names are the config's [port NAME]; cfgfile allows this long. */
#define TUSK_PORT_NAME_MAX 64
/* Room for a vdev string with merged default and configured devargs. */
#define TUSK_PORT_DEVICE_MAX 1024
/* A port carries a queue pair per worker lcore; RTE_MAX_LCORE bounds it,
 * but this machine class (a DTN) has tens of cores, not hundreds. */
#define TUSK_PORT_MAX_QUEUES 64

struct tusk_port_conf {
	const char *name;        /* [port NAME] */
	const char *device;      /* PCI address or vdev "net_x0,k=v,..." */
	const char *devargs;     /* extra vdev args (override the profile's) */
	const struct tusk_profile *prof;
	uint16_t mtu;            /* IP MTU; 0: the profile's */
	uint16_t rx_desc;        /* per rx queue; 0: the profile's */
	uint16_t tx_desc;        /* per tx queue; 0: the profile's */
	uint16_t nb_queues;      /* queue pairs: one per worker lcore */
};

/* The outcome of offload negotiation (see port_offload.c). */
struct tusk_port_offload {
	uint64_t rx;     /* RTE_ETH_RX_OFFLOAD_* enabled */
	uint64_t tx;     /* RTE_ETH_TX_OFFLOAD_* enabled */
	uint32_t wanted; /* TUSK_PROFILE_OFF_* the profile asked for */
	uint32_t hw;     /* TUSK_PROFILE_OFF_* the port does */
	uint32_t iface;  /* TUSK_IFACE_OFFLOAD_* for the stack */
	uint64_t rss_hf; /* RSS hash functions, 0 when RSS is off */
};

struct tusk_port {
	char name[TUSK_PORT_NAME_MAX];
	char device[TUSK_PORT_DEVICE_MAX]; /* as probed, with merged args */
	char driver[TUSK_PROFILE_DRIVER_MAX];
	char profile[TUSK_PROFILE_NAME_MAX];
	uint16_t port_id;
	bool probed;  /* we hot-plugged the device: detach on close */
	bool started;
	int socket_id;
	struct rte_ether_addr mac;
	uint16_t mtu;      /* the stack's IP MTU */
	uint16_t eth_mtu;  /* as configured in ethdev (see choose_mtu) */
	uint16_t nb_queues;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t burst;
	struct tusk_port_offload off;
	struct rte_mempool *pool;
	struct rte_eth_link link; /* as of the end of bring-up */
};

/*
 * Bring a port up and start it; waits up to the profile's link_wait_ms for
 * link (a port whose link stays down is still started and reported).
 * Returns 0 or -errno (logged with the reason).
 */
int tusk_port_open(struct tusk_port *p, const struct tusk_port_conf *conf);

/* Stop, close and detach. Safe on a partly opened or zeroed port. */
void tusk_port_close(struct tusk_port *p);

/* Merge "k=v,k=v" lists: `over` wins per key. 0, or -ENOSPC if the result
 * does not fit `len`. */
int tusk_port_devargs_merge(const char *base, const char *over,
			    char *out, size_t len);

/* Negotiate offloads: the profile's wish AND the port's capabilities. */
void tusk_port_offload_negotiate(const struct tusk_profile *prof,
				 const struct rte_eth_dev_info *info,
				 uint16_t nb_queues,
				 struct tusk_port_offload *out);
/* Names of TUSK_PROFILE_OFF_* bits as a JSON array (new reference). */
json_t *tusk_port_offload_json(uint32_t flags);

/*
 * The port for the control socket: name, device, driver, MAC, MTU, link,
 * offloads (hw and sw), counters. New reference or NULL.
 */
json_t *tusk_port_json(const struct tusk_port *p);
/* Extended statistics {name: value} (new reference or NULL). */
json_t *tusk_port_xstats_json(const struct tusk_port *p);

#endif /* TUSK_PORT_H */
