/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bulk: discard sink and pattern source (bulk.h).
 *
 *   source: tusk_bulk_source_start() -> tusk_tcp_connect()
 *           connected() / writable() / tusk_bulk_poll() -> source_fill()
 *               -> source_chain(): clones of the pattern mbufs
 *               -> tusk_tcp_send()
 *           all queued (bytes, or the deadline) -> tusk_tcp_shutdown()
 *           tusk_bulk_poll() -> source_check(): all acknowledged -> done
 *   sink:   accepted() -> a transfer; recv() counts and frees;
 *           peer_closed() -> tusk_tcp_close(); closed() -> done
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "bulk.h"
#include "tcp_cc.h"

/* Clones per lcore, all sources together: 16 KiB each, so 512 MiB queued
 * at most (a 1 Gbit/s x 150 ms path needs ~19 MB in flight, 10 Gbit/s
 * ~190 MB). Each is a bare mbuf header (~200 bytes): 6.5 MiB. */
#define BULK_CLONES 32768u
/* The mempool's per-lcore cache: clones go and come in runs of a batch. */
#define BULK_CLONE_CACHE 256
/* Clones chained per send() call (pattern.h). */
#define BULK_BATCH TUSK_PATTERN_BATCH
/* A source's send buffer: the stack's default (the queue bound of
 * pattern.h is what limits it; this only lets the queue length be read
 * off send space). */
#define BULK_SND_BUF TUSK_TCP_SND_BUF_DEFAULT
/* A source waiting on its own queue bound or on clones looks again this
 * often (at 50 Gbit/s, 20 us is 125 KB: well inside the bound); a
 * draining source checks for the last ACK as often, which is also how
 * close to the truth its end time is. */
#define BULK_RETRY_NS 20000ull
/* Connections in SYN-RECEIVED the sink's listener allows (then cookies). */
#define BULK_BACKLOG 64
#define NS_PER_SEC 1000000000ull

enum xfer_state {
	XFER_FREE = 0,
	XFER_CONNECTING,   /* source: SYN sent */
	XFER_SENDING,      /* source: queuing data */
	XFER_DRAINING,     /* source: FIN queued, waiting for the last ACK */
	XFER_RECEIVING,    /* sink */
	XFER_DONE,
};

struct bulk_xfer {
	enum xfer_state state;
	struct tusk_bulk *b;
	struct tusk_tcp_conn *c;  /* NULL once done */
	struct tusk_bulk_info info;
	uint64_t t_start;   /* source: connect(); sink: first byte */
	uint64_t t_last;    /* last byte acknowledged / received */
	uint64_t deadline;  /* source: stop queuing then; 0: none */
	uint64_t built;     /* source: bytes put into clone chains */
	uint64_t taken;     /* source: bytes send() took */
	uint64_t age;       /* allocation order: oldest finished go first */
	struct rte_mbuf *pending; /* source: chain send() did not take */
	uint64_t next_poll; /* source: when tusk_bulk_poll() looks again */
	struct tusk_pattern_queue q; /* source: queue bound (pattern.h) */
};

struct tusk_bulk {
	struct tusk_svc_env env;
	uint16_t sink_port;
	struct tusk_pattern pat;   /* payload: clones of pattern mbufs */
	uint32_t next_id;
	uint64_t next_age;
	/* sources poll() must look at (sending or draining), a bit per
	 * slot: the idle loop costs one test */
	uint64_t polled;
	struct bulk_xfer x[TUSK_BULK_XFERS_MAX];
};

_Static_assert(TUSK_BULK_XFERS_MAX <= 64, "polled is a 64-bit mask");

/* ------------------------------------------------------------ transfers */

static bool
xfer_running(const struct bulk_xfer *x)
{
	return x->state != XFER_FREE && x->state != XFER_DONE;
}

/* A free slot, or the oldest finished transfer's; NULL when all run. */
static struct bulk_xfer *
xfer_alloc(struct tusk_bulk *b, enum tusk_bulk_role role)
{
	struct bulk_xfer *x = NULL;
	unsigned int i;

	for (i = 0; i < TUSK_BULK_XFERS_MAX; i++) {
		struct bulk_xfer *y = &b->x[i];

		if (y->state == XFER_FREE) {
			x = y;
			break;
		}
		if (y->state == XFER_DONE && (x == NULL || y->age < x->age))
			x = y;
	}
	if (x == NULL)
		return NULL;
	memset(x, 0, sizeof(*x));
	x->b = b;
	x->age = b->next_age++;
	x->info.id = ++b->next_id;
	x->info.role = role;
	return x;
}

