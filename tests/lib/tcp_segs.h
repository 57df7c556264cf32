/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crafting TCP segments from the harness's peer and reading the segments
 * the stack sent back, for tests that drive tusk_tcp_input() directly.
 */
#ifndef TUSK_TCP_SEGS_H
#define TUSK_TCP_SEGS_H

#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "tcp_options.h"

/* A segment as seen on the wire, host byte order. */
struct tusk_test_seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	uint16_t sport, dport;
	uint32_t len;
	struct tusk_tcp_opts opt;
};

/* The frame of a segment from the peer port `sport` to `dport` into
 * `frame` (2100 bytes); o may be NULL; `plen` bytes of zero payload (at
 * most 1900). Returns the frame's length. */
size_t tusk_test_seg_frame(uint8_t *frame, uint16_t sport, uint16_t dport,
			   uint8_t flags, uint32_t seq, uint32_t ack,
			   uint16_t wnd, const struct tusk_tcp_opts *o,
			   uint32_t plen);

/* Send that segment to the harness's stack. */
void tusk_test_seg_send(struct tusk_harness *h, uint16_t sport, uint16_t dport,
			uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
			const struct tusk_tcp_opts *o, uint32_t plen,
			uint64_t now);

/* Decode the i-th captured frame as a TCP segment (asserts it is one). */
void tusk_test_seg_sent(const struct tusk_harness *h, unsigned int i,
			struct tusk_test_seg *s);

/* Decode the last captured frame (asserts there is one). */
void tusk_test_seg_last(const struct tusk_harness *h, struct tusk_test_seg *s);

/* Passive open from the peer port `sport` to our listener on `dport`:
 * SYN (options o, may be NULL) at 1 ms, SYN-ACK checked, ACK at 2 ms.
 * Returns our ISS; the peer's ISS is `piss`. Clears the captured frames. */
uint32_t tusk_test_establish(struct tusk_harness *h, uint16_t sport,
			     uint16_t dport, uint32_t piss,
			     const struct tusk_tcp_opts *o);

#endif /* TUSK_TCP_SEGS_H */
