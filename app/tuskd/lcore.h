/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One worker lcore: a stack instance and the rx/tx queue it owns on every
 * port, driven by a poll loop.
 *
 *   tusk_lcore_run() loop:
 *     rte_eth_rx_burst() per port -> tusk_stack_input()
 *     tusk_stack_poll()           -> iface tx -> lcore_tx()
 *                                 -> rte_eth_tx_burst()
 *     serve a snapshot request from the control thread, if any
 *
 * The control thread never touches a running stack. It asks for a copy of
 * the counters and the ARP cache through a sequence-numbered mailbox
 * (tusk_lcore_snapshot): the loop checks one relaxed atomic per iteration,
 * so the fast path has no locks.
 */
#ifndef TUSK_LCORE_H
#define TUSK_LCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "impair.h"
#include "lcore_idle.h"
#include "stack.h"

/* A stack has at most this many interfaces, so an lcore polls at most this
 * many ports. */
#define TUSK_LCORE_MAX_PORTS TUSK_STACK_MAX_IFACES
/* Largest rx burst a profile may ask for: the rx array lives on the lcore's
 * stack frame and 512 pointers (4 KiB) is already 16 bursts of 32. */
#define TUSK_LCORE_MAX_BURST 512
/* ARP entries copied per snapshot: the whole table (TUSK_ARP_TABLE_SIZE). */
#define TUSK_LCORE_ARP_MAX 256
/* Frames from other lcores waiting for this one (lcore_inbox.c): shared
 * ARP (rare) and TCP steered to the stack owning its port - up to every
 * reply of this lcore's client connections when the port's hash sends
 * them elsewhere, so a few rx rings' worth. */
#define TUSK_LCORE_INBOX 4096

/* Directions of an impairment stage (drivers/impair.h). */
enum tusk_lcore_dir {
	TUSK_LCORE_RX = 0,
	TUSK_LCORE_TX = 1,
	TUSK_LCORE_DIRS = 2,
};

/* Where one lcore receives and sends on one port. */
struct tusk_lcore_queue {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t iface;  /* index in the lcore's stack */
	uint16_t burst;  /* rx burst size from the port's profile */
	/* impairment stages; NULL (the usual case): frames pass untouched */
	struct tusk_impair *impair[TUSK_LCORE_DIRS];
	uint64_t *tx_frames;  /* the lcore's count of frames sent */
	/* frames the tx stage released that the NIC has not taken yet */
	uint16_t tx_held;
	struct rte_mbuf *tx_pend[TUSK_TX_BURST];
};

/* Services an lcore runs at most (HTTP endpoint, fetch client, bulk). */
#define TUSK_LCORE_SERVICES_MAX 8

/*
 * A service on the lcore's stack (app/svc/svc.h). poll() runs every loop
 * iteration after tusk_stack_poll() and must be cheap when idle; fini()
 * releases the service when the lcore is freed (the loop has stopped).
 */
struct tusk_lcore_service {
	const char *name;
	void *arg;
	void (*poll)(void *arg, uint64_t now);
	void (*fini)(void *arg);
};

struct tusk_lcore;
struct tusk_digest_svc;

/* A function the control thread runs on the lcore (tusk_lcore_call). */
typedef int (*tusk_lcore_call_fn)(struct tusk_lcore *lc, void *arg,
				  uint64_t now);

/* What the control thread gets back from a running lcore. */
struct tusk_lcore_snapshot {
	unsigned int lcore_id;
	uint64_t now_ns;       /* lcore clock when the copy was made */
	uint64_t loops;        /* poll loop iterations so far */
	uint64_t busy_loops;   /* iterations that received at least one frame */
	uint64_t idle_ns;      /* time in iterations that found nothing to
				* do: no frame in or out, no digest assist
				* (adaptive polling's sleeps included) */
	uint64_t idle_sleeps;  /* sleeps of adaptive polling (lcore_idle.h) */
	uint64_t idle_slept_ns;
	uint64_t digest_bytes; /* digest bytes hashed in idle iterations */
	uint64_t arp_shared;   /* ARP frames copied to other lcores */
	uint64_t arp_share_drops; /* copies lost: no mbuf or inbox full */
	uint64_t steer_drops;  /* steered TCP frames lost: inbox full */
	struct tusk_stack_stats stats;
	unsigned int n_arp;
	struct tusk_arp_entry_info arp[TUSK_LCORE_ARP_MAX];
	/* per queue (index in queues[]) and direction */
	bool impair_on[TUSK_LCORE_MAX_PORTS][TUSK_LCORE_DIRS];
	struct tusk_impair_stats impair[TUSK_LCORE_MAX_PORTS][TUSK_LCORE_DIRS];
};