/* Payload acknowledged: the stack's count includes our FIN's sequence
 * number once that is acknowledged. */
static uint64_t
source_acked(const struct bulk_xfer *x)
{
	return RTE_MIN(x->info.tcp.bytes_acked, x->taken);
}

/* The connection's last statistics, kept once it is gone. */
static void
xfer_snapshot(struct bulk_xfer *x)
{
	if (x->c != NULL)
		tusk_tcp_conn_stats(x->c, &x->info.tcp);
}

static uint64_t
xfer_bit(const struct bulk_xfer *x)
{
	return 1ull << (x - x->b->x);
}

static void
xfer_done(struct bulk_xfer *x, int err, uint64_t now)
{
	x->b->polled &= ~xfer_bit(x);
	xfer_snapshot(x);
	if (x->info.role == TUSK_BULK_SOURCE) {
		x->info.bytes = source_acked(x);
		if (err == 0)
			x->t_last = now;
	}
	rte_pktmbuf_free(x->pending); /* NULL-safe */
	x->pending = NULL;
	x->c = NULL;
	x->info.err = err;
	x->info.done = true;
	x->state = XFER_DONE;
}

/* ------------------------------------------------------------ source */

/* Up to BULK_BATCH chunks of the stream, the last one cut to what is
 * left; NULL when the clone pool is spent (poll tries again). */
static struct rte_mbuf *
source_chain(struct bulk_xfer *x)
{
	uint64_t left = x->info.target ? x->info.target - x->built :
		(uint64_t)BULK_BATCH * TUSK_BULK_CHUNK;
	struct rte_mbuf *m = tusk_pattern_chain(&x->b->pat, BULK_BATCH, left);

	if (m != NULL)
		x->built += rte_pktmbuf_pkt_len(m);
	return m;
}

/* Room to queue more (pattern.h's bound). */
static bool
source_room(struct bulk_xfer *x, uint64_t now)
{
	return tusk_pattern_queue_room(&x->q, x->c, BULK_SND_BUF,
				       &x->info.tcp, now);
}

/* Nothing more to queue: the byte count is reached or time is up. A
 * chain the stack did not take by the deadline is dropped unsent. */
static bool
source_complete(struct bulk_xfer *x, uint64_t now)
{
	if (x->deadline != 0 && now >= x->deadline) {
		if (x->pending != NULL) {
			x->built -= rte_pktmbuf_pkt_len(x->pending);
			rte_pktmbuf_free(x->pending);
			x->pending = NULL;
		}
		return true;
	}
	return x->pending == NULL && x->info.target != 0 &&
	       x->built >= x->info.target;
}

/*
 * Queue what the connection takes. Stopped by the stack (send() took part
 * of a chain), the source waits for writable() (or its deadline); stopped
 * by its own queue bound or an empty clone pool, poll() retries it soon.
 */
static void
source_fill(struct bulk_xfer *x, uint64_t now)
{
	while (x->state == XFER_SENDING) {
		int64_t took;

		if (source_complete(x, now)) {
			tusk_tcp_shutdown(x->c, now);
			x->state = XFER_DRAINING;
			x->next_poll = now + BULK_RETRY_NS;
			return;
		}
		if (x->pending == NULL) {
			x->next_poll = now + BULK_RETRY_NS;
			if (!source_room(x, now))
				return;
			x->pending = source_chain(x);
			if (x->pending == NULL)
				return;
		}
		took = tusk_tcp_send(x->c, &x->pending, now);
		if (took < 0) {
			struct tusk_tcp_conn *c = x->c;

			xfer_done(x, (int)took, now);
			tusk_tcp_abort(c, now);
			return;
		}
		x->taken += (uint64_t)took;
		if (x->pending != NULL) {
			/* writable() calls again */
			x->next_poll = x->deadline ? x->deadline : UINT64_MAX;
			return;
		}
	}
}

/* Draining: done once everything queued is acknowledged. */
static void
source_check(struct bulk_xfer *x, uint64_t now)
{
	struct tusk_tcp_conn *c = x->c;

	tusk_tcp_conn_stats(c, &x->info.tcp);
	if (x->info.tcp.bytes_acked < x->taken) {
		x->next_poll = now + BULK_RETRY_NS;
		return;
	}
	xfer_done(x, 0, now);
	tusk_tcp_close(c, now);
}

