/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interop with the Linux kernel's TCP: a TAP port (DPDK net_tap) whose
 * kernel end sits in a network namespace this test makes for itself, so
 * no traffic leaves it. Linux sockets (a thread here) talk to a tusk
 * stack driven in real time:
 *
 *   [ netns of this process ]
 *     Linux socket 10.99.0.1 -- tusktap0 (kernel) == net_tap0 (DPDK) -- tusk 10.99.0.2
 *
 *   1. passive: Linux connects, sends 16 MiB, half-closes; tusk checks
 *      every byte, sends 16 MiB back, closes; Linux checks them.
 *   2. active: tusk connects to a Linux listener and sends 16 MiB;
 *      Linux checks them and closes.
 *   3. the same as 1 with 1% random loss both ways (iptables statistic
 *      match), so SACK recovery runs against a Linux peer.
 * Needs root (unshare, TAP), /dev/net/tun and iptables: without them it
 * fails under CI=true and is skipped elsewhere (tusk_unmet).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "stack.h"
#include "tcp_api.h"
#include "unmet.h"

#define BYTES (16u << 20)
#define TAP "tusktap0"
#define KERNEL_IP "10.99.0.1"
#define RUN_LIMIT_S 120.0

static uint16_t port;
static struct rte_mempool *pool;
static struct tusk_stack *st;
static int usable; /* 1 when the environment allows the test */
static char unusable_why[256]; /* else why not */

static uint8_t
pattern(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 13);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint16_t
tap_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, 0, pkts, n);
}

/* ---- the Linux side (a thread with ordinary sockets) ---------------------- */

struct linux_side {
	int listen_fd;          /* for the active test */
	uint64_t sent, received, bad;
	int err;
	volatile int done;
};

static void
linux_send(int fd, struct linux_side *ls)
{
	static uint8_t buf[65536];

	while (ls->sent < BYTES) {
		size_t n = BYTES - ls->sent < sizeof(buf) ? BYTES - ls->sent
							 : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(ls->sent + i);
		ssize_t w = send(fd, buf, n, 0);
		if (w < 0 && errno == EINTR)
			continue; /* EAL's threads take signals too */
		if (w <= 0) {
			ls->err = errno;
			return;
		}
		ls->sent += (uint64_t)w;
	}
}

static void
linux_recv(int fd, struct linux_side *ls)
{
	static uint8_t buf[65536];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0 ||
	       (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(ls->received + (uint64_t)i))
				ls->bad++;
		ls->received += (uint64_t)r;
	}
	if (r < 0)
		ls->err = errno;
}

static void *
linux_client(void *arg)
{
	struct linux_side *ls = arg;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(5001) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 60 };

	inet_pton(AF_INET, "10.99.0.2", &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		ls->err = errno;
	} else {
		linux_send(fd, ls);
		shutdown(fd, SHUT_WR);
		linux_recv(fd, ls);
	}
	close(fd);
	ls->done = 1;
	return NULL;
}

static void *
linux_server(void *arg)
{
	struct linux_side *ls = arg;
	struct timeval tv = { .tv_sec = 60 };
	int fd = accept(ls->listen_fd, NULL, NULL);

	if (fd < 0) {
		ls->err = errno;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		linux_recv(fd, ls);
		close(fd);
	}
	ls->done = 1;
	return NULL;
}

/* ---- the tusk side --------------------------------------------------------- */

struct tusk_side {
	struct tusk_tcp_conn *c;
	uint64_t received, bad, sent;
	bool eof, closed, connected;
	int close_err;
	struct tusk_tcp_conn_stats st;
	bool send_back;         /* passive test: answer after EOF */
};

static struct tusk_side ts;

static void
tusk_fill(struct tusk_tcp_conn *c, uint64_t now)
{
	tusk_tcp_conn_stats(c, &ts.st);
	while (ts.sent < BYTES) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t len;

		if (m == NULL)
			return;
		len = (uint16_t)RTE_MIN((uint64_t)rte_pktmbuf_tailroom(m),
					BYTES - ts.sent);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
		for (uint16_t i = 0; i < len; i++)
			p[i] = pattern(ts.sent + i);
		int64_t took = tusk_tcp_send(c, &m, now);
		if (m != NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		ts.sent += (uint64_t)took;
	}
	tusk_tcp_close(c, now);
}

static uint32_t
t_recv(struct tusk_tcp_conn *c, void *arg, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint16_t i = 0; i < s->data_len; i++)
			if (p[i] != pattern(ts.received + i))
				ts.bad++;
		ts.received += s->data_len;
	}
	rte_pktmbuf_free(m);
	tusk_tcp_conn_stats(c, &ts.st);
	return len;
}

