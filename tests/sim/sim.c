/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator's world and event loop (see sim.h).
 *
 * Virtual time jumps to the earliest of: a frame arriving at either end
 * of the link, either stack's next timer (tusk_stack_next_event), the
 * start of the measurement window, the end. At each step frames that have
 * arrived are fed to their stack in bursts, then due stacks are polled.
 * Frames the stacks transmit go into the link at the current time.
 *
 * Checksums: the interfaces claim checksum offload, and the link marks
 * every delivered frame's checksums good (a corrupted copy: bad), the way
 * a NIC would, so no checksum is computed per frame (--sw-cksum turns
 * that off and both ends do it in software).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>

#include "sim.h"
#include "testenv.h"

#define NSEC_PER_SEC 1000000000ull
#define SIM_BURST 32
/* Bytes per frame header beyond the MSS: IPv4 (20) + TCP (20). */
#define SIM_IP_TCP_HDR 40
/* Stack-pool mbufs per segment in flight: a header mbuf and one or two
 * indirect mbufs for its payload. */
#define SIM_MBUFS_PER_SEG 3
/* Steps at one instant before the loop is declared stuck: a stack whose
 * next_event stays in the past without doing anything. */
#define SIM_STALL_STEPS 1000000
#define SIM_DATA_ROOM_CHUNK 64128 /* 64000-byte chunks + slack */
/* Stack frames: headers and control segments (indirect mbufs carry the
 * payload), with room for whatever else a stack builds itself. */
#define SIM_STACK_DATA_ROOM 2048
/* Host A's pool beyond its segments in flight: SYN, FIN and ARP frames
 * and the per-lcore mempool caches. */
#define SIM_POOL_A_SLACK 8192
/* Host B sends only ACKs (and ARP): a window's worth of them at one ACK
 * per segment of a 256 MiB window at 8960 MSS is ~30,000. */
#define SIM_POOL_B_MBUFS 65536
/* Copies for duplicated and corrupted frames in flight at once. */
#define SIM_COPY_MBUFS 8192

struct sim_port {
	struct sim_world *w;
	struct tusk_sim_link *link;
};

static struct sim_port port_a, port_b;

/* Copy a frame for the link (duplicate or corrupted frame): the original
 * shares payload with the sender's send queue and must not change. */
static struct rte_mbuf *
copy_frame(struct sim_world *w, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, w->copy_pool, 0, UINT32_MAX);

	if (c == NULL)
		w->copy_fail++;
	return c;
}

static void
corrupt(struct sim_world *w, struct tusk_sim_link *l, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t hdr = sizeof(struct rte_ether_hdr);
	uint32_t off = hdr + (uint32_t)(tusk_sim_rng_next(&l->rng) %
					(len - hdr));
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);

	*p ^= (uint8_t)(1u << (tusk_sim_rng_next(&l->rng) & 7));
	/* What a NIC's checksum check would say about it. */
	m->ol_flags = off < hdr + sizeof(struct rte_ipv4_hdr) ?
		RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_GOOD :
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD;
	if (w->conf.sw_cksum)
		m->ol_flags = 0;
}

static uint64_t
rx_flags(const struct sim_world *w)
{
	return w->conf.sw_cksum ? 0 :
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

static void
link_one(struct sim_world *w, struct tusk_sim_link *l, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	unsigned int v = tusk_sim_link_admit(l, len, w->now);
	struct rte_mbuf *dup = NULL;

	if (v & TUSK_SIM_LINK_DROP) {
		rte_pktmbuf_free(m);
		return;
	}
	m->ol_flags = rx_flags(w);
	if ((v & TUSK_SIM_LINK_DUP) && (dup = copy_frame(w, m)) != NULL)
		dup->ol_flags = rx_flags(w);
	if (v & TUSK_SIM_LINK_CORRUPT) {
		struct rte_mbuf *c = copy_frame(w, m);

		rte_pktmbuf_free(m);
		m = c;
		if (m != NULL)
			corrupt(w, l, m);
	}
	if (m != NULL && tusk_sim_link_push(l, m, len, w->now) != 0)
		rte_pktmbuf_free(m);
	if (dup != NULL && tusk_sim_link_push(l, dup, len, w->now) != 0)
		rte_pktmbuf_free(dup);
}

/* The interfaces' "driver": every frame goes onto the wire. */
static uint16_t
port_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_port *p = arg;
	uint16_t i;

	for (i = 0; i < n; i++)
		link_one(p->w, p->link, pkts[i]);
	return n;
}

