/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options codec: MSS (RFC 9293 3.2), window scale and timestamps
 * (RFC 7323), SACK-permitted and SACK blocks (RFC 2018), NOP/EOL.
 */
#ifndef TUSK_TCP_OPTIONS_H
#define TUSK_TCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum tusk_tcp_opt_kind {
	TUSK_TCP_OPT_EOL = 0,
	TUSK_TCP_OPT_NOP = 1,
	TUSK_TCP_OPT_MSS = 2,
	TUSK_TCP_OPT_WS = 3,
	TUSK_TCP_OPT_SACK_OK = 4,
	TUSK_TCP_OPT_SACK = 5,
	TUSK_TCP_OPT_TS = 8,
};

/* Which options a segment carried (struct tusk_tcp_opts.present). */
#define TUSK_TCP_OPTF_MSS     (1u << 0)
#define TUSK_TCP_OPTF_WS      (1u << 1)
#define TUSK_TCP_OPTF_SACK_OK (1u << 2)
#define TUSK_TCP_OPTF_TS      (1u << 3)
#define TUSK_TCP_OPTF_SACK    (1u << 4)

/* A SACK option holds at most 4 blocks in 40 bytes (RFC 2018 section 3);
 * 3 fit beside a timestamp option. */
#define TUSK_TCP_MAX_SACK 4
#define TUSK_TCP_MAX_SACK_TS 3

struct tusk_tcp_sack_block {
	uint32_t start; /* host order */
	uint32_t end;
};

struct tusk_tcp_opts {
	uint8_t present;  /* TUSK_TCP_OPTF_* */
	uint8_t wscale;   /* clamped to 14 (RFC 7323 section 2.3) */
	uint8_t nsack;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	struct tusk_tcp_sack_block sack[TUSK_TCP_MAX_SACK];
};

/*
 * Parse `len` bytes of options. MSS, window scale and SACK-permitted count
 * only when `syn` (RFC 7323 section 2.2: WS elsewhere is ignored). Known
 * kinds with a wrong length and unknown kinds are skipped. Returns 0, or
 * -EINVAL if a length runs past the end or is < 2: parsing stops there and
 * what was parsed before stays (RFC 9293 3.1: be prepared for illegal
 * option lengths; like Linux, we keep the segment).
 */
int tusk_tcp_options_parse(const uint8_t *p, unsigned int len, bool syn,
			   struct tusk_tcp_opts *o);

/*
 * Write the options in `o` (present bits, nsack blocks) into buf, NOP-padded
 * to a multiple of 4 and at most `room` bytes (SACK blocks that do not fit
 * are left out), and add them to the checksum accumulator *sum as 32-bit
 * words (tusk_cksum_put32() in cksum.h). Returns the bytes written, which
 * tusk_tcp_options_len() gives beforehand.
 */
unsigned int tusk_tcp_options_write(uint8_t *buf, unsigned int room,
				    const struct tusk_tcp_opts *o,
				    uint64_t *sum);
unsigned int tusk_tcp_options_len(const struct tusk_tcp_opts *o,
				  unsigned int room);

#endif /* TUSK_TCP_OPTIONS_H */