static void
source_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	struct bulk_xfer *x = arg;
	struct tusk_addr laddr, raddr;
	uint16_t rport;

	x->state = XFER_SENDING;
	x->b->polled |= xfer_bit(x);
	tusk_tcp_conn_tuple(c, &laddr, &x->info.local_port, &raddr, &rport);
	source_fill(x, now);
}

static void
source_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	RTE_SET_USED(c);
	source_fill(arg, now);
}

/* A source ignores what the peer sends (a discard peer sends nothing). */
static uint32_t
source_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	    uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	RTE_SET_USED(c);
	RTE_SET_USED(arg);
	RTE_SET_USED(now);
	rte_pktmbuf_free(m);
	return len;
}

static void
bulk_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	struct bulk_xfer *x = arg;

	RTE_SET_USED(c);
	xfer_done(x, err, now);
}

static const struct tusk_tcp_ops source_ops = {
	.connected = source_connected,
	.recv = source_recv,
	.writable = source_writable,
	.closed = bulk_closed,
};

static int
source_conf_check(const struct tusk_bulk_source_conf *conf, char *err,
		  size_t errlen)
{
	if (conf->dst.family != TUSK_AF_INET || conf->dst.v4 == 0) {
		snprintf(err, errlen, "dst must be an IPv4 address");
		return -EINVAL;
	}
	if (conf->port == 0) {
		snprintf(err, errlen, "port must be 1..65535");
		return -EINVAL;
	}
	if (conf->bytes == 0 && conf->seconds == 0) {
		snprintf(err, errlen, "give bytes or seconds (or both)");
		return -EINVAL;
	}
	if (conf->cc[0] != '\0' && tusk_tcp_cc_find(conf->cc) == NULL) {
		snprintf(err, errlen, "unknown cc \"%s\" (newreno, cubic, bbr)",
			 conf->cc);
		return -EINVAL;
	}
	return 0;
}

int
tusk_bulk_source_start(struct tusk_bulk *b,
		       const struct tusk_bulk_source_conf *conf, uint64_t now,
		       uint32_t *id, char *err, size_t errlen)
{
	struct tusk_tcp_conn_opts opts = { .nodelay = true,
					   .snd_buf = BULK_SND_BUF };
	struct bulk_xfer *x;
	int ret = source_conf_check(conf, err, errlen);

	if (ret < 0)
		return ret;
	x = xfer_alloc(b, TUSK_BULK_SOURCE);
	if (x == NULL) {
		snprintf(err, errlen, "%u transfers are running already",
			 TUSK_BULK_XFERS_MAX);
		return -ENOSPC;
	}
	opts.cc = conf->cc[0] != '\0' ? conf->cc : NULL;
	x->info.peer = conf->dst;
	x->info.peer_port = conf->port;
	x->info.target = conf->bytes;
	x->deadline = conf->seconds ? now + conf->seconds * NS_PER_SEC : 0;
	x->t_start = now;
	x->state = XFER_CONNECTING;
	ret = tusk_tcp_connect(b->env.st, &conf->dst, conf->port, &source_ops,
			       x, &opts, now, &x->c);
	if (ret < 0) {
		snprintf(err, errlen, "connect: %s", strerror(-ret));
		x->c = NULL;
		xfer_done(x, ret, now);
		return ret;
	}
	*id = x->info.id;
	return 0;
}

/* ------------------------------------------------------------ sink */

static int
sink_accepted(struct tusk_tcp_conn *c, void *listen_arg, void **conn_arg,
	      uint64_t now)
{
	struct bulk_xfer *x = xfer_alloc(listen_arg, TUSK_BULK_SINK);
	struct tusk_addr laddr;

	RTE_SET_USED(now);
	if (x == NULL)
		return -ENOSPC;
	x->c = c;
	x->state = XFER_RECEIVING;
	tusk_tcp_conn_tuple(c, &laddr, &x->info.local_port, &x->info.peer,
			    &x->info.peer_port);
	*conn_arg = x;
	return 0;
}

/* RFC 863: throw it away. Every byte is consumed at once. */
static uint32_t
sink_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m,
	  uint64_t now)
{
	struct bulk_xfer *x = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	RTE_SET_USED(c);
	rte_pktmbuf_free(m);
	if (x->info.bytes == 0)
		x->t_start = now;
	x->info.bytes += len;
	x->t_last = now;
	return len;
}

static void
sink_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	xfer_done(arg, 0, now);
	tusk_tcp_close(c, now);
}

static const struct tusk_tcp_ops sink_ops = {
	.accepted = sink_accepted,
	.recv = sink_recv,
	.peer_closed = sink_peer_closed,
	.closed = bulk_closed,
};

