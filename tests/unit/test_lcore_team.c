/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lcores as a team (lcore_inbox.c): two lcores poll the two queues of one
 * net_ring port (each queue's ring loops tx back to rx), as RSS or
 * af_packet fan-out would split traffic. An ARP reply that reaches one
 * queue resolves the peer on both lcores; a request for our address is
 * answered once, by the lcore that got it; a TCP segment to the other
 * lcore's ephemeral port share is handed to that lcore's stack.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "harness.h"
#include "lcore.h"
#include "port.h"
#include "profile.h"
#include "testenv.h"

/* Polls (1 ms each) a test waits for the loops to act. */
#define WAIT_ROUNDS 1000

#define OUR_IP RTE_BE32(0x0a000002)   /* 10.0.0.2 on every lcore */
#define PEER_IP RTE_BE32(0x0a000001)  /* 10.0.0.1 */
#define OTHER_IP RTE_BE32(0x0a000003) /* 10.0.0.3 */

static struct tusk_profile prof;
static struct tusk_port port;
static struct tusk_lcore *lcs[2];
static pthread_t threads[2];
static const struct rte_ether_addr peer_mac = {
	.addr_bytes = { 0x02, 0, 0, 0, 0, 0x01 } };

static void *
loop_thread(void *arg)
{
	tusk_lcore_run(arg);
	return NULL;
}

static int
setup(void **state)
{
	struct tusk_port_conf c = {
		.name = "ring0", .device = "net_ring0", .prof = &prof,
		.nb_queues = 2,
	};
	char err[TUSK_CFG_ERR_MAX];
	unsigned int i;

	if (tusk_testenv_init("lcore_team", 256) < 0 ||
	    tusk_profile_find(tusk_profile_default_dir(), "ring", &prof, err,
			      sizeof(err)) < 0 ||
	    tusk_port_open(&port, &c) < 0)
		return -1;
	tusk_lcore_clock_init();
	for (i = 0; i < 2; i++) {
		struct tusk_stack_conf sc = { .pool = port.pool, .seed = i + 1,
					      .tcp_shares = 2,
					      .tcp_share = (uint16_t)i };
		struct tusk_iface_conf ic;

		/* lcore ids only name things here: the loops run on threads */
		lcs[i] = tusk_lcore_create(i + 1, &sc);
		if (lcs[i] == NULL)
			return -1;
		memset(&ic, 0, sizeof(ic));
		ic.mac = port.mac;
		ic.addr = tusk_addr_v4(OUR_IP);
		ic.prefix_len = 24;
		ic.mtu = port.mtu;
		if (tusk_lcore_add_port(lcs[i], port.port_id, (uint16_t)i,
					port.burst, &ic) != 0)
			return -1;
	}
	if (tusk_lcore_team(lcs, 2) != 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (pthread_create(&threads[i], NULL, loop_thread, lcs[i]))
			return -1;
	return 0;
}

static int
teardown(void **state)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		__atomic_store_n(&lcs[i]->stop, true, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < 2; i++)
		tusk_lcore_free(lcs[i]);
	tusk_port_close(&port);
	return 0;
}

/* Put frame m on queue q's ring, as if it came off the wire. */
static void
inject(unsigned int q, struct rte_mbuf *m)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	/* net_ring names queue q's ring (rx and tx at once) like this */
	snprintf(name, sizeof(name), "ETH_RXTX%u_net_ring0", q);
	r = rte_ring_lookup(name);
	assert_non_null(r);
	assert_int_equal(rte_ring_enqueue(r, m), 0);
}

/* An ARP frame on queue q. */
static void
inject_arp(unsigned int q, uint16_t op, rte_be32_t sip, rte_be32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);
	struct {
		struct rte_ether_hdr eth;
		struct rte_arp_hdr arp;
		uint8_t pad[18];
	} f; /* 60 bytes, the Ethernet minimum without FCS */
	char *p;

	RTE_BUILD_BUG_ON(sizeof(f) != 60);
	memset(&f, 0, sizeof(f));
	f.eth.dst_addr = port.mac;
	f.eth.src_addr = peer_mac;
	f.eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	f.arp.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	f.arp.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	f.arp.arp_hlen = RTE_ETHER_ADDR_LEN;
	f.arp.arp_plen = 4;
	f.arp.arp_opcode = rte_cpu_to_be_16(op);
	f.arp.arp_data.arp_sha = peer_mac;
	f.arp.arp_data.arp_sip = sip;
	f.arp.arp_data.arp_tha = port.mac;
	f.arp.arp_data.arp_tip = tip;
	assert_non_null(m);
	p = rte_pktmbuf_append(m, sizeof(f));
	assert_non_null(p);
	memcpy(p, &f, sizeof(f));
	inject(q, m);
}

static bool
knows_peer(struct tusk_lcore *lc, struct tusk_lcore_snapshot *s)
{
	unsigned int i;

	assert_int_equal(tusk_lcore_snapshot(lc, s, 1000), 0);
	for (i = 0; i < s->n_arp; i++)
		if (s->arp[i].addr.v4 == PEER_IP && s->arp[i].resolved &&
		    rte_is_same_ether_addr(&s->arp[i].mac, &peer_mac))
			return true;
	return false;
}

