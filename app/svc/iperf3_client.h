/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iperf3 client's internals, shared by app/svc/iperf3_client*.c only
 * (the rest of the test is iperf3_priv.h's, common to both roles).
 */
#ifndef TUSK_IPERF3_CLIENT_H
#define TUSK_IPERF3_CLIENT_H

#include "iperf3_priv.h"

/* A UDP hello unanswered this long is sent again: the hello and its reply
 * cross the same lossy path as the data (iperf3 3.12 itself waits once,
 * 30 s; a lost hello would stall the test until the timeout). */
#define IPERF3_CLIENT_HELLO_RETRY_NS NS_PER_SEC
/* The client's UDP streams' local ports: the IANA dynamic range, tried
 * from a random start until one binds. */
#define IPERF3_CLIENT_UDP_PORT_LO 49152u
#define IPERF3_CLIENT_UDP_PORT_HI 65535u

struct iperf3_client {
	struct tusk_iperf3_client_req req;
	uint16_t port;               /* the server's */
	uint32_t id;                 /* current or last test */
	bool running;
	bool started;                /* TEST_START came */
	json_t *result;              /* the -J document, when done */
	json_t *peer;                /* the server's results */
	uint64_t t_stop;             /* omit + time after TEST_RUNNING */
	uint32_t connecting;         /* streams opened so far */
	bool want_json;              /* the server's results come */
	bool want_errno;             /* SERVER_ERROR's ints come */
	uint8_t errno_buf[8];
	uint32_t errno_got;
};

/* iperf3_client.c */
void iperf3_client_send_json(struct tusk_iperf3 *s, const char *txt,
			     size_t len, uint64_t now);

/* iperf3_client_io.c: open the streams one after another, as iperf3
 * does (the server numbers and assigns them in the order they come). */
void iperf3_client_streams(struct tusk_iperf3 *s, uint64_t now);
void iperf3_client_udp_hello(struct tusk_iperf3 *s, uint64_t now);
void iperf3_client_unbind(struct tusk_iperf3 *s);

/* iperf3_client_report.c */
int iperf3_client_peer_results(struct tusk_iperf3 *s, char *err,
			       size_t errlen);
/* The -J document of the test; why: the error that ended it, or NULL. */
json_t *iperf3_client_report(struct tusk_iperf3 *s, const char *why,
			     uint64_t now);

#endif /* TUSK_IPERF3_CLIENT_H */
