/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore glue: the TSC clock in nanoseconds, a stack attached to a real
 * (net_null) port whose frames leave through the lcore's tx queue, and the
 * snapshot mailbox that lets the control thread read a running loop's
 * counters without locks; a loop with nothing to do hashes its digest
 * jobs, a loop that keeps receiving does not. The loop runs on a plain thread here (the test
 * EAL has one lcore).
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
#include <openssl/evp.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "digest.h"
#include "lcore.h"
#include "port.h"
#include "profile.h"
#include "tcp_api.h"
#include "testenv.h"

static struct tusk_profile null_prof;
static struct tusk_port port;

static int
setup(void **state)
{
	struct tusk_port_conf c = {
		.name = "null0", .device = "net_null0", .prof = &null_prof,
		.nb_queues = 1,
	};
	char err[TUSK_CFG_ERR_MAX];

	if (tusk_testenv_init("lcore", 256) < 0)
		return -1;
	if (tusk_profile_find(tusk_profile_default_dir(), "null", &null_prof,
			      err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tusk_lcore_clock_init();
	return tusk_port_open(&port, &c);
}

static int
teardown(void **state)
{
	tusk_port_close(&port);
	return 0;
}

static void
test_clock(void **state)
{
	uint64_t a, b;

	a = tusk_lcore_now_ns();
	usleep(100 * 1000);
	b = tusk_lcore_now_ns();
	/* 100 ms of sleep, give or take a busy machine's scheduling */
	assert_true(b - a >= 95ull * 1000 * 1000);
	assert_true(b - a < 1000ull * 1000 * 1000);
}

static struct tusk_lcore *
make_lcore(void)
{
	struct tusk_stack_conf sc = { .pool = port.pool, .seed = 1 };
	struct tusk_iface_conf ic;
	struct tusk_lcore *lc;

	lc = tusk_lcore_create(rte_lcore_id(), &sc);
	assert_non_null(lc);
	memset(&ic, 0, sizeof(ic));
	ic.mac = port.mac;
	ic.addr = tusk_addr_v4(RTE_BE32(0x0a000002));
	ic.prefix_len = 24;
	ic.mtu = port.mtu;
	assert_int_equal(tusk_lcore_add_port(lc, port.port_id, 0, port.burst,
					     &ic), 0);
	return lc;
}

/* Attaching the port announces our address (RFC 5227 section 3) through
 * the lcore's own tx queue: the port counts the frame the stack sent. */
static void
test_add_port_sends_on_queue(void **state)
{
	struct tusk_lcore_snapshot *snap = calloc(1, sizeof(*snap));
	struct rte_eth_stats before, after;
	struct tusk_lcore *lc;

	assert_int_equal(rte_eth_stats_get(port.port_id, &before), 0);
	lc = make_lcore();
	assert_int_equal(rte_eth_stats_get(port.port_id, &after), 0);
	assert_int_equal(after.opackets - before.opackets, 1);
	/* not running: the snapshot is taken directly */
	assert_int_equal(tusk_lcore_snapshot(lc, snap, 10), 0);
	assert_int_equal(snap->stats.arp_tx_gratuitous, 1);
	assert_int_equal(snap->stats.tx_frames, 1);
	assert_int_equal(snap->loops, 0);
	tusk_lcore_free(lc);
	free(snap);
}

static void *
loop_thread(void *arg)
{
	tusk_lcore_run(arg);
	return NULL;
}

/* A running loop answers snapshot requests with fresh copies: net_null
 * delivers a burst on every rx call, so counters only grow. */
static void
test_snapshot_of_running_loop(void **state)
{
	struct tusk_lcore_snapshot *s1 = calloc(1, sizeof(*s1));
	struct tusk_lcore_snapshot *s2 = calloc(1, sizeof(*s2));
	struct tusk_lcore *lc = make_lcore();
	unsigned int i;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, loop_thread, lc), 0);
	for (i = 0; i < 1000 && !__atomic_load_n(&lc->running,
						 __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_true(lc->running);
	usleep(20 * 1000);
	assert_int_equal(tusk_lcore_snapshot(lc, s1, 1000), 0);
	usleep(20 * 1000);
	assert_int_equal(tusk_lcore_snapshot(lc, s2, 1000), 0);
	assert_true(s1->loops > 0);
	assert_true(s2->loops > s1->loops);
	assert_true(s2->busy_loops > s1->busy_loops);
	assert_true(s2->stats.rx_frames > s1->stats.rx_frames);
	assert_true(s2->now_ns > s1->now_ns);

	__atomic_store_n(&lc->stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_false(lc->running);
	tusk_lcore_free(lc);
	free(s1);
	free(s2);
}

static void
start_loop(struct tusk_lcore *lc, pthread_t *th)
{
	unsigned int i;

	assert_int_equal(pthread_create(th, NULL, loop_thread, lc), 0);
	for (i = 0; i < 1000 && !__atomic_load_n(&lc->running,
						 __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_true(lc->running);
}

static void
stop_loop(struct tusk_lcore *lc, pthread_t th)
{
	__atomic_store_n(&lc->stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
}

/* An rx stage that loses every frame, installed into and removed from a
 * running loop: while it is in, the stack sees nothing and the stage
 * counts every frame as lost; once it is out, frames reach the stack. */
static void
test_impair_on_running_loop(void **state)
{
	struct tusk_lcore_snapshot *a = calloc(1, sizeof(*a));
	struct tusk_lcore_snapshot *b = calloc(1, sizeof(*b));
	struct tusk_impair_conf drop = { .loss_ppm = TUSK_IMPAIR_PPM };
	struct tusk_lcore *lc = make_lcore();
	struct tusk_impair *im, *old = NULL;
	pthread_t th;

	im = tusk_impair_create("lc_rx", &drop, 1600, 1, 0);
	assert_non_null(im);
	start_loop(lc, &th);
	assert_int_equal(tusk_lcore_impair_set(lc, port.port_id,
					       TUSK_LCORE_RX, im, 1000, &old),
			 0);
	assert_null(old);
	assert_int_equal(tusk_lcore_snapshot(lc, a, 1000), 0);
	usleep(20 * 1000);
	assert_int_equal(tusk_lcore_snapshot(lc, b, 1000), 0);
	assert_true(b->impair_on[0][TUSK_LCORE_RX]);
	assert_false(b->impair_on[0][TUSK_LCORE_TX]);
	assert_true(b->impair[0][TUSK_LCORE_RX].lost >
		    a->impair[0][TUSK_LCORE_RX].lost);
	assert_int_equal(b->impair[0][TUSK_LCORE_RX].out, 0);
	assert_int_equal(b->stats.rx_frames, a->stats.rx_frames);

	/* no queue on another port */
	assert_int_equal(tusk_lcore_impair_set(lc, port.port_id + 1,
					       TUSK_LCORE_RX, NULL, 1000, &old),
			 -ENOENT);
	assert_int_equal(tusk_lcore_impair_set(lc, port.port_id,
					       TUSK_LCORE_RX, NULL, 1000, &old),
			 0);
	/* the stage comes back to the caller; its frames were all lost */
	assert_ptr_equal(old, im);
	assert_int_equal(tusk_impair_free(old), 0);
	usleep(20 * 1000);
	assert_int_equal(tusk_lcore_snapshot(lc, a, 1000), 0);
	assert_false(a->impair_on[0][TUSK_LCORE_RX]);
	assert_true(a->stats.rx_frames > b->stats.rx_frames);
	stop_loop(lc, th);
	tusk_lcore_free(lc);
	free(a);
	free(b);
}

/* An ARP request for 10.0.0.2 (make_lcore's address) from 10.0.0.1. */
static struct rte_mbuf *
arp_request(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);
	struct {
		struct rte_ether_hdr eth;
		struct rte_arp_hdr arp;
		uint8_t pad[60 - sizeof(struct rte_ether_hdr) -
			    sizeof(struct rte_arp_hdr)];
	} f; /* 14 + 28 + 18 bytes: no padding, both headers 2-aligned */
	char *p;

	RTE_BUILD_BUG_ON(sizeof(f) != 60);
	memset(&f, 0, sizeof(f));
	memset(&f.eth.dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	f.eth.src_addr.addr_bytes[0] = 0x02;
	f.eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	f.arp.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	f.arp.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	f.arp.arp_hlen = RTE_ETHER_ADDR_LEN;
	f.arp.arp_plen = 4;
	f.arp.arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	f.arp.arp_data.arp_sha = f.eth.src_addr;
	f.arp.arp_data.arp_sip = RTE_BE32(0x0a000001);
	f.arp.arp_data.arp_tip = RTE_BE32(0x0a000002);
	assert_non_null(m);
	p = rte_pktmbuf_append(m, sizeof(f));
	assert_non_null(p);
	memcpy(p, &f, sizeof(f));
	return m;
}

/* A tx stage that delays by 1 s holds the stack's reply; freeing the
 * lcore frees it too. */
static void
test_impair_tx_holds_frames(void **state)
{
	struct tusk_impair_conf slow = { .delay_ns = 1000ull * 1000 * 1000 };
	struct tusk_lcore_snapshot *s = calloc(1, sizeof(*s));
	struct tusk_lcore *lc = make_lcore();
	struct tusk_impair *im = tusk_impair_create("lc_tx", &slow, 1600, 1,
						    0);
	struct rte_eth_stats before, after;
	struct tusk_impair *old = NULL;
	struct rte_mbuf *m;
	unsigned int avail;

	assert_non_null(im);
	assert_int_equal(tusk_lcore_impair_set(lc, port.port_id,
					       TUSK_LCORE_TX, im, 10, &old), 0);
	assert_null(old);
	avail = rte_mempool_avail_count(port.pool);
	assert_int_equal(rte_eth_stats_get(port.port_id, &before), 0);
	m = arp_request();
	tusk_stack_input(lc->st, 0, &m, 1, tusk_lcore_now_ns());
	assert_int_equal(rte_eth_stats_get(port.port_id, &after), 0);
	assert_int_equal(after.opackets, before.opackets); /* held */
	assert_int_equal(tusk_lcore_snapshot(lc, s, 10), 0);
	assert_int_equal(s->stats.arp_tx_replies, 1);
	assert_int_equal(s->impair[0][TUSK_LCORE_TX].in, 1);
	assert_int_equal(s->impair[0][TUSK_LCORE_TX].held, 1);
	/* the stage keeps a copy: the stack's frame went back to the pool */
	assert_int_equal(rte_mempool_avail_count(port.pool), avail);
	tusk_lcore_free(lc);
	free(s);
}

/* What a test service records: polls seen, the thread that ran a call,
 * and the order services were released in. */
struct svc_probe {
	uint64_t polls;
	pthread_t call_thread;
	int *fini_log;
	int *fini_n;
	int id;
};

static void
probe_poll(void *arg, uint64_t now)
{
	struct svc_probe *p = arg;

	p->polls++;
}

static void
probe_fini(void *arg)
{
	struct svc_probe *p = arg;

	p->fini_log[(*p->fini_n)++] = p->id;
}

static int
probe_call(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct svc_probe *p = tusk_lcore_service(lc, "probe-a");

	assert_ptr_equal(p, arg);
	p->call_thread = pthread_self();
	/* the stack is ours here: it answers, and polls are not running */
	return (int)(tusk_tcp_conn_count(lc->st) + 42);
}

/* Services are polled by the running loop; a call runs on the loop's own
 * thread between bursts and returns its result to the caller; at free the
 * services are released, last added first. */
static void
test_services_and_call(void **state)
{
	struct tusk_lcore *lc = make_lcore();
	int fini_log[2], fini_n = 0;
	struct svc_probe a = { .fini_log = fini_log, .fini_n = &fini_n,
			       .id = 1 };
	struct svc_probe b = { .fini_log = fini_log, .fini_n = &fini_n,
			       .id = 2 };
	struct tusk_lcore_service sa = { "probe-a", &a, probe_poll,
					 probe_fini };
	struct tusk_lcore_service sb = { "probe-b", &b, probe_poll,
					 probe_fini };
	static struct tusk_lcore_snapshot snap;
	uint64_t polls;
	pthread_t th;

	assert_int_equal(tusk_lcore_add_service(lc, &sa), 0);
	assert_int_equal(tusk_lcore_add_service(lc, &sb), 0);
	assert_null(tusk_lcore_service(lc, "nope"));
	/* not running: the call runs here, on this thread */
	assert_int_equal(tusk_lcore_call(lc, probe_call, &a, 10), 42);
	assert_true(pthread_equal(a.call_thread, pthread_self()));

	start_loop(lc, &th);
	usleep(20 * 1000);
	polls = __atomic_load_n(&a.polls, __ATOMIC_RELAXED);
	assert_true(polls > 0);
	assert_int_equal(tusk_lcore_call(lc, probe_call, &a, 1000), 42);
	assert_true(pthread_equal(a.call_thread, th));
	usleep(20 * 1000);
	assert_true(__atomic_load_n(&a.polls, __ATOMIC_RELAXED) > polls);
	assert_true(__atomic_load_n(&b.polls, __ATOMIC_RELAXED) > 0);
	/* net_null brings frames in every iteration: none is idle, no idle
	 * time is counted */
	assert_int_equal(tusk_lcore_snapshot(lc, &snap, 1000), 0);
	assert_true(snap.busy_loops > 0);
	assert_int_equal(snap.idle_ns, 0);
	stop_loop(lc, th);
	tusk_lcore_free(lc);
	assert_int_equal(fini_n, 2);
	assert_int_equal(fini_log[0], 2);
	assert_int_equal(fini_log[1], 1);
}

/* Adaptive polling (lcore_idle.h): no sleep while frames come or within
 * the spin time after the last one; then sleeps that double up to the
 * bound and really pass; a frame resets it. Busy polling never sleeps. */
static void
test_idle_backoff(void **state)
{
	struct tusk_lcore_idle id;
	uint64_t t = 1000000, t0, want = LCORE_IDLE_SLEEP_MIN_NS;

	tusk_lcore_idle_init(&id, false);
	for (int i = 0; i < 100; i++)
		tusk_lcore_idle_after(&id, false, t + i * LCORE_IDLE_SPIN_NS);
	assert_int_equal(id.sleeps, 0);
	tusk_lcore_idle_init(&id, true);
	tusk_lcore_idle_after(&id, true, t);
	tusk_lcore_idle_after(&id, false, t + LCORE_IDLE_SPIN_NS - 1);
	assert_int_equal(id.sleeps, 0);
	t0 = tusk_lcore_now_ns();
	for (int i = 1; i <= 12; i++) {
		tusk_lcore_idle_after(&id, false, t + 2 * LCORE_IDLE_SPIN_NS);
		assert_int_equal(id.sleeps, i);
		want = i == 1 ? LCORE_IDLE_SLEEP_MIN_NS :
		       RTE_MIN(want * 2, LCORE_IDLE_SLEEP_MAX_NS);
		assert_int_equal(id.sleep_ns, RTE_MIN(want * 2,
						      LCORE_IDLE_SLEEP_MAX_NS));
	}
	assert_int_equal(want, LCORE_IDLE_SLEEP_MAX_NS);
	/* the sleeps took at least what they asked for */
	assert_true(tusk_lcore_now_ns() - t0 >= id.slept_ns);
	tusk_lcore_idle_after(&id, true, t + 3 * LCORE_IDLE_SPIN_NS);
	assert_int_equal(id.sleep_ns, 0);
	tusk_lcore_idle_after(&id, false, t + 3 * LCORE_IDLE_SPIN_NS + 1);
	assert_int_equal(id.sleeps, 12);
}

/* Digest work of the loop (digest.h, tusk_digest_svc_assist): the job is
 * submitted on the loop's thread, as the services do. */
struct digest_probe {
	struct tusk_digest_svc *svc;
	int fd;
	struct tusk_digest_job *job;
};

static int
digest_submit(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct digest_probe *p = arg;

	/* the first assist gives the thread its lane; the loop may not
	 * have had an idle iteration yet */
	tusk_digest_svc_assist(p->svc, 0);
	p->job = tusk_digest_file(p->svc, p->fd,
				  TUSK_DIGEST_BIT(TUSK_DIGEST_SHA256));
	return p->job == NULL ? -errno : 0;
}

static int
digest_free(struct tusk_lcore *lc, void *arg, uint64_t now)
{
	struct digest_probe *p = arg;

	tusk_digest_job_free(p->job);
	return 0;
}

#define DIGEST_PROBE_LEN ((1u << 20) + 123)

/* A file of DIGEST_PROBE_LEN bytes and a service without threads: only
 * the loop can hash the job. */
static void
digest_probe_init(struct digest_probe *p, uint8_t want[32])
{
	char path[] = "/tmp/tusk-test-lcore-XXXXXX";
	uint8_t *buf = malloc(DIGEST_PROBE_LEN);
	unsigned int len;

	assert_non_null(buf);
	for (uint32_t i = 0; i < DIGEST_PROBE_LEN; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 9));
	p->fd = mkstemp(path);
	assert_true(p->fd >= 0);
	unlink(path);
	assert_int_equal(write(p->fd, buf, DIGEST_PROBE_LEN),
			 DIGEST_PROBE_LEN);
	assert_int_equal(EVP_Digest(buf, DIGEST_PROBE_LEN, want, &len,
				    EVP_sha256(), NULL), 1);
	free(buf);
	p->svc = tusk_digest_svc_create(0);
	assert_non_null(p->svc);
}

/* A loop with no port has nothing to do in every iteration: it hashes
 * the whole job in chunks, counted in its snapshot; the iterations left
 * count as idle time. */
static void
test_idle_loop_hashes(void **state)
{
	struct tusk_stack_conf sc = { .pool = port.pool, .seed = 1 };
	struct tusk_lcore_snapshot *snap = calloc(1, sizeof(*snap));
	struct tusk_lcore *lc = tusk_lcore_create(rte_lcore_id(), &sc);
	struct digest_probe p;
	struct tusk_digests d;
	uint8_t want[32];
	int r = -EAGAIN;
	pthread_t th;

	assert_non_null(lc);
	digest_probe_init(&p, want);
	tusk_lcore_set_digest(lc, p.svc, 50 * 1000);
	start_loop(lc, &th);
	assert_int_equal(tusk_lcore_call(lc, digest_submit, &p, 1000), 0);
	for (int i = 0; i < 5000 && r == -EAGAIN; i++) {
		r = tusk_digest_job_poll(p.job, &d);
		usleep(1000);
	}
	assert_int_equal(r, 0);
	assert_memory_equal(d.v[TUSK_DIGEST_SHA256], want, 32);
	assert_int_equal(tusk_lcore_snapshot(lc, snap, 1000), 0);
	assert_int_equal(snap->digest_bytes, DIGEST_PROBE_LEN);
	assert_true(snap->idle_ns > 0 && snap->idle_ns < snap->now_ns);
	assert_int_equal(tusk_lcore_call(lc, digest_free, &p, 1000), 0);
	stop_loop(lc, th);
	tusk_lcore_free(lc);
	tusk_digest_svc_free(p.svc);
	close(p.fd);
	free(snap);
}

/* net_null delivers frames on every rx call: no iteration is idle, so
 * the loop never hashes (the job waits; freeing it is fine). */
static void
test_busy_loop_does_not_hash(void **state)
{
	struct tusk_lcore_snapshot *snap = calloc(1, sizeof(*snap));
	struct tusk_lcore *lc = make_lcore();
	struct digest_probe p;
	struct tusk_digests d;
	uint8_t want[32];
	pthread_t th;

	digest_probe_init(&p, want);
	tusk_lcore_set_digest(lc, p.svc, 50 * 1000);
	start_loop(lc, &th);
	assert_int_equal(tusk_lcore_call(lc, digest_submit, &p, 1000), 0);
	usleep(50 * 1000);
	assert_int_equal(tusk_lcore_snapshot(lc, snap, 1000), 0);
	assert_true(snap->busy_loops > 0);
	assert_int_equal(snap->digest_bytes, 0);
	assert_int_equal(tusk_digest_job_done(p.job), 0);
	assert_int_equal(tusk_digest_job_poll(p.job, &d), -EAGAIN);
	assert_int_equal(tusk_lcore_call(lc, digest_free, &p, 1000), 0);
	stop_loop(lc, th);
	tusk_lcore_free(lc);
	tusk_digest_svc_free(p.svc);
	close(p.fd);
	free(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_idle_backoff),
		cmocka_unit_test(test_add_port_sends_on_queue),
		cmocka_unit_test(test_snapshot_of_running_loop),
		cmocka_unit_test(test_impair_on_running_loop),
		cmocka_unit_test(test_impair_tx_holds_frames),
		cmocka_unit_test(test_services_and_call),
		cmocka_unit_test(test_idle_loop_hashes),
		cmocka_unit_test(test_busy_loop_does_not_hash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