static void
t_peer_closed(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	ts.eof = true;
	tusk_tcp_conn_stats(c, &ts.st);
	if (ts.send_back)
		tusk_fill(c, now);
}

static void
t_writable(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	if (ts.send_back ? ts.eof : true)
		tusk_fill(c, now);
}

static void
t_connected(struct tusk_tcp_conn *c, void *arg, uint64_t now)
{
	ts.connected = true;
	tusk_fill(c, now);
}

static int
t_accepted(struct tusk_tcp_conn *c, void *larg, void **carg, uint64_t now)
{
	ts.c = c;
	ts.connected = true;
	return 0;
}

static void
t_closed(struct tusk_tcp_conn *c, void *arg, int err, uint64_t now)
{
	ts.closed = true;
	ts.close_err = err;
}

static const struct tusk_tcp_ops ops = {
	.accepted = t_accepted,
	.connected = t_connected,
	.recv = t_recv,
	.writable = t_writable,
	.peer_closed = t_peer_closed,
	.closed = t_closed,
};

/* Drive the stack in real time until the Linux side is done. */
static void
run(struct linux_side *ls)
{
	double t0 = now_ns() / 1e9;

	while (!ls->done && now_ns() / 1e9 - t0 < RUN_LIMIT_S) {
		struct rte_mbuf *pkts[32];

		if (ts.c != NULL && tusk_tcp_conn_state(ts.c) != TUSK_TCP_CLOSED)
			tusk_tcp_conn_stats(ts.c, &ts.st);
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, 32);
		uint64_t now = now_ns();

		if (n > 0)
			tusk_stack_input(st, 0, pkts, n, now);
		tusk_stack_poll(st, now);
	}
	/* A little more for the last ACKs and FINs. */
	for (uint64_t end = now_ns() + 300000000ULL; now_ns() < end;) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, 32);

		if (n > 0)
			tusk_stack_input(st, 0, pkts, n, now_ns());
		tusk_stack_poll(st, now_ns());
	}
}

static void
report(const char *what, const struct linux_side *ls, double secs)
{
	print_message("%s: linux sent %llu recv %llu bad %llu err %d | tusk "
		      "recv %llu bad %llu sent %llu, mss %u snd_wnd %u rtx %llu "
		      "recoveries %llu, %.2f s\n", what,
		      (unsigned long long)ls->sent,
		      (unsigned long long)ls->received,
		      (unsigned long long)ls->bad, ls->err,
		      (unsigned long long)ts.received,
		      (unsigned long long)ts.bad, (unsigned long long)ts.sent,
		      ts.st.mss, ts.st.snd_wnd,
		      (unsigned long long)ts.st.segs_retrans,
		      (unsigned long long)ts.st.sack_recoveries, secs);
}

static void
passive(const char *what)
{
	struct linux_side ls = { .listen_fd = -1 };
	pthread_t th;
	double t0 = now_ns() / 1e9;

	memset(&ts, 0, sizeof(ts));
	ts.send_back = true;
	assert_int_equal(pthread_create(&th, NULL, linux_client, &ls), 0);
	run(&ls);
	pthread_join(th, NULL);
	report(what, &ls, now_ns() / 1e9 - t0);
	assert_int_equal(ls.err, 0);
	assert_int_equal(ts.received, BYTES);
	assert_int_equal(ts.bad, 0);
	assert_true(ts.eof);
	assert_int_equal(ls.received, BYTES);
	assert_int_equal(ls.bad, 0);
	/* Options negotiated with Linux: timestamps (MSS 1460 - 12) and
	 * window scaling (a window past 64 KiB). */
	assert_int_equal(ts.st.mss, 1448);
	assert_true(ts.st.snd_wnd > 65535);
}

static void
test_passive(void **state)
{
	if (!usable)
		tusk_unmet("%s", unusable_why);
	passive("passive");
}