static struct rte_mempool *
pool(const char *name, uint64_t n, uint16_t room)
{
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return tusk_testenv_pool(name, (unsigned int)n, room);
}

static int
make_pools(struct sim_world *w)
{
	static unsigned int worlds; /* pool names are unique per process */
	const struct sim_conf *c = &w->conf;
	uint64_t segs = c->snd_budget / (c->mss > 100 ? c->mss - 60 : 40);
	char n[4][32];

	worlds++;
	snprintf(n[0], sizeof(n[0]), "sim_a%u", worlds);
	snprintf(n[1], sizeof(n[1]), "sim_b%u", worlds);
	snprintf(n[2], sizeof(n[2]), "sim_data%u", worlds);
	snprintf(n[3], sizeof(n[3]), "sim_copy%u", worlds);
	w->pool_a = pool(n[0], segs * SIM_MBUFS_PER_SEG + SIM_POOL_A_SLACK,
			 SIM_STACK_DATA_ROOM);
	w->pool_b = pool(n[1], SIM_POOL_B_MBUFS, SIM_STACK_DATA_ROOM);
	w->data_pool = pool(n[2], c->snd_budget / 64000 * 5 / 4 +
			    4 * SIM_MAX_FLOWS, SIM_DATA_ROOM_CHUNK);
	w->copy_pool = pool(n[3], SIM_COPY_MBUFS, (uint16_t)(c->mss + 256));
	if (w->pool_a == NULL || w->pool_b == NULL || w->data_pool == NULL ||
	    w->copy_pool == NULL)
		return -ENOMEM;
	return 0;
}

static int
make_links(struct sim_world *w)
{
	const struct sim_conf *c = &w->conf;
	double bdp = (double)c->rate_bps / 8 * (double)c->rtt_ns / 1e9;
	struct tusk_sim_link_conf fwd = {
		.rate_bps = c->rate_bps,
		.delay_ns = c->rtt_ns / 2,
		.queue_bytes = (uint64_t)(bdp * c->queue_bdp),
		.overhead = TUSK_SIM_LINK_ETH_OVERHEAD,
		.loss = c->loss,
		.ge_p = c->ge_p, .ge_r = c->ge_r,
		.ge_loss_bad = c->ge_loss_bad, .ge_loss_good = c->ge_loss_good,
		.reorder = c->reorder, .jitter_ns = c->jitter_ns,
		.dup = c->dup, .corrupt = c->corrupt,
		.seed = c->seed,
	};
	/* The ACK path: same rate and delay, no impairment. */
	struct tusk_sim_link_conf rev = {
		.rate_bps = c->rate_bps,
		.delay_ns = c->rtt_ns - c->rtt_ns / 2,
		.overhead = TUSK_SIM_LINK_ETH_OVERHEAD,
		.seed = c->seed ^ 0x5bd1e995ull,
	};
	int rc = tusk_sim_link_init(&w->ab, &fwd);

	if (rc != 0)
		return rc;
	return tusk_sim_link_init(&w->ba, &rev);
}

static struct tusk_stack *
make_host(struct sim_world *w, struct rte_mempool *mp, uint32_t ip,
	  uint8_t mac_last, struct sim_port *port)
{
	struct tusk_stack_conf sc = {
		.pool = mp,
		.socket_id = SOCKET_ID_ANY,
		.seed = w->conf.seed * 2 + mac_last,
	};
	struct tusk_iface_conf ic = {
		.mac = {{ 0x02, 0, 0, 0, 0, mac_last }},
		.addr = tusk_addr_v4(rte_cpu_to_be_32(ip)),
		.prefix_len = 24,
		.mtu = (uint16_t)(w->conf.mss + SIM_IP_TCP_HDR),
		.offloads = w->conf.sw_cksum ? 0 :
			TUSK_IFACE_OFFLOAD_IPV4_CKSUM |
			TUSK_IFACE_OFFLOAD_TCP_CKSUM |
			TUSK_IFACE_OFFLOAD_RX_CKSUM,
		.tx = port_tx,
		.tx_arg = port,
	};
	struct tusk_stack *st = tusk_stack_create(&sc);

	if (st == NULL)
		return NULL;
	if (tusk_stack_add_iface(st, &ic, w->now) < 0) {
		tusk_stack_free(st);
		return NULL;
	}
	return st;
}

