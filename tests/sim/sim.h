/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator: two tusk stacks joined by a simulated link (link.h) in
 * virtual time, with bulk-transfer flows between them.
 *
 *   host A 10.0.0.1 (senders)  --link a->b (impaired)-->  host B 10.0.0.2
 *                              <--link b->a (clean)-----  (receivers)
 *
 * sim.c is the world and the event loop, flow.c the sender and receiver
 * services (payload generated from the stream offset, so the receiver
 * checks every byte without storing the stream), main.c the command line.
 */
#ifndef TUSK_SIM_H
#define TUSK_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "link.h"
#include "stack.h"
#include "tcp_api.h"

/* Flows in one run: enough for fairness scenarios. */
#define SIM_MAX_FLOWS 16
/* Total send buffer across flows (sim.c sizes the pools from it): 2 BDPs
 * of 10 Gbit/s x 200 ms would be 500 MB; more than the default 256 MiB
 * receive window, so one flow is not limited by its send buffer. */
#define SIM_SND_BUDGET (512ull << 20)

/* The two hosts, on one /24 (host order). */
#define SIM_IP_A RTE_IPV4(10, 0, 0, 1)
#define SIM_IP_B RTE_IPV4(10, 0, 0, 2)

/* First receiver port; flow i listens on SIM_PORT_BASE + i. */
#define SIM_PORT_BASE 5001

struct sim_conf {
	const char *scenario;
	uint64_t rate_bps;
	uint64_t rtt_ns;        /* two-way propagation delay */
	double queue_bdp;       /* drop-tail queue in BDPs */
	uint32_t mss;           /* MTU = mss + 40 */
	double loss;
	double ge_p, ge_r, ge_loss_bad, ge_loss_good;
	double reorder;
	uint64_t jitter_ns;
	double dup;
	double corrupt;
	const char *cc;
	const char *cc2;        /* flows after the first; NULL = cc */
	unsigned int flows;
	uint64_t duration_ns;
	uint64_t measure_from_ns;
	uint64_t bytes;         /* per flow; 0 = send until the end */
	uint64_t seed;
	uint32_t rcv_max;       /* receive window cap; 0 = stack default */
	bool sw_cksum;          /* checksums in software, not "offloaded" */
	bool no_verify;         /* benchmarks: no pattern fill or check */
	bool time_stacks;       /* benchmarks: count TSC cycles per stack */
	uint64_t trace_ns;      /* print flow state this often; 0 = never */
	uint64_t snd_budget;    /* send buffers in total; 0 = SIM_SND_BUDGET */
};

struct sim_flow {
	struct sim_world *w;
	unsigned int idx;
	const char *cc;
	uint64_t key;           /* pattern key */
	struct tusk_tcp_conn *tx_conn, *rx_conn;
	struct rte_mbuf *pending; /* generated, not yet taken by send() */
	uint64_t gen_off;       /* bytes generated so far */
	uint64_t sent_off;      /* bytes send() took */
	uint64_t rx_off;        /* bytes received and checked */
	uint64_t rx_at_measure; /* rx_off when the window opened */
	uint64_t bad_bytes;     /* bytes that failed the pattern check */
	uint64_t done_ns;       /* all `bytes` received; 0 = not yet */
	bool shut;              /* FIN queued */
	bool peer_closed;
	int err;                /* closed() error */
	struct tusk_tcp_conn_stats final; /* sender stats at the end */
};

struct sim_world {
	struct sim_conf conf;
	uint64_t now;
	struct rte_mempool *pool_a, *pool_b; /* stacks' own frames */
	struct rte_mempool *data_pool;       /* payload chunks */
	struct rte_mempool *copy_pool;       /* duplicated/corrupted copies */
	struct tusk_stack *a, *b;
	struct tusk_sim_link ab, ba;
	struct sim_flow flows[SIM_MAX_FLOWS];
	uint64_t wire_at_measure;            /* sim_wire_sent() at window */
	bool measured;
	uint64_t events;                     /* loop iterations */
	uint64_t copy_fail;                  /* no mbuf for a dup/corrupt */
	uint64_t cyc_a, cyc_b;               /* TSC cycles inside each stack */
	uint64_t next_trace;                 /* next trace line (ns) */
	uint64_t trace_rx[SIM_MAX_FLOWS];    /* rx_off at the last line */
	const char *error;                   /* set when the run failed */
};

/* Create pools, stacks, links and listeners. Returns 0 or -errno. */
int sim_world_init(struct sim_world *w, const struct sim_conf *conf);
void sim_world_fini(struct sim_world *w);
/* Run to the end (duration, or all fixed-size flows done). */
int sim_world_run(struct sim_world *w);

/* Bytes the bottleneck has serialized by now (the queue's backlog is
 * admitted but not yet on the wire). */
uint64_t sim_wire_sent(const struct sim_world *w);

/* flow.c */
extern const struct tusk_tcp_ops sim_sender_ops;
extern const struct tusk_tcp_ops sim_receiver_ops;
int sim_flow_start(struct sim_flow *f, uint64_t now);
bool sim_flows_done(const struct sim_world *w);
/* The payload byte at stream offset `off` of a flow keyed `key`. */
uint8_t sim_pattern_byte(uint64_t key, uint64_t off);
/* Fill `len` bytes at stream offset `off`; check them (returns the number
 * of bytes that differ). */
void sim_pattern_fill(uint8_t *p, uint64_t key, uint64_t off, uint32_t len);
uint64_t sim_pattern_check(const uint8_t *p, uint64_t key, uint64_t off,
			   uint32_t len);

#endif /* TUSK_SIM_H */
