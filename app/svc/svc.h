/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Services on the stack: what tuskd gives each service it runs on an
 * lcore (the HTTP file endpoint, the fetch client, the bulk sink/source).
 *
 * A service lives on one lcore and is only ever touched there: its TCP
 * callbacks run inside tusk_stack_input()/tusk_stack_poll(), its poll
 * function runs once per loop iteration after them, and the control
 * thread reaches it through tusk_lcore_call() (app/tuskd/lcore.h), which
 * runs a function on the lcore between bursts. No locks on the fast path.
 *
 * File I/O (app/fileio/) runs on the lcore too: reads from the page cache
 * into mbuf data rooms and vectored writes from mbufs are one copy each,
 * the copy a kernel socket would make anyway. Strong digests never run
 * here: they go to the digest worker thread (app/fileio/digest.h).
 */
#ifndef TUSK_SVC_H
#define TUSK_SVC_H

#include <stdint.h>

#include <rte_mempool.h>

struct tusk_stack;
struct tusk_root;
struct tusk_digest_svc;

/* Data room of the payload pool's mbufs: a 16 KiB page run per mbuf keeps
 * preadv/pwritev vectors short (64 iovecs per MiB) while a jumbo segment
 * (8960 bytes) still needs at most two of them. */
#define TUSK_SVC_DATA_ROOM (16384u + RTE_PKTMBUF_HEADROOM)

/* What a service is given at creation; everything outlives the service. */
struct tusk_svc_env {
	unsigned int lcore_id;
	struct tusk_stack *st;          /* the lcore's stack */
	/* payload mbufs (file data, bulk data), TUSK_SVC_DATA_ROOM each; a
	 * service that finds it empty waits (back-pressure), never spins */
	struct rte_mempool *data_pool;
	struct tusk_root *root;         /* the data root (app/fileio/root.h) */
	struct tusk_digest_svc *digest; /* SHA-256 worker (app/fileio) */
	/* Every online CPU runs a worker lcore or the main thread: a helper
	 * thread woken now takes its CPU from a poller (tuskd services.c) */
	bool cores_shared;
	/* Digests nobody waits for (a GET's, behind the sender) are left to
	 * the lcore's idle iterations (tusk_digest_file_idle): cores_shared
	 * and the lcores assist ([tuskd] digest_assist_us > 0) */
	bool digest_behind_idle;
};

#endif /* TUSK_SVC_H */