struct tusk_lcore {
	unsigned int lcore_id;
	struct tusk_stack *st;
	unsigned int n_queues;
	struct tusk_lcore_queue queues[TUSK_LCORE_MAX_PORTS];
	uint64_t loops;
	uint64_t busy_loops;
	uint64_t idle_ns;     /* see tusk_lcore_snapshot */
	uint64_t mark_ns;     /* clock of the last iteration's burst */
	bool mark_idle;       /* that iteration found nothing to do */
	struct tusk_lcore_idle idle; /* [tuskd] poll (lcore_idle.h) */
	/* The other lcores (lcore_inbox.c): team[i] has stack share i, peers
	 * are all but us; frames they hand us wait in our inbox. */
	unsigned int n_peers;
	struct tusk_lcore **peers;
	unsigned int team_n;
	struct tusk_lcore **team;
	struct rte_ring *inbox;
	uint64_t arp_shared;
	uint64_t arp_share_drops;
	uint64_t steer_drops;
	/* Control thread -> lcore; read with relaxed/acquire atomics. */
	bool stop;
	bool running;
	uint32_t snap_req;  /* sequence number asked for */
	uint32_t snap_done; /* sequence number whose copy is in `snap` */
	struct tusk_lcore_snapshot snap;
	/* Control thread -> lcore: install impair_new as the stage of
	 * queues[impair_queue] in direction impair_dir; the lcore hands the
	 * stage it replaced back in impair_old. */
	uint32_t impair_req;
	uint32_t impair_done;
	uint16_t impair_queue;
	uint8_t impair_dir;
	struct tusk_impair *impair_new;
	struct tusk_impair *impair_old;
	/* digest jobs this lcore submitted, advanced in idle iterations
	 * (app/fileio digest.h: tusk_digest_svc_assist); NULL: none */
	struct tusk_digest_svc *digest;
	uint64_t digest_budget_ns;
	uint64_t digest_bytes;  /* hashed by this lcore so far */
	uint64_t tx_frames;     /* handed to its tx queues (or tx stages) */
	/* services (lcore_svc.c) */
	unsigned int n_services;
	struct tusk_lcore_service services[TUSK_LCORE_SERVICES_MAX];
	/* Control thread -> lcore: run call_fn(lc, call_arg) between bursts
	 * and leave its result in call_ret (lcore_svc.c). */
	uint32_t call_req;
	uint32_t call_done;
	tusk_lcore_call_fn call_fn;
	void *call_arg;
	int call_ret;
};

/* Calibrate the TSC-to-nanoseconds conversion; call once after EAL init. */
void tusk_lcore_clock_init(void);
/* Monotonic nanoseconds from the TSC (the stack's `now`). */
uint64_t tusk_lcore_now_ns(void);

/* A worker for `lcore_id` with a stack made from `sc`. NULL on failure. */
struct tusk_lcore *tusk_lcore_create(unsigned int lcore_id,
				     const struct tusk_stack_conf *sc);

/*
 * Give the lcore its queue pair `queue_id` on `port_id` and attach the port
 * to its stack as an interface (conf->tx and tx_arg are filled in here).
 * The port must be started: the stack announces the address at once.
 * Returns the interface index or -errno.
 */
int tusk_lcore_add_port(struct tusk_lcore *lc, uint16_t port_id,
			uint16_t queue_id, uint16_t burst,
			struct tusk_iface_conf *conf);

/*
 * The poll loop itself (an lcore_function_t): runs until lc->stop is set.
 * tusk_lcore_launch() runs it on lc->lcore_id; tests may run it on a thread
 * of their own.
 */
int tusk_lcore_run(void *arg);

/* Start the poll loop on the lcore. 0 or -errno. */
int tusk_lcore_launch(struct tusk_lcore *lc);

/* Is the poll loop running (launched and not yet returned)? */
bool tusk_lcore_is_running(struct tusk_lcore *lc);

/* Ask the loop to stop and wait for it. */
void tusk_lcore_stop(struct tusk_lcore *lc);

/*
 * Copy counters and ARP cache of a running lcore into *out, waiting at most
 * `timeout_ms`. An lcore that is not running is copied directly. 0, or
 * -ETIMEDOUT when the loop did not answer.
 */
int tusk_lcore_snapshot(struct tusk_lcore *lc,
			struct tusk_lcore_snapshot *out,
			unsigned int timeout_ms);

