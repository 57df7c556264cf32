/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP and STAMP on the wire, unauthenticated mode only (app/svc/twamp.md
 * has the layouts with their sources):
 *   - test packets (UDP): RFC 5357 section 4.1.2 (sender) and 4.2.1
 *     (reflector), RFC 5357 Appendix I (TWAMP-Light), RFC 8762 section
 *     4.2.1 / 4.3.1 (STAMP: the same fields, 44 bytes both ways);
 *   - TWAMP-Control (TCP): RFC 4656 section 3.1 (Server Greeting,
 *     Set-Up-Response, Server-Start) and RFC 5357 section 3 (Request-TW-
 *     Session, Accept-Session, Start-Sessions, Start-Ack, Stop-Sessions).
 * Every multi-byte field is big-endian; timestamps are NTP's 64-bit format
 * (RFC 5905 section 6: seconds since 1900, then a 32-bit fraction).
 */
#ifndef TUSK_TWAMP_WIRE_H
#define TUSK_TWAMP_WIRE_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

/* NTP timestamp (RFC 5905 6). */
struct twamp_ts {
	rte_be32_t sec;
	rte_be32_t frac;
} __rte_packed;

/* Session-Sender test packet, unauthenticated (RFC 5357 4.1.2; STAMP
 * RFC 8762 4.2.1 adds 30 MBZ bytes, RFC 8972 puts an SSID in the first
 * two). Packet padding follows. */
struct twamp_test_send {
	rte_be32_t seq;
	struct twamp_ts ts;
	rte_be16_t err_est;
} __rte_packed;

/* Session-Reflector test packet, unauthenticated (RFC 5357 4.2.1, RFC
 * 8762 4.3.1). Padding (TWAMP) or 3 MBZ bytes (STAMP) follow. */
struct twamp_test_refl {
	rte_be32_t seq;
	struct twamp_ts ts;           /* transmit time */
	rte_be16_t err_est;
	rte_be16_t mbz1;              /* RFC 8972: SSID, copied */
	struct twamp_ts rx_ts;        /* receive time */
	rte_be32_t sender_seq;
	struct twamp_ts sender_ts;
	rte_be16_t sender_err_est;
	rte_be16_t mbz2;
	uint8_t sender_ttl;
} __rte_packed;

/* The smallest sender packet: its fields without padding (RFC 5357
 * 4.1.2). A shorter datagram is no test packet. */
#define TWAMP_TEST_SEND_MIN ((uint32_t)sizeof(struct twamp_test_send))
/* The reflector's fields: 41 bytes (RFC 5357 4.2.1). */
#define TWAMP_TEST_REFL_MIN ((uint32_t)sizeof(struct twamp_test_refl))
/* STAMP's unauthenticated packet, both ways (RFC 8762 4.2.1, 4.3.1). */
#define TWAMP_STAMP_LEN 44u
/* Offset of the sender's SSID in a STAMP packet (RFC 8972 3). */
#define TWAMP_STAMP_SSID_OFF 14u

/* Error Estimate (RFC 4656 4.1.2): S (clock synchronised to UTC), Z (0:
 * NTP format, RFC 8762 4.2.1), Scale (6 bits), Multiplier (8 bits); the
 * error is Multiplier * 2^(Scale - 32) seconds. */
#define TWAMP_ERR_S 0x8000u
#define TWAMP_ERR_Z 0x4000u
#define TWAMP_ERR_SCALE_SHIFT 8
#define TWAMP_ERR_SCALE_MASK 0x3fu
#define TWAMP_ERR_MULT_MASK 0xffu

/* Seconds from the NTP epoch (1900) to the Unix epoch (1970): 70 years
 * with 17 leap days (RFC 868). */
#define TWAMP_NTP_UNIX_OFFSET 2208988800ull

/* ---- TWAMP-Control (RFC 4656 3.1, RFC 5357 3) ---- */

