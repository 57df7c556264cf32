/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP / STAMP test packets (twamp_wire.h) as host-order structs, and the
 * two clocks' formats they carry: NTP timestamps and Error Estimates.
 * Pure functions: no clock, no I/O; the unit tests drive them directly.
 */
#ifndef TUSK_TWAMP_PKT_H
#define TUSK_TWAMP_PKT_H

#include <stdbool.h>
#include <stdint.h>

/* A Session-Sender packet (RFC 5357 4.1.2, RFC 8762 4.2.1). Timestamps
 * are NTP's 64-bit format: seconds since 1900 << 32 | fraction. */
struct tusk_twamp_send_pkt {
	uint32_t seq;
	uint64_t ts;
	uint16_t err_est;
	uint16_t ssid;     /* RFC 8972; 0 in TWAMP and plain STAMP */
};

/* A Session-Reflector packet (RFC 5357 4.2.1, RFC 8762 4.3.1). */
struct tusk_twamp_refl_pkt {
	uint32_t seq;
	uint64_t ts;        /* reflector's transmit time */
	uint16_t err_est;
	uint16_t ssid;
	uint64_t rx_ts;     /* reflector's receive time */
	uint32_t sender_seq;
	uint64_t sender_ts;
	uint16_t sender_err_est;
	uint8_t sender_ttl;
};

/* Unix time in ns <-> NTP 64-bit timestamp (RFC 5905 6). The fraction is
 * rounded to the nearest 2^-32 s (0.23 ns); NTP era 0 only (until 2036). */
uint64_t tusk_twamp_ntp_from_unix_ns(uint64_t unix_ns);
uint64_t tusk_twamp_ntp_to_unix_ns(uint64_t ntp);

/* Error Estimate (RFC 4656 4.1.2) for an error of err_ns, rounded up to
 * what the format can say (Multiplier * 2^(Scale-32) s, multiplier not
 * 0), on the finest scale that holds it; any 64-bit err_ns fits. */
uint16_t tusk_twamp_err_encode(bool synced, uint64_t err_ns);
/* The error in ns, and S; -EINVAL for a zero multiplier (RFC 4656: MUST
 * NOT be zero), which senders use to say nothing. */
int tusk_twamp_err_decode(uint16_t e, bool *synced, double *err_ns);

/* Decode a sender packet of len bytes: 0, or -EMSGSIZE when shorter than
 * TWAMP_TEST_SEND_MIN. The SSID is read when len is STAMP's 44 or more. */
int tusk_twamp_send_decode(const void *buf, uint32_t len,
			   struct tusk_twamp_send_pkt *out);
/* Encode into len >= TWAMP_TEST_SEND_MIN bytes, the rest zeros (RFC 8762
 * 4.2.1: MBZ; RFC 5357 4.1.2 lets padding be anything). */
void tusk_twamp_send_encode(void *buf, uint32_t len,
			    const struct tusk_twamp_send_pkt *p);

/* The same for reflector packets; -EMSGSIZE below TWAMP_TEST_REFL_MIN. */
int tusk_twamp_refl_decode(const void *buf, uint32_t len,
			   struct tusk_twamp_refl_pkt *out);
void tusk_twamp_refl_encode(void *buf, uint32_t len,
			    const struct tusk_twamp_refl_pkt *p);

/* Length of the reflection of a len-byte sender packet: the same length,
 * symmetric as RFC 5357 4.2.1 (padding truncated by 27 bytes) and RFC
 * 8762 4.3 (44 -> 44) ask, but never below the reflector's 41 fields. */
uint32_t tusk_twamp_refl_len(uint32_t sender_len);

#endif /* TUSK_TWAMP_PKT_H */