/*
 * Install `stage` (NULL: none) as the impairment of this lcore's queue on
 * `port_id` in direction `dir`, waiting at most `timeout_ms` for a running
 * loop to take it. The stage it replaced (or NULL) is returned in *old for
 * the caller to free (tusk_impair_free). 0, -ENOENT (the lcore has no
 * queue on that port) or -ETIMEDOUT (the loop did not answer; the stage is
 * then the lcore's to install later).
 */
int tusk_lcore_impair_set(struct tusk_lcore *lc, uint16_t port_id,
			  enum tusk_lcore_dir dir, struct tusk_impair *stage,
			  unsigned int timeout_ms, struct tusk_impair **old);

/*
 * Make `n` lcores a team (before launch; 0 or -ENOMEM): each gets an inbox
 * the others may hand frames to (lcore_inbox.c). Two kinds go there:
 * - ARP: RSS sends non-IP frames to one queue, and af_packet's fan-out
 *   hashes them to one socket, so without sharing an lcore whose stack
 *   sent a request may never see the reply. Every ARP frame except a
 *   request for our own address (answered once, by the lcore that got it)
 *   is copied to the other lcores, which count it in their own stack
 *   counters too (lcore_arp.c).
 * - TCP to another lcore's ephemeral port: lcore i's stack is share i of
 *   the ephemeral ports (stack_conf tcp_shares, set by tusk_lcore_create
 *   when the conf has tcp_shares > 1), so the connections it opens are
 *   found wherever their replies land (tusk_lcore_steer).
 */
int tusk_lcore_team(struct tusk_lcore *const *lcs, unsigned int n);
/* Hand frame m (m->port set) to lcore `to`; 0, or -ENOBUFS: inbox full. */
int tusk_lcore_inbox_put(struct tusk_lcore *to, struct rte_mbuf *m);
/* Feed what the other lcores handed us to this lcore's stack. */
void tusk_lcore_inbox_drain(struct tusk_lcore *lc, uint64_t now);
/* Free the inbox and what waits in it (loops stopped). */
void tusk_lcore_inbox_fini(struct tusk_lcore *lc);
/* The stack's steer callback (arg: the lcore): to team[share]'s inbox. */
void tusk_lcore_steer(void *arg, uint16_t share, struct rte_mbuf *m);
/* Copy the shareable ARP frames of a received burst to the peers. */
void tusk_lcore_arp_offer(struct tusk_lcore *lc,
			  const struct tusk_lcore_queue *q,
			  struct rte_mbuf *const *pkts, uint16_t n);

/*
 * Run `svc` on this lcore (before launch). Its fini() runs at
 * tusk_lcore_free(). 0, or -ENOSPC past TUSK_LCORE_SERVICES_MAX.
 */
int tusk_lcore_add_service(struct tusk_lcore *lc,
			   const struct tusk_lcore_service *svc);
/* The arg of the service called `name`, or NULL. */
void *tusk_lcore_service(const struct tusk_lcore *lc, const char *name);
/* Poll every service (the loop calls it). */
void tusk_lcore_services_poll(struct tusk_lcore *lc, uint64_t now);

/*
 * Run fn(lc, arg, now) on the lcore between bursts, where the stack and
 * services may be touched, and return what fn returned. An lcore that is
 * not running runs it here. -ETIMEDOUT when the loop did not answer within
 * `timeout_ms`: fn may still run later, so `arg` must then stay valid
 * (callers pass heap memory and leak it on timeout). One call at a time:
 * only the control thread calls this.
 */
int tusk_lcore_call(struct tusk_lcore *lc, tusk_lcore_call_fn fn, void *arg,
		    unsigned int timeout_ms);
/* Serve a pending call (the loop calls it). */
void tusk_lcore_serve_call(struct tusk_lcore *lc, uint64_t now);
/* Release every service, last added first (tusk_lcore_free calls it). */
void tusk_lcore_services_fini(struct tusk_lcore *lc);

/*
 * Let the lcore hash chunks of the digest jobs it submits to `digest` in
 * the iterations of its loop that found nothing to do, each chunk taking
 * about budget_ns (0: never). Before launch.
 */
void tusk_lcore_set_digest(struct tusk_lcore *lc,
			   struct tusk_digest_svc *digest, uint64_t budget_ns);

/* Free the stack and the lcore (the loop must be stopped). */
void tusk_lcore_free(struct tusk_lcore *lc);

#endif /* TUSK_LCORE_H */