static void
test_active(void **state)
{
	struct linux_side ls = { .listen_fd = -1 };
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(5002) };
	struct tusk_addr dst;
	struct tusk_tcp_conn *c;
	pthread_t th;
	int one = 1;
	double t0 = now_ns() / 1e9;

	if (!usable)
		tusk_unmet("%s", unusable_why);
	memset(&ts, 0, sizeof(ts));
	ls.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, KERNEL_IP, &a.sin_addr);
	assert_int_equal(bind(ls.listen_fd, (struct sockaddr *)&a, sizeof(a)),
			 0);
	assert_int_equal(listen(ls.listen_fd, 4), 0);
	assert_int_equal(pthread_create(&th, NULL, linux_server, &ls), 0);
	dst = tusk_addr_v4(inet_addr(KERNEL_IP));
	assert_int_equal(tusk_tcp_connect(st, &dst, 5002, &ops, NULL, NULL,
					  now_ns(), &c), 0);
	ts.c = c;
	run(&ls);
	pthread_join(th, NULL);
	close(ls.listen_fd);
	report("active", &ls, now_ns() / 1e9 - t0);
	assert_true(ts.connected);
	assert_int_equal(ts.st.mss, 1448);
	assert_true(ts.st.snd_wnd > 65535);
	assert_int_equal(ls.err, 0);
	assert_int_equal(ls.received, BYTES);
	assert_int_equal(ls.bad, 0);
}

static void
test_passive_loss(void **state)
{
	if (!usable)
		tusk_unmet("%s", unusable_why);
	if (system("iptables -A INPUT -i " TAP " -m statistic --mode random "
		   "--probability 0.01 -j DROP && iptables -A OUTPUT -o " TAP
		   " -m statistic --mode random --probability 0.01 -j DROP")
	    != 0)
		tusk_unmet("iptables -m statistic random DROP rules on " TAP);
	passive("passive, 1% loss");
	assert_true(ts.st.segs_retrans > 0);
	/* the header's promise: losses were repaired by SACK recovery */
	assert_true(ts.st.sack_recoveries > 0);
	system("iptables -F");
}

/* The environment cannot run the test: say why (the tests report it). */
static int __attribute__((format(printf, 1, 2)))
unusable(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(unusable_why, sizeof(unusable_why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "test_tcp_linux: %s\n", unusable_why);
	return 0;
}

static int
setup_world(void)
{
	char prefix[64];
	char *argv[] = {
		(char *)"test", (char *)"--no-huge", (char *)"--no-pci",
		(char *)"--no-shconf", (char *)"-l0", (char *)"-m256", (char *)"--log-level=lib.*:error",
		(char *)"--vdev=net_tap0,iface=" TAP, prefix, NULL,
	};
	struct rte_eth_conf conf = { 0 };
	struct tusk_stack_conf sc = { .seed = 99, .max_conns = 64 };
	struct tusk_iface_conf ifc = { .prefix_len = 24, .mtu = 1500,
				       .tx = tap_tx };

	snprintf(prefix, sizeof(prefix), "--file-prefix=tusk-linux-%d",
		 (int)getpid());
	if (geteuid() != 0)
		return unusable("needs root (unshare, TAP)");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		return unusable("/dev/net/tun: %s (tools/tusk-setup makes it)",
				strerror(errno));
	if (unshare(CLONE_NEWNET) != 0)
		return unusable("unshare(CLONE_NEWNET): %s", strerror(errno));
	if (system("ip link set lo up") != 0)
		return unusable("ip link set lo up failed (iproute2?)");
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0 ||
	    rte_eth_dev_count_avail() == 0)
		return unusable("EAL with --vdev=net_tap0 made no port");
	port = 0;
	pool = rte_pktmbuf_pool_create("linux", 16383, 256, 0, 2048 +
				       RTE_PKTMBUF_HEADROOM, 0);
	if (pool == NULL || rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 1024, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, 0, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	if (system("ip addr add " KERNEL_IP "/24 dev " TAP
		   " && ip link set " TAP " up") != 0)
		return -1;
	sc.pool = pool;
	st = tusk_stack_create(&sc);
	if (st == NULL)
		return -1;
	rte_eth_macaddr_get(port, &ifc.mac);
	ifc.addr = tusk_addr_v4(inet_addr("10.99.0.2"));
	if (tusk_stack_add_iface(st, &ifc, now_ns()) < 0)
		return -1;
	tusk_tcp_set_msl(st, 100000000ULL);
	if (tusk_tcp_listen(st, 5001, &ops, NULL, 0, NULL) != 0)
		return -1;
	usable = 1;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passive),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_passive_loss),
	};
	int rc;

	if (setup_world() != 0) {
		fprintf(stderr, "test_tcp_linux: set-up failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (usable) {
		char cmd[128];

		tusk_stack_free(st);
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
		rte_eal_cleanup();
		/* EAL leaves its runtime directory behind. */
		snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/tusk-linux-%d",
			 (int)getpid());
		if (system(cmd) != 0)
			fprintf(stderr, "test_tcp_linux: %s failed\n", cmd);
	}
	return rc;
}