/* ------------------------------------------------------------ service */

struct tusk_bulk *
tusk_bulk_create(const struct tusk_svc_env *env,
		 const struct tusk_bulk_conf *conf)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct tusk_tcp_conn_opts opts = { 0 };
	struct tusk_bulk *b = calloc(1, sizeof(*b));
	static unsigned int instances;
	int ret = -ENOMEM;

	if (b == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	b->env = *env;
	b->sink_port = conf->sink_port;
	/* unique in the process: a pool left to exit (tusk_bulk_free) must
	 * not block the next instance's name */
	snprintf(name, sizeof(name), "tusk_bulk_%u_%u", env->lcore_id,
		 instances++);
	ret = tusk_pattern_init(&b->pat, name, env->data_pool, BULK_CLONES,
				BULK_CLONE_CACHE,
				(int)rte_lcore_to_socket_id(env->lcore_id));
	if (ret == 0 && b->sink_port != 0)
		ret = tusk_tcp_listen(env->st, b->sink_port, &sink_ops, b,
				      BULK_BACKLOG, &opts);
	if (ret < 0) {
		b->sink_port = 0; /* not listening: nothing to undo */
		tusk_bulk_free(b);
		rte_errno = -ret;
		return NULL;
	}
	return b;
}

void
tusk_bulk_poll(void *arg, uint64_t now)
{
	struct tusk_bulk *b = arg;
	uint64_t m = b->polled;

	while (m != 0) {
		struct bulk_xfer *x = &b->x[__builtin_ctzll(m)];

		m &= m - 1;
		if (now < x->next_poll)
			continue;
		if (x->state == XFER_SENDING)
			source_fill(x, now);
		else if (x->state == XFER_DRAINING)
			source_check(x, now);
	}
}

int
tusk_bulk_stop(struct tusk_bulk *b, uint32_t id, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < TUSK_BULK_XFERS_MAX; i++) {
		struct bulk_xfer *x = &b->x[i];
		struct tusk_tcp_conn *c = x->c;

		if (x->info.id != id || !xfer_running(x))
			continue;
		if (x->info.role == TUSK_BULK_SINK)
			x->t_last = now;
		xfer_done(x, -ECANCELED, now);
		tusk_tcp_abort(c, now);
		return 0;
	}
	return -ENOENT;
}

static void
xfer_info(struct bulk_xfer *x, struct tusk_bulk_info *out, uint64_t now)
{
	uint64_t end;

	if (xfer_running(x) && x->state != XFER_CONNECTING)
		xfer_snapshot(x);
	if (x->info.role == TUSK_BULK_SOURCE && !x->info.done)
		x->info.bytes = source_acked(x);
	*out = x->info;
	end = x->info.done ? x->t_last : now;
	if (x->info.role == TUSK_BULK_SINK && x->info.bytes == 0)
		end = x->t_start;
	out->elapsed_ns = end > x->t_start ? end - x->t_start : 0;
	out->gbps = out->elapsed_ns ? (double)out->bytes * 8 /
		(double)out->elapsed_ns : 0;
}

unsigned int
tusk_bulk_list(struct tusk_bulk *b, struct tusk_bulk_info *out,
	       unsigned int max, uint64_t now)
{
	unsigned int n = 0, i;
	uint64_t age = 0;

	/* oldest first: by allocation order */
	while (n < max) {
		struct bulk_xfer *next = NULL;

		for (i = 0; i < TUSK_BULK_XFERS_MAX; i++) {
			struct bulk_xfer *x = &b->x[i];

			if (x->state != XFER_FREE && x->age >= age &&
			    (next == NULL || x->age < next->age))
				next = x;
		}
		if (next == NULL)
			break;
		xfer_info(next, &out[n++], now);
		age = next->age + 1;
	}
	return n;
}

void
tusk_bulk_free(void *arg)
{
	struct tusk_bulk *b = arg;
	unsigned int i;

	if (b == NULL)
		return;
	for (i = 0; i < TUSK_BULK_XFERS_MAX; i++) {
		struct bulk_xfer *x = &b->x[i];
		struct tusk_tcp_conn *c = x->c;

		if (!xfer_running(x))
			continue;
		xfer_done(x, -ECANCELED, 0);
		if (c != NULL)
			tusk_tcp_abort(c, 0);
	}
	if (b->sink_port != 0)
		tusk_tcp_unlisten(b->env.st, b->sink_port);
	tusk_pattern_fini(&b->pat);
	free(b);
}
