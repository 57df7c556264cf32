/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iperf3 wire protocol, as esnet/iperf 3.12 speaks it (src/iperf.h,
 * iperf_api.h, iperf_api.c, iperf_server_api.c, iperf_tcp.c, iperf_udp.c;
 * the facts are listed in app/svc/iperf3.md with where each comes from).
 *
 * Control connection (TCP): the client sends a 37-byte cookie, then the
 * server drives the test with single signed state bytes; parameters and
 * results are JSON objects after a 4-byte big-endian length, no NUL.
 * TCP data streams open to the same port and send the cookie first. UDP
 * streams say hello with a 4-byte datagram to the same port, answered
 * with another; each data datagram starts with the sender's time and a
 * sequence number.
 */
#ifndef TUSK_IPERF3_WIRE_H
#define TUSK_IPERF3_WIRE_H

#include <stdint.h>

#include <rte_byteorder.h>

/* State bytes (iperf_api.h). */
enum iperf3_state {
	IPERF3_TEST_START = 1,
	IPERF3_TEST_RUNNING = 2,
	IPERF3_TEST_END = 4,
	IPERF3_PARAM_EXCHANGE = 9,
	IPERF3_CREATE_STREAMS = 10,
	IPERF3_SERVER_TERMINATE = 11,
	IPERF3_CLIENT_TERMINATE = 12,
	IPERF3_EXCHANGE_RESULTS = 13,
	IPERF3_DISPLAY_RESULTS = 14,
	IPERF3_IPERF_START = 15,
	IPERF3_IPERF_DONE = 16,
	IPERF3_ACCESS_DENIED = -1,
	IPERF3_SERVER_ERROR = -2,
};

/* 36 characters of [a-z2-7] and a NUL (iperf.h COOKIE_SIZE). */
#define IPERF3_COOKIE_SIZE 37
/* The JSON length prefix. */
#define IPERF3_JSON_LEN_SIZE 4

/*
 * The UDP hello and its reply: iperf3 writes the int in host order, so
 * on the little-endian hosts it runs on the client's hello is the bytes
 * "9876" (UDP_CONNECT_MSG 0x36373839) and the reply "6789"
 * (UDP_CONNECT_REPLY 0x39383736). The server reads any 4 bytes as a
 * hello; 3.12 clients also accept the legacy reply 987654321.
 */
#define IPERF3_UDP_HELLO_SIZE 4
static const uint8_t iperf3_udp_reply[IPERF3_UDP_HELLO_SIZE] = {
	'6', '7', '8', '9'
};

/* A UDP data datagram's head: the sender's clock (CLOCK_MONOTONIC in
 * iperf3) and the sequence number, from 1; 32 bits unless the client asked
 * for udp_counters_64bit. */
struct iperf3_udp_head {
	rte_be32_t sec;
	rte_be32_t usec;
	rte_be32_t seq;     /* 64-bit counters: the high word ... */
	rte_be32_t seq_lo;  /* ... and the low one */
} __attribute__((packed));
#define IPERF3_UDP_HEAD_32 12
#define IPERF3_UDP_HEAD_64 16

/* SERVER_ERROR is followed by i_errno and errno, 4-byte big-endian
 * each; IEUNIMP ("not implemented yet") is what tuskd sends for a mode
 * it does not run. */
#define IPERF3_IEUNIMP 13

#endif /* TUSK_IPERF3_WIRE_H */
