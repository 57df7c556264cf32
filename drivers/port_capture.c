/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture into a pcap file (see port_capture.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "port_capture.h"
#include "port_priv.h"

/* After the callbacks are unlinked an lcore may still be inside one for
 * the burst it was handling (microseconds); 10 ms also covers an lcore
 * that was descheduled mid-burst before their memory is freed. */
#define CAPTURE_GRACE_US 10000
/* Frames moved from the ring per dequeue. */
#define CAPTURE_DRAIN_BURST 64
#define NS_PER_SEC 1000000000ull

/* Kept in each copy's private area: when it was seen and its real
 * length (the copy may be cut to snaplen). */
struct capture_meta {
	uint64_t tsc;
	uint32_t len;
};

struct tusk_port_capture {
	char port[TUSK_PORT_NAME_MAX];
	char path[PATH_MAX];
	uint16_t port_id;
	uint16_t nb_queues;
	uint32_t count;
	uint32_t snaplen;
	uint32_t taken;    /* frames claimed by the lcores (atomic) */
	uint64_t dropped;  /* ring or pool full (atomic) */
	uint64_t written;
	struct rte_ring *ring;
	struct rte_mempool *pool;
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	uint64_t tsc0;             /* TSC and wall clock at start, for */
	struct timespec wall0;     /* the pcap timestamps */
	const struct rte_eth_rxtx_callback *rx_cb[TUSK_PORT_MAX_QUEUES];
	const struct rte_eth_rxtx_callback *tx_cb[TUSK_PORT_MAX_QUEUES];
};

/* Runs on the lcores: copy and enqueue, never block. */
static void
capture_burst(struct tusk_port_capture *c, struct rte_mbuf **pkts,
	      uint16_t n)
{
	uint64_t now = rte_rdtsc();
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m;
		struct capture_meta *meta;

		if (__atomic_load_n(&c->taken, __ATOMIC_RELAXED) >= c->count ||
		    __atomic_fetch_add(&c->taken, 1, __ATOMIC_RELAXED) >=
		    c->count)
			return;
		m = rte_pktmbuf_copy(pkts[i], c->pool, 0, c->snaplen);
		if (m == NULL) {
			__atomic_fetch_add(&c->dropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		meta = rte_mbuf_to_priv(m);
		meta->tsc = now;
		meta->len = rte_pktmbuf_pkt_len(pkts[i]);
		if (rte_ring_mp_enqueue(c->ring, m) != 0) {
			rte_pktmbuf_free(m);
			__atomic_fetch_add(&c->dropped, 1, __ATOMIC_RELAXED);
		}
	}
}

static uint16_t
capture_rx(uint16_t port_id, uint16_t queue, struct rte_mbuf *pkts[],
	   uint16_t n, uint16_t max, void *arg)
{
	capture_burst(arg, pkts, n);
	return n;
}

static uint16_t
capture_tx(uint16_t port_id, uint16_t queue, struct rte_mbuf *pkts[],
	   uint16_t n, void *arg)
{
	capture_burst(arg, pkts, n);
	return n;
}

/* pcap timestamp of a TSC reading. */
static struct timeval
capture_time(const struct tusk_port_capture *c, uint64_t tsc)
{
	uint64_t ns = (uint64_t)c->wall0.tv_nsec +
		      (uint64_t)((double)(tsc - c->tsc0) * NS_PER_SEC /
				 (double)rte_get_tsc_hz());
	struct timeval tv;

	tv.tv_sec = c->wall0.tv_sec + (time_t)(ns / NS_PER_SEC);
	tv.tv_usec = (suseconds_t)((ns % NS_PER_SEC) / 1000);
	return tv;
}

static void
capture_write(struct tusk_port_capture *c, struct rte_mbuf *m)
{
	static uint8_t buf[TUSK_CAPTURE_SNAPLEN_MAX];
	const struct capture_meta *meta = rte_mbuf_to_priv(m);
	struct pcap_pkthdr h;
	const void *data;

	h.ts = capture_time(c, meta->tsc);
	h.caplen = rte_pktmbuf_pkt_len(m);
	h.len = meta->len;
	data = rte_pktmbuf_read(m, 0, h.caplen, buf);
	if (data != NULL) {
		pcap_dump((u_char *)c->dumper, &h, data);
		c->written++;
	}
	rte_pktmbuf_free(m);
}

int
tusk_port_capture_drain(struct tusk_port_capture *c)
{
	void *objs[CAPTURE_DRAIN_BURST];
	unsigned int n, i, total = 0;

	/* at most one ring's worth per call: the control thread has other
	 * clients to serve */
	while (total < TUSK_CAPTURE_RING) {
		n = rte_ring_sc_dequeue_burst(c->ring, objs, RTE_DIM(objs),
					      NULL);
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			capture_write(c, objs[i]);
		total += n;
	}
	if (total > 0 && pcap_dump_flush(c->dumper) < 0)
		return -EIO;
	return (int)total;
}

bool
tusk_port_capture_done(const struct tusk_port_capture *c)
{
	return __atomic_load_n(&c->taken, __ATOMIC_RELAXED) >= c->count;
}

/* The pcap file: `fd` when it is one (taken over), else c->path. */
static int
capture_open_file(struct tusk_port_capture *c, int fd)
{
	FILE *f = NULL;

	c->pcap = pcap_open_dead(DLT_EN10MB, (int)c->snaplen);
	if (c->pcap == NULL) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	if (fd >= 0 && (f = fdopen(fd, "w")) == NULL) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	c->dumper = f ? pcap_dump_fopen(c->pcap, f) :
			pcap_dump_open(c->pcap, c->path);
	if (c->dumper == NULL) {
		if (f != NULL)
			fclose(f);
		PORT_LOG(ERR, "%s: capture file: %s\n", c->port,
			 pcap_geterr(c->pcap));
		return -EIO;
	}
	return 0;
}

static int
capture_alloc(struct tusk_port_capture *c, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint16_t priv = RTE_ALIGN(sizeof(struct capture_meta),
				  RTE_MBUF_PRIV_ALIGN);

	snprintf(name, sizeof(name), "tuskcapr%u", c->port_id);
	c->ring = rte_ring_create(name, TUSK_CAPTURE_RING, socket,
				  RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tuskcapm%u", c->port_id);
	/* one mbuf per ring slot (a ring holds size - 1) */
	c->pool = rte_pktmbuf_pool_create(name, TUSK_CAPTURE_RING, 0, priv,
					  (uint16_t)(c->snaplen +
						     RTE_PKTMBUF_HEADROOM),
					  socket);
	if (c->ring == NULL || c->pool == NULL) {
		PORT_LOG(ERR, "%s: capture buffers: %s\n", c->port,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static int
capture_hook(struct tusk_port_capture *c)
{
	uint16_t q;

	for (q = 0; q < c->nb_queues; q++) {
		c->rx_cb[q] = rte_eth_add_rx_callback(c->port_id, q,
						      capture_rx, c);
		c->tx_cb[q] = rte_eth_add_tx_callback(c->port_id, q,
						      capture_tx, c);
		if (c->rx_cb[q] == NULL || c->tx_cb[q] == NULL) {
			PORT_LOG(ERR, "%s: capture callbacks: %s\n", c->port,
				 rte_strerror(rte_errno));
			return -ENOTSUP;
		}
	}
	return 0;
}

static void
capture_unhook(struct tusk_port_capture *c)
{
	uint16_t q;

	for (q = 0; q < c->nb_queues; q++) {
		if (c->rx_cb[q] != NULL)
			rte_eth_remove_rx_callback(c->port_id, q, c->rx_cb[q]);
		if (c->tx_cb[q] != NULL)
			rte_eth_remove_tx_callback(c->port_id, q, c->tx_cb[q]);
	}
	rte_delay_us_sleep(CAPTURE_GRACE_US);
	for (q = 0; q < c->nb_queues; q++) {
		rte_free((void *)(uintptr_t)c->rx_cb[q]);
		rte_free((void *)(uintptr_t)c->tx_cb[q]);
		c->rx_cb[q] = c->tx_cb[q] = NULL;
	}
}

static void
capture_free(struct tusk_port_capture *c)
{
	capture_unhook(c);
	if (c->ring != NULL && c->dumper != NULL)
		tusk_port_capture_drain(c);
	if (c->dumper != NULL)
		pcap_dump_close(c->dumper);
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	if (c->ring != NULL) {
		void *m;

		while (rte_ring_sc_dequeue(c->ring, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(c->ring);
	}
	rte_mempool_free(c->pool);
	free(c);
}

static int
capture_start(const struct tusk_port *p, const char *path, int fd,
	      uint32_t count, uint32_t snaplen, struct tusk_port_capture **out)
{
	struct tusk_port_capture *c = NULL;
	int ret = 0;

	if (count == 0 || count > TUSK_CAPTURE_COUNT_MAX ||
	    snaplen > TUSK_CAPTURE_SNAPLEN_MAX || strlen(path) >= PATH_MAX)
		ret = -EINVAL;
	else if ((c = calloc(1, sizeof(*c))) == NULL)
		ret = -ENOMEM;
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		return ret;
	}
	snprintf(c->port, sizeof(c->port), "%s", p->name);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->port_id = p->port_id;
	c->nb_queues = p->nb_queues;
	c->count = count;
	c->snaplen = snaplen ? snaplen : (uint32_t)p->mtu + RTE_ETHER_HDR_LEN;
	if (c->snaplen > TUSK_CAPTURE_SNAPLEN_MAX)
		c->snaplen = TUSK_CAPTURE_SNAPLEN_MAX;
	clock_gettime(CLOCK_REALTIME, &c->wall0);
	c->tsc0 = rte_rdtsc();
	ret = capture_alloc(c, p->socket_id);
	if (ret < 0 && fd >= 0)
		close(fd);
	if (ret == 0)
		ret = capture_open_file(c, fd);
	if (ret == 0)
		ret = capture_hook(c);
	if (ret < 0) {
		capture_free(c);
		return ret;
	}
	PORT_LOG(INFO, "%s: capturing %u frames (snaplen %u) into %s\n",
		 c->port, c->count, c->snaplen, c->path);
	*out = c;
	return 0;
}

int
tusk_port_capture_start(const struct tusk_port *p, const char *path,
			uint32_t count, uint32_t snaplen,
			struct tusk_port_capture **out)
{
	return capture_start(p, path, -1, count, snaplen, out);
}

int
tusk_port_capture_start_fd(const struct tusk_port *p, int fd,
			   const char *name, uint32_t count, uint32_t snaplen,
			   struct tusk_port_capture **out)
{
	return capture_start(p, name, fd, count, snaplen, out);
}

void
tusk_port_capture_stop(struct tusk_port_capture *c)
{
	if (c == NULL)
		return;
	capture_unhook(c);
	tusk_port_capture_drain(c);
	PORT_LOG(INFO, "%s: capture into %s: %" PRIu64 " frames written, %"
		 PRIu64 " dropped\n", c->port, c->path, c->written,
		 __atomic_load_n(&c->dropped, __ATOMIC_RELAXED));
	capture_free(c);
}

json_t *
tusk_port_capture_json(const struct tusk_port_capture *c)
{
	uint64_t dropped = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);

	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b}",
			 "port", c->port, "file", c->path,
			 "count", (json_int_t)c->count,
			 "snaplen", (json_int_t)c->snaplen,
			 "written", (json_int_t)c->written,
			 "dropped", (json_int_t)dropped,
			 "done", tusk_port_capture_done(c));
}