static int
make_flows(struct sim_world *w)
{
	const struct sim_conf *c = &w->conf;
	struct tusk_tcp_conn_opts opts = { .rcv_max = c->rcv_max };
	unsigned int i;
	int rc;

	for (i = 0; i < c->flows; i++) {
		struct sim_flow *f = &w->flows[i];

		f->w = w;
		f->idx = i;
		f->cc = i == 0 || c->cc2 == NULL ? c->cc : c->cc2;
		f->key = tusk_sim_splitmix64(&(uint64_t){ c->seed + i });
		opts.cc = f->cc;
		rc = tusk_tcp_listen(w->b, (uint16_t)(SIM_PORT_BASE + i),
				     &sim_receiver_ops, f, 4, &opts);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
sim_world_init(struct sim_world *w, const struct sim_conf *conf)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->conf = *conf;
	if (w->conf.snd_budget == 0)
		w->conf.snd_budget = SIM_SND_BUDGET;
	if (conf->flows == 0 || conf->flows > SIM_MAX_FLOWS || conf->mss < 100)
		return -EINVAL;
	rc = make_pools(w);
	if (rc == 0)
		rc = make_links(w);
	if (rc != 0)
		return rc;
	port_a = (struct sim_port){ .w = w, .link = &w->ab };
	port_b = (struct sim_port){ .w = w, .link = &w->ba };
	w->a = make_host(w, w->pool_a, SIM_IP_A, 1, &port_a);
	w->b = make_host(w, w->pool_b, SIM_IP_B, 2, &port_b);
	if (w->a == NULL || w->b == NULL)
		return -ENOMEM;
	return make_flows(w);
}

static void
drain_link(struct tusk_sim_link *l)
{
	struct rte_mbuf *m;

	while ((m = tusk_sim_link_pop(l, UINT64_MAX)) != NULL)
		rte_pktmbuf_free(m);
	tusk_sim_link_fini(l);
}

void
sim_world_fini(struct sim_world *w)
{
	unsigned int i;

	for (i = 0; i < w->conf.flows; i++)
		rte_pktmbuf_free(w->flows[i].pending);
	if (w->ab.heap != NULL)
		drain_link(&w->ab);
	if (w->ba.heap != NULL)
		drain_link(&w->ba);
	tusk_stack_free(w->a);
	tusk_stack_free(w->b);
	/* Pools are left to process exit: mbufs of one pool may still sit
	 * in structures of the other stack until both are gone. */
}

/* Hand every frame that has arrived on `l` to `st`, in bursts. */
static void
deliver(struct sim_world *w, struct tusk_sim_link *l, struct tusk_stack *st)
{
	struct rte_mbuf *pkts[SIM_BURST];
	uint16_t n;

	do {
		for (n = 0; n < SIM_BURST; n++) {
			pkts[n] = tusk_sim_link_pop(l, w->now);
			if (pkts[n] == NULL)
				break;
		}
		if (n != 0)
			tusk_stack_input(st, 0, pkts, n, w->now);
	} while (n == SIM_BURST);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t
next_time(const struct sim_world *w)
{
	uint64_t t = min_u64(tusk_stack_next_event(w->a),
			     tusk_stack_next_event(w->b));

	t = min_u64(t, tusk_sim_link_next(&w->ab));
	t = min_u64(t, tusk_sim_link_next(&w->ba));
	if (!w->measured)
		t = min_u64(t, w->conf.measure_from_ns);
	if (w->conf.trace_ns != 0)
		t = min_u64(t, w->next_trace);
	return t;
}

/* One line per flow to stderr: the sender's view every trace interval,
 * to see why a run falls short. */
static void
trace(struct sim_world *w)
{
	double secs = (double)w->conf.trace_ns / NSEC_PER_SEC;
	unsigned int i;

	w->next_trace += w->conf.trace_ns;
	for (i = 0; i < w->conf.flows; i++) {
		struct sim_flow *f = &w->flows[i];
		struct tusk_tcp_conn_stats s;

		if (f->tx_conn == NULL)
			continue;
		tusk_tcp_conn_stats(f->tx_conn, &s);
		fprintf(stderr, "t %7.3f flow %u %-7s gput %6.3f G cwnd %6.1f M "
			"flight %6.1f M pace %6.3f G srtt %6.1f ms snd_wnd %6.1f M "
			"rtx %" PRIu64 " rto %" PRIu64 " rec %" PRIu64 " q %.1f M\n",
			(double)w->now / NSEC_PER_SEC, i, f->cc,
			(double)(f->rx_off - w->trace_rx[i]) * 8 / secs / 1e9,
			s.cwnd / 1e6, s.in_flight / 1e6,
			(double)s.pacing_rate * 8 / 1e9, s.srtt_ns / 1e6,
			s.snd_wnd / 1e6, s.segs_retrans, s.rto_count,
			s.sack_recoveries,
			tusk_sim_link_backlog(&w->ab, w->now) / 1e6);
		w->trace_rx[i] = f->rx_off;
	}
}

uint64_t
sim_wire_sent(const struct sim_world *w)
{
	return w->ab.stats.wire_bytes - tusk_sim_link_backlog(&w->ab, w->now);
}

static void
open_window(struct sim_world *w)
{
	unsigned int i;

	w->measured = true;
	w->wire_at_measure = sim_wire_sent(w);
	for (i = 0; i < w->conf.flows; i++)
		w->flows[i].rx_at_measure = w->flows[i].rx_off;
}

/* step() for benchmarks: the same calls, with the TSC cycles spent in
 * each stack counted (link pops are outside: rte_rdtsc around input). */
static void
step_timed(struct sim_world *w, uint64_t t)
{
	uint64_t c0 = rte_rdtsc(), c1, c3;

	deliver(w, &w->ab, w->b);
	c1 = rte_rdtsc();
	deliver(w, &w->ba, w->a);
	if (tusk_stack_next_event(w->a) <= t)
		tusk_stack_poll(w->a, t);
	c3 = rte_rdtsc();
	if (tusk_stack_next_event(w->b) <= t)
		tusk_stack_poll(w->b, t);
	w->cyc_b += c1 - c0 + rte_rdtsc() - c3;
	w->cyc_a += c3 - c1;
}

/* One step at time `t`. */
static void
step(struct sim_world *w, uint64_t t)
{
	w->now = t;
	w->events++;
	if (!w->measured && t >= w->conf.measure_from_ns)
		open_window(w);
	if (w->conf.trace_ns != 0 && t >= w->next_trace)
		trace(w);
	if (w->conf.time_stacks) {
		step_timed(w, t);
		return;
	}
	deliver(w, &w->ab, w->b);
	deliver(w, &w->ba, w->a);
	if (tusk_stack_next_event(w->a) <= t)
		tusk_stack_poll(w->a, t);
	if (tusk_stack_next_event(w->b) <= t)
		tusk_stack_poll(w->b, t);
}

static int
start_flows(struct sim_world *w)
{
	unsigned int i;
	int rc;

	for (i = 0; i < w->conf.flows; i++) {
		rc = sim_flow_start(&w->flows[i], w->now);
		if (rc != 0) {
			w->error = "connect failed";
			return rc;
		}
	}
	return 0;
}

int
sim_world_run(struct sim_world *w)
{
	uint64_t end = w->conf.duration_ns, last = UINT64_MAX, same = 0;
	unsigned int i;
	int rc = start_flows(w);

	while (rc == 0 && !sim_flows_done(w)) {
		uint64_t t = next_time(w);

		if (t > end)
			break;
		if (t < w->now)
			t = w->now;
		same = t == last ? same + 1 : 0;
		if (same > SIM_STALL_STEPS) {
			w->error = "event loop stalled (next_event not advancing)";
			rc = -EDEADLK;
			break;
		}
		last = t;
		step(w, t);
	}
	if (!sim_flows_done(w))
		w->now = end > w->now ? end : w->now;
	if (!w->measured)
		open_window(w);
	for (i = 0; i < w->conf.flows; i++)
		if (w->flows[i].tx_conn != NULL)
			tusk_tcp_conn_stats(w->flows[i].tx_conn,
					    &w->flows[i].final);
	return rc;
}