/* Modes (RFC 4656 3.1): only unauthenticated is offered. */
#define TWAMP_MODE_UNAUTH 1u
/* Accept values (RFC 4656 3.3). */
enum twamp_accept {
	TWAMP_ACCEPT_OK = 0,
	TWAMP_ACCEPT_FAILURE = 1,
	TWAMP_ACCEPT_INTERNAL = 2,
	TWAMP_ACCEPT_UNSUPPORTED = 3,
	TWAMP_ACCEPT_PERMANENT = 4,
	TWAMP_ACCEPT_TEMPORARY = 5,
};
/* Command numbers (RFC 5357 3.5, 3.7, 3.8; 1 is OWAMP's Request-Session,
 * 4 Fetch-Session, neither used by TWAMP). */
enum twamp_cmd {
	TWAMP_CMD_START_SESSIONS = 2,
	TWAMP_CMD_STOP_SESSIONS = 3,
	TWAMP_CMD_REQUEST_TW_SESSION = 5,
};

/* Server Greeting (RFC 4656 3.1). Count: the PBKDF2 iterations a client
 * would use in authenticated mode, "a power of 2, at least 1024". */
struct twamp_greeting {
	uint8_t unused[12];
	rte_be32_t modes;
	uint8_t challenge[16];
	uint8_t salt[16];
	rte_be32_t count;
	uint8_t mbz[12];
} __rte_packed;
#define TWAMP_GREETING_COUNT 1024u

/* Set-Up-Response (RFC 4656 3.1): in unauthenticated mode only Mode
 * counts; KeyID, Token and Client-IV are unused. */
struct twamp_setup {
	rte_be32_t mode;
	uint8_t key_id[80];
	uint8_t token[64];
	uint8_t client_iv[16];
} __rte_packed;

/* Server-Start (RFC 4656 3.1). */
struct twamp_server_start {
	uint8_t mbz1[15];
	uint8_t accept;
	uint8_t server_iv[16];
	struct twamp_ts start_time;
	uint8_t mbz2[8];
} __rte_packed;

/* Request-TW-Session (RFC 5357 3.5): IPVN in the low 4 bits of byte 1. */
struct twamp_request {
	uint8_t cmd;
	uint8_t ipvn;
	uint8_t conf_sender;
	uint8_t conf_receiver;
	rte_be32_t slots;
	rte_be32_t packets;
	rte_be16_t sender_port;
	rte_be16_t receiver_port;
	rte_be32_t sender_addr;
	uint8_t sender_addr6[12];
	rte_be32_t receiver_addr;
	uint8_t receiver_addr6[12];
	uint8_t sid[16];
	rte_be32_t padding_len;
	struct twamp_ts start_time;
	struct twamp_ts timeout;
	rte_be32_t type_p;
	uint8_t mbz[8];
	uint8_t hmac[16];
} __rte_packed;

/* Accept-Session (RFC 5357 3.5). */
struct twamp_accept_session {
	uint8_t accept;
	uint8_t mbz1;
	rte_be16_t port;
	uint8_t sid[16];
	uint8_t mbz2[12];
	uint8_t hmac[16];
} __rte_packed;

/* Start-Sessions (RFC 5357 3.7); Start-Ack has the same size. */
struct twamp_start {
	uint8_t cmd;
	uint8_t mbz[15];
	uint8_t hmac[16];
} __rte_packed;

struct twamp_start_ack {
	uint8_t accept;
	uint8_t mbz[15];
	uint8_t hmac[16];
} __rte_packed;

/* Stop-Sessions (RFC 5357 3.8). */
struct twamp_stop {
	uint8_t cmd;
	uint8_t accept;
	uint8_t mbz1[2];
	rte_be32_t sessions;
	uint8_t mbz2[8];
	uint8_t hmac[16];
} __rte_packed;

/* Every client command is 32 bytes or Request-TW-Session's 112: the first
 * byte tells which (RFC 5357 3.4). */
#define TWAMP_CMD_LEN 32u
#define TWAMP_REQUEST_LEN 112u
#define TWAMP_SETUP_LEN ((uint32_t)sizeof(struct twamp_setup))

#endif /* TUSK_TWAMP_WIRE_H */
