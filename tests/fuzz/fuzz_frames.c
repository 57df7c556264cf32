/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame fuzzer: feeds arbitrary frames to a stack, advancing virtual time
 * between them, then frees the stack and checks that every mbuf came back
 * to the pool and every frame was counted.
 *
 * Input format (so that a fuzzer can also steer time): a sequence of
 *   u16 length (little endian) | u8 time step (ms) | frame bytes
 * The same entry point serves libFuzzer (meson -Dlibfuzzer=true, clang)
 * and the deterministic mutation driver in fuzz_main.c that the test suite
 * runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "harness.h"
#include "udp.h"

/* Longest frame fed: a 9000-byte MTU frame plus its Ethernet header, and
 * a little more so that oversize lengths are exercised too. */
#define FUZZ_MAX_FRAME 9100

static struct tusk_harness h;

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_frames: invariant broken: %s\n", what);
		abort();
	}
}

static uint64_t
drops_total(const struct tusk_stack_stats *s)
{
	uint64_t n = 0;

	for (int i = 0; i < TUSK_DROP_MAX; i++)
		n += s->drops[i];
	return n;
}

/* RFC 862 echo: the payload goes back to its source. */
static void
udp_echo(void *arg, struct rte_mbuf *m, const struct tusk_udp_meta *meta,
	 uint64_t now)
{
	(void)arg;
	tusk_udp_send(h.st, m, meta->dport, &meta->src, meta->sport, now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t now = 1, fed = 1; /* the peer's ARP request below */

	if (tusk_harness_init(&h, "fuzz") != 0)
		abort();
	tusk_harness_learn_peer(&h, 0);
	if (tusk_udp_bind(h.st, FUZZ_UDP_PORT, udp_echo, NULL) != 0)
		abort();
	while (size >= 3) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;

		now += (uint64_t)data[2] * 1000 * 1000;
		data += 3, size -= 3;
		if (len > size)
			len = size;
		if (len > FUZZ_MAX_FRAME)
			len = FUZZ_MAX_FRAME;
		if (len > 0) {
			tusk_harness_input(&h, data, len, now);
			fed++;
		}
		tusk_stack_poll(h.st, now);
		tusk_harness_clear(&h);
		data += len, size -= len;
	}
	/* Let every timer run out (ARP retries, TCP retransmissions). */
	for (int i = 0; i < 64; i++) {
		now += 10ull * 1000 * 1000 * 1000;
		tusk_stack_poll(h.st, now);
		tusk_harness_clear(&h);
	}
	const struct tusk_stack_stats *s = tusk_stack_stats(h.st);
	check(s->rx_frames == fed, "rx_frames counts every frame fed");
	/* Each received frame is dropped at most once, each sent one too. */
	check(drops_total(s) <= s->rx_frames + s->ip_tx + s->arp_tx_requests,
	      "drops bounded by traffic");
	tusk_harness_fini(&h);
	check(rte_mempool_in_use_count(h.pool) == 0,
	      "every mbuf returned to the pool after the stack is freed");
	return 0;
}