static void
test_reply_resolves_on_every_lcore(void **state)
{
	struct tusk_lcore_snapshot *a = calloc(1, sizeof(*a));
	struct tusk_lcore_snapshot *b = calloc(1, sizeof(*b));
	uint64_t shared0;
	unsigned int i;

	/* the ring loops each lcore's own announcement back to it; let that
	 * settle before counting */
	usleep(20 * 1000);
	assert_int_equal(tusk_lcore_snapshot(lcs[0], a, 1000), 0);
	shared0 = a->arp_shared;
	assert_false(knows_peer(lcs[1], b));
	inject_arp(0, RTE_ARP_OP_REPLY, PEER_IP, OUR_IP);
	for (i = 0; i < WAIT_ROUNDS && !knows_peer(lcs[1], b); i++)
		usleep(1000);
	assert_true(knows_peer(lcs[1], b));
	assert_true(knows_peer(lcs[0], a));
	assert_int_equal(a->arp_shared - shared0, 1);
	assert_int_equal(a->arp_share_drops, 0);
	free(a);
	free(b);
}

static void
test_request_for_us_answered_once(void **state)
{
	struct tusk_lcore_snapshot *a0 = calloc(1, sizeof(*a0));
	struct tusk_lcore_snapshot *b0 = calloc(1, sizeof(*b0));
	struct tusk_lcore_snapshot *a1 = calloc(1, sizeof(*a1));
	struct tusk_lcore_snapshot *b1 = calloc(1, sizeof(*b1));
	unsigned int i;

	assert_int_equal(tusk_lcore_snapshot(lcs[0], a0, 1000), 0);
	assert_int_equal(tusk_lcore_snapshot(lcs[1], b0, 1000), 0);
	inject_arp(1, RTE_ARP_OP_REQUEST, OTHER_IP, OUR_IP);
	for (i = 0; i < WAIT_ROUNDS; i++) {
		assert_int_equal(tusk_lcore_snapshot(lcs[1], b1, 1000), 0);
		if (b1->stats.arp_tx_replies > b0->stats.arp_tx_replies)
			break;
		usleep(1000);
	}
	usleep(20 * 1000); /* time for a wrongly shared copy to arrive */
	assert_int_equal(tusk_lcore_snapshot(lcs[0], a1, 1000), 0);
	assert_int_equal(tusk_lcore_snapshot(lcs[1], b1, 1000), 0);
	assert_int_equal(b1->stats.arp_tx_replies - b0->stats.arp_tx_replies,
			 1);
	assert_int_equal(a1->stats.arp_rx_requests,
			 a0->stats.arp_rx_requests);
	assert_int_equal(a1->stats.arp_tx_replies, a0->stats.arp_tx_replies);
	free(a0);
	free(b0);
	free(a1);
	free(b1);
}

/* An ACK from the peer to our port `dport`, on queue q. */
static void
inject_tcp(unsigned int q, uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);
	uint8_t f[64];
	size_t len;

	assert_non_null(m);
	len = tusk_harness_tcp_ack_frame(f, &port.mac,
					 rte_be_to_cpu_32(PEER_IP),
					 rte_be_to_cpu_32(OUR_IP), 5201, dport);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	inject(q, m);
}

/* Wait until lcore lc's stack took `want` more TCP segments than in s0. */
static void
wait_tcp_rx(struct tusk_lcore *lc, const struct tusk_lcore_snapshot *s0,
	    struct tusk_lcore_snapshot *s, uint64_t want)
{
	unsigned int i;

	for (i = 0; i < WAIT_ROUNDS; i++) {
		assert_int_equal(tusk_lcore_snapshot(lc, s, 1000), 0);
		if (s->stats.tcp_rx - s0->stats.tcp_rx >= want)
			return;
		usleep(1000);
	}
}

/* Lcore 1's ephemeral ports are 49153 + 2k: a segment to one of them that
 * lands on queue 0 is processed by lcore 1 (which knows no such connection
 * and answers it), one to lcore 0's share or to a listener's port where it
 * landed. */
static void
test_tcp_steered_to_port_owner(void **state)
{
	struct tusk_lcore_snapshot *a0 = calloc(1, sizeof(*a0));
	struct tusk_lcore_snapshot *b0 = calloc(1, sizeof(*b0));
	struct tusk_lcore_snapshot *a1 = calloc(1, sizeof(*a1));
	struct tusk_lcore_snapshot *b1 = calloc(1, sizeof(*b1));

	assert_int_equal(tusk_lcore_snapshot(lcs[0], a0, 1000), 0);
	assert_int_equal(tusk_lcore_snapshot(lcs[1], b0, 1000), 0);
	inject_tcp(0, 49152 + 1 + 2 * 7);
	wait_tcp_rx(lcs[1], b0, b1, 1);
	assert_int_equal(b1->stats.tcp_rx - b0->stats.tcp_rx, 1);
	assert_int_equal(b1->stats.drops[TUSK_DROP_TCP_NO_LISTENER] -
			 b0->stats.drops[TUSK_DROP_TCP_NO_LISTENER], 1);
	assert_int_equal(tusk_lcore_snapshot(lcs[0], a1, 1000), 0);
	assert_int_equal(a1->stats.tcp_steered - a0->stats.tcp_steered, 1);
	assert_int_equal(a1->stats.tcp_rx, a0->stats.tcp_rx);
	assert_int_equal(a1->steer_drops, 0);

	inject_tcp(0, 49152 + 2 * 7);
	inject_tcp(1, 80);
	wait_tcp_rx(lcs[0], a1, a0, 1);
	wait_tcp_rx(lcs[1], b1, b0, 1);
	assert_int_equal(a0->stats.tcp_rx - a1->stats.tcp_rx, 1);
	assert_int_equal(b0->stats.tcp_rx - b1->stats.tcp_rx, 1);
	assert_int_equal(a0->stats.tcp_steered, a1->stats.tcp_steered);
	assert_int_equal(b0->stats.tcp_steered, b1->stats.tcp_steered);
	free(a0);
	free(b0);
	free(a1);
	free(b1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_resolves_on_every_lcore),
		cmocka_unit_test(test_request_for_us_answered_once),
		cmocka_unit_test(test_tcp_steered_to_port_owner),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
